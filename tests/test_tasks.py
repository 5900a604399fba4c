"""The task queue: a real worker (SQLite storage and Redis storage) computes runs and writes emails to its log;
failed tasks are retried, then recorded for admins; the periodic tasks replace cron."""

import logging
import signal
import time
import uuid
from datetime import datetime, timedelta

import pytest

from recruit.extensions import db
from recruit.models import MatchRun, OutboxEmail, StageChange, Suggestion, TaskFailure, utcnow
from tests.factories import make_candidate, make_placement
from tests.matching_data import Poster, run
from tests.page_checks import visible_words

REDIS_URL = "redis://127.0.0.1:6379/0"


def _wait_for(condition, seconds=30.0):
    """Poll until condition() is true; fail with a message after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"gave up after {seconds} s waiting for the worker")


@pytest.fixture(params=["sqlite", "redis"])
def worker(request, app, tmp_path):
    """A real Huey consumer in this process (two worker threads) on SQLite or Redis storage with a unique name."""
    from huey.storage import RedisStorage, SqliteStorage

    from recruit import tasks

    name = f"recruit-test-{uuid.uuid4().hex}"
    if request.param == "redis":
        import redis

        try:
            redis.Redis.from_url(REDIS_URL).ping()
        except redis.RedisError as error:  # .ci/run starts Redis: a missing server is a failure, never a skip
            pytest.fail(f"Redis at {REDIS_URL} does not answer: {error}")
        storage = RedisStorage(name, url=REDIS_URL)
    else:
        storage = SqliteStorage(name, filename=str(tmp_path / "tasks.db"))
    memory = tasks.huey.storage
    tasks.huey._immediate, tasks.huey.storage = False, storage
    tasks.bind_app(app)
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    consumer = tasks.huey.create_consumer(workers=2, worker_type="thread", periodic=False, scheduler_interval=1)
    consumer.start()
    yield request.param
    consumer.stop(graceful=True)
    for sig, handler in handlers.items():
        signal.signal(sig, handler)
    storage.flush_all()  # only this test's keys (their names carry the uuid), never the whole Redis
    tasks.huey.storage, tasks.huey._immediate = memory, True
    tasks.bind_app(None)


def _status(app, run_id) -> str:
    with app.app_context():
        db.session.expire_all()
        return db.session.get_one(MatchRun, run_id).status


@pytest.mark.fresh_database  # the worker's threads must see the test's commits
def test_a_worker_computes_the_run_and_writes_every_email_in_full_to_its_log(
    app, client, login_as, make_user, worker, caplog
):
    caplog.set_level(logging.INFO, logger="recruit.outbox")
    placement = make_placement(app, title="Cyber security apprentice")
    person = make_candidate(app, make_user, [placement])
    login_as("admin", None)
    response = Poster(client, "/admin/match-runs")("/admin/match-runs", {"round": "1", "seed": "4"})
    assert response.status_code == 302
    run_id = int(response.location.rsplit("/", 1)[1])
    _wait_for(lambda: _status(app, run_id) == "preview")
    page = visible_words(client.get(f"/admin/match-runs/{run_id}").get_data(as_text=True))
    assert "Preview" in page and "Suggestions made 1" in page

    response = Poster(client, "/admin/match-runs")(f"/admin/match-runs/{run_id}/publish")
    assert response.status_code == 302

    def sent():
        with app.app_context():
            return (
                db.session.scalar(db.select(OutboxEmail.status).where(OutboxEmail.recipient == person.email)) == "sent"
            )

    _wait_for(sent, 10)  # within seconds of publishing, with no one running `flask outbox send`
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert f"to {person.email}: You have been suggested for an apprenticeship" in logged
    assert "Cyber security apprentice" in logged and "http://localhost/candidates/" in logged  # the link, in full


@pytest.mark.fresh_database  # the worker's threads must see the test's commits
def test_a_failing_task_is_retried_then_shown_to_admins_with_its_error(app, client, login_as, worker, monkeypatch):
    from recruit import tasks
    from recruit.services import matching
    from recruit.services.matching import start_run

    calls = []

    def broken(run_id, today=None):
        calls.append(run_id)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(matching, "compute_run", broken)
    with app.app_context():
        run_id = start_run(1, 1, enqueue=False).id
    task = tasks.match_run_task.s(run_id)
    task.retries, task.retry_delay = 1, 0.1  # the real settings wait 10 s, then 20, 40, 80: too long for a test
    tasks.huey.enqueue(task)
    _wait_for(lambda: _status(app, run_id) == "failed", 20)
    assert calls == [run_id, run_id]  # tried, then tried again
    with app.app_context():
        failure = db.session.scalar(db.select(TaskFailure))
        assert (failure.task, failure.arguments) == ("match_run_task", repr(run_id))
    login_as("admin", None)
    page = visible_words(client.get("/admin/tasks").get_data(as_text=True))
    assert "match_run_task" in page and "RuntimeError: the database went away" in page
    page = visible_words(client.get(f"/admin/match-runs/{run_id}").get_data(as_text=True))
    assert "This run failed" in page and "RuntimeError: the database went away" in page
    from recruit.services.matching import run_match  # and the next run is not blocked by it

    with app.app_context():
        monkeypatch.undo()
        assert run_match(1, 1).status == "preview"


def test_tasks_retry_with_a_doubling_wait():
    from recruit import tasks

    for task in (tasks.match_run_task, tasks.send_outbox_task, tasks.close_expired_placements):
        instance = task.s()
        assert (instance.retries, instance.retry_delay) == (4, 10)
        assert instance.retry_backoff == 2  # 10 s, 20 s, 40 s, 80 s


def test_periodic_tasks_replace_cron():
    from recruit import tasks

    def due(hour, minute, weekday_date="2026-01-05"):  # 5 January 2026 is a Monday
        moment = datetime.fromisoformat(f"{weekday_date}T{hour:02d}:{minute:02d}")
        return sorted(task.name for task in tasks.huey.read_periodic(moment))

    assert due(0, 5) == ["close_expired_placements", "send_outbox_every_minute"]
    assert due(2, 30) == ["purge_expired_applications", "send_outbox_every_minute"]
    assert due(3, 0) == ["recluster_equality_answers", "send_outbox_every_minute"]
    assert due(8, 0) == ["remind_recruiters_weekly", "send_outbox_every_minute"]
    assert due(8, 0, "2026-01-06") == ["send_outbox_every_minute"]
    assert due(13, 17) == ["send_outbox_every_minute"]
    assert due(0, 15) == ["expire_unanswered_offers", "send_outbox_every_minute"]
    assert due(18, 0) == ["send_interview_reminders", "send_outbox_every_minute"]
    assert due(7, 0) == ["send_outbox_every_minute", "send_placement_alerts_daily"]


def test_the_scheduled_jobs_do_their_work(app, make_user):
    from recruit import tasks
    from recruit.models import Placement

    expired = make_placement(app, closing_date=datetime.now().date() - timedelta(days=1))
    fresh = make_placement(app)
    make_candidate(app, make_user, [fresh])
    (suggestion,) = run(app).suggestions
    recruiter = make_user("recruiter", "hackney")
    with app.app_context():
        assert tasks.close_expired_placements.call_local() == 1
        assert db.session.get(Placement, expired).status == "closed"
        assert tasks.remind_recruiters_weekly.call_local() == 0  # nothing has waited a week yet
        db.session.execute(
            db.update(StageChange)
            .where(StageChange.suggestion_id == suggestion.id)
            .values(at=utcnow() - timedelta(days=8))
        )
        db.session.commit()
        assert tasks.remind_recruiters_weekly.call_local() == 1
        email = db.session.scalar(db.select(OutboxEmail).where(OutboxEmail.template == "recruiter_reminder"))
        assert email.recipient == recruiter.email
        assert (
            "1 suggested candidate has waited 7 days or more for a decision on Hackney's placements." in email.text_body
        )
        assert "http://localhost/recruiters/" in email.text_body
        assert tasks.purge_expired_applications.call_local() == 0
        assert tasks.send_outbox_task.call_local()["sent"] >= 2
        assert db.session.scalar(db.select(db.func.count()).select_from(Suggestion)) == 1
