"""The transactional outbox: emails are written with the change they report, and sent later."""

import base64
import logging
import time
from datetime import timedelta

from flask import current_app, render_template
from flask_mail import Message
from sqlalchemy import select

from .extensions import db, mail
from .models import OutboxEmail, utcnow

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=6)


def queue_email(recipient: str, template: str, subject: str, attachments: list[dict] | None = None,
                **context) -> OutboxEmail:
    """Render templates/email/<template>.txt and .html into an outbox row in the caller's transaction."""
    context = {"subject": subject, "base_url": current_app.config["PUBLIC_BASE_URL"], **context}
    email = OutboxEmail(
        recipient=recipient,
        subject=subject,
        template=template,
        text_body=render_template(f"email/{template}.txt", **context),
        html_body=render_template(f"email/{template}.html", **context),
        next_attempt_at=utcnow(),
        attachments=list(attachments or []),
    )
    db.session.add(email)
    return email


def backoff(attempts: int) -> timedelta:
    """How long to wait before trying again: 1, 2, 4 … minutes, at most six hours."""
    minutes = 2 ** min(max(attempts - 1, 0), 20)  # the exponent is capped so huge counts cannot overflow
    return min(timedelta(minutes=minutes), MAX_BACKOFF)


def _claim_due(batch_size: int) -> list[OutboxEmail]:
    """Lock a batch of due emails; SKIP LOCKED lets several workers share the queue on PostgreSQL."""
    statement = (
        select(OutboxEmail)
        .where(OutboxEmail.status == "pending", OutboxEmail.next_attempt_at <= utcnow())
        .order_by(OutboxEmail.id)
        .limit(batch_size)
    )
    if db.engine.dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    return list(db.session.scalars(statement))


def _deliver(email: OutboxEmail) -> None:
    """Send through SMTP, or write to the log when no MAIL_SERVER is configured (development)."""
    if not current_app.config.get("MAIL_SERVER"):
        log.info("Email (not sent: no MAIL_SERVER) to %s: %s\n%s", email.recipient, email.subject, email.text_body)
        return
    message = Message(subject=email.subject, recipients=[email.recipient], body=email.text_body, html=email.html_body)
    for attachment in email.attachments or []:
        data = (base64.b64decode(attachment["base64"]) if "base64" in attachment
                else attachment["text"].encode("utf-8"))
        message.attach(attachment["filename"], attachment["content_type"], data)
    mail.send(message)


def send_due_emails(batch_size: int = 50) -> dict:
    """Send every due email once; failures are retried later with backoff. Returns counts."""
    counts = {"sent": 0, "retrying": 0, "failed": 0}
    max_attempts = current_app.config["OUTBOX_MAX_ATTEMPTS"]
    while True:
        batch = _claim_due(batch_size)
        if not batch:
            break
        for email in batch:
            email.attempts += 1
            try:
                _deliver(email)
            except Exception as error:  # any SMTP or network failure: keep the email and try again later
                email.last_error = f"{type(error).__name__}: {error}"[:1000]
                if email.attempts >= max_attempts:
                    email.status = "failed"
                    counts["failed"] += 1
                else:
                    email.next_attempt_at = utcnow() + backoff(email.attempts)
                    counts["retrying"] += 1
                log.warning("Email %s not sent (attempt %s): %s", email.id, email.attempts, email.last_error)
            else:
                email.status = "sent"
                email.sent_at = utcnow()
                email.last_error = None
                counts["sent"] += 1
        db.session.commit()  # releases the row locks batch by batch
    return counts


def run_worker(interval_seconds: float = 5.0, max_loops: int | None = None) -> None:
    """Send due emails in a loop until stopped (or for `max_loops` rounds)."""
    loops = 0
    while max_loops is None or loops < max_loops:
        counts = send_due_emails()
        if any(counts.values()):
            log.info("Outbox: %s", counts)
        loops += 1
        time.sleep(interval_seconds)
