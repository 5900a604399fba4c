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
from ...models import Match, MatchStage, Vacancy, VacancyStatus
from .runs import is_published
from .stages import move_stage

TAKING = (MatchStage.OFFERED.value, MatchStage.ACCEPTED.value)
STILL_OPEN = (MatchStage.SUGGESTED.value, MatchStage.SHORTLISTED.value, MatchStage.INTERVIEW.value)


class PlacementFull(ValueError):
    """No position is left for another offer; the message says why in plain words."""


def lock_placement(vacancy_id: int) -> Vacancy:
    """Lock the placement's row until the caller's transaction ends, and return it fresh."""
    if db.engine.dialect.name == "sqlite":
        db.session.execute(update(Vacancy).where(Vacancy.id == vacancy_id).values(id=Vacancy.id))
    return db.session.scalar(select(Vacancy).where(Vacancy.id == vacancy_id)
                             .with_for_update().execution_options(populate_existing=True))


def taken(vacancy_id: int, excluding_match_id: int | None = None) -> int:
    """How many of the placement's positions are taken by outstanding offers and acceptances."""
    statement = select(func.count()).select_from(Match).where(Match.vacancy_id == vacancy_id, Match.stage.in_(TAKING))
    if excluding_match_id is not None:
        statement = statement.where(Match.id != excluding_match_id)
    return db.session.scalar(statement)


def take_position(match: Match) -> Vacancy:
    """Check, under the placement's row lock, that this suggestion may hold a position (an offer or acceptance).

    Call inside the decision's transaction before moving the stage; raises PlacementFull when every position is
    already held by another candidate's offer or acceptance."""
    vacancy = lock_placement(match.vacancy_id)
    held = taken(match.vacancy_id, excluding_match_id=match.id)
    if held >= vacancy.positions:
        places = "position" if vacancy.positions == 1 else "positions"
        raise PlacementFull(
            f"You cannot make this offer: this placement has {vacancy.positions} {places}, and "
            f"{'it is' if vacancy.positions == 1 else 'all are'} already taken by offers or acceptances. "
            "If a candidate turns their offer down, reject that suggestion first, then you can offer again.")
    return vacancy


def close_when_filled(vacancy: Vacancy, actor_id: int | None) -> int:
    """When every position is accepted, close the placement's other open suggestions with a kind email."""
    accepted = db.session.scalar(select(func.count()).select_from(Match).where(
        Match.vacancy_id == vacancy.id, Match.stage == MatchStage.ACCEPTED.value))
    if accepted < vacancy.positions:
        return 0
    vacancy.status = VacancyStatus.FILLED.value
    others = db.session.scalars(select(Match).where(Match.vacancy_id == vacancy.id, Match.stage.in_(STILL_OPEN), is_published())).all()
    for other in others:
        move_stage(other, MatchStage.CLOSED.value, actor_id, "Every position of the placement was filled")
        from ..interviews import release_booking  # the interviews service builds on this package

        release_booking(other, actor_id)
        emails.email_placement_filled(other)
    return len(others)
