"""What operators see: liveness, readiness naming the failing part, private metrics, JSON request logs, no personal data."""

import json
import logging
import re
from datetime import timedelta

import pytest

from recruit import create_app
from recruit.extensions import db as _db
from recruit.models import OutboxEmail, utcnow
from recruit.operations import REQUEST_LOG, warm_up
from recruit.page_cache import page_cache_entries
from tests.conftest import _test_config
from tests.factories import make_placement

TOKEN = "metrics-token-for-tests"


@pytest.fixture
def app_config():
    return {"METRICS_TOKEN": TOKEN, "METRICS_ALLOWED_NETWORKS": "127.0.0.1/32", "REQUEST_LOG_JSON": True}


@pytest.fixture
def request_log(caplog):
    """The JSON lines the request log writes."""
    REQUEST_LOG.addHandler(caplog.handler)
    caplog.set_level(logging.INFO, logger=REQUEST_LOG.name)
    yield lambda: [json.loads(r.getMessage()) for r in caplog.records if r.name == REQUEST_LOG.name]
    REQUEST_LOG.removeHandler(caplog.handler)


def metrics_text(client, **headers) -> str:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}", **headers})
    assert response.status_code == 200 and response.mimetype == "text/plain"
    return response.get_data(as_text=True)


def test_healthz_answers_without_asking_the_database(database_url, _schema):
    broken = create_app(
        {
            **_test_config(database_url, _schema),
            "SQLALCHEMY_DATABASE_URI": "sqlite:////nonexistent/dir/x.db",
            "SQLALCHEMY_ENGINE_OPTIONS": {},
        }
    )
    response = broken.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_readyz_is_ready_when_the_database_answers_and_no_queue_is_configured(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "checks": {"database": "ok", "task queue": "not configured"}}


def test_readyz_checks_every_configured_redis(app, client):
    app.config["CACHE_REDIS_URL"] = "redis://127.0.0.1:6379/0"
    assert client.get("/readyz").get_json()["checks"]["redis (CACHE_REDIS_URL)"] == "ok"
    app.config["RATELIMIT_STORAGE_URI"] = "redis://:secret-password@127.0.0.1:1/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not ready" and body["checks"]["redis (RATELIMIT_STORAGE_URI)"].startswith("unreachable")
    assert body["checks"]["redis (CACHE_REDIS_URL)"] == "ok" and "secret-password" not in response.get_data(
        as_text=True
    )


def test_readyz_names_an_unreachable_database(database_url, _schema):
    broken = create_app(
        {
            **_test_config(database_url, _schema),
            "SQLALCHEMY_DATABASE_URI": "sqlite:////nonexistent/dir/x.db",
            "SQLALCHEMY_ENGINE_OPTIONS": {},
        }
    )
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503 and response.get_json()["checks"]["database"] == "unreachable (OperationalError)"


class FakeQueue:
    """Stands in for the Huey instance that issue 9 plugs in as app.extensions["huey"]."""

    def __init__(self, pending=0, error=None):
        self.pending, self.error = pending, error

    def pending_count(self):
        if self.error:
            raise self.error
        return self.pending


def test_readyz_and_metrics_use_the_task_queue_once_one_is_plugged_in(app, client):
    app.extensions["huey"] = FakeQueue(pending=7)
    assert client.get("/readyz").get_json()["checks"]["task queue"] == "ok"
    assert re.search(r"^recruit_task_queue_pending 7\.0$", metrics_text(client), re.M)
    app.extensions["huey"] = FakeQueue(error=ConnectionError("redis down"))
    response = client.get("/readyz")
    assert (
        response.status_code == 503 and response.get_json()["checks"]["task queue"] == "unreachable (ConnectionError)"
    )
    assert "recruit_task_queue_pending" not in metrics_text(client)


def test_task_failures_are_counted_once_the_queue_reports_them(app, client):
    from recruit.operations import count_task_failures

    class SignallingQueue(FakeQueue):
        handlers = {}

        def signal(self, name):
            return lambda handler: self.handlers.setdefault(name, handler)

    class Task:
        name = "send_reminders"

    queue = SignallingQueue()
    count_task_failures(queue)
    for _ in range(2):
        queue.handlers["error"]("error", Task(), ValueError("boom"))
    before = re.search(r'^recruit_task_failures_total\{task="send_reminders"\} (\S+)$', metrics_text(client), re.M)
    assert before and float(before.group(1)) >= 2


# --- metrics ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("remote", "headers"),
    [
        ("203.0.113.5", {}),  # from outside
        ("127.0.0.1", {"X-Forwarded-For": "203.0.113.5"}),  # through the public proxy
        ("203.0.113.5", {"Authorization": "Bearer wrong-token"}),
        ("203.0.113.5", {"Authorization": f"Basic {TOKEN}"}),
    ],
)
def test_metrics_are_private(client, remote, headers):
    response = client.get("/metrics", headers=headers, environ_base={"REMOTE_ADDR": remote})
    assert response.status_code == 404 and "recruit_" not in response.get_data(as_text=True)


def test_metrics_from_an_allowed_network_or_with_the_token(client):
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200
    assert (
        client.get(
            "/metrics", environ_base={"REMOTE_ADDR": "203.0.113.5"}, headers={"Authorization": f"Bearer {TOKEN}"}
        ).status_code
        == 200
    )


def test_production_keeps_metrics_closed_to_every_address_by_default(database_url, _schema, monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 32)
    monkeypatch.setenv("MONITORING_KEY", "m" * 32)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("METRICS_TOKEN", raising=False)
    production = create_app({"TESTING": True})
    assert production.config["REQUEST_LOG_JSON"] is True
    assert production.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 404


def test_metrics_count_requests_by_endpoint_and_status_with_latency(app, client):
    placement_id = make_placement(app)
    anonymous = app.test_client(use_cookies=False)
    for _ in range(3):
        anonymous.get(f"/placements/{placement_id}")
    anonymous.get("/placements/999999")
    text = metrics_text(client)
    count = re.search(
        r'^recruit_http_requests_total\{endpoint="placements.detail",method="GET",status="200"\} (\d+)', text, re.M
    )
    assert count and int(float(count.group(1))) >= 3
    assert re.search(
        r'^recruit_http_requests_total\{endpoint="placements.detail",method="GET",status="404"\}', text, re.M
    )
    assert re.search(
        r'^recruit_http_request_duration_seconds_bucket\{endpoint="placements.detail",le="0.1",method="GET"\}',
        text,
        re.M,
    )
    assert re.search(r'^recruit_page_cache_requests_total\{result="hit"\} [1-9]', text, re.M)


def test_metrics_show_the_outbox_backlog_and_its_oldest_email(app, client):
    with app.app_context():
        for hours, status in ((2, "pending"), (1, "pending"), (5, "sent"), (9, "failed")):
            _db.session.add(
                OutboxEmail(
                    recipient="someone@example.org",
                    subject="S",
                    text_body="t",
                    html_body="h",
                    template="t",
                    status=status,
                    created_at=utcnow() - timedelta(hours=hours),
                )
            )
        _db.session.commit()
    text = metrics_text(client)
    assert re.search(r"^recruit_outbox_pending_emails 2\.0$", text, re.M)
    assert re.search(r"^recruit_outbox_failed_emails 1\.0$", text, re.M)
    age = float(re.search(r"^recruit_outbox_oldest_pending_email_age_seconds (\S+)$", text, re.M).group(1))
    assert 7200 <= age < 7300
    with app.app_context():
        _db.session.execute(OutboxEmail.__table__.delete())
        _db.session.commit()
    assert re.search(r"^recruit_outbox_oldest_pending_email_age_seconds 0\.0$", metrics_text(client), re.M)


# --- request logs and personal data -------------------------------------------------------------------------------


def test_one_json_line_per_request_with_its_request_id(app, client, request_log):
    placement_id = make_placement(app)
    anonymous = app.test_client(use_cookies=False)
    responses = [anonymous.get(f"/placements/{placement_id}") for _ in range(2)] + [anonymous.get("/nowhere")]
    lines = request_log()
    assert [line["request_id"] for line in lines] == [r.headers["X-Request-Id"] for r in responses]
    assert [(line["status"], line["route"], line["page_cache"]) for line in lines] == [
        (200, "/placements/<int:placement_id>", "miss"),
        (200, "/placements/<int:placement_id>", "hit"),
        (404, None, None),
    ]
    assert all(line["event"] == "request" and line["method"] == "GET" and line["duration_ms"] >= 0 for line in lines)


def test_no_metric_or_log_line_carries_personal_data(app, client, login_as, request_log):
    email = "jane.private.person@example.org"
    login_as("candidate", email=email)
    secrets = [
        email,
        "Jane",
        "Privateperson",
        "E8 1DY",
        "E8+1DY",
        "E8%201DY",
        "198.51.100.7",
        "Agent-Jane-Browser",
        "tok3n-secret-value",
    ]
    headers = {"User-Agent": "Agent-Jane-Browser", "X-Forwarded-For": "198.51.100.7", "Referer": "https://x/Jane"}
    client.get("/placements/?q=Jane+Privateperson&postcode=E8+1DY", headers=headers)
    client.get("/api/v1/placements?q=Jane&postcode=E8%201DY", headers=headers)
    client.get("/confirm-email/tok3n-secret-value", headers=headers)
    client.get("/candidates/", headers=headers)
    client.post("/sign-in", data={"email": email, "password": "Jane"}, headers=headers)
    logged = "\n".join(json.dumps(line) for line in request_log())
    assert logged.count('"event": "request"') >= 5
    exposed = logged + metrics_text(client)
    assert not [secret for secret in secrets if secret.lower() in exposed.lower()]
    assert not re.search(r"[\w.]+@[\w.]+", exposed)  # no email address at all


@pytest.mark.fresh_database  # the readiness check and reports use connections of their own
def test_warm_up_answers_the_busiest_pages_and_keeps_nothing_in_the_cache(app, request_log):
    make_placement(app)
    warm_up(app)
    assert [(line["route"], line["status"]) for line in request_log() if line["status"] != 200] == []
    assert page_cache_entries(app) == 0


def test_gunicorn_warms_each_worker_of_this_app_before_it_takes_traffic(app, request_log, monkeypatch, tmp_path):
    import runpy
    from pathlib import Path
    from types import SimpleNamespace

    from flask import Flask

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))  # the settings file would otherwise pick one
    settings = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    assert settings["control_socket_disable"] is True
    settings["post_worker_init"](SimpleNamespace(wsgi=Flask("hello")))  # another app (the benchmark's) is left alone
    assert request_log() == []
    settings["post_worker_init"](SimpleNamespace(wsgi=app))
    assert {"/", "/placements/", "/how-matching-works", "/api/v1/placements"} <= {
        line["route"] for line in request_log()
    }
