"""Security headers, the CSP nonce, no-store caching for signed-in pages, and safe redirects."""

import re
import secrets
from urllib.parse import urlsplit

from flask import Flask, Request, g, request
from flask_login import current_user
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.utils import cached_property

# Control characters no form or search needs (tab, line feed and carriage return are kept). PostgreSQL refuses NUL
# in text, and the others only ever arrive by accident (pasted from another program) or from an attacker.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _without_control_characters(values, replacement: str = "") -> ImmutableMultiDict:
    return ImmutableMultiDict(
        [(_CONTROL.sub(replacement, key), _CONTROL.sub(replacement, value)) for key, value in values.items(multi=True)]
    )


class CleanRequest(Request):
    """A request whose query string and form values never hold control characters, for every view at once."""

    @cached_property
    def args(self):
        # In a query a control character becomes U+FFFD, so the value stays (and is refused as not valid) rather
        # than silently turning into an empty, accepted one.
        return _without_control_characters(super().args, "\ufffd")

    def _load_form_data(self) -> None:
        if "form" in self.__dict__:
            return
        super()._load_form_data()
        self.__dict__["form"] = _without_control_characters(self.__dict__["form"])


def init_security(app: Flask) -> None:
    """Give every request a CSP nonce and every response the security headers; clean every request's values."""
    app.request_class = CleanRequest

    @app.before_request
    def make_nonce():
        g.csp_nonce = secrets.token_urlsafe(16)

    @app.after_request
    def add_security_headers(response):
        nonce = g.get("csp_nonce", "")
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}'; "
            "style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if app.config["PRODUCTION"]:
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        # Pages for a signed-in person must never sit in a shared or back-button cache.
        if current_user.is_authenticated and not request.path.startswith("/assets/"):
            response.headers["Cache-Control"] = "no-store"
        return response


def safe_next_url(target: str | None) -> str | None:
    """Return `target` only if it is a path on this site; refuse open redirects."""
    if not target:
        return None
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target
