"""The cookie side of server-side sessions: sign a user in with a fresh session id, check it on every request,
and explain a timeout on the next page."""

from flask import Flask, current_app, flash, g, redirect, request, url_for
from flask import session as cookie
from flask_login import login_user, logout_user
from flask_login.utils import login_url

from .access import second_factor_pending
from .extensions import login_manager
from .parsing import whole_number
from .services import sessions as service

SESSION_ID = "sid"
# Shown on the next page after the server ended a session; nothing saved is ever lost by a timeout.
ENDED_MESSAGES = {
    "idle": "You have been signed out because you did not do anything for {minutes} minutes. "
    "Anything you saved has not been lost. Sign in again to carry on.",
    "absolute": "You have been signed out because you were signed in for {hours} hours. "
    "Anything you saved has not been lost. Sign in again to carry on.",
    "ended": "You have been signed out. Anything you saved has not been lost. Sign in again to carry on.",
}


# What the cookie keeps across sign-in: answers given before having an account (eligibility, campaign code,
# the placement whose "Apply" button started the journey).
# Everything else, the sign-in state and the CSRF token included, starts afresh (no session fixation).
CARRIED_OVER = (
    "eligibility_answers",
    "campaign_code",
    "apply_for_placement",
    "_flashes",
)  # recruit.candidates.SESSION_*


def begin(user, *, second_factor_done: bool = False) -> None:
    """Sign `user` in with a brand-new session id and a fresh cookie."""
    kept = {key: cookie[key] for key in CARRIED_OVER if key in cookie}
    cookie.clear()
    cookie.update(kept)
    token = service.start_session(user, second_factor_done=second_factor_done)
    cookie[SESSION_ID] = token
    login_user(user)
    g.user_session = service.check_session(token, user.id).session


def end(reason: str = "signed_out") -> None:
    """End this browser's session on the server and clear its cookie."""
    service.end_session(cookie.get(SESSION_ID), reason)
    logout_user()
    cookie.clear()
    g.pop("user_session", None)


def rotate() -> None:
    """Give the current session a new id after a privilege change; a copy of the old cookie stops working."""
    record = g.get("user_session")
    if record is not None:
        cookie[SESSION_ID] = service.rotate(record)


def current_record():
    """The signed-in request's server-side session, or None."""
    return g.get("user_session")


def seconds_left() -> int:
    """Seconds until this request's session times out if nothing else happens (0 when signed out)."""
    from .models import utcnow

    record = current_record()
    return max(int((service.expires_at(record) - utcnow()).total_seconds()), 0) if record is not None else 0


def check_each_request():
    """Before each request: find the server-side session the cookie names; send a user who still owes their second
    factor to give it; after a timeout, clear the cookie and say why on the next page."""
    # g belongs to the app context, which a test (or a CLI command) may share across requests: start clean.
    g.pop("user_session", None)
    g.pop("_login_user", None)
    if request.endpoint == "static":
        return None
    user_id = whole_number(cookie.get("_user_id"))
    if user_id is None and SESSION_ID not in cookie:
        return None
    result = service.check_session(cookie.get(SESSION_ID), user_id)
    if result.session is None:
        cookie.clear()
        if result.reason:
            _say_why_it_ended(result.reason, user_id)
        return None
    g.user_session = result.session
    if second_factor_pending(result.session.user, result.session, request.endpoint):
        back_to = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("accounts.second_factor", next=back_to))
    return None


def _say_why_it_ended(reason: str, user_id: int | None) -> None:
    """The next page tells the user the server signed them out, and why."""
    g.session_ended = True
    config = current_app.config
    message = ENDED_MESSAGES[reason].format(minutes=_idle_minutes(user_id), hours=config["SESSION_ABSOLUTE_HOURS"])
    flash(message, "info")


def init_sessions(app: Flask) -> None:
    """Check the session on every request (except static files), and give templates the time left."""
    app.before_request(check_each_request)

    @login_manager.unauthorized_handler
    def ask_to_sign_in():
        # After a timeout the page already explains why; "Sign in to continue" would say it twice.
        if not g.get("session_ended"):
            flash(login_manager.login_message, login_manager.login_message_category)
        return redirect(login_url(login_manager.login_view, request.url))

    @app.context_processor
    def session_timeout():
        if current_record() is None:
            return {"session_timeout": None}
        return {"session_timeout": {"seconds": seconds_left(), "warn_seconds": app.config["SESSION_WARNING_SECONDS"]}}


def _idle_minutes(user_id: int | None) -> int:
    from .extensions import db
    from .models import Role, User

    user = db.session.get(User, user_id) if user_id is not None else None
    key = (
        "SESSION_IDLE_MINUTES_CANDIDATE"
        if user is None or user.role == Role.CANDIDATE.value
        else "SESSION_IDLE_MINUTES_STAFF"
    )
    return current_app.config[key]
