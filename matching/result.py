"""A run's outcome (`MatchResult`) and the arrays it keeps to explain itself on demand."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, NotRequired, TypedDict

import numpy as np
import numpy.typing as npt

from .arrays import FloatArray, IntArray, TierArray
from .explain import build_explanation, term_lists, why_not
from .rules import reason_codes, reason_texts
from .types import COMPONENT_NAMES, CandidateProfile, ExcludedPair, PlacementProfile, ScoredPair, Weights, WhyNot

if TYPE_CHECKING:
    from .scoring import SkillsModel


@dataclass(frozen=True, eq=False)
class RankedChoices:
    """Every placement each candidate ranked, grouped by candidate in their order, with the rules' verdict."""

    candidate: IntArray  # candidate index
    placement: IntArray  # placement index, -1 for an id no longer offered
    rank: IntArray  # 1 = the candidate's first choice
    failed_rules: npt.NDArray[np.uint8]  # bit mask of the rules the pair fails (rules.REASON_BIT), 0 = passes them all
    distance: FloatArray  # km, NaN where it could not be worked out
    unknown_ids: dict[int, str]  # entry → the placement id it names, for ids no longer offered


@dataclass(frozen=True, eq=False)
class AssignmentLists:
    """Both sides' lists exactly as deferred acceptance received them."""

    candidate: IntArray  # candidate index per candidate-list entry, grouped by candidate in list order
    placement: IntArray  # placement index per candidate-list entry
    total: FloatArray  # the pair's score
    tier: TierArray  # 0 = a resident of a placement that puts its residents first, 1 = everyone else
    ranking: IntArray  # candidate indices grouped by placement, each placement's best first
    place_offsets: IntArray  # placement j's ranking is ranking[place_offsets[j]:place_offsets[j + 1]]
    capacity: IntArray  # suggestions each placement can take (remaining positions × shortlist factor)


@dataclass(frozen=True, eq=False)
class SuggestedPairs:
    """The pairs the assignment made, as parallel arrays (turned into `ScoredPair`s on first access)."""

    candidate: IntArray
    placement: IntArray
    rank: IntArray  # the candidate's rank of the placement, 0 = one of the "other" placements
    total: FloatArray
    distance: FloatArray
    tier: TierArray
    components: dict[str, FloatArray]  # component name → value per pair


class PlacementSpec(TypedDict):
    """One placement in an instance: what `stable_match` reads, and what residents first adds for people."""

    capacity: int
    ranking: list[str]
    residents_first: NotRequired[str | None]
    residents_ranked_first: NotRequired[int]


class Instance(TypedDict):
    """Both sides' lists in the CLI's JSON schema (see the package docstring)."""

    candidates: dict[str, list[str]]
    placements: dict[str, PlacementSpec]


class PlainRanked(TypedDict):
    """`RankedChoices` as Python lists, with each candidate's [start, end) offsets into them."""

    offsets: list[int]
    unknown_ids: dict[int, str]
    placement: list[int]
    rank: list[int]
    failed_rules: list[int]
    distance: list[float]


class PlainLists(TypedDict):
    """The candidate side of `AssignmentLists` as Python lists, with each candidate's [start, end) offsets."""

    offsets: list[int]
    placement: list[int]
    total: list[float]
    tier: list[int]


@dataclass(frozen=True, eq=False, kw_only=True)
class MatchResult:
    """A run's outcome: suggested pairs with explanations, excluded ranked pairs, counts, provenance.

    Frozen: a result is a record of one run. Suggestions, exclusions and the plain lists behind
    `why_not` are built on first access (`cached_property` writes to the instance's __dict__, which
    a frozen dataclass without slots still has)."""

    algorithm_version: str
    seed: int
    weights: Weights
    shortlist_factor: int
    max_list_length: int
    assignment: dict[str, str | None] = field(repr=False)  # candidate id → placement id, or None
    counts: dict[str, int]
    timings: dict[str, float]  # stage name → seconds
    placement_cutoffs: dict[str, float] = field(repr=False)  # full placement → lowest score it took
    placement_cutoff_tiers: dict[str, int] = field(repr=False)  # full placement → the last tier it took
    input_hash: str
    _model: SkillsModel = field(repr=False)
    _candidates: list[CandidateProfile] = field(repr=False)
    _placements: list[PlacementProfile] = field(repr=False)
    _ranked: RankedChoices = field(repr=False)
    _lists: AssignmentLists = field(repr=False)
    _suggested: SuggestedPairs = field(repr=False)

    @cached_property
    def suggestions(self) -> tuple[ScoredPair, ...]:
        """Every suggested pair, with components and an explanation (built on first access)."""
        suggested = self._suggested
        terms = term_lists(self._model, suggested.candidate, suggested.placement)
        pairs = []
        for k in range(len(suggested.candidate)):
            components = {name: float(suggested.components[name][k]) for name in COMPONENT_NAMES}
            rank = int(suggested.rank[k]) or None
            place = self._placements[suggested.placement[k]]
            cand = self._candidates[suggested.candidate[k]]
            explanation = build_explanation(
                components,
                self.weights,
                terms[k],
                title=place.title or place.standard,
                rank=rank,
                distance_km=float(suggested.distance[k]),
                travel_km=cand.travel_km,
                residents_first=place.borough if place.residents_first else None,
                resident=not suggested.tier[k],
            )
            pairs.append(ScoredPair(cand.id, place.id, components, float(suggested.total[k]), rank, explanation))
        return tuple(pairs)

    @cached_property
    def excluded(self) -> tuple[ExcludedPair, ...]:
        """Pairs a candidate ranked that a hard rule removed, with the reasons."""
        ranked = self._ranked
        out = []
        for k in np.flatnonzero(ranked.failed_rules != 0).tolist():
            j = int(ranked.placement[k])
            placement_id = self._placement_ids[j] if j >= 0 else ranked.unknown_ids[k]
            codes = reason_codes(int(ranked.failed_rules[k]))
            out.append(
                ExcludedPair(
                    self._candidates[ranked.candidate[k]].id,
                    placement_id,
                    int(ranked.rank[k]),
                    codes,
                    reason_texts(codes),
                )
            )
        return tuple(out)

    def instance(self) -> Instance:
        """Both sides' lists and capacities the assignment ran on, in the CLI's JSON schema.

        ``stable_match(**instance)`` (or ``python -m matching assign``) gives back `assignment`."""
        lists = self._lists
        cids = [c.id for c in self._candidates]
        pids = self._placement_ids
        # Entries are grouped by candidate (in list order) and, on the other side, by placement.
        wishes = [pids[j] for j in lists.placement.tolist()]
        ranked_by = [cids[i] for i in lists.ranking.tolist()]
        c_ends = np.cumsum(np.bincount(lists.candidate, minlength=len(cids))).tolist()
        p_ends = lists.place_offsets.tolist()
        candidates = {cid: wishes[start:end] for cid, start, end in zip(cids, [0, *c_ends[:-1]], c_ends)}
        placements: dict[str, PlacementSpec] = {
            pid: {"capacity": cap, "ranking": ranked_by[start:end]}
            for pid, cap, start, end in zip(pids, lists.capacity.tolist(), p_ends[:-1], p_ends[1:])
        }
        # A placement that puts its borough's residents first says so, and how many of its ranking are
        # residents (they come first); `check` ignores these keys and verifies the ranking as given.
        first_tier = np.bincount(lists.placement[lists.tier == 0], minlength=len(pids)).tolist()
        for place, spec, count in zip(self._placements, placements.values(), first_tier):
            if place.residents_first:
                spec["residents_first"] = place.borough
                spec["residents_ranked_first"] = count
        return {"candidates": candidates, "placements": placements}

    def why_not(self, candidate_id: str) -> list[WhyNot]:
        """Why this candidate did not get the placements they ranked above their suggestion."""
        return why_not(self, candidate_id)

    @cached_property
    def _placement_ids(self) -> list[str]:
        """Placement ids by placement index."""
        return [place.id for place in self._placements]

    @cached_property
    def _candidate_index(self) -> dict[str, int]:
        """Candidate id → candidate index."""
        return {cand.id: i for i, cand in enumerate(self._candidates)}

    @cached_property
    def _plain_ranked(self) -> PlainRanked:
        """The ranked entries as Python lists, with each candidate's [start, end) offsets (for why_not)."""
        ranked = self._ranked
        offsets = np.searchsorted(ranked.candidate, np.arange(len(self._candidates) + 1)).tolist()
        return {
            "offsets": offsets,
            "unknown_ids": ranked.unknown_ids,
            "placement": ranked.placement.tolist(),
            "rank": ranked.rank.tolist(),
            "failed_rules": ranked.failed_rules.tolist(),
            "distance": ranked.distance.tolist(),
        }

    @cached_property
    def _plain_lists(self) -> PlainLists:
        """The assignment's lists as Python lists, with each candidate's [start, end) offsets (for why_not)."""
        lists = self._lists
        offsets = np.searchsorted(lists.candidate, np.arange(len(self._candidates) + 1)).tolist()
        return {
            "offsets": offsets,
            "placement": lists.placement.tolist(),
            "total": lists.total.tolist(),
            "tier": lists.tier.tolist(),
        }
