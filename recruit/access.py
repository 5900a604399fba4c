"""Access rules, in one place: who may open a view, and which borough's rows they may see."""

from functools import wraps

from flask import abort
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


def own_match_or_404(candidate, match_id: int):
    """One of the signed-in candidate's own suggestions; anyone else's is a 404, as if it did not exist."""
    from .models import Match

    match = db.session.scalar(db.select(Match).where(Match.id == match_id, Match.candidate_id == candidate.id))
    if match is None:
        abort(404)
    return match


def landing_endpoint(user) -> str:
    """The page a user lands on after signing in, by role."""
    return {
        Role.CANDIDATE.value: "candidates.dashboard",
        Role.BOROUGH_STAFF.value: "staff.index",
        Role.RECRUITER.value: "recruiters.index",
        Role.ANALYST.value: "reports.index",
        Role.ADMIN.value: "admin.index",
    }[user.role]
