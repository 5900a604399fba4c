"""Access rules, in one place: who may open a view, and which borough's rows they may see."""

from datetime import timedelta
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import Select

from .audit import record_denial
from .extensions import db
from .models import Role
from .security import safe_next_url
from .services.scope import in_borough

STAFF_ROLES = (Role.BOROUGH_STAFF, Role.RECRUITER)


def role_required(*roles: Role):
    """Allow a view only to signed-in users holding one of `roles` (admins are not implied)."""
    allowed = {role.value for role in roles}

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in allowed:
                record_denial("role")
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


# Pages a signed-in person may open before passing their second factor.
BEFORE_SECOND_FACTOR = {
    "accounts.second_factor",
    "accounts.second_factor_set_up",
    "accounts.sign_out",
    "accounts.sign_out_everywhere",
    "accounts.keep_alive",
    "static",
}
OPEN_BLUEPRINTS = {"public", "placements", "api"}


def second_factor_pending(user, record, endpoint: str | None) -> bool:
    """True when this signed-in session must pass the second factor before it may open `endpoint`."""
    from .services.second_factor import required_for

    if record is None or record.second_factor_at is not None or not required_for(user):
        return False
    return endpoint not in BEFORE_SECOND_FACTOR and (endpoint or "").split(".")[0] not in OPEN_BLUEPRINTS


def require_recent_second_factor(methods: set[str] | None = None):
    """Ask for a code again before a sensitive action (publishing a run, exports, user administration) unless the
    second factor was passed in the last SECOND_FACTOR_RECENT_MINUTES. Only for `methods` when given (for a page
    that is harmless to look at but whose form acts). Put it under role_required:

        @role_required(Role.ADMIN)
        @require_recent_second_factor(methods={"POST"})
    """

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            from .models import utcnow
            from .sessions import current_record

            record = current_record()
            limit = timedelta(minutes=current_app.config["SECOND_FACTOR_RECENT_MINUTES"])
            recent = (
                record is not None
                and record.second_factor_at is not None
                and utcnow() - record.second_factor_at <= limit
            )
            if not recent and (methods is None or request.method in methods):
                # After the code, a GET comes back here; a form post goes back to the page it was sent from.
                back = request.full_path.rstrip("?") if request.method == "GET" else safe_next_url(_referrer_path())
                flash("Enter a code from your authenticator app to continue", "info")
                return redirect(url_for("accounts.second_factor", next=back, again=1))
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _referrer_path() -> str | None:
    parts = urlsplit(request.referrer or "")
    return parts.path + (f"?{parts.query}" if parts.query else "") if parts.netloc == request.host else None


def borough_scope() -> int | None:
    """The borough the signed-in staff member may see, for a service to limit its queries to (None: every
    borough, for admins); anyone else, or staff without a borough, gets 403."""
    if current_user.role == Role.ADMIN.value:
        return None
    if current_user.role not in {role.value for role in STAFF_ROLES} or current_user.borough_id is None:
        record_denial("no_borough")
        abort(403)
    return current_user.borough_id


def borough_scoped(statement: Select, model) -> Select:
    """Limit a query to the signed-in staff member's borough; admins see every borough."""
    return in_borough(statement, model, borough_scope())


def get_in_borough_or_404(model, record_id: int):
    """Load one borough-owned record; another borough's record is a 404, as if it did not exist."""
    record = db.session.execute(
        borough_scoped(db.select(model).where(model.id == record_id), model)
    ).scalar_one_or_none()
    if record is None:
        # Another borough's record looks missing, so as not to confirm it exists; the attempt is still recorded.
        record_denial("not_found_in_borough")
        abort(404)
    return record


def own_suggestion_or_404(candidate, suggestion_id: int):
    """One of the signed-in candidate's own suggestions; anyone else's is a 404, as if it did not exist."""
    from .models import Suggestion

    suggestion = db.session.scalar(
        db.select(Suggestion).where(Suggestion.id == suggestion_id, Suggestion.candidate_id == candidate.id)
    )
    if suggestion is None:
        abort(404)
    return suggestion


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
