"""What happens next, and by when, for the application and for each suggestion, in the candidate's words.

One sentence set per state. A stage added later (for example a booked interview) gets its words by adding an entry
to SUGGESTION_STEPS; until then it reads the fallback, which is true of every stage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from ..wording import long_date

if TYPE_CHECKING:  # for annotations only: at run time this module imports nothing of ours but the wording
    from ..models import Candidate, InterviewBooking, Offer, Suggestion


@dataclass(frozen=True)
class Step:
    state: str  # the state's name in the glossary's words, e.g. "Shortlisted"
    text: str


# Keyed by the stage stored on a suggestion; {borough}, {starts} and {title} are filled in from the placement.
SUGGESTION_STEPS = {
    "suggested": "A recruiter at {borough} will look at your application and decide whether to shortlist you "
    "(pick you to go on to the next step). "
    "We will email you when they decide. The placement starts on {starts}.",
    "shortlisted": "{borough} has shortlisted you. When they publish interview times, we will email you and you "
    "choose one on this page. The placement starts on {starts}.",
    "interview": "{borough} has invited you to an interview. When they publish interview times, we will email you "
    "and you choose one on this page. If you need any changes to the interview, tell them. "
    "The placement starts on {starts}.",
    # Hiring states within a stage (see state_of): a time to choose, an interview booked, an offer to answer, a start.
    "choose_interview_time": "Choose an interview time. If none suits you, tell the borough on the same page. "
    "The placement starts on {starts}.",
    "interview_booked": "Go to your interview on {interview}. We will remind you the day before. "
    "After it, the borough will decide and we will email you.",
    "offered": "{borough} has offered you this placement. Accept or decline the offer by 11:59pm on {respond_by}. "
    "The placement starts on {starts}.",
    "accepted": "You have accepted this placement. You start on {start_date}. The borough will contact you before "
    "then about your first day.",
    "started": "Nothing: you have started. Good luck.",
    "rejected": "This placement has gone to someone else. Read the feedback, and keep an eye on your other "
    "suggestions: it does not change them.",
    "withdrawn": "You are no longer being considered for this placement.",
    "closed": "This placement is now full, so it has closed. It does not change your other suggestions.",
}
FALLBACK = "We will email you when anything changes. The placement starts on {starts}."


def _day(value: date) -> str:
    return f"{value:%A} {value.day} {value:%B %Y}"


def state_of(
    suggestion: Suggestion,
    booking: InterviewBooking | None = None,
    offer: Offer | None = None,
    can_book: bool = False,
) -> str:
    """The key of SUGGESTION_STEPS for a suggestion: its stage, or the hiring state within it."""
    stage = suggestion.stage
    if stage in ("shortlisted", "interview") and booking is not None:
        return "interview_booked"
    if stage in ("shortlisted", "interview") and can_book:
        return "choose_interview_time"
    if stage == "offered" and (offer is None or offer.answer is not None):
        return "fallback"
    if stage == "accepted" and offer is not None and offer.started_on:
        return "started"
    if stage == "accepted" and offer is None:
        return "fallback"
    return stage


def for_suggestion(
    suggestion: Suggestion,
    booking: InterviewBooking | None = None,
    offer: Offer | None = None,
    can_book: bool | None = None,
) -> str:
    """What happens next for one suggestion (its booking, offer and whether it can book are looked up if not given)."""
    if can_book is None:
        from ..services import interviews, offers  # the services import candidates' helpers

        booking, offer = interviews.live_booking(suggestion), offers.offer_for(suggestion)
        can_book = interviews.has_times_to_choose(suggestion)
    placement = suggestion.placement
    fields = dict(
        borough=placement.borough.name,
        starts=long_date(placement.start_date),
        title=placement.title,
        interview="",
        respond_by="",
        start_date=long_date(placement.start_date),
    )
    if booking is not None:
        from ..services.interviews import when_text

        fields["interview"] = when_text(booking.slot)
    if offer is not None:
        fields["respond_by"], fields["start_date"] = _day(offer.respond_by), _day(offer.start_date)
    return SUGGESTION_STEPS.get(state_of(suggestion, booking, offer, can_book), FALLBACK).format(**fields)


def for_application(
    candidate: Candidate, suggestions: Sequence[Suggestion], eligible: bool, round_has_run: bool
) -> Step:
    """The application's state and what happens next, before any suggestion (or when there are none)."""
    closing = sorted(p.placement.closing_date for p in candidate.choices)
    if candidate.status == "withdrawn":
        return Step(
            "Withdrawn",
            "You withdrew your application, so recruiters are no longer considering you. "
            "You cannot send another application in this round.",
        )
    if candidate.status == "draft" and not eligible:
        return Step("Not applied", "Check you can apply, then fill in your application and choose your placements.")
    if candidate.status == "draft":
        by = (
            f" Send it before {long_date(closing[0])}, when the first of your chosen placements closes."
            if closing
            else " Choose at least one placement, then send your application before it closes."
        )
        return Step(
            "Not sent yet",
            "Complete every section, check your answers and send your application. "
            "Your answers are saved as you go." + by,
        )
    if suggestions:
        return Step(
            "Suggested", "We have suggested you for the placements on this page. Each one says what happens next."
        )
    if round_has_run:
        return Step(
            "Not matched",
            "We could not suggest you for any placement this time. This can happen when "
            "placements are full or too far away. We will look again if places are left, "
            "and email you if we suggest you.",
        )
    by = f" The last of your chosen placements closes on {long_date(closing[-1])}." if closing else ""
    return Step(
        "Sent",
        "When applications close, we suggest candidates for each placement. A recruiter at the borough "
        "then looks at each suggestion. We will email you when we suggest you." + by,
    )
