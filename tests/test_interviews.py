"""Interviews candidates book: slots per placement, booking without double booking, calendar files, reminders."""

from datetime import date, datetime, time, timedelta

import pytest
from icalendar import Calendar

from recruit.extensions import db
from recruit.models import BookingStatus, InterviewBooking, InterviewSlot, OutboxEmail, SlotRequest, Suggestion
from recruit.services import interviews
from recruit.services.matching import decide
from tests.at_once import at_once
from tests.candidate_journey import sign_in
from tests.factories import make_candidate, make_placement
from tests.matching_data import Poster, run
from tests.page_checks import visible_words

LONDON = interviews.LONDON


def _day(offset: int) -> date:
    return datetime.now(LONDON).date() + timedelta(days=offset)


def _new_slot(
    interviewer_ids,
    day_offset=3,
    at=time(10, 0),
    minutes=45,
    capacity=1,
    place="Hackney Town Hall, Mare Street",
    video_link="",
):
    return interviews.NewSlot(
        day=_day(day_offset),
        start=at,
        minutes=minutes,
        place=place,
        video_link=video_link,
        capacity=capacity,
        interviewer_ids=list(interviewer_ids),
    )


@pytest.fixture
def hiring(app, make_user):
    """A Hackney placement, an interviewer, and three shortlisted candidates (the first asked for adjustments)."""
    placement = make_placement(app, title="Junior developer apprentice (Housing repairs)", positions=2)
    interviewer = make_user("recruiter", "hackney", email="interviewer@hackney.test.example")
    people = [
        make_candidate(
            app, make_user, [placement], interview_adjustments=("Step-free access, please" if i == 0 else None)
        )
        for i in range(3)
    ]
    suggestions = {m.candidate_id: m for m in run(app).suggestions}
    with app.test_request_context():
        for person in people:
            suggestion = db.session.get(Suggestion, suggestions[person.id].id)
            decide(suggestion, "shortlist", suggestion.version, interviewer.id)
    return {
        "placement": placement,
        "interviewer": interviewer,
        "people": people,
        "suggestion_ids": [suggestions[p.id].id for p in people],
    }


def _slot(app, hiring, **kwargs) -> int:
    with app.test_request_context():
        from recruit.models import Placement

        return interviews.create_slot(
            db.session.get_one(Placement, hiring["placement"]),
            _new_slot([hiring["interviewer"].id], **kwargs),
            hiring["interviewer"].id,
        ).id


def _as_candidate(app, person):
    client = app.test_client()
    sign_in(client, type("U", (), {"id": person.user_id})())
    return client


def _emails(app, template=None):
    with app.app_context():
        statement = db.select(OutboxEmail).order_by(OutboxEmail.id)
        if template:
            statement = statement.where(OutboxEmail.template == template)
        return [(e.recipient, e.subject, e.text_body, e.attachments) for e in db.session.scalars(statement)]


def _form(hiring, **changes):
    day = _day(3)
    data = {
        "day": [str(day.day), str(day.month), str(day.year)],
        "start": "2:30pm",
        "minutes": "45",
        "place": "Hackney Town Hall",
        "video_link": "",
        "capacity": "2",
        "interviewers": [str(hiring["interviewer"].id)],
    }
    data.update(changes)
    return data


def test_shortlisting_invites_the_candidate_to_choose_a_time(app, hiring):
    invitations = _emails(app, "suggestion_shortlisted")
    assert len(invitations) == 3
    recipient, subject, body, _ = invitations[0]
    assert subject == "You have been shortlisted: choose an interview time"
    assert f"/candidates/suggestions/{hiring['suggestion_ids'][0]}/interview" in body
    assert "we will email you as soon as it does" in body


def test_recruiter_publishes_a_slot_and_waiting_candidates_are_told(app, client, hiring):
    sign_in(client, hiring["interviewer"])
    path = f"/recruiters/placements/{hiring['placement']}/interviews/new"
    post = Poster(client, path)
    response = post(path, _form(hiring))
    assert response.status_code == 302
    with app.app_context():
        slot = db.session.scalar(db.select(InterviewSlot))
        assert (interviews.local(slot.starts_at).time(), slot.minutes, slot.capacity) == (time(14, 30), 45, 2)
        assert [u.email for u in slot.interviewers] == ["interviewer@hackney.test.example"]
    ready = _emails(app, "interview_times_ready")
    assert sorted(r for r, *_ in ready) == sorted(p.email for p in hiring["people"])
    # a second time does not email them again: they already have times to choose from
    assert post(path, _form(hiring, start="4pm")).status_code == 302
    assert len(_emails(app, "interview_times_ready")) == 3
    text = visible_words(client.get(f"/recruiters/placements/{hiring['placement']}/interviews").get_data(as_text=True))
    assert "2:30pm to 3:15pm" in text and "4pm to 4:45pm" in text and "Booked 0 of 2" in text


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"day": ["1", "1", "2020"]}, "The interview must be in the future"),
        ({"day": ["31", "2", "2030"]}, "Date must be a real date"),
        ({"start": "25:00"}, "Enter a start time like 14:30 or 2:30pm"),
        ({"start": ""}, "Enter the start time"),
        ({"minutes": "5"}, "Length must be from 10 to 240 minutes"),
        ({"minutes": "²"}, "Length must be a whole number of minutes, like 45"),
        ({"capacity": "0"}, "Enter a number from 1 to 10"),
        ({"place": "", "video_link": ""}, "Enter an address or room, or a video call link"),
        ({"video_link": "javascript:alert(1)"}, "Enter a video call link starting https://"),
        ({"interviewers": []}, "Select at least one interviewer"),
        ({"interviewers": ["999999"]}, "Select at least one interviewer from the list"),
        ({"start": "10:30"}, "This time overlaps another interview slot"),
    ],
)
def test_bad_slots_are_refused_with_a_message_and_nothing_is_created(app, client, hiring, changes, message):
    _slot(app, hiring, at=time(10, 0))  # 10:00 to 10:45, three days ahead
    sign_in(client, hiring["interviewer"])
    path = f"/recruiters/placements/{hiring['placement']}/interviews/new"
    response = Poster(client, path)(path, _form(hiring, **changes))
    text = visible_words(response.get_data(as_text=True))
    assert response.status_code == 200 and "There is a problem" in text and message in text
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(InterviewSlot)) == 1


def test_an_interviewer_from_another_borough_cannot_be_chosen(app, client, make_user, hiring):
    camden = make_user("recruiter", "camden")
    sign_in(client, hiring["interviewer"])
    path = f"/recruiters/placements/{hiring['placement']}/interviews/new"
    response = Poster(client, path)(path, _form(hiring, interviewers=[str(camden.id)]))
    assert "Select at least one interviewer from the list" in visible_words(response.get_data(as_text=True))


def _ics(attachment) -> Calendar:
    return Calendar.from_ical(attachment["text"])


def test_candidate_books_moves_and_cancels_with_calendar_files_to_both_sides(app, client, hiring):
    first, second = _slot(app, hiring, at=time(10, 0)), _slot(app, hiring, at=time(11, 0))
    person, suggestion_id = hiring["people"][0], hiring["suggestion_ids"][0]
    candidate = _as_candidate(app, person)
    path = f"/candidates/suggestions/{suggestion_id}/interview"
    page = visible_words(candidate.get(path).get_data(as_text=True))
    assert "Choose an interview time" in page and "10am to 10:45am" in page and "11am to 11:45am" in page
    post = Poster(candidate, path)
    response = post(path, {"slot": str(first)}, follow_redirects=True)
    text = visible_words(response.get_data(as_text=True))
    assert "Your interview is booked for" in text and "Hackney Town Hall, Mare Street" in text
    with app.app_context():
        assert db.session.get(Suggestion, suggestion_id).stage == "interview"
        assert db.session.get(InterviewSlot, first).booked == 1
    booked = _emails(app, "interview_booked")
    assert [r for r, *_ in booked] == [person.email]
    event = _ics(booked[0][3][0]).walk("VEVENT")[0]
    calendar = _ics(booked[0][3][0])
    assert calendar["METHOD"] == "REQUEST" and event["SEQUENCE"] == 0 and event["STATUS"] == "CONFIRMED"
    assert event.decoded("DTSTART").astimezone(LONDON).time() == time(10, 0)
    interviewer_mail = _emails(app, "interview_booked_interviewer")
    assert [r for r, *_ in interviewer_mail] == [hiring["interviewer"].email]
    assert str(_ics(interviewer_mail[0][3][0]).walk("VEVENT")[0]["UID"]) == str(event["UID"])
    # the dashboard shows it, and the calendar file can be downloaded
    dashboard = visible_words(candidate.get("/candidates/").get_data(as_text=True))
    assert "Your interview" in dashboard and "10am to 10:45am" in dashboard
    download = candidate.get(f"/candidates/suggestions/{suggestion_id}/interview.ics")
    assert download.mimetype == "text/calendar" and b"BEGIN:VEVENT" in download.data
    # interviewers see who is coming, with the adjustments they asked for
    sign_in(client, hiring["interviewer"])
    staff = visible_words(client.get(f"/recruiters/placements/{hiring['placement']}/interviews").get_data(as_text=True))
    assert f"{person.first_name} {person.last_name}" in staff and "Step-free access, please" in staff

    # move: same event, next sequence, the old place given back
    response = post(path, {"slot": str(second)}, follow_redirects=True)
    assert "11am to 11:45am" in visible_words(response.get_data(as_text=True))
    moved = _emails(app, "interview_booked")[-1]
    assert moved[1] == "Your interview time has changed"
    moved_event = _ics(moved[3][0]).walk("VEVENT")[0]
    assert moved_event["UID"] == event["UID"] and moved_event["SEQUENCE"] == 1
    with app.app_context():
        assert (db.session.get(InterviewSlot, first).booked, db.session.get(InterviewSlot, second).booked) == (0, 1)
    # booking the time they already have is refused
    response = post(path, {"slot": str(second)})
    assert "There is a problem" in visible_words(response.get_data(as_text=True))

    # cancel: a cancellation to both sides, the place freed, still shortlisted for interview
    response = post(f"/candidates/suggestions/{suggestion_id}/interview/cancel", {}, follow_redirects=True)
    assert "Your interview is cancelled" in visible_words(response.get_data(as_text=True))
    cancelled = _emails(app, "interview_cancelled")
    assert sorted(r for r, *_ in cancelled) == sorted([person.email, hiring["interviewer"].email])
    cancel_calendar = _ics(cancelled[0][3][0])
    assert cancel_calendar["METHOD"] == "CANCEL" and cancel_calendar.walk("VEVENT")[0]["SEQUENCE"] == 2
    with app.app_context():
        assert db.session.get(InterviewSlot, second).booked == 0
        assert db.session.scalar(db.select(InterviewBooking)).status == BookingStatus.CANCELLED.value


def test_a_full_slot_cannot_be_booked_and_is_not_offered(app, hiring):
    slot = _slot(app, hiring, capacity=1)
    first, second = (_as_candidate(app, p) for p in hiring["people"][:2])
    paths = [f"/candidates/suggestions/{m}/interview" for m in hiring["suggestion_ids"][:2]]
    post_second = Poster(second, paths[1])  # the second candidate opened the page while the time was free
    assert Poster(first, paths[0])(paths[0], {"slot": str(slot)}).status_code == 302
    response = post_second(paths[1], {"slot": str(slot)})
    text = visible_words(response.get_data(as_text=True))
    assert "That interview time is now full or too soon to book" in text
    assert "There are no interview times free at the moment" in visible_words(
        second.get(paths[1]).get_data(as_text=True)
    )
    with app.app_context():
        assert db.session.get(InterviewSlot, slot).booked == 1
        assert db.session.scalar(db.select(db.func.count()).select_from(InterviewBooking)) == 1


@pytest.mark.fresh_database  # concurrent requests on their own connections must see the test's commits
def test_no_double_booking_when_candidates_click_at_once(app, hiring, make_user):
    """Six candidates book the last two places of a slot at the same moment, on real threads."""
    from recruit.models import Placement

    more = [make_candidate(app, make_user, [hiring["placement"]]) for _ in range(3)]
    with app.app_context():
        for person in more:  # shortlisted directly: the matching run already happened
            db.session.add(
                Suggestion(
                    run_id=db.session.scalar(db.select(Suggestion.run_id)),
                    candidate_id=person.id,
                    placement_id=hiring["placement"],
                    score=0.5,
                    components={},
                    explanation={},
                    stage="shortlisted",
                )
            )
        db.session.commit()
        suggestion_ids = [
            m.id for m in db.session.scalars(db.select(Suggestion).where(Suggestion.stage == "shortlisted"))
        ]
    assert len(suggestion_ids) == 6
    slot = _slot(app, hiring, capacity=2)
    results = at_once(
        app,
        suggestion_ids,
        lambda suggestion: interviews.book(suggestion, slot, suggestion.candidate.user_id),
        "booked",
    )
    assert results.count("booked") == 2, results
    assert all(r == "booked" or "now full" in r or "changed in another window" in r for r in results), results
    with app.app_context():
        assert db.session.get(InterviewSlot, slot).booked == 2
        assert (
            db.session.scalar(
                db.select(db.func.count()).select_from(InterviewBooking).where(InterviewBooking.status == "booked")
            )
            == 2
        )
        assert db.session.get(Placement, hiring["placement"]) is not None


def test_no_time_suits_tells_the_recruiters(app, client, hiring):
    _slot(app, hiring)
    person, suggestion_id = hiring["people"][1], hiring["suggestion_ids"][1]
    candidate = _as_candidate(app, person)
    path = f"/candidates/suggestions/{suggestion_id}/interview/no-time-suits"
    post = Poster(candidate, path)
    response = post(path, {"message": "x" * 501})
    assert "Your message must be 500 characters or fewer" in visible_words(response.get_data(as_text=True))
    response = post(path, {"message": "Any weekday after 3pm, I am at college until then"}, follow_redirects=True)
    assert "We have told Hackney" in visible_words(response.get_data(as_text=True))
    told = _emails(app, "no_time_suits")
    assert [r for r, *_ in told] == [hiring["interviewer"].email]
    assert "Any weekday after 3pm" in told[0][2]
    sign_in(client, hiring["interviewer"])
    staff = visible_words(client.get(f"/recruiters/placements/{hiring['placement']}/interviews").get_data(as_text=True))
    assert "Candidates who say no time suits them" in staff and "Any weekday after 3pm" in staff


def test_reminder_the_day_before_once_by_service_and_cli(app, runner, hiring):
    tomorrow, later = _slot(app, hiring, day_offset=1), _slot(app, hiring, day_offset=3)
    for person, suggestion_id, slot in (
        (hiring["people"][0], hiring["suggestion_ids"][0], tomorrow),
        (hiring["people"][1], hiring["suggestion_ids"][1], later),
    ):
        with app.app_context():
            suggestion = db.session.get(Suggestion, suggestion_id)
            interviews.book(suggestion, slot, person.user_id)
    result = runner.invoke(args=["interviews", "remind"])
    assert result.exit_code == 0 and "Interview reminders queued: 1." in result.output
    reminders = _emails(app, "interview_reminder")
    assert [r for r, *_ in reminders] == [hiring["people"][0].email]
    assert "is tomorrow" in reminders[0][2] and "10am to 10:45am" in reminders[0][2]
    with app.app_context():
        assert interviews.send_reminders() == 0  # never twice


def test_rejecting_a_booked_candidate_frees_their_place(app, hiring):
    slot = _slot(app, hiring, capacity=1)
    person, suggestion_id = hiring["people"][0], hiring["suggestion_ids"][0]
    with app.test_request_context():
        suggestion = db.session.get(Suggestion, suggestion_id)
        interviews.book(suggestion, slot, person.user_id)
        suggestion = db.session.get(Suggestion, suggestion_id)
        decide(
            suggestion,
            "reject",
            suggestion.version,
            hiring["interviewer"].id,
            reason="Another reason",
            feedback="Thank you",
        )
    with app.app_context():
        assert db.session.get(InterviewSlot, slot).booked == 0
    assert [r for r, *_ in _emails(app, "interview_cancelled")] == [hiring["interviewer"].email]


def test_candidates_cannot_reach_each_others_interviews(app, hiring):
    other = _as_candidate(app, hiring["people"][1])
    for path in (
        f"/candidates/suggestions/{hiring['suggestion_ids'][0]}/interview",
        f"/candidates/suggestions/{hiring['suggestion_ids'][0]}/interview/cancel",
        f"/candidates/suggestions/{hiring['suggestion_ids'][0]}/interview/no-time-suits",
        f"/candidates/suggestions/{hiring['suggestion_ids'][0]}/interview.ics",
        "/candidates/suggestions/999999/interview",
    ):
        assert other.get(path).status_code == 404, path
    post = Poster(other, f"/candidates/suggestions/{hiring['suggestion_ids'][1]}/interview/no-time-suits")
    assert post(f"/candidates/suggestions/{hiring['suggestion_ids'][0]}/interview", {"slot": "1"}).status_code == 404
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(SlotRequest)) == 0


def test_booking_a_forged_or_another_placements_slot_is_refused(app, hiring):
    other = make_placement(app, title="Another placement")
    _slot(app, hiring, at=time(9, 0))
    with app.test_request_context():
        from recruit.models import Placement

        foreign = interviews.create_slot(
            db.session.get(Placement, other),
            _new_slot([hiring["interviewer"].id], at=time(15, 0)),
            hiring["interviewer"].id,
        ).id
    candidate = _as_candidate(app, hiring["people"][0])
    path = f"/candidates/suggestions/{hiring['suggestion_ids'][0]}/interview"
    post = Poster(candidate, path)
    for value in (str(foreign), "abc", "", "99999999"):
        response = post(path, {"slot": value})
        text = visible_words(response.get_data(as_text=True))
        assert response.status_code == 200 and "There is a problem" in text, value
        assert "Select an interview time" in text
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(InterviewBooking)) == 0


def test_withdrawing_the_application_frees_the_interview_place(app, hiring):
    from recruit.models import Candidate
    from recruit.services.candidates.application import withdraw

    slot = _slot(app, hiring, capacity=1)
    person, suggestion_id = hiring["people"][0], hiring["suggestion_ids"][0]
    with app.test_request_context():
        interviews.book(db.session.get(Suggestion, suggestion_id), slot, person.user_id)
        withdraw(db.session.get(Candidate, person.id))
    with app.app_context():
        assert db.session.get(InterviewSlot, slot).booked == 0
        assert db.session.get(Suggestion, suggestion_id).stage == "withdrawn"
    assert [r for r, *_ in _emails(app, "interview_cancelled")] == [hiring["interviewer"].email]


def test_the_candidates_data_download_has_their_interviews_and_deleting_frees_the_place(app, hiring):
    import json

    slot = _slot(app, hiring, capacity=1)
    person, suggestion_id = hiring["people"][0], hiring["suggestion_ids"][0]
    candidate = _as_candidate(app, person)
    path = f"/candidates/suggestions/{suggestion_id}/interview"
    post = Poster(candidate, path)
    post(path, {"slot": str(slot)})
    post(f"{path}/no-time-suits", {"message": "Mornings are hard"})
    data = json.loads(candidate.get("/candidates/your-data.json").data)
    assert (
        data["interviews"][0]["where"] == "Hackney Town Hall, Mare Street"
        and data["interviews"][0]["status"] == "booked"
    )
    assert data["interview_time_requests"][0]["message"] == "Mornings are hard"
    assert post("/candidates/delete-account", {}).status_code == 302
    with app.app_context():
        assert db.session.get(InterviewSlot, slot).booked == 0
        assert db.session.scalar(db.select(db.func.count()).select_from(InterviewBooking)) == 0
        assert db.session.scalar(db.select(db.func.count()).select_from(SlotRequest)) == 0
