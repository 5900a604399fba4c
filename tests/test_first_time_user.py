"""What a first-time candidate or new borough staff member reads: each thing found wrong, tested on the visible text."""

import re
from datetime import date, timedelta

import pytest

from recruit.extensions import db
from recruit.models import Candidate

from candidate_journey import ELIGIBLE_ANSWERS, SECTION_ANSWERS, Poster, complete_sections, make_eligible, make_vacancy
from page_text import parse, problems, visible_text


def text(response) -> str:
    return visible_text(response.get_data(as_text=True))


def lines(response) -> list[str]:
    return text(response).split("\n")


def row_value(response, key: str) -> str:
    """The visible value beside a summary-list key."""
    found = lines(response)
    return found[found.index(key) + 1]


@pytest.fixture
def candidate(app, client, login_as):
    user = login_as()
    make_eligible(app, user.candidate_id)
    return user


@pytest.fixture
def post(client):
    return Poster(client)


def test_check_your_answers_never_shows_none_for_optional_answers(app, client, candidate, post):
    make_vacancy(app)
    answers = {**SECTION_ANSWERS["about-you"], "preferred_name": "", "phone": ""}
    post("/candidates/application/about-you", answers)
    post("/candidates/application/how-you-heard", {"outreach_channel": "social_media", "campaign_code": ""})
    post("/candidates/application/support", {"interview_adjustments": "", "guaranteed_interview": "no"})
    response = client.get("/candidates/application/check")
    assert row_value(response, "Preferred name") == "Not given"
    assert row_value(response, "Phone number") == "Not given"
    assert row_value(response, "Campaign code") == "Not given"
    assert row_value(response, "Adjustments at interview") == "No adjustments needed"
    assert not [p for p in problems(response.get_data(as_text=True)) if "Python value" in p]


def test_check_your_answers_has_a_change_link_on_every_answer_the_candidate_gave(app, client, candidate, post):
    vacancy_id = make_vacancy(app)
    complete_sections(post, vacancy_id)
    html = client.get("/candidates/application/check").get_data(as_text=True)
    changes = re.findall(r'<a class="govuk-link" href="([^"]+)">Change<span class="govuk-visually-hidden"> ([^<]+)</span>', html)
    labelled = {label.split(" (")[0]: href for href, label in changes}
    assert labelled["skills"] == "/candidates/application/skills?return=check"
    assert labelled["placements you chose"] == "/candidates/choices"
    assert "email address" not in labelled  # changed on the account, not in the application


def test_sending_without_the_declaration_gives_one_element_per_id(app, client, candidate, post):
    response = post("/candidates/application/check", {})
    assert "Confirm the information you have given is true" in text(response)
    ids = parse(response.get_data(as_text=True)).ids
    assert ids.count("declaration") == 1
    assert len(ids) == len(set(ids))


def test_your_data_shows_dates_and_activity_in_words(app, client, candidate, post):
    post("/candidates/application/about-you", SECTION_ANSWERS["about-you"])
    response = client.get("/candidates/your-data")
    page = text(response)
    assert not problems(response.get_data(as_text=True)), problems(response.get_data(as_text=True))
    assert "You saved a section of your application" in page
    assert row_value(response, "Application") == "Not sent yet"
    today = date.today()
    assert re.search(rf"\b{today.day} {today:%B %Y} at \d{{1,2}}:\d\d(am|pm): You saved a section", page)
