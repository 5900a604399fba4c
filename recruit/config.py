"""Configuration from environment variables, with safe defaults for development."""

import json
import os
import secrets
from datetime import date
from pathlib import Path

from matching.types import DEFAULT_WEIGHTS  # the library's one default (loads only the standard library)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_PATH = Path(os.environ.get("INSTANCE_PATH", PROJECT_ROOT / "instance"))


def task_queue_url() -> str:
    """Where the task queue keeps its tasks (redis://… or sqlite:///path; empty for instance/tasks.db). Read when the
    queue is made, outside any app, as workers make it before an app exists."""
    return os.environ.get("TASK_QUEUE_URL", "")


def metrics_multiprocess_dir() -> str:
    """Where gunicorn's workers add up their metrics (set by gunicorn.conf.py; prometheus_client reads it too)."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


# Matching weights are published on the "How matching works" page; they must sum to 1.
DEFAULT_MATCH_WEIGHTS = DEFAULT_WEIGHTS.as_dict()


def is_production() -> bool:
    """True when the environment says this is a production deployment."""
    env = os.environ.get("APP_ENV") or os.environ.get("FLASK_ENV") or "development"
    return env.lower() == "production"


def _development_secrets() -> dict:
    """Generate SECRET_KEY and MONITORING_KEY once and keep them under instance/ for development."""
    path = INSTANCE_PATH / "secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    INSTANCE_PATH.mkdir(parents=True, exist_ok=True)
    keys = {"SECRET_KEY": secrets.token_hex(32), "MONITORING_KEY": secrets.token_hex(32)}
    path.write_text(json.dumps(keys))
    path.chmod(0o600)
    return keys


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def _static_compressed():
    from .page_cache import StaticCompressed

    return StaticCompressed()


def _static_compressed_key(request) -> str:
    from .page_cache import StaticCompressed

    return StaticCompressed.key(request)


def load_config() -> dict:
    """Build the app's configuration from the environment."""
    production = is_production()
    secret_key = os.environ.get("SECRET_KEY")
    monitoring_key = os.environ.get("MONITORING_KEY")
    if production and not (secret_key and monitoring_key):
        raise RuntimeError("SECRET_KEY and MONITORING_KEY must be set in production")
    if not (secret_key and monitoring_key):
        generated = _development_secrets()
        secret_key = secret_key or generated["SECRET_KEY"]
        monitoring_key = monitoring_key or generated["MONITORING_KEY"]
    if monitoring_key == secret_key:
        raise RuntimeError("MONITORING_KEY must differ from SECRET_KEY")
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_PATH / 'recruit.db'}"
    return {
        "PRODUCTION": production,
        "DEBUG": False,
        "SECRET_KEY": secret_key,
        "MONITORING_KEY": monitoring_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 2 * 1024 * 1024)),
        # __Host- makes browsers refuse the cookie unless it is Secure, for this host only and for every path.
        "SESSION_COOKIE_NAME": "__Host-session" if production else "session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": production,
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 12,
        # Server-side session limits (recruit/services/sessions.py): idle by role, absolute for everyone.
        "SESSION_IDLE_MINUTES_STAFF": int(os.environ.get("SESSION_IDLE_MINUTES_STAFF", 30)),
        "SESSION_IDLE_MINUTES_CANDIDATE": int(os.environ.get("SESSION_IDLE_MINUTES_CANDIDATE", 60)),
        "SESSION_ABSOLUTE_HOURS": int(os.environ.get("SESSION_ABSOLUTE_HOURS", 12)),
        "SESSION_WARNING_SECONDS": 120,
        # Sensitive actions (publishing a run, exports, user administration) ask for a code again after this long.
        "SECOND_FACTOR_RECENT_MINUTES": int(os.environ.get("SECOND_FACTOR_RECENT_MINUTES", 15)),
        "WTF_CSRF_TIME_LIMIT": None,  # CSRF token lives as long as the session: no lost answers after a long form.
        "SERVER_NAME": os.environ.get("SERVER_NAME"),
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        # Email: with no MAIL_SERVER the outbox worker writes emails to the log instead of sending.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", 25)),
        "MAIL_USE_TLS": _env_bool("MAIL_USE_TLS", False),
        "MAIL_USE_SSL": _env_bool("MAIL_USE_SSL", False),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_DEFAULT_SENDER": os.environ.get(
            "MAIL_DEFAULT_SENDER", "London Digital Apprenticeships <no-reply@apprenticeships.london.example>"
        ),
        "MAIL_TIMEOUT": float(os.environ.get("MAIL_TIMEOUT", 30)),  # seconds for each SMTP step: a hung server fails
        "OUTBOX_MAX_ATTEMPTS": int(os.environ.get("OUTBOX_MAX_ATTEMPTS", 8)),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _env_bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", "recruit"),
        "RATELIMIT_STRATEGY": "fixed-window",  # counted with one atomic increment (a Lua script on Redis)
        # Per account (any typed address, known or not, so a limit reveals nothing) and per client address.
        "SIGN_IN_RATE_LIMIT": os.environ.get("SIGN_IN_RATE_LIMIT", "5 per 5 minutes"),
        "SIGN_IN_CLIENT_RATE_LIMIT": os.environ.get("SIGN_IN_CLIENT_RATE_LIMIT", "30 per 5 minutes"),
        "SECOND_FACTOR_RATE_LIMIT": os.environ.get("SECOND_FACTOR_RATE_LIMIT", "5 per 5 minutes"),
        "SECOND_FACTOR_CLIENT_RATE_LIMIT": os.environ.get("SECOND_FACTOR_CLIENT_RATE_LIMIT", "30 per 5 minutes"),
        "REGISTER_RATE_LIMIT": os.environ.get("REGISTER_RATE_LIMIT", "3 per 15 minutes"),
        "REGISTER_CLIENT_RATE_LIMIT": os.environ.get("REGISTER_CLIENT_RATE_LIMIT", "20 per 15 minutes"),
        "FORGOT_PASSWORD_RATE_LIMIT": os.environ.get("FORGOT_PASSWORD_RATE_LIMIT", "3 per 15 minutes"),
        "FORGOT_PASSWORD_CLIENT_RATE_LIMIT": os.environ.get("FORGOT_PASSWORD_CLIENT_RATE_LIMIT", "20 per 15 minutes"),
        "RESEND_CONFIRMATION_RATE_LIMIT": os.environ.get("RESEND_CONFIRMATION_RATE_LIMIT", "3 per 15 minutes"),
        # How many proxies in front of the app add to X-Forwarded-For (0: none, use the connection's address).
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", 0)),
        "TOKEN_MAX_AGE_SECONDS": int(os.environ.get("TOKEN_MAX_AGE_SECONDS", 60 * 60 * 24)),
        # Apprentice national minimum wage in force (GBP per hour) and the date it took effect.
        "APPRENTICE_MINIMUM_WAGE": float(os.environ.get("APPRENTICE_MINIMUM_WAGE", "7.55")),
        "APPRENTICE_MINIMUM_WAGE_FROM": date.fromisoformat(
            os.environ.get("APPRENTICE_MINIMUM_WAGE_FROM", "2025-04-01")
        ),
        "LONDON_LIVING_WAGE": float(os.environ.get("LONDON_LIVING_WAGE", "14.80")),
        "MATCH_WEIGHTS": json.loads(os.environ["MATCH_WEIGHTS"])
        if os.environ.get("MATCH_WEIGHTS")
        else DEFAULT_MATCH_WEIGHTS,
        "SHORTLIST_FACTOR": int(os.environ.get("SHORTLIST_FACTOR", 3)),
        "MATCH_LIST_LENGTH": int(os.environ.get("MATCH_LIST_LENGTH", 10)),
        "RETENTION_MONTHS": int(os.environ.get("RETENTION_MONTHS", 6)),
        "PAGE_SIZE": int(os.environ.get("PAGE_SIZE", 20)),
        # Anonymous public pages and API answers are cached (page_cache.py): in this process, at most
        # PAGE_CACHE_ENTRIES of them, unless CACHE_REDIS_URL names a Redis shared by every server.
        "PAGE_CACHE_ENABLED": _env_bool("PAGE_CACHE_ENABLED", True),
        # Operations (README, "Production"): a JSON log line per request; who may read /metrics.
        "REQUEST_LOG_JSON": _env_bool("REQUEST_LOG_JSON", production),
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN"),
        "METRICS_ALLOWED_NETWORKS": os.environ.get(
            "METRICS_ALLOWED_NETWORKS", "" if production else "127.0.0.1/32,::1/128"
        ),
        "CACHE_TYPE": "RedisCache" if os.environ.get("CACHE_REDIS_URL") else "SimpleCache",
        "CACHE_REDIS_URL": os.environ.get("CACHE_REDIS_URL"),
        "CACHE_KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "lda:"),
        "CACHE_THRESHOLD": int(os.environ.get("PAGE_CACHE_ENTRIES", 300)),
        "CACHE_DEFAULT_TIMEOUT": int(os.environ.get("PAGE_CACHE_SECONDS", 600)),
        # Responses are compressed (gzip, Brotli, zstd) when the browser accepts it; cached pages are compressed once.
        "COMPRESS_REGISTER": False,  # page_cache.compress_unless_shared calls it for answers the cache does not keep
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        "COMPRESS_CACHE_BACKEND": _static_compressed,
        "COMPRESS_CACHE_KEY": _static_compressed_key,
    }
