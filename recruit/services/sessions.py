"""Server-side sessions: start, check on every request, keep alive, rotate and end them."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from ..extensions import db
from ..models import Role, User, UserSession, utcnow
from . import rows_changed

# A session is written back at most this often, so a page full of requests costs one UPDATE, not many.
TOUCH_EVERY = timedelta(seconds=30)

ENDED_REASONS = {
    "signed_out",
    "signed_out_everywhere",
    "password_changed",
    "role_changed",
    "deactivated",
    "second_factor_reset",
    "idle",
    "absolute",
    "deleted",
}


@dataclass(frozen=True)
class SessionCheck:
    """The outcome of checking a request's session: the live session, or why there is none."""

    session: UserSession | None
    reason: str | None = None  # "idle" or "absolute" when it has just timed out; "ended" when ended elsewhere


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def idle_limit(user: User) -> timedelta:
    """How long a session may sit unused: shorter for staff, who see other people's data."""
    minutes = (
        current_app.config["SESSION_IDLE_MINUTES_CANDIDATE"]
        if user.role == Role.CANDIDATE.value
        else current_app.config["SESSION_IDLE_MINUTES_STAFF"]
    )
    return timedelta(minutes=minutes)


def absolute_limit() -> timedelta:
    return timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"])


def start_session(user: User, *, second_factor_done: bool = False) -> str:
    """Record a new session for `user` and return the random id for the cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        UserSession(
            token_hash=_digest(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            second_factor_at=now if second_factor_done else None,
        )
    )
    db.session.commit()
    return token


def expires_at(record: UserSession) -> datetime:
    """When this session ends if nothing more happens: the earlier of the idle and the absolute limit."""
    return min(record.last_seen_at + idle_limit(record.user), record.created_at + absolute_limit())


def check_session(token: str | None, user_id: int | None) -> SessionCheck:
    """The live session for this cookie, touched; ends it if it has timed out. Commits only what it changes."""
    if not token or not isinstance(token, str) or user_id is None:
        return SessionCheck(None, "ended" if user_id is not None else None)
    record = db.session.scalar(select(UserSession).where(UserSession.token_hash == _digest(token)))
    if record is None or record.user_id != user_id or record.ended_at is not None or not record.user.active:
        return SessionCheck(None, "ended")
    now = utcnow()
    if now >= record.created_at + absolute_limit():
        _end(record, "absolute")
        db.session.commit()
        return SessionCheck(None, "absolute")
    if now >= record.last_seen_at + idle_limit(record.user):
        _end(record, "idle")
        db.session.commit()
        return SessionCheck(None, "idle")
    if now - record.last_seen_at >= TOUCH_EVERY:
        record.last_seen_at = now
        db.session.commit()
    return SessionCheck(record)


def keep_alive(record: UserSession) -> None:
    """Reset the idle clock now (the 'Stay signed in' button)."""
    record.last_seen_at = utcnow()
    db.session.commit()


def rotate(record: UserSession) -> str:
    """Give the session a new random id (after a privilege change) and return it; the old id stops working."""
    token = secrets.token_urlsafe(32)
    record.token_hash = _digest(token)
    db.session.commit()
    return token


def _end(record: UserSession, reason: str) -> None:
    assert reason in ENDED_REASONS, reason
    record.ended_at = utcnow()
    record.ended_reason = reason


def end_session(token: str | None, reason: str = "signed_out") -> None:
    """End the session with this cookie id, if it is live."""
    if token:
        record = db.session.scalar(
            select(UserSession).where(UserSession.token_hash == _digest(token), UserSession.ended_at.is_(None))
        )
        if record is not None:
            _end(record, reason)
            db.session.commit()


def end_all_sessions(user: User, reason: str) -> int:
    """End every live session of `user` at once (the caller commits); returns how many were ended."""
    assert reason in ENDED_REASONS, reason
    return rows_changed(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_reason=reason)
        .execution_options(synchronize_session=False)
    )


def live_session_count(user: User) -> int:
    """How many sessions of this user are still live (for the sign-out page)."""
    now = utcnow()
    records = db.session.scalars(
        select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    )
    return sum(1 for record in records if now < expires_at(record))
