"""Recruitment cycles: the period that placements, rounds and reports belong to."""

from datetime import date

from sqlalchemy import select, update

from ..extensions import db
from ..models import RecruitmentCycle


def current_cycle(today: date | None = None) -> RecruitmentCycle | None:
    """The open cycle that has started by `today` (the latest to open), or None when there is none."""
    today = today or date.today()
    return db.session.scalar(
        select(RecruitmentCycle)
        .where(RecruitmentCycle.closed_at.is_(None), RecruitmentCycle.opens_on <= today)
        .order_by(RecruitmentCycle.opens_on.desc(), RecruitmentCycle.id.desc())
        .limit(1)
    )


def current_cycle_id(today: date | None = None) -> int | None:
    """The current cycle's id, or None."""
    cycle = current_cycle(today)
    return cycle.id if cycle is not None else None


class CycleError(ValueError):
    """A cycle action that is not possible, with a message for the person who asked."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def close_cycle(cycle_id: int, channel_order: list[str], actor_id: int | None = None) -> int:
    """Close a cycle and save its report as aggregate counts per group per stage; returns the counts saved.

    From then on its report reads the saved counts, so purging and deletions do not rewrite it."""
    from ..audit import record_event
    from ..models import utcnow
    from .reports import save_cycle_counts

    cycle = db.session.get(RecruitmentCycle, cycle_id)
    if cycle is None:
        raise CycleError(f"There is no recruitment cycle {cycle_id}")
    name = cycle.name
    # Claim the closing with one conditional UPDATE: of two people closing at once, the second waits for the
    # first's transaction and then matches no row, so the counts are saved once.
    claimed = db.session.execute(update(RecruitmentCycle).where(RecruitmentCycle.id == cycle_id,
                                                                RecruitmentCycle.closed_at.is_(None))
                                 .values(closed_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    if not claimed:
        db.session.rollback()
        raise CycleError(f"{name} is already closed")
    saved = save_cycle_counts(cycle.id, channel_order)
    record_event("cycle.closed", cycle, actor_id=actor_id, counts_saved=saved)
    db.session.commit()
    return saved
