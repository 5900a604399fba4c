"""What the operators' endpoints read from the database: whether it answers, the email backlog, a live placement."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select, text

from ..extensions import db
from ..models import OutboxEmail, Placement


def database_answers() -> None:
    """Ask the database something trivial (raises when it cannot answer); the session is left clean."""
    try:
        db.session.execute(text("SELECT 1"))
    finally:
        db.session.rollback()


def outbox_backlog() -> tuple[int, datetime | None, int]:
    """Emails waiting to be sent, when the oldest of them was queued (UTC), and emails given up on."""
    oldest: datetime | None  # min() over no rows is NULL
    count, oldest = (
        db.session.execute(
            select(func.count(OutboxEmail.id), func.min(OutboxEmail.created_at)).where(OutboxEmail.status == "pending")
        )
        .tuples()
        .one()
    )
    failed = db.session.execute(select(func.count(OutboxEmail.id)).where(OutboxEmail.status == "failed")).scalar_one()
    db.session.rollback()
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return count, oldest, failed


def some_live_placement_id() -> int | None:
    """The id of any live placement (to warm its page), or None."""
    from .placements.listing import live_filter

    some = db.session.scalar(select(Placement.id).where(live_filter()).limit(1))
    db.session.remove()
    return some
