"""Interviews candidates book: recruiters publish slots per placement, shortlisted candidates book, move or
cancel one, both sides get calendar files, and everyone booked is reminded the day before.

A slot's `booked` count only ever moves in a conditional UPDATE ("… SET booked = booked + 1 WHERE booked <
capacity"), which the database applies one at a time per row, so two candidates clicking the last place at
once cannot both get it (a check constraint backs it up)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from icalendar import Calendar, Event
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from .. import emails
from ..audit import record_event
from ..extensions import db
from ..models import (
    ApplicationStatus,
    BookingStatus,
    Candidate,
    InterviewBooking,
    InterviewSlot,
    Placement,
    Role,
    SlotRequest,
    Suggestion,
    SuggestionStage,
    User,
    utcnow,
)
from . import rolled_back_on_error, rows_changed
from .errors import ServiceError
from .matching.stages import move_stage

LONDON = ZoneInfo("Europe/London")
# Candidates may book, move or cancel until this long before the interview starts.
BOOKING_CLOSES_BEFORE = timedelta(hours=2)
BOOKABLE_STAGES = (SuggestionStage.SHORTLISTED.value, SuggestionStage.INTERVIEW.value)


@dataclass(frozen=True)
class NewSlot:
    """What a recruiter typed for a new interview slot, already checked for format by the form."""

    day: date
    start: time
    minutes: int
    place: str
    video_link: str
    capacity: int
    interviewer_ids: list[int]


def local(moment: datetime) -> datetime:
    """A stored UTC time as London time, for people to read."""
    return moment.astimezone(LONDON)


def when_text(slot: InterviewSlot) -> str:
    """ "Tuesday 9 June 2026, 2:30pm to 3:15pm" in London time."""
    start, end = local(slot.starts_at), local(slot.starts_at + timedelta(minutes=slot.minutes))
    return f"{start:%A} {start.day} {start:%B %Y}, {_clock(start)} to {_clock(end)}"


def _clock(moment: datetime) -> str:
    hour = moment.hour % 12 or 12
    return f"{hour}{moment:%p}".lower() if moment.minute == 0 else f"{hour}:{moment:%M}{moment:%p}".lower()


def where_text(slot: InterviewSlot) -> str:
    """Where the interview is: the place, the video link, or both."""
    parts = [part for part in (slot.place, f"Video call: {slot.video_link}" if slot.video_link else "") if part]
    return ". ".join(parts)


# --- Recruiters ------------------------------------------------------------------------------------


def interviewer_choices(placement: Placement) -> list[User]:
    """The active recruiters of the placement's borough, who may interview for it."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == Role.RECRUITER.value, User.borough_id == placement.borough_id, User.active.is_(True))
            .order_by(User.email)
        )
    )


def placement_slots(placement: Placement) -> list[InterviewSlot]:
    """The placement's slots, soonest first, with their interviewers and bookings (the caller checked the borough)."""
    statement = (
        select(InterviewSlot)
        .where(InterviewSlot.placement_id == placement.id)
        .options(
            selectinload(InterviewSlot.interviewers),
            selectinload(InterviewSlot.bookings)
            .joinedload(InterviewBooking.suggestion)
            .joinedload(Suggestion.candidate),
        )
        .order_by(InterviewSlot.starts_at, InterviewSlot.id)
    )
    return list(db.session.scalars(statement))


def slot_requests(placement: Placement) -> list[SlotRequest]:
    """Candidates who said no interview time suits them, newest first."""
    statement = (
        select(SlotRequest)
        .join(SlotRequest.suggestion)
        .where(Suggestion.placement_id == placement.id)
        .options(joinedload(SlotRequest.suggestion).joinedload(Suggestion.candidate))
        .order_by(SlotRequest.at.desc())
    )
    return list(db.session.scalars(statement))


def create_slot(placement: Placement, new: NewSlot, actor_id: int, now: datetime | None = None) -> InterviewSlot:
    """Publish an interview slot; shortlisted candidates who had no time to book are emailed that they now have one."""
    now = now or utcnow()
    starts_at = datetime.combine(new.day, new.start, tzinfo=LONDON).astimezone(ZoneInfo("UTC"))
    errors = {}
    if starts_at <= now:
        errors["day"] = "The interview must be in the future"
    interviewers = [user for user in interviewer_choices(placement) if user.id in set(new.interviewer_ids)]
    if not new.interviewer_ids or len(interviewers) != len(set(new.interviewer_ids)):
        errors["interviewers"] = "Select at least one interviewer from the list"
    if not errors:
        clash = _overlapping(placement, starts_at, new.minutes, [user.id for user in interviewers])
        if clash is not None:
            errors["start"] = (
                f"This time overlaps another interview slot ({when_text(clash)}"
                f"{'' if clash.placement_id == placement.id else ', for another placement'}). Choose another time"
            )
    if errors:
        raise ServiceError.by_field(errors)
    had_times = bool(_open_slots(placement, now))
    slot = InterviewSlot(
        placement_id=placement.id,
        starts_at=starts_at,
        minutes=new.minutes,
        place=new.place,
        video_link=new.video_link,
        capacity=new.capacity,
        booked=0,
        created_by_id=actor_id,
        interviewers=interviewers,
    )
    db.session.add(slot)
    db.session.flush()
    event = record_event("interview_slot.created", slot, actor_id=actor_id, placement_id=placement.id)
    event.borough_id = placement.borough_id
    if not had_times:
        for suggestion in _waiting_to_book(placement):
            emails.email_interview_times_ready(suggestion)
    db.session.commit()
    return slot


def _overlapping(
    placement: Placement, starts_at: datetime, minutes: int, interviewer_ids: list[int]
) -> InterviewSlot | None:
    """A slot of this placement, or of one of these interviewers, that overlaps the given time."""
    ends_at = starts_at + timedelta(minutes=minutes)
    # Slots are at most 4 hours long, so only those starting in the 4 hours before can still be running.
    candidates = db.session.scalars(
        select(InterviewSlot)
        .options(selectinload(InterviewSlot.interviewers))
        .where(InterviewSlot.starts_at < ends_at, InterviewSlot.starts_at > starts_at - timedelta(minutes=240))
    )
    for slot in candidates:
        if slot.starts_at + timedelta(minutes=slot.minutes) <= starts_at:
            continue
        if slot.placement_id == placement.id or {user.id for user in slot.interviewers} & set(interviewer_ids):
            return slot
    return None


def _open_slots(placement: Placement, now: datetime) -> list[InterviewSlot]:
    return list(
        db.session.scalars(
            select(InterviewSlot)
            .where(
                InterviewSlot.placement_id == placement.id,
                InterviewSlot.booked < InterviewSlot.capacity,
                InterviewSlot.starts_at > now + BOOKING_CLOSES_BEFORE,
            )
            .order_by(InterviewSlot.starts_at, InterviewSlot.id)
        )
    )


def _waiting_to_book(placement: Placement) -> list[Suggestion]:
    """The placement's shortlisted (or invited) candidates with no interview booked."""
    booked = select(InterviewBooking.suggestion_id).where(InterviewBooking.status == BookingStatus.BOOKED.value)
    return list(
        db.session.scalars(
            select(Suggestion)
            .join(Suggestion.candidate)
            .where(
                Suggestion.placement_id == placement.id,
                Suggestion.stage.in_(BOOKABLE_STAGES),
                Suggestion.id.not_in(booked),
                Suggestion.candidate.has(status=ApplicationStatus.SUBMITTED.value),
            )
        )
    )


# --- Candidates ------------------------------------------------------------------------------------


def live_booking(suggestion: Suggestion) -> InterviewBooking | None:
    """The suggestion's current booking, if any."""
    return db.session.scalar(
        select(InterviewBooking)
        .options(joinedload(InterviewBooking.slot))
        .where(InterviewBooking.suggestion_id == suggestion.id, InterviewBooking.status == BookingStatus.BOOKED.value)
    )


def live_bookings(candidate: Candidate) -> dict[int, InterviewBooking]:
    """Each of the candidate's suggestions with a booked interview, by suggestion id."""
    statement = (
        select(InterviewBooking)
        .join(InterviewBooking.suggestion)
        .options(joinedload(InterviewBooking.slot))
        .where(Suggestion.candidate_id == candidate.id, InterviewBooking.status == BookingStatus.BOOKED.value)
    )
    return {booking.suggestion_id: booking for booking in db.session.scalars(statement)}


def can_book(suggestion: Suggestion) -> bool:
    """True while the candidate may choose an interview time for this suggestion."""
    return suggestion.stage in BOOKABLE_STAGES and suggestion.candidate.status == ApplicationStatus.SUBMITTED.value


def bookable_slots(suggestion: Suggestion, now: datetime | None = None) -> list[InterviewSlot]:
    """The placement's future slots with a place free (the current booking's slot is left out)."""
    current = live_booking(suggestion)
    return [
        slot
        for slot in _open_slots(suggestion.placement, now or utcnow())
        if current is None or slot.id != current.slot_id
    ]


def has_times_to_choose(suggestion: Suggestion) -> bool:
    """True when the candidate may book and the placement has a future time with a place free: only then is
    "choose an interview time" the next step (before that, they wait for the borough to publish times)."""
    return can_book(suggestion) and bool(bookable_slots(suggestion))


@rolled_back_on_error
def book(suggestion: Suggestion, slot_id: int, actor_id: int, now: datetime | None = None) -> InterviewBooking:
    """Book (or move to) a slot for the candidate's suggestion; both sides are emailed a calendar file."""
    now = now or utcnow()
    _lock_suggestion(suggestion)
    if not can_book(suggestion):
        raise ServiceError(f"You cannot book an interview for {suggestion.placement.title} now")
    slot = db.session.get(InterviewSlot, slot_id)
    if slot is None or slot.placement_id != suggestion.placement_id:
        raise ServiceError("Select an interview time from the list", "slot")
    current = live_booking(suggestion)
    if current is not None and current.slot_id == slot.id:
        raise ServiceError("You are already booked at this time. Select a different time", "slot")
    if current is not None and current.slot.starts_at <= now + BOOKING_CLOSES_BEFORE:
        raise ServiceError("Your interview starts soon, so it can no longer be moved. Contact the borough instead")
    # Take a place only if one is free and the slot has not started: applied by the database one at a time.
    taken = rows_changed(
        update(InterviewSlot)
        .where(
            InterviewSlot.id == slot.id,
            InterviewSlot.booked < InterviewSlot.capacity,
            InterviewSlot.starts_at > now + BOOKING_CLOSES_BEFORE,
        )
        .values(booked=InterviewSlot.booked + 1)
        .execution_options(synchronize_session=False)
    )
    if taken != 1:
        db.session.rollback()
        raise ServiceError("That interview time is now full or too soon to book. Select another time", "slot")
    try:
        if current is None:
            booking = InterviewBooking(
                slot_id=slot.id,
                suggestion_id=suggestion.id,
                status=BookingStatus.BOOKED.value,
                booked_at=now,
                sequence=0,
            )
            db.session.add(booking)
            if suggestion.stage == SuggestionStage.SHORTLISTED.value:
                move_stage(suggestion, SuggestionStage.INTERVIEW.value, actor_id, "Booked an interview")
        else:
            _give_back(current.slot_id)
            booking = current
            booking.slot_id, booking.sequence, booking.moved_at, booking.reminder_sent_at = (
                slot.id,
                current.sequence + 1,
                now,
                None,
            )
        db.session.flush()
        db.session.refresh(booking, ["slot"])
        record_event(
            "interview.moved" if current else "interview.booked",
            booking,
            actor_id=actor_id,
            suggestion_id=suggestion.id,
            slot_id=slot.id,
        ).borough_id = suggestion.placement.borough_id
        emails.email_interview_booked(booking, calendar_file(booking), moved=current is not None)
        db.session.commit()
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        raise ServiceError("Your booking changed in another window. Check your interview below and try again") from None
    return booking


@rolled_back_on_error
def cancel(suggestion: Suggestion, actor_id: int, now: datetime | None = None) -> InterviewBooking:
    """Cancel the suggestion's booking, freeing the place; both sides are emailed a cancellation."""
    now = now or utcnow()
    _lock_suggestion(suggestion)
    booking = live_booking(suggestion)
    if booking is None:
        raise ServiceError("You have no interview booked for this placement")
    if booking.slot.starts_at <= now:
        raise ServiceError("This interview has already started, so it cannot be cancelled")
    booking.status, booking.cancelled_at, booking.sequence = BookingStatus.CANCELLED.value, now, booking.sequence + 1
    _give_back(booking.slot_id)
    record_event("interview.cancelled", booking, actor_id=actor_id).borough_id = suggestion.placement.borough_id
    emails.email_interview_cancelled(booking, calendar_file(booking))
    db.session.commit()
    return booking


@rolled_back_on_error
def tell_no_time_suits(suggestion: Suggestion, message: str, actor_id: int) -> SlotRequest:
    """Record that none of the times suits the candidate, and tell the placement's recruiters."""
    if not can_book(suggestion):
        raise ServiceError(f"You cannot ask for another interview time for {suggestion.placement.title} now")
    request = SlotRequest(suggestion_id=suggestion.id, message=message, at=utcnow())
    db.session.add(request)
    db.session.flush()
    record_event("interview.no_time_suits", request, actor_id=actor_id).borough_id = suggestion.placement.borough_id
    for recruiter in interviewer_choices(suggestion.placement):
        emails.email_no_time_suits(recruiter, request)
    db.session.commit()
    return request


def release_booking(suggestion: Suggestion, actor_id: int | None) -> None:
    """Free the place of a suggestion's booking once it is decided (the caller commits); interviewers are told."""
    booking = live_booking(suggestion)
    if booking is None:
        return
    booking.status, booking.cancelled_at, booking.sequence = (
        BookingStatus.CANCELLED.value,
        utcnow(),
        booking.sequence + 1,
    )
    _give_back(booking.slot_id)
    emails.email_interview_cancelled(booking, calendar_file(booking), candidate_told=False)


def _lock_suggestion(suggestion: Suggestion) -> None:
    """Hold the suggestion's row until commit, so a recruiter's decision and a booking never cross."""
    db.session.refresh(suggestion, with_for_update=True)


def _give_back(slot_id: int) -> None:
    db.session.execute(
        update(InterviewSlot)
        .where(InterviewSlot.id == slot_id, InterviewSlot.booked > 0)
        .values(booked=InterviewSlot.booked - 1)
        .execution_options(synchronize_session=False)
    )


# --- Calendar files and reminders ------------------------------------------------------------------


def calendar_file(booking: InterviewBooking) -> bytes:
    """The booking as an iCalendar file: a request for a booked interview, a cancellation for a cancelled one.

    One UID per booking and a rising SEQUENCE, so calendars replace the event when it moves or is cancelled."""
    slot, suggestion = booking.slot, booking.suggestion
    cancelled = booking.status == BookingStatus.CANCELLED.value
    calendar = Calendar()
    calendar.add("prodid", "-//London Digital Apprenticeships//Interviews//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    host = current_app.config["PUBLIC_BASE_URL"].split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"
    event.add("uid", f"interview-{booking.id}@{host}")
    event.add("sequence", booking.sequence)
    event.add("dtstamp", utcnow())
    event.add("dtstart", slot.starts_at)
    event.add("dtend", slot.starts_at + timedelta(minutes=slot.minutes))
    event.add("summary", f"Interview: {suggestion.placement.title} ({suggestion.placement.borough.name})")
    event.add("location", slot.video_link or slot.place)
    event.add("description", f"Apprenticeship interview for {suggestion.placement.title}. {where_text(slot)}")
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    ical: bytes = calendar.to_ical()
    return ical


def send_reminders(now: datetime | None = None) -> int:
    """Email everyone with an interview tomorrow (London time) a reminder, once per booking. Returns how many."""
    now = now or utcnow()
    tomorrow = local(now).date() + timedelta(days=1)
    start = datetime.combine(tomorrow, time(0), tzinfo=LONDON)
    end = datetime.combine(tomorrow + timedelta(days=1), time(0), tzinfo=LONDON)
    statement = (
        select(InterviewBooking)
        .join(InterviewBooking.slot)
        .where(
            InterviewBooking.status == BookingStatus.BOOKED.value,
            InterviewBooking.reminder_sent_at.is_(None),
            InterviewSlot.starts_at >= start,
            InterviewSlot.starts_at < end,
        )
        .order_by(InterviewBooking.id)
    )
    count = 0
    for booking in db.session.scalars(statement).all():
        emails.email_interview_reminder(booking)
        booking.reminder_sent_at = now
        count += 1
    db.session.commit()
    return count
