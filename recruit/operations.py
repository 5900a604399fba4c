"""What operators see: /healthz and /readyz for load balancers, one JSON log line per request, Prometheus metrics.

Nothing here records personal data: log lines and metrics name the route (its template, such as
/placements/<int:placement_id>), never the path, query string, address, user or any request header but the request id.
/metrics is private: it answers a bearer token (METRICS_TOKEN) or a direct request from METRICS_ALLOWED_NETWORKS
(loopback only by default in development, nobody by default in production), and is a 404 to everyone else.
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import json
import logging
import sys
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from flask import Blueprint, Flask, Response, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from .config import metrics_multiprocess_dir
from .models import utcnow
from .services import health

if TYPE_CHECKING:
    from huey import Huey

bp = Blueprint("operations", __name__)

METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
REQUESTS = Counter(
    "recruit_http_requests_total",
    "HTTP requests answered, by route endpoint, method and status",
    ["endpoint", "method", "status"],
)
LATENCY = Histogram(
    "recruit_http_request_duration_seconds",
    "Time to answer, by route endpoint",
    ["endpoint", "method"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
PAGE_CACHE = Counter(
    "recruit_page_cache_requests_total", "Shareable requests answered from the page cache or not", ["result"]
)
TASK_FAILURES = Counter("recruit_task_failures_total", "Background tasks that raised an error", ["task"])
REQUEST_LOG = logging.getLogger("recruit.requests")


def init_operations(app: Flask) -> None:
    """Mount the health and metrics endpoints, note each request's route, and wrap the app to observe every answer."""
    app.register_blueprint(bp)
    app.after_request(_note_route)
    if app.config["REQUEST_LOG_JSON"] and not REQUEST_LOG.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        REQUEST_LOG.addHandler(handler)
        REQUEST_LOG.setLevel(logging.INFO)
        REQUEST_LOG.propagate = False
    app.wsgi_app = ObservedRequests(app, app.wsgi_app)  # type: ignore[method-assign]  # how Flask documents adding WSGI middleware


def _note_route(response: Response) -> Response:
    if request.url_rule is not None:
        request.environ["recruit.endpoint"] = request.url_rule.endpoint
        request.environ["recruit.route"] = request.url_rule.rule
    return response


class ObservedRequests:
    """Outermost WSGI layer: times every answer (page-cache hits too), counts it and writes its log line."""

    def __init__(self, app: Flask, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        seen = {}

        def observe(status, headers, exc_info=None):
            seen["status"] = status.split(" ", 1)[0]
            seen["request_id"] = next((v for k, v in headers if k.lower() == "x-request-id"), None)
            return start_response(status, headers, exc_info)

        try:
            return self.wsgi_app(environ, observe)
        except Exception:
            seen.setdefault("status", "500")
            raise
        finally:
            self._record(environ, seen, time.perf_counter() - started)

    def _record(self, environ, seen: dict, seconds: float) -> None:
        endpoint = environ.get("recruit.endpoint") or "none"
        method = environ.get("REQUEST_METHOD", "") if environ.get("REQUEST_METHOD") in METHODS else "other"
        status = seen.get("status", "500")
        REQUESTS.labels(endpoint, method, status).inc()
        LATENCY.labels(endpoint, method).observe(seconds)
        cache = environ.get("recruit.page_cache")
        if cache:
            PAGE_CACHE.labels(cache).inc()
        if self.app.config["REQUEST_LOG_JSON"]:
            REQUEST_LOG.info(
                json.dumps(
                    {
                        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                        "level": "info",
                        "event": "request",
                        "request_id": seen.get("request_id"),
                        "method": method,
                        "route": environ.get("recruit.route"),
                        "endpoint": endpoint,
                        "status": int(status),
                        "duration_ms": round(seconds * 1000, 2),
                        "page_cache": cache,
                    }
                )
            )


# --- health -----------------------------------------------------------------------------------------------------


@bp.route("/healthz")
def healthz():
    """The process answers (liveness): no database or other service is asked."""
    return {"status": "ok"}


@bp.route("/readyz")
def readyz():
    """Ready for traffic: the database, every configured Redis and the task queue answer; 503 names what does not."""
    checks = readiness_checks()
    ready = all(ok for ok, _ in checks.values())
    body = {
        "status": "ready" if ready else "not ready",
        "checks": {name: detail for name, (_, detail) in checks.items()},
    }
    return body, 200 if ready else 503


def readiness_checks() -> dict[str, tuple[bool, str]]:
    """Each part the service needs, with (reachable, what to tell the operator): never a secret or a URL."""
    checks = {"database": _check(health.database_answers)}
    for name, url in _redis_urls().items():
        checks[f"redis ({name})"] = _check(lambda url=url: _redis_ping(url))
    checks["task queue"] = task_queue_status()
    return checks


def _check(probe) -> tuple[bool, str]:
    try:
        probe()
        return True, "ok"
    except Exception as error:  # noqa: BLE001 (any failure means not ready; the class name says which kind)
        return False, f"unreachable ({type(error).__name__})"


def _redis_urls() -> dict[str, str]:
    """Every setting that points at a Redis (cache, rate limits, sessions, task queue), by setting name."""
    return {
        key: value
        for key, value in current_app.config.items()
        if isinstance(value, str)
        and value.startswith(("redis://", "rediss://", "unix://"))
        and key.endswith(("_URL", "_URI"))
    }


def _redis_ping(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    finally:
        client.close()


def task_queue() -> Huey | None:
    """The Huey instance, when the app has one (`app.extensions["huey"]`), else None."""
    return current_app.extensions.get("huey")


def task_queue_status() -> tuple[bool, str]:
    """Whether the task queue's storage answers; no queue configured is fine (the work then runs in-process)."""
    huey = task_queue()
    if huey is None:
        return True, "not configured"
    return _check(huey.pending_count)


HUEY_SIGNAL_ERROR = "error"  # huey.signals.SIGNAL_ERROR: a task raised


def count_task_failures(huey) -> None:
    """Count each task that raises in `recruit_task_failures_total` (call once where the Huey instance is made)."""

    @huey.signal(HUEY_SIGNAL_ERROR)
    def _failed(signal, task, exc=None):
        TASK_FAILURES.labels(getattr(task, "name", "task")).inc()


# --- metrics ------------------------------------------------------------------------------------------------------


def _may_read_metrics() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    if request.headers.get("X-Forwarded-For"):  # came through a proxy: its address says nothing about the caller
        return False
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(net.strip(), strict=False)
        for net in current_app.config["METRICS_ALLOWED_NETWORKS"].split(",")
        if net.strip()
    )


@bp.route("/metrics")
def metrics():
    """Prometheus metrics, for the monitoring system only (see the README: keep this path private)."""
    if not _may_read_metrics():
        return Response("Not found", status=404, mimetype="text/plain")
    if metrics_multiprocess_dir():  # several gunicorn workers: add up every worker's figures
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    now = CollectorRegistry()
    now.register(_ServiceNow())
    return Response(generate_latest(registry) + generate_latest(now), mimetype=CONTENT_TYPE_LATEST)


class _ServiceNow:
    """Figures read from the database and the task queue at each scrape."""

    def collect(self):
        count, oldest, failed = health.outbox_backlog()
        yield GaugeMetricFamily("recruit_outbox_pending_emails", "Emails waiting to be sent", value=count)
        yield GaugeMetricFamily(
            "recruit_outbox_oldest_pending_email_age_seconds",
            "Age of the oldest email waiting to be sent (0 when none wait)",
            value=(utcnow() - oldest).total_seconds() if oldest else 0,
        )
        yield GaugeMetricFamily(
            "recruit_outbox_failed_emails", "Emails given up on after OUTBOX_MAX_ATTEMPTS", value=failed
        )
        huey = task_queue()
        if huey is not None:
            # An unreachable queue is /readyz's news: the scrape still answers.
            with contextlib.suppress(Exception):
                yield GaugeMetricFamily(
                    "recruit_task_queue_pending", "Tasks waiting in the queue", value=huey.pending_count()
                )
                pass


# --- warm-up ------------------------------------------------------------------------------------------------------

WARM_PATHS = (
    "/",
    "/placements/",
    "/placements/?postcode=E8&distance=5&sort=distance",
    "/api/v1/placements",
    "/how-matching-works",
    "/sign-in",
    "/healthz",
    "/readyz",
)


def warm_up(app: Flask) -> None:
    """Answer the busiest pages once before a worker takes traffic: templates compile, libraries load, the pool fills."""
    client = app.test_client(use_cookies=False)
    started = time.perf_counter()
    for path in WARM_PATHS:
        client.get(path, headers={"Cookie": "warm-up=1"})  # a cookie: the page cache keeps nothing from this
    with app.app_context():
        some = health.some_live_placement_id()
    if some:
        client.get(f"/placements/{some}", headers={"Cookie": "warm-up=1"})
    app.logger.info("warmed up in %.1f s", time.perf_counter() - started)
