"""A reference for every request: logs, error pages and task logs quote it, so one id finds one event."""

import re
import uuid

from flask import Flask, g, request

# A request id passed on by a trusted proxy is reused only when it looks like one (no log injection).
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def init_request_id(app: Flask) -> None:
    """Give every request `g.request_id` and send it back as the X-Request-Id header."""

    @app.before_request
    def assign_request_id():
        incoming = request.headers.get("X-Request-Id", "")
        g.request_id = (
            incoming if app.config.get("TRUST_REQUEST_ID_HEADER") and _SAFE_ID.fullmatch(incoming) else uuid.uuid4().hex
        )

    @app.after_request
    def send_request_id(response):
        if "request_id" in g:
            response.headers["X-Request-Id"] = g.request_id
        return response


def current_request_id() -> str | None:
    """The id of the request being handled, or None outside a request."""
    return g.get("request_id") if g else None
