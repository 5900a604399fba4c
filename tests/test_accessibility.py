"""Every page, for every role, in real Chromium with axe-core: 0 WCAG 2.2 A/AA violations.

Pages without URL parameters are found from the app's routes, so a new page is checked as soon as it exists;
pages that need a record or a state (errors, ids) are covered by each area's own browser tests."""

import pytest
from playwright.sync_api import expect

from tests.a11y import assert_no_axe_violations, axe_violations
from tests.conftest import TEST_PASSWORD, sign_in_browser

pytestmark = pytest.mark.browser

# Routes that are not pages: downloads, JSON, actions that only accept POST, sign-out's confirmation is a page;
# the operators' endpoints answer JSON or Prometheus text (tests/test_operations.py).
NOT_PAGES = ("/api/", "/assets/", ".csv", ".json", "/download", "/healthz", "/readyz", "/metrics")

# Which URL prefixes belong to each role's part of the service (checked signed in as that role).
ROLE_AREAS = {
    "candidate": ("/candidates/", "/apply/", "/alerts/"),
    "borough_staff": ("/staff/", "/reports/"),
    "recruiter": ("/recruiters/", "/reports/borough", "/reports/progress"),
    "analyst": ("/reports/",),
    "admin": ("/admin/", "/reports/"),
}
# Pages inside a role's area that the role is not meant to open (the borough page is for people of a borough).
NOT_FOR_ROLE = {"analyst": ("/reports/borough",)}


def _role_paths(app, role) -> list[str]:
    return [p for p in _page_paths(app) if p.startswith(ROLE_AREAS[role]) and p not in NOT_FOR_ROLE.get(role, ())]


def _page_paths(app) -> list[str]:
    paths = set()
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and not any(p in rule.rule for p in NOT_PAGES):
            paths.add(rule.rule)
    return sorted(paths)


def _check(page, path):
    response = page.goto(path)
    assert response.status in (200,), f"{path} answered {response.status}"
    expect(page.locator("h1"), f"{path} must have exactly one h1").to_have_count(1)
    assert_no_axe_violations(page)


def test_public_pages_have_no_violations(page, app):
    public = [
        p
        for p in _page_paths(app)
        if not any(p.startswith(a) for areas in ROLE_AREAS.values() for a in areas)
        and p not in ("/sign-out",)
        and not p.startswith("/confirm-email")
        and not p.startswith("/reset-password")
    ]
    assert "/" in public and "/privacy" in public and "/sign-in" in public
    for path in public:
        _check(page, path)
    page.goto("/definitely-not-a-page")
    assert_no_axe_violations(page)


@pytest.mark.parametrize("role", list(ROLE_AREAS))
def test_each_roles_pages_have_no_violations(page, app, make_user, browser_sign_in, role):
    user = make_user(role, "hackney" if role in ("borough_staff", "recruiter") else None)
    browser_sign_in(user)
    paths = _role_paths(app, role) + ["/sign-out"]
    for path in paths:
        response = page.goto(path)
        if response.status == 200:
            assert_no_axe_violations(page)
        else:
            # a role may be sent on (302 followed by the browser) but never shown an error
            assert response.status < 400, f"{role} got {response.status} on {path}"


def test_form_error_states_have_no_violations(page):
    for path, button in (
        ("/sign-in", "Sign in"),
        ("/register", "Create account"),
        ("/forgot-password", "Send me a link"),
    ):
        page.goto(path)
        with page.expect_navigation():
            page.get_by_role("button", name=button).click()
        expect(page.locator(".govuk-error-summary"), path).to_be_visible()
        assert_no_axe_violations(page)


def test_phone_width_pages_have_no_violations(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 812})
    page = context.new_page()
    for path in ("/", "/sign-in", "/register"):
        page.goto(path)
        assert_no_axe_violations(page)
        # nothing wider than the screen: no sideways scrolling on a phone
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
    context.close()


def test_every_roles_pages_fit_a_phone_screen_with_demo_data(browser, live_server, app, make_user):
    """At 375 px, with real-looking data (tables full of rows, round 1's suggestions), nothing makes the page scroll
    sideways."""
    from recruit.demo import seed_demo

    with app.app_context():
        assert seed_demo()["run"].status == "published"  # the demo's round 1 fills the suggestion and report pages
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 812})
    page = context.new_page()
    page.set_default_timeout(10_000)
    for role in ["anonymous", *ROLE_AREAS]:
        page.context.clear_cookies()
        paths = ["/", "/placements/", "/how-matching-works"]
        if role != "anonymous":
            sign_in_browser(page, app, make_user(role, "hackney" if role in ("borough_staff", "recruiter") else None))
            paths = _role_paths(app, role)
        for path in paths:
            if page.goto(path).status != 200:
                continue
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, f"{path} as {role} is {width}px wide on a 375px screen"
            assert_no_axe_violations(page)
    context.close()


def test_harness_catches_a_real_violation(page):
    """Negative control: the same check must fail on a page with a known problem."""
    page.goto("/")
    page.evaluate("""() => {
        const img = document.createElement('img'); img.src = '/assets/images/favicon.svg';
        document.querySelector('main').appendChild(img);
        const input = document.createElement('input'); input.type = 'text';
        document.querySelector('main').appendChild(input);
    }""")
    rules = {violation["id"] for violation in axe_violations(page)}
    assert {"image-alt", "label"} <= rules
    with pytest.raises(AssertionError, match="image-alt"):
        assert_no_axe_violations(page)


def test_start_page_and_sign_in_work_without_javascript(browser, live_server, make_user):
    # axe itself needs JavaScript, so this test checks the pages work; the other tests check accessibility.
    user = make_user("candidate")
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto("/")
    with page.expect_navigation():
        page.get_by_role("button", name="Start now").click()
    assert page.locator("h1").count() == 1 and "/apply/" in page.url
    page.goto("/sign-in")
    page.fill("#email", user.email)
    page.fill("#password", TEST_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.url.endswith("/candidates/")
    context.close()
