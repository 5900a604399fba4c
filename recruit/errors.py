"""Error pages in the service's style; no request ever ends in a bare traceback.

Every error page shows the request's reference (recruit/request_id.py), which the log line for a server error also
carries with the traceback, so a person can quote it and the team can find what happened. Error pages never touch
the database: the error may be that the database is down."""

import logging

from flask import Flask, g, render_template, request
from flask_login import AnonymousUserMixin
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException, InternalServerError

from .ratelimits import RateLimited

log = logging.getLogger(__name__)

# Plain-English titles and explanations for the errors a person can meet.
MESSAGES = {
    400: ("Sorry, there is a problem with your request", "Go back and try again."),
    403: (
        "You do not have permission to see this page",
        "Some pages are only for staff. If you work for a borough and think you "
        "should see this one, ask your borough's apprenticeships lead.",
    ),
    404: (
        "Page not found",
        "If you typed the web address, check it is correct. If you pasted the web address, check you copied the entire address.",
    ),
    405: ("Sorry, there is a problem with your request", "Go back and try again."),
    413: ("The file or form you sent is too large", "Send a smaller file, or shorten your answers, and try again."),
    429: ("You have tried too many times", "Wait 5 minutes, then try again."),
    500: ("Sorry, there is a problem with the service", "Try again later. Your saved answers have not been lost."),
}


def render_error(code: int, description: str | None = None, headers=None):
    """Render the page for an HTTP error code, with the request's reference."""
    title, advice = MESSAGES.get(code, MESSAGES[400] if code < 500 else MESSAGES[500])
    return (
        render_template(
            "errors/error.html", code=code, title=title, advice=description or advice, reference=g.get("request_id")
        ),
        code,
        headers or [],
    )


def _headers_of(error: HTTPException) -> list:
    """The error's own headers (Allow on a 405, Retry-After …) without its plain-text content type."""
    return [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]


def _minimal_page(reference: str | None) -> str:
    """The last resort when even the styled page fails: plain HTML that needs nothing but this string."""
    title, advice = MESSAGES[500]
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head><body><main>'
        f"<h1>{title}</h1><p>{advice}</p><p>Reference: {escape(reference or 'none')}</p></main></body></html>"
    )


def init_errors(app: Flask) -> None:
    """Register handlers for HTTP errors, CSRF failures and unexpected exceptions."""

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(
            400,
            "The page was open too long or the form was sent from somewhere else. Go back, refresh the page and try again.",
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if request.path.startswith("/api/"):
            from .api import json_error

            return json_error(error)
        return render_error(
            error.code, error.description if isinstance(error, RateLimited) else None, _headers_of(error)
        )

    @app.errorhandler(InternalServerError)
    def server_error(error):
        reference = g.get("request_id")
        log.error(
            "Unhandled error (reference %s) on %s %s",
            reference,
            request.method,
            request.path,
            exc_info=getattr(error, "original_exception", None) or error,
        )
        # Show the page as to a signed-out visitor: loading the user could need the database that just failed.
        g._login_user = AnonymousUserMixin()
        g.pop("user_session", None)
        if request.path.startswith("/api/"):
            from .api import _error

            return _error(500, f"Sorry, there is a problem with the service. Reference: {reference}")
        try:
            return render_error(500)
        except Exception:  # noqa: BLE001  (the styled page itself failed: never leave the person with nothing)
            log.exception("Error page failed (reference %s)", reference)
            return _minimal_page(reference), 500
