"""The timeout warning in a real browser: it opens before the session ends, 'Stay signed in' keeps the session,
and when time runs out the next page explains what happened. 0 axe-core violations with the dialog open."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from recruit.extensions import db
from recruit.models import UserSession, utcnow
from tests.a11y import assert_no_axe_violations

pytestmark = pytest.mark.browser


def test_timeout_warning_keeps_or_ends_the_session(app, page, make_user, browser_sign_in):
    browser_sign_in(make_user("recruiter"))
    page.wait_for_url("**/recruiters/")
    # Now a 15-second idle limit with an 8-second warning keeps the test short; the real ones are 30 minutes and 2.
    app.config.update(SESSION_IDLE_MINUTES_STAFF=0.25, SESSION_WARNING_SECONDS=8)
    with app.app_context():
        db.session.execute(update(UserSession).values(last_seen_at=utcnow()))
        db.session.commit()
    page.reload()
    dialog = page.get_by_role("dialog", name="You’re about to be signed out")
    expect(dialog).to_be_hidden()
    expect(dialog).to_be_visible(timeout=12_000)
    assert "Anything you have saved will not be lost" in dialog.inner_text()
    assert_no_axe_violations(page)
    dialog.get_by_role("button", name="Stay signed in").click()
    expect(dialog).to_be_hidden()
    # Nothing more is done: the warning comes back, then the session ends and the page says why.
    expect(dialog).to_be_visible(timeout=12_000)
    page.wait_for_url("**/sign-in**", timeout=25_000)
    banner = page.locator(".govuk-notification-banner")
    expect(banner).to_contain_text("You have been signed out because you did not do anything for")
    expect(banner).to_contain_text("Anything you saved has not been lost")
    page.goto("/recruiters/")
    page.wait_for_url("**/sign-in**")
