"""Background tasks seen by admins: the record of tasks that failed after every retry."""

from sqlalchemy import select

from ..extensions import db
from ..models import TaskFailure

FAILURES_SHOWN = 200


def record_failure(task: str, arguments: str, error: str, attempts: int) -> TaskFailure:
    """Keep a task that gave up, with its error, for the admin's page (its own transaction)."""
    db.session.rollback()  # whatever the task left half-done is not kept
    failure = TaskFailure(task=task[:80], arguments=arguments[:200], error=error[:4000], attempts=attempts)
    db.session.add(failure)
    db.session.commit()
    return failure


def failures() -> list[TaskFailure]:
    """The most recent failed tasks, newest first."""
    return list(
        db.session.scalars(
            select(TaskFailure).order_by(TaskFailure.failed_at.desc(), TaskFailure.id.desc()).limit(FAILURES_SHOWN)
        )
    )
