"""Reading plain values people type, shared by forms and services (no web or form library here)."""

import re
from datetime import date


def whole_number(text: str | int | None, max_digits: int = 9) -> int | None:
    """The whole number written in the digits 0-9, else None. (str.isdigit accepts '²' and '٣', which int() refuses.)
    A form field not posted keeps the number it was given, so a number is read as its digits."""
    text = (str(text) if isinstance(text, int) else text or "").strip()  # str(True) is "True": not digits
    if not text or len(text) > max_digits or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


def date_parts(value) -> tuple[str, str, str]:
    """(day, month, year) as typed: from a form's three boxes, a date, or one text (2026-09-01 or 01/09/2026)."""
    if isinstance(value, date):
        return str(value.day), str(value.month), str(value.year)
    if isinstance(value, (tuple, list)):
        parts = [part.strip() if isinstance(part, str) else "" for part in value][:3]
        return tuple(parts + [""] * (3 - len(parts)))  # type: ignore[return-value]
    text = value.strip() if isinstance(value, str) else ""
    iso = re.fullmatch(r"(\d{1,4})-(\d{1,2})-(\d{1,2})", text)
    if iso:
        return iso[3], iso[2], iso[1]
    parts = re.split(r"[/.\s]+", text) if text else []
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    return ("?", "?", "?") if text else ("", "", "")


def parse_date(
    value, label: str, required: str | None = None, example: str | None = None
) -> tuple[date | None, str | None]:
    """A date, or the GOV.UK message for what is wrong with it ("Start date must include a month" …).

    `required` is the message for nothing typed ("Enter the start date" unless given). Three boxes have a hint
    beside them; a date typed as one text (a CSV cell, a filter box) does not, so its "real date" message also
    says how to write it: like `example`, or like the export writes dates."""
    day, month, year = date_parts(value)
    if not (day or month or year):
        return None, required or f"Enter the {label.lower()}"
    missing = [name for name, part in (("day", day), ("month", month), ("year", year)) if not part]
    if missing:
        return None, f"{label} must include a {' and '.join(missing)}"
    not_real = f"{label} must be a real date"
    if not isinstance(value, (tuple, list)):
        not_real += f", like {example or f'{date.today().year + 1}-09-01'}"
    if any(whole_number(part) is None for part in (day, month, year)):
        return None, not_real
    if len(year) != 4:
        return None, "Year must include 4 numbers"
    try:
        return date(int(year), int(month), int(day)), None
    except ValueError:
        return None, not_real
