"""The hiring pages in Chromium at phone width (375 px) through axe-core, error states included, plus the keyboard
and no-JavaScript journeys: bulk decisions, interview times, booking, scoring, offers and start dates."""

from datetime import date, time, timedelta

import pytest
from playwright.sync_api import expect

from recruit.extensions import db
from recruit.models import Placement, Suggestion
from recruit.services import interviews, offers
from recruit.services.matching import decide
from tests.a11y import assert_no_axe_violations
from tests.conftest import sign_in_browser
from tests.factories import make_candidate, make_placement
from tests.matching_data import run

pytestmark = pytest.mark.browser


@pytest.fixture
def hiring(app, make_user):
    """A placement with suggestions at every stage: suggested, booked interview, offered, accepted."""
    placement_id = make_placement(app, title="Junior developer apprentice (Housing repairs)", positions=3)
    people = [
        make_candidate(app, make_user, [placement_id], skills_text="I am at Hackney New School, email me@x.example")
        for _ in range(5)
    ]
    recruiter = make_user("recruiter", "hackney")
    ids = {m.candidate_id: m.id for m in run(app).suggestions}
    suggestion_ids = [ids[p.id] for p in people]
    with app.test_request_context():
        placement = db.session.get(Placement, placement_id)
        for suggestion_id in suggestion_ids[1:]:
            suggestion = db.session.get(Suggestion, suggestion_id)
            decide(suggestion, "shortlist", suggestion.version, recruiter.id)
        slot = interviews.create_slot(
            placement,
            interviews.NewSlot(
                day=date.today() + timedelta(days=4),
                start=time(10, 0),
                minutes=45,
                place="Hackney Town Hall",
                video_link="",
                capacity=3,
                interviewer_ids=[recruiter.id],
            ),
            recruiter.id,
        ).id
        interviews.create_slot(
            placement,
            interviews.NewSlot(
                day=date.today() + timedelta(days=5),
                start=time(10, 0),
                minutes=45,
                place="",
                video_link="https://meet.example/a",
                capacity=1,
                interviewer_ids=[recruiter.id],
            ),
            recruiter.id,
        )
        for suggestion_id, person in zip(suggestion_ids[2:], people[2:]):
            interviews.book(db.session.get(Suggestion, suggestion_id), slot, person.user_id)
        terms = offers.OfferTerms(
            date.today() + timedelta(days=7), date.today() + timedelta(days=30), "Sam, 020 7946 0000"
        )
        for suggestion_id in suggestion_ids[3:]:
            suggestion = db.session.get(Suggestion, suggestion_id)
            offers.make_offer(suggestion, suggestion.version, recruiter.id, terms)
        offers.accept(db.session.get(Suggestion, suggestion_ids[4]), people[4].user_id)
    return {
        "placement": placement_id,
        "people": people,
        "recruiter": recruiter,
        "suggestion_ids": suggestion_ids,
        "slot": slot,
    }


def _phone(browser, live_server, user, javascript=True):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 375, "height": 812}, java_script_enabled=javascript
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in_browser(page, live_server.app, user)
    return context, page


def _check(page, path=None):
    if path:
        assert page.goto(path).status == 200, path
    expect(page.locator("h1"), page.url).to_have_count(1)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{page.url} is {width}px wide"
    assert_no_axe_violations(page)


def _submit(page, name):
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def test_recruiter_hiring_pages_and_their_errors(browser, live_server, hiring):
    context, page = _phone(browser, live_server, hiring["recruiter"])
    placement, ids = hiring["placement"], hiring["suggestion_ids"]
    _check(page, f"/recruiters/placements/{placement}")
    _submit(page, "Shortlist selected candidates")  # nothing selected
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    _check(page)
    page.get_by_label(f"Select Candidate C-{hiring['people'][0].id:04d}").check()
    _submit(page, "Reject selected candidates")
    _check(page)  # the bulk reject page
    page.fill("#feedback", "")
    _submit(page, "Reject and send feedback")
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    _check(page)
    page.get_by_label("Other candidates were a closer match").check()
    page.fill("#feedback", "Thank you for applying.")
    _submit(page, "Reject and send feedback")
    _check(page)  # the result page
    _check(page, f"/recruiters/placements/{placement}/interviews")
    _check(page, f"/recruiters/placements/{placement}/interviews/new")
    _submit(page, "Publish this time")
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    _check(page)
    _check(page, f"/recruiters/placements/{placement}/criteria")
    page.fill("#criterion_2", "")
    page.fill("#criterion_3", "")
    _submit(page, "Save criteria")
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    _check(page)
    _check(page, f"/recruiters/suggestions/{ids[2]}/scores")
    _submit(page, "Submit your scores")
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    _check(page)
    for radio in page.get_by_label("3: good evidence").all():
        radio.check()
    for box in page.locator("textarea").all():
        box.fill("Clear example of fixing a bug")
    _submit(page, "Submit your scores")
    _check(page)  # every score, the spread and the mean
    _check(page, f"/recruiters/suggestions/{ids[2]}/offer")
    page.fill("#respond_by-day", "")
    _submit(page, "Make the offer")
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    _check(page)
    _check(page, f"/recruiters/suggestions/{ids[4]}")
    _check(page, f"/recruiters/suggestions/{ids[4]}/start")
    _submit(page, "Record the start date")
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    _check(page)
    context.close()


def test_candidate_hiring_pages_and_their_errors(browser, live_server, hiring):
    ids, people = hiring["suggestion_ids"], hiring["people"]
    context, page = _phone(browser, live_server, people[1])  # shortlisted, nothing booked
    _check(page, "/candidates/")
    _check(page, f"/candidates/suggestions/{ids[1]}/interview")
    _submit(page, "Book this time")
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    _check(page)
    _check(page, f"/candidates/suggestions/{ids[1]}/interview/no-time-suits")
    page.fill("#message", "x" * 501)
    _submit(page, "Tell the borough")
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    _check(page)
    context.close()
    context, page = _phone(browser, live_server, people[3])  # booked and offered
    _check(page, "/candidates/")
    _check(page, f"/candidates/suggestions/{ids[3]}/interview/cancel")
    _check(page, f"/candidates/suggestions/{ids[3]}/offer")
    _check(page, f"/candidates/suggestions/{ids[3]}/offer/accept")
    _check(page, f"/candidates/suggestions/{ids[3]}/offer/decline")
    context.close()
    context, page = _phone(browser, live_server, people[4])  # accepted
    _check(page, "/candidates/")
    _check(page, f"/candidates/suggestions/{ids[4]}/offer")
    context.close()


def test_booking_with_the_keyboard_alone_and_without_javascript(browser, live_server, hiring):
    ids, people = hiring["suggestion_ids"], hiring["people"]
    context, page = _phone(browser, live_server, people[1], javascript=False)
    page.goto(f"/candidates/suggestions/{ids[1]}/interview")
    page.locator("input[name=slot]").first.focus()
    page.keyboard.press("Space")
    button = page.get_by_role("button", name="Book this time")
    button.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your interview is booked for")
    context.close()
    # a recruiter shortlists in bulk without JavaScript, using the keyboard
    context, page = _phone(browser, live_server, hiring["recruiter"], javascript=False)
    page.goto(f"/recruiters/placements/{hiring['placement']}")
    box = page.get_by_label(f"Select Candidate C-{people[0].id:04d}")
    box.focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Shortlist selected candidates").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Shortlisted 1 of 1 candidate")
    context.close()
