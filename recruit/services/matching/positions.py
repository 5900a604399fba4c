"""The positions rule: offers still open plus acceptances never exceed a placement's positions.

Every change that takes a position (an offer made, an offer accepted) first locks the placement's row
(`SELECT … FOR UPDATE` on PostgreSQL), so two recruiters offering at once are checked one after the other;
SQLite takes a write lock for the whole transaction, which serialises them the same way."""

from sqlalchemy import func, select

from ...extensions import db
from ...models import Match, MatchStage, Vacancy
from .runs import MatchError

HOLDING_STAGES = (MatchStage.OFFERED.value, MatchStage.ACCEPTED.value)


def positions_taken(vacancy_id: int) -> int:
    """Offers still open plus acceptances for the placement (in the caller's transaction, pending changes included)."""
    return db.session.scalar(select(func.count()).select_from(Match).where(
        Match.vacancy_id == vacancy_id, Match.stage.in_(HOLDING_STAGES))) or 0


def reserve_position(vacancy: Vacancy) -> None:
    """Lock the placement and check that the change just made keeps offers plus acceptances within its positions.

    Call it after setting the suggestion's new stage and before committing: the count includes that change.
    Raises MatchError (the caller rolls back) when there is no position left."""
    db.session.flush()  # the stage change is counted, and a concurrent change to the same suggestion surfaces here
    positions = db.session.scalar(select(Vacancy.positions).where(Vacancy.id == vacancy.id).with_for_update())
    if positions_taken(vacancy.id) > positions:
        raise MatchError(f"All {positions} position{'s are' if positions != 1 else ' is'} offered or accepted. "
                         "You can make another offer if a candidate declines or does not answer in time.")
