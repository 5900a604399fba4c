"""One validation function for a placement's fields, shared by the staff form and CSV import."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from ...parsing import parse_date
from ...postcodes import ERROR_EMPTY, PostcodeError, parse_postcode, require_london
from ...wording import long_date

if TYPE_CHECKING:
    from ...models import Standard

WEEKS_PER_YEAR = 52
MIN_HOURS, MAX_HOURS, USUAL_MIN_HOURS = 16, 40, 30
MIN_POSITIONS, MAX_POSITIONS = 1, 50
MAX_HOURLY_WAGE = Decimal("100")  # anything above is a typing slip, not an apprentice wage
MAX_YEARLY_WAGE = Decimal("200000")
MAX_START_YEARS = 2
LIMITS = {"title": 120, "description": 5000, "skills_text": 1000, "training_provider": 200, "adjustments_contact": 254}
TRUE_WORDS = frozenset({"yes", "y", "true", "1", "on"})
FALSE_WORDS = frozenset({"no", "n", "false", "0", "off", ""})

# The input names, in the order a person meets them; CSV columns use the same names.
FIELD_NAMES = (
    "title",
    "standard",
    "description",
    "skills",
    "skills_text",
    "wage_amount",
    "wage_unit",
    "hours_per_week",
    "positions",
    "start_date",
    "closing_date",
    "workplace_postcode",
    "training_provider",
    "disability_confident",
    "resident_priority",
    "adjustments_contact",
)
LABELS = {
    "title": "Title",
    "description": "What you will do",
    "skills_text": "Other skills",
    "training_provider": "Training provider",
    "adjustments_contact": "Interview adjustments contact",
    "start_date": "Start date",
    "closing_date": "Closing date",
}
# Column name to value, ready for Placement(**values): the columns' types differ (text, Decimal, date, list, bool).
Values = dict[str, Any]
WAGE_UNITS = ("hour", "year")
WAGE_UNIT_WORDS = {"per hour": "hour", "hourly": "hour", "per year": "year", "yearly": "year", "annual": "year"}

REQUIRED_MESSAGES = {
    "title": "Enter a title",
    "description": "Enter what the apprentice will do",
    "training_provider": "Enter the training provider's name",
    "adjustments_contact": "Enter who candidates can contact about adjustments for their interview",
}


@dataclass(frozen=True)
class WageRules:
    """The rates in force, from config: the apprentice minimum (with its date) and the London Living Wage."""

    minimum_hourly: Decimal
    minimum_from: date
    london_living_wage: Decimal

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> WageRules:
        """The rules from the app's config."""
        return cls(
            Decimal(str(config["APPRENTICE_MINIMUM_WAGE"])),
            config["APPRENTICE_MINIMUM_WAGE_FROM"],
            Decimal(str(config["LONDON_LIVING_WAGE"])),
        )


def money(value: Decimal) -> str:
    """An amount in pounds as people write it: £21,000.00."""
    return f"£{value:,.2f}"


def pays_london_living_wage(hourly_wage: Decimal | float, rules: WageRules) -> bool:
    """True when the hourly wage meets the configured London Living Wage."""
    return Decimal(str(hourly_wage)) >= rules.london_living_wage


def validate_placement(
    raw: Mapping[str, Any], standards: Mapping[str, Standard], rules: WageRules, today: date
) -> tuple[Values, dict[str, str]]:
    """Check a placement's answers; return (model values, {field: GOV.UK-style message}).

    `raw` holds strings as typed (or a (day, month, year) tuple for a date from the form);
    `standards` maps a standard's reference to the Standard. Values are only complete when there are no errors.
    """
    values: Values = {}
    errors: dict[str, str] = {}

    for name in ("title", "description", "skills_text", "training_provider", "adjustments_contact"):
        text = _text(raw.get(name))
        if not text and name in REQUIRED_MESSAGES:
            errors[name] = REQUIRED_MESSAGES[name]
        elif len(text) > LIMITS[name]:
            errors[name] = f"{LABELS[name]} must be {LIMITS[name]:,} characters or fewer"
        values[name] = text

    standard = standards.get(_text(raw.get("standard")).upper())
    if standard is None:
        errors["standard"] = "Select the apprenticeship standard"
    else:
        values["standard_id"] = standard.id
        _check_skills(raw.get("skills"), standard, values, errors)

    hours = _whole_number(
        raw.get("hours_per_week"), "hours_per_week", "Hours per week", "37", MIN_HOURS, MAX_HOURS, errors
    )
    values["hours_per_week"] = hours
    values["positions"] = _whole_number(
        raw.get("positions"), "positions", "Number of positions", "2", MIN_POSITIONS, MAX_POSITIONS, errors
    )
    _check_wage(raw, hours, rules, values, errors)
    _check_dates(raw, today, values, errors)
    _check_postcode(raw.get("workplace_postcode"), values, errors)
    for name in ("disability_confident", "resident_priority"):
        flag = _flag(raw.get(name))
        if flag is None:
            errors[name] = "Answer yes or no"
        values[name] = bool(flag)
    return values, errors


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _flag(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    return True if text in TRUE_WORDS else False if text in FALSE_WORDS else None


def _check_skills(value: object, standard: Standard, values: Values, errors: dict[str, str]) -> None:
    if isinstance(value, str):
        tags = [tag.strip() for tag in value.split(";")]
    else:
        # The tags ticked on the form (None when there are none).
        tags = [tag.strip() for tag in (value if isinstance(value, Iterable) else []) if isinstance(tag, str)]
    tags = list(dict.fromkeys(tag for tag in tags if tag))
    by_lower = {keyword.lower(): keyword for keyword in standard.keywords}
    unknown = [tag for tag in tags if tag.lower() not in by_lower]
    if unknown:
        errors["skills"] = (
            f"Skills must be from the list for {standard.title}: '{unknown[0][:40]}' is not. "
            "Put other skills in 'Other skills'"
        )
    values["skills"] = [by_lower[tag.lower()] for tag in tags if tag.lower() in by_lower]


def _whole_number(
    value: object, name: str, label: str, example: str, low: int, high: int, errors: dict[str, str]
) -> int | None:
    text = _text(value)
    if not text:
        errors[name] = f"Enter the {label.lower()}"
        return None
    if not re.fullmatch(r"-?\d{1,6}", text):
        errors[name] = f"{label} must be a whole number, like {example}"
        return None
    number = int(text)
    if number < low:
        errors[name] = f"{label} must be {low} or more"
    elif number > high:
        errors[name] = f"{label} must be {high} or fewer"
    return number


def _check_wage(
    raw: Mapping[str, Any], hours: int | None, rules: WageRules, values: Values, errors: dict[str, str]
) -> None:
    """Check the wage amount and unit, its limits and the apprentice minimum; set the hourly wage."""
    unit = _text(raw.get("wage_unit")).lower()
    unit = WAGE_UNIT_WORDS.get(unit, unit)
    if unit not in WAGE_UNITS:
        errors["wage_unit"] = "Select whether the wage is per hour or per year"
    values["wage_unit"] = unit
    amount = _wage_amount(raw.get("wage_amount"), errors)
    if amount is None:
        return
    values["wage_amount"] = amount
    too_much = _over_maximum(amount, unit)
    if too_much:
        errors["wage_amount"] = too_much
    if unit not in WAGE_UNITS or "wage_amount" in errors:
        return
    _check_minimum(amount, unit, hours, rules, values, errors)


def _wage_amount(value: object, errors: dict[str, str]) -> Decimal | None:
    """The amount in pounds as typed (£ and commas allowed), or None with the error recorded."""
    text = _text(value).replace("£", "").replace(",", "").strip()
    if not text:
        errors["wage_amount"] = "Enter the wage"
        return None
    try:
        amount = Decimal(text) if re.fullmatch(r"\d{1,9}(\.\d{1,2})?", text) else None
    except InvalidOperation:
        amount = None
    if amount is None:
        errors["wage_amount"] = "Wage must be an amount in pounds, like 9.50 or 21000"
    return amount


def _over_maximum(amount: Decimal, unit: str) -> str | None:
    """The message for a wage too high to be real (a typing slip), or None."""
    if unit == "hour" and amount > MAX_HOURLY_WAGE:
        return f"Wage must be {money(MAX_HOURLY_WAGE)} an hour or less"
    if unit == "year" and amount > MAX_YEARLY_WAGE:
        return f"Wage must be {money(MAX_YEARLY_WAGE)} a year or less"
    return None


def _check_minimum(
    amount: Decimal, unit: str, hours: int | None, rules: WageRules, values: Values, errors: dict[str, str]
) -> None:
    """Set the hourly wage and check it against the apprentice minimum (a yearly wage needs the hours)."""
    rate = f"the apprentice minimum wage of {money(rules.minimum_hourly)} an hour from {long_date(rules.minimum_from)}"
    if unit == "hour":
        values["hourly_wage"] = amount
        if amount < rules.minimum_hourly:
            errors["wage_amount"] = f"Wage must be at least {rate}"
    elif hours is not None and "hours_per_week" not in errors:
        yearly_minimum = rules.minimum_hourly * hours * WEEKS_PER_YEAR
        values["hourly_wage"] = (amount / (hours * WEEKS_PER_YEAR)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if amount < yearly_minimum:
            errors["wage_amount"] = (
                f"Wage must be at least {money(yearly_minimum)} a year for {hours} hours a week ({rate})"
            )


def _check_dates(raw: Mapping[str, Any], today: date, values: Values, errors: dict[str, str]) -> None:
    start, problem = parse_date(raw.get("start_date"), "Start date")
    if problem:
        errors["start_date"] = problem
    closing, problem = parse_date(raw.get("closing_date"), "Closing date")
    if problem:
        errors["closing_date"] = problem
    latest = today + timedelta(days=365 * MAX_START_YEARS)
    if start is not None:
        if start <= today:
            errors["start_date"] = "Start date must be in the future"
        elif start > latest:
            errors["start_date"] = f"Start date must be within {MAX_START_YEARS} years, by {long_date(latest)}"
    if closing is not None:
        if closing <= today:
            errors["closing_date"] = "Closing date must be in the future"
        elif start is not None and closing >= start:
            errors["closing_date"] = "Closing date must be before the start date"
    values["start_date"], values["closing_date"] = start, closing


def _check_postcode(value: object, values: Values, errors: dict[str, str]) -> None:
    try:
        area = require_london(parse_postcode(_text(value)))
    except PostcodeError as error:
        errors["workplace_postcode"] = "Enter the workplace postcode" if error.message == ERROR_EMPTY else error.message
        return
    values["workplace_outward"], values["lat"], values["lon"] = area.outward, area.lat, area.lon
