"""Who is in scope and how far they got, with their answers joined by pseudonym: arrays only, never shown.

With services/monitoring.py, the only code that reads MonitoringResponse. It computes the keyed pseudonym of every
candidate in scope, joins answers to stages in memory and hands back arrays that the report turns into counts.
Three grouped queries send id lists (not rows); two run on their own connections while Python hashes the ids.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from flask import current_app
from sqlalchemy import String, cast, exists, func, or_, select

from ...extensions import db
from ...models import Borough, Candidate, Match, MatchRun, MatchStage, MonitoringResponse, Preference, Vacancy
from ...reference import equality_questions, read_csv

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


@dataclass(frozen=True)
class Filters:
    characteristic: str = "ethnicity"
    cross_with: str = ""
    stage: str = ""
    borough: str = ""
    round: int | None = None
    run: int | None = None
    cycle: int | None = None  # only applicants and suggestions for the cycle's placements


# --- Gathering: three grouped queries that send id lists, not rows. ---

def _id_lists(rows) -> list[tuple]:
    """Rows of (*keys, "1,2,3") from aggregate_strings, as (*keys, [ids or pseudonyms])."""
    return [(*row[:-1], row[-1].split(",") if row[-1] else []) for row in rows]


def _candidates_query(filters: Filters | None = None):
    """Every candidate who sent an application (in a cycle: who chose or were suggested one of its placements), as id
    lists per outreach channel and campaign code."""
    query = (select(Candidate.outreach_channel, Candidate.campaign_code, func.aggregate_strings(cast(Candidate.id, String), ","))
             .where(Candidate.submitted_at.is_not(None)).group_by(Candidate.outreach_channel, Candidate.campaign_code))
    if filters is not None and filters.cycle is not None:
        in_cycle = select(Vacancy.id).where(Vacancy.cycle_id == filters.cycle)
        query = query.where(or_(
            exists().where(Preference.candidate_id == Candidate.id, Preference.vacancy_id.in_(in_cycle)),
            exists().where(Match.candidate_id == Candidate.id, Match.vacancy_id.in_(in_cycle))))
    return query


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
    if filters.cycle is not None:
        query = query.where(Match.vacancy_id.in_(select(Vacancy.id).where(Vacancy.cycle_id == filters.cycle)))
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
    order, left_order = np.argsort(right[:, 0]), np.argsort(left[:, 0])  # sorted needles search far faster
    first, needles = right[order, 0], left[left_order, 0]
    at = np.minimum(np.searchsorted(first, needles), len(first) - 1)
    hit = (first[at] == needles) & (right[order[at], 1] == left[left_order, 1])
    return left_order[hit], order[at[hit]]


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
        for channel, campaign, joined in db.session.execute(_candidates_query(filters)).all():
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
