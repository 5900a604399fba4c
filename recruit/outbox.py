"""The transactional outbox: emails are written with the change they report, and sent later."""

import base64
import logging
import smtplib
from collections.abc import Iterable, Iterator
from datetime import timedelta

from flask import current_app
from flask_mail import Message, sanitize_address, sanitize_addresses
from jinja2 import Environment
from jinja2.defaults import DEFAULT_NAMESPACE
from sqlalchemy import select

from .bulk_insert import insert_rows
from .extensions import db, this_app
from .models import OutboxEmail, utcnow

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=6)


def email_fields(recipient: str, template: str, subject: str, attachments: list[dict] | None = None, **context) -> dict:
    """Render templates/email/<template>.txt and .html into the columns of an outbox row (with any attachments:
    dicts of filename, content_type and base64 or text)."""
    return {**next(email_rows(template, [(recipient, subject, context)])), "attachments": list(attachments or [])}


def _email_templates() -> Environment:
    """The app's Jinja environment (same loader, filters and whitespace rules) without the pages' globals.

    An email uses only what it is given, and copying the pages' globals (request, session, CSRF token …) into every
    render was a fifth of the time it took to write a round's 100,000 emails."""
    app = this_app()
    if "email_templates" not in app.extensions:
        environment = app.jinja_env.overlay()  # its own template cache, so its templates see only its globals
        environment.globals = dict(DEFAULT_NAMESPACE)
        app.extensions["email_templates"] = environment
    return app.extensions["email_templates"]


def email_rows(template: str, emails: Iterable[tuple[str, str, dict]]) -> Iterator[dict]:
    """Outbox rows for many emails made from one template, each (recipient, subject, context) rendered in turn."""
    environment = _email_templates()
    text, html = environment.get_template(f"email/{template}.txt"), environment.get_template(f"email/{template}.html")
    base_url, now = current_app.config["PUBLIC_BASE_URL"], utcnow()
    for recipient, subject, context in emails:
        context = {"subject": subject, "base_url": base_url, **context}
        yield {
            "recipient": recipient,
            "subject": subject,
            "template": template,
            "text_body": text.render(context),
            "html_body": html.render(context),
            "next_attempt_at": now,
        }


def _nudge_worker() -> None:
    """Ask for the outbox to be sent as soon as the caller's transaction commits (see tasks.py)."""
    db.session.info["emails_queued"] = True


def queue_email(
    recipient: str, template: str, subject: str, attachments: list[dict] | None = None, **context
) -> OutboxEmail:
    """Render an email into an outbox row in the caller's transaction."""
    email = OutboxEmail(**email_fields(recipient, template, subject, attachments=attachments, **context))
    db.session.add(email)
    _nudge_worker()
    return email


def queue_emails(rows: Iterable[dict]) -> int:
    """Add many rendered emails (from email_rows, which may be a generator) to the caller's transaction."""
    count = insert_rows(OutboxEmail, rows)
    if count:
        _nudge_worker()
    return count


def backoff(attempts: int) -> timedelta:
    """How long to wait before trying again: 1, 2, 4 … minutes, at most six hours."""
    minutes = 2 ** min(max(attempts - 1, 0), 20)  # the exponent is capped so huge counts cannot overflow
    return min(timedelta(minutes=minutes), MAX_BACKOFF)


def _claim_next() -> OutboxEmail | None:
    """Lock the next due email. One row at a time, with SKIP LOCKED on PostgreSQL: while one worker waits on a slow
    SMTP server, only the email it is sending is locked, and other workers send the rest."""
    statement = (
        select(OutboxEmail)
        .where(OutboxEmail.status == "pending", OutboxEmail.next_attempt_at <= utcnow())
        .order_by(OutboxEmail.id)
        .limit(1)
    )
    if db.engine.dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    return db.session.scalars(statement).first()


class _Smtp:
    """One SMTP connection for a round of sending, opened when first needed, with a timeout on every step."""

    def __init__(self, config):
        self.config = config
        self.connection = None

    def send(self, message: Message) -> None:
        if self.connection is None:
            config = self.config
            factory = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
            self.connection = factory(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"])
            if config["MAIL_USE_TLS"]:
                self.connection.starttls()
            if config.get("MAIL_USERNAME"):
                self.connection.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        # Envelope addresses as Flask-Mail's own sender writes them (a "Name <address>" pair becomes one address).
        envelope_to = sanitize_addresses(message.send_to)
        self.connection.sendmail(sanitize_address(message.sender), envelope_to, message.as_bytes())

    def close(self) -> None:
        """Close the connection, or drop it if it has already failed."""
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                self.connection.close()
            self.connection = None


def _deliver(email: OutboxEmail, smtp: _Smtp) -> None:
    """Send through SMTP, or write to the log when no MAIL_SERVER is configured (development)."""
    if not current_app.config.get("MAIL_SERVER"):
        if current_app.config["PRODUCTION"]:
            # Bodies carry sign-in and reset links: in production they never go to the log.
            log.warning("Email %s to %s not sent: no MAIL_SERVER (body not logged)", email.id, email.recipient)
        else:
            log.info("Email (not sent: no MAIL_SERVER) to %s: %s\n%s", email.recipient, email.subject, email.text_body)
        return
    message = Message(subject=email.subject, recipients=[email.recipient], body=email.text_body, html=email.html_body)
    for attachment in email.attachments or []:
        data = base64.b64decode(attachment["base64"]) if "base64" in attachment else attachment["text"].encode("utf-8")
        message.attach(attachment["filename"], attachment["content_type"], data)
    try:
        smtp.send(message)
    except Exception:
        smtp.close()  # a broken or timed-out connection is not reused
        raise


def send_due_emails(batch_size: int | None = None) -> dict:
    """Send every due email once, committing each as soon as it is delivered (so a crash re-sends at most the one
    being sent); failures are retried later with backoff. `batch_size` caps how many are tried. Returns counts."""
    counts = {"sent": 0, "retrying": 0, "failed": 0}
    max_attempts = current_app.config["OUTBOX_MAX_ATTEMPTS"]
    smtp = _Smtp(current_app.config)
    try:
        while batch_size is None or sum(counts.values()) < batch_size:
            email = _claim_next()
            if email is None:
                break
            email.attempts += 1
            try:
                _deliver(email, smtp)
            except Exception as error:  # any SMTP or network failure, timeouts included: keep it and try again later
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
                # The bodies held links (sign-in, reset) and personal details: once delivered they are not kept.
                email.text_body = email.html_body = ""
                email.attachments = []  # an offer letter is personal too
                counts["sent"] += 1
            db.session.commit()  # one email per transaction: marked sent the moment it is delivered
    finally:
        smtp.close()
    return counts
