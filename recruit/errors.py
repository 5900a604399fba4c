"""Error pages in the service's style; no request ever ends in a bare traceback."""

import logging

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from .ratelimits import RateLimited

log = logging.getLogger(__name__)

# Plain-English titles and explanations for the errors a person can meet.
MESSAGES = {
    400: ("Sorry, there is a problem with your request", "Go back and try again."),
    403: ("You do not have permission to see this page", "If you think you should, contact your borough's apprenticeships lead."),
    404: ("Page not found", "If you typed the web address, check it is correct. If you pasted the web address, check you copied the entire address."),
    405: ("Sorry, there is a problem with your request", "Go back and try again."),
    413: ("The file or form you sent is too large", "Send a smaller file, or shorten your answers, and try again."),
    429: ("You have tried too many times", "Wait 5 minutes, then try again."),
    500: ("Sorry, there is a problem with the service", "Try again later. Your saved answers have not been lost."),
}


def render_error(code: int, description: str | None = None):
    """Render the page for an HTTP error code."""
    title, advice = MESSAGES.get(code, MESSAGES[400] if code < 500 else MESSAGES[500])
    return render_template("errors/error.html", code=code, title=title, advice=description or advice), code


def init_errors(app: Flask) -> None:
    """Register handlers for HTTP errors, CSRF failures and unexpected exceptions."""

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, "The page was open too long or the form was sent from somewhere else. Go back, refresh the page and try again.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if request.path.startswith("/api/"):
            from .api import json_error

            return json_error(error)
        return render_error(error.code, error.description if isinstance(error, RateLimited) else None)

    @app.errorhandler(InternalServerError)
    def server_error(error):
        log.exception("Unhandled error", exc_info=getattr(error, "original_exception", error))
        return render_error(500)
