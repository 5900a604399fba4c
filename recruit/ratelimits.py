"""Rate limits per account and per client, counted atomically in the limiter's storage (Redis in production, so
every app process and worker shares one count).

A try is counted *before* the work it guards (an atomic increment that also says whether the limit was passed),
so simultaneous tries can never exceed the limit. Where only failures should count (sign-in, codes), a success
gives its try back."""

import hashlib
import math
from dataclasses import dataclass, field

from flask import current_app, request
from limits import parse
from werkzeug.exceptions import TooManyRequests

from .extensions import limiter

# Each action: the config keys of its limit per account and per client (either may be absent).
ACTIONS = {
    "sign_in": ("SIGN_IN_RATE_LIMIT", "SIGN_IN_CLIENT_RATE_LIMIT"),
    "second_factor": ("SECOND_FACTOR_RATE_LIMIT", "SECOND_FACTOR_CLIENT_RATE_LIMIT"),
    "register": ("REGISTER_RATE_LIMIT", "REGISTER_CLIENT_RATE_LIMIT"),
    "forgot_password": ("FORGOT_PASSWORD_RATE_LIMIT", "FORGOT_PASSWORD_CLIENT_RATE_LIMIT"),
    "resend_confirmation": ("RESEND_CONFIRMATION_RATE_LIMIT", None),
}


class RateLimited(TooManyRequests):
    """Too many tries: the error page says how long to wait."""


@dataclass
class Tries:
    """The tries counted for one request, to give back if it succeeds."""

    counted: list = field(default_factory=list)

    def give_back(self) -> None:
        """Un-count these tries (a successful sign-in is not a guess)."""
        for item, identifiers in self.counted:
            limiter.storage.incr(item.key_for(*identifiers), item.get_expiry(), amount=-1)
        self.counted.clear()


def account_key(account) -> str:
    """A stable key for an account, a typed address or a user id, that does not put the address in the store."""
    text = str(account).strip().lower()
    return hashlib.sha256(f"{current_app.config['SECRET_KEY']}:{text}".encode()).hexdigest()[:32]


def take(action: str, account=None) -> Tries:
    """Count one try of `action` for the account (if given) and for the client; 429 when either is over its limit."""
    tries = Tries()
    if not current_app.config["RATELIMIT_ENABLED"]:
        return tries
    prefix = current_app.config["RATELIMIT_KEY_PREFIX"]
    account_limit, client_limit = ACTIONS[action]
    checks = []
    if account_limit and account is not None:
        checks.append((current_app.config[account_limit], ("account", account_key(account))))
    if client_limit:
        checks.append((current_app.config[client_limit], ("client", request.remote_addr or "unknown")))
    refused = None
    for text, (scope, key) in checks:
        item = parse(text)
        identifiers = (prefix, action, scope, key)
        allowed = limiter.limiter.hit(item, *identifiers)
        tries.counted.append((item, identifiers))
        if not allowed and refused is None:
            refused = item
    if refused is not None:
        minutes = max(math.ceil(refused.get_expiry() / 60), 1)
        raise RateLimited(f"Wait {minutes} {'minute' if minutes == 1 else 'minutes'}, then try again.")
    return tries
