"""London-wide outreach reports: the diversity funnel, fairness per stage and outreach channels, under disclosure control.

This is the only code besides services/monitoring.py that reads MonitoringResponse. It computes the keyed pseudonym of
every candidate in scope, joins answers to stages in memory and hands back aggregate counts only: no row about one
person ever leaves this module. Every table passes through `suppress` (DESIGN §6) before a template sees it.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from flask import current_app
from sqlalchemy import String, cast, func, select

from ..extensions import db
from ..models import Borough, Candidate, Match, MatchRun, MatchStage, MonitoringResponse, Vacancy
from ..reference import equality_questions, read_csv

MIN_COUNT = 10  # counts under this show as "<10"; no percentage on a base under it; no crossing with a cell under it
NOT_ANSWERED = "Not answered or prefer not to say"

# Funnel stages as the lowest "furthest stage level" a candidate needs to count there. A candidate's level is the
# furthest any of their matches reached: 0 no match, 1 suggested (or later rejected/withdrawn: the stage column keeps
# only the latest state), 2 shortlisted, 3 interview, 4 offered, 5 accepted.
STAGES = (("applied", "Applied", 0), ("suggested", "Suggested", 1), ("shortlisted", "Shortlisted or later", 2),
          ("offered", "Offered or accepted", 4), ("accepted", "Accepted", 5))
LEVELS = 6
_STAGE_LEVEL = {MatchStage.ACCEPTED.value: 5, MatchStage.OFFERED.value: 4, MatchStage.INTERVIEW.value: 3,
                MatchStage.SHORTLISTED.value: 2}


@dataclass(frozen=True)
class Characteristic:
    key: str
    label: str
    groups: tuple[str, ...]  # group labels in display order (NOT_ANSWERED is added last)
    codes: dict  # stored answer (or "a:b" pair for disability) -> group label
    answer_keys: tuple[str, ...]
    census_key: str | None = None


def _options(key: str) -> list[dict]:
    return next(q for q in equality_questions() if q["key"] == key)["options"]


def _simple(key: str, label: str, rename: dict | None = None) -> Characteristic:
    options = [o for o in _options(key) if o["value"] != "prefer_not_to_say"]
    labels = {o["value"]: (rename or {}).get(o["value"], o["label"]) for o in options}
    return Characteristic(key, label, tuple(labels.values()), labels, (key,), {"sex": "sex"}.get(key))


def characteristics() -> dict[str, Characteristic]:
    """The characteristics a report can be broken down by, built from the shared equality questions."""
    ethnic = {o["value"]: o["group"] for o in _options("ethnicity") if o.get("group")}
    disabled, not_disabled = "Disabled under the Equality Act", "Not disabled"
    disability = {"yes:a_lot": disabled, "yes:a_little": disabled, "yes:not_at_all": not_disabled, "no:": not_disabled}
    found = [
        Characteristic("ethnicity", "Ethnic group", tuple(dict.fromkeys(ethnic.values())), ethnic, ("ethnicity",),
                       "ethnicity_group"),
        _simple("sex", "Sex"),
        Characteristic("disability", "Disability", (disabled, not_disabled), disability,
                       ("long_term_condition", "condition_reduces_activity"), "disability"),
        _simple("age_band", "Age band"),
        _simple("care_leaver", "Care leaver", {"yes": "Has been in care", "no": "Has not been in care"}),
        _simple("socio_economic", "Socio-economic background"),
    ]
    return {c.key: c for c in found}


def census_shares() -> dict[str, dict[str, float]]:
    """London Census 2021 percentages by characteristic key and group label."""
    shares: dict[str, dict[str, float]] = {}
    for row in read_csv("london_census_2021.csv"):
        shares.setdefault(row["characteristic"], {})[row["category"]] = float(row["london_percent"])
    return shares


# --- Disclosure control: pure, so it is tested on hand-made tables. ---

def suppress(rows: list[list[int]], totals: list[int] | None = None) -> tuple[list[list[bool]], list[bool]]:
    """Which cells (and totals) to hide: the masks for a table whose columns add up to a shown total row.

    1. Primary: every count under 10 is hidden (shown as "<10").
    2. Secondary: in a column that adds up to a shown total, the hidden entries (its total included) must be none
       or at least two, or one could be worked out by subtraction. While a column has exactly one, the smallest
       visible cell in it is hidden too (the total, if no cell is left). Repeats until nothing changes.
    Rows are never summed to a total on these pages (a funnel row is cumulative stages), so rows need no rule.
    """
    hidden = [[count < MIN_COUNT for count in row] for row in rows]
    total_hidden = [total < MIN_COUNT for total in totals] if totals is not None else []
    changed = totals is not None
    while changed:
        changed = False
        for col, total in enumerate(totals or []):
            column = [(rows[r][col], r) for r in range(len(rows))]
            if sum(hidden[r][col] for _, r in column) + total_hidden[col] != 1:
                continue
            visible = sorted((count, r) for count, r in column if not hidden[r][col])
            if visible:
                hidden[visible[0][1]][col] = True
            else:
                total_hidden[col] = True
            changed = True
    return hidden, total_hidden


@dataclass(frozen=True)
class Cell:
    count: int
    hidden: bool
    percent: float | None = None  # of the column's base; None when hidden or the base is under 10

    @property
    def text(self) -> str:
        """A count under 10 shows as "<10"; a larger one hidden only to protect it (secondary) as "Hidden"."""
        if not self.hidden:
            return f"{self.count:,}"
        return f"<{MIN_COUNT}" if self.count < MIN_COUNT else "Hidden"


@dataclass
class Table:
    """A suppressed table: one row of Cells per group, and the total row (columns add up to it)."""

    columns: tuple[str, ...]
    labels: list[str]
    rows: list[list[Cell]]
    totals: list[Cell]
    extra: list = field(default_factory=list)  # one value per row (the census share)


def protected_table(columns, labels: list[str], counts: list[list[int]], percent_of_total: bool = True) -> Table:
    """Suppress a table of counts; shares of each column's total are shown only for visible cells of a base >= 10."""
    totals = [sum(row[c] for row in counts) for c in range(len(columns))]
    hidden, total_hidden = suppress(counts, totals)

    def share(count, col, is_hidden):
        usable = percent_of_total and not is_hidden and not total_hidden[col] and totals[col] >= MIN_COUNT
        return 100.0 * count / totals[col] if usable else None

    rows = [[Cell(n, hidden[r][c], share(n, c, hidden[r][c])) for c, n in enumerate(row)] for r, row in enumerate(counts)]
    return Table(tuple(columns), labels, rows, [Cell(t, total_hidden[c]) for c, t in enumerate(totals)])


# --- Filters ---

@dataclass(frozen=True)
class Filters:
    characteristic: str = "ethnicity"
    cross_with: str = ""
    stage: str = ""
    borough: str = ""
    round: int | None = None
    run: int | None = None


def filter_choices() -> dict:
    """The values the filter form offers: characteristics, stages, boroughs and match runs."""
    runs = db.session.execute(select(MatchRun.id, MatchRun.round, MatchRun.created_at).order_by(MatchRun.id.desc())).all()
    return {
        "characteristics": [(c.key, c.label) for c in characteristics().values()],
        "stages": [(key, label) for key, label, level in STAGES if level > 0],
        "boroughs": db.session.execute(select(Borough.slug, Borough.name).order_by(Borough.name)).tuples().all(),
        "rounds": sorted({r.round for r in runs}),
        "runs": [(r.id, f"Run {r.id}, round {r.round}, {r.created_at:%d %b %Y}") for r in runs],
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
    return Filters(characteristic, cross_with, stage, borough, round_, run), errors


# --- Gathering: three grouped queries that send id lists, not rows; counting in numpy. ---

def _id_lists(rows) -> list[tuple]:
    """Rows of (*keys, "1,2,3") from aggregate_strings, as (*keys, [ids or pseudonyms])."""
    return [(*row[:-1], row[-1].split(",") if row[-1] else []) for row in rows]


def _candidates_query():
    """Every candidate who sent an application, as id lists per outreach channel and campaign code."""
    return (select(Candidate.outreach_channel, Candidate.campaign_code, func.aggregate_strings(cast(Candidate.id, String), ","))
            .where(Candidate.submitted_at.is_not(None)).group_by(Candidate.outreach_channel, Candidate.campaign_code))


def _stages_query(filters: Filters):
    """Candidate id lists per match stage, within the borough, round and run chosen."""
    query = select(Match.stage, func.aggregate_strings(cast(Match.candidate_id, String), ",")).group_by(Match.stage)
    if filters.borough:
        query = query.join(Vacancy, Vacancy.id == Match.vacancy_id).join(Borough, Borough.id == Vacancy.borough_id)
        query = query.where(Borough.slug == filters.borough)
    if filters.round is not None:
        query = query.join(MatchRun, MatchRun.id == Match.run_id).where(MatchRun.round == filters.round)
    if filters.run is not None:
        query = query.where(Match.run_id == filters.run)
    return query


def _answer_expression(characteristic: Characteristic):
    values = [MonitoringResponse.answers[key].as_string() for key in characteristic.answer_keys]
    if len(values) == 1:
        return values[0]
    return func.coalesce(values[0], "") + ":" + func.coalesce(values[1], "")


def _answers_query(keys: list[str]):
    """Comma-joined pseudonyms per answer (or pair of answers, when crossing) for the chosen characteristics."""
    expressions = [_answer_expression(characteristics()[key]).label(f"answer{n}") for n, key in enumerate(keys)]
    return select(*expressions, func.aggregate_strings(MonitoringResponse.pseudonym, ",")).group_by(*expressions)


def _digests(candidate_ids) -> list[bytes]:
    """services.monitoring.pseudonym's HMAC for many ids at once, as raw digests: the key's pads are hashed once."""
    key = current_app.config["MONITORING_KEY"].encode()
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    inner_prefix = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    inner_prefix.update(b"candidate:")
    inner_copy, outer_copy = inner_prefix.copy, hashlib.sha256(bytes(b ^ 0x5C for b in key)).copy
    out = []
    append = out.append
    for candidate_id in candidate_ids:  # the tight loop (ids as ASCII bytes): about a microsecond each
        inner = inner_copy()
        inner.update(candidate_id)
        outer = outer_copy()
        outer.update(inner.digest())
        append(outer.digest())
    return out


def pseudonyms(candidate_ids) -> list[str]:
    """services.monitoring.pseudonym for many ids at once."""
    return [digest.hex() for digest in _digests(b"%d" % int(candidate_id) for candidate_id in candidate_ids)]


_HEX_VALUE = np.zeros(256, dtype=np.uint8)
for _number, _char in enumerate(b"0123456789abcdef"):
    _HEX_VALUE[_char] = _HEX_VALUE[ord(chr(_char).upper())] = _number


def _keys_from_digests(digests: list[bytes]) -> np.ndarray:
    """The first 128 bits of each digest as two uint64 columns: enough to join on, and joined in numpy."""
    if not digests:
        return np.zeros((0, 2), dtype=np.uint64)
    raw = np.frombuffer(b"".join(digests), dtype=np.uint8).reshape(-1, 32)[:, :16]
    return np.ascontiguousarray(raw).view(np.uint64)


def _keys_from_hex(joined: str) -> np.ndarray:
    """The same keys from the database's comma-joined pseudonyms (64 hex digits each), read without splitting."""
    if len(joined) % 65 != 64:  # not all 64 digits: keep those that are (the rest can match no one)
        joined = ",".join(name for name in joined.split(",") if len(name) == 64)
    if not joined:
        return np.zeros((0, 2), dtype=np.uint64)
    digits = _HEX_VALUE[np.frombuffer((joined + ",").encode("ascii"), dtype=np.uint8).reshape(-1, 65)[:, :32]]
    return np.ascontiguousarray((digits[:, 0::2] << 4) | digits[:, 1::2]).view(np.uint64)


def _join(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions in `left` and `right` whose keys are equal (right's keys are unique): a sort and a binary search."""
    if not len(left) or not len(right):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    order = np.argsort(right[:, 0])
    first = right[order, 0]
    at = np.minimum(np.searchsorted(first, left[:, 0]), len(first) - 1)
    hit = (first[at] == left[:, 0]) & (right[order[at], 1] == left[:, 1])
    return np.nonzero(hit)[0], order[at[hit]]


@dataclass
class Population:
    """Every applicant by position (never shown): furthest stage level and which answer row (if any) is theirs."""

    levels: np.ndarray
    channels: list[tuple]  # (channel, campaign code, slice of positions)
    answers: list[tuple]  # (answer, [second answer]) per answer row
    answer_row: np.ndarray  # per applicant: index into answers, or -1 for none


def _run_apart(engine, statement):
    """Run a read-only query on a connection of its own, so the database works while Python hashes."""
    with engine.connect() as connection:
        return connection.execute(statement).all()


def gather(filters: Filters, keys: list[str] | None = None) -> Population:
    """Applicants, their furthest stage and (for `keys`) their answers, from three grouped queries run side by side."""
    keys = keys or [filters.characteristic]
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers_future = pool.submit(_run_apart, db.engine, _answers_query(keys))
        stages_future = pool.submit(_run_apart, db.engine, _stages_query(filters))
        channels, id_strings, start = [], [], 0
        for channel, campaign, joined in db.session.execute(_candidates_query()).all():
            id_list = joined.encode("ascii").split(b",") if joined else []
            channels.append((channel, campaign, slice(start, start + len(id_list))))
            id_strings += id_list
            start += len(id_list)
        candidate_keys = _keys_from_digests(_digests(id_strings))  # the hashing overlaps the two queries
        stage_rows, answer_rows = stages_future.result(), answers_future.result()
    ids = np.array(id_strings, dtype=np.int64)
    furthest = np.zeros(int(ids.max()) + 1 if len(ids) else 1, dtype=np.int64)
    for stage, id_list in sorted(_id_lists(stage_rows), key=lambda row: _stage_level(row[0])):
        matched = np.array(id_list, dtype=np.int64)
        furthest[matched[matched < len(furthest)]] = _stage_level(stage)  # ascending: the furthest stage wins
    answer_keys = [_keys_from_hex(row[-1] or "") for row in answer_rows]
    row_of_key = np.repeat(np.arange(len(answer_keys)), [len(k) for k in answer_keys])
    answer_row = np.full(len(ids), -1, dtype=np.int64)
    if answer_keys:
        mine, theirs = _join(candidate_keys, np.concatenate(answer_keys))
        answer_row[mine] = row_of_key[theirs]  # answers of candidates out of scope are never matched
    return Population(furthest[ids], channels, [tuple(row[:-1]) for row in answer_rows], answer_row)


def _stage_level(stage: str) -> int:
    return _STAGE_LEVEL.get(stage, 1)


def group_codes(characteristic: Characteristic, population: Population, position: int = 0) -> np.ndarray:
    """Each applicant's group number by position (the last number is 'not answered')."""
    groups = {label: number for number, label in enumerate(characteristic.groups)}
    not_answered = len(characteristic.groups)
    row_codes = [groups.get(characteristic.codes.get(row[position]), not_answered) for row in population.answers]
    return np.array([*row_codes, not_answered], dtype=np.int64)[population.answer_row]  # -1 picks the last


def stage_counts(codes: np.ndarray, levels: np.ndarray, groups: int) -> list[list[int]]:
    """counts[group][stage]: how many of each group reached each funnel stage (cumulative over levels)."""
    by_level = np.bincount(codes * LEVELS + levels, minlength=groups * LEVELS)
    by_level = by_level.reshape(groups, LEVELS)
    at_least = by_level[:, ::-1].cumsum(axis=1)[:, ::-1]  # at_least[g][l] = reached level l or further
    return [[int(at_least[g][level]) for _, _, level in STAGES] for g in range(groups)]


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
