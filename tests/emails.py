"""The emails the service queued, read as the person they went to would: the latest of a kind, and its link."""

import re

from sqlalchemy import select

from recruit.extensions import db
from recruit.models import OutboxEmail


def last_email(app, template: str) -> OutboxEmail | None:
    """The most recent email queued from this template, if any."""
    with app.app_context():
        return db.session.scalars(
            select(OutboxEmail).where(OutboxEmail.template == template).order_by(OutboxEmail.id.desc())
        ).first()


def link_in(email: OutboxEmail) -> str:
    """The path of the service link in the email's plain text."""
    found = re.search(r"http://localhost(/\S+)", email.text_body)
    assert found, f"no link in the {email.template} email"
    return found.group(1)
