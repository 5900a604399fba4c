"""Match runs and match review: build the library's profiles from the database, record each run with
its explanations, export it for audit, and move suggestions through the recruiter's stages.

What the service tells the library (and nothing else: never contact details, never monitoring answers):
- candidates: submitted applications only; eligible = every eligibility answer met; home coordinates
  of their outward postcode; travel limit; hours; available from; skills = the terms they picked (their
  own words count only for known terms written in them as whole phrases); interests = standard
  references; choices = their ranked placements; consider_others; home borough (used only by
  placements that consider their borough's residents first).
- qualified: every standard in the catalogue is a digital one, so there is one field, "digital". A
  candidate who has a digital qualification is "already qualified" up to its level (the form's
  "level 4 or 5" counts as 4, so it never wrongly excludes a level 5 placement). Their highest
  general qualification is not a digital one and excludes nothing.
- placements: live placements whose closing date is today or later; filled = accepted suggestions; skills =
  the terms the placement page lists; borough and "residents of this borough first".
- synonyms: the reviewed table in recruit/data/skill_synonyms.csv (other spelling → preferred term).

A placement that has turned a candidate down, or that they withdrew from, in any earlier run is
passed as one of the candidate's `excluded_placements`: the library's "already_decided" rule removes
the pair, so it never comes back, as a ranked choice or as an "other" placement.

Rounds: each recruitment cycle has round 1 and round 2, each published once (see rounds.py). Round 2
takes the submitted candidates with no active suggestion (anything but rejected, withdrawn or closed)
in the cycle's published runs to the capacity each placement has left: (positions − accepted) ×
SHORTLIST_FACTOR minus the open suggestions it already has in the cycle.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple, TypedDict, TypeVar

from flask import current_app
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import InstrumentedAttribute, joinedload

import matching

from ...audit import record_event
from ...extensions import db
from ...models import (
    ApplicationStatus,
    Borough,
    Candidate,
    Choice,
    MatchRun,
    Placement,
    PlacementStatus,
    RunStatus,
    Suggestion,
    SuggestionStage,
    User,
)
from ...reference import read_csv
from ..candidates.eligibility import is_eligible
from ..candidates.skills import statement_terms
from ..errors import ServiceError

if TYPE_CHECKING:
    from matching.result import Instance, PlacementSpec

DIGITAL_FIELD = "digital"
OPEN_STAGES = (
    SuggestionStage.SUGGESTED.value,
    SuggestionStage.SHORTLISTED.value,
    SuggestionStage.INTERVIEW.value,
    SuggestionStage.OFFERED.value,
)
ACTIVE_STAGES = (*OPEN_STAGES, SuggestionStage.ACCEPTED.value)
# A placement that reached one of these with a candidate (in any run) is never suggested to them again.
DECIDED_STAGES = (SuggestionStage.REJECTED.value, SuggestionStage.WITHDRAWN.value, SuggestionStage.CLOSED.value)
ROUND_1_FIRST = "Round 1 of this cycle has not been published yet. Run round 1 and publish it first."


# --- Settings -------------------------------------------------------------------------------------


def match_weights() -> matching.Weights:
    """The configured weights (MATCH_WEIGHTS), checked by the library: each ≥ 0, summing to 1."""
    return matching.Weights.from_mapping(current_app.config["MATCH_WEIGHTS"])


@cache
def synonyms() -> dict[str, str]:
    """The reviewed synonym table (other spelling → preferred skill term), checked by the library."""
    table = {row["other_spelling"]: row["preferred_term"] for row in read_csv("skill_synonyms.csv")}
    matching.TermTable(table)  # a loop or an empty term fails here, naming it
    return table


def _settings() -> tuple[int, int]:
    """(SHORTLIST_FACTOR, MATCH_LIST_LENGTH) from the configuration."""
    return current_app.config["SHORTLIST_FACTOR"], current_app.config["MATCH_LIST_LENGTH"]


# --- Profiles ---------------------------------------------------------------------------------------

CANDIDATE_COLUMNS = (
    Candidate.id,
    Candidate.eligibility,
    Candidate.lat,
    Candidate.lon,
    Candidate.travel_km,
    Candidate.hours_per_week,
    Candidate.available_from,
    Candidate.skills,
    Candidate.skills_text,
    Candidate.interests,
    Candidate.qualifications,
    Candidate.consider_other_placements,
    Candidate.home_borough_id,
    Candidate.statements,
)


class CandidateRow(NamedTuple):
    """A candidate's columns (CANDIDATE_COLUMNS, in order) as a named tuple: reading a field of one is a fraction of
    the cost of reading it from SQLAlchemy's Row, and a run reads 14 fields of each of 100,000 candidates."""

    id: int
    eligibility: dict[str, Any]
    lat: float | None
    lon: float | None
    travel_km: int | None
    hours_per_week: int | None
    available_from: date | None
    skills: list[str]
    skills_text: str | None
    interests: list[str]
    qualifications: dict[str, Any]
    consider_other_placements: bool | None
    home_borough_id: int | None
    statements: list[str]


# Rows are made from the columns by position: the two lists must name the same fields in the same order.
assert CandidateRow._fields == tuple(column.key for column in CANDIDATE_COLUMNS)


def candidate_profile(
    candidate: Candidate | CandidateRow,
    today: date,
    choices: Iterable[int] = (),
    decided: Iterable[int] = (),
    boroughs: Mapping[int, str] | None = None,
) -> matching.CandidateProfile:
    """What matching may know about one candidate (a Candidate or a row of its columns); `choices` are
    the placement ids they ranked, best first; `decided` the placement ids never to suggest again;
    `boroughs` maps borough ids to names."""
    quals = candidate.qualifications or {}
    qualified: frozenset[tuple[str, int]] = frozenset()
    if quals.get("digital") == "yes" and isinstance(quals.get("digital_level"), int):
        qualified = frozenset({(DIGITAL_FIELD, quals["digital_level"])})
    return matching.CandidateProfile(
        id=str(candidate.id),
        eligible=is_eligible(candidate),
        lat=candidate.lat,
        lon=candidate.lon,
        travel_km=float(candidate.travel_km or 0),
        hours_available=candidate.hours_per_week or 0,
        available_from=candidate.available_from or today,
        skills_text=candidate.skills_text or "",
        skills=(*(candidate.skills or ()), *statement_terms(candidate.statements)),
        interests=frozenset(candidate.interests or ()),
        qualified=qualified,
        choices=tuple(str(placement_id) for placement_id in choices),
        consider_others=bool(candidate.consider_other_placements),
        excluded_placements=frozenset(str(placement_id) for placement_id in decided),
        home_borough=_borough_name(boroughs, candidate.home_borough_id),
    )


def _borough_name(boroughs: Mapping[int, str] | None, borough_id: int | None) -> str | None:
    """The borough's name from the map, or None (no map, no borough, or one not in the map)."""
    return None if boroughs is None or borough_id is None else boroughs.get(borough_id)


def placement_profile(placement: Placement, positions: int, filled: int) -> matching.PlacementProfile:
    """What matching may know about one placement; `positions` and `filled` depend on the round."""
    standard = placement.standard
    return matching.PlacementProfile(
        id=str(placement.id),
        standard=standard.reference,
        standard_field=DIGITAL_FIELD,
        level=standard.level,
        lat=placement.lat,
        lon=placement.lon,
        hours=placement.hours_per_week,
        starts_on=placement.start_date,
        is_open=True,
        positions=positions,
        filled=filled,
        skills=tuple(placement.skills or ()),
        title=placement.title,
        borough=placement.borough.name,
        residents_first=bool(placement.resident_priority),
    )


def in_cycle(column: InstrumentedAttribute[int | None], cycle_id: int | None) -> ColumnElement[bool]:
    """A condition: `column` is this cycle (or no cycle, when there is none)."""
    return column.is_(None) if cycle_id is None else column == cycle_id


def published_run_ids(cycle_id: int | None = None, *, any_cycle: bool = False) -> Select[tuple[int]]:
    """A subquery of the ids of published runs (in the cycle, unless `any_cycle`)."""
    statement = select(MatchRun.id).where(MatchRun.status == RunStatus.PUBLISHED.value)
    return statement if any_cycle else statement.where(in_cycle(MatchRun.cycle_id, cycle_id))


def is_published() -> ColumnElement[bool]:
    """A condition on Match: it belongs to a published run (only those reach recruiters and candidates)."""
    return Suggestion.run_id.in_(published_run_ids(any_cycle=True))


def published_run(cycle_id: int | None, round_number: int) -> MatchRun | None:
    """The published run of a round in a cycle, or None."""
    return db.session.scalar(
        select(MatchRun).where(
            MatchRun.status == RunStatus.PUBLISHED.value,
            MatchRun.round == round_number,
            in_cycle(MatchRun.cycle_id, cycle_id),
        )
    )


def _stage_counts(stages: Iterable[str], run_ids: Select[tuple[int]] | None = None) -> dict[int, int]:
    """Suggestions per placement in these stages (only in the runs `run_ids` selects, when given)."""
    statement = (
        select(Suggestion.placement_id, func.count())
        .where(Suggestion.stage.in_(stages))
        .group_by(Suggestion.placement_id)
    )
    if run_ids is not None:
        statement = statement.where(Suggestion.run_id.in_(run_ids))
    return dict(db.session.execute(statement).tuples().all())


def gather_inputs(
    round_number: int, today: date, cycle_id: int | None = None
) -> tuple[list[matching.CandidateProfile], list[matching.PlacementProfile], int]:
    """The profiles and shortlist factor for a round, from the database (never monitoring data)."""
    factor, _ = _settings()
    placements = db.session.scalars(
        select(Placement)
        .options(joinedload(Placement.standard), joinedload(Placement.borough))
        .where(Placement.status == PlacementStatus.LIVE.value, Placement.closing_date >= today)
        .order_by(Placement.id)
    ).all()
    # Columns, not ORM objects: loading tens of thousands of whole candidates is most of a run's time.
    candidates_query = select(*CANDIDATE_COLUMNS).where(Candidate.status == ApplicationStatus.SUBMITTED.value)
    accepted = _stage_counts((SuggestionStage.ACCEPTED.value,))
    if round_number == 1:
        profiles = [placement_profile(v, v.positions, accepted.get(v.id, 0)) for v in placements]
    else:
        if published_run(cycle_id, 1) is None:
            raise ServiceError(ROUND_1_FIRST, "round")
        published = published_run_ids(cycle_id)
        still_matched = select(Suggestion.candidate_id).where(
            Suggestion.run_id.in_(published), Suggestion.stage.in_(ACTIVE_STAGES)
        )
        candidates_query = candidates_query.where(Candidate.id.not_in(still_matched))
        open_now = _stage_counts(OPEN_STAGES, published)
        # Capacity is counted in suggestions here, so the run uses a factor of 1 (see the module docstring).
        profiles = [
            placement_profile(v, max(0, v.positions - accepted.get(v.id, 0)) * factor, open_now.get(v.id, 0))
            for v in placements
        ]
        factor = 1
    chosen = candidates_query.with_only_columns(Candidate.id)
    choices = _by_candidate(
        Choice.candidate_id, Choice.placement_id, Choice.candidate_id.in_(chosen), order_by=Choice.rank
    )
    decided = _by_candidate(
        Suggestion.candidate_id,
        Suggestion.placement_id,
        Suggestion.candidate_id.in_(chosen),
        Suggestion.stage.in_(DECIDED_STAGES),
    )
    rows = map(CandidateRow._make, _plain_rows(candidates_query.order_by(Candidate.id)))
    boroughs = dict(db.session.execute(select(Borough.id, Borough.name)).tuples().all())
    return (
        [candidate_profile(row, today, choices.get(row.id, ()), decided.get(row.id, ()), boroughs) for row in rows],
        profiles,
        factor,
    )


_Row = TypeVar("_Row", bound=tuple[Any, ...])


def _plain_rows(statement: Select[_Row]) -> Sequence[_Row]:
    """The statement's rows, read at once through the session's connection without the ORM's per-row work (a run
    reads a row per candidate and one per choice: a million rows at 100,000 candidates)."""
    return db.session.connection().execute(statement).tuples().all()


def _by_candidate(
    candidate_id: InstrumentedAttribute[int],
    placement_id: InstrumentedAttribute[int],
    *conditions: ColumnElement[bool],
    order_by: InstrumentedAttribute[int] | None = None,
) -> dict[int, list[int]]:
    """Each candidate's placement ids from the rows meeting `conditions`, in `order_by` order when given.

    PostgreSQL gathers each candidate's ids itself (array_agg), so a million choices arrive as 100,000 rows."""
    if db.session.get_bind().dialect.name == "postgresql":
        ids = func.array_agg(placement_id if order_by is None else aggregate_order_by(placement_id, order_by))
        return dict(_plain_rows(select(candidate_id, ids).where(*conditions).group_by(candidate_id)))
    found: dict[int, list[int]] = {}
    ordering: tuple[InstrumentedAttribute[int], ...] = () if order_by is None else (candidate_id, order_by)
    for candidate, placement in _plain_rows(select(candidate_id, placement_id).where(*conditions).order_by(*ordering)):
        found.setdefault(candidate, []).append(placement)
    return found


def _empty_note(
    round_number: int,
    candidates: Sequence[matching.CandidateProfile],
    placements: Sequence[matching.PlacementProfile],
) -> str:
    """Why a run can suggest nobody, or "" when it can try."""
    if not placements:
        return "No live placements are open for applications today, so nobody was matched."
    if not any(p.remaining for p in placements):
        return "Every live placement already has all the suggestions it can take, so nobody was matched."
    if not any(c.eligible for c in candidates):
        if round_number == 2 and not candidates:
            return (
                "Every candidate with a sent application already has a suggestion in this round, so nobody was matched."
            )
        return "No eligible candidates have sent an application, so nobody was matched."
    return ""


# --- Runs -------------------------------------------------------------------------------------------


class ComponentJSON(TypedDict):
    """One component of a pair's score, as stored."""

    name: str
    value: float
    weight: float
    contribution: float


class ExplanationJSON(TypedDict):
    """A suggestion's explanation as stored on it (JSON); the stored document also has "why_not" (outcomes)."""

    sentence: str
    total: float
    components: list[ComponentJSON]
    matching_terms: list[str]
    missing_terms: list[str]
    distance_km: float | None
    travel_km: float
    choice_rank: int | None
    residents_first: str | None
    resident: bool


def _explanation_json(pair: matching.ScoredPair) -> ExplanationJSON:
    """The explanation as stored on a suggestion (JSON), including the candidate-facing sentence."""
    e = pair.explanation
    assert e is not None  # the result's suggested pairs always carry their explanation
    return {
        "sentence": e.sentence,
        "total": e.total,
        "components": [
            {"name": c.name, "value": c.value, "weight": c.weight, "contribution": c.contribution} for c in e.components
        ],
        "matching_terms": list(e.matching_terms),
        "missing_terms": list(e.missing_terms),
        "distance_km": e.distance_km,
        "travel_km": e.travel_km,
        "choice_rank": e.choice_rank,
        "residents_first": e.residents_first,
        "resident": e.resident,
    }


def runs() -> list[MatchRun]:
    """Every run, newest first."""
    return list(db.session.scalars(select(MatchRun).order_by(MatchRun.id.desc())))


def run_creators(match_runs: Iterable[MatchRun]) -> dict[int, str]:
    """The email address of whoever started each run (runs from the command line have none)."""
    ids = {run.created_by_id for run in match_runs if run.created_by_id is not None}
    return dict(db.session.execute(select(User.id, User.email).where(User.id.in_(ids))).tuples().all()) if ids else {}


def get_run(run_id: int) -> MatchRun | None:
    """One run, or None."""
    return db.session.get(MatchRun, run_id)


class PseudonymousInstance(TypedDict):
    """A run's lists and assignment in the library's JSON schema, candidates under labels drawn for the run."""

    candidates: dict[str, list[str]]
    placements: dict[str, PlacementSpec]
    assignment: dict[str, str | None]


class RunExport(TypedDict):
    """A run as exported for audit (JSON): the library's schema, with placement ids prefixed, and what it ran with."""

    candidates: dict[str, list[str]]
    placements: dict[str, dict[str, Any]]
    assignment: dict[str, str | None]
    meta: dict[str, Any]


def pseudonymous_instance(instance: Instance, assignment: Mapping[str, str | None]) -> PseudonymousInstance:
    """The run's lists and assignment with each candidate id replaced by a label drawn at random for this run.

    The link from label to person is kept nowhere (each person's suggestions are rows of their own, deleted with them),
    so once someone deletes their account or is purged, the stored run and every export of it hold nothing
    that leads back to them, while `python -m matching check` still verifies the run. Candidates are stored in
    label order, so not even their order hints at who applied first."""
    ids = list(instance["candidates"])
    labels: dict[str, str] = {}
    drawn: set[str] = set()
    for candidate_id in ids:
        label = f"c-{secrets.token_hex(6)}"
        while label in drawn:  # 48 random bits: a repeat is all but impossible, but cheap to rule out
            label = f"c-{secrets.token_hex(6)}"
        drawn.add(label)
        labels[candidate_id] = label
    return {
        "candidates": {labels[c]: instance["candidates"][c] for c in sorted(ids, key=labels.__getitem__)},
        "placements": {
            p: {**spec, "ranking": [labels[c] for c in spec["ranking"]]} for p, spec in instance["placements"].items()
        },
        "assignment": {labels[c]: assignment.get(c) for c in sorted(ids, key=labels.__getitem__)},
    }


def export_run(run_id: int) -> RunExport | None:
    """The run's instance and assignment in the library's JSON schema, with pseudonymous ids; None if unknown."""
    run = get_run(run_id)
    if run is None:
        return None
    stored = run.instance or {"candidates": {}, "placements": {}, "assignment": {}, "settings": {}}

    def p(pid: str) -> str:
        return f"p-{pid}"

    record_event("match_run.exported", run)
    db.session.commit()
    return {  # candidate labels are stored already pseudonymous (see pseudonymous_instance)
        "candidates": {cid: [p(pid) for pid in plist] for cid, plist in stored["candidates"].items()},
        # Extra keys (a residents-first placement's borough and how many residents lead its ranking) are
        # kept: `check` verifies the ranking as given, and a reader can see why residents come first.
        "placements": {
            p(pid): {**spec, "ranking": list(spec["ranking"])} for pid, spec in stored["placements"].items()
        },
        "assignment": {cid: (p(pid) if pid is not None else None) for cid, pid in stored["assignment"].items()},
        "meta": {
            "run_id": run.id,
            "round": run.round,
            "created_at": run.created_at.isoformat(),
            "algorithm_version": run.algorithm_version,
            "weights": run.weights,
            "seed": run.seed,
            "input_hash": run.input_hash,
            "settings": stored.get("settings", {}),
            "note": run.note,
            "ids": (
                "Candidate ids are labels drawn at random for this run only, linked to no one; placement ids "
                "are the service's placement numbers."
            ),
            "check": "python -m matching check THIS_FILE THIS_FILE",
        },
    }


# --- "How matching works" ---------------------------------------------------------------------------


class WorkedExample(TypedDict):
    """The worked example as the "How matching works" page shows it."""

    candidates: list[matching.CandidateProfile]
    placements: list[matching.PlacementProfile]
    result: matching.MatchResult
    titles: dict[str, str]
    not_suggested: list[tuple[str, str | None, str]]  # (candidate, placement or None, why not)


def worked_example() -> WorkedExample:
    """The library's small fixed example, run by the real code now with the configured weights."""
    candidates, placements, example = matching.worked_example()
    result = matching.run_matching(
        candidates,
        placements,
        match_weights(),
        seed=example.seed,
        shortlist_factor=example.shortlist_factor,
        max_list_length=example.max_list_length,
    )
    titles = {p.id: p.title for p in placements}
    not_suggested: list[tuple[str, str | None, str]] = [
        (x.candidate_id, x.placement_id, "Not suggested, because of a rule: " + " ".join(x.reasons))
        for x in result.excluded
    ]
    for c in candidates:
        not_suggested += [
            (c.id, why.placement_id, f"Their choice number {why.choice_rank}. What {c.id} is told: “{why.text}”")
            for why in result.why_not(c.id)
            if why.reason_code not in matching.REASON_TEXT
        ]
        if result.assignment.get(c.id) is None:
            not_suggested.append(
                (
                    c.id,
                    None,
                    "Not suggested for any placement in this round. "
                    "They would be considered again in the second round.",
                )
            )
    return {
        "candidates": candidates,
        "placements": placements,
        "result": result,
        "titles": titles,
        "not_suggested": not_suggested,
    }
