"""The audit log for admins: filter by who, what, which record and when; page through it; download it as CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, select

from ...extensions import db
from ...models import AuditEvent, User
from ...parsing import parse_date, whole_number
from .. import count_rows
from ..placements.bulk import safe_cell

MAX_CSV_ROWS = 100_000
# How the date filters are written, for their hints and messages alike: day, month and year, as GOV.UK asks for
# dates (2026-09-01 and 1/9/2026 are understood too).
DATE_EXAMPLES = {"date_from": "1 9 2026", "date_to": "30 9 2026"}
FILTER_PARAMETERS = ("who", "action", "entity_type", "entity_id", "date_from", "date_to")
CSV_COLUMNS = ("id", "when_utc", "who", "action", "record_type", "record_id", "borough_id", "detail")


@dataclass
class AuditFilters:
    who: str = ""  # part of an email address
    action: str = ""
    entity_type: str = ""
    entity_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


@dataclass
class AuditPage:
    events: list[tuple[AuditEvent, str | None]] = field(default_factory=list)  # each with its actor's email
    total: int = 0


def audit_choices() -> tuple[list[str], list[str]]:
    """The actions and record types the log holds, for the filter form."""
    actions = list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
    types = list(db.session.scalars(select(AuditEvent.entity_type).distinct().order_by(AuditEvent.entity_type)))
    return actions, types


def parse_audit_filters(args: Mapping[str, str]) -> tuple[AuditFilters, dict[str, str]]:
    """Check the log's filters from a query string; return them and {field: message}."""
    errors: dict[str, str] = {}
    text = {name: _text(args.get(name, "")) for name in FILTER_PARAMETERS}
    who = text["who"]
    if len(who) > 254:  # no email address is longer
        errors["who"] = "Enter part of an email address, in 254 characters or fewer"
    actions, types = audit_choices()
    # Checked in this order, so the error summary lists the problems in the order of the form.
    filters = AuditFilters(
        who=who,
        action=_choice(text["action"], actions, "action", "Select an action from the list", errors),
        entity_type=_choice(text["entity_type"], types, "entity_type", "Select a record type from the list", errors),
        entity_id=_record_number(text["entity_id"], errors),
        date_from=_date_filter(text["date_from"], "date_from", "From", errors),
        date_to=_date_filter(text["date_to"], "date_to", "To", errors),
    )
    if filters.date_from and filters.date_to and filters.date_to < filters.date_from and "date_to" not in errors:
        errors["date_to"] = "To date must be the same as or after the from date"
    return filters, errors


def _text(value: object) -> str:
    """A parameter's text, trimmed; anything but a string counts as empty."""
    return value.strip() if isinstance(value, str) else ""


def _choice(value: str, allowed: Sequence[str], name: str, message: str, errors: dict[str, str]) -> str:
    """A value chosen from a list (or empty, for any)."""
    if value and value not in allowed:
        errors[name] = message
    return value


def _record_number(value: str, errors: dict[str, str]) -> int | None:
    """A record's number, or None when not given (or not a number, which is an error)."""
    if not value:
        return None
    number = whole_number(value)
    if number is None:
        errors["entity_id"] = "Record number must be a whole number, like 42"
    return number


def _date_filter(value: str, name: str, label: str, errors: dict[str, str]) -> date | None:
    """A from or to date, or None when not given (or not a date, which is an error)."""
    if not value:
        return None
    parsed, message = parse_date(value, f"{label} date", example=DATE_EXAMPLES[name])
    if message:
        errors[name] = message
    return parsed


def _statement(filters: AuditFilters) -> Select[tuple[AuditEvent, str]]:
    """The events matching the filters, each with its actor's email (None for the system), newest first."""
    statement = select(AuditEvent, User.email).outerjoin(User, User.id == AuditEvent.actor_id)
    if filters.who:
        statement = statement.where(User.email.icontains(filters.who.lower(), autoescape=True))
    if filters.action:
        statement = statement.where(AuditEvent.action == filters.action)
    if filters.entity_type:
        statement = statement.where(AuditEvent.entity_type == filters.entity_type)
    if filters.entity_id is not None:
        statement = statement.where(AuditEvent.entity_id == filters.entity_id)
    if filters.date_from:
        statement = statement.where(AuditEvent.at >= datetime.combine(filters.date_from, time.min, tzinfo=UTC))
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min, tzinfo=UTC)
        statement = statement.where(AuditEvent.at < end)
    return statement.order_by(AuditEvent.id.desc())


def audit_page(filters: AuditFilters, page: int, per_page: int) -> AuditPage:
    """One page of events matching the filters, newest first, and how many match."""
    statement = _statement(filters)
    total = count_rows(statement.order_by(None))
    # The email is None for an event with no actor (the outer join): wider than the column's type says.
    rows: list[tuple[AuditEvent, str | None]] = list(
        db.session.execute(statement.limit(per_page).offset((page - 1) * per_page)).tuples()
    )
    return AuditPage(rows, total)


def describe_detail(detail: Mapping[str, Any] | None) -> str:
    """An event's detail as one line: key: value; key: value."""
    return "; ".join(
        f"{key}: {json.dumps(value) if isinstance(value, (list, dict)) else value}"
        for key, value in sorted((detail or {}).items())
    )


def audit_csv(filters: AuditFilters) -> str:
    """The events matching the filters as CSV; a cell that starts like a formula is written as text."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for event, email in db.session.execute(_statement(filters).limit(MAX_CSV_ROWS)).tuples():
        writer.writerow(
            [
                safe_cell(value)
                for value in (
                    event.id,
                    event.at.isoformat(),
                    email or ("system" if event.actor_id is None else f"user {event.actor_id}"),
                    event.action,
                    event.entity_type,
                    event.entity_id,
                    event.borough_id,
                    describe_detail(event.detail),
                )
            ]
        )
    return out.getvalue()
