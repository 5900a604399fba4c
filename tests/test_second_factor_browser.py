"""The second-factor pages, the register result and sign out of every device in Chromium: 0 axe-core violations,
error states included, and they fit a 375 px phone."""

import re

import pyotp
import pytest
from playwright.sync_api import expect

from tests.a11y import assert_no_axe_violations
from tests.conftest import give_password

pytestmark = pytest.mark.browser


def _fits_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{page.url} is {width}px wide"


def test_set_up_verify_and_recovery_pages(browser, live_server, make_user):
    user = make_user("recruiter", totp_secret=None, totp_enabled_at=None)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 812})
    page = context.new_page()
    give_password(page, user)
    page.wait_for_url("**/second-factor/set-up**")
    expect(page.locator("h1")).to_have_text("Set up your authenticator app")
    assert_no_axe_violations(page)
    _fits_phone(page)
    page.fill("#code", "000000")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the 6-digit code your app shows now")
    assert_no_axe_violations(page)
    key = page.locator("#totp-key").inner_text().replace(" ", "")
    page.fill("#code", pyotp.TOTP(key).now())
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Save your recovery codes")
    assert len(re.findall(r"[A-Z0-9]{5}-[A-Z0-9]{5}", page.locator("main").inner_text())) == 10
    assert_no_axe_violations(page)
    _fits_phone(page)
    page.goto("/sign-out")
    expect(page.get_by_role("button", name="Sign out of every device")).to_be_visible()
    assert_no_axe_violations(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out", exact=True).click()
    give_password(page, user)
    expect(page.locator("h1")).to_have_text("Enter a code from your authenticator app")
    page.fill("#code", "12")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_no_axe_violations(page)
    _fits_phone(page)
    context.close()


def test_check_your_email_page(page):
    page.goto("/register")
    page.fill("#email", "new.person@example.com")
    page.fill("#password", "tangerine-bicycle-harbour")
    with page.expect_navigation():
        page.get_by_role("button", name="Create account").click()
    expect(page.locator("h1")).to_have_text("Check your email")
    assert_no_axe_violations(page)
