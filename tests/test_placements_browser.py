"""Placements in a real browser: every new page, and its error states, with 0 axe-core violations (WCAG 2.2 AA)."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.a11y import assert_no_axe_violations
from tests.factories import make_placement

pytestmark = pytest.mark.browser
TODAY = date.today()


def test_listing_with_results_and_with_a_filter_error(app, page):
    for outward in ("E8", "N1", "SE9"):
        make_placement(app, outward=outward, borough="hackney")
    app.config["PAGE_SIZE"] = 2
    page.goto("/placements/?postcode=E8&sort=distance")
    assert page.locator("h1").inner_text() == "Find a placement"
    expect(page.locator(".govuk-pagination")).to_have_count(1)
    assert_no_axe_violations(page)
    page.fill("#postcode", "M1 1AE")
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()
    assert "Enter a postcode in London" in page.locator(".govuk-error-summary").inner_text()
    assert_no_axe_violations(page)


def test_placement_page(app, page):
    placement_id = make_placement(app, hours_per_week=25)
    page.goto(f"/placements/{placement_id}")
    expect(page.get_by_role("button", name="Apply").or_(page.get_by_role("link", name="Apply"))).to_have_count(1)
    assert_no_axe_violations(page)


def test_staff_pages_list_form_errors_preview_and_import(app, page, make_user, browser_sign_in):
    for status in ("draft", "live", "closed"):
        make_placement(app, status=status, title=f"A {status} placement")
    browser_sign_in(make_user("borough_staff", "hackney"))
    page.goto("/staff/")
    expect(page.locator("table tbody tr")).to_have_count(3)
    assert_no_axe_violations(page)

    page.goto("/staff/placements/new")
    assert_no_axe_violations(page)
    page.get_by_label("Data analyst (level 4)").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert page.locator("h1").inner_text() == "Placement details"
    assert_no_axe_violations(page)  # the empty form
    page.fill("#title", "Data apprentice")
    page.fill("#wage_amount", "2")
    page.fill("#hours_per_week", "20")
    with page.expect_navigation():
        page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".govuk-error-summary")).to_have_count(1)
    assert page.input_value("#title") == "Data apprentice"
    assert_no_axe_violations(page)  # the form with errors

    page.fill("#description", "Dashboards for housing.")
    page.get_by_label("SQL", exact=True).check()
    page.fill("#wage_amount", "9.50")
    page.get_by_label("Per hour").check()
    page.fill("#positions", "1")
    start, closing = TODAY + timedelta(days=90), TODAY + timedelta(days=20)
    for name, value in (("start_date", start), ("closing_date", closing)):
        page.fill(f"#{name}-day", str(value.day))
        page.fill(f"#{name}-month", str(value.month))
        page.fill(f"#{name}-year", str(value.year))
    page.fill("#workplace_postcode", "E8 1DY")
    page.fill("#training_provider", "City College")
    page.fill("#adjustments_contact", "jobs@hackney.example")
    with page.expect_navigation():
        page.get_by_role("button", name="Save draft").click()
    assert "Draft saved" in page.content()
    assert "Most apprenticeships are 30 hours a week or more" in page.content()
    assert_no_axe_violations(page)  # the preview

    with page.expect_navigation():
        page.get_by_role("button", name="Publish").click()
    assert "Placement published" in page.content()
    assert_no_axe_violations(page)

    page.goto("/staff/placements/import")
    assert_no_axe_violations(page)
    page.set_input_files(
        "#file",
        files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": b"title,standard\nOnly two columns,ST0116\n"}],
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Import placements").click()
    assert "The first row must be the column headings" in page.locator(".govuk-error-summary").inner_text()
    assert_no_axe_violations(page)
    header = (
        "title,standard,description,skills,skills_text,wage_amount,wage_unit,hours_per_week,positions,start_date,"
        "closing_date,workplace_postcode,training_provider,disability_confident,resident_priority,adjustments_contact"
    )
    bad_row = "T,ST0116,D,git,,1,hour,37,1,2020-01-01,2020-01-01,M1 1AE,P,no,no,c"
    page.set_input_files(
        "#file", files=[{"name": "rows.csv", "mimeType": "text/csv", "buffer": f"{header}\n{bad_row}\n".encode()}]
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Import placements").click()
    assert page.locator("#problems tbody tr").count() >= 3
    assert_no_axe_violations(page)  # the row-by-row report
