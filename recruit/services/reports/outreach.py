"""The analyst's report: the diversity funnel, fairness per stage, crossing and outreach channels, all suppressed."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Literal, TypedDict

import numpy as np
from sqlalchemy import case, func, select

from ...extensions import db
from ...models import (
    Borough,
    Candidate,
    MatchRun,
    RecruitmentCycle,
    RunStatus,
    Suggestion,
    SuggestionStage,
    funnel_level,
)
from .disclosure import MIN_COUNT, Cell, Statistic, Table, protected_table
from .population import (
    NOT_ANSWERED,
    STAGES,
    Characteristic,
    Filters,
    Population,
    census_shares,
    census_source,
    characteristics,
    gather,
    group_codes,
    scoped_suggestions,
    stage_counts,
)


class FilterChoices(TypedDict):
    """The values the report's filter form offers, as (value, label) pairs where the form shows labels."""

    cycles: list[tuple[int, str]]
    closed_cycles: set[int]
    characteristics: list[tuple[str, str]]
    stages: list[tuple[str, str]]
    boroughs: Sequence[tuple[str, str]]
    rounds: list[int]
    runs: list[tuple[int, str]]


def filter_choices() -> FilterChoices:
    """The values the filter form offers: characteristics, stages, boroughs and match runs."""
    runs = db.session.execute(
        select(MatchRun.id, MatchRun.round, MatchRun.created_at)
        .where(MatchRun.status == RunStatus.PUBLISHED.value)
        .order_by(MatchRun.id.desc())
    ).all()
    cycles = db.session.execute(
        select(RecruitmentCycle.id, RecruitmentCycle.name, RecruitmentCycle.closed_at).order_by(
            RecruitmentCycle.opens_on.desc(), RecruitmentCycle.id.desc()
        )
    ).all()
    return {
        "cycles": [(c.id, f"{c.name} (closed: saved counts)" if c.closed_at else c.name) for c in cycles],
        "closed_cycles": {c.id for c in cycles if c.closed_at},
        "characteristics": [(c.key, c.label) for c in characteristics().values()],
        "stages": [(key, label) for key, label, level in STAGES if level > 0],
        "boroughs": db.session.execute(select(Borough.slug, Borough.name).order_by(Borough.name)).tuples().all(),
        "rounds": sorted({r.round for r in runs}),
        "runs": [(r.id, f"Run {r.id}, round {r.round}, {r.created_at:%d %b %Y}") for r in runs],
    }


def parse_filters(args: Mapping[str, str], choices: FilterChoices) -> tuple[Filters, dict[str, str]]:
    """Read the GET form; unknown values get GOV.UK-style messages instead of an error page."""
    errors: dict[str, str] = {}

    def pick(name: str, allowed: Collection[str], message: str, default: str = "") -> str:
        value = (args.get(name) or "").strip() or default
        if value and value not in allowed:
            errors[name] = message
            return default
        return value

    def number(name: str, allowed: Iterable[int], message: str) -> int | None:
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
    cycle = number("cycle", [cycle_id for cycle_id, _ in choices["cycles"]], "Select a recruitment cycle from the list")
    if cycle in choices["closed_cycles"]:
        # A closed cycle kept London-wide counts per characteristic only: nothing finer can be worked out.
        narrower = {
            "cross_with": (cross_with, "Select Do not cross: a closed cycle kept no crossed counts"),
            "borough": (borough, "Select All of London: a closed cycle kept London-wide counts only"),
            "round": (round_, "Select Any round: a closed cycle kept counts for the whole cycle only"),
            "run": (run, "Select Any run: a closed cycle kept counts for the whole cycle only"),
        }
        for name, (value, message) in narrower.items():
            if value not in ("", None) and name not in errors:
                errors[name] = message
    return Filters(characteristic, cross_with, stage, borough, round_, run, cycle), errors


def funnel_caption(characteristic_label: str) -> str:
    return f"Candidates at each stage by {characteristic_label.lower()}"


def funnel(filters: Filters, population: Population | None = None) -> tuple[Table, np.ndarray]:
    """The diversity funnel for one characteristic, suppressed, with the London census share where one exists."""
    population = population or gather(filters)
    characteristic = characteristics()[filters.characteristic]
    codes = group_codes(characteristic, population)
    counts = stage_counts(codes, population.levels, len(characteristic.groups) + 1)
    return funnel_table(characteristic, counts), codes


def funnel_table(characteristic: Characteristic, counts: list[list[int]], labels: list[str] | None = None) -> Table:
    """The funnel's suppressed table from counts per group (NOT_ANSWERED last) and stage, live or saved."""
    labels = labels or [*characteristic.groups, NOT_ANSWERED]
    table = protected_table(
        funnel_caption(characteristic.label),
        [label for _, label, _ in STAGES],
        labels,
        counts,
        not_answered=NOT_ANSWERED,
    )
    census = census_shares().get(characteristic.census_key or "", {})
    if census:
        table.census = [census.get(label) if label != NOT_ANSWERED else None for label in labels]
        assert characteristic.census_key is not None  # no census figures are filed under no key
        table.census_source = census_source(characteristic.census_key)
    return table


# --- Fairness per stage transition ---

OTHERS = "the other groups shown"


@dataclass(frozen=True)
class FairnessRow:
    group: str
    selected: Cell
    total: Cell
    rate: Statistic
    interval: Statistic
    p_value: Statistic  # this group against the other groups whose counts are shown (never hidden ones)


@dataclass(frozen=True)
class Transition:
    from_label: str
    to_label: str
    caption: str
    rows: list[FairnessRow]
    ratio: Statistic  # lowest shown group's rate over the highest's
    flagged: Statistic  # below four fifths (exact), a warning only when shown
    lowest: str | None  # only ever a group whose counts are shown
    highest: str | None
    compared: list[str]  # the groups compared: every count they need is shown and there are at least 10 people


def fairness(table: Table, stage: str = "", characteristic_label: str = "") -> list[Transition]:
    """Selection rate, Wilson interval, Fisher p and adverse impact ratio for each stage transition (or the chosen one).

    Computed among the groups whose two counts are both shown and who number at least 10: a hidden count never
    enters any figure, "everyone else" in a p-value is the other shown groups, and a warning never names a
    group whose counts are hidden. People who did not answer are not a group to compare."""
    from matching import fairness_report  # scipy loads only when a report is drawn

    transitions = []
    groups = [(label, row) for label, row in zip(table.labels, table.rows) if label != NOT_ANSWERED]
    for step in range(1, len(STAGES)):
        if stage and STAGES[step][0] != stage:
            continue
        pairs = {label: (row[step], row[step - 1]) for label, row in groups}
        compared = [
            label
            for label, (selected, total) in pairs.items()
            if not selected.hidden and not total.hidden and total.count >= MIN_COUNT
        ]
        everyone = [cell for label in compared for cell in pairs[label]]
        report = fairness_report({label: (pairs[label][0].count, pairs[label][1].count) for label in compared})
        stats = {s.group: s for s in report.groups}
        rows = []
        for label, (selected, total) in pairs.items():
            s = stats.get(label)
            own = (selected, total)
            small = "" if s else f"Not enough data: fewer than {MIN_COUNT} people"
            rows.append(
                FairnessRow(
                    label,
                    selected,
                    total,
                    Statistic.of(lambda s=s: s and s.rate, own, reason=small),
                    Statistic.of(lambda s=s: s and (s.interval_low, s.interval_high), own, "interval", small),
                    Statistic.of(
                        lambda s=s: s and s.fisher_p_value,
                        everyone if s else own,
                        "p",
                        small or "Not shown: no other group with every count shown to compare with",
                    ),
                )
            )
        no_ratio = (
            "Not shown: it needs at least two groups of 10 or more people whose counts are all shown"
            if len(compared) < 2
            else "Not shown: no group was selected at all"
        )
        from_label, to_label = STAGES[step - 1][1], STAGES[step][1]
        caption = f"Selection from {from_label.lower()} to {to_label.lower()} by {characteristic_label.lower()}"
        transitions.append(
            Transition(
                from_label,
                to_label,
                caption,
                rows,
                Statistic.of(lambda report=report: report.adverse_impact_ratio, everyone, "ratio", no_ratio),
                Statistic.of(
                    lambda report=report: report.flagged if report.adverse_impact_ratio is not None else None,
                    everyone,
                    "flag",
                    no_ratio,
                ),
                report.lowest_group,
                report.highest_group,
                compared,
            )
        )
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
    other = group_codes(second, population)
    rows, columns = [*first.groups, NOT_ANSWERED], [*second.groups, NOT_ANSWERED]
    reached = population.levels >= level
    grid = np.bincount(codes[reached] * len(columns) + other[reached], minlength=len(rows) * len(columns))
    counts = grid.reshape(len(rows), len(columns)).tolist()
    if min(min(row) for row in counts) < MIN_COUNT:
        return Crossing(first.label, second.label, stage_label, True)  # nothing of the grid leaves this function
    return Crossing(first.label, second.label, stage_label, False, rows, columns, counts)


# --- Outreach channels (no equality data needed) ---

CHANNEL_CAPTION = "Candidates at each stage by how they heard about us"
CAMPAIGN_CAPTION = "Candidates at each stage by campaign code"


def channel_counts(population: Population, order: list[str]) -> dict[str, tuple[list[str | None], list[list[int]]]]:
    """Counts per stage by outreach channel ("channel", in `order` first) and by campaign code ("campaign"), each as
    (keys, counts); None (not given) is the last key."""

    def by(position: Literal[0, 1], order: list[str]) -> tuple[list[str | None], list[list[int]]]:
        values = {row[position] for row in population.channels}
        keys: list[str | None] = list(
            dict.fromkeys([*order, *sorted(v for v in values if v is not None and v not in order)])
        )
        keys.append(None)
        index = {key: number for number, key in enumerate(keys)}
        codes = np.full(len(population.levels), len(keys) - 1, dtype=np.int64)
        for row in population.channels:
            codes[row[-1]] = index.get(row[position], len(keys) - 1)
        return keys, stage_counts(codes, population.levels, len(keys))

    return {"channel": by(0, order), "campaign": by(1, [])}


def channel_tables_from(
    counts: Mapping[str, tuple[Sequence[str | None], list[list[int]]]], channel_labels: dict[str, str]
) -> tuple[Table, Table]:
    """The two suppressed outreach tables from channel_counts (live or saved)."""
    columns = [label for _, label, _ in STAGES]
    channel_keys, channel_rows = counts["channel"]
    campaign_keys, campaign_rows = counts["campaign"]
    channels = protected_table(
        CHANNEL_CAPTION, columns, [channel_labels.get(k, k) if k else "Not given" for k in channel_keys], channel_rows
    )
    campaigns = protected_table(
        CAMPAIGN_CAPTION, columns, [k or "No campaign code" for k in campaign_keys], campaign_rows
    )
    return channels, campaigns


def channel_tables(population: Population, channel_labels: dict[str, str]) -> tuple[Table, Table]:
    """Applications and progression by how candidates heard about us and by campaign code, suppressed."""
    return channel_tables_from(channel_counts(population, list(channel_labels)), channel_labels)


# --- Guaranteed interview scheme (no equality data needed: the opt-in is an application answer) ---

SCHEME_COLUMNS = ("Applied", "Suggested", "Invited to interview or further")
SCHEME_CAPTION = "Candidates by guaranteed interview scheme and how far they got"
SCHEME_LABELS = ("Opted in to the scheme", "Did not opt in")
SCHEME_STAGES = ("applied", "suggested", "interview")  # the funnel stage each column is saved under when a cycle closes


def scheme_table(filters: Filters) -> Table:
    """How many candidates opted in to the guaranteed interview scheme (and not), suppressed like every other table."""
    return protected_table(SCHEME_CAPTION, SCHEME_COLUMNS, list(SCHEME_LABELS), scheme_counts(filters))


def scheme_counts(filters: Filters) -> list[list[int]]:
    """How many candidates who opted in to the guaranteed interview scheme (and who did not) were suggested and
    invited to interview (at any time: a later rejection does not undo the invitation), suppressed like every other
    table."""
    level = case((Suggestion.furthest_level >= funnel_level(SuggestionStage.INTERVIEW.value), 2), else_=1)
    grouped = scoped_suggestions(select(Suggestion.candidate_id, func.max(level).label("level")), filters)
    furthest = grouped.group_by(Suggestion.candidate_id).subquery()
    rows = db.session.execute(
        select(Candidate.guaranteed_interview, furthest.c.level, func.count())
        .select_from(Candidate)
        .outerjoin(furthest, furthest.c.candidate_id == Candidate.id)
        .where(Candidate.submitted_at.is_not(None))
        .group_by(Candidate.guaranteed_interview, furthest.c.level)
    ).all()
    counts = [[0, 0, 0], [0, 0, 0]]
    for opted, reached, count in rows:
        row = counts[0 if opted else 1]
        for column in range(1 + (reached or 0)):
            row[column] += count
    return counts


@dataclass
class OutreachReport:
    characteristic: str
    funnel: Table
    fairness: list[Transition]
    crossing: Crossing | None
    channels: Table
    campaigns: Table
    saved_from: str = ""  # the closed cycle whose saved counts these are ("" for live counts)
    too_few: bool = False  # fewer than 10 people in scope: nothing but that is shown
    scheme: Table | None = None  # the guaranteed interview scheme (live, or saved when the cycle closed)


def outreach_report(filters: Filters, channel_labels: dict[str, str]) -> OutreachReport:
    """Everything on the analyst's page, as suppressed aggregates only: live, or a closed cycle's saved counts."""
    cycle = db.session.get(RecruitmentCycle, filters.cycle) if filters.cycle is not None else None
    if cycle is not None and cycle.closed_at is not None:
        return _closed_cycle_report(
            cycle.id, cycle.closed_at, cycle.name, filters.characteristic, filters.stage, tuple(channel_labels.items())
        )
    label = characteristics()[filters.characteristic].label
    population = gather(filters, [filters.characteristic, *([filters.cross_with] if filters.cross_with else [])])
    table, codes = funnel(filters, population)
    cross = crossing(filters, population, codes) if filters.cross_with else None
    channels, campaigns = channel_tables(population, channel_labels)
    return OutreachReport(
        label,
        table,
        fairness(table, filters.stage, label),
        cross,
        channels,
        campaigns,
        "",
        too_few=table.totals[0].count < MIN_COUNT,
        scheme=scheme_table(filters),
    )


@lru_cache(maxsize=64)
def _closed_cycle_report(
    cycle_id: int, closed_at: datetime, name: str, key: str, stage: str, channel_labels: tuple[tuple[str, str], ...]
) -> OutreachReport:
    """A closed cycle's report from its saved counts, remembered: the counts never change once saved, and the exact
    tests on counts in the hundreds of thousands take far longer than reading them (the closing time is part of
    the key, so a cycle id used again can never pick up another cycle's report)."""
    from .saved import saved_counts  # saved.py builds on this module

    characteristic = characteristics()[key]
    saved = saved_counts(cycle_id, [key, "channel", "campaign", "scheme"])
    empty = [[0] * len(STAGES)] * (len(characteristic.groups) + 1)
    labels, counts = saved.get(key, (None, empty))
    table = funnel_table(characteristic, counts, labels)
    channels, campaigns = channel_tables_from(
        {breakdown: saved.get(breakdown, ([""], [[0] * len(STAGES)])) for breakdown in ("channel", "campaign")},
        dict(channel_labels),
    )
    return OutreachReport(
        characteristic.label,
        table,
        fairness(table, stage, characteristic.label),
        None,
        channels,
        campaigns,
        name,
        too_few=table.totals[0].count < MIN_COUNT,
        scheme=_saved_scheme(saved),
    )


def _saved_scheme(saved: Mapping[str, tuple[list[str], list[list[int]]]]) -> Table | None:
    """The scheme table from a closed cycle's saved counts (None if the cycle was closed before they were saved)."""
    if "scheme" not in saved:
        return None
    columns = [next(n for n, (stage, _, _) in enumerate(STAGES) if stage == s) for s in SCHEME_STAGES]
    return protected_table(
        SCHEME_CAPTION, SCHEME_COLUMNS, list(SCHEME_LABELS), [[row[c] for c in columns] for row in saved["scheme"][1]]
    )
