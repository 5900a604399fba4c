"""Reference data admins look after: which boroughs take part and how to contact them, the standards catalogue,
and what the retention rule will delete next."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import case, func, select, union_all

from ...audit import record_event
from ...extensions import db
from ...models import Borough, Choice, Placement, PlacementStatus, Standard, Suggestion
from ..candidates.data import months_before, purgeable_candidates
from ..errors import ServiceError


def list_boroughs() -> list[Borough]:
    """Every borough, by name."""
    return list(db.session.scalars(select(Borough).order_by(Borough.name)))


def borough_by_slug(slug: str) -> Borough | None:
    return db.session.scalar(select(Borough).where(Borough.slug == slug))


def update_borough(borough: Borough, taking_part: bool, contact_email: str, contact_phone: str) -> Borough:
    """Record whether a borough takes part and the contact details candidates see on its placements."""
    values = {
        "taking_part": bool(taking_part),
        "contact_email": contact_email.strip().lower(),
        "contact_phone": contact_phone.strip(),
    }
    changed = sorted(name for name, value in values.items() if getattr(borough, name) != value)
    for name, value in values.items():
        setattr(borough, name, value)
    if changed:
        record_event("borough.updated", borough, fields=changed)
    db.session.commit()
    return borough


def list_standards() -> list[Standard]:
    """The catalogue, by reference."""
    return list(db.session.scalars(select(Standard).order_by(Standard.reference)))


def standard_by_reference(reference: str) -> Standard | None:
    return db.session.scalar(select(Standard).where(Standard.reference == reference.upper()))


STANDARD_FIELDS = ("title", "level", "duration_months", "keywords", "summary")


def add_standard(reference: str, values: Mapping[str, Any]) -> Standard:
    """Add a standard to the catalogue; its reference must be new."""
    reference = reference.strip().upper()
    if standard_by_reference(reference) is not None:
        raise ServiceError(f"{reference} is already in the catalogue. Change it instead.", "reference")
    standard = Standard(reference=reference, **{name: values[name] for name in STANDARD_FIELDS})
    db.session.add(standard)
    db.session.flush()
    record_event("standard.added", standard, reference=reference)
    db.session.commit()
    return standard


def update_standard(standard: Standard, values: Mapping[str, Any]) -> Standard:
    """Change a standard's title, level, duration, skills terms or summary."""
    changed = sorted(name for name in STANDARD_FIELDS if getattr(standard, name) != values[name])
    for name in STANDARD_FIELDS:
        setattr(standard, name, values[name])
    if changed:
        record_event("standard.updated", standard, reference=standard.reference, fields=changed)
    db.session.commit()
    return standard


@dataclass(frozen=True)
class RetentionStatus:
    months: int
    due_now: int  # applications the next daily purge deletes
    next_date: date | None  # the first day after today on which a further application becomes due (None: none yet)


def retention_status(today: date | None = None) -> RetentionStatus:
    """The retention period in force, how many applications are due for deletion, and when the next ones fall due."""
    today = today or date.today()
    months = current_app.config["RETENTION_MONTHS"]
    due_now = len(purgeable_candidates(months, today))
    # An application falls due the day after its last chosen or suggested placement closed `months` months ago,
    # once none of them is live any more.
    links = union_all(
        select(Choice.candidate_id.label("candidate_id"), Choice.placement_id.label("placement_id")),
        select(Suggestion.candidate_id, Suggestion.placement_id),
    ).subquery()
    per_candidate = (
        select(
            links.c.candidate_id,
            func.max(Placement.closing_date).label("last_closing"),
            func.max(case((Placement.status == PlacementStatus.LIVE.value, 1), else_=0)).label("live"),
        )
        .join(Placement, Placement.id == links.c.placement_id)
        .group_by(links.c.candidate_id)
        .subquery()
    )
    cutoff = months_before(today, months)
    last = db.session.scalar(
        select(func.min(per_candidate.c.last_closing)).where(
            per_candidate.c.live == 0, per_candidate.c.last_closing >= cutoff
        )
    )
    next_date = None
    if last is not None:
        next_date = today + timedelta(days=1)
        while months_before(next_date, months) <= last:  # at most a few hundred steps: months are short
            next_date += timedelta(days=1)
    return RetentionStatus(months, due_now, next_date)
