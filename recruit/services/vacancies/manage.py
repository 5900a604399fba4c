"""Borough staff manage their placements: create, edit, publish, close, fill, duplicate; expired ones close."""

from __future__ import annotations

from datetime import date

from flask import current_app
from flask_login import current_user
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from ...access import borough_scoped
from ...audit import record_event
from ...extensions import db
from ...models import Borough, Role, Standard, Vacancy, VacancyStatus, utcnow
from ..cycles import current_cycle_id
from .fields import WageRules, validate_vacancy

EDITABLE = (VacancyStatus.DRAFT.value, VacancyStatus.LIVE.value)
# The changes a person may make, from each status; "closed" also happens by itself after the closing date.
TRANSITIONS = {
    "publish": ({VacancyStatus.DRAFT.value}, VacancyStatus.LIVE.value),
    "close": ({VacancyStatus.LIVE.value}, VacancyStatus.CLOSED.value),
    "fill": ({VacancyStatus.LIVE.value, VacancyStatus.CLOSED.value}, VacancyStatus.FILLED.value),
}


class VacancyError(ValueError):
    """A problem a person can fix: one message, or a message per field."""

    def __init__(self, message: str, field: str | None = None, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.errors = errors or ({field: message} if field else {})


def standards_by_reference() -> dict[str, Standard]:
    """Every standard in the catalogue, by reference (ST0116)."""
    return {s.reference: s for s in db.session.scalars(select(Standard).order_by(Standard.title))}


def boroughs_by_slug() -> dict[str, Borough]:
    """Every borough, by slug, in name order."""
    return {b.slug: b for b in db.session.scalars(select(Borough).order_by(Borough.name))}


def wage_rules() -> WageRules:
    return WageRules.from_config(current_app.config)


def check_values(raw, today: date | None = None) -> dict:
    """Validated model values for a placement; VacancyError with every field's message otherwise."""
    values, errors = validate_vacancy(raw, standards_by_reference(), wage_rules(), today or date.today())
    if errors:
        raise VacancyError("There is a problem", errors=errors)
    return values


def target_borough(slug: str | None) -> Borough:
    """The borough a new placement belongs to: staff's own; an admin must choose one."""
    if current_user.role != Role.ADMIN.value:
        borough = db.session.get(Borough, current_user.borough_id)
    else:
        borough = boroughs_by_slug().get((slug or "").strip().lower())
        if borough is None:
            raise VacancyError("Select the borough", "borough")
    if not borough.taking_part:
        message = (f"{borough.name} is not taking part in the programme, so it cannot post placements. "
                   "Ask an admin if this is wrong.")
        raise VacancyError(message, errors={"borough" if current_user.role == Role.ADMIN.value else "": message})
    return borough


def create_vacancy(raw, borough_slug: str | None = None) -> Vacancy:
    """Save a new draft placement for the user's borough."""
    values = check_values(raw)
    vacancy = Vacancy(**values, borough=target_borough(borough_slug), status=VacancyStatus.DRAFT.value,
                      created_by_id=current_user.id, cycle_id=current_cycle_id())
    db.session.add(vacancy)
    db.session.flush()
    record_event("vacancy.created", vacancy, status=vacancy.status)
    db.session.commit()
    return vacancy


def update_vacancy(vacancy: Vacancy, raw) -> Vacancy:
    """Change a draft or live placement's details."""
    if vacancy.status not in EDITABLE:
        raise VacancyError(f"You cannot change a {vacancy.status} placement. Duplicate it to post it again.")
    values = check_values(raw)
    changed = sorted(name for name, value in values.items() if getattr(vacancy, name) != value)
    for name, value in values.items():
        setattr(vacancy, name, value)
    record_event("vacancy.updated", vacancy, fields=changed, status=vacancy.status)
    db.session.commit()
    return vacancy


def change_status(vacancy: Vacancy, action: str, today: date | None = None) -> Vacancy:
    """Publish, close or mark filled, when the placement's status allows it."""
    allowed_from, new_status = TRANSITIONS[action]
    if vacancy.status not in allowed_from:
        raise VacancyError(f"You cannot {action} a placement that is {vacancy.status}")
    if action == "publish" and vacancy.closing_date <= (today or date.today()):
        raise VacancyError("The closing date has passed. Change the closing date before you publish.")
    old_status, vacancy.status = vacancy.status, new_status
    if new_status == VacancyStatus.LIVE.value:
        vacancy.published_at = utcnow()
    elif new_status == VacancyStatus.CLOSED.value:
        vacancy.closed_at = utcnow()
    record_event(f"vacancy.{action}", vacancy, old_status=old_status, new_status=new_status)
    db.session.commit()
    return vacancy


COPIED = ("borough_id", "standard_id", "title", "description", "skills", "skills_text", "wage_amount", "wage_unit",
          "hourly_wage", "hours_per_week", "positions", "start_date", "closing_date", "workplace_outward", "lat", "lon",
          "training_provider", "disability_confident", "resident_priority", "adjustments_contact")


def duplicate_vacancy(vacancy: Vacancy) -> Vacancy:
    """Copy a placement into a new draft of the same borough."""
    copy = Vacancy(**{name: getattr(vacancy, name) for name in COPIED}, status=VacancyStatus.DRAFT.value,
                   created_by_id=current_user.id, cycle_id=current_cycle_id())  # the copy is posted in today's cycle
    copy.skills = list(vacancy.skills or [])
    db.session.add(copy)
    db.session.flush()
    record_event("vacancy.duplicated", copy, source_id=vacancy.id, status=copy.status)
    db.session.commit()
    return copy


def close_expired(today: date | None = None) -> int:
    """Close every live placement whose closing date has passed; return how many."""
    today = today or date.today()
    expired = list(db.session.scalars(select(Vacancy).where(Vacancy.status == VacancyStatus.LIVE.value,
                                                            Vacancy.closing_date < today)))
    if not expired:
        return 0
    now = utcnow()
    db.session.execute(update(Vacancy).where(Vacancy.id.in_([v.id for v in expired]))
                       .values(status=VacancyStatus.CLOSED.value, closed_at=now))
    for vacancy in expired:
        record_event("vacancy.closed_automatically", vacancy, actor_id=None, old_status="live", new_status="closed",
                     closing_date=vacancy.closing_date.isoformat())
    db.session.commit()
    return len(expired)


def staff_page(page: int, per_page: int) -> tuple[list[Vacancy], int]:
    """One page of the user's borough's placements (newest first) and the total count."""
    base = borough_scoped(select(Vacancy), Vacancy)
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    rows = db.session.scalars(base.options(joinedload(Vacancy.standard), joinedload(Vacancy.borough))
                              .order_by(Vacancy.updated_at.desc(), Vacancy.id.desc())
                              .limit(per_page).offset((page - 1) * per_page))
    return list(rows), total


def status_counts() -> dict[str, int]:
    """How many of the user's borough's placements are in each status."""
    statement = borough_scoped(select(Vacancy.status, func.count()).group_by(Vacancy.status), Vacancy)
    return {status: count for status, count in db.session.execute(statement)}


def form_values(vacancy: Vacancy) -> dict:
    """A placement's values as the staff form shows them."""
    return {
        "title": vacancy.title, "standard": vacancy.standard.reference, "description": vacancy.description,
        "skills": list(vacancy.skills or []), "skills_text": vacancy.skills_text,
        "wage_amount": plain_amount(vacancy.wage_amount),
        "wage_unit": vacancy.wage_unit, "hours_per_week": str(vacancy.hours_per_week),
        "positions": str(vacancy.positions), "start_date": vacancy.start_date, "closing_date": vacancy.closing_date,
        "workplace_postcode": vacancy.workplace_outward, "training_provider": vacancy.training_provider,
        "disability_confident": vacancy.disability_confident, "resident_priority": vacancy.resident_priority,
        "adjustments_contact": vacancy.adjustments_contact, "borough": vacancy.borough.slug,
    }


def plain_amount(amount) -> str:
    """An amount as a person would type it: 21000 or 9.50."""
    return f"{amount:.0f}" if amount == amount.to_integral_value() else f"{amount:.2f}"
