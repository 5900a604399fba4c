"""Offers candidates answer: a recruiter makes an offer with a deadline; the candidate accepts or declines it on
their dashboard; an unanswered offer expires. Offers still open plus acceptances never exceed positions.

Accepting closes the candidate's other open suggestions (their recruiters are told); declining or letting the
deadline pass frees the position and tells the recruiter, who can offer it to someone else."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import wraps

from fpdf import FPDF
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from .. import emails
from ..audit import record_event
from ..extensions import db
from ..models import (
    ApplicationStatus,
    Candidate,
    Offer,
    OfferAnswer,
    Placement,
    PlacementStatus,
    Role,
    Suggestion,
    SuggestionStage,
    User,
    utcnow,
)
from ..wording import level_text, wage_text
from . import Params, Result, rolled_back_on_error
from .errors import ServiceError
from .interviews import LONDON, local, release_booking
from .matching.positions import PlacementFullError, close_when_filled, take_position
from .matching.review import decide
from .matching.runs import OPEN_STAGES
from .matching.stages import move_stage

WORKING_DAYS_TO_ANSWER = 5
CROSSED = "Your answer crossed with another change to your applications. Check your offers and try again"
LONGEST_DEADLINE = timedelta(days=30)


@dataclass(frozen=True)
class OfferTerms:
    respond_by: date
    start_date: date
    contact: str


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days (Monday to Friday) after `start`."""
    current = start
    while days:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def today_in_london(now: datetime | None = None) -> date:
    return local(now or utcnow()).date()


def default_terms(suggestion: Suggestion, contact: str) -> OfferTerms:
    """Answer within 5 working days; start on the placement's start date (or the first working day after today)."""
    today = today_in_london()
    start = max(suggestion.placement.start_date, add_working_days(today, 1))
    return OfferTerms(respond_by=add_working_days(today, WORKING_DAYS_TO_ANSWER), start_date=start, contact=contact)


def deadline_passed(offer: Offer, now: datetime | None = None) -> bool:
    """True after the end of the answer day, London time."""
    return today_in_london(now) > offer.respond_by


def offer_for(suggestion: Suggestion) -> Offer | None:
    return db.session.scalar(select(Offer).where(Offer.suggestion_id == suggestion.id))


def make_offer(suggestion: Suggestion, version: int | None, actor_id: int, terms: OfferTerms) -> Offer:
    """Offer the candidate a position, if one is free; they are emailed the letter (PDF) and asked to answer."""
    today = today_in_london()
    errors = {}
    if terms.respond_by <= today:
        errors["respond_by"] = "The date to answer by must be in the future"
    elif terms.respond_by > today + LONGEST_DEADLINE:
        errors["respond_by"] = "The date to answer by must be within 30 days"
    if terms.start_date <= today:
        errors["start_date"] = "The start date must be in the future"
    elif terms.start_date < terms.respond_by:
        errors["start_date"] = "The start date must be on or after the date to answer by"
    if errors:
        raise ServiceError.by_field(errors)
    made: list[Offer] = []

    def add_offer(suggestion: Suggestion) -> None:  # decide() has taken the position under the placement's row lock
        offer = Offer(
            suggestion_id=suggestion.id,
            made_by_id=actor_id,
            made_at=utcnow(),
            respond_by=terms.respond_by,
            start_date=terms.start_date,
            contact=terms.contact,
        )
        db.session.add(offer)
        db.session.flush()
        offer.suggestion = suggestion
        emails.email_offer_made(offer, offer_letter_pdf(offer))
        made.append(offer)

    decide(suggestion, "offer", version, actor_id, extra=add_offer)
    return made[0]


def _lock_candidate(candidate: Candidate) -> None:
    """Hold the candidate's row: two answers from the same person (two tabs) are decided one after the other."""
    db.session.refresh(candidate, with_for_update=True)


def _recruiters(placement: Placement) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == Role.RECRUITER.value, User.borough_id == placement.borough_id, User.active.is_(True))
            .order_by(User.email)
        )
    )


def _answerable(suggestion: Suggestion, now: datetime) -> Offer:
    offer = offer_for(suggestion)
    if offer is None or suggestion.stage != SuggestionStage.OFFERED.value or offer.answer is not None:
        raise ServiceError("This offer is no longer open")
    if deadline_passed(offer, now):
        raise ServiceError("The date to answer this offer has passed. Contact the borough if you still want it")
    if suggestion.candidate.status != ApplicationStatus.SUBMITTED.value:
        raise ServiceError("You have withdrawn your application")
    return offer


def _one_answer(function: Callable[Params, Result]) -> Callable[Params, Result]:
    """Roll back a refused answer; an answer that crossed with another change is refused with a message."""

    @rolled_back_on_error
    @wraps(function)
    def worded(*args: Params.args, **kwargs: Params.kwargs) -> Result:
        try:
            return function(*args, **kwargs)
        except PlacementFullError as full:
            raise ServiceError(str(full)) from None
        except StaleDataError:  # another answer or decision changed one of these suggestions first
            raise ServiceError(CROSSED) from None

    return worded


@_one_answer
def accept(suggestion: Suggestion, actor_id: int, now: datetime | None = None) -> Offer:
    """The candidate accepts: their other open suggestions close (each recruiter is told), both sides are emailed."""
    now = now or utcnow()
    _lock_candidate(suggestion.candidate)
    db.session.refresh(suggestion)
    offer = _answerable(suggestion, now)
    already = db.session.scalar(
        select(Suggestion).where(
            Suggestion.candidate_id == suggestion.candidate_id,
            Suggestion.id != suggestion.id,
            Suggestion.stage == SuggestionStage.ACCEPTED.value,
        )
    )
    if already is not None:
        raise ServiceError(f"You have already accepted {already.placement.title}. You can accept only one placement")
    placement = take_position(
        suggestion
    )  # under the placement's row lock: acceptances plus open offers within positions
    move_stage(suggestion, SuggestionStage.ACCEPTED.value, actor_id, "The candidate accepted the offer")
    offer.answer, offer.answered_at = OfferAnswer.ACCEPTED.value, now
    others = list(
        db.session.scalars(
            select(Suggestion).where(
                Suggestion.candidate_id == suggestion.candidate_id,
                Suggestion.id != suggestion.id,
                Suggestion.stage.in_(OPEN_STAGES),
            )
        )
    )
    for other in others:
        move_stage(other, SuggestionStage.WITHDRAWN.value, actor_id, "The candidate accepted another placement")
        close_open_offer(other, now)
        release_booking(other, actor_id)
        for recruiter in _recruiters(other.placement):
            emails.email_candidate_went_elsewhere(recruiter, other)
    close_when_filled(placement, actor_id)  # every position accepted: the placement's other suggestions close kindly
    record_event("offer.accepted", offer, actor_id=actor_id).borough_id = suggestion.placement.borough_id
    emails.email_offer_accepted(offer, [r.email for r in _recruiters(suggestion.placement)])
    db.session.commit()
    return offer


def close_open_offer(suggestion: Suggestion, now: datetime | None = None) -> None:
    """Mark an unanswered offer of a suggestion that closed for another reason as withdrawn (the caller commits)."""
    offer = offer_for(suggestion)
    if offer is not None and offer.answer is None:
        offer.answer, offer.answered_at = OfferAnswer.WITHDRAWN.value, now or utcnow()


@_one_answer
def decline(suggestion: Suggestion, actor_id: int, now: datetime | None = None) -> Offer:
    """The candidate declines: the position is free again and the recruiter is told."""
    now = now or utcnow()
    _lock_candidate(suggestion.candidate)
    db.session.refresh(suggestion)
    offer = _answerable(suggestion, now)
    move_stage(suggestion, SuggestionStage.WITHDRAWN.value, actor_id, "The candidate declined the offer")
    offer.answer, offer.answered_at = OfferAnswer.DECLINED.value, now
    record_event("offer.declined", offer, actor_id=actor_id).borough_id = suggestion.placement.borough_id
    emails.email_offer_declined(offer, [r.email for r in _recruiters(suggestion.placement)], expired=False)
    db.session.commit()
    return offer


def expire_offers(now: datetime | None = None) -> int:
    """Close every offer whose answer day has passed; each frees its position and both sides are told."""
    now = now or utcnow()
    statement = (
        select(Offer)
        .join(Offer.suggestion)
        .where(
            Offer.answer.is_(None),
            Suggestion.stage == SuggestionStage.OFFERED.value,
            Offer.respond_by < today_in_london(now),
        )
        .order_by(Offer.id)
    )
    count = 0
    for offer in db.session.scalars(statement).all():
        move_stage(
            offer.suggestion, SuggestionStage.WITHDRAWN.value, None, "The offer was not answered by its deadline"
        )
        offer.answer, offer.answered_at = OfferAnswer.EXPIRED.value, now
        record_event("offer.expired", offer, actor_id=None).borough_id = offer.suggestion.placement.borough_id
        emails.email_offer_declined(offer, [r.email for r in _recruiters(offer.suggestion.placement)], expired=True)
        count += 1
    db.session.commit()
    return count


def record_start(suggestion: Suggestion, started_on: date, actor_id: int) -> Offer:
    """Record the day an accepted candidate started; the placement is filled once every position has started."""
    offer = offer_for(suggestion)
    if offer is None or suggestion.stage != SuggestionStage.ACCEPTED.value:
        raise ServiceError("You can record a start date only for a candidate who accepted an offer", "started_on")
    today = today_in_london()
    if started_on > today:
        raise ServiceError("The start date must be today or in the past", "started_on")
    if started_on < offer.made_at.date() - timedelta(days=1):
        raise ServiceError("The start date must be after the offer was made", "started_on")
    offer.started_on, offer.start_recorded_at = started_on, utcnow()
    db.session.flush()
    placement = db.session.scalar(select(Placement).where(Placement.id == suggestion.placement_id).with_for_update())
    assert placement is not None  # the suggestion's own placement: deleting it would have deleted the suggestion
    started = db.session.execute(
        select(db.func.count())
        .select_from(Offer)
        .join(Offer.suggestion)
        .where(
            Suggestion.placement_id == placement.id,
            Suggestion.stage == SuggestionStage.ACCEPTED.value,
            Offer.started_on.is_not(None),
        )
    ).scalar_one()
    if started >= placement.positions and placement.status != PlacementStatus.FILLED.value:
        placement.status = PlacementStatus.FILLED.value
        record_event("placement.filled", placement, actor_id=actor_id)
    record_event("offer.started", offer, actor_id=actor_id).borough_id = placement.borough_id
    emails.email_start_recorded(offer)
    db.session.commit()
    return offer


# --- The offer letter ------------------------------------------------------------------------------


def letter_lines(offer: Offer) -> list[tuple[str, str]]:
    """The letter's facts, in order, as (label, value): the same on the page and in the PDF."""
    placement = offer.suggestion.placement
    return [
        ("Placement", placement.title),
        ("Employer", f"{placement.borough.name} council"),
        (
            "Apprenticeship",
            f"{placement.standard.title}, {level_text(placement.standard.level).lower()}. This is the job and "
            "training you will do.",
        ),
        ("Wage", wage_text(placement)),
        ("Hours", f"{placement.hours_per_week} hours a week"),
        ("Start date", _long(offer.start_date)),
        ("Contact", offer.contact),
        ("Answer by", f"11:59pm on {_long(offer.respond_by)}"),
    ]


def _long(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def offer_letter_pdf(offer: Offer) -> bytes:
    """The offer letter as a PDF (fpdf2, core Helvetica font: text outside Latin-1 is replaced)."""
    candidate = offer.suggestion.candidate
    pdf = FPDF(format="A4")
    pdf.set_title("Offer of an apprenticeship")
    pdf.set_author("London Digital Apprenticeships")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.multi_cell(0, 10, _latin("Offer of an apprenticeship"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 12)
    pdf.ln(4)
    pdf.multi_cell(0, 7, _latin(f"Dear {candidate.first_name} {candidate.last_name},"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.multi_cell(
        0,
        7,
        _latin(f"{offer.suggestion.placement.borough.name} council is pleased to offer you this apprenticeship."),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(4)
    for label, value in letter_lines(offer):
        pdf.set_font("Helvetica", "B", 12)
        pdf.cell(40, 8, _latin(label))
        pdf.set_font("Helvetica", "", 12)
        pdf.multi_cell(0, 8, _latin(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.multi_cell(
        0,
        7,
        _latin(
            "Accept or decline this offer from your dashboard on London Digital Apprenticeships. "
            "If you do not answer by the date above, the offer closes and the position may be "
            "offered to someone else."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())


def _latin(text: str) -> str:
    return (
        text.replace("’", "'").replace("–", "-").replace("£", "\u00a3").encode("latin-1", "replace").decode("latin-1")
    )


def candidate_offers(candidate: Candidate) -> dict[int, Offer]:
    """The candidate's offers by suggestion id."""
    statement = select(Offer).join(Offer.suggestion).where(Suggestion.candidate_id == candidate.id)
    return {offer.suggestion_id: offer for offer in db.session.scalars(statement)}


def respond_by_end(offer: Offer) -> datetime:
    """The moment the answer window closes: midnight at the end of the answer day, London time."""
    return datetime.combine(offer.respond_by + timedelta(days=1), time(0), tzinfo=LONDON)
