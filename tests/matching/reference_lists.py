"""The reference list builder: both sides' lists built the slow, obvious way from scored pairs.

The pipeline builds the same lists with numpy; property tests compare the two.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from matching import ScoredPair, lottery_numbers


def build_lists(
    pairs: Iterable[ScoredPair],
    ranked: dict[str, Sequence[str]],
    consider_others: dict[str, bool],
    remaining: dict[str, int],
    *,
    seed: int,
    shortlist_factor: int = 3,
    max_list_length: int = 10,
    lottery: dict[str, float] | None = None,
    residents: dict[str, Iterable[str]] | None = None,
) -> tuple[dict[str, list[str]], dict[str, dict]]:
    """Both sides' lists for `stable_match` from pairs that passed the rules.

    A candidate's list is their ranked placements that have a scored pair (in their order), then,
    if they agreed to consider others, further placements by descending score (ties by placement
    id) up to `max_list_length`. A placement ranks the candidates who list it by descending score,
    ties broken by the seeded lottery, after its `residents` (placement id → candidate ids) if it has
    any; its capacity is remaining positions × shortlist_factor. A candidate's rank never enters it.
    """
    pairs = list(pairs)
    candidate_ids = sorted(set(ranked) | {p.candidate_id for p in pairs})
    draws = lottery if lottery is not None else lottery_numbers(candidate_ids, seed)
    score = {(p.candidate_id, p.placement_id): p.total for p in pairs}
    by_candidate: dict[str, list[ScoredPair]] = {}
    for pair in pairs:
        by_candidate.setdefault(pair.candidate_id, []).append(pair)
    candidate_lists: dict[str, list[str]] = {}
    for c in candidate_ids:
        chosen = [p for p in ranked.get(c, ()) if (c, p) in score]
        if consider_others.get(c, False) and len(chosen) < max_list_length:
            taken = set(chosen)
            others = sorted(
                (q for q in by_candidate.get(c, ()) if q.placement_id not in taken),
                key=lambda q: (-q.total, q.placement_id),
            )
            chosen += [q.placement_id for q in others[: max_list_length - len(chosen)]]
        candidate_lists[c] = chosen
    listed_by: dict[str, list[str]] = {p: [] for p in remaining}
    for c, chosen in candidate_lists.items():
        for p in chosen:
            listed_by.setdefault(p, []).append(c)
    placement_specs = {}
    for p, listing in listed_by.items():
        first = set((residents or {}).get(p, ()))
        ranking = sorted(listing, key=lambda c: (c not in first, -score[(c, p)], draws.get(c, 0.0), c))
        placement_specs[p] = {"capacity": max(0, remaining.get(p, 0)) * shortlist_factor, "ranking": ranking}
    return candidate_lists, placement_specs
