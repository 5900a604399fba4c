"""Background work on the Huey task queue: match runs, sending the outbox, and the scheduled jobs.

Storage comes from TASK_QUEUE_URL: a SQLite file under instance/ by default (one machine, no extra service),
or `redis://host:6379/0` in production, where workers on many machines share one queue. Workers run as their
own processes: `flask tasks worker` (`make run` starts one beside the web server). Each task runs inside the
app's context, so it uses the same services, database and settings as the web pages.

A task that raises is tried again after a wait that doubles each time; one that fails every try is recorded
(`TaskFailure`) and shown to admins on /admin/tasks. Emails are sent as soon as the transaction that queued them
commits (the outbox asks for it), and every minute anything due for a retry is sent.
"""

from __future__ import annotations

import functools
import logging
import os
from datetime import date

from flask import Flask, current_app, has_app_context
from huey import Huey, crontab
from huey.signals import SIGNAL_ERROR
from huey.storage import RedisStorage, SqliteStorage
from sqlalchemy import event

from .config import INSTANCE_PATH, task_queue_url
from .extensions import db

log = logging.getLogger(__name__)

RETRIES = 4  # after the first try: waits of 10 s, 20 s, 40 s, 80 s
RETRY_DELAY = 10
RETRY_BACKOFF = 2


def make_huey(url: str | None = None, name: str = "recruit") -> Huey:
    """A Huey on Redis for a redis:// URL, else on a SQLite file (sqlite:///path, default instance/tasks.db)."""
    url = task_queue_url() if url is None else url
    if url.startswith(("redis://", "rediss://", "unix://")):
        return Huey(name, storage_class=RedisStorage, url=url)
    path = url.removeprefix("sqlite:///") if url else str(INSTANCE_PATH / "tasks.db")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    return Huey(name, storage_class=SqliteStorage, filename=path)


huey = make_huey()
_app: Flask | None = None


def bind_app(app: Flask) -> None:
    """The app whose context tasks run in when the worker has none (the worker command calls this)."""
    global _app
    _app = app


def _in_app(function):
    """Run a task inside an app context: the caller's (immediate mode, tests) or the bound app's (a worker)."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if has_app_context():
            return function(*args, **kwargs)
        global _app
        if _app is None:
            from . import create_app

            _app = create_app()
        with _app.app_context():
            try:
                return function(*args, **kwargs)
            finally:
                db.session.remove()

    return wrapper


def _task(**options):
    """huey.task with the project's retries and backoff, inside the app."""

    def decorate(function):
        return huey.task(
            retries=RETRIES, retry_delay=RETRY_DELAY, retry_backoff=RETRY_BACKOFF, name=function.__name__, **options
        )(_in_app(function))

    return decorate


def _periodic(schedule):
    """huey.periodic_task with the project's retries and backoff, inside the app."""

    def decorate(function):
        return huey.periodic_task(
            schedule, retries=RETRIES, retry_delay=RETRY_DELAY, retry_backoff=RETRY_BACKOFF, name=function.__name__
        )(_in_app(function))

    return decorate


# --- Tasks ------------------------------------------------------------------------------------------


@_task()
def match_run_task(run_id: int, today: str | None = None):
    """Compute a match run started from the admin page into a preview."""
    from .services.matching import compute_run

    compute_run(run_id, date.fromisoformat(today) if today else None)
    return run_id


@_task()
def notify_outcomes_task(run_id: int):
    """Email every candidate in a run just published: their suggestion, or why they have none."""
    from .services.matching import outcomes

    return outcomes.notify_outcomes(run_id)


# One sender at a time, across every worker: SQLite has no SKIP LOCKED, so two senders could both send an email.
# A sender that finds the lock taken fails with TaskLockedException and is retried after RETRY_DELAY.
outbox_lock = huey.lock_task("send-outbox")


@_task()
def send_outbox_task():
    """Send every due email (or, with no MAIL_SERVER, write each in full to the worker's log)."""
    from .outbox import send_due_emails

    with outbox_lock:
        return send_due_emails()


@_periodic(crontab(minute="*"))
def send_outbox_every_minute():
    """Send emails whose retry is due (new emails are sent at once by send_outbox_task)."""
    from .outbox import send_due_emails

    with outbox_lock:
        return send_due_emails()


@_periodic(crontab(minute="5", hour="0"))
def close_expired_placements():
    """Close live placements whose closing date has passed, just after midnight."""
    from .services.placements import close_expired

    return close_expired()


@_periodic(crontab(minute="30", hour="2"))
def purge_expired_applications():
    """Delete applications past the retention period, every night."""
    from .services.candidates.data import purge

    return purge(current_app.config["RETENTION_MONTHS"])


@_periodic(crontab(minute="0", hour="3"))
def recluster_equality_answers():
    """Rewrite the equality answers in pseudonym order every night, so the table's order shows nothing."""
    from .services.monitoring import recluster_answers

    return recluster_answers()


@_periodic(crontab(minute="15", hour="0"))
def expire_unanswered_offers():
    """Just after midnight: close offers not answered by their date, freeing the positions and telling both sides."""
    from .services.offers import expire_offers

    return expire_offers()


@_periodic(crontab(minute="0", hour="18"))
def send_interview_reminders():
    """Every evening: remind everyone with an interview tomorrow (London time), once per booking."""
    from .services.interviews import send_reminders

    return send_reminders()


@_periodic(crontab(minute="0", hour="7"))
def send_placement_alerts_daily():
    """Every morning: email each placement alert's owner the matching placements published since the last email."""
    from .services.alerts import send_alerts

    return send_alerts()


@_periodic(crontab(minute="0", hour="8", day_of_week="1"))
def remind_recruiters_weekly():
    """Monday mornings: remind recruiters of suggestions waiting a week or more for a decision."""
    from .services.reminders import remind_recruiters

    return remind_recruiters()


# --- Failures: recorded for the admin when the last retry fails ---------------------------------------


@huey.signal(SIGNAL_ERROR)
def _record_failure(signal, task, exc=None):
    """Keep a task that has used up its retries, with its error; a failed match run is marked failed."""
    if task.retries:
        return  # it will be tried again
    error = f"{type(exc).__name__}: {exc}" if exc is not None else "Unknown error"

    @_in_app
    def record():
        from .services.matching import fail_run
        from .services.tasks import record_failure

        record_failure(task.name, ", ".join(map(repr, task.args)), error, RETRIES + 1)
        if task.name == "match_run_task" and task.args:
            fail_run(task.args[0], error)

    try:
        record()
    except Exception:  # never let the record of a failure take the worker down
        log.exception("Could not record the failure of task %s", task.name)


# --- Sending emails as soon as they are committed ---------------------------------------------------------


@event.listens_for(db.session, "after_commit")
def _send_queued_emails(session):
    """Ask a worker to send the emails a transaction queued, once it has committed (so the worker can see them)."""
    if session.info.pop("emails_queued", False) and not huey.immediate:
        try:
            send_outbox_task()
        except Exception:  # the queue is down: the periodic sweep sends them later, nothing is lost
            log.exception("Could not queue the outbox task; the next periodic send will pick the emails up")


@event.listens_for(db.session, "after_rollback")
def _forget_queued_emails(session):
    session.info.pop("emails_queued", None)


def run_worker(app: Flask, workers: int = 2) -> None:
    """Run a consumer (with the periodic scheduler) in this process until stopped."""
    bind_app(app)
    # flush_locks: a lock left by a worker that was killed mid-task would otherwise stop sending for good.
    # max_delay: an idle worker looks for work at least every second (Huey's default backs off to 10 s), so a match
    # run or an email starts within a second of being queued; on SQLite storage that is one cheap query a second.
    consumer = huey.create_consumer(
        workers=workers, worker_type="thread", periodic=True, check_worker_health=True, flush_locks=True, max_delay=1.0
    )
    consumer.run()
