"""Recruitment cycles: the period that placements, rounds and reports belong to."""

from datetime import date

from sqlalchemy import select

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
