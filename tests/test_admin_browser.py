"""In Chromium with axe-core: the new admin, cycle, progress, borough and alert pages with their error states, at
375 px, and their forms working without JavaScript."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.a11y import assert_no_axe_violations
from tests.conftest import sign_in_browser

pytestmark = pytest.mark.browser

TODAY = date.today()


def _submit(page, name):
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


def _error_shown(page, text):
    expect(page.locator(".govuk-error-summary")).to_contain_text(text)
    assert_no_axe_violations(page)


def _cycle(app, **fields):
    from recruit.extensions import db
    from recruit.models import RecruitmentCycle

    with app.app_context():
        cycle = RecruitmentCycle(
            name=fields.get("name", "2026 to 2027"),
            opens_on=TODAY - timedelta(days=10),
            closes_on=TODAY + timedelta(days=300),
            target=100,
        )
        db.session.add(cycle)
        db.session.commit()
        return cycle.id


def _fill_date(page, field, day: date):
    page.fill(f"#{field}-day", str(day.day))
    page.fill(f"#{field}-month", str(day.month))
    page.fill(f"#{field}-year", str(day.year))


def test_admin_error_states_have_no_violations(page, app, make_user):
    cycle_id = _cycle(app)
    sign_in_browser(page, app, make_user("admin", None))
    page.goto("/admin/users/invite")
    page.fill("#email", "not-an-email")
    _submit(page, "Send invitation")
    _error_shown(page, "Enter an email address in the correct format")
    page.goto("/admin/boroughs/hackney")
    page.fill("#contact_phone", "call me")
    _submit(page, "Save changes")
    _error_shown(page, "Enter a phone number")
    page.goto("/admin/standards/new")
    _submit(page, "Save standard")
    _error_shown(page, "Enter the standard's reference")
    page.goto("/admin/cycles/new")
    page.fill("#name", "Overlapping")
    _fill_date(page, "opens_on", TODAY)
    _fill_date(page, "closes_on", TODAY - timedelta(days=1))
    page.fill("#target", "10001")
    _submit(page, "Save cycle")
    _error_shown(page, "Target must be a whole number from 0 to 10,000")
    page.goto(f"/admin/cycles/{cycle_id}")
    page.fill("#target-hackney", "-1")
    _submit(page, "Save borough targets")
    _error_shown(page, "Hackney: target must be a whole number from 0 to 10,000")
    page.goto("/admin/audit?date_from=31/2/2026")
    _error_shown(page, "From date must be a real date")
    for path in (
        f"/admin/cycles/{cycle_id}",
        f"/admin/cycles/{cycle_id}/edit",
        "/admin/standards/ST0116",
        "/admin/boroughs/hackney",
        f"/reports/progress?cycle={cycle_id}",
    ):
        page.goto(path)
        assert_no_axe_violations(page)


def test_progress_and_alert_error_states_have_no_violations(page, app, make_user):
    _cycle(app)
    page.goto("/progress?cycle=999")
    _error_shown(page, "Select a cycle from the list")
    sign_in_browser(page, app, make_user("candidate"))
    page.goto("/alerts/new")
    _submit(page, "Save alert")
    _error_shown(page, "Choose at least one thing to look for")


def test_new_pages_fit_a_phone_and_have_no_violations(browser, live_server, make_user, app):
    from recruit.demo import seed_demo

    with app.app_context():
        seed_demo()
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 812})
    page = context.new_page()
    page.set_default_timeout(10_000)
    for path in ("/progress",):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
        assert_no_axe_violations(page)
    sign_in_browser(page, app, make_user("admin", None))
    for path in (
        "/admin/cycles/1",
        "/admin/users",
        "/admin/audit",
        "/admin/boroughs",
        "/admin/standards",
        "/reports/progress",
        "/reports/borough",
    ):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} is {width}px wide"
        assert_no_axe_violations(page)
    context.close()


def test_admin_invites_and_runs_a_cycle_without_javascript(browser, live_server, make_user, app):
    # A new admin, with no authenticator app yet: setting one up at first sign-in works without JavaScript too.
    admin = make_user("admin", None, totp_secret=None, totp_enabled_at=None)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in_browser(page, app, admin)
    page.goto("/admin/users/invite")
    page.fill("#email", "invitee@test.example")
    page.get_by_label("Analyst").check()
    _submit(page, "Send invitation")
    expect(page.locator("body")).to_contain_text("Invitation sent to invitee@test.example")
    page.goto("/admin/cycles/new")
    page.fill("#name", "Next cycle")
    _fill_date(page, "opens_on", TODAY)
    _fill_date(page, "closes_on", TODAY + timedelta(days=365))
    page.fill("#target", "100")
    _submit(page, "Save cycle")
    page.fill("#target-hackney", "20")
    _submit(page, "Save borough targets")
    expect(page.locator("body")).to_contain_text("Borough targets saved")
    page.goto("/progress")
    expect(page.locator("h1")).to_contain_text("Next cycle")
    context.close()
