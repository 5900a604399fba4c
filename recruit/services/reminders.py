"""Reminders: recruiters hear about suggestions that have waited too long for a decision."""

from datetime import timedelta

from sqlalchemy import func, select

from .. import emails
from ..extensions import db
from ..models import Placement, Role, StageChange, Suggestion, SuggestionStage, User, utcnow
from .matching.runs import is_published

WAITING_DAYS = 7


def remind_recruiters(days: int = WAITING_DAYS) -> int:
    """Email each active recruiter whose borough has suggestions untouched for `days` days; returns how many emailed."""
    cutoff = utcnow() - timedelta(days=days)
    last_change = (
        select(StageChange.suggestion_id, func.max(StageChange.at).label("at"))
        .group_by(StageChange.suggestion_id)
        .subquery()
    )
    waiting = dict(
        db.session.execute(
            select(Placement.borough_id, func.count())
            .select_from(Suggestion)
            .join(Placement, Placement.id == Suggestion.placement_id)
            .join(last_change, last_change.c.suggestion_id == Suggestion.id)
            .where(
                is_published(),
                Suggestion.stage.in_(
                    (
                        SuggestionStage.SUGGESTED.value,
                        SuggestionStage.SHORTLISTED.value,
                        SuggestionStage.INTERVIEW.value,
                    )
                ),
                last_change.c.at < cutoff,
            )
            .group_by(Placement.borough_id)
        )
        .tuples()
        .all()
    )
    if not waiting:
        return 0
    recruiters = db.session.scalars(
        select(User).where(User.role == Role.RECRUITER.value, User.active.is_(True), User.borough_id.in_(waiting))
    ).all()
    for recruiter in recruiters:
        assert recruiter.borough_id is not None  # chosen above by borough_id IN waiting
        emails.email_recruiter_reminder(recruiter, waiting[recruiter.borough_id], days)
    db.session.commit()
    return len(recruiters)
