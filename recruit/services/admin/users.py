"""Staff accounts: invite (the invitee sets their own password), change role and borough, disable and enable."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.orm import aliased, joinedload

from ... import emails
from ...audit import record_event
from ...extensions import db
from ...models import Borough, Role, User
from ...passwords import hash_password
from .. import count_rows, rows_changed
from ..accounts import find_user_by_email, make_token, normalise_email
from ..errors import ServiceError
from ..sessions import end_all_sessions

STAFF_ROLE_LABELS = {
    Role.BOROUGH_STAFF.value: "Borough staff",
    Role.RECRUITER.value: "Recruiter",
    Role.ANALYST.value: "Analyst",
    Role.ADMIN.value: "Admin",
}


def staff_page(page: int, per_page: int) -> tuple[list[User], int]:
    """One page of staff accounts (everyone but candidates), by email, and how many there are."""
    base = select(User).where(User.role != Role.CANDIDATE.value)
    total = count_rows(base)
    rows = db.session.scalars(
        base.options(joinedload(User.borough)).order_by(User.email).limit(per_page).offset((page - 1) * per_page)
    )
    return list(rows), total


def get_staff_user(user_id: int) -> User | None:
    """A staff account by id (never a candidate's), or None."""
    user = db.session.get(User, user_id)
    return user if user is not None and user.role != Role.CANDIDATE.value else None


def user_status(user: User) -> str:
    """Active, Invited (no password chosen yet) or Disabled."""
    if not user.active:
        return "Disabled"
    return "Invited" if user.email_confirmed_at is None else "Active"


def _role_and_borough(role: str, borough_slug: str | None) -> tuple[str, Borough | None]:
    if role not in STAFF_ROLE_LABELS:
        raise ServiceError("Select the role", "role")
    if not Role(role).needs_borough:
        return role, None
    borough = db.session.scalar(select(Borough).where(Borough.slug == (borough_slug or "")))
    if borough is None:
        raise ServiceError("Select the borough they work for", "borough")
    return role, borough


LAST_ADMIN_ROLE = "You cannot change the role of the last admin. Make someone else an admin first."
LAST_ADMIN_DISABLE = "You cannot disable the last admin. Make someone else an admin first."


def _active_admins() -> int:
    """How many admins are active, locking their rows (PostgreSQL) so two admins removing each other wait in turn."""
    statement = select(User.id).where(User.role == Role.ADMIN.value, User.active.is_(True)).with_for_update()
    return len(db.session.scalars(statement).all())


def _remove_admin(user: User, values: dict[str, Any], message: str) -> None:
    """Take an active admin out of the admins (disable or demote) only if another active admin remains.

    Checked twice: after locking the admins' rows (which orders concurrent removals on PostgreSQL), and again inside
    the one UPDATE statement (which SQLite runs under its single write lock), so two at once can never both win."""
    if _active_admins() <= 1:
        raise ServiceError(message, "role" if "role" in values else None)
    other = aliased(User)
    another_remains = exists().where(other.role == Role.ADMIN.value, other.active.is_(True), other.id != user.id)
    changed = rows_changed(
        update(User)
        .where(User.id == user.id, another_remains)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if changed != 1:
        db.session.rollback()
        raise ServiceError(message, "role" if "role" in values else None)
    db.session.expire(user)


def invite_user(email: str, role: str, borough_slug: str | None) -> User:
    """Create a staff account with no usable password and email a single-use link to set one."""
    role, borough = _role_and_borough(role, borough_slug)
    if find_user_by_email(email) is not None:
        raise ServiceError("A user with this email address already exists", "email")
    # Nobody knows this password: the invitee chooses their own through the link.
    user = User(
        email=normalise_email(email), password_hash=hash_password(secrets.token_urlsafe(32)), role=role, borough=borough
    )
    db.session.add(user)
    db.session.flush()
    record_event("account.invited", user, role=role, borough=borough.slug if borough else None)
    emails.email_staff_invitation(user, make_token(user, "reset"))
    db.session.commit()
    return user


def resend_invitation(user: User) -> None:
    """Send a fresh set-password link to someone who has not used theirs yet."""
    if user.email_confirmed_at is not None or not user.active:
        raise ServiceError("This person has already set their password")
    emails.email_staff_invitation(user, make_token(user, "reset"))
    record_event("account.invitation_resent", user)
    db.session.commit()


def change_user(user: User, role: str, borough_slug: str | None) -> User:
    """Change a staff member's role and borough; the last active admin stays an admin."""
    if user.role == Role.CANDIDATE.value:
        raise ServiceError("Candidates' accounts cannot be given a staff role")
    role, borough = _role_and_borough(role, borough_slug)
    old = (user.role, user.borough.slug if user.borough else None)
    new = (role, borough.slug if borough else None)
    if user.role == Role.ADMIN.value and role != Role.ADMIN.value and user.active:
        _remove_admin(user, {"role": role, "borough_id": borough.id if borough else None}, LAST_ADMIN_ROLE)
    else:
        user.role, user.borough = role, borough
    if old != new:
        end_all_sessions(user, "role_changed")
        record_event(
            "account.role_changed", user, old_role=old[0], new_role=new[0], old_borough=old[1], new_borough=new[1]
        )
    db.session.commit()
    return user


def set_active(user: User, active: bool, actor_id: int) -> User:
    """Disable an account (ending every session it has) or enable it again; never the last admin or yourself."""
    if user.active == active:
        return user
    if not active:
        if user.id == actor_id:
            raise ServiceError("You cannot disable your own account")
        values = {"active": False, "session_generation": User.session_generation + 1}
        if user.role == Role.ADMIN.value:
            _remove_admin(user, values, LAST_ADMIN_DISABLE)
        else:
            db.session.execute(
                update(User).where(User.id == user.id).values(**values).execution_options(synchronize_session=False)
            )
            db.session.expire(user)
        end_all_sessions(user, "deactivated")
    else:
        user.active = True
    record_event("account.enabled" if active else "account.disabled", user)
    db.session.commit()
    return user
