"""The analyst's report: the diversity funnel, fairness per stage, crossing and outreach channels, all suppressed."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select

from ...extensions import db
from ...models import Borough, MatchRun, RecruitmentCycle
from .disclosure import MIN_COUNT, Table, protected_table
from .population import (NOT_ANSWERED, STAGES, Filters, Population, census_shares, characteristics, gather,
                         group_codes, stage_counts)


def filter_choices() -> dict:
    """The values the filter form offers: characteristics, stages, boroughs and match runs."""
    runs = db.session.execute(select(MatchRun.id, MatchRun.round, MatchRun.created_at).order_by(MatchRun.id.desc())).all()
    return {
        "characteristics": [(c.key, c.label) for c in characteristics().values()],
        "stages": [(key, label) for key, label, level in STAGES if level > 0],
        "boroughs": db.session.execute(select(Borough.slug, Borough.name).order_by(Borough.name)).tuples().all(),
        "rounds": sorted({r.round for r in runs}),
        "runs": [(r.id, f"Run {r.id}, round {r.round}, {r.created_at:%d %b %Y}") for r in runs],
        "cycles": db.session.execute(select(RecruitmentCycle.id, RecruitmentCycle.name)
                                     .order_by(RecruitmentCycle.opens_on.desc())).tuples().all(),
    }


def parse_filters(args, choices: dict) -> tuple[Filters, dict[str, str]]:
    """Read the GET form; unknown values get GOV.UK-style messages instead of an error page."""
    errors: dict[str, str] = {}

    def pick(name, allowed, message, default=""):
        value = (args.get(name) or "").strip() or default
        if value and value not in allowed:
            errors[name] = message
            return default
        return value

    def number(name, allowed, message):
        value = pick(name, {str(a) for a in allowed}, message)
        return int(value) if value else None

    keys = [key for key, _ in choices["characteristics"]]
    characteristic = pick("characteristic", keys, "Select a characteristic from the list", "ethnicity")
    cross_with = pick("cross_with", keys, "Select a characteristic to cross with from the list")
    if cross_with and cross_with == characteristic and "characteristic" not in errors:
        errors["cross_with"] = "Select a different characteristic to cross with, or select Do not cross"
        cross_with = ""
    stage = pick("stage", [key for key, _ in choices["stages"]], "Select a stage from the list")
    borough = pick("borough", [slug for slug, _ in choices["boroughs"]], "Select a borough from the list")
    round_ = number("round", choices["rounds"], "Select a match round from the list")
    run = number("run", [run_id for run_id, _ in choices["runs"]], "Select a match run from the list")
    cycle = number("cycle", [cycle_id for cycle_id, _ in choices.get("cycles", [])], "Select a cycle from the list")
    return Filters(characteristic, cross_with, stage, borough, round_, run, cycle), errors


def funnel(filters: Filters, population: Population | None = None) -> tuple[Table, np.ndarray]:
    """The diversity funnel for one characteristic, suppressed, with the London census share where one exists."""
    population = population or gather(filters)
    characteristic = characteristics()[filters.characteristic]
    codes = group_codes(characteristic, population)
    labels = [*characteristic.groups, NOT_ANSWERED]
    table = protected_table([label for _, label, _ in STAGES], labels,
                            stage_counts(codes, population.levels, len(labels)))
    census = census_shares().get(characteristic.census_key or "", {})
    table.extra = [census.get(label) for label in labels]
    return table, codes


# --- Fairness per stage transition ---

@dataclass(frozen=True)
class FairnessRow:
    group: str
    selected: Cell
    total: Cell
    rate: float | None  # None when a count is hidden (a rate would reveal it) or there is not enough data
    interval: tuple[float, float] | None
    p_value: float | None
    note: str


@dataclass(frozen=True)
class Transition:
    from_label: str
    to_label: str
    rows: list[FairnessRow]
    ratio: float | None  # shown only if both groups' rates are shown
    lowest: str | None
    highest: str | None
    flagged: bool


def fairness(table: Table, stage: str = "") -> list[Transition]:
    """Selection rate, Wilson interval, Fisher p and adverse impact ratio for each stage transition (or the chosen one).

    The counts are the funnel's own cells, so anything the funnel hides stays hidden here: a rate, interval or
    p-value is shown only when both of its counts are. People who did not answer are not a group to compare."""
    from matching import fairness_report  # scipy loads only when a report is drawn

    transitions = []
    groups = [(label, row) for label, row in zip(table.labels, table.rows) if label != NOT_ANSWERED]
    for step in range(1, len(STAGES)):
        if stage and STAGES[step][0] != stage:
            continue
        report = fairness_report({label: (row[step].count, row[step - 1].count) for label, row in groups})
        stats = {s.group: s for s in report.groups}
        rows, shown = [], set()
        for label, row in groups:
            s, selected, total = stats[label], row[step], row[step - 1]
            visible = not selected.hidden and not total.hidden and s.enough_data
            note = ("not enough data" if not s.enough_data
                    else "hidden: it would reveal a count under 10" if not visible else "")
            if visible:
                shown.add(label)
            rows.append(FairnessRow(label, selected, total, s.rate if visible else None,
                                    (s.interval_low, s.interval_high) if visible else None,
                                    s.fisher_p_value if visible else None, note))
        ratio = report.adverse_impact_ratio if {report.lowest_group, report.highest_group} <= shown else None
        transitions.append(Transition(STAGES[step - 1][1], STAGES[step][1], rows, ratio, report.lowest_group,
                                      report.highest_group, report.flagged))
    return transitions


# --- Crossing two characteristics ---

@dataclass(frozen=True)
class Crossing:
    row_label: str
    column_label: str
    stage_label: str
    refused: bool
    rows: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    counts: list[list[int]] = field(default_factory=list)


def crossing(filters: Filters, population: Population, codes: np.ndarray) -> Crossing:
    """Two characteristics crossed at one stage, only when every cell (not answered included) is at least 10."""
    first, second = characteristics()[filters.characteristic], characteristics()[filters.cross_with]
    stage_key, stage_label, level = next(s for s in STAGES if s[0] == (filters.stage or "applied"))
    other = group_codes(second, population, position=1)
    rows, columns = [*first.groups, NOT_ANSWERED], [*second.groups, NOT_ANSWERED]
    reached = population.levels >= level
    grid = np.bincount(codes[reached] * len(columns) + other[reached], minlength=len(rows) * len(columns))
    counts = grid.reshape(len(rows), len(columns)).tolist()
    if min(min(row) for row in counts) < MIN_COUNT:
        return Crossing(first.label, second.label, stage_label, True)  # nothing of the grid leaves this function
    return Crossing(first.label, second.label, stage_label, False, rows, columns, counts)


# --- Outreach channels (no equality data needed) ---

def channel_tables(population: Population, channel_labels: dict[str, str]) -> tuple[Table, Table]:
    """Applications and progression by how candidates heard about us and by campaign code, suppressed."""
    def by(position, order, label_of):
        values = {row[position] for row in population.channels}
        keys = list(dict.fromkeys([*order, *sorted(v for v in values if v is not None and v not in order)]))
        keys.append(None)
        index = {key: number for number, key in enumerate(keys)}
        codes = np.full(len(population.levels), len(keys) - 1, dtype=np.int64)
        for row in population.channels:
            codes[row[-1]] = index.get(row[position], len(keys) - 1)
        counts = stage_counts(codes, population.levels, len(keys))
        return protected_table([label for _, label, _ in STAGES], [label_of(k) for k in keys], counts)

    channels = by(0, list(channel_labels), lambda k: channel_labels.get(k, k) if k else "Not given")
    campaigns = by(1, [], lambda k: k or "No campaign code")
    return channels, campaigns


@dataclass
class OutreachReport:
    characteristic: str
    funnel: Table
    fairness: list[Transition]
    crossing: Crossing | None
    channels: Table
    campaigns: Table


def outreach_report(filters: Filters, channel_labels: dict[str, str]) -> OutreachReport:
    """Everything on the analyst's page, as suppressed aggregates only."""
    population = gather(filters, [filters.characteristic, *([filters.cross_with] if filters.cross_with else [])])
    table, codes = funnel(filters, population)
    cross = crossing(filters, population, codes) if filters.cross_with else None
    channels, campaigns = channel_tables(population, channel_labels)
    return OutreachReport(characteristics()[filters.characteristic].label, table, fairness(table, filters.stage),
                          cross, channels, campaigns)
