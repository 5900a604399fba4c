"""Candidate-proposing deferred acceptance with capacities (Gale–Shapley / Roth–Peranson family)."""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from itertools import chain
from typing import Any

import numpy as np

from .arrays import IntArray


def stable_match(
    candidates: Mapping[str, Sequence[str]], placements: Mapping[str, Mapping[str, Any]]
) -> dict[str, str | None]:
    """Candidate-optimal stable matching: {candidate_id: placement_id or None} for every candidate.

    `candidates` maps a candidate id to placement ids, best first; `placements` maps a placement
    id to {"capacity": int >= 0, "ranking": [candidate ids, best first]}. A pair can only be
    matched if each lists the other.
    """
    candidate_ids = list(candidates)
    placement_ids = list(placements)
    placement_index = {p: j for j, p in enumerate(placement_ids)}
    candidate_index = {c: i for i, c in enumerate(candidate_ids)}
    cand_offsets, cand_places = _flatten_lists(candidates, placement_index, "candidate", "placement")
    capacity = np.zeros(len(placement_ids), dtype=np.int64)
    rankings: dict[str, Any] = {}  # checked by _flatten_lists, like the candidates' lists
    for p, spec in placements.items():
        if not isinstance(spec, Mapping) or "capacity" not in spec or "ranking" not in spec:
            raise ValueError(f"placement {p!r} needs 'capacity' and 'ranking'")
        cap = spec["capacity"]
        if isinstance(cap, bool) or not isinstance(cap, int):
            raise ValueError(f"placement {p!r} has a capacity that is not a whole number: {cap!r}")
        if cap < 0:
            raise ValueError(f"placement {p!r} has a negative capacity: {cap}")
        capacity[placement_index[p]] = cap
        rankings[p] = spec["ranking"]
    place_offsets, place_candidates = _flatten_lists(rankings, candidate_index, "placement", "candidate")
    match = deferred_acceptance(cand_offsets, cand_places, capacity, place_offsets, place_candidates)
    return {c: (placement_ids[j] if j >= 0 else None) for c, j in zip(candidate_ids, match.tolist())}


def _flatten_lists(lists: Mapping[str, Any], index: dict[str, int], owner: str, item: str) -> tuple[IntArray, IntArray]:
    """Map each owner's list of ids to indices, rejecting unknown ids and duplicates."""
    owners = list(lists)
    values = list(lists.values())
    if set(map(type, values)) - {list, tuple}:  # cheap check first; find the culprit only if needed
        for owner_id, listed in zip(owners, values):
            if not isinstance(listed, (list, tuple)):
                raise ValueError(f"{owner} {owner_id!r}: the list must be a list of {item} ids")
    lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    offsets = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    # One dict lookup per entry over the whole flattened input; unhashable ids count as unknown.
    # fromiter fails on the None an unknown id maps to (TypeError), so the happy path builds no list.
    try:
        flat = np.fromiter(map(index.get, chain.from_iterable(values)), dtype=np.int64, count=int(offsets[-1]))
    except TypeError:
        for owner_id, listed in zip(owners, values):
            for x in listed:
                if not isinstance(x, str) or x not in index:
                    raise ValueError(f"{owner} {owner_id!r} lists unknown {item} {x!r}") from None
        raise
    # Duplicates: sort (owner, item) keys and look for equal neighbours.
    owner_of = np.repeat(np.arange(len(values), dtype=np.int64), lengths)
    keys = np.sort(owner_of * max(1, len(index)) + flat)
    repeated = np.flatnonzero(keys[1:] == keys[:-1])
    if len(repeated):
        bad_owner, bad_item = divmod(int(keys[repeated[0]]), max(1, len(index)))
        item_ids = list(index)
        raise ValueError(f"{owner} {owners[bad_owner]!r} lists {item} {item_ids[bad_item]!r} more than once")
    return offsets, flat


def deferred_acceptance(
    cand_offsets: IntArray,
    cand_places: IntArray,
    capacity: IntArray,
    place_offsets: IntArray,
    place_candidates: IntArray,
) -> IntArray:
    """Index-level deferred acceptance on flattened (CSR-style) lists; returns placement index or -1."""
    n_cand = len(cand_offsets) - 1
    n_place = len(place_offsets) - 1
    match = np.full(n_cand, -1, dtype=np.int64)
    if n_cand == 0 or len(cand_places) == 0:
        return match
    # Rank each candidate-list entry on the placement's side once, so the proposal loop never
    # searches a list; -1 = the placement does not rank this candidate.
    cand_of_entry = np.repeat(np.arange(n_cand, dtype=np.int64), np.diff(cand_offsets))
    entry_rank = _placement_ranks(cand_offsets, cand_places, place_offsets, place_candidates, cand_of_entry)
    # Drop entries the placement does not rank, or placements with no room: never acceptable.
    keep = (entry_rank >= 0) & (capacity[cand_places] > 0)
    places_kept = cand_places[keep]
    # Heap keys: -(rank × n + candidate), so the min-heap's top is the worst candidate held.
    keys_kept = -(entry_rank[keep] * n_cand + cand_of_entry[keep])
    ends = np.cumsum(np.bincount(cand_of_entry[keep], minlength=n_cand))
    pointer = ends - np.bincount(cand_of_entry[keep], minlength=n_cand)
    held_keys, pointer, free = _parallel_rounds(places_kept, keys_kept, pointer, ends, capacity, n_cand)
    # Few proposals left: finish one proposal at a time with a heap per placement (same result,
    # since deferred acceptance does not depend on the order of proposals).
    # Only the tail's lists become Python lists (converting all of them cost more than the tail).
    ends = ends.tolist()
    pointer = pointer.tolist()
    room = capacity.tolist()
    held: list[list[int]] = [[] for _ in range(n_place)]
    for p, key in zip(held_keys[0].tolist(), held_keys[1].tolist()):
        held[p].append(key)
        room[p] -= 1
    for heap in held:
        heapq.heapify(heap)
    free = free.tolist()[::-1]
    heappush, heapreplace = heapq.heappush, heapq.heapreplace
    while free:
        c = free.pop()
        k, end = pointer[c], ends[c]
        for p, key in zip(places_kept[k:end].tolist(), keys_kept[k:end].tolist()):
            k += 1
            if room[p]:
                room[p] -= 1
                heappush(held[p], key)
                break
            heap = held[p]
            if key > heap[0]:  # ranked above the worst one held: swap them
                free.append((-heapreplace(heap, key)) % n_cand)
                break
        pointer[c] = k
    for p, heap in enumerate(held):
        for key in heap:
            match[(-key) % n_cand] = p
    return match


def _placement_ranks(
    cand_offsets: IntArray,
    cand_places: IntArray,
    place_offsets: IntArray,
    place_candidates: IntArray,
    cand_of_entry: IntArray,
) -> IntArray:
    """For each candidate-list entry, the candidate's position in that placement's ranking, or -1."""
    n_place = len(place_offsets) - 1
    entry_rank = np.full(len(cand_places), -1, dtype=np.int64)
    if len(place_candidates) == 0:
        return entry_rank
    place_of_rank = np.repeat(np.arange(n_place, dtype=np.int64), np.diff(place_offsets))
    rank_values = np.arange(len(place_candidates), dtype=np.int64) - place_offsets[place_of_rank]
    # Match (candidate, placement) keys of both sides by sorting each: the candidate side is already
    # almost in key order (grouped by candidate), so its stable sort is cheap.
    place_keys = place_candidates * n_place + place_of_rank
    place_order = np.argsort(place_keys)  # keys are distinct: duplicates were rejected
    place_keys = place_keys[place_order]
    entry_keys = cand_of_entry * n_place + cand_places
    entry_order = np.argsort(entry_keys, kind="stable")
    entry_keys = entry_keys[entry_order]
    if len(entry_keys) == len(place_keys) and np.array_equal(entry_keys, place_keys):
        entry_rank[entry_order] = rank_values[place_order]  # both sides list the same pairs
        return entry_rank
    found = np.minimum(np.searchsorted(place_keys, entry_keys), len(place_keys) - 1)
    ok = place_keys[found] == entry_keys
    entry_rank[entry_order[ok]] = rank_values[place_order[found[ok]]]
    return entry_rank


def _parallel_rounds(
    places: IntArray,
    keys: IntArray,
    pointer: IntArray,
    ends: IntArray,
    capacity: IntArray,
    n_cand: int,
    min_proposals: int = 2000,
) -> tuple[tuple[IntArray, IntArray], IntArray, IntArray]:
    """Rounds where every free candidate proposes at once, while there are many of them.

    Returns ((placement, key) arrays held, pointers, candidates still free to propose).
    """
    held_p = np.zeros(0, dtype=np.int64)
    held_k = np.zeros(0, dtype=np.int64)
    pointer = pointer.copy()
    free = np.flatnonzero(pointer < ends)
    while len(free) >= min_proposals:
        entry = pointer[free]
        pointer[free] += 1
        # One integer sort groups by placement with the best-ranked (smallest -key) first.
        span = int(-keys.min()) + 1 if len(keys) else 1
        combined = np.sort(np.concatenate((held_p * span - held_k, places[entry] * span - keys[entry])))
        all_p, all_k = combined // span, -(combined % span)
        group_start = np.flatnonzero(np.r_[True, all_p[1:] != all_p[:-1]])
        sizes = np.diff(np.r_[group_start, len(all_p)])
        position = np.arange(len(all_p)) - np.repeat(group_start, sizes)
        accepted = position < capacity[all_p]
        held_p, held_k = all_p[accepted], all_k[accepted]
        rejected = (-all_k[~accepted]) % n_cand
        free = np.sort(rejected[pointer[rejected] < ends[rejected]])
    return (held_p, held_k), pointer, free
