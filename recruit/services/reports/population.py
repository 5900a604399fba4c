"""Who is in scope and how far they got, with their answers joined by pseudonym: arrays only, never shown.

With services/monitoring.py, the only code that reads MonitoringResponse. It computes the keyed pseudonym of every
candidate in scope, joins answers to stages in memory and hands back arrays that the report turns into counts.
Three grouped queries send id lists (not rows); two run on their own connections while Python hashes the ids.
On PostgreSQL the lists are packed binary (four bytes an id, sixteen a pseudonym prefix), so neither side formats
or parses a million numbers as text.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any, TypeVar, cast

import numpy as np
import numpy.typing as npt
from flask import current_app
from sqlalchemy import ColumnElement, Engine, Row, Select, String, and_, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import GenericFunction

from ...extensions import db
from ...models import (
    Borough,
    Candidate,
    Choice,
    MatchRun,
    MonitoringResponse,
    Placement,
    RecruitmentCycle,
    RunStatus,
    Suggestion,
)
from ...reference import equality_questions, read_csv
from ..monitoring import age_band

NOT_ANSWERED = "Not answered or prefer not to say"

# Funnel stages as the lowest "furthest stage level" a candidate needs to count there. A candidate's level is the
# furthest any of their suggestions reached in its stage history (Suggestion.furthest_level, kept by move_stage), so
# someone rejected or withdrawn after an interview counts at interview: 0 no suggestion, 1 suggested,
# 2 shortlisted, 3 interview, 4 offered, 5 accepted.
STAGES = (
    ("applied", "Applied", 0),
    ("suggested", "Suggested", 1),
    ("shortlisted", "Shortlisted or later", 2),
    ("interview", "Interviewed or later", 3),
    ("offered", "Offered or accepted", 4),
    ("accepted", "Accepted", 5),
)
LEVELS = 6

_Columns = TypeVar("_Columns", bound=tuple[Any, ...])


@dataclass(frozen=True)
class Characteristic:
    key: str
    label: str
    groups: tuple[str, ...]  # group labels in display order (NOT_ANSWERED is added last)
    codes: dict[str | None, str]  # stored answer (or "a:b" pair for disability) -> group label (None: unanswered)
    answer_keys: tuple[str, ...]
    census_key: str | None = None


def _options(key: str) -> list[dict[str, str]]:
    options: list[dict[str, str]] = next(q for q in equality_questions() if q["key"] == key)["options"]
    return options


def _simple(key: str, label: str, rename: dict[str, str] | None = None) -> Characteristic:
    options = [o for o in _options(key) if o["value"] != "prefer_not_to_say"]
    labels: dict[str | None, str] = {o["value"]: (rename or {}).get(o["value"], o["label"]) for o in options}
    return Characteristic(key, label, tuple(labels.values()), labels, (key,), {"sex": "sex"}.get(key))


def characteristics() -> dict[str, Characteristic]:
    """The characteristics a report can be broken down by, built from the shared equality questions."""
    ethnic: dict[str | None, str] = {o["value"]: o["group"] for o in _options("ethnicity") if o.get("group")}
    disabled, not_disabled = "Disabled under the Equality Act", "Not disabled"
    disability: dict[str | None, str] = {
        "yes:a_lot": disabled,
        "yes:a_little": disabled,
        "yes:not_at_all": not_disabled,
        "no:": not_disabled,
    }
    found = [
        Characteristic(
            "ethnicity",
            "Ethnic group",
            tuple(dict.fromkeys(ethnic.values())),
            ethnic,
            ("ethnicity",),
            "ethnicity_group",
        ),
        _simple("sex", "Sex"),
        Characteristic(
            "disability",
            "Disability",
            (disabled, not_disabled),
            disability,
            ("long_term_condition", "condition_reduces_activity"),
            "disability",
        ),
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


def census_source(census_key: str) -> str:
    """Where a characteristic's census figures come from, as the reference data says (e.g. "ONS Census 2021 TS021")."""
    return next(
        (row["source"] for row in read_csv("london_census_2021.csv") if row["characteristic"] == census_key), ""
    )


# Worked out at report time from the date of birth (never stored with the answers), for those who answered.
DERIVED = frozenset({"age_band"})


@dataclass(frozen=True)
class Filters:
    characteristic: str = "ethnicity"
    cross_with: str = ""
    stage: str = ""
    borough: str = ""
    round: int | None = None
    run: int | None = None
    cycle: int | None = None


# --- Gathering: three grouped queries that send id lists, not rows. ---


def _in_scope(filters: Filters) -> ColumnElement[bool]:
    """Which candidates count as "Applied": sent an application (in the cycle's dates, for a cycle) and, with a
    borough, chose one of its placements or were suggested one there, so every stage has the same base."""
    conditions: list[ColumnElement[bool]] = [Candidate.submitted_at.is_not(None)]
    if filters.cycle is not None:
        cycle = db.session.get(RecruitmentCycle, filters.cycle)
        assert cycle is not None  # filters name an existing cycle (parse_filters checks it; closing passes its own)
        start = datetime.combine(cycle.opens_on, time.min, tzinfo=UTC)
        end = datetime.combine(cycle.closes_on + timedelta(days=1), time.min, tzinfo=UTC)
        conditions += [Candidate.submitted_at >= start, Candidate.submitted_at < end]
    if filters.borough:
        in_borough = (
            select(Placement.id)
            .join(Borough, Borough.id == Placement.borough_id)
            .where(Borough.slug == filters.borough)
        )
        chose = select(Choice.candidate_id).where(Choice.placement_id.in_(in_borough))
        suggested = scoped_suggestions(select(Suggestion.candidate_id), filters)
        conditions.append(or_(Candidate.id.in_(chose), Candidate.id.in_(suggested)))
    return and_(*conditions)


def _candidates_query(filters: Filters) -> Select[tuple[str | None, str | None, str]]:
    """Every candidate in scope, as id lists per outreach channel and campaign code."""
    return (
        select(Candidate.outreach_channel, Candidate.campaign_code, packed_ids(Candidate.id))
        .where(_in_scope(filters))
        .group_by(Candidate.outreach_channel, Candidate.campaign_code)
    )


def scoped_runs(filters: Filters) -> list[int]:
    """The runs in scope: published ones (or the run asked for by id, which may be a preview) of the round and cycle
    chosen. Read first, so the big queries test each suggestion against a short list instead of a subquery."""
    query = select(MatchRun.id)
    if filters.run is None:
        query = query.where(MatchRun.status == RunStatus.PUBLISHED.value)
    else:
        query = query.where(MatchRun.id == filters.run)
    if filters.round is not None:
        query = query.where(MatchRun.round == filters.round)
    if filters.cycle is not None:
        query = query.where(MatchRun.cycle_id == filters.cycle)
    return list(db.session.scalars(query))


def scoped_suggestions(query: Select[_Columns], filters: Filters) -> Select[_Columns]:
    """Restrict a query on Match to the runs in scope and, with a borough, to the borough's placements."""
    query = query.where(Suggestion.run_id.in_(scoped_runs(filters)))
    if filters.borough:
        query = query.join(Placement, Placement.id == Suggestion.placement_id).join(
            Borough, Borough.id == Placement.borough_id
        )
        query = query.where(Borough.slug == filters.borough)
    return query


def _stages_query(filters: Filters) -> Select[tuple[int, str]]:
    """Candidate id lists per furthest stage level reached, within the scope chosen."""
    return scoped_suggestions(
        select(Suggestion.furthest_level, packed_ids(Suggestion.candidate_id)).group_by(Suggestion.furthest_level),
        filters,
    )


def _age_bands(filters: Filters, ids: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Each candidate's age band on the day they applied, as an index into the age band options (or -1)."""
    options = list(characteristics()["age_band"].codes)
    band_of = np.full(int(ids.max()) + 1 if len(ids) else 1, -1, dtype=np.int64)
    rows = db.session.execute(
        select(Candidate.id, Candidate.date_of_birth, Candidate.submitted_at).where(
            _in_scope(filters), Candidate.date_of_birth.is_not(None)
        )
    )
    for candidate_id, born, submitted in rows:
        band_of[candidate_id] = options.index(age_band(born, submitted.date()))
    return band_of[ids] if len(ids) else np.zeros(0, dtype=np.int64)


def _answer_expression(characteristic: Characteristic) -> ColumnElement[str]:
    values: list[ColumnElement[str]] = [
        MonitoringResponse.answers[key].as_string() for key in characteristic.answer_keys
    ]
    if len(values) == 1:
        return values[0]
    return func.coalesce(values[0], "") + ":" + func.coalesce(values[1], "")


class packed_ids(GenericFunction[str]):  # noqa: N801 (named as SQL functions are)
    """Whole-number ids of a group in one value: comma-joined text, or on PostgreSQL their 4-byte binary forms
    (typed as text, its SQL type; the driver hands back bytes there)."""

    inherit_cache = True
    type = String()


@compiles(packed_ids)
def _packed_ids_as_text(element: packed_ids, compiler: SQLCompiler, **kw: Any) -> str:
    return f"group_concat({compiler.process(element.clauses, **kw)}, ',')"


@compiles(packed_ids, "postgresql")
def _packed_ids_as_binary(element: packed_ids, compiler: SQLCompiler, **kw: Any) -> str:
    return f"string_agg(int4send({compiler.process(element.clauses, **kw)}), ''::bytea)"


class packed_join_keys(GenericFunction[str]):  # noqa: N801
    """The first 128 bits of each pseudonym of a group (enough to join on): comma-joined hex, or on PostgreSQL the
    raw 16 bytes each."""

    inherit_cache = True
    type = String()


@compiles(packed_join_keys)
def _packed_keys_as_text(element: packed_join_keys, compiler: SQLCompiler, **kw: Any) -> str:
    return f"group_concat(substr({compiler.process(element.clauses, **kw)}, 1, 32), ',')"


@compiles(packed_join_keys, "postgresql")
def _packed_keys_as_binary(element: packed_join_keys, compiler: SQLCompiler, **kw: Any) -> str:
    return f"string_agg(decode(substr({compiler.process(element.clauses, **kw)}, 1, 32), 'hex'), ''::bytea)"


_JOIN_PREFIX = packed_join_keys(MonitoringResponse.pseudonym)


def _answers_query(keys: list[str]) -> Select[tuple[Any, ...]]:
    """Comma-joined pseudonyms per answer (or pair of answers, when crossing) for the chosen stored characteristics."""
    if not keys:  # only derived characteristics: who answered at all is still needed
        return select(_JOIN_PREFIX)
    return _grouped_answers_query(keys)


def _grouped_answers_query(keys: list[str]) -> Select[tuple[Any, ...]]:
    """Comma-joined pseudonyms per answer (or pair of answers, when crossing) for the chosen characteristics."""
    expressions = [_answer_expression(characteristics()[key]).label(f"answer{n}") for n, key in enumerate(keys)]
    return select(*expressions, _JOIN_PREFIX).group_by(*expressions)


def _digests(candidate_ids: Iterable[bytes]) -> list[bytes]:
    """services.monitoring.pseudonym's HMAC for many ids at once, as raw digests: the key's pads are hashed once."""
    key = current_app.config["MONITORING_KEY"].encode()
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    inner_prefix = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    inner_prefix.update(b"candidate:")
    inner_copy, outer_copy = inner_prefix.copy, hashlib.sha256(bytes(b ^ 0x5C for b in key)).copy
    out: list[bytes] = []
    append = out.append
    for candidate_id in candidate_ids:  # the tight loop (ids as ASCII bytes): about a microsecond each
        inner = inner_copy()
        inner.update(candidate_id)
        outer = outer_copy()
        outer.update(inner.digest())
        append(outer.digest())
    return out


def pseudonyms(candidate_ids: Iterable[int]) -> list[str]:
    """services.monitoring.pseudonym for many ids at once."""
    return [digest.hex() for digest in _digests(b"%d" % int(candidate_id) for candidate_id in candidate_ids)]


_HEX_VALUE = np.zeros(256, dtype=np.uint8)
for _number, _char in enumerate(b"0123456789abcdef"):
    _HEX_VALUE[_char] = _HEX_VALUE[ord(chr(_char).upper())] = _number


def _keys_from_bytes(raw: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint64]:
    """Rows of 16 bytes as two uint64 columns read big-endian, so keys sort in the pseudonyms' own order (the answer
    table is kept in that order, which makes the lookups below walk memory forwards)."""
    return np.ascontiguousarray(raw).view(">u8").astype(np.uint64)


def _keys_from_digests(digests: list[bytes]) -> npt.NDArray[np.uint64]:
    """The first 128 bits of each digest as two uint64 columns: enough to join on, and joined in numpy."""
    if not digests:
        return np.zeros((0, 2), dtype=np.uint64)
    return _keys_from_bytes(np.frombuffer(b"".join(digests), dtype=np.uint8).reshape(-1, 32)[:, :16])


def _keys_from_packed(packed: str | bytes | None) -> npt.NDArray[np.uint64]:
    """The same keys from packed_join_keys: raw bytes, or comma-joined prefixes (32 hex digits each) read without
    splitting."""
    if isinstance(packed, (bytes, memoryview)):
        return _keys_from_bytes(np.frombuffer(packed, dtype=np.uint8).reshape(-1, 16))
    joined = packed or ""
    if len(joined) % 33 != 32:  # not all 32 digits: keep those that are (the rest can match no one)
        joined = ",".join(name for name in joined.split(",") if len(name) == 32)
    if not joined:
        return np.zeros((0, 2), dtype=np.uint64)
    digits = _HEX_VALUE[np.frombuffer((joined + ",").encode("ascii"), dtype=np.uint8).reshape(-1, 33)[:, :32]]
    # uint8 shifted by a Python int stays uint8 at run time; numpy's stubs widen it to a signed integer.
    return _keys_from_bytes(cast(npt.NDArray[np.uint8], (digits[:, 0::2] << 4) | digits[:, 1::2]))


_POWERS_OF_TEN = 10 ** np.arange(19, dtype=np.int64)


def _ids_from_packed(packed: str | bytes | None) -> npt.NDArray[np.int64]:
    """The ids of a packed_ids value as int64."""
    if isinstance(packed, (bytes, memoryview)):
        return np.frombuffer(packed, dtype=">i4").astype(np.int64)
    return _parse_ids(packed.encode("ascii") if packed else b"")


def _parse_ids(joined: bytes) -> npt.NDArray[np.int64]:
    """Comma-separated whole numbers as int64, parsed in numpy: each digit times its power of ten, summed per number."""
    if not joined:
        return np.zeros(0, dtype=np.int64)
    buffer = np.frombuffer(joined + b",", dtype=np.uint8)
    commas = np.flatnonzero(buffer == ord(","))
    next_comma = np.repeat(commas, np.diff(commas, prepend=-1))  # for each byte, the comma that ends its number
    place = next_comma - np.arange(len(buffer)) - 1  # 0 for units, 1 for tens…; -1 on the comma itself
    values = np.where(place >= 0, (buffer.astype(np.int64) - ord("0")) * _POWERS_OF_TEN[np.maximum(place, 0)], 0)
    return np.add.reduceat(values, np.concatenate(([0], commas[:-1] + 1)))


class _JoinKeys:
    """Each candidate's pseudonym join key, remembered by id in this process only, never stored anywhere.

    A key is a fixed function of the id and MONITORING_KEY, which the process holds anyway, so remembering it
    reveals nothing new; it spares hashing every candidate again for each report (about a microsecond each), and
    sorting them all again to look answers up (the sorted index is rebuilt only after new ids are hashed)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._start_again(b"")

    def _start_again(self, secret: bytes) -> None:
        self.secret, self.keys, self.known = secret, np.zeros((0, 2), dtype=np.uint64), np.zeros(0, dtype=bool)
        self.by_key: tuple[npt.NDArray[np.int64], npt.NDArray[np.uint64]] | None = None  # (ids in key order, their
        # first key column)

    def of(self, ids: npt.NDArray[np.int64]) -> npt.NDArray[np.uint64]:
        """The join keys of these candidate ids, hashing only those not seen before."""
        secret = hashlib.sha256(current_app.config["MONITORING_KEY"].encode()).digest()
        with self.lock:
            if secret != self.secret:  # a different key (another app in tests): start again
                self._start_again(secret)
            size = int(ids.max()) + 1 if len(ids) else 0
            if size > len(self.known):
                grown = max(size, 2 * len(self.known))
                self.keys = np.concatenate([self.keys, np.zeros((grown - len(self.keys), 2), dtype=np.uint64)])
                self.known = np.concatenate([self.known, np.zeros(grown - len(self.known), dtype=bool)])
            missing = np.unique(ids[~self.known[ids]])
            if len(missing):
                self.keys[missing] = _keys_from_digests(_digests(b"%d" % i for i in missing.tolist()))
                self.known[missing] = True
                self.by_key = None
            keys: npt.NDArray[np.uint64] = self.keys[ids]
            return keys

    def owners(self, keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
        """For each key, the id of the candidate it belongs to among those hashed so far, or -1."""
        with self.lock:
            if self.by_key is None:
                known = np.flatnonzero(self.known)
                in_order = known[np.argsort(self.keys[known, 0])]
                self.by_key = (in_order, self.keys[in_order, 0])
            (in_order, first), all_keys = self.by_key, self.keys
        if not len(in_order) or not len(keys):
            return np.full(len(keys), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(first, keys[:, 0]), len(first) - 1)
        owner = in_order[at]
        return np.where((first[at] == keys[:, 0]) & (all_keys[owner, 1] == keys[:, 1]), owner, -1)


_join_keys = _JoinKeys()


@dataclass
class Population:
    """Every candidate by position (never shown): furthest stage level and which answer row (if any) is theirs."""

    levels: npt.NDArray[np.int64]
    channels: list[tuple[str | None, str | None, slice]]  # (channel, campaign code, slice of positions)
    # (answer, [second answer]) per answer row, for the stored characteristics in `keys`
    answers: list[tuple[str | None, ...]]
    answer_row: npt.NDArray[np.int64]  # per candidate: index into answers, or -1 for none
    keys: tuple[str, ...] = ()  # the stored characteristics whose answers are in `answers`, in order
    # derived characteristic -> per candidate index into its options
    derived: dict[str, npt.NDArray[np.int64]] = field(default_factory=dict)


def _run_apart(engine: Engine, statement: Select[_Columns]) -> Sequence[Row[_Columns]]:
    """Run a read-only query on a connection of its own, so the database works while Python hashes."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":  # compiling these scans to machine code costs more than it saves
            connection.exec_driver_sql("SET LOCAL jit = off")
        return connection.execute(statement).all()


def gather(filters: Filters, keys: list[str] | None = None) -> Population:
    """Candidates, their furthest stage and (for `keys`) their answers, from grouped queries run side by side."""
    keys = keys or [filters.characteristic]
    stored = [key for key in keys if key not in DERIVED]
    answers_query = _answers_query(stored)
    # The answers query is the longest: split in halves by pseudonym, so the database can spread it over two cores.
    halves = [
        answers_query.where(MonitoringResponse.pseudonym < "8"),
        answers_query.where(MonitoringResponse.pseudonym >= "8"),
    ]
    with ThreadPoolExecutor(max_workers=4) as pool:
        candidates = pool.submit(_run_apart, db.engine, _candidates_query(filters))
        stages = pool.submit(_run_apart, db.engine, _stages_query(filters))
        answer_halves = [pool.submit(_run_apart, db.engine, half) for half in halves]
        channels, id_arrays, start = [], [], 0
        for channel, campaign, joined in candidates.result():
            id_arrays.append(_ids_from_packed(joined))
            channels.append((channel, campaign, slice(start, start + len(id_arrays[-1]))))
            start += len(id_arrays[-1])
        ids = np.concatenate(id_arrays) if id_arrays else np.zeros(0, dtype=np.int64)
        _join_keys.of(ids)  # any hashing overlaps the other queries
        size = int(ids.max()) + 1 if len(ids) else 1
        answer_rows: list[tuple[str | None, ...]] = []
        answer_of = np.full(size, -1, dtype=np.int64)
        for half in as_completed(answer_halves):  # look each half up while the database still works on the rest
            for row in half.result():
                owners = _join_keys.owners(_keys_from_packed(row[-1]))
                owners = owners[(owners >= 0) & (owners < size)]
                answer_of[owners] = len(answer_rows)  # answers of candidates out of scope are never looked at
                answer_rows.append(tuple(row[:-1]))
        furthest = np.zeros(size, dtype=np.int64)
        for level, joined in sorted(stages.result(), key=lambda row: row[0]):
            matched = _ids_from_packed(joined)
            furthest[matched[matched < size]] = level  # ascending: the furthest stage wins
    derived = {key: _age_bands(filters, ids) for key in keys if key in DERIVED}
    return Population(furthest[ids], channels, answer_rows, answer_of[ids], tuple(stored), derived)


def group_codes(characteristic: Characteristic, population: Population) -> npt.NDArray[np.int64]:
    """Each candidate's group number by position (the last number is 'not answered')."""
    groups: dict[str | None, int] = {label: number for number, label in enumerate(characteristic.groups)}
    not_answered = len(characteristic.groups)
    if characteristic.key in population.derived:  # known only for those who answered the equality questions
        values = list(characteristic.codes)
        lookup = np.array([groups[characteristic.codes[v]] for v in values] + [not_answered], dtype=np.int64)
        codes: npt.NDArray[np.int64] = lookup[population.derived[characteristic.key]]
        codes[population.answer_row < 0] = not_answered
        return codes
    position = population.keys.index(characteristic.key)
    row_codes = [groups.get(characteristic.codes.get(row[position]), not_answered) for row in population.answers]
    by_row: npt.NDArray[np.int64] = np.array([*row_codes, not_answered], dtype=np.int64)[population.answer_row]
    return by_row  # -1 picks the last


def stage_counts(codes: npt.NDArray[np.int64], levels: npt.NDArray[np.int64], groups: int) -> list[list[int]]:
    """counts[group][stage]: how many of each group reached each funnel stage (cumulative over levels)."""
    by_level = np.bincount(codes * LEVELS + levels, minlength=groups * LEVELS)
    by_level = by_level.reshape(groups, LEVELS)
    at_least = by_level[:, ::-1].cumsum(axis=1)[:, ::-1]  # at_least[g][l] = reached level l or further
    return [[int(at_least[g][level]) for _, _, level in STAGES] for g in range(groups)]
