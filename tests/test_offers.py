"""Offers candidates answer: deadline, accept or decline, closing other suggestions, expiry, positions never exceeded."""

from datetime import date, time, timedelta

import pytest

from recruit.extensions import db
from recruit.models import Offer, OutboxEmail, Placement, Suggestion
from recruit.services import interviews as interview_service
from recruit.services import offers
from recruit.services.matching import ServiceError, decide
from tests.at_once import at_once
from tests.candidate_journey import sign_in
from tests.factories import make_candidate, make_placement
from tests.matching_data import Poster, run, set_stage
from tests.page_checks import visible_words


def _boxes(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


@pytest.fixture
def hiring(app, make_user):
    """Two Hackney placements (one position each); two candidates ranking both, at interview for the first."""
    first = make_placement(app, title="Junior developer apprentice (Housing repairs)", positions=1)
    second = make_placement(app, title="Data apprentice (Libraries)", positions=1)
    people = [make_candidate(app, make_user, [first, second]) for _ in range(2)]
    result = run(app)
    recruiter = make_user("recruiter", "hackney", email="recruiter@hackney.test.example")
    by_pair = {(m.candidate_id, m.placement_id): m.id for m in result.suggestions}
    with app.app_context():  # a run suggests each candidate once; a later round may suggest the other placement too
        for person in people:
            for placement in (first, second):
                if (person.id, placement) not in by_pair:
                    extra = Suggestion(
                        run_id=result.id,
                        candidate_id=person.id,
                        placement_id=placement,
                        score=0.5,
                        components={},
                        explanation={},
                    )
                    db.session.add(extra)
                    db.session.flush()
                    by_pair[(person.id, placement)] = extra.id
        db.session.commit()
    for person in people:
        set_stage(app, by_pair[(person.id, first)], "interview")
    return {"first": first, "second": second, "people": people, "recruiter": recruiter, "pairs": by_pair}


def _terms(respond_days=7, start_days=30):
    return offers.OfferTerms(
        date.today() + timedelta(days=respond_days),
        date.today() + timedelta(days=start_days),
        "Sam Patel, sam@hackney.test.example",
    )


def _offer(app, hiring, person_index=0, placement="first", **kwargs):
    with app.test_request_context():
        suggestion = db.session.get(Suggestion, hiring["pairs"][(hiring["people"][person_index].id, hiring[placement])])
        return offers.make_offer(suggestion, suggestion.version, hiring["recruiter"].id, _terms(**kwargs)).id


def _candidate(app, person):
    client = app.test_client()
    sign_in(client, type("U", (), {"id": person.user_id})())
    return client


def _stage(app, suggestion_id):
    with app.app_context():
        return db.session.get(Suggestion, suggestion_id).stage


def test_default_deadline_is_five_working_days():
    assert offers.add_working_days(date(2026, 6, 5), 5) == date(2026, 6, 12)  # a Friday: the next Friday
    assert offers.add_working_days(date(2026, 6, 8), 5) == date(2026, 6, 15)  # a Monday: the next Monday


def test_recruiter_makes_an_offer_with_defaults_and_bad_input_is_refused(app, client, hiring):
    sign_in(client, hiring["recruiter"])
    suggestion_id = hiring["pairs"][(hiring["people"][0].id, hiring["first"])]
    path = f"/recruiters/suggestions/{suggestion_id}/offer"
    page = client.get(path).get_data(as_text=True)
    default = offers.add_working_days(date.today(), 5)
    assert f'value="{default:%d}"' in page and "£" in visible_words(page)
    post = Poster(client, path)
    for respond_by, start, message in (
        (
            date.today() - timedelta(days=1),
            date.today() + timedelta(days=9),
            "The date to answer by must be in the future",
        ),
        (
            date.today() + timedelta(days=40),
            date.today() + timedelta(days=60),
            "The date to answer by must be within 30 days",
        ),
        (
            date.today() + timedelta(days=5),
            date.today() + timedelta(days=2),
            "The start date must be on or after the date to answer by",
        ),
    ):
        response = post(
            path, {"version": "2", "respond_by": _boxes(respond_by), "start_date": _boxes(start), "contact": "Sam"}
        )
        text = visible_words(response.get_data(as_text=True))
        assert "There is a problem" in text and message in text
        assert _stage(app, suggestion_id) == "interview"
    response = post(
        path,
        {
            "version": "2",
            "respond_by": _boxes(default),
            "start_date": _boxes(date.today() + timedelta(days=30)),
            "contact": "Sam Patel, 020 7946 0000",
        },
    )
    assert response.status_code == 302 and _stage(app, suggestion_id) == "offered"
    with app.app_context():
        email = db.session.scalar(db.select(OutboxEmail).where(OutboxEmail.template == "offer_made"))
        assert email.recipient == hiring["people"][0].email and email.attachments[0]["filename"] == "offer-letter.pdf"
        assert "Answer by" in email.text_body and "Sam Patel, 020 7946 0000" in email.text_body


def test_offers_never_exceed_positions(app, hiring):
    _offer(app, hiring, 0)
    with pytest.raises(
        ServiceError, match="this placement has 1 position, and it is already taken by offers or acceptances"
    ):
        _offer(app, hiring, 1)
    assert _stage(app, hiring["pairs"][(hiring["people"][1].id, hiring["first"])]) == "interview"


@pytest.mark.fresh_database  # concurrent requests on their own connections must see the test's commits
def test_two_recruiters_offering_the_last_position_at_once_only_one_succeeds(app, hiring):
    """Real threads: both offers pass their own checks; the placement's row lock lets only one through."""
    suggestion_ids = [hiring["pairs"][(p.id, hiring["first"])] for p in hiring["people"]]
    results = at_once(
        app,
        suggestion_ids,
        lambda suggestion: offers.make_offer(suggestion, suggestion.version, hiring["recruiter"].id, _terms()),
        "offered",
    )
    assert results.count("offered") == 1, results
    with app.app_context():
        stages = [db.session.get(Suggestion, m).stage for m in suggestion_ids]
        assert sorted(stages) == ["interview", "offered"]
        assert db.session.scalar(db.select(db.func.count()).select_from(Offer)) == 1


def test_candidate_reads_and_accepts_closing_their_other_suggestions(app, hiring):
    person = hiring["people"][0]
    offer_suggestion = hiring["pairs"][(person.id, hiring["first"])]
    other_suggestion = hiring["pairs"][(person.id, hiring["second"])]
    _offer(app, hiring, 0)
    candidate = _candidate(app, person)
    dashboard = visible_words(candidate.get("/candidates/").get_data(as_text=True))
    assert "Read and answer your offer" in dashboard and "Accept or decline the offer by 11:59pm on" in dashboard
    letter = visible_words(candidate.get(f"/candidates/suggestions/{offer_suggestion}/offer").get_data(as_text=True))
    for expected in (
        "Offer of an apprenticeship",
        "Junior developer apprentice (Housing repairs)",
        "Hackney council",
        "hours a week",
        "Sam Patel, sam@hackney.test.example",
        "Accept the offer",
        "Decline the offer",
    ):
        assert expected in letter, expected
    pdf = candidate.get(f"/candidates/suggestions/{offer_suggestion}/offer-letter.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    path = f"/candidates/suggestions/{offer_suggestion}/offer/accept"
    confirm = visible_words(candidate.get(path).get_data(as_text=True))
    assert "If you accept, your other suggestions close." in confirm
    response = Poster(candidate, path)(path, {}, follow_redirects=True)
    assert "You have accepted the Junior developer apprentice (Housing repairs) apprenticeship" in visible_words(
        response.get_data(as_text=True)
    )
    assert (_stage(app, offer_suggestion), _stage(app, other_suggestion)) == ("accepted", "withdrawn")
    with app.app_context():
        templates = [
            (e.template, e.recipient) for e in db.session.scalars(db.select(OutboxEmail).order_by(OutboxEmail.id))
        ]
    assert ("offer_accepted", person.email) in templates and ("offer_accepted", hiring["recruiter"].email) in templates
    assert ("candidate_went_elsewhere", hiring["recruiter"].email) in templates
    dashboard = visible_words(candidate.get("/candidates/").get_data(as_text=True))
    assert "Closed: the candidate accepted another placement" in dashboard and "Accepted the offer" in dashboard


@pytest.mark.fresh_database  # concurrent requests on their own connections must see the test's commits
def test_accepting_two_offers_at_once_accepts_only_one(app, hiring):
    """Real threads: the same candidate accepts two offers in two tabs at the same moment."""
    person = hiring["people"][0]
    set_stage(app, hiring["pairs"][(person.id, hiring["second"])], "interview")
    _offer(app, hiring, 0, "first")
    _offer(app, hiring, 0, "second")
    suggestion_ids = [hiring["pairs"][(person.id, hiring[p])] for p in ("first", "second")]
    results = at_once(app, suggestion_ids, lambda suggestion: offers.accept(suggestion, person.user_id), "accepted")
    assert results.count("accepted") == 1, results
    assert sorted(_stage(app, m) for m in suggestion_ids) == ["accepted", "withdrawn"]


def test_declining_frees_the_position_and_the_recruiter_can_offer_again(app, hiring):
    person = hiring["people"][0]
    offer_suggestion = hiring["pairs"][(person.id, hiring["first"])]
    _offer(app, hiring, 0)
    candidate = _candidate(app, person)
    path = f"/candidates/suggestions/{offer_suggestion}/offer/decline"
    post = Poster(candidate, path)
    response = post(path, {}, follow_redirects=True)
    assert "You have declined" in visible_words(response.get_data(as_text=True))
    assert _stage(app, offer_suggestion) == "withdrawn"
    with app.app_context():
        told = db.session.scalar(
            db.select(OutboxEmail).where(
                OutboxEmail.template == "offer_declined", OutboxEmail.recipient == hiring["recruiter"].email
            )
        )
        assert "The position is free again" in told.text_body
    _offer(app, hiring, 1)  # the next candidate
    # answering again is refused with a message, nothing changes
    response = post(f"/candidates/suggestions/{offer_suggestion}/offer/accept", {}, follow_redirects=True)
    assert "This offer is no longer open" in visible_words(response.get_data(as_text=True))
    assert _stage(app, offer_suggestion) == "withdrawn"


def test_an_offer_past_its_deadline_cannot_be_accepted_and_expires(app, runner, hiring):
    person = hiring["people"][0]
    offer_suggestion = hiring["pairs"][(person.id, hiring["first"])]
    offer_id = _offer(app, hiring, 0)
    with app.app_context():
        db.session.get(Offer, offer_id).respond_by = date.today() - timedelta(days=1)
        db.session.commit()
    candidate = _candidate(app, person)
    assert "Accept the offer" not in visible_words(
        candidate.get(f"/candidates/suggestions/{offer_suggestion}/offer").get_data(as_text=True)
    )
    path = f"/candidates/suggestions/{offer_suggestion}/offer/accept"
    response = Poster(candidate, f"/candidates/suggestions/{offer_suggestion}/offer/decline")(
        path, {}, follow_redirects=True
    )
    assert "The date to answer this offer has passed" in visible_words(response.get_data(as_text=True))
    assert _stage(app, offer_suggestion) == "offered"
    result = runner.invoke(args=["offers", "expire"])
    assert result.exit_code == 0 and "Offers closed: 1." in result.output
    assert _stage(app, offer_suggestion) == "withdrawn"
    with app.app_context():
        assert db.session.get(Offer, offer_id).answer == "expired"
        recipients = {
            e.recipient
            for e in db.session.scalars(db.select(OutboxEmail).where(OutboxEmail.template == "offer_declined"))
        }
        assert recipients == {person.email, hiring["recruiter"].email}
    _offer(app, hiring, 1)  # the position is free again


def test_start_recorded_fills_the_placement_and_shows_on_the_timeline(app, client, hiring):
    person = hiring["people"][0]
    offer_suggestion = hiring["pairs"][(person.id, hiring["first"])]
    _offer(app, hiring, 0)
    with app.test_request_context():
        offers.accept(db.session.get(Suggestion, offer_suggestion), person.user_id)
    sign_in(client, hiring["recruiter"])
    path = f"/recruiters/suggestions/{offer_suggestion}/start"
    post = Poster(client, path)
    response = post(path, {"started_on": _boxes(date.today() + timedelta(days=3))})
    assert "The start date must be today or in the past" in visible_words(response.get_data(as_text=True))
    assert post(path, {"started_on": _boxes(date.today())}).status_code == 302
    with app.app_context():
        assert db.session.get(Placement, hiring["first"]).status == "filled"
    dashboard = visible_words(_candidate(app, person).get("/candidates/").get_data(as_text=True))
    assert "Started the apprenticeship" in dashboard and "Nothing: you have started. Good luck." in dashboard
    assert "Accepted the offer" in dashboard and "Offered the apprenticeship" in dashboard


def test_other_people_cannot_reach_an_offer(app, client, make_user, hiring):
    offer_suggestion = hiring["pairs"][(hiring["people"][0].id, hiring["first"])]
    _offer(app, hiring, 0)
    other = _candidate(app, hiring["people"][1])
    for path in (
        f"/candidates/suggestions/{offer_suggestion}/offer",
        f"/candidates/suggestions/{offer_suggestion}/offer-letter.pdf",
        f"/candidates/suggestions/{offer_suggestion}/offer/accept",
    ):
        assert other.get(path).status_code == 404, path
    sign_in(client, make_user("recruiter", "camden"))
    for path in (
        f"/recruiters/suggestions/{offer_suggestion}/offer",
        f"/recruiters/suggestions/{offer_suggestion}/start",
    ):
        assert client.get(path).status_code == 404, path


def test_every_email_to_the_candidate_says_what_happens_next(app, client, hiring):
    """A whole journey, shortlisting to start: each email the candidate gets says what happens next."""
    person = hiring["people"][0]
    suggestion_id = hiring["pairs"][(person.id, hiring["first"])]
    set_stage(app, suggestion_id, "suggested")
    with app.test_request_context():
        suggestion = db.session.get(Suggestion, suggestion_id)
        decide(suggestion, "shortlist", suggestion.version, hiring["recruiter"].id)
        suggestion = db.session.get(Suggestion, suggestion_id)
        decide(suggestion, "interview", suggestion.version, hiring["recruiter"].id)
        slot = interview_service.create_slot(
            db.session.get(Placement, hiring["first"]),
            interview_service.NewSlot(
                day=date.today() + timedelta(days=1),
                start=time(16, 0),
                minutes=30,
                place="Town Hall",
                video_link="",
                capacity=1,
                interviewer_ids=[hiring["recruiter"].id],
            ),
            hiring["recruiter"].id,
        )
        interview_service.book(db.session.get(Suggestion, suggestion_id), slot.id, person.user_id)
        interview_service.send_reminders()
        suggestion = db.session.get(Suggestion, suggestion_id)
        offers.make_offer(suggestion, suggestion.version, hiring["recruiter"].id, _terms())
        offers.accept(db.session.get(Suggestion, suggestion_id), person.user_id)
        offers.record_start(db.session.get(Suggestion, suggestion_id), date.today(), hiring["recruiter"].id)
    with app.app_context():
        mine = db.session.scalars(
            db.select(OutboxEmail).where(OutboxEmail.recipient == person.email).order_by(OutboxEmail.id)
        ).all()
        assert [e.template for e in mine] == [
            "suggestion_suggested",
            "suggestion_shortlisted",
            "invited_to_interview",
            "interview_times_ready",
            "interview_booked",
            "interview_reminder",
            "offer_made",
            "offer_accepted",
            "start_recorded",
        ]
        for email in mine:
            assert "What happens next:" in email.text_body, email.template
            assert "What happens next:" in visible_words(email.html_body), email.template
