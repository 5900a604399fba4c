"""Account use cases: register, confirm, sign in, reset a password, create staff."""

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from .. import emails
from ..audit import record_event
from ..extensions import db
from ..models import Borough, Candidate, Role, User, UserSession, utcnow
from ..passwords import hash_password, password_problem, verify_password
from . import sessions
from .errors import ServiceError as ServiceError  # re-exported: the views catch service.ServiceError

# Verifying against a dummy hash when the email is unknown keeps sign-in time the same, so timing
# does not reveal who has an account.
_DUMMY_HASH = hash_password("not-a-real-password-for-timing")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    """The user with this email address, ignoring case, or None."""
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"recruit-{purpose}")


def _password_fingerprint(user: User) -> str:
    # A reset token carries part of a hash of the current password hash, so it works once only.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def make_token(user: User, purpose: str) -> str:
    """A signed, expiring token for confirming an email or resetting a password."""
    payload: dict[str, int | str] = {"user": user.id}
    if purpose == "reset":
        payload["pw"] = _password_fingerprint(user)
    return _serializer(purpose).dumps(payload)


def user_from_token(token: str, purpose: str) -> User:
    """The user a token belongs to; ServiceError if it is broken, expired or used."""
    try:
        payload = _serializer(purpose).loads(token, max_age=current_app.config["TOKEN_MAX_AGE_SECONDS"])
    except SignatureExpired:
        raise ServiceError("This link has expired. Ask for a new one.") from None
    except BadSignature:
        raise ServiceError("This link is not valid. Check you copied the whole link from the email.") from None
    user = db.session.get(User, payload.get("user")) if isinstance(payload, dict) else None
    if user is None or (purpose == "reset" and payload.get("pw") != _password_fingerprint(user)):
        raise ServiceError("This link has already been used or is not valid. Ask for a new one.")
    return user


def register_candidate(email: str, password: str) -> User | None:
    """Create a candidate account and queue the confirmation email; None if the email already has one."""
    problem = password_problem(password, email)
    if problem:
        raise ServiceError(problem, "password")
    # Hash before looking the address up, so a known address takes as long as a new one.
    password_hash = hash_password(password)
    existing = find_user_by_email(email)
    if existing is not None:
        # Say nothing on screen that reveals the account exists; tell the owner by email instead.
        emails.email_account_exists(existing.email)
        record_event("account.register_existing", existing, actor_id=None)
        db.session.commit()
        return None
    user = User(email=normalise_email(email), password_hash=password_hash, role=Role.CANDIDATE.value)
    user.candidate = Candidate()
    db.session.add(user)
    db.session.flush()
    record_event("account.registered", user, actor_id=user.id)
    emails.email_confirm_address(user, make_token(user, "confirm"))
    db.session.commit()
    return user


def confirm_email(token: str) -> User:
    """Mark the token's user's email address as confirmed."""
    user = user_from_token(token, "confirm")
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        record_event("account.email_confirmed", user, actor_id=user.id)
        db.session.commit()
    return user


def resend_confirmation(user: User) -> None:
    """Send the confirmation email again."""
    if user.email_confirmed_at is None:
        emails.email_confirm_address(user, make_token(user, "confirm"))
        db.session.commit()


def authenticate(email: str, password: str) -> User:
    """The active user with these credentials; ServiceError otherwise (one message, whichever was wrong)."""
    user = find_user_by_email(email)
    valid = verify_password(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not valid or not user.active:
        # Recorded for known and unknown addresses alike (never the password or the typed address).
        reason = "unknown_account" if user is None else ("disabled" if not user.active else "wrong_password")
        record_event("account.sign_in_failed", user or User(), actor_id=None, reason=reason)
        db.session.commit()
        raise ServiceError("Enter a correct email address and password", "email")
    user.last_sign_in_at = utcnow()
    record_event("account.signed_in", user, actor_id=user.id)
    db.session.commit()
    return user


def request_password_reset(email: str) -> None:
    """Queue a reset email if the account exists; the page says the same either way."""
    user = find_user_by_email(email)
    if user is not None and user.active:
        emails.email_password_reset(user, make_token(user, "reset"))
        record_event("account.reset_requested", user, actor_id=user.id)
        db.session.commit()


def reset_password(token: str, new_password: str) -> User:
    """Set a new password from a reset link, which then stops working."""
    user = user_from_token(token, "reset")
    problem = password_problem(new_password, user.email)
    if problem:
        raise ServiceError(problem, "password")
    user.password_hash = hash_password(new_password)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()  # the reset link proved they own the address
    # Whoever knew the old password (or copied a cookie) is signed out everywhere, at once.
    ended = sessions.end_all_sessions(user, "password_changed")
    record_event("account.password_reset", user, actor_id=user.id, sessions_ended=ended)
    db.session.commit()
    return user


def sign_out(user: User, *, everywhere: bool = False) -> None:
    """Record a sign-out; with `everywhere`, end every session of the account (the caller ends this one)."""
    ended = sessions.end_all_sessions(user, "signed_out_everywhere") if everywhere else None
    record_event(
        "account.signed_out_everywhere" if everywhere else "account.signed_out",
        user,
        actor_id=user.id,
        **({"sessions_ended": ended} if everywhere else {}),
    )
    db.session.commit()


def other_live_sessions(user: User) -> int:
    """How many other devices or browsers are signed in to this account."""
    return max(sessions.live_session_count(user) - 1, 0)


def keep_session_alive(record: UserSession | None) -> None:
    """Restart the idle clock of a session (the timeout warning's 'Stay signed in')."""
    if record is not None:
        sessions.keep_alive(record)


def change_role(user: User, role: str, borough_slug: str | None = None) -> User:
    """Give a user another role (and borough); every session they have ends, so the new rights start fresh."""
    role_enum = _staff_role(role)
    borough = _borough_for(role_enum, role, borough_slug)
    before = {"role": user.role, "borough_id": user.borough_id}
    user.role, user.borough = role_enum.value, borough
    ended = sessions.end_all_sessions(user, "role_changed")
    record_event(
        "account.role_changed",
        user,
        before=before,
        after={"role": user.role, "borough_id": borough.id if borough else None},
        sessions_ended=ended,
    )
    db.session.commit()
    return user


def set_active(user: User, active: bool) -> User:
    """Disable or enable an account; disabling ends every session at once."""
    user.active = active
    ended = 0 if active else sessions.end_all_sessions(user, "deactivated")
    record_event("account.enabled" if active else "account.disabled", user, sessions_ended=ended)
    db.session.commit()
    return user


def create_staff_user(email: str, role: str, password: str, borough_slug: str | None = None) -> User:
    """Create a staff account (borough staff, recruiter, analyst or admin) with a confirmed email."""
    role_enum = _staff_role(role)
    borough = _borough_for(role_enum, role, borough_slug)
    if find_user_by_email(email):
        raise ServiceError(f"A user with the email {email} already exists")
    problem = password_problem(password, email)
    if problem:
        raise ServiceError(problem)
    user = User(
        email=normalise_email(email),
        password_hash=hash_password(password),
        role=role_enum.value,
        borough=borough,
        email_confirmed_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    record_event("account.staff_created", user)
    db.session.commit()
    return user


def _staff_role(role: str) -> Role:
    try:
        role_enum = Role(role)
    except ValueError:
        raise ServiceError(f"Role must be one of: {', '.join(r.value for r in Role if r != Role.CANDIDATE)}") from None
    if role_enum == Role.CANDIDATE:
        raise ServiceError("Candidates register themselves")
    return role_enum


def _borough_for(role_enum: Role, role: str, borough_slug: str | None) -> Borough | None:
    if role_enum.needs_borough:
        borough = db.session.scalar(select(Borough).where(Borough.slug == (borough_slug or "")))
        if borough is None:
            raise ServiceError(f"A {role} needs a borough: give --borough with a borough's slug, like hackney")
        return borough
    if borough_slug:
        raise ServiceError(f"A {role} works across London and has no borough")
    return None
