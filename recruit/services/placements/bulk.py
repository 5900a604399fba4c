"""CSV export and import of a borough's placements: an import updates the placements its rows name by id and adds
the rows without one as drafts; an import with any bad row changes nothing."""

from __future__ import annotations

import _csv
import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ...audit import record_event
from ...extensions import db
from ...models import Borough, Placement, PlacementStatus, User
from ...parsing import whole_number
from ..cycles import current_cycle_id
from ..errors import ServiceError
from ..scope import in_borough
from .fields import FIELD_NAMES, Values, WageRules, pays_london_living_wage, validate_placement
from .manage import EDITABLE, boroughs_by_slug, own_borough, plain_amount, standards_by_reference, wage_rules

MAX_ROWS = 1_000
IMPORT_COLUMNS = FIELD_NAMES
# Columns an export adds; an import accepts them (so an export can be edited and imported): an id names the placement
# a row updates; borough is checked; the rest (status and the figures worked out from the others) are not read.
EXPORT_ONLY_COLUMNS = ("id", "status", "borough", "level", "hourly_wage", "pays_london_living_wage")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class RowError:
    row: int  # the spreadsheet's row number, counting the header as row 1
    column: str
    message: str


@dataclass
class ImportReport:
    imported: int = 0  # new drafts, from rows without an id
    updated: int = 0  # placements named by id whose details changed
    unchanged: int = 0  # placements named by id whose row changed nothing
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)


def safe_cell(value: object) -> str:
    """A cell's text for a spreadsheet, never read as a formula."""
    # A cell that starts like a formula would run in a spreadsheet: prefix it so it is shown as text.
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def export_csv(actor: User, borough_id: int | None) -> str:
    """A borough's placements as CSV (every borough's for None), the export recorded against `actor`."""
    rules = wage_rules()
    statement = in_borough(select(Placement), Placement, borough_id).options(
        joinedload(Placement.borough), joinedload(Placement.standard)
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_ONLY_COLUMNS[:3] + IMPORT_COLUMNS + EXPORT_ONLY_COLUMNS[3:])
    count = 0
    for v in db.session.scalars(statement.order_by(Placement.id)):
        count += 1
        row = [
            v.id,
            v.status,
            v.borough.slug,
            v.title,
            v.standard.reference,
            v.description,
            ";".join(v.skills or []),
            v.skills_text,
            plain_amount(v.wage_amount),
            v.wage_unit,
            v.hours_per_week,
            v.positions,
            v.start_date.isoformat(),
            v.closing_date.isoformat(),
            v.workplace_outward,
            v.training_provider,
            "yes" if v.disability_confident else "no",
            "yes" if v.resident_priority else "no",
            v.adjustments_contact,
            v.standard.level,
            f"{v.hourly_wage:.2f}",
            "yes" if pays_london_living_wage(v.hourly_wage, rules) else "no",
        ]
        writer.writerow([safe_cell(cell) for cell in row])
    record_event("placements.exported", actor, rows=count)
    db.session.commit()
    return out.getvalue()


def template_csv() -> str:
    """An empty import file: just the column headings."""
    out = io.StringIO()
    csv.writer(out).writerow(IMPORT_COLUMNS)
    return out.getvalue()


class CsvRow(NamedTuple):
    """One placement's row of an import file."""

    line: int  # the spreadsheet's row number
    cells: dict[str, str]  # by column heading
    too_many_cells: bool


def _read_rows(data: bytes) -> tuple[list[str], list[CsvRow]]:
    """The column headings and the placements' rows of an import file; ServiceError if it cannot be imported."""
    reader = csv.reader(io.StringIO(_decode(data), newline=""))
    try:
        header = [name.strip().lower() for name in next(reader, [])]
        _check_header(header)
        rows = _data_rows(reader, header)
    except csv.Error as error:
        raise ServiceError(f"The file could not be read as CSV ({error}). Save it again as CSV UTF-8.") from None
    if not rows:
        raise ServiceError("The selected file has headings but no placements")
    return header, rows


def _decode(data: bytes) -> str:
    """An uploaded file's text; ServiceError if it is empty, not UTF-8 or not text."""
    if not data.strip():
        raise ServiceError("The selected file is empty")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ServiceError(
            "The selected file must be saved as UTF-8. In Excel, choose 'CSV UTF-8' when you save it."
        ) from None
    if "\x00" in text:
        raise ServiceError("The selected file must be a CSV file")
    return text


def _check_header(header: list[str]) -> None:
    """ServiceError, saying what is wrong, unless the headings are the template's (plus any an export adds)."""
    missing = [name for name in IMPORT_COLUMNS if name not in header]
    unknown = [name for name in header if name not in IMPORT_COLUMNS + EXPORT_ONLY_COLUMNS]
    repeated = len(set(header)) != len(header)
    if not (missing or unknown or repeated):
        return
    parts = []
    if missing:
        parts.append("missing " + ", ".join(missing))
    if unknown:
        parts.append("not recognised: " + ", ".join(h[:30] or "(blank)" for h in unknown[:5]))
    if repeated:
        parts.append("a column appears twice")
    raise ServiceError("The first row must be the column headings from the template (" + "; ".join(parts) + ")")


def _data_rows(reader: _csv.Reader, header: list[str]) -> list[CsvRow]:
    """The rows after the headings, skipping blank ones; ServiceError if there are more than MAX_ROWS."""
    rows: list[CsvRow] = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue  # blank lines at the end of a spreadsheet export
        if len(rows) >= MAX_ROWS:
            raise ServiceError(
                f"The file has more than {MAX_ROWS:,} placements. Split it into files of {MAX_ROWS:,} rows or fewer."
            )
        rows.append(CsvRow(reader.line_num, dict(zip(header, cells)), len(cells) > len(header)))
    return rows


def _unformula(value: str) -> str:
    # Undo the apostrophe an export puts before formula-like text.
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) else value


def _named_placement(
    raw: Mapping[str, str], own: Borough | None, seen: set[int], errors: dict[str, str]
) -> Placement | None:
    """The placement a row names by id (in the `own` borough; any for admins, None), or None for a new one."""
    text = raw.get("id", "").strip()
    if not text:
        return None
    number = whole_number(text, 12)
    where = f" in {own.name}" if own else ""
    placement = (
        db.session.scalar(
            in_borough(select(Placement).where(Placement.id == number), Placement, own.id if own else None)
        )
        if number
        else None
    )
    if placement is None:  # the same words whether it is another borough's or does not exist
        errors["id"] = f"There is no placement {text[:12]}{where}. Leave the id empty to add a new placement"
    elif placement.id in seen:
        errors["id"] = f"Placement {placement.id} is in the file more than once"
    elif placement.status not in EDITABLE:
        errors["id"] = (
            f"Placement {placement.id} is {placement.status}, so an import cannot change it. Remove this row, "
            "or duplicate the placement to post it again"
        )
    if placement is not None:
        seen.add(placement.id)
    return placement


def import_csv(data: bytes, actor_id: int, borough_id: int | None, today: date | None = None) -> ImportReport:
    """Update the placements rows name by id and add the rows without one as drafts, for the staff member's
    borough (`borough_id`; an admin, None, names one per row); if any row has a problem, change nothing and report
    every problem."""
    _, rows = _read_rows(data)
    today = today or date.today()
    own = own_borough(borough_id) if borough_id is not None else None
    report = ImportReport(rows=len(rows))
    new, updates = _check_rows(rows, own, actor_id, today, report)
    if report.errors:
        db.session.rollback()
        return report
    for placement, values in updates:
        if _update(placement, values):
            report.updated += 1
        else:
            report.unchanged += 1
    db.session.add_all(new)
    db.session.flush()
    for placement in new:
        record_event("placement.imported", placement, status=placement.status)
    db.session.commit()
    report.imported = len(new)
    return report


def _check_rows(
    rows: list[CsvRow], own: Borough | None, actor_id: int, today: date, report: ImportReport
) -> tuple[list[Placement], list[tuple[Placement, Values]]]:
    """The new drafts and the updates (placement, values) the rows make; each row's problems go in `report`."""
    standards, rules = standards_by_reference(), WageRules.from_config(current_app.config)
    boroughs = boroughs_by_slug()
    cycle_id = current_cycle_id(today)
    new: list[Placement] = []
    updates: list[tuple[Placement, Values]] = []
    seen: set[int] = set()
    for line, row, too_many_cells in rows:
        raw = {name: _unformula(value) for name, value in row.items() if isinstance(value, str)}
        values, errors = validate_placement(raw, standards, rules, today)
        if too_many_cells:
            errors["row"] = "This row has more cells than there are column headings"
        existing = _named_placement(raw, own, seen, errors)
        borough = _row_borough(raw.get("borough", "").strip().lower(), existing, own, boroughs, errors)
        for column, message in errors.items():
            report.errors.append(RowError(line, column, message))
        if errors:
            continue
        if existing is not None:
            updates.append((existing, values))
        else:
            new.append(
                Placement(
                    **values,
                    borough=borough,
                    status=PlacementStatus.DRAFT.value,
                    created_by_id=actor_id,
                    cycle_id=cycle_id,
                )
            )
    return new, updates


def _row_borough(
    slug: str, existing: Placement | None, own: Borough | None, boroughs: Mapping[str, Borough], errors: dict[str, str]
) -> Borough | None:
    """The borough a row's placement goes in (the staff member's own; for an admin, the row's), noting in `errors`
    what is wrong with the row's borough column."""
    borough = boroughs.get(slug) if own is None else own
    if existing is not None and slug and slug != existing.borough.slug:
        errors["borough"] = f"A placement cannot move borough: placement {existing.id} is in {existing.borough.name}"
    elif own is None and existing is None and borough is None:
        errors["borough"] = "Enter the borough, like hackney" if not slug else f"'{slug[:30]}' is not a London borough"
    elif own is not None and slug and slug != own.slug:
        errors["borough"] = f"You can only import placements for {own.name}"
    if borough is not None and not borough.taking_part and "borough" not in errors:
        errors["borough"] = f"{borough.name} is not taking part in the programme, so it cannot post placements"
    return borough


def _update(placement: Placement, values: Values) -> bool:
    """Apply a row's values to the placement it names, recording which changed; False if none did."""
    changed = sorted(name for name, value in values.items() if getattr(placement, name) != value)
    if not changed:
        return False
    for name in changed:
        setattr(placement, name, values[name])
    record_event("placement.updated", placement, fields=changed, status=placement.status, source="import")
    return True
