"""Anonymous answers of public pages and the API, kept in a cache until any placement changes.

A view marked `@shared_page` is rendered once per distinct address and then served to every visitor who sends no
cookie, by a WSGI layer in front of Flask, with an ETag and Last-Modified for conditional requests and a gzip and a
Brotli copy made once. Nothing personal can come from the cache: only requests without a cookie or credentials read or
fill it, only 200 answers that set no cookie are kept, and the key holds every input that shapes a public page (host,
forwarded host and scheme, path and query string). Any committed change to a placement, a borough or a standard moves
the cache's generation on, which retires every entry at once in every worker: the generation lives in Redis when the
cache does, otherwise in a stamp file beside the database. The cache (Flask-Caching) is bounded: in-process it keeps
at most CACHE_THRESHOLD entries; in Redis entries expire after CACHE_DEFAULT_TIMEOUT seconds.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import brotli
from flask import Flask, Response, current_app, request, session
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.http import http_date, is_resource_modified, parse_accept_header

from .extensions import cache, compress, this_app

log = logging.getLogger(__name__)

# Tables whose rows appear on public pages: a committed change to any of them retires every cached page.
PUBLIC_TABLES = frozenset({"placement", "borough", "standard", "recruitment_cycle"})
GENERATION_KEY = "page-generation"
COMPRESSIONS = {"br": lambda body: brotli.compress(body, quality=5), "gzip": lambda body: gzip.compress(body, 6)}
MIN_COMPRESS_BYTES = 500
# Request headers that shape a public page besides its address (ProxyFix may turn them into the host and scheme).
KEY_HEADERS = (
    "HTTP_HOST",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PREFIX",
    "SERVER_NAME",
    "SERVER_PORT",
    "wsgi.url_scheme",
)
# Headers that belong to one answer, never to a stored page.
NOT_STORED = {
    "set-cookie",
    "x-request-id",
    "date",
    "content-length",
    "content-encoding",
    "etag",
    "last-modified",
    "cache-control",
}
SHAREABLE = "recruit.page_cache.shareable"  # set by the WSGI layer: a GET without cookies, which it may keep
STORABLE = "recruit.page_cache.storable"  # set by Flask: the answer may be shared
STATIC_MAX_AGE = 365 * 24 * 3600


def shared_page(view):
    """Mark a view whose answer to a visitor without cookies is the same for everyone: it may be cached."""
    view.shared_page = True
    return view


def init_page_cache(app: Flask) -> None:
    """Put the cache in front of the app, mark shareable answers, version static assets, compress the rest."""
    app.config.setdefault("PAGE_CACHE_STAMP", str(Path(app.instance_path) / "page-cache.stamp"))
    cache.init_app(app)
    app.after_request(_mark_storable)
    app.url_defaults(_version_static_urls)
    app.after_request(_static_cache_headers)
    app.wsgi_app = PageCacheMiddleware(app, app.wsgi_app)  # type: ignore[method-assign]  # how Flask documents adding WSGI middleware


def compress_unless_shared(response: Response) -> Response:
    """Flask-Compress for every answer except those the page cache stores (it keeps compressed copies itself)."""
    if request.environ.get(STORABLE):
        return response
    return compress.after_request(response)


# --- the generation: which entries are current -------------------------------------------------------------------


def _shared_store(app: Flask) -> bool:
    return app.config["CACHE_TYPE"] not in ("SimpleCache", "simple", "NullCache", "null")


def current_generation(app: Flask | None = None) -> int:
    """When public data last changed, in nanoseconds since the epoch: entries from another generation are stale.

    A generation that is missing (never set, evicted from Redis, stamp file deleted) starts afresh now, so that no
    entry kept before it went missing can count as current again."""
    app = app or current_app
    if _shared_store(app):
        generation = _backend(app).get(GENERATION_KEY)
        if generation is None:
            _backend(app).add(GENERATION_KEY, time.time_ns(), timeout=0)  # add: the first server to ask sets it
            generation = _backend(app).get(GENERATION_KEY)
        return int(generation)
    try:
        return os.stat(app.config["PAGE_CACHE_STAMP"]).st_mtime_ns
    except FileNotFoundError:
        return _new_stamp(app, time.time_ns())


def _new_stamp(app: Flask, generation: int) -> int:
    stamp = Path(app.config["PAGE_CACHE_STAMP"])
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.touch()
    os.utime(stamp, ns=(generation, generation))  # explicit: the file system's clock can be too coarse
    return generation


def retire_public_pages() -> None:
    """Make every cached page stale now, in every worker (call it after changing public data outside the ORM)."""
    app = this_app()
    generation = max(time.time_ns(), _safely(lambda: current_generation(app), 0) + 1)
    if _shared_store(app):
        _safely(lambda: _backend(app).set(GENERATION_KEY, generation, timeout=0))
    else:
        _safely(lambda: _new_stamp(app, generation))


@event.listens_for(Session, "after_flush")
def _note_public_change(session, flush_context):
    if any(
        getattr(obj, "__tablename__", None) in PUBLIC_TABLES for obj in (*session.new, *session.dirty, *session.deleted)
    ):
        session.info["public_change"] = True


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_public_change(state):
    table = getattr(state.statement, "table", None)
    if (state.is_insert or state.is_update or state.is_delete) and getattr(table, "name", None) in PUBLIC_TABLES:
        state.session.info["public_change"] = True


@event.listens_for(Session, "after_commit")
def _retire_after_commit(session):
    if session.info.pop("public_change", False):
        retire_public_pages()


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session):
    session.info.pop("public_change", None)


def _backend(app: Flask):
    """The Flask-Caching store of this app (no app context needed, so the WSGI layer can use it)."""
    return app.extensions["cache"][cache]


def _safely(operation, default=None):
    """A cache that fails (Redis down, a race in the in-process store) costs speed, never an answer."""
    try:
        return operation()
    except Exception:  # noqa: BLE001 (any cache failure is survivable)
        log.warning("page cache unavailable", exc_info=True)
        return default


# --- inside Flask: which answers may be shared --------------------------------------------------------------------


def _mark_storable(response: Response) -> Response:
    """Flag a 200 from a shared page, for a visitor with an empty session, that sets no cookie."""
    view = current_app.view_functions.get(request.endpoint or "")
    if (
        request.environ.get(SHAREABLE)
        and getattr(view, "shared_page", False)
        and response.status_code == 200
        and not response.direct_passthrough
        and "Set-Cookie" not in response.headers
        and not session
        and not session.modified
        and not current_user.is_authenticated
    ):
        route = request.url_rule.rule if request.url_rule else ""  # a shared page's view always has its rule
        request.environ[STORABLE] = {"endpoint": request.endpoint, "route": route}
    return response


# --- in front of Flask: serve and store -------------------------------------------------------------------------


class PageCacheMiddleware:
    """Answers cookie-less GET and HEAD requests for shared pages from the cache, before Flask is involved."""

    def __init__(self, app: Flask, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app

    def __call__(self, environ, start_response):
        if not self._may_share(environ):
            return self.wsgi_app(environ, start_response)
        key = self._key(environ)
        generation = _safely(lambda: current_generation(self.app), 0)
        today = date.today().isoformat()
        entry = _safely(lambda: self._get(key))
        if entry and entry["generation"] == generation and entry["day"] == today:
            environ.update(
                {"recruit.endpoint": entry["endpoint"], "recruit.route": entry["route"], "recruit.page_cache": "hit"}
            )
            return self._answer(entry, environ, start_response)

        if environ["REQUEST_METHOD"] != "GET":  # a HEAD answer has no body to keep
            return self.wsgi_app(environ, start_response)
        environ[SHAREABLE] = True
        captured: list = []  # status, headers and exc_info, as the application starts its answer

        def capture(status, headers, exc_info=None):
            captured[:] = [status, headers, exc_info]
            return lambda data: (_ for _ in ()).throw(RuntimeError("write() is not supported"))

        body_iter = self.wsgi_app(environ, capture)
        storable = environ.get(STORABLE)
        status, headers, exc_info = captured
        if not storable or not status.startswith("200") or any(k.lower() == "set-cookie" for k, _ in headers):
            start_response(status, headers, exc_info)
            return body_iter
        environ["recruit.page_cache"] = "miss"  # rendered now, kept for the next visitor
        try:
            body = b"".join(body_iter)
        finally:
            if hasattr(body_iter, "close"):
                body_iter.close()
        entry = {
            "generation": generation,
            "day": today,
            "endpoint": storable["endpoint"],
            "route": storable["route"],
            "headers": [(k, v) for k, v in headers if k.lower() not in NOT_STORED],
            "etag": hashlib.sha256(body).hexdigest()[:32],
            "bodies": {"identity": body},
        }
        if len(body) >= MIN_COMPRESS_BYTES:
            entry["bodies"].update({name: compress_body(body) for name, compress_body in COMPRESSIONS.items()})
        _safely(lambda: self._set(key, entry))
        return self._answer(entry, environ, start_response, request_id=_header(headers, "X-Request-Id"))

    def _may_share(self, environ) -> bool:
        return (
            environ.get("REQUEST_METHOD") in ("GET", "HEAD")
            and self.app.config["PAGE_CACHE_ENABLED"]
            and not environ.get("HTTP_COOKIE")
            and not environ.get("HTTP_AUTHORIZATION")
        )

    @staticmethod
    def _key(environ) -> str:
        parts = [environ.get(name, "") for name in KEY_HEADERS]
        parts += [environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", "")]
        return "page:" + hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogateescape")).hexdigest()

    def _get(self, key):
        return _backend(self.app).get(key)

    def _set(self, key, entry):
        _backend(self.app).set(key, entry)

    @staticmethod
    def _answer(entry: dict, environ, start_response, request_id: str | None = None):
        """The stored page in the encoding the client accepts, or 304 Not Modified if it holds this version."""
        accepted = parse_accept_header(environ.get("HTTP_ACCEPT_ENCODING"))
        encoding = next(
            (name for name in ("br", "gzip") if name in entry["bodies"] and accepted.quality(name) > 0), "identity"
        )
        etag = entry["etag"] if encoding == "identity" else f"{entry['etag']}:{encoding}"
        last_modified = datetime.fromtimestamp(entry["generation"] // 10**9, UTC) if entry["generation"] else None
        headers = [(k, v) for k, v in entry["headers"] if k.lower() != "vary"]
        vary = [v.strip() for k, value in entry["headers"] if k.lower() == "vary" for v in value.split(",")]
        headers += [
            ("ETag", f'"{etag}"'),
            ("Vary", ", ".join(dict.fromkeys([*vary, "Accept-Encoding"]))),
            ("X-Request-Id", request_id or uuid.uuid4().hex),
            # Browsers and shared caches may keep it but must ask each time: a change shows at once, a 304 is cheap.
            ("Cache-Control", "public, no-cache"),
        ]
        if last_modified:
            headers.append(("Last-Modified", http_date(last_modified)))
        if not is_resource_modified(environ, etag=etag, last_modified=last_modified):
            start_response("304 Not Modified", [(k, v) for k, v in headers if k.lower() != "content-type"])
            return []
        body = entry["bodies"][encoding]
        if encoding != "identity":
            headers.append(("Content-Encoding", encoding))
        headers.append(("Content-Length", str(len(body))))
        start_response("200 OK", headers)
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [body]


def _header(headers, name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name.lower()), None)


# --- static assets --------------------------------------------------------------------------------------------------

_asset_versions: dict[tuple[str, int], str] = {}


def _asset_version(path: Path) -> str | None:
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return None
    key = (str(path), mtime)
    if key not in _asset_versions:
        _asset_versions[key] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return _asset_versions[key]


def _static_path(filename: str) -> Path:
    """Where a static file is on disk (the app always has its static folder)."""
    return Path(current_app.static_folder or "static") / filename


def _version_static_urls(endpoint: str, values: dict) -> None:
    """`url_for('static', …)` adds the file's content hash, so a changed file gets a new address."""
    if endpoint == "static" and "filename" in values and "v" not in values:
        version = _asset_version(_static_path(values["filename"]))
        if version:
            values["v"] = version


def _static_cache_headers(response: Response) -> Response:
    """A versioned asset never changes at its address: browsers and proxies may keep it for a year."""
    if request.endpoint == "static" and response.status_code in (200, 304):
        filename = (request.view_args or {}).get("filename", "")
        version = _asset_version(_static_path(filename)) if filename else None
        if version and request.args.get("v") == version:
            response.headers["Cache-Control"] = f"public, max-age={STATIC_MAX_AGE}, immutable"
        if response.status_code == 200 and response.mimetype in compress.compress_mimetypes_set:
            # Read the file now, so Flask-Compress compresses it whole, once per version (StaticCompressed).
            response.direct_passthrough = False
            response.get_data()
    return response


class StaticCompressed:
    """Flask-Compress's cache, holding compressed static files only, one entry per file version and encoding."""

    def __init__(self):
        self._store: dict[str, bytes] = {}

    @staticmethod
    def key(req) -> str:
        """The file and its content hash for static files; nothing for other answers, which are never kept."""
        if req.endpoint != "static":
            return ""
        version = _asset_version(_static_path((req.view_args or {}).get("filename", "")))
        return f"static:{req.path}:{version}" if version else ""

    def get(self, key: str) -> bytes | None:
        return self._store.get(key)

    def set(self, key: str, value: bytes) -> None:
        if ";static:" in key and len(self._store) < 1000:
            self._store[key] = value


def page_cache_entries(app: Flask) -> int | None:
    """How many pages this process's in-process cache holds (None for a shared cache such as Redis)."""
    backend = _backend(app)
    return len(backend._cache) if hasattr(backend, "_cache") else None
