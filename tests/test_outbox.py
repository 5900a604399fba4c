"""The transactional outbox: nothing is lost when SMTP is down, retries back off, workers share the queue."""

from datetime import timedelta

from sqlalchemy import select

from recruit.models import OutboxEmail, utcnow
from recruit.outbox import backoff, queue_email, send_due_emails


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
