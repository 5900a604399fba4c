"""The dashboard says what happens next, and by when, in every state a candidate can be in (visible text)."""

from datetime import date, timedelta

import pytest

from recruit.extensions import db
from recruit.models import Candidate, Choice, Suggestion, SuggestionStage, utcnow
from recruit.services.next_steps import SUGGESTION_STEPS
from tests.candidate_journey import sign_in
from tests.factories import START, make_eligible, make_placement, make_published_suggestion
from tests.page_checks import problems, visible_text

STARTS = f"{START.day} {START:%B %Y}"


def _dashboard(client) -> str:
    html = client.get("/candidates/").get_data(as_text=True)
    assert not problems(html), problems(html)
    return visible_text(html)


def _next(page: str) -> str:
    """The application-level state and its next step."""
    lines = page.split("\n")
    index = lines.index("What happens next", lines.index("Your application") + 1) if "Your application" in lines else 0
    return "\n".join(lines[index + 1 : index + 3])


def _sent(app, candidate_id, **fields):
    make_eligible(app, candidate_id, status="submitted", submitted_at=utcnow(), first_name="Ama", **fields)


def test_not_applied_yet(client, login_as):
    login_as()
    page = _dashboard(client)
    assert "Your account" in page and "Hello there" not in page
    assert "Your application: Not applied\nCheck you can apply, then fill in your application" in _next(page)


def test_not_sent_yet_says_by_when(app, client, login_as):
    user = login_as()
    make_eligible(app, user.candidate_id)
    closes = date.today() + timedelta(days=12)
    placement = make_placement(app, closing_date=closes)
    with app.app_context():
        db.session.add(Choice(candidate_id=user.candidate_id, placement_id=placement, rank=1))
        db.session.commit()
    step = _next(_dashboard(client))
    assert step.startswith("Your application: Not sent yet\n")
    assert f"Send it before {closes.day} {closes:%B %Y}, when the first of your chosen placements closes." in step


def test_sent_and_waiting_for_the_round(app, client, login_as):
    user = login_as()
    _sent(app, user.candidate_id)
    step = _next(_dashboard(client))
    assert step.startswith("Your application: Sent\nWhen applications close, we suggest candidates for each placement.")


def test_not_matched_once_a_round_has_run(app, client, login_as):
    user = login_as()
    _sent(app, user.candidate_id)
    other = login_as()
    make_published_suggestion(app, other.candidate_id, "suggested")
    sign_in(client, user)
    step = _next(_dashboard(client))
    assert step.startswith("Your application: Not matched\nWe could not suggest you for any placement this time.")


RESPOND_BY = date.today() + timedelta(days=7)
OFFER_STARTS = START + timedelta(days=3)


def _day(value: date) -> str:
    return f"{value:%A} {value.day} {value:%B %Y}"


def _offer(app, placement_id, answer=None):
    """The offer a recruiter made on the candidate's suggestion (and the candidate's answer, if any)."""
    with app.app_context():
        from recruit.models import Offer

        suggestion = db.session.scalar(db.select(Suggestion).filter_by(placement_id=placement_id))
        db.session.add(
            Offer(
                suggestion_id=suggestion.id,
                respond_by=RESPOND_BY,
                start_date=OFFER_STARTS,
                contact="hr@newham.example",
                answer=answer,
                answered_at=utcnow() if answer else None,
            )
        )
        db.session.commit()


@pytest.mark.parametrize(
    "stage, tag, words",
    [
        (
            "suggested",
            "Suggested",
            "A recruiter at Newham will look at your application and decide whether to shortlist you "
            "(pick you to go on to the next step).",
        ),
        (
            "shortlisted",
            "Shortlisted",
            "Newham has shortlisted you. When they publish interview times, we will email you "
            "and you choose one on this page.",
        ),
        (
            "interview",
            "Invited to interview",
            "Newham has invited you to an interview. When they publish interview times, "
            "we will email you and you choose one on this page.",
        ),
        (
            "offered",
            "Offered",
            f"Newham has offered you this placement. Accept or decline the offer by 11:59pm on {_day(RESPOND_BY)}.",
        ),
        ("accepted", "Accepted", f"You have accepted this placement. You start on {_day(OFFER_STARTS)}."),
        (
            "rejected",
            "Not successful",
            "This placement has gone to someone else. Read the feedback, and keep an eye on "
            "your other suggestions: it does not change them.",
        ),
        ("withdrawn", "Withdrawn", "You are no longer being considered for this placement."),
    ],
)
def test_each_stage_of_a_suggestion_says_what_happens_next(app, client, login_as, stage, tag, words):
    user = login_as()
    _sent(app, user.candidate_id)
    placement_id = make_published_suggestion(
        app, user.candidate_id, stage, feedback="Show us a small project next time." if stage == "rejected" else None
    )
    if stage in ("offered", "accepted"):
        _offer(app, placement_id, answer="accepted" if stage == "accepted" else None)
    page = _dashboard(client)
    lines = page.split("\n")
    assert lines[lines.index("Stage") + 1] == tag
    step = lines[lines.index("What happens next", lines.index("Stage")) + 1]
    assert step.startswith(words)
    if stage not in ("rejected", "withdrawn", "accepted"):
        assert f"starts on {STARTS}" in step  # by when
    assert "If you are shortlisted" not in page
    assert "Your application: Suggested" in page


def test_every_stage_the_service_has_is_worded():
    hiring_states = {"choose_interview_time", "interview_booked", "started"}  # states within a stage (state_of)
    assert set(SUGGESTION_STEPS) == {stage.value for stage in SuggestionStage} | hiring_states


def test_a_withdrawn_application(app, client, login_as):
    user = login_as()
    _sent(app, user.candidate_id)
    with app.app_context():
        candidate = db.session.get(Candidate, user.candidate_id)
        candidate.status, candidate.withdrawn_at = "withdrawn", utcnow()
        db.session.commit()
    step = _next(_dashboard(client))
    assert step.startswith("Your application: Withdrawn\nYou withdrew your application")
