"""Second factor: time-based one-time codes (TOTP, RFC 6238) with single-use recovery codes."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

import pyotp
import segno
from flask import current_app
from sqlalchemy import delete, select

from ..audit import record_event
from ..extensions import db
from ..models import RecoveryCode, Role, User, UserSession, utcnow
from . import sessions
from .errors import ServiceError as ServiceError  # re-exported: the views catch service.ServiceError

ISSUER = "London Digital Apprenticeships"
RECOVERY_CODES = 10
# Demo staff share this fixed secret so `make run` stays usable (see README); production refuses it.
DEMO_SECRET = "DEMOSECRETFORMAKERUNONLYXX234567"
STAFF_ROLES = {Role.BOROUGH_STAFF.value, Role.RECRUITER.value, Role.ANALYST.value, Role.ADMIN.value}


@dataclass(frozen=True)
class Enrolment:
    """What the set-up page shows: the secret to type and the QR code to scan (drawn here, as SVG)."""

    secret: str
    qr_svg: str

    @property
    def grouped(self) -> str:
        return " ".join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))


def required_for(user: User) -> bool:
    """Staff must use a second factor; a candidate who chose to set one up must use it too."""
    return user.role in STAFF_ROLES or usable_secret(user) is not None


def usable_secret(user: User) -> str | None:
    """The user's TOTP secret, unless it is the demo secret in production (then they must set up a real one)."""
    if user.totp_secret is None or user.totp_enabled_at is None:
        return None
    if user.totp_secret == DEMO_SECRET and current_app.config["PRODUCTION"]:
        return None
    return user.totp_secret


def new_enrolment(user: User, secret: str | None = None) -> Enrolment:
    """A fresh secret (or the pending one) with its QR code; nothing is saved until a code proves it works."""
    secret = secret or pyotp.random_base32(32)
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    qr_svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#0b0c0c", light="#ffffff", omitsize=False)
    return Enrolment(secret=secret, qr_svg=qr_svg)


def _step_of(secret: str, code: str) -> int | None:
    """The time step a code belongs to (this one, the one before or after, for clock drift), or None."""
    totp = pyotp.TOTP(secret)
    now = utcnow()
    for offset in (0, -1, 1):
        moment = now.timestamp() + offset * totp.interval
        if hmac.compare_digest(totp.at(moment), code):
            return totp.timecode(now) + offset
    return None


def _clean(code: str) -> str:
    return "".join(code.split()).replace("-", "").upper()


def confirm_enrolment(user: User, secret: str, code: str, record: UserSession | None) -> list[str]:
    """Save the secret once a code from it works; return the 10 recovery codes (shown once, stored hashed)."""
    code = _clean(code or "")
    step = _step_of(secret, code) if code.isdigit() and len(code) == 6 else None
    if step is None:
        record_event("account.second_factor_failed", user, stage="set_up")
        db.session.commit()
        raise ServiceError("Enter the 6-digit code your app shows now")
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = secret, utcnow(), step
    codes = _new_recovery_codes(user)
    if record is not None:
        record.second_factor_at = utcnow()
    record_event("account.second_factor_set_up", user)
    db.session.commit()
    return codes


def _recovery_hash(code: str) -> str:
    # Recovery codes are random (50 bits), so a keyed fast hash is enough; the key keeps a dump from checking them.
    return hmac.new(current_app.config["SECRET_KEY"].encode(), _clean(code).encode(), hashlib.sha256).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
    codes = ["".join(secrets.choice(alphabet) for _ in range(10)) for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_recovery_hash(code)) for code in codes)
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def verify(user: User, code: str, record: UserSession | None) -> None:
    """Accept a current code (never one already used) or an unused recovery code; mark the session as passed."""
    secret = usable_secret(user)
    cleaned = _clean(code or "")
    used = None
    if secret and cleaned.isdigit() and len(cleaned) == 6:
        step = _step_of(secret, cleaned)
        if step is not None and (user.totp_last_step is None or step > user.totp_last_step):
            user.totp_last_step = step
            used = "code"
    elif secret and len(cleaned) == 10:
        recovery = db.session.scalar(
            select(RecoveryCode).where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == _recovery_hash(cleaned),
                RecoveryCode.used_at.is_(None),
            )
        )
        if recovery is not None:
            recovery.used_at = utcnow()
            used = "recovery_code"
    if used is None:
        record_event("account.second_factor_failed", user, stage="sign_in")
        db.session.commit()
        raise ServiceError("Enter the 6-digit code your app shows now, or one of your recovery codes")
    if record is not None:
        record.second_factor_at = utcnow()
    record_event("account.second_factor_passed", user, method=used)
    db.session.commit()


def recovery_codes_left(user: User) -> int:
    """How many unused recovery codes the user has."""
    return len(
        db.session.scalars(
            select(RecoveryCode.id).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        ).all()
    )


def reset(user: User) -> None:
    """An admin clears a user's second factor (lost phone): they set it up again at their next sign-in. Audited;
    every session they have ends."""
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    ended = sessions.end_all_sessions(user, "second_factor_reset")
    record_event("account.second_factor_reset", user, sessions_ended=ended)
    db.session.commit()
