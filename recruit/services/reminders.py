"""Reminders: recruiters hear about suggestions that have waited too long for a decision."""

from datetime import timedelta

from sqlalchemy import func, select

from .. import emails
from ..extensions import db
from ..models import Match, MatchStage, Role, StageChange, User, Vacancy, utcnow
from .matching.runs import is_published

WAITING_DAYS = 7


def remind_recruiters(days: int = WAITING_DAYS) -> int:
    """Email each active recruiter whose borough has suggestions untouched for `days` days; returns how many emailed."""
    cutoff = utcnow() - timedelta(days=days)
    last_change = (select(StageChange.match_id, func.max(StageChange.at).label("at"))
                   .group_by(StageChange.match_id).subquery())
    waiting = dict(db.session.execute(
        select(Vacancy.borough_id, func.count()).select_from(Match).join(Vacancy, Vacancy.id == Match.vacancy_id)
        .join(last_change, last_change.c.match_id == Match.id)
        .where(is_published(), Match.stage.in_((MatchStage.SUGGESTED.value, MatchStage.SHORTLISTED.value,
                                                MatchStage.INTERVIEW.value)), last_change.c.at < cutoff)
        .group_by(Vacancy.borough_id)).all())
    if not waiting:
        return 0
    recruiters = db.session.scalars(select(User).where(
        User.role == Role.RECRUITER.value, User.active.is_(True), User.borough_id.in_(waiting))).all()
    for recruiter in recruiters:
        emails.email_recruiter_reminder(recruiter, waiting[recruiter.borough_id], days)
    db.session.commit()
    return len(recruiters)
