"""Recruitment cycles: the period that placements, rounds and reports belong to, with London-wide and borough targets."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, TypedDict

from sqlalchemy import select, update

from ..audit import record_event
from ..extensions import db
from ..models import Borough, BoroughTarget, RecruitmentCycle, utcnow
from ..parsing import parse_date, whole_number
from . import rows_changed
from .errors import ServiceError as ServiceError  # re-exported: the views catch service.ServiceError
from .progress import save_figures

MAX_TARGET = 10_000
TARGET_MESSAGE = f"Target must be a whole number from 0 to {MAX_TARGET:,}"


def current_cycle(today: date | None = None) -> RecruitmentCycle | None:
    """The open cycle that has started by `today` (the latest to open), or None when there is none."""
    today = today or date.today()
    return db.session.scalar(
        select(RecruitmentCycle)
        .where(RecruitmentCycle.closed_at.is_(None), RecruitmentCycle.opens_on <= today)
        .order_by(RecruitmentCycle.opens_on.desc(), RecruitmentCycle.id.desc())
        .limit(1)
    )


def current_cycle_id(today: date | None = None) -> int | None:
    """The current cycle's id, or None."""
    cycle = current_cycle(today)
    return cycle.id if cycle is not None else None


def list_cycles() -> list[RecruitmentCycle]:
    """Every cycle, newest first."""
    return list(
        db.session.scalars(
            select(RecruitmentCycle).order_by(RecruitmentCycle.opens_on.desc(), RecruitmentCycle.id.desc())
        )
    )


def get_cycle(cycle_id: int) -> RecruitmentCycle | None:
    """A cycle by id, or None."""
    return db.session.get(RecruitmentCycle, cycle_id)


def parse_target(text: object, required: bool) -> tuple[int | None, str | None]:
    """A target from 0 to 10,000, or the message saying what is wrong (None and no message when left empty)."""
    text = (text or "").strip().replace(",", "") if isinstance(text, str) else ""
    if not text:
        return None, ("Enter the London-wide target" if required else None)
    number = whole_number(text, 6)
    if number is None or number > MAX_TARGET:
        return None, TARGET_MESSAGE
    return number, None


class CycleValues(TypedDict):
    """A cycle's checked values, as RecruitmentCycle's columns (each is set when there is no error)."""

    name: str
    opens_on: date | None
    closes_on: date | None
    target: int | None


def _check(raw: Mapping[str, Any], cycle: RecruitmentCycle | None) -> CycleValues:
    """The cycle's checked values, or ServiceError with a message for each field that is wrong."""
    errors: dict[str, str] = {}
    other_than = cycle.id if cycle else -1  # a cycle being changed does not clash with itself
    name = _check_name(raw.get("name"), other_than, errors)
    opens_on, message = parse_date(raw.get("opens_on"), "Opening date")
    if message:
        errors["opens_on"] = message
    closes_on, message = parse_date(raw.get("closes_on"), "Closing date")
    if message:
        errors["closes_on"] = message
    target, message = parse_target(raw.get("target"), required=True)
    if message:
        errors["target"] = message
    if opens_on and closes_on:
        _check_period(opens_on, closes_on, other_than, errors)
    if errors:
        raise ServiceError.by_field(errors)
    return {"name": name, "opens_on": opens_on, "closes_on": closes_on, "target": target}


def _check_name(value: str | None, other_than: int, errors: dict[str, str]) -> str:
    """The cycle's name, trimmed: given, not too long, and no other cycle's."""
    name = (value or "").strip()
    if not name:
        errors["name"] = "Enter a name for the cycle"
    elif len(name) > 80:
        errors["name"] = "Name must be 80 characters or fewer"
    elif db.session.scalar(
        select(RecruitmentCycle.id).where(RecruitmentCycle.name == name, RecruitmentCycle.id != other_than)
    ):
        errors["name"] = "Another cycle already has this name"
    return name


def _check_period(opens_on: date, closes_on: date, other_than: int, errors: dict[str, str]) -> None:
    """The cycle must close after it opens and overlap no other cycle."""
    if closes_on <= opens_on:
        errors["closes_on"] = "Closing date must be after the opening date"
        return
    clash = db.session.scalar(
        select(RecruitmentCycle)
        .where(
            RecruitmentCycle.opens_on <= closes_on,
            RecruitmentCycle.closes_on >= opens_on,
            RecruitmentCycle.id != other_than,
        )
        .limit(1)
    )
    if clash is not None:
        errors["opens_on"] = (
            f"The dates overlap {clash.name} ({clash.opens_on.day} {clash.opens_on:%B %Y} to "
            f"{clash.closes_on.day} {clash.closes_on:%B %Y}). Cycles cannot overlap."
        )


def create_cycle(raw: Mapping[str, Any]) -> RecruitmentCycle:
    """Start a new cycle with its dates and London-wide target."""
    cycle = RecruitmentCycle(**_check(raw, None))
    db.session.add(cycle)
    db.session.flush()
    record_event("cycle.created", cycle, name=cycle.name, target=cycle.target)
    db.session.commit()
    return cycle


def update_cycle(cycle: RecruitmentCycle, raw: Mapping[str, Any]) -> RecruitmentCycle:
    """Change an open cycle's name, dates or London-wide target."""
    if cycle.closed_at is not None:
        raise ServiceError.by_field({"name": "This cycle is closed, so it cannot be changed"})
    values = _check(raw, cycle)
    changed = sorted(name for name, value in values.items() if getattr(cycle, name) != value)
    for name, value in values.items():
        setattr(cycle, name, value)
    if changed:
        record_event("cycle.updated", cycle, fields=changed)
    db.session.commit()
    return cycle


def borough_targets(cycle: RecruitmentCycle) -> dict[int, int]:
    """{borough id: target} for the boroughs that have their own target in this cycle."""
    return dict(
        db.session.execute(
            select(BoroughTarget.borough_id, BoroughTarget.target).where(BoroughTarget.cycle_id == cycle.id)
        )
        .tuples()
        .all()
    )


def borough_target_slugs(cycle: RecruitmentCycle) -> dict[str, int]:
    """{borough slug: target} for the boroughs that have their own target in this cycle."""
    return dict(
        db.session.execute(
            select(Borough.slug, BoroughTarget.target)
            .join(Borough, Borough.id == BoroughTarget.borough_id)
            .where(BoroughTarget.cycle_id == cycle.id)
        )
        .tuples()
        .all()
    )


def set_borough_targets(cycle: RecruitmentCycle, raw: Mapping[str, str]) -> int:
    """Set each borough's own target from {slug: text}; an empty box removes it. All or nothing."""
    if cycle.closed_at is not None:
        raise ServiceError.by_field({"": "This cycle is closed, so its targets cannot be changed"})
    wanted = _wanted_targets(raw)
    changed = _save_targets(cycle, wanted)
    if changed:
        record_event("cycle.targets_set", cycle, targets={str(k): v for k, v in sorted(wanted.items())})
    db.session.commit()
    return changed


def _wanted_targets(raw: Mapping[str, str]) -> dict[int, int]:
    """{borough id: target} from {slug: text}, leaving out empty boxes; ServiceError naming each borough whose
    target is wrong."""
    wanted: dict[int, int] = {}
    errors: dict[str, str] = {}
    for borough in db.session.scalars(select(Borough)):
        target, message = parse_target(raw.get(borough.slug), required=False)
        if message:
            errors[borough.slug] = f"{borough.name}: {message[0].lower()}{message[1:]}"
        elif target is not None:
            wanted[borough.id] = target
    if errors:
        raise ServiceError.by_field(errors)
    return wanted


def _save_targets(cycle: RecruitmentCycle, wanted: Mapping[int, int]) -> int:
    """Make the cycle's borough targets these (the caller commits); returns how many were added, changed or removed."""
    existing = {
        t.borough_id: t for t in db.session.scalars(select(BoroughTarget).where(BoroughTarget.cycle_id == cycle.id))
    }
    changed = 0
    for borough_id, row in existing.items():
        if borough_id not in wanted:
            db.session.delete(row)
            changed += 1
        elif row.target != wanted[borough_id]:
            row.target = wanted[borough_id]
            changed += 1
    for borough_id, target in wanted.items():
        if borough_id not in existing:
            db.session.add(BoroughTarget(cycle_id=cycle.id, borough_id=borough_id, target=target))
            changed += 1
    return changed


def close_cycle(cycle_id: int, channel_order: list[str], actor_id: int | None = None) -> int:
    """Close a cycle: save its report as aggregate counts per group per stage and its progress figures, so purging
    and deletions later change neither; it can no longer be changed. Returns the report counts saved."""
    from .reports import save_cycle_counts

    cycle = db.session.get(RecruitmentCycle, cycle_id)
    if cycle is None:
        raise ServiceError(f"There is no recruitment cycle {cycle_id}")
    name = cycle.name
    # Claim the closing with one conditional UPDATE: of two people closing at once, the second waits for the
    # first's transaction and then matches no row, so the counts are saved once.
    claimed = rows_changed(
        update(RecruitmentCycle)
        .where(RecruitmentCycle.id == cycle_id, RecruitmentCycle.closed_at.is_(None))
        .values(closed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if not claimed:
        db.session.rollback()
        raise ServiceError(f"{name} is already closed")
    saved = save_cycle_counts(cycle.id, channel_order)
    save_figures(cycle)
    record_event("cycle.closed", cycle, actor_id=actor_id, counts_saved=saved)
    db.session.commit()
    return saved
