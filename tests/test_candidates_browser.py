"""The candidate journey in Chromium: every page through axe (error states too), keyboard only, and without JavaScript."""

import os
import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from recruit.extensions import db
from recruit.models import OutboxEmail
from tests.a11y import assert_no_axe_violations
from tests.candidate_journey import ELIGIBLE_ANSWERS, SECTION_ANSWERS, TEST_PASSWORD
from tests.conftest import sign_in_browser
from tests.factories import START, add_suggestion, make_eligible, make_placement

pytestmark = pytest.mark.browser

SECTIONS = [
    "about-you",
    "where-you-live",
    "when-you-can-work",
    "skills",
    "interests",
    "qualifications",
    "support",
    "how-you-heard",
]


def _submit(page, text="Continue"):
    with page.expect_navigation():
        page.get_by_role("button", name=text, exact=True).click()


def _click(page, button_name_pattern):
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile(button_name_pattern)).click()


def _axe(page, path=None):
    if path:
        page.goto(path)
    expect(page.locator("h1"), f"{page.url} should have one h1").to_have_count(1)
    assert_no_axe_violations(page)


# What a sighted user types (box ids, whose answers are in SECTION_ANSWERS), ticks (by label) and picks in each section.
_TYPED = {
    "about-you": ["first_name", "last_name", "preferred_name", "phone"],
    "where-you-live": ["postcode", "travel_km"],
    "when-you-can-work": ["hours_per_week"],
    "skills": ["skills_text"],
    "support": ["interview_adjustments"],
}
_DATES = {"about-you": "date_of_birth", "when-you-can-work": "available_from"}
_TICKED = {
    "skills": ["I like finding patterns in numbers"],
    "interests": ["Software developer (level 4)"],
    "qualifications": ["Level 3, like A levels, T levels or a BTEC National", "Yes, both English and maths"],
    "how-you-heard": ["Social media"],
}
_CHOSEN = {
    "qualifications": ["input[name=digital][value=yes]"],
    "support": ["input[name=guaranteed_interview][value=yes]"],
}


def _fill_section(page, key):
    """Fill a section with the mouse and keyboard as a sighted user would (used with JavaScript on or off)."""
    answers = SECTION_ANSWERS[key]
    for box in _TYPED.get(key, []):
        page.fill(f"#{box}", answers[box])
    if key in _DATES:
        for part, value in zip(("day", "month", "year"), answers[_DATES[key]]):
            page.fill(f"#{_DATES[key]}-{part}", value)
    for label in _TICKED.get(key, []):
        page.get_by_label(label).check()
    for selector in _CHOSEN.get(key, []):
        page.locator(selector).check()
    if key == "qualifications":
        page.select_option("#digital_level", "2")  # shown once "yes" is picked
    _submit(page, "Save and continue")


def _sign_in(page, email):
    sign_in_browser(page, None, SimpleNamespace(email=email))  # candidates have no second factor


def test_every_page_of_the_journey_passes_axe_including_errors(app, page, make_user):
    # Eligibility, without an account.
    _axe(page, "/apply/eligibility")
    for key in ELIGIBLE_ANSWERS:
        _axe(page, f"/apply/eligibility/{key}")
    _submit(page)  # no answer: the error state
    _axe(page)
    page.goto("/apply/eligibility/age")
    page.locator("input[name=answer][value=no]").check()
    _submit(page)
    assert "You cannot apply yet" in page.content()
    _axe(page)
    for key, value in ELIGIBLE_ANSWERS.items():
        page.goto(f"/apply/eligibility/{key}")
        page.locator(f"input[name=answer][value={value}]").check()
        _submit(page)
    assert page.url.endswith("/apply/eligibility/you-can-apply")
    _axe(page)

    # The application, signed in.
    placements = [
        make_placement(app, title=f"Placement {n}", borough=b) for n, b in enumerate(("hackney", "camden", "lambeth"))
    ]
    user = make_user("candidate")
    make_eligible(app, user.candidate_id)
    _sign_in(page, user.email)
    _axe(page, "/candidates/")
    _axe(page, "/candidates/application")
    _axe(page, "/candidates/application/check")  # with the list of what is missing
    for key in SECTIONS:
        _axe(page, f"/candidates/application/{key}")
        _submit(page, "Save and continue")  # empty: every error state
        expect(page.locator(".govuk-error-summary"), key).to_have_count(1)
        _axe(page)
        _fill_section(page, key)
        if key == "where-you-live":
            assert page.url.endswith("/where-you-live/borough")
            _axe(page)
            page.locator("input[name=home][value=other]").check()
            _submit(page, "Save and continue")  # another borough, but none chosen
            _axe(page)
            page.locator("input[name=home][value=suggested]").check()
            _submit(page, "Save and continue")
    # Bad input on the date and postcode pages.
    page.goto("/candidates/application/where-you-live")
    page.fill("#postcode", "not a postcode")
    _submit(page, "Save and continue")
    assert "Enter a real postcode, like E8 1DY" in page.content()
    _axe(page)
    _axe(page, "/candidates/choices")
    _click(page, "Add to my choices\\s*: Placement 0")
    _click(page, "Add to my choices\\s*: Placement 1")
    _axe(page)
    _click(page, "Move up\\s*: Placement 1")
    _axe(page)
    page.locator("input[name=consider_other][value=yes]").check()  # nothing is pre-selected for the candidate
    _submit(page, "Save and continue")
    _axe(page, "/candidates/application/check")
    _submit(page, "Accept and send application")  # no declaration: the error state
    expect(page.locator(".govuk-error-summary")).to_have_count(1)
    _axe(page)
    page.locator("input[name=declaration]").check()
    _submit(page, "Accept and send application")
    assert page.url.endswith("/candidates/application/sent")
    _axe(page)

    # Equality monitoring.
    _axe(page, "/candidates/equality-questions")
    _axe(page, "/candidates/equality-questions/ethnicity")
    page.get_by_label("African", exact=True).check()
    _submit(page)
    _axe(page)
    _axe(page, "/candidates/equality-questions")  # with the answers listed
    _axe(page, "/candidates/equality-questions/withdraw")

    # Dashboard with suggestions, withdraw, your data, delete.
    add_suggestion(app, user.candidate_id, placements[0], "shortlisted")
    add_suggestion(app, user.candidate_id, placements[1], "rejected", feedback="Show us a project you made.")
    _axe(page, "/candidates/")
    assert "Not successful" in page.content()
    _axe(page, "/candidates/choices")  # locked
    _axe(page, "/candidates/withdraw")
    _axe(page, "/candidates/your-data")
    _axe(page, "/candidates/delete-account")


# --- Keyboard only: Tab to move, Space to tick, Enter to press; arrow keys inside a radio group. ---


def _tab_to(page, selector, limit=400):
    """Press Tab until the element (the first matching `selector`) has focus; no clicking."""
    target = page.locator(selector).first
    target.wait_for(state="attached")
    for _ in range(limit):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"could not reach {selector} with Tab on {page.url}")


def _type(page, selector, value):
    _tab_to(page, selector)
    page.keyboard.press("Control+A")
    page.keyboard.type(value)


def _press(page, selector):
    _tab_to(page, selector)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _tick(page, selector):
    _tab_to(page, selector)
    page.keyboard.press("Space")


def _radio(page, name, value):
    """Tab into the radio group, then move with the arrow keys to the option (which selects it)."""
    for _ in range(400):
        if page.evaluate("n => document.activeElement && document.activeElement.name === n", name):
            break
        page.keyboard.press("Tab")
    for _ in range(30):
        if page.evaluate("() => document.activeElement.value") == value:
            page.keyboard.press("Space")
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"no radio {name}={value}")


def _button(text):
    return f"button:has-text('{text}')"


def test_whole_journey_with_the_keyboard_only(app, page, live_server):
    make_placement(app, title="Keyboard placement")
    page.goto("/apply/eligibility?ref=KEYS26")
    _press(page, "a:text('Start')")
    for value in ELIGIBLE_ANSWERS.values():
        _radio(page, "answer", value)
        _press(page, _button("Continue"))
    assert page.url.endswith("/you-can-apply")
    _press(page, "a:text('Create an account')")
    _type(page, "#email", "keys.only@test.example")
    _type(page, "#password", TEST_PASSWORD)
    _press(page, _button("Create account"))
    # The confirmation email's link (opening it is the candidate's step outside the service).
    with app.app_context():
        body = db.session.scalar(
            db.select(OutboxEmail.text_body).where(OutboxEmail.recipient == "keys.only@test.example")
        )
    page.goto(re.search(r"http://localhost(/confirm-email/\S+)", body).group(1))
    # Confirmed: now sign in (registering alone never signs anyone in, so it reveals nothing about an address).
    _type(page, "#email", "keys.only@test.example")
    _type(page, "#password", TEST_PASSWORD)
    _press(page, _button("Sign in"))
    _press(page, "a:text('Continue your application')")
    assert page.url.endswith("/candidates/application")

    about = SECTION_ANSWERS["about-you"]
    _press(page, "a.govuk-task-list__link:text('About you')")
    for field in ("first_name", "last_name", "phone"):
        _type(page, f"#{field}", about[field])
    for part, value in zip(("day", "month", "year"), about["date_of_birth"]):
        _type(page, f"#date_of_birth-{part}", value)
    _press(page, _button("Save and continue"))

    _press(page, "a.govuk-task-list__link:text('Where you live')")
    _type(page, "#postcode", "E8 1DY")
    _type(page, "#travel_km", "10")
    _press(page, _button("Save and continue"))
    _radio(page, "home", "suggested")
    _press(page, _button("Save and continue"))

    _press(page, "a.govuk-task-list__link:text('When you can work')")
    _type(page, "#hours_per_week", "35")
    for part, value in zip(("day", "month", "year"), (START.day, START.month, START.year)):
        _type(page, f"#available_from-{part}", str(value))
    _press(page, _button("Save and continue"))

    _press(page, "a.govuk-task-list__link:text('Your skills')")
    _tick(page, "input[type=checkbox][value='fixed-a-device']")
    _type(page, "#skills_text", "I fixed my gran's laptop")
    _press(page, _button("Save and continue"))

    _press(page, "a.govuk-task-list__link:text('The jobs that interest you')")
    _tick(page, "input[type=checkbox][value='ST0116']")
    _press(page, _button("Save and continue"))

    _press(page, "a.govuk-task-list__link:text('Your qualifications')")
    _radio(page, "highest_level", "2")
    _radio(page, "english_maths", "both")
    _radio(page, "digital", "no")
    _press(page, _button("Save and continue"))

    _press(page, "a.govuk-task-list__link:text('Support at interview')")
    _radio(page, "guaranteed_interview", "no")
    _press(page, _button("Save and continue"))

    _press(page, "a.govuk-task-list__link:text('How you heard about us')")
    _radio(page, "outreach_channel", "jobcentre")
    _press(page, _button("Save and continue"))

    _press(page, "a.govuk-task-list__link:text('Your placement choices')")
    _press(page, "button:has-text('Add to my choices')")
    assert "Keyboard placement" in page.locator(".app-choice-list").inner_text()
    _radio(page, "consider_other", "yes")
    _press(page, _button("Save and continue"))

    _press(page, "a:text('Check your answers')")
    _tick(page, "input[name=declaration]")
    _press(page, _button("Accept and send application"))
    assert page.url.endswith("/candidates/application/sent")

    _press(page, "a:text('Answer the equality questions')")
    _press(page, "a:text('Answer the questions')")
    _radio(page, "answer", "prefer_not_to_say")
    _press(page, _button("Continue"))
    while "/equality-questions/" in page.url:  # skip the rest: every question is optional
        _press(page, _button("Continue"))
    assert "Your answers" in page.content()
    with app.app_context():
        from recruit.models import User

        candidate = db.session.scalar(db.select(User).where(User.email == "keys.only@test.example")).candidate
        assert candidate.status == "submitted" and candidate.campaign_code == "KEYS26"
        assert candidate.first_name == "Zephyrine" and candidate.statements == ["fixed-a-device"]
        assert len(candidate.choices) == 1


def test_whole_journey_without_javascript(app, browser, live_server, make_user):
    placements = [make_placement(app, title=f"No script {n}") for n in range(2)]
    user = make_user("candidate")
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto("/apply/eligibility")
        page.get_by_role("button", name="Start").click()
        for value in ELIGIBLE_ANSWERS.values():
            page.locator(f"input[name=answer][value={value}]").check()
            _submit(page)
        _sign_in(page, user.email)
        page.goto("/candidates/application")
        for key in SECTIONS:
            page.goto(f"/candidates/application/{key}")
            if key == "qualifications":  # the conditional question is on the page, visible, without JavaScript
                expect(page.locator("#digital_level")).to_be_visible()
            _fill_section(page, key)
            if key == "where-you-live":
                page.locator("input[name=home][value=other]").check()
                page.select_option("#other_borough", "camden")
                _submit(page, "Save and continue")
        page.goto("/candidates/choices")
        for placement in ("No script 0", "No script 1"):
            _click(page, f"Add to my choices\\s*: {placement}")
        _click(page, "Move down\\s*: No script 0")
        assert page.locator(".app-choice-list h3").all_inner_texts() == ["1. No script 1", "2. No script 0"]
        _click(page, "Remove\\s*: No script 0")
        page.locator("input[name=consider_other][value=no]").check()
        _submit(page, "Save and continue")
        page.goto("/candidates/application/check")
        assert "Camden" in page.content()
        page.locator("input[name=declaration]").check()
        _submit(page, "Accept and send application")
        assert "Application sent" in page.content()
        page.goto("/candidates/equality-questions/sex")
        page.get_by_label("Female").check()
        _submit(page)
        page.goto("/candidates/equality-questions/withdraw")
        _submit(page, "Delete my answers")
        assert "Your equality answers have been deleted" in page.content()
        page.goto("/candidates/withdraw")
        _submit(page, "Withdraw my application")
        assert "You have withdrawn your application" in page.content()
        page.goto("/candidates/delete-account")
        _submit(page, "Delete my account")
        assert "Your account and your data have been deleted" in page.content()
    finally:
        context.close()
    del placements


def test_phone_sized_pages_fit_without_sideways_scrolling(app, browser, live_server, make_user, tmp_path):
    make_placement(app, title="Small screen placement")
    user = make_user("candidate")
    make_eligible(app, user.candidate_id)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 812})
    page = context.new_page()
    try:
        _sign_in(page, user.email)
        for key in ("about-you", "where-you-live"):
            page.goto(f"/candidates/application/{key}")
            _fill_section(page, key)
        page.locator("input[name=home][value=suggested]").check()
        _submit(page, "Save and continue")
        folder = os.environ.get("SCREENSHOT_DIR") or str(tmp_path)
        for name, path in (
            ("task-list", "/candidates/application"),
            ("check-your-answers", "/candidates/application/check"),
        ):
            page.goto(path)
            assert page.evaluate("() => document.documentElement.scrollWidth") <= 375, path
            page.screenshot(path=os.path.join(folder, f"candidate-{name}-375.png"), full_page=True)
    finally:
        context.close()
