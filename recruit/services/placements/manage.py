"""Borough staff manage their placements: create, edit, publish, close, fill, duplicate; expired ones close."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from ...audit import record_event
from ...extensions import db
from ...models import Borough, Placement, PlacementStatus, Standard, utcnow
from .. import count_rows
from ..cycles import current_cycle_id
from ..errors import ServiceError
from ..scope import in_borough
from .fields import Values, WageRules, validate_placement

EDITABLE = (PlacementStatus.DRAFT.value, PlacementStatus.LIVE.value)
# The changes a person may make, from each status; "closed" also happens by itself after the closing date.
TRANSITIONS = {
    "publish": ({PlacementStatus.DRAFT.value}, PlacementStatus.LIVE.value),
    "close": ({PlacementStatus.LIVE.value}, PlacementStatus.CLOSED.value),
    "fill": ({PlacementStatus.LIVE.value, PlacementStatus.CLOSED.value}, PlacementStatus.FILLED.value),
}


def standards_by_reference() -> dict[str, Standard]:
    """Every standard in the catalogue, by reference (ST0116)."""
    return {s.reference: s for s in db.session.scalars(select(Standard).order_by(Standard.title))}


def boroughs_by_slug() -> dict[str, Borough]:
    """Every borough, by slug, in name order."""
    return {b.slug: b for b in db.session.scalars(select(Borough).order_by(Borough.name))}


def wage_rules() -> WageRules:
    """The wage rates in force, from the app's config."""
    return WageRules.from_config(current_app.config)


def check_values(raw: Mapping[str, Any], today: date | None = None) -> Values:
    """Validated model values for a placement; ServiceError with every field's message otherwise."""
    values, errors = validate_placement(raw, standards_by_reference(), wage_rules(), today or date.today())
    if errors:
        raise ServiceError("There is a problem", errors=errors)
    return values


def own_borough(borough_id: int) -> Borough:
    """A staff member's own borough."""
    borough = db.session.get(Borough, borough_id)
    assert borough is not None  # the id comes from the staff member's account, where it is a foreign key
    return borough


def target_borough(slug: str | None, borough_id: int | None) -> Borough:
    """The borough a new placement belongs to: staff's own (`borough_id`); an admin (None) must choose one."""
    borough = (
        own_borough(borough_id) if borough_id is not None else boroughs_by_slug().get((slug or "").strip().lower())
    )
    if borough is None:
        raise ServiceError("Select the borough", "borough")
    if not borough.taking_part:
        message = (
            f"{borough.name} is not taking part in the programme, so it cannot post placements. "
            "Ask an admin if this is wrong."
        )
        raise ServiceError(message, errors={"borough" if borough_id is None else "": message})
    return borough


def create_placement(
    raw: Mapping[str, Any], actor_id: int, borough_id: int | None, borough_slug: str | None = None
) -> Placement:
    """Save a new draft placement for the staff member's borough (`borough_id`; an admin, None, names one)."""
    values = check_values(raw)
    placement = Placement(
        **values,
        borough=target_borough(borough_slug, borough_id),
        status=PlacementStatus.DRAFT.value,
        created_by_id=actor_id,
        cycle_id=current_cycle_id(),
    )
    db.session.add(placement)
    db.session.flush()
    record_event("placement.created", placement, status=placement.status)
    db.session.commit()
    return placement


def update_placement(placement: Placement, raw: Mapping[str, Any]) -> Placement:
    """Change a draft or live placement's details."""
    if placement.status not in EDITABLE:
        raise ServiceError(f"You cannot change a {placement.status} placement. Duplicate it to post it again.")
    values = check_values(raw)
    changed = sorted(name for name, value in values.items() if getattr(placement, name) != value)
    for name, value in values.items():
        setattr(placement, name, value)
    record_event("placement.updated", placement, fields=changed, status=placement.status)
    db.session.commit()
    return placement


def change_status(placement: Placement, action: str, today: date | None = None) -> Placement:
    """Publish, close or mark filled, when the placement's status allows it."""
    allowed_from, new_status = TRANSITIONS[action]
    if placement.status not in allowed_from:
        raise ServiceError(f"You cannot {action} a placement that is {placement.status}")
    if action == "publish" and placement.closing_date <= (today or date.today()):
        raise ServiceError("The closing date has passed. Change the closing date before you publish.")
    old_status, placement.status = placement.status, new_status
    if new_status == PlacementStatus.LIVE.value:
        placement.published_at = utcnow()
    elif new_status == PlacementStatus.CLOSED.value:
        placement.closed_at = utcnow()
    record_event(f"placement.{action}", placement, old_status=old_status, new_status=new_status)
    db.session.commit()
    return placement


COPIED = (
    "borough_id",
    "standard_id",
    "title",
    "description",
    "skills",
    "skills_text",
    "wage_amount",
    "wage_unit",
    "hourly_wage",
    "hours_per_week",
    "positions",
    "start_date",
    "closing_date",
    "workplace_outward",
    "lat",
    "lon",
    "training_provider",
    "disability_confident",
    "resident_priority",
    "adjustments_contact",
)


def duplicate_placement(placement: Placement, actor_id: int) -> Placement:
    """Copy a placement into a new draft of the same borough."""
    copy = Placement(
        **{name: getattr(placement, name) for name in COPIED},
        status=PlacementStatus.DRAFT.value,
        created_by_id=actor_id,
        cycle_id=current_cycle_id(),
    )  # the copy is posted in today's cycle
    copy.skills = list(placement.skills or [])
    db.session.add(copy)
    db.session.flush()
    record_event("placement.duplicated", copy, source_id=placement.id, status=copy.status)
    db.session.commit()
    return copy


def close_expired(today: date | None = None) -> int:
    """Close every live placement whose closing date has passed; return how many."""
    today = today or date.today()
    expired = list(
        db.session.scalars(
            select(Placement).where(Placement.status == PlacementStatus.LIVE.value, Placement.closing_date < today)
        )
    )
    if not expired:
        return 0
    now = utcnow()
    db.session.execute(
        update(Placement)
        .where(Placement.id.in_([v.id for v in expired]))
        .values(status=PlacementStatus.CLOSED.value, closed_at=now)
    )
    for placement in expired:
        record_event(
            "placement.closed_automatically",
            placement,
            actor_id=None,
            old_status="live",
            new_status="closed",
            closing_date=placement.closing_date.isoformat(),
        )
    db.session.commit()
    return len(expired)


def staff_page(page: int, per_page: int, borough_id: int | None) -> tuple[list[Placement], int]:
    """One page of a borough's placements (every borough's for None), newest first, and the total count."""
    base = in_borough(select(Placement), Placement, borough_id)
    total = count_rows(base)
    rows = db.session.scalars(
        base.options(joinedload(Placement.standard), joinedload(Placement.borough))
        .order_by(Placement.updated_at.desc(), Placement.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return list(rows), total


def status_counts(borough_id: int | None) -> dict[str, int]:
    """How many of a borough's placements (every borough's for None) are in each status."""
    statement = in_borough(select(Placement.status, func.count()).group_by(Placement.status), Placement, borough_id)
    return {status: count for status, count in db.session.execute(statement)}


def form_values(placement: Placement) -> dict[str, Any]:
    """A placement's values as the staff form shows them (text, dates, flags and a list of skills)."""
    return {
        "title": placement.title,
        "standard": placement.standard.reference,
        "description": placement.description,
        "skills": list(placement.skills or []),
        "skills_text": placement.skills_text,
        "wage_amount": plain_amount(placement.wage_amount),
        "wage_unit": placement.wage_unit,
        "hours_per_week": str(placement.hours_per_week),
        "positions": str(placement.positions),
        "start_date": placement.start_date,
        "closing_date": placement.closing_date,
        "workplace_postcode": placement.workplace_outward,
        "training_provider": placement.training_provider,
        "disability_confident": placement.disability_confident,
        "resident_priority": placement.resident_priority,
        "adjustments_contact": placement.adjustments_contact,
        "borough": placement.borough.slug,
    }


def plain_amount(amount: Decimal) -> str:
    """An amount as a person would type it: 21000 or 9.50."""
    return f"{amount:.0f}" if amount == amount.to_integral_value() else f"{amount:.2f}"
