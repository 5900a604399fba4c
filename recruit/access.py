"""Access rules, in one place: who may open a view, and which borough's rows they may see."""

from functools import wraps

from flask import abort, session
from flask_login import current_user, login_required
from sqlalchemy import Select

from .extensions import db
from .models import Role

STAFF_ROLES = (Role.BOROUGH_STAFF, Role.RECRUITER)


def role_required(*roles: Role):
    """Allow a view only to signed-in users holding one of `roles` (admins are not implied)."""
    allowed = {role.value for role in roles}

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def borough_scoped(statement: Select, model) -> Select:
    """Limit a query to the signed-in staff member's borough; admins see every borough."""
    if current_user.role == Role.ADMIN.value:
        return statement
    if current_user.role not in {role.value for role in STAFF_ROLES} or current_user.borough_id is None:
        abort(403)
    return statement.where(model.borough_id == current_user.borough_id)


def get_in_borough_or_404(model, record_id: int):
    """Load one borough-owned record; another borough's record is a 404, as if it did not exist."""
    record = db.session.execute(borough_scoped(db.select(model).where(model.id == record_id), model)).scalar_one_or_none()
    if record is None:
        abort(404)
    return record


def report_borough_scope() -> str:
    """The borough a signed-in user's outreach report is limited to: borough staff see only their own ("" for all)."""
    if current_user.role == Role.BOROUGH_STAFF.value:
        if current_user.borough is None:
            abort(403)
        return current_user.borough.slug
    return ""


def landing_endpoint(user) -> str:
    """The page a user lands on after signing in, by role."""
    return {
        Role.CANDIDATE.value: "candidates.dashboard",
        Role.BOROUGH_STAFF.value: "staff.index",
        Role.RECRUITER.value: "recruiters.index",
        Role.ANALYST.value: "reports.index",
        Role.ADMIN.value: "admin.index",
    }[user.role]


SESSION_GENERATION_KEY = "_generation"


def remember_session_generation(sender, user, **extra) -> None:
    """At sign-in, note which generation of the account's sessions this one is (see session_is_current)."""
    session[SESSION_GENERATION_KEY] = user.session_generation


def session_is_current(user) -> bool:
    """A session belongs to an active account and was signed in since the account was last disabled.

    Disabling an account raises its generation, so every session signed in before then ends, and stays ended
    when the account is enabled again. A session from before generations existed counts as generation 0."""
    return bool(user.active) and session.get(SESSION_GENERATION_KEY, 0) == (user.session_generation or 0)
