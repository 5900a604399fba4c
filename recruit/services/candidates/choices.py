"""Ranking placements across boroughs: add, remove and reorder up to 10, until matching has run."""

from datetime import date

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import joinedload

from ...audit import record_event
from ...extensions import db
from ...models import ApplicationStatus, Candidate, Choice, Placement, PlacementStatus, Suggestion
from ..errors import ServiceError

MAX_CHOICES = 10


def live_placements_statement(borough_id: int | None = None) -> Select[tuple[Placement]]:
    """Placements open for applications today, soonest closing first."""
    statement = (
        select(Placement)
        .options(joinedload(Placement.borough), joinedload(Placement.standard))
        .where(Placement.status == PlacementStatus.LIVE.value, Placement.closing_date >= date.today())
        .order_by(Placement.closing_date, Placement.title, Placement.id)
    )
    if borough_id:
        statement = statement.where(Placement.borough_id == borough_id)
    return statement


def is_locked(candidate: Candidate) -> bool:
    """Choices are fixed once matching has suggested anything for this candidate, or they withdrew."""
    if candidate.status == ApplicationStatus.WITHDRAWN.value:
        return True
    return bool(db.session.scalar(select(exists().where(Suggestion.candidate_id == candidate.id))))


def _require_unlocked(candidate: Candidate) -> None:
    if is_locked(candidate):
        raise ServiceError("You cannot change your choices now, because matching has already used them")


def _renumber(candidate: Candidate) -> None:
    for rank, choice in enumerate(sorted(candidate.choices, key=lambda p: p.rank), start=1):
        choice.rank = rank


def add_choice(candidate: Candidate, placement_id: int) -> Placement:
    """Add a live placement to the end of the candidate's list."""
    _require_unlocked(candidate)
    placement = db.session.scalar(live_placements_statement().where(Placement.id == placement_id))
    if placement is None:
        raise ServiceError("This placement is no longer open for applications", "placement_id")
    if any(p.placement_id == placement.id for p in candidate.choices):
        raise ServiceError(f"{placement.title} is already in your choices", "placement_id")
    if len(candidate.choices) >= MAX_CHOICES:
        raise ServiceError(f"You can choose up to {MAX_CHOICES} placements. Remove one to add another", "placement_id")
    rank = max((p.rank for p in candidate.choices), default=0) + 1
    candidate.choices.append(Choice(placement=placement, rank=rank))
    record_event("choice.added", candidate, placement_id=placement.id, rank=rank)
    db.session.commit()
    return placement


def _own_choice(candidate: Candidate, placement_id: int) -> Choice:
    for choice in candidate.choices:
        if choice.placement_id == placement_id:
            return choice
    raise ServiceError("This placement is not in your choices", "placement_id")


def remove_choice(candidate: Candidate, placement_id: int) -> Placement:
    """Take a placement off the list; the others close up."""
    _require_unlocked(candidate)
    choice = _own_choice(candidate, placement_id)
    placement = choice.placement
    candidate.choices.remove(choice)
    _renumber(candidate)
    record_event("choice.removed", candidate, placement_id=placement_id)
    db.session.commit()
    return placement


def move_choice(candidate: Candidate, placement_id: int, direction: str) -> Placement:
    """Swap a placement with the one above ("up") or below ("down")."""
    _require_unlocked(candidate)
    choice = _own_choice(candidate, placement_id)
    ordered = sorted(candidate.choices, key=lambda p: p.rank)
    index = ordered.index(choice)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(ordered):
        raise ServiceError("This placement cannot move further", "placement_id")
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for rank, item in enumerate(ordered, start=1):
        item.rank = rank
    record_event("choice.moved", candidate, placement_id=placement_id, direction=direction)
    db.session.commit()
    return choice.placement


def set_consider_other(candidate: Candidate, consider: bool) -> None:
    """Record whether matching may also suggest placements the candidate did not choose."""
    _require_unlocked(candidate)
    candidate.consider_other_placements = consider
    record_event("choice.consider_other", candidate, consider=consider)
    db.session.commit()
