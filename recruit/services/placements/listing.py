"""The public listing: parse the filters (web page and API alike), search live placements, describe one."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
from flask import current_app
from sqlalchemy import ColumnElement, SQLColumnExpression, func, or_, select
from sqlalchemy.orm import joinedload

from matching.arrays import haversine_km

from ...extensions import db
from ...models import Borough, Placement, PlacementStatus, Standard
from ...parsing import whole_number
from ...postcodes import (
    EARTH_RADIUS_KM,
    OutwardArea,
    ParsedPostcode,
    PostcodeError,
    parse_postcode,
    require_london,
)
from .fields import FALSE_WORDS, TRUE_WORDS, WageRules, pays_london_living_wage

SORTS = {
    "closing": "Closing date (soonest first)",
    "distance": "Distance (nearest first)",
    "wage": "Wage (highest first)",
}
DISTANCES_KM = (1, 2, 5, 10, 20, 50)
MAX_DISTANCE_KM = 100
MAX_PAGE = 10_000
MAX_PER_PAGE = 100
MAX_KEYWORDS = 100
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
QUERY_PARAMETERS = ("q", "borough", "level", "standard", "llw", "postcode", "distance", "sort", "page", "per_page")


@dataclass
class ListingQuery:
    """What a person searched for, checked."""

    q: str = ""
    borough: str | None = None
    level: int | None = None
    standard: str | None = None
    llw: bool = False
    postcode: ParsedPostcode | None = None
    distance: float | None = None
    sort: str = "closing"
    page: int = 1
    per_page: int = 20


@dataclass
class Results:
    """One page of live placements, each with its distance in km when a postcode was given."""

    items: list[tuple[Placement, float | None]] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = 20

    @property
    def pages(self) -> int:
        """How many pages there are (at least one, even when empty)."""
        return max(1, math.ceil(self.total / self.per_page))


def parse_listing_args(
    args: Mapping[str, str], *, default_per_page: int = 20, allow_per_page: bool = False
) -> tuple[ListingQuery, dict[str, str]]:
    """Check the listing's filters (from a query string); return the query and {parameter: message}.

    With `allow_per_page` (the API) a distance filter or distance order without a postcode is ignored, as the
    OpenAPI document says, instead of refused: an API description cannot say one parameter needs another."""
    errors: dict[str, str] = {}
    text = {name: _clean(args.get(name, "")) for name in QUERY_PARAMETERS}
    # Checked in this order, so the error summary lists the problems in the order of the form.
    query = ListingQuery(
        q=_parse_keywords(text["q"], errors),
        borough=_parse_borough(text["borough"], errors),
        level=_parse_level(text["level"], errors),
        standard=_parse_standard(text["standard"], errors),
        llw=_parse_llw(text["llw"], errors),
        postcode=_parse_postcode(text["postcode"], errors),
        distance=_parse_distance(text["distance"], bool(text["postcode"]), allow_per_page, errors),
        sort=_parse_sort(text["sort"], bool(text["postcode"]), allow_per_page, errors),
        page=_positive(text["page"], "page", "Page", MAX_PAGE, errors) or 1,
        per_page=_parse_per_page(text["per_page"], default_per_page, allow_per_page, errors),
    )
    return query, errors


def _clean(value: object) -> str:
    """A parameter's text, trimmed; anything but a string counts as empty."""
    # Control characters (a NUL byte above all, which PostgreSQL refuses) carry no meaning in a search: dropped.
    return CONTROL_CHARACTERS.sub("", value).strip() if isinstance(value, str) else ""


def _parse_keywords(text: str, errors: dict[str, str]) -> str:
    """The keywords, which have a maximum length."""
    if len(text) > MAX_KEYWORDS:
        errors["q"] = f"Keywords must be {MAX_KEYWORDS} characters or fewer"
    return text


def _parse_borough(text: str, errors: dict[str, str]) -> str | None:
    """A borough's slug (one that exists), or None when not given."""
    if not text:
        return None
    slug = text.lower()
    if db.session.scalar(select(Borough.id).where(Borough.slug == slug)) is None:
        errors["borough"] = "Select a borough from the list"
    return slug


def _parse_level(text: str, errors: dict[str, str]) -> int | None:
    """A level some standard has, or None when not given."""
    if not text:
        return None
    levels = set(db.session.scalars(select(Standard.level).distinct()))
    level = whole_number(text, 2)
    if level not in levels:
        errors["level"] = "Select a level from the list"
    return level


def _parse_standard(text: str, errors: dict[str, str]) -> str | None:
    """A standard's reference (one in the catalogue), or None when not given."""
    if not text:
        return None
    reference = text.upper()
    if db.session.scalar(select(Standard.id).where(Standard.reference == reference)) is None:
        errors["standard"] = "Select an apprenticeship standard from the list"
    return reference


def _parse_llw(text: str, errors: dict[str, str]) -> bool:
    """Whether only placements paying the London Living Wage are wanted (yes or no; empty means no)."""
    llw = text.lower()
    if llw in TRUE_WORDS:
        return True
    if llw not in FALSE_WORDS:
        errors["llw"] = "London Living Wage must be yes or no"
    return False


def _parse_postcode(text: str, errors: dict[str, str]) -> ParsedPostcode | None:
    """A London postcode to measure distances from, or None when not given or not valid."""
    if not text:
        return None
    try:
        postcode = parse_postcode(text)
        require_london(postcode)
    except PostcodeError as error:
        errors["postcode"] = error.message
        return None
    return postcode


def _parse_distance(text: str, has_postcode: bool, lenient: bool, errors: dict[str, str]) -> float | None:
    """The distance in km to search within, which needs a postcode (`lenient`, for the API: ignored without one)."""
    if not text:
        return None
    try:
        distance = float(text)
    except ValueError:
        distance = math.nan
    if not 1 <= distance <= MAX_DISTANCE_KM:  # NaN fails too
        errors["distance"] = f"Distance must be a number of kilometres from 1 to {MAX_DISTANCE_KM}"
        return None
    if not has_postcode:
        if lenient:
            return None
        errors.setdefault("postcode", "Enter a postcode to search by distance")
    return distance


def _parse_sort(text: str, has_postcode: bool, lenient: bool, errors: dict[str, str]) -> str:
    """The order (closing date by default); by distance needs a postcode (`lenient`: by closing date without one)."""
    sort = text.lower() or "closing"
    if sort not in SORTS:
        errors["sort"] = "Sort by closing date, distance or wage"
    elif sort == "distance" and not has_postcode:
        if lenient:
            sort = "closing"
        else:
            errors.setdefault("postcode", "Enter a postcode to sort by distance")
    return sort


def _parse_per_page(text: str, default: int, allowed: bool, errors: dict[str, str]) -> int:
    """Results per page: only the API may choose it."""
    if allowed:
        return _positive(text, "per_page", "Results per page", MAX_PER_PAGE, errors) or default
    if text:
        errors["per_page"] = "Results per page cannot be changed here"
    return default


def _positive(value: str, name: str, label: str, maximum: int, errors: dict[str, str]) -> int | None:
    """A whole number from 1 to `maximum`, or None when not given or not valid."""
    if not value:
        return None
    number = whole_number(value, 6)
    if number is None or not 1 <= number <= maximum:
        errors[name] = f"{label} must be a whole number from 1 to {maximum:,}"
        return None
    return number


def live_filter(today: date | None = None) -> ColumnElement[bool]:
    """Live and not yet past the closing date: the only placements the public ever sees."""
    return (Placement.status == PlacementStatus.LIVE.value) & (Placement.closing_date >= (today or date.today()))


def search_live(query: ListingQuery, today: date | None = None, published_after: datetime | None = None) -> Results:
    """One page of live placements matching the query (published after a time, if given), filtered in SQL;
    distances only for the rows left."""
    conditions = _conditions(query, today, published_after)
    results = Results(page=query.page, per_page=query.per_page)
    # Ties always fall back to the soonest closing date, then the id, so every order is stable across pages.
    order = [*([Placement.hourly_wage.desc()] if query.sort == "wage" else []), Placement.closing_date, Placement.id]
    if query.postcode is None:
        _fill_page(results, conditions, order)
    else:
        _fill_page_with_distances(results, query, query.postcode.area, conditions, order)
    return results


def _conditions(query: ListingQuery, today: date | None, published_after: datetime | None) -> list[ColumnElement[bool]]:
    """The query's filters (all but distance) as SQL conditions on Placement."""
    conditions = [live_filter(today)]
    if published_after is not None:
        conditions.append(Placement.published_at > published_after)
    if query.borough:
        conditions.append(
            Placement.borough_id == select(Borough.id).where(Borough.slug == query.borough).scalar_subquery()
        )
    if query.standard:
        conditions.append(
            Placement.standard_id == select(Standard.id).where(Standard.reference == query.standard).scalar_subquery()
        )
    if query.level is not None:
        conditions.append(Placement.standard_id.in_(select(Standard.id).where(Standard.level == query.level)))
    if query.llw:
        conditions.append(Placement.hourly_wage >= WageRules.from_config(current_app.config).london_living_wage)
    if query.q:
        words = [
            or_(
                Placement.title.icontains(word, autoescape=True),
                Placement.skills_text.icontains(word, autoescape=True),
                Placement.description.icontains(word, autoescape=True),
            )
            for word in query.q.split()[:10]
        ]
        conditions.extend(words)
    return conditions


def _fill_page(
    results: Results, conditions: list[ColumnElement[bool]], order: Sequence[SQLColumnExpression[Any]]
) -> None:
    """Count and load one page of the placements, in SQL order, with no distances (no postcode was given)."""
    offset = (results.page - 1) * results.per_page
    results.total = db.session.execute(select(func.count(Placement.id)).where(*conditions)).scalar_one()
    # Sort and page narrow rows (ids only), then load the few full rows shown.
    page_ids = list(
        db.session.scalars(
            select(Placement.id).where(*conditions).order_by(*order).limit(results.per_page).offset(offset)
        )
    )
    results.items = [(placement, None) for placement in _load_in_order(page_ids)]


def _fill_page_with_distances(
    results: Results,
    query: ListingQuery,
    origin: OutwardArea,
    conditions: list[ColumnElement[bool]],
    order: Sequence[SQLColumnExpression[Any]],
) -> None:
    """Count and load one page of the placements within the distance of `origin`, each with its distance."""
    offset = (results.page - 1) * results.per_page
    if query.distance is not None:  # a bounding box in SQL (plain comparisons) before the exact distance
        dlat = query.distance / KM_PER_DEGREE
        dlon = query.distance / (KM_PER_DEGREE * max(math.cos(math.radians(origin.lat)), 0.01))
        conditions = [
            *conditions,
            Placement.lat.between(origin.lat - dlat, origin.lat + dlat),
            Placement.lon.between(origin.lon - dlon, origin.lon + dlon),
        ]
    # Core rows, not ORM ones: thousands of (id, lat, lon) need no identity map.
    rows = (
        db.session.connection()
        .execute(select(Placement.id, Placement.lat, Placement.lon).where(*conditions).order_by(*order))
        .all()
    )
    if not rows:
        return
    # The exact (haversine) distance, for the rows the database left only, in one vectorised step.
    ids, lats, lons = (np.array(column, dtype=float) for column in zip(*rows))  # columns: cheaper than rows
    km = haversine_km(origin.lat, origin.lon, lats, lons)
    keep = np.flatnonzero(km <= query.distance) if query.distance is not None else np.arange(len(km))
    if query.sort == "distance":
        keep = keep[np.argsort(km[keep], kind="stable")]  # stable: equal distances keep the SQL order
    results.total = int(keep.size)
    page = keep[offset : offset + results.per_page]
    placements = _load_in_order([int(ids[i]) for i in page])
    results.items = [(placement, float(km[i])) for placement, i in zip(placements, page)]


def _load_in_order(ids: list[int]) -> list[Placement]:
    """Full rows (with borough and standard) for these ids, in the order given."""
    if not ids:
        return []
    by_id = {
        v.id: v
        for v in db.session.scalars(
            select(Placement)
            .where(Placement.id.in_(ids))
            .options(joinedload(Placement.borough), joinedload(Placement.standard))
        )
    }
    return [by_id[i] for i in ids]


def get_live(placement_id: int, today: date | None = None) -> Placement | None:
    """A live, open placement by id, or None (drafts, closed and expired ones are not public)."""
    return db.session.scalar(
        select(Placement)
        .where(Placement.id == placement_id, live_filter(today))
        .options(joinedload(Placement.borough), joinedload(Placement.standard))
    )


def filter_choices() -> dict[str, list[Any]]:
    """The options for the listing's filters: boroughs, levels and standards."""
    standards = list(db.session.scalars(select(Standard).order_by(Standard.title)))
    return {
        "boroughs": list(db.session.execute(select(Borough.slug, Borough.name).order_by(Borough.name))),
        "levels": sorted({s.level for s in standards}),
        "standards": [(s.reference, f"{s.title} (level {s.level})") for s in standards],
    }


def describe(placement: Placement, distance_km: float | None = None, url: str | None = None) -> dict[str, Any]:
    """A placement as open data (the API's Placement schema: nested objects, so its values are of mixed types)."""
    rules = WageRules.from_config(current_app.config)
    return {
        "id": placement.id,
        "title": placement.title,
        "url": url,
        "borough": {
            "name": placement.borough.name,
            "slug": placement.borough.slug,
            "ons_code": placement.borough.ons_code,
        },
        "standard": {
            "reference": placement.standard.reference,
            "title": placement.standard.title,
            "level": placement.standard.level,
            "duration_months": placement.standard.duration_months,
        },
        "description": placement.description,
        "skills": list(placement.skills or []),
        "skills_text": placement.skills_text,
        "wage": {
            "amount": float(placement.wage_amount),
            "unit": placement.wage_unit,
            "hourly": float(placement.hourly_wage),
        },
        "pays_london_living_wage": pays_london_living_wage(placement.hourly_wage, rules),
        "hours_per_week": placement.hours_per_week,
        "positions": placement.positions,
        "start_date": placement.start_date.isoformat(),
        "closing_date": placement.closing_date.isoformat(),
        "workplace": {
            "outward_postcode": placement.workplace_outward,
            "latitude": placement.lat,
            "longitude": placement.lon,
        },
        "distance_km": round(distance_km, 2) if distance_km is not None else None,
        "training_provider": placement.training_provider,
        "disability_confident": placement.disability_confident,
        "resident_priority": placement.resident_priority,
        "interview_adjustments_contact": placement.adjustments_contact,
    }
