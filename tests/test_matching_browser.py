"""Matching pages in Chromium through axe-core: How matching works, admin runs, recruiter review (error states too)."""

import re

import pytest
from playwright.sync_api import expect

from tests.a11y import assert_no_axe_violations
from tests.factories import make_candidate, make_placement
from tests.matching_data import run

pytestmark = pytest.mark.browser


def _check(page, path=None):
    if path:
        page.goto(path)
    expect(page.locator("h1"), f"{page.url} should have one h1").to_have_count(1)
    assert_no_axe_violations(page)


def _click(page, name):
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def test_how_matching_works_page(page):
    _check(page, "/how-matching-works")
    expect(page.get_by_role("heading", name="A worked example")).to_be_visible()


def test_admin_suggestion_run_pages(page, app, make_user, browser_sign_in):
    placement = make_placement(app)
    make_candidate(app, make_user, [placement])
    run(app, seed=5, publish=False)
    browser_sign_in(make_user("admin", None))
    _check(page, "/admin/")
    _check(page, "/admin/match-runs")
    page.fill("#seed", "not a number")
    _click(page, "Run matching")
    _check(page)  # the error state
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    page.get_by_label("Round 1: suggest candidates to every live placement").check()
    page.fill("#seed", "")
    _click(page, "Run matching")
    assert re.search(r"/admin/match-runs/\d+$", page.url)
    _check(page)  # the preview, with who is left without a suggestion
    expect(page.get_by_text("This is a preview: only admins can see it.")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("link", name="Publish this run").click()  # a link styled as a button, to the confirmation
    _check(page)
    expect(page.get_by_text("You cannot undo publishing.")).to_be_visible()
    _click(page, "Publish this run")
    _check(page)  # published, with the success banner
    expect(page.get_by_text("is published: recruiters can see its 1 suggestion(s)")).to_be_visible()
    page.goto("/admin/match-runs")
    page.get_by_label("Round 1: suggest candidates to every live placement").check()
    _click(page, "Run matching")
    _check(page)  # refused: round 1 is published
    expect(page.locator(".govuk-error-summary")).to_contain_text("so it cannot be run again")

    from recruit.services.matching import fail_run, start_run
    from recruit.services.tasks import record_failure

    with app.app_context():
        started = start_run(2, 1, enqueue=False).id
    _check(page, f"/admin/match-runs/{started}")  # the progress page
    expect(page.get_by_text("Waiting for a worker")).to_be_visible()
    with app.app_context():
        record_failure("match_run_task", str(started), "RuntimeError: the database went away", 5)
        fail_run(started, "RuntimeError: the database went away")
    _check(page, f"/admin/match-runs/{started}")
    expect(page.get_by_text("This run failed")).to_be_visible()
    _check(page, "/admin/tasks")
    with page.context.new_page() as phone:
        phone.set_viewport_size({"width": 375, "height": 812})
        for path in (f"/admin/match-runs/{started}", "/admin/tasks", "/admin/match-runs"):
            phone.goto(path)
            assert phone.evaluate("document.documentElement.scrollWidth") <= 375, path


def test_recruiter_review_pages(page, app, make_user, browser_sign_in):
    placement = make_placement(app, title="Junior developer apprentice (Housing repairs)")
    make_candidate(app, make_user, [placement])
    suggestion = run(app).suggestions[0]
    browser_sign_in(make_user("recruiter", "hackney"))
    _check(page, "/recruiters/")
    _check(page, f"/recruiters/placements/{placement}")
    _check(page, f"/recruiters/suggestions/{suggestion.id}")
    _click(page, "Shortlist")
    _check(page)  # shortlisted: the success banner, name and contact details, two buttons
    with page.expect_navigation():
        page.get_by_role("link", name="Reject with feedback").click()
    _check(page)
    _click(page, "Reject and send feedback")
    _check(page)  # the error state
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    page.get_by_label("Other candidates were a closer match").check()
    page.fill("#feedback", "Thank you for applying. Others had more experience with SQL.")
    _click(page, "Reject and send feedback")
    _check(page)


def test_guaranteed_interview_scheme_pages(page, app, make_user, browser_sign_in):
    placement = make_placement(app, title="Junior developer apprentice (Parks)")
    make_candidate(app, make_user, [placement], guaranteed_interview=True)
    suggestion = run(app).suggestions[0]
    browser_sign_in(make_user("recruiter", "hackney"))
    _check(page, f"/recruiters/placements/{placement}")
    expect(page.get_by_text("Guaranteed interview scheme", exact=True)).to_be_visible()
    _check(page, f"/recruiters/suggestions/{suggestion.id}/reject")
    _click(page, "Reject and send feedback")
    _check(page)  # the error state
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select the essential requirement they do not meet")
    page.get_by_label("Can work 35 hours a week").check()
    page.fill("#feedback", "The placement needs 35 hours a week, and you told us you can work fewer.")
    _click(page, "Reject and send feedback")
    _check(page)
    expect(page.locator(".govuk-notification-banner")).to_contain_text("rejected")


def test_candidate_dashboard_with_the_reasons_for_no_suggestion(page, app, make_user, browser_sign_in):
    placement = make_placement(app, title="Popular developer placement", skills=["Python", "SQL", "git"])
    make_candidate(app, make_user, [placement], skills=["Python", "SQL", "git"])
    missed = make_candidate(app, make_user, [placement], skills=[])
    app.config["SHORTLIST_FACTOR"] = 1
    run(app)
    browser_sign_in(missed)
    page.wait_for_url("**/candidates/")
    _check(page)
    expect(page.get_by_role("heading", name="Why we have not suggested you")).to_be_visible()
    page.get_by_text("The numbers behind this").click()
    expect(page.get_by_text("The lowest score it took was")).to_be_visible()
    assert_no_axe_violations(page)
