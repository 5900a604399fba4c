"""Progress towards a cycle's targets, per borough and London-wide: placements posted, live and filled, and how far
candidates got. Counts only; counts of people under 10 are hidden wherever the viewer may not see them exactly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import chain
from typing import Any, Literal, TypedDict, cast

import numpy as np
import numpy.typing as npt
from sqlalchemy import ColumnElement, ScalarSelect, Select, case, func, select

from ..extensions import db
from ..models import (
    FUNNEL_LEVEL,
    Borough,
    BoroughTarget,
    Candidate,
    Choice,
    CycleProgress,
    Placement,
    PlacementStatus,
    RecruitmentCycle,
    Suggestion,
)
from .reports.disclosure import MIN_COUNT

# How candidates progress: each a count of different people who reached at least that stage.
PEOPLE_STAGES = (
    ("chose", "Chose a placement"),
    ("suggested", "Suggested"),
    ("shortlisted", "Shortlisted"),
    ("interview", "Invited to interview"),
    ("offered", "Offered"),
    ("accepted", "Accepted an offer"),
    ("started", "Started"),
)
PlacementCount = Literal["posted", "live", "filled", "positions"]
PLACEMENT_COUNTS: tuple[tuple[PlacementCount, str], ...] = (
    ("posted", "Placements posted"),
    ("live", "Live now"),
    ("filled", "Filled"),
    ("positions", "Positions posted"),
)
_LEVEL = case(*[(Suggestion.stage == stage, level) for stage, level in FUNNEL_LEVEL.items()], else_=1)
_LEVEL_STAGES = {1: "suggested", 2: "shortlisted", 3: "interview", 4: "offered", 5: "accepted"}
# Shading of the map: (lowest share of target, label); a borough with no target or no shown count is not shaded.
BANDS = ((1.0, "Target reached"), (0.75, "75% to 99%"), (0.5, "50% to 74%"), (0.25, "25% to 49%"), (0.0, "Under 25%"))


# The statuses counted as they are, and the figure each one adds to.
_STATUS_COUNTS: dict[str, Literal["live", "filled"]] = {
    PlacementStatus.LIVE.value: "live",
    PlacementStatus.FILLED.value: "filled",
}


class AreaFigures(TypedDict):
    """One area's raw counts (a borough, or London): placements and positions, and people by stage reached."""

    posted: int
    live: int
    filled: int
    positions: int
    people: dict[str, int]  # PEOPLE_STAGES key -> how many different people reached it


class Figures(TypedDict):
    """A cycle's raw counts, per borough id (as text: the figures are kept as JSON) and London-wide."""

    boroughs: dict[str, AreaFigures]
    london: AreaFigures


def _zero() -> AreaFigures:
    """An area's counts before anything is counted."""
    return {"posted": 0, "live": 0, "filled": 0, "positions": 0, "people": {key: 0 for key, _ in PEOPLE_STAGES}}


def compute_figures(cycle: RecruitmentCycle, today: date | None = None) -> Figures:
    """Raw counts for a cycle, per borough id and London-wide, from a handful of grouped queries."""
    today = today or date.today()
    boroughs = {b: _zero() for b in db.session.scalars(select(Borough.id))}
    london = _zero()
    in_cycle = Placement.cycle_id == cycle.id
    statuses = db.session.execute(
        select(Placement.borough_id, Placement.status, func.count(), func.sum(Placement.positions))
        .where(in_cycle)
        .group_by(Placement.borough_id, Placement.status)
    ).all()
    for borough_id, status, count, positions in statuses:
        for figures in (boroughs[borough_id], london):
            if status != PlacementStatus.DRAFT.value:
                figures["posted"] += count
                figures["positions"] += int(positions or 0)
            counted_as = _STATUS_COUNTS.get(status)
            if counted_as is not None:
                figures[counted_as] += count

    # People: plain integer rows (borough, candidate, level) fetched once and counted in numpy; a database's own
    # COUNT(DISTINCT …) per group is many times slower on SQLite.
    chose = _array(
        select(Placement.borough_id, Choice.candidate_id)
        .join(Placement, Placement.id == Choice.placement_id)
        .join(Candidate, Candidate.id == Choice.candidate_id)
        .where(in_cycle, Candidate.submitted_at.is_not(None)),
        2,
    )
    _count_people(boroughs, london, "chose", chose[:, 0], chose[:, 1])
    started_now = case((Placement.start_date <= today, 1), else_=0)
    suggestions = _array(
        select(Placement.borough_id, Suggestion.candidate_id, _LEVEL, started_now)
        .join(Placement, Placement.id == Suggestion.placement_id)
        .where(in_cycle),
        4,
    )
    for level, stage in _LEVEL_STAGES.items():
        reached = suggestions[:, 2] >= level
        _count_people(boroughs, london, stage, suggestions[reached, 0], suggestions[reached, 1])
    started = (suggestions[:, 2] == 5) & (suggestions[:, 3] == 1)
    _count_people(boroughs, london, "started", suggestions[started, 0], suggestions[started, 1])
    return {"boroughs": {str(k): v for k, v in boroughs.items()}, "london": london}


def _array(statement: Select[Any], columns: int) -> npt.NDArray[np.int64]:
    """A query's integer rows as one numpy array."""
    rows = db.session.connection().execute(statement).all()
    # Rows flattened value by value: numpy's own conversion of Row objects probes each one slowly.
    return np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=len(rows) * columns).reshape(-1, columns)


def _count_people(
    boroughs: dict[int, AreaFigures],
    london: AreaFigures,
    stage: str,
    borough_ids: npt.NDArray[np.int64],
    candidate_ids: npt.NDArray[np.int64],
) -> None:
    """How many different people per borough (a person once per borough) and London-wide (once in all)."""
    if not len(candidate_ids):
        return
    pairs = np.unique(borough_ids * (int(candidate_ids.max()) + 1) + candidate_ids)
    per_borough = np.bincount(pairs // (int(candidate_ids.max()) + 1))
    for borough_id in np.flatnonzero(per_borough):
        boroughs[int(borough_id)]["people"][stage] = int(per_borough[borough_id])
    london["people"][stage] = int(np.unique(candidate_ids).size)


# Figures already computed in this process, by cycle: (what the data looked like, the figures). Counting every
# suggestion takes a few hundred milliseconds on 30,000 of them; checking nothing changed takes a few.
_COMPUTED: dict[int, tuple[tuple[object, ...], Figures]] = {}


def _data_state(cycle: RecruitmentCycle, today: date) -> tuple[object, ...]:
    """A cheap fingerprint of everything the figures are counted from: any insert, update or delete changes it.

    Every ORM update of a suggestion raises its version (optimistic locking), so the sum of versions moves with stage
    changes; placements and applications carry updated_at; "started" depends on the date."""

    def one(*columns: ColumnElement[Any], where: ColumnElement[bool] | None = None) -> ScalarSelect[Any]:
        query = select(*columns)
        return (query.where(where) if where is not None else query).scalar_subquery()

    row = db.session.execute(
        select(
            one(func.count(Suggestion.id)),
            one(func.max(Suggestion.id)),
            one(func.sum(Suggestion.version)),
            one(func.count(Choice.id)),
            one(func.max(Choice.id)),
            one(func.count(Placement.id), where=Placement.cycle_id == cycle.id),
            one(func.max(Placement.updated_at), where=Placement.cycle_id == cycle.id),
            one(func.count(Candidate.id)),
            one(func.max(Candidate.updated_at)),
        )
    ).one()
    return (today, *row)


def figures_for(cycle: RecruitmentCycle, today: date | None = None) -> Figures:
    """A closed cycle's saved figures, or an open cycle's as they stand now (recounted only when the data changed)."""
    if cycle.closed_at is not None:
        saved = db.session.get(CycleProgress, cycle.id)
        if saved is not None:
            return cast(Figures, saved.figures)  # a JSON column: what save_figures stored from compute_figures
    today = today or date.today()
    state = _data_state(cycle, today)
    cached = _COMPUTED.get(cycle.id)
    if cached is not None and cached[0] == state:
        return cached[1]
    figures = compute_figures(cycle, today)
    _COMPUTED[cycle.id] = (state, figures)
    return figures


def save_figures(cycle: RecruitmentCycle) -> None:
    """Keep a closing cycle's figures as they stand (the caller commits)."""
    db.session.merge(CycleProgress(cycle_id=cycle.id, figures=compute_figures(cycle)))


# --- What a viewer sees ---


@dataclass(frozen=True)
class Count:
    value: int
    hidden: bool  # a count of people under 10 the viewer may not see exactly

    @property
    def text(self) -> str:
        return f"<{MIN_COUNT}" if self.hidden else f"{self.value:,}"

    @property
    def shown(self) -> int | None:
        return None if self.hidden else self.value


@dataclass(frozen=True)
class Row:
    slug: str
    name: str
    ons_code: str
    taking_part: bool
    target: int | None
    placements: dict[str, int]
    people: dict[str, Count]

    @property
    def share(self) -> float | None:
        """Started as a share of the target, when both are known to the viewer."""
        started = self.people["started"]
        if self.target is None or self.target == 0 or started.hidden:
            return None
        return started.value / self.target

    @property
    def band(self) -> str | None:
        share = self.share
        return None if share is None else next(label for low, label in BANDS if share >= low)


@dataclass
class Progress:
    cycle: RecruitmentCycle
    london: Row
    boroughs: list[Row]  # every borough, by name
    exact_for: str  # "all", a borough slug, or "" (every count of people under 10 hidden)

    @property
    def taking_part(self) -> list[Row]:
        return [row for row in self.boroughs if row.taking_part or row.placements["posted"]]


def progress(cycle: RecruitmentCycle, exact_for: str = "") -> Progress:
    """The cycle's progress for a viewer: people counts under 10 are hidden except where `exact_for` allows
    ("all" for admins, their own borough's slug for borough staff and recruiters)."""
    figures = figures_for(cycle)
    targets = dict(
        db.session.execute(
            select(BoroughTarget.borough_id, BoroughTarget.target).where(BoroughTarget.cycle_id == cycle.id)
        )
        .tuples()
        .all()
    )

    def row(slug: str, name: str, ons_code: str, taking_part: bool, target: int | None, raw: AreaFigures) -> Row:
        exact = exact_for == "all" or (exact_for and exact_for == slug)
        people = {
            key: Count(raw["people"][key], not exact and raw["people"][key] < MIN_COUNT) for key, _ in PEOPLE_STAGES
        }
        return Row(slug, name, ons_code, taking_part, target, {key: raw[key] for key, _ in PLACEMENT_COUNTS}, people)

    boroughs = [
        row(b.slug, b.name, b.ons_code, b.taking_part, targets.get(b.id), figures["boroughs"].get(str(b.id), _zero()))
        for b in db.session.scalars(select(Borough).order_by(Borough.name))
    ]
    london = row("london", "London", "E12000007", True, cycle.target, figures["london"])
    return Progress(cycle, london, boroughs, exact_for)


def cycle_for_progress(cycle_id: int | None) -> RecruitmentCycle | None:
    """The chosen cycle, else the current one, else the latest to open; None when there is no cycle at all."""
    from .cycles import current_cycle

    if cycle_id is not None:
        return db.session.get(RecruitmentCycle, cycle_id)
    return current_cycle() or db.session.scalar(
        select(RecruitmentCycle).order_by(RecruitmentCycle.opens_on.desc(), RecruitmentCycle.id.desc()).limit(1)
    )


def summary_sentences(data: Progress) -> list[str]:
    """What the chart says, in words."""
    london = data.london
    started = london.people["started"]
    sentences = []
    if london.target:
        if started.hidden:
            sentences.append(
                f"Fewer than {MIN_COUNT} apprenticeships have started across London, against a target of "
                f"{london.target:,}."
            )
        else:
            sentences.append(
                f"{started.value:,} apprenticeship{'s have' if started.value != 1 else ' has'} started across "
                f"London: {100 * started.value / london.target:.0f}% of the target of {london.target:,}."
            )
    else:
        sentences.append("No London-wide target is set for this cycle.")
    sentences.append(
        f"{london.placements['posted']:,} placement{'s' if london.placements['posted'] != 1 else ''} "
        f"posted, {london.placements['live']:,} live now and {london.placements['filled']:,} filled."
    )
    reached = [row.name for row in data.boroughs if row.share is not None and row.share >= 1]
    if reached:
        sentences.append(f"Reached their own target: {', '.join(reached)}.")
    with_target = [row for row in data.boroughs if row.target]
    if with_target:
        sentences.append(f"{len(with_target)} borough{'s have' if len(with_target) != 1 else ' has'} its own target.")
    return sentences


class OpenArea(TypedDict):
    """One area's public figures: a count of people the public may not see exactly is None (null)."""

    name: str
    slug: str
    ons_code: str
    taking_part: bool
    target: int | None
    placements: dict[str, int]
    people: dict[str, int | None]


class OpenCycle(TypedDict):
    """The cycle the public figures are of, with its dates as ISO text."""

    id: int
    name: str
    opens_on: str
    closes_on: str
    closed: bool


class OpenData(TypedDict):
    """The public progress figures, as the API gives them (JSON)."""

    cycle: OpenCycle
    suppressed_below: int
    london: OpenArea
    boroughs: list[OpenArea]


def open_data(data: Progress) -> OpenData:
    """The public figures as the API gives them: a hidden count of people is null."""

    def area(row: Row) -> OpenArea:
        return {
            "name": row.name,
            "slug": row.slug,
            "ons_code": row.ons_code,
            "taking_part": row.taking_part,
            "target": row.target,
            "placements": dict(row.placements),
            "people": {key: count.shown for key, count in row.people.items()},
        }

    cycle = data.cycle
    return {
        "cycle": {
            "id": cycle.id,
            "name": cycle.name,
            "opens_on": cycle.opens_on.isoformat(),
            "closes_on": cycle.closes_on.isoformat(),
            "closed": cycle.closed_at is not None,
        },
        "suppressed_below": MIN_COUNT,
        "london": area(data.london),
        "boroughs": [area(row) for row in data.boroughs],
    }
