"""The entry point the service calls: rules → scores → lists → deferred acceptance → explanations.

`run_matching` runs the stages below in order and records each one's time under its name in
`MatchResult.timings`: prepare, rules, search_others, score, assign, collect, input_hash.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import attrgetter
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import numpy as np

from .arrays import (
    CandidateArrays,
    FloatArray,
    IntArray,
    PlacementArrays,
    candidate_arrays,
    placement_arrays,
    resident_tier,
)
from .result import AssignmentLists, MatchResult, RankedChoices, SuggestedPairs
from .rules import REASON_BIT, rule_failures
from .scoring import SkillsModel, interest_matrix, score_pairs
from .search import other_placement_pairs
from .shortlist import lottery_numbers, placement_order
from .stable import deferred_acceptance
from .terms import TermTable
from .types import COMPONENT_NAMES, DEFAULT_WEIGHTS, CandidateProfile, PlacementProfile, Weights

if TYPE_CHECKING:
    import scipy.sparse as sp

__all__ = ["ALGORITHM_VERSION", "MatchResult", "input_hash", "run_matching"]

# 1.1: the "already_decided" rule. 2.0: the candidate's rank is no longer part of the score (a placement's
# priority never depends on it); skills are whole terms; placements may put their borough's residents first.
ALGORITHM_VERSION = "2.0.0"


def _canonical_value(value: object) -> object:
    """A field value in JSON-ready form (sets sorted by repr, dates ISO)."""
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr) if len(value) > 1 else list(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


_PLAIN_TYPES = frozenset({str, int, float, bool, type(None), tuple})


def _canonical_rows(items: Sequence[CandidateProfile | PlacementProfile]) -> list[list[object]]:
    """Dataclass instances as JSON-ready lists of their field values, converted a column at a time."""
    if not items:
        return []
    columns = []
    for name in items[0].__dataclass_fields__:
        column = list(map(attrgetter(name), items))
        if not set(map(type, column)) <= _PLAIN_TYPES:  # only columns holding sets/dates need work
            column = [_canonical_value(v) for v in column]
        columns.append(column)
    return list(map(list, zip(*columns)))


def input_hash(
    candidates: Iterable[CandidateProfile], placements: Iterable[PlacementProfile], weights: Weights, **settings: object
) -> str:
    """sha256 over a canonical JSON serialisation of everything that determines the result."""
    head = {
        "algorithm": ALGORITHM_VERSION,
        "weights": weights.as_dict(),
        "settings": settings,
        "candidate_fields": list(CandidateProfile.__dataclass_fields__),
        "placement_fields": list(PlacementProfile.__dataclass_fields__),
    }
    rows = _canonical_rows(sorted(candidates, key=attrgetter("id")))
    rows += _canonical_rows(sorted(placements, key=attrgetter("id")))
    text = json.dumps([head, rows], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def run_matching(
    candidates: Sequence[CandidateProfile],
    placements: Sequence[PlacementProfile],
    weights: Weights = DEFAULT_WEIGHTS,
    *,
    seed: int,
    shortlist_factor: int = 3,
    max_list_length: int = 10,
    workers: int | None = None,
    synonyms: Mapping[str, str] | None = None,
) -> MatchResult:
    """Score, shortlist and assign; returns suggestions with explanations and provenance.

    `synonyms` maps other spellings of a skill term to its preferred one (checked: no loops)."""
    if shortlist_factor < 0 or max_list_length < 0:
        raise ValueError("shortlist_factor and max_list_length must be >= 0")
    table = TermTable(synonyms)
    timings: dict[str, float] = {}
    inputs = _timed(timings, _prepare, candidates, placements, table)
    ranked, wanted = _timed(timings, _rules, inputs, max_list_length)
    others = _timed(timings, _search_others, inputs, weights, ranked, wanted, workers)
    scored = _timed(timings, _score, inputs, weights, ranked, others, wanted)
    lists, match = _timed(timings, _assign, inputs, scored, seed, shortlist_factor)
    suggested, cutoffs, cutoff_tiers = _timed(timings, _collect, inputs, scored, lists, match)
    digest = _timed(
        timings,
        input_hash,
        candidates,
        placements,
        weights,
        seed=seed,
        shortlist_factor=shortlist_factor,
        max_list_length=max_list_length,
        synonyms=dict(sorted(table.synonyms.items())),
    )
    placement_ids = inputs.places.ids
    assignment = {cid: (placement_ids[j] if j >= 0 else None) for cid, j in zip(inputs.cands.ids, match.tolist())}
    counts = {
        "candidates": len(candidates),
        "placements": len(placements),
        "ranked_pairs": len(ranked.candidate),
        "excluded_ranked_pairs": int(np.count_nonzero(ranked.failed_rules)),
        "list_entries": len(scored.listed),
        "suggested": len(suggested.candidate),
        "unmatched_candidates": int((match < 0).sum()),
    }
    return MatchResult(
        algorithm_version=ALGORITHM_VERSION,
        seed=seed,
        weights=weights,
        shortlist_factor=shortlist_factor,
        max_list_length=max_list_length,
        assignment=assignment,
        counts=counts,
        timings=timings,
        placement_cutoffs=cutoffs,
        placement_cutoff_tiers=cutoff_tiers,
        input_hash=digest,
        _model=inputs.model,
        _candidates=list(candidates),
        _placements=list(placements),
        _ranked=ranked,
        _lists=lists,
        _suggested=suggested,
    )


_Params = ParamSpec("_Params")
_Value = TypeVar("_Value")


def _timed(
    timings: dict[str, float], stage: Callable[_Params, _Value], *args: _Params.args, **kwargs: _Params.kwargs
) -> _Value:
    """Run one stage and record its wall time under the stage's name (without a leading underscore)."""
    clock = time.perf_counter()
    value = stage(*args, **kwargs)
    timings[stage.__name__.lstrip("_")] = time.perf_counter() - clock
    return value


@dataclass(frozen=True, eq=False)
class _Inputs:
    """The run's inputs, and the columnar views and models every later stage reads."""

    candidates: Sequence[CandidateProfile]
    placements: Sequence[PlacementProfile]
    cands: CandidateArrays
    places: PlacementArrays
    model: SkillsModel
    interests: sp.csr_matrix  # candidates × standards, 1 where the candidate picked the standard


@dataclass(frozen=True, eq=False)
class _OtherPairs:
    """Unranked pairs found for candidates willing to consider others, all passing the rules."""

    candidate: IntArray
    placement: IntArray
    distance: FloatArray


@dataclass(frozen=True, eq=False)
class _ScoredPairs:
    """Every pair that may enter a list (ranked ones first, then others), scored, and the ones that do."""

    candidate: IntArray
    placement: IntArray
    rank: IntArray  # 0 = an "other" placement
    distance: FloatArray
    components: dict[str, FloatArray]
    total: FloatArray
    listed: IntArray  # indices of the pairs the lists keep, grouped by candidate in list order


def _prepare(
    candidates: Sequence[CandidateProfile], placements: Sequence[PlacementProfile], table: TermTable
) -> _Inputs:
    """Build the columnar views of both sides, the skills model and the candidates' interests."""
    places = placement_arrays(placements)
    cands = candidate_arrays(candidates, places)
    model = SkillsModel(
        [p.skills for p in placements], [c.skills for c in candidates], [c.skills_text for c in candidates], table
    )
    interests = interest_matrix([c.interests for c in candidates], places)
    return _Inputs(candidates, placements, cands, places, model, interests)


def _rules(inputs: _Inputs, max_list_length: int) -> tuple[RankedChoices, IntArray]:
    """Check every ranked pair against the hard rules; return them and how many others each candidate wants."""
    placement_index = {pid: j for j, pid in enumerate(inputs.places.ids)}
    candidate, placement, rank, unknown_ids = _ranked_entries(inputs.candidates, placement_index)
    known = placement >= 0
    failed_rules = np.zeros(len(candidate), dtype=np.uint8)
    distance = np.full(len(candidate), np.nan)
    failed_rules[known], distance[known] = rule_failures(
        inputs.cands, inputs.places, candidate[known], placement[known]
    )
    failed_rules[~known] = REASON_BIT["closed_or_full"]  # ranked a placement no longer offered
    ranked = RankedChoices(candidate, placement, rank, failed_rules, distance, unknown_ids)
    # Others fill a willing candidate's list up to max_list_length after the ranked pairs that passed.
    passed = _passed_per_candidate(ranked, len(inputs.candidates))
    willing = inputs.cands.consider_others & inputs.cands.eligible
    wanted = np.where(willing, np.maximum(max_list_length - passed, 0), 0)
    return ranked, wanted


def _search_others(
    inputs: _Inputs, weights: Weights, ranked: RankedChoices, wanted: IntArray, workers: int | None
) -> _OtherPairs:
    """Find pairs holding each willing candidate's best `wanted` unranked placements that pass every rule."""
    known = ranked.placement >= 0
    candidate, placement = other_placement_pairs(
        inputs.model,
        inputs.interests,
        inputs.cands,
        inputs.places,
        weights,
        wanted,
        ranked.candidate[known],
        ranked.placement[known],
        workers=workers,
    )
    failed_rules, distance = rule_failures(inputs.cands, inputs.places, candidate, placement)
    passes = failed_rules == 0
    return _OtherPairs(candidate[passes], placement[passes], distance[passes])


def _score(
    inputs: _Inputs, weights: Weights, ranked: RankedChoices, others: _OtherPairs, wanted: IntArray
) -> _ScoredPairs:
    """Score the ranked pairs that passed and the others found; pick each candidate's list entries."""
    passes = ranked.failed_rules == 0
    candidate = np.concatenate((ranked.candidate[passes], others.candidate))
    placement = np.concatenate((ranked.placement[passes], others.placement))
    rank = np.concatenate((ranked.rank[passes], np.zeros(len(others.candidate), dtype=np.int64)))
    distance = np.concatenate((ranked.distance[passes], others.distance))
    components, total = score_pairs(
        inputs.model, inputs.interests, inputs.cands, inputs.places, weights, candidate, placement, distance
    )
    # A list is the candidate's ranked pairs in their order, then their best `wanted` others (ties by
    # placement order).
    is_other = rank == 0
    order = np.lexsort((placement, -total, rank, is_other, candidate))
    owner = candidate[order]
    position = np.arange(len(order)) - np.searchsorted(owner, owner)  # position in the owner's list
    ranked_before = _passed_per_candidate(ranked, len(inputs.candidates))[owner]
    keep = ~is_other[order] | (position - ranked_before < wanted[owner])
    return _ScoredPairs(candidate, placement, rank, distance, components, total, listed=order[keep])


def _assign(
    inputs: _Inputs, scored: _ScoredPairs, seed: int, shortlist_factor: int
) -> tuple[AssignmentLists, IntArray]:
    """Order each placement's candidates by priority and run candidate-proposing deferred acceptance.

    Returns both sides' lists and each candidate's placement index (-1 = none)."""
    candidates, cands, places = inputs.candidates, inputs.cands, inputs.places
    draws = lottery_numbers(cands.ids, seed)
    lottery = np.array([c.lottery if c.lottery is not None else draws[c.id] for c in candidates])
    id_rank = np.empty(len(candidates), dtype=np.int64)
    id_rank[np.argsort(np.array(cands.ids, dtype=object), kind="stable")] = np.arange(len(candidates))
    candidate = scored.candidate[scored.listed]
    placement = scored.placement[scored.listed]
    total = scored.total[scored.listed]
    tier = resident_tier(cands, places, candidate, placement)
    priority = placement_order(placement, total, lottery[candidate], id_rank[candidate], tier)
    lists = AssignmentLists(
        candidate,
        placement,
        total,
        tier,
        ranking=candidate[priority],
        place_offsets=_group_offsets(placement, len(places.ids)),
        capacity=places.remaining * shortlist_factor,
    )
    match = deferred_acceptance(
        _group_offsets(candidate, len(candidates)), placement, lists.capacity, lists.place_offsets, lists.ranking
    )
    return lists, match


def _collect(
    inputs: _Inputs, scored: _ScoredPairs, lists: AssignmentLists, match: IntArray
) -> tuple[SuggestedPairs, dict[str, float], dict[str, int]]:
    """Gather the matched pairs as suggestions, and each full placement's lowest score taken and its tier."""
    matched = np.flatnonzero(match[lists.candidate] == lists.placement)
    chosen = scored.listed[matched]
    suggested = SuggestedPairs(
        candidate=scored.candidate[chosen],
        placement=scored.placement[chosen],
        rank=scored.rank[chosen],
        total=scored.total[chosen],
        distance=scored.distance[chosen],
        tier=lists.tier[matched],
        components={name: scored.components[name][chosen] for name in COMPONENT_NAMES},
    )
    cutoffs: dict[str, float] = {}
    cutoff_tiers: dict[str, int] = {}
    if len(chosen):
        # A full placement's last place went to its lowest-scored suggestion in its last tier taken.
        n_places = len(inputs.places.ids)
        full = np.bincount(suggested.placement, minlength=n_places) >= lists.capacity
        last_tier = np.zeros(n_places, dtype=np.int8)
        np.maximum.at(last_tier, suggested.placement, suggested.tier)
        in_last = suggested.tier == last_tier[suggested.placement]
        lowest = np.full(n_places, np.inf)
        np.minimum.at(lowest, suggested.placement[in_last], suggested.total[in_last])
        for j in np.flatnonzero(full & np.isfinite(lowest)).tolist():
            cutoffs[inputs.places.ids[j]] = float(lowest[j])
            cutoff_tiers[inputs.places.ids[j]] = int(last_tier[j])
    return suggested, cutoffs, cutoff_tiers


def _ranked_entries(
    candidates: Sequence[CandidateProfile], placement_index: dict[str, int]
) -> tuple[IntArray, IntArray, IntArray, dict[int, str]]:
    """Flatten every candidate's choices to (candidate, placement or -1, rank) arrays and the unknown ids."""
    choices = [c.choices for c in candidates]
    lengths = np.fromiter(map(len, choices), dtype=np.int64, count=len(choices))
    candidate = np.repeat(np.arange(len(choices), dtype=np.int64), lengths)
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    rank = np.arange(len(candidate), dtype=np.int64) - starts + 1
    flat_ids = list(chain.from_iterable(choices))
    placement = np.fromiter((placement_index.get(p, -1) for p in flat_ids), dtype=np.int64, count=len(flat_ids))
    # A (candidate, placement) key per entry; an unknown id (-1) leaves remainder n, and may repeat.
    span = len(placement_index) + 1
    key = np.sort(candidate * span + placement)
    repeated = (key[1:] == key[:-1]) & (key[1:] % span != len(placement_index))
    if repeated.any():
        c, p = divmod(int(key[1:][repeated][0]), span)
        raise ValueError(f"candidate {candidates[c].id!r} ranks placement {list(placement_index)[p]!r} twice")
    unknown_ids = {k: flat_ids[k] for k in np.flatnonzero(placement < 0).tolist()}
    return candidate, placement, rank, unknown_ids


def _passed_per_candidate(ranked: RankedChoices, n_candidates: int) -> IntArray:
    """How many of each candidate's ranked pairs pass every rule."""
    return np.bincount(ranked.candidate[ranked.failed_rules == 0], minlength=n_candidates)


def _group_offsets(owner: IntArray, n_owners: int) -> IntArray:
    """[start, end) offsets of each owner's entries in an array grouped by owner."""
    offsets = np.zeros(n_owners + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner, minlength=n_owners), out=offsets[1:])
    return offsets
