"""A placement's positions: outstanding offers plus acceptances never exceed them.

Every decision that takes up a position (an offer, an acceptance) calls `take_position` inside its transaction.
It locks the placement's row first (SELECT … FOR UPDATE on PostgreSQL), so two recruiters offering at the same
instant are served one after the other and the second sees the first's offer. On SQLite, which has no row
locks, the lock is taken by writing to the row, which makes SQLite hand the write lock to one transaction at
a time. When a placement's positions are all accepted, `close_when_filled` closes its other open suggestions
and tells those candidates kindly.
"""

from sqlalchemy import func, select, update

from ... import emails
from ...extensions import db
from ...models import Placement, PlacementStatus, Suggestion, SuggestionStage
from .runs import is_published
from .stages import move_stage

TAKING = (SuggestionStage.OFFERED.value, SuggestionStage.ACCEPTED.value)
STILL_OPEN = (SuggestionStage.SUGGESTED.value, SuggestionStage.SHORTLISTED.value, SuggestionStage.INTERVIEW.value)


class PlacementFullError(ValueError):
    """No position is left for another offer; the message says why in plain words."""


def lock_placement(placement_id: int) -> Placement:
    """Lock the placement's row until the caller's transaction ends, and return it fresh."""
    if db.engine.dialect.name == "sqlite":
        db.session.execute(update(Placement).where(Placement.id == placement_id).values(id=Placement.id))
    placement = db.session.scalar(
        select(Placement)
        .where(Placement.id == placement_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert placement is not None  # a suggestion's placement: deleting it would have deleted the suggestion
    return placement


def taken(placement_id: int, excluding_suggestion_id: int | None = None) -> int:
    """How many of the placement's positions are taken by outstanding offers and acceptances."""
    statement = (
        select(func.count())
        .select_from(Suggestion)
        .where(Suggestion.placement_id == placement_id, Suggestion.stage.in_(TAKING))
    )
    if excluding_suggestion_id is not None:
        statement = statement.where(Suggestion.id != excluding_suggestion_id)
    return db.session.execute(statement).scalar_one()


def take_position(suggestion: Suggestion) -> Placement:
    """Check, under the placement's row lock, that this suggestion may hold a position (an offer or acceptance).

    Call inside the decision's transaction before moving the stage; raises PlacementFullError when every position is
    already held by another candidate's offer or acceptance."""
    placement = lock_placement(suggestion.placement_id)
    held = taken(suggestion.placement_id, excluding_suggestion_id=suggestion.id)
    if held >= placement.positions:
        places = "position" if placement.positions == 1 else "positions"
        raise PlacementFullError(
            f"You cannot make this offer: this placement has {placement.positions} {places}, and "
            f"{'it is' if placement.positions == 1 else 'all are'} already taken by offers or acceptances. "
            "If a candidate turns their offer down, reject that suggestion first, then you can offer again."
        )
    return placement


def close_when_filled(placement: Placement, actor_id: int | None) -> int:
    """When every position is accepted, close the placement's other open suggestions with a kind email."""
    accepted = db.session.execute(
        select(func.count())
        .select_from(Suggestion)
        .where(Suggestion.placement_id == placement.id, Suggestion.stage == SuggestionStage.ACCEPTED.value)
    ).scalar_one()
    if accepted < placement.positions:
        return 0
    placement.status = PlacementStatus.FILLED.value
    others = db.session.scalars(
        select(Suggestion).where(
            Suggestion.placement_id == placement.id, Suggestion.stage.in_(STILL_OPEN), is_published()
        )
    ).all()
    for other in others:
        move_stage(other, SuggestionStage.CLOSED.value, actor_id, "Every position of the placement was filled")
        from ..interviews import release_booking  # the interviews service builds on this package

        release_booking(other, actor_id)
        emails.email_placement_filled(other)
    return len(others)
