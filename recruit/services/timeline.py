"""The candidate's view of each suggestion: every step so far with its date, and what happens next, by when."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import BookingStatus, Candidate, InterviewBooking, Offer, Suggestion
from .interviews import has_times_to_choose, local, when_text

STEP_WORDS = {
    "suggested": "Suggested to the borough",
    "shortlisted": "Shortlisted",
    "interview": "Invited to interview",
    "offered": "Offered the apprenticeship",
    "accepted": "Accepted the offer",
    "rejected": "Not successful",
    "withdrawn": "Closed",
}


@dataclass(frozen=True)
class Step:
    on: date
    text: str


@dataclass(frozen=True)
class Progress:
    """Where one suggestion stands for the candidate."""

    steps: list[Step]
    next_step: str
    booking: InterviewBooking | None
    offer: Offer | None
    can_book: bool


def candidate_progress(candidate: Candidate, suggestions: list[Suggestion]) -> dict[int, Progress]:
    """Each of the candidate's suggestions with its timeline, its live booking, its offer and what happens next."""
    ids = [suggestion.id for suggestion in suggestions]
    bookings: dict[int, list[InterviewBooking]] = {}
    for booking in db.session.scalars(
        select(InterviewBooking)
        .options(joinedload(InterviewBooking.slot))
        .where(InterviewBooking.suggestion_id.in_(ids))
        .order_by(InterviewBooking.id)
    ):
        bookings.setdefault(booking.suggestion_id, []).append(booking)
    offers = {
        offer.suggestion_id: offer for offer in db.session.scalars(select(Offer).where(Offer.suggestion_id.in_(ids)))
    }
    progress = {}
    for suggestion in suggestions:
        mine = bookings.get(suggestion.id, [])
        live = next((b for b in mine if b.status == BookingStatus.BOOKED.value), None)
        bookable = has_times_to_choose(suggestion)
        progress[suggestion.id] = Progress(
            steps=steps(suggestion, mine, offers.get(suggestion.id)),
            next_step=next_step(suggestion, live, offers.get(suggestion.id), bookable),
            booking=live,
            offer=offers.get(suggestion.id),
            can_book=bookable,
        )
    return progress


def steps(suggestion: Suggestion, bookings: list[InterviewBooking], offer: Offer | None) -> list[Step]:
    """Every step of the suggestion, oldest first: stage changes, interview bookings, the offer and the start."""
    found = [Step(_day(suggestion.run.created_at), "Suggested to the borough")]
    for change in suggestion.stage_changes:
        if change.from_stage is None:
            continue
        words = STEP_WORDS.get(change.to_stage, change.to_stage)
        if change.to_stage == "withdrawn" and change.reason:
            words = f"Closed: {change.reason[0].lower()}{change.reason[1:]}"
        found.append(Step(_day(change.at), words))
    for booking in bookings:
        found.append(Step(_day(booking.booked_at), f"Booked an interview for {when_text(booking.slot)}"))
        if booking.status == BookingStatus.CANCELLED.value and booking.cancelled_at:
            found.append(Step(_day(booking.cancelled_at), "Interview cancelled"))
    if offer is not None and offer.started_on:
        found.append(Step(offer.started_on, "Started the apprenticeship"))
    return sorted(found, key=lambda step: step.on)


def next_step(suggestion: Suggestion, booking: InterviewBooking | None, offer: Offer | None, can_book: bool) -> str:
    """What happens next for this suggestion, in plain words, with a date where there is one (the dashboard's
    table of states, services/next_steps.py)."""
    from .next_steps import for_suggestion  # next_steps imports nothing of ours but the wording

    return for_suggestion(suggestion, booking, offer, can_book)


def _day(moment: datetime) -> date:
    return local(moment).date()
