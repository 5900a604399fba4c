"""The transactional outbox: nothing is lost when SMTP is down, retries back off, workers share the queue."""

import asyncio
import os
import socket
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from recruit import outbox
from recruit.models import OutboxEmail, utcnow
from recruit.outbox import backoff, queue_email, send_due_emails
from tests.conftest import _free_port


def _queue(db, recipient="ada@example.com"):
    email = queue_email(recipient, "confirm_email", "Confirm your email address", link="http://localhost/x")
    db.session.commit()
    return email.id


def test_email_is_written_in_the_callers_transaction_and_rolled_back_with_it(db):
    queue_email("ada@example.com", "confirm_email", "Confirm your email address", link="http://localhost/x")
    db.session.rollback()
    assert db.session.scalars(select(OutboxEmail)).all() == []


def test_smtp_down_keeps_the_email_and_retries_with_backoff(db, app):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)  # nothing listens on port 1
    app.extensions["mail"].server, app.extensions["mail"].port, app.extensions["mail"].suppress = "127.0.0.1", 1, False
    email_id = _queue(db)
    assert send_due_emails() == {"sent": 0, "retrying": 1, "failed": 0}
    email = db.session.get(OutboxEmail, email_id)
    assert email.status == "pending" and email.attempts == 1 and "ConnectionRefused" in email.last_error
    assert email.next_attempt_at > utcnow() + timedelta(seconds=50)
    assert send_due_emails() == {"sent": 0, "retrying": 0, "failed": 0}  # not due yet: left alone


def test_email_is_sent_once_smtp_is_back(db, app, smtp_server):
    email_id = _queue(db)
    email = db.session.get(OutboxEmail, email_id)
    email.attempts, email.last_error = 3, "earlier outage"
    db.session.commit()
    assert send_due_emails()["sent"] == 1
    email = db.session.get(OutboxEmail, email_id)
    assert email.status == "sent" and email.sent_at is not None and email.last_error is None
    assert [m.recipients for m in smtp_server.messages] == [["ada@example.com"]]
    assert send_due_emails()["sent"] == 0  # never sent twice


def test_gives_up_after_the_configured_attempts(db, app):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, OUTBOX_MAX_ATTEMPTS=2)
    app.extensions["mail"].server, app.extensions["mail"].port, app.extensions["mail"].suppress = "127.0.0.1", 1, False
    email_id = _queue(db)
    send_due_emails()
    db.session.get(OutboxEmail, email_id).next_attempt_at = utcnow()
    db.session.commit()
    assert send_due_emails()["failed"] == 1
    assert db.session.get(OutboxEmail, email_id).status == "failed"


def test_without_mail_server_emails_go_to_the_log(db, caplog):
    _queue(db)
    with caplog.at_level("INFO", logger="recruit.outbox"):
        assert send_due_emails()["sent"] == 1
    assert "ada@example.com" in caplog.text and "Confirm your email address" in caplog.text


def test_backoff_doubles_and_is_capped():
    assert [backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert backoff(50) == timedelta(hours=6)


def test_outbox_command_reports_counts(db, runner):
    _queue(db)
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0 and "Sent 1" in result.output


# --- A hung or failing SMTP server, and crashes mid-round -------------------------------------------------------


@pytest.fixture
def hung_smtp_server(app):
    """A server that accepts connections and never says anything (not even the SMTP greeting)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted = []
    stop = threading.Event()

    def accept_and_hold():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept_and_hold, daemon=True)
    thread.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=listener.getsockname()[1], MAIL_TIMEOUT=1)
    yield accepted
    stop.set()
    thread.join(timeout=5)
    for connection in accepted:
        connection.close()
    listener.close()


def test_a_server_that_accepts_and_never_answers_times_out_and_the_email_waits(db, app, hung_smtp_server):
    email_id = _queue(db)
    started = time.monotonic()
    assert send_due_emails() == {"sent": 0, "retrying": 1, "failed": 0}
    assert time.monotonic() - started < 5 and hung_smtp_server  # it connected, then gave up after MAIL_TIMEOUT
    email = db.session.get(OutboxEmail, email_id)
    assert email.status == "pending" and "timed out" in email.last_error


def test_smtp_timeout_defaults_to_thirty_seconds(app):
    assert app.config["MAIL_TIMEOUT"] == 30


def test_a_crash_mid_round_resends_at_most_the_one_email_being_sent(db, app, smtp_server, monkeypatch):
    ids = [_queue(db, f"person{n}@example.com") for n in range(4)]
    real_deliver = outbox._deliver
    calls = []

    def deliver_then_die_on_the_third(email, smtp):
        calls.append(email.id)
        real_deliver(email, smtp)
        if len(calls) == 3:
            raise SystemExit("worker killed after sending, before recording it")

    monkeypatch.setattr(outbox, "_deliver", deliver_then_die_on_the_third)
    with pytest.raises(SystemExit):
        send_due_emails()
    db.session.rollback()
    monkeypatch.setattr(outbox, "_deliver", real_deliver)
    assert send_due_emails()["sent"] == 2  # the one in flight at the crash, and the one never tried
    received = [m.recipients[0] for m in smtp_server.messages]
    assert len(received) == 5 and len(set(received)) == 4  # one duplicate at most, never the whole round
    assert {db.session.get(OutboxEmail, i).status for i in ids} == {"sent"}


def test_delivered_bodies_are_cleared_and_production_never_logs_them(db, app, smtp_server, caplog):
    email_id = _queue(db)
    send_due_emails()
    email = db.session.get(OutboxEmail, email_id)
    assert email.status == "sent" and email.text_body == "" and email.html_body == ""
    app.config.update(MAIL_SERVER=None, PRODUCTION=True)
    _queue(db, "bo@example.com")
    with caplog.at_level("INFO", logger="recruit.outbox"):
        send_due_emails()
    assert "bo@example.com" in caplog.text and "http://localhost/x" not in caplog.text


class _SlowForSome:
    """An SMTP handler that stalls on recipients whose address starts with 'slow' (a hung server, for them)."""

    def __init__(self):
        self.delivered = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd calls handlers by these names)
        if address.startswith("slow"):
            await asyncio.sleep(4)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd calls handlers by these names)
        self.delivered.append((envelope.rcpt_tos[0], time.monotonic()))
        return "250 Message accepted for delivery"


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="row locks (SKIP LOCKED) are PostgreSQL's; CI runs this on PostgreSQL",
)
@pytest.mark.fresh_database  # concurrent requests on their own connections must see the test's commits
def test_a_hung_send_never_blocks_another_worker(app, db):
    from aiosmtpd.controller import Controller

    handler, port = _SlowForSome(), _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=10)
        _queue(db, "slow@example.com")
        for n in range(3):
            _queue(db, f"fast{n}@example.com")
        results = {}

        def worker(name):
            with app.app_context():
                results[name] = (send_due_emails(), time.monotonic())

        first = threading.Thread(target=worker, args=("first",))
        first.start()
        time.sleep(1)  # the first worker is now stuck on the slow recipient
        second = threading.Thread(target=worker, args=("second",))
        second.start()
        second.join(timeout=20)
        first.join(timeout=20)
        fast_done = max(at for address, at in handler.delivered if address.startswith("fast"))
        slow_done = next(at for address, at in handler.delivered if address.startswith("slow"))
        assert fast_done < slow_done  # the other emails went while the slow one was still hanging
        assert results["second"][0]["sent"] == 3 and results["first"][0]["sent"] == 1
    finally:
        controller.stop()
