"""Dates, wages and levels as people read them: plain functions shared by pages, emails, letters and services."""

from datetime import datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

# What each apprenticeship level is like, for a candidate who does not know the levels.
LEVEL_MEANINGS = {
    2: "like GCSEs",
    3: "like A levels",
    4: "like the first year of a degree",
    5: "like a foundation degree",
    6: "like a degree",
    7: "like a master's degree",
}


def long_date(value) -> str:
    """A date as GOV.UK writes it: "2 December 2026" (a datetime is shown on its London day)."""
    if not value:
        return ""
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(LONDON)
    return f"{value.day} {value:%B %Y}"


def wage_text(placement) -> str:
    """The wage as a candidate reads it: £21,000 a year (£10.77 an hour)."""
    if placement.wage_unit == "year":
        amount = (
            f"£{placement.wage_amount:,.0f}" if placement.wage_amount % 1 == 0 else f"£{placement.wage_amount:,.2f}"
        )
        return f"{amount} a year (£{placement.hourly_wage:,.2f} an hour)"
    return f"£{placement.wage_amount:,.2f} an hour"


def level_text(level: int) -> str:
    """A level as a candidate reads it: Level 4 (like the first year of a degree)."""
    return f"Level {level} ({LEVEL_MEANINGS[level]})" if level in LEVEL_MEANINGS else f"Level {level}"
