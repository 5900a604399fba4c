"""The entry point the service calls: rules → scores → lists → deferred acceptance → explanations."""
from __future__ import annotations

import datetime
import hashlib
import json
import time
from functools import cached_property
from itertools import chain
from operator import attrgetter
from typing import Mapping, Sequence

import numpy as np

from .arrays import candidate_arrays, placement_arrays, resident_tier
from .explain import build_explanation, term_lists, why_not
from .rules import REASON_BIT, reason_codes, reason_texts, rule_failures
from .scoring import SkillsModel, interest_matrix, score_pairs
from .search import other_placement_pairs
from .shortlist import lottery_numbers, placement_order
from .stable import deferred_acceptance
from .terms import TermTable
from .types import (COMPONENT_NAMES, DEFAULT_WEIGHTS, CandidateProfile, ExcludedPair, PlacementProfile,
                    ScoredPair, Weights, WhyNot)

# 1.1: the "already_decided" rule. 2.0: the candidate's rank is no longer part of the score (a placement's
# priority never depends on it); skills are whole terms; placements may put their borough's residents first.
ALGORITHM_VERSION = "2.0.0"


class MatchResult:
    """A run's outcome: suggested pairs with explanations, excluded ranked pairs, counts, provenance."""

    def __init__(self, **state):
        self.__dict__.update(state)

    @cached_property
    def suggestions(self) -> tuple[ScoredPair, ...]:
        """Every suggested pair, with components and an explanation (built on first access)."""
        s = self._suggested
        terms = term_lists(self._model, s["candidate"], s["placement"])
        pairs = []
        for k in range(len(s["candidate"])):
            components = {name: float(s[name][k]) for name in COMPONENT_NAMES}
            rank = int(s["rank"][k]) or None
            place = self._placements[s["placement"][k]]
            cand = self._candidates[s["candidate"][k]]
            explanation = build_explanation(components, self.weights, terms[k], title=place.title or place.standard,
                                            rank=rank, distance_km=float(s["distance"][k]), travel_km=cand.travel_km,
                                            residents_first=place.borough if place.residents_first else None,
                                            resident=not s["tier"][k])
            pairs.append(ScoredPair(cand.id, place.id, components, float(s["total"][k]), rank, explanation))
        return tuple(pairs)

    @cached_property
    def excluded(self) -> tuple[ExcludedPair, ...]:
        """Pairs a candidate ranked that a hard rule removed, with the reasons."""
        r = self._ranked
        out = []
        for k in np.flatnonzero(r["mask"] != 0).tolist():
            j = int(r["placement"][k])
            placement_id = self._placement_ids[j] if j >= 0 else r["unknown"][k]
            codes = reason_codes(int(r["mask"][k]))
            out.append(ExcludedPair(self._candidates[r["candidate"][k]].id, placement_id, int(r["rank"][k]),
                                    codes, reason_texts(codes)))
        return tuple(out)

    def instance(self) -> dict:
        """Both sides' lists and capacities the assignment ran on, in the CLI's JSON schema.

        ``stable_match(**instance)`` (or ``python -m matching assign``) gives back `assignment`."""
        lists = self._lists
        cids = [c.id for c in self._candidates]
        pids = self._placement_ids
        # Entries are grouped by candidate (in list order) and, on the other side, by placement.
        wishes = [pids[j] for j in lists["placement"].tolist()]
        ranked_by = [cids[i] for i in lists["ranking"].tolist()]
        c_ends = np.cumsum(np.bincount(lists["candidate"], minlength=len(cids))).tolist()
        p_ends = lists["place_offsets"].tolist()
        candidates = {cid: wishes[start:end] for cid, start, end in zip(cids, [0, *c_ends[:-1]], c_ends)}
        placements = {pid: {"capacity": cap, "ranking": ranked_by[start:end]}
                      for pid, cap, start, end in zip(pids, lists["capacity"].tolist(), p_ends[:-1], p_ends[1:])}
        # A placement that puts its borough's residents first says so, and how many of its ranking are
        # residents (they come first); `check` ignores these keys and verifies the ranking as given.
        first_tier = np.bincount(lists["placement"][lists["tier"] == 0], minlength=len(pids)).tolist()
        for place, spec, count in zip(self._placements, placements.values(), first_tier):
            if place.residents_first:
                spec["residents_first"] = place.borough
                spec["residents_ranked_first"] = count
        return {"candidates": candidates, "placements": placements}

    @cached_property
    def _plain_ranked(self) -> dict:
        """The ranked entries as Python lists, with each candidate's [start, end) offsets (for why_not)."""
        r = self._ranked
        offsets = np.searchsorted(r["candidate"], np.arange(len(self._candidates) + 1)).tolist()
        return {"offsets": offsets, "unknown": r["unknown"],
                **{key: r[key].tolist() for key in ("placement", "rank", "mask", "distance")}}

    @cached_property
    def _plain_lists(self) -> dict:
        """The assignment's lists as Python lists, with each candidate's [start, end) offsets (for why_not)."""
        lists = self._lists
        offsets = np.searchsorted(lists["candidate"], np.arange(len(self._candidates) + 1)).tolist()
        return {"offsets": offsets, **{key: lists[key].tolist() for key in ("placement", "total", "tier")}}

    def why_not(self, candidate_id: str) -> list[WhyNot]:
        """Why this candidate did not get the placements they ranked above their suggestion."""
        return why_not(self, candidate_id)


def _canonical_value(value):
    """A field value in JSON-ready form (sets sorted by repr, dates ISO)."""
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr) if len(value) > 1 else list(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


_PLAIN_TYPES = frozenset({str, int, float, bool, type(None), tuple})


def _canonical_rows(items) -> list[list]:
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


def input_hash(candidates, placements, weights: Weights, **settings) -> str:
    """sha256 over a canonical JSON serialisation of everything that determines the result."""
    head = {"algorithm": ALGORITHM_VERSION, "weights": weights.as_dict(), "settings": settings,
            "candidate_fields": list(CandidateProfile.__dataclass_fields__),
            "placement_fields": list(PlacementProfile.__dataclass_fields__)}
    rows = _canonical_rows(sorted(candidates, key=attrgetter("id")))
    rows += _canonical_rows(sorted(placements, key=attrgetter("id")))
    text = json.dumps([head, rows], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _ranked_entries(candidates: Sequence[CandidateProfile], placement_index: dict[str, int]):
    """Flatten every candidate's preferences to (candidate, placement or -1, rank) arrays."""
    prefs = [c.choices for c in candidates]
    lengths = np.fromiter(map(len, prefs), dtype=np.int64, count=len(prefs))
    ci = np.repeat(np.arange(len(prefs), dtype=np.int64), lengths)
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    rank = np.arange(len(ci), dtype=np.int64) - starts + 1
    flat_ids = list(chain.from_iterable(prefs))
    pj = np.fromiter((placement_index.get(p, -1) for p in flat_ids), dtype=np.int64, count=len(flat_ids))
    key = np.sort(ci * (len(placement_index) + 1) + pj)
    if len(key) and np.any((key[1:] == key[:-1]) & (key[1:] % (len(placement_index) + 1) != len(placement_index))):
        dup = key[1:][key[1:] == key[:-1]][0]
        c, p = divmod(int(dup), len(placement_index) + 1)
        raise ValueError(f"candidate {candidates[c].id!r} ranks placement {list(placement_index)[p]!r} twice")
    unknown = {k: flat_ids[k] for k in np.flatnonzero(pj < 0).tolist()}
    return ci, pj, rank, unknown


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
    clock = time.perf_counter()
    places = placement_arrays(placements)
    cands = candidate_arrays(candidates, places)
    model = SkillsModel([p.skills for p in placements], [c.skills for c in candidates],
                        [c.skills_text for c in candidates], table)
    interests = interest_matrix([c.interests for c in candidates], places)
    placement_index = {pid: j for j, pid in enumerate(places.ids)}
    timings["prepare"] = time.perf_counter() - clock

    clock = time.perf_counter()
    r_ci, r_pj, r_rank, unknown = _ranked_entries(candidates, placement_index)
    known = r_pj >= 0
    mask = np.zeros(len(r_ci), dtype=np.uint8)
    mask[known], r_dist = rule_failures(cands, places, r_ci[known], r_pj[known])
    mask[~known] = REASON_BIT["closed_or_full"]  # ranked a placement no longer offered
    distance_all = np.full(len(r_ci), np.nan)
    distance_all[known] = r_dist
    valid = mask == 0
    valid_count = np.bincount(r_ci[valid], minlength=len(candidates))
    wanted = np.where(cands.consider_others & cands.eligible, np.maximum(max_list_length - valid_count, 0), 0)
    timings["rules"] = time.perf_counter() - clock

    clock = time.perf_counter()
    o_ci, o_pj = other_placement_pairs(model, interests, cands, places, weights, wanted,
                                       r_ci[known], r_pj[known], workers=workers)
    o_mask, o_dist = rule_failures(cands, places, o_ci, o_pj)
    o_ci, o_pj, o_dist = o_ci[o_mask == 0], o_pj[o_mask == 0], o_dist[o_mask == 0]
    timings["search_others"] = time.perf_counter() - clock

    clock = time.perf_counter()
    e_ci = np.concatenate((r_ci[valid], o_ci))
    e_pj = np.concatenate((r_pj[valid], o_pj))
    e_rank = np.concatenate((r_rank[valid], np.zeros(len(o_ci), dtype=np.int64)))
    e_dist = np.concatenate((distance_all[valid], o_dist))
    comps, total = score_pairs(model, interests, cands, places, weights, e_ci, e_pj, e_dist)
    # Keep each candidate's best `wanted` others (ties by placement order), after their ranked ones.
    is_other = e_rank == 0
    order = np.lexsort((e_pj, -total, e_rank, is_other, e_ci))
    seq = np.arange(len(order)) - np.searchsorted(e_ci[order], e_ci[order])  # position in own list
    ranked_here = valid_count[e_ci[order]]
    keep_sorted = ~is_other[order] | (seq - ranked_here < wanted[e_ci[order]])
    entries = order[keep_sorted]
    timings["score"] = time.perf_counter() - clock

    clock = time.perf_counter()
    draws = lottery_numbers(cands.ids, seed)
    lottery = np.array([c.lottery if c.lottery is not None else draws[c.id] for c in candidates])
    id_rank = np.empty(len(candidates), dtype=np.int64)
    id_rank[np.argsort(np.array(cands.ids, dtype=object), kind="stable")] = np.arange(len(candidates))
    l_ci, l_pj, l_total = e_ci[entries], e_pj[entries], total[entries]
    cand_offsets = np.zeros(len(candidates) + 1, dtype=np.int64)
    np.cumsum(np.bincount(l_ci, minlength=len(candidates)), out=cand_offsets[1:])
    l_tier = resident_tier(cands, places, l_ci, l_pj)
    p_order = placement_order(l_pj, l_total, lottery[l_ci], id_rank[l_ci], l_tier)
    place_offsets = np.zeros(len(placements) + 1, dtype=np.int64)
    np.cumsum(np.bincount(l_pj, minlength=len(placements)), out=place_offsets[1:])
    capacity = places.remaining * shortlist_factor
    match = deferred_acceptance(cand_offsets, l_pj, capacity, place_offsets, l_ci[p_order])
    timings["assign"] = time.perf_counter() - clock

    clock = time.perf_counter()
    matched_entry = np.flatnonzero(match[l_ci] == l_pj)
    sel = entries[matched_entry]
    sel_tier = l_tier[matched_entry]
    suggested = {"candidate": e_ci[sel], "placement": e_pj[sel], "rank": e_rank[sel], "total": total[sel],
                 "distance": e_dist[sel], "tier": sel_tier, **{name: comps[name][sel] for name in COMPONENT_NAMES}}
    cutoffs: dict[str, float] = {}
    cutoff_tiers: dict[str, int] = {}
    if len(sel):
        # A full placement's last place went to its lowest-scored suggestion in its last tier taken.
        full = np.bincount(e_pj[sel], minlength=len(placements)) >= capacity
        last_tier = np.zeros(len(placements), dtype=np.int8)
        np.maximum.at(last_tier, e_pj[sel], sel_tier)
        in_last = sel_tier == last_tier[e_pj[sel]]
        lowest = np.full(len(placements), np.inf)
        np.minimum.at(lowest, e_pj[sel][in_last], total[sel][in_last])
        for j in np.flatnonzero(full & np.isfinite(lowest)).tolist():
            cutoffs[places.ids[j]] = float(lowest[j])
            cutoff_tiers[places.ids[j]] = int(last_tier[j])
    timings["collect"] = time.perf_counter() - clock

    clock = time.perf_counter()
    digest = input_hash(candidates, placements, weights, seed=seed, shortlist_factor=shortlist_factor,
                        max_list_length=max_list_length, synonyms=dict(sorted(table.synonyms.items())))
    timings["input_hash"] = time.perf_counter() - clock
    assignment = {cid: (places.ids[j] if j >= 0 else None) for cid, j in zip(cands.ids, match.tolist())}
    counts = {"candidates": len(candidates), "placements": len(placements), "ranked_pairs": int(len(r_ci)),
              "excluded_ranked_pairs": int((~valid).sum()), "list_entries": int(len(entries)),
              "suggested": int(len(sel)), "unmatched_candidates": int((match < 0).sum())}
    return MatchResult(
        algorithm_version=ALGORITHM_VERSION, seed=seed, weights=weights, shortlist_factor=shortlist_factor,
        max_list_length=max_list_length, assignment=assignment, counts=counts, timings=timings,
        placement_cutoffs=cutoffs, placement_cutoff_tiers=cutoff_tiers, input_hash=digest,
        _model=model, _candidates=list(candidates), _placements=list(placements), _placement_ids=places.ids,
        _candidate_index={cid: i for i, cid in enumerate(cands.ids)}, _suggested=suggested,
        _ranked={"candidate": r_ci, "placement": r_pj, "rank": r_rank, "mask": mask, "unknown": unknown,
                 "distance": distance_all},
        _lists={"candidate": l_ci, "placement": l_pj, "total": l_total, "tier": l_tier, "ranking": l_ci[p_order],
                "place_offsets": place_offsets, "capacity": capacity},
    )

