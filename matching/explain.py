"""Explanations: each component's share of the score, skills matched and missing, one sentence."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .rules import reason_codes, reason_texts
from .types import COMPONENT_NAMES, ComponentScore, Explanation, Weights, WhyNot

if TYPE_CHECKING:
    from .pipeline import MatchResult
    from .scoring import SkillsModel


def component_scores(components: dict[str, float], weights: Weights) -> tuple[tuple[ComponentScore, ...], float]:
    """Value, weight and contribution per component; the total is the sum of contributions."""
    parts = tuple(
        ComponentScore(name, float(components[name]), getattr(weights, name),
                       getattr(weights, name) * float(components[name]))
        for name in COMPONENT_NAMES
    )
    total = 0.0
    for part in parts:  # same order and arithmetic as scoring.weighted_total
        total = total + part.contribution
    return parts, total


def term_lists(model: SkillsModel, ci: np.ndarray, pj: np.ndarray) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """For each pair, the placement's terms the candidate has and the ones they lack."""
    if len(ci) == 0:
        return []
    if model.placements.shape[1] == 0:
        return [((), ())] * len(ci)
    place_terms = model.binary("placements")[pj]
    matched = place_terms.multiply(model.binary("candidates")[ci]).tocsr()
    missing = (place_terms - matched).tocsr()
    missing.eliminate_zeros()
    for matrix in (matched, missing):
        matrix.sort_indices()
    terms = model.terms

    def split(matrix):
        names = terms[matrix.indices]
        return [tuple(names[a:b].tolist()) for a, b in zip(matrix.indptr[:-1], matrix.indptr[1:])]

    return list(zip(split(matched), split(missing)))


def sentence(
    title: str,
    rank: int | None,
    interest: bool,
    matching: int,
    skill_count: int,
    distance_km: float | None,
    travel_km: float,
) -> str:
    """One plain-English sentence saying why a placement was suggested."""
    reasons = []
    if rank:
        reasons.append(f"you chose {title} as your number {rank}" if rank > 1 else f"you chose {title} first")
    elif interest:
        reasons.append(f"{title} is in an apprenticeship you said you are interested in")
    else:
        reasons.append(f"you said you would consider other placements like {title}")
    if skill_count:
        reasons.append(f"{matching} of its {skill_count} skills match yours")
    if distance_km is not None and np.isfinite(distance_km):
        reasons.append(f"it is {distance_km:.1f} km from you, within your {travel_km:g} km limit")
    if len(reasons) > 1:
        body = ", ".join(reasons[:-1]) + ", and " + reasons[-1]
    else:
        body = reasons[0]
    return f"Suggested because {body}."


def build_explanation(
    components: dict[str, float],
    weights: Weights,
    terms: tuple[tuple[str, ...], tuple[str, ...]],
    *,
    title: str,
    rank: int | None,
    distance_km: float | None,
    travel_km: float,
) -> Explanation:
    """Assemble the structured explanation and its sentence for one pair."""
    parts, total = component_scores(components, weights)
    matching, missing = terms
    text = sentence(title, rank, components["interest"] > 0, len(matching), len(matching) + len(missing),
                    distance_km, travel_km)
    return Explanation(parts, total, matching, missing, distance_km, travel_km, rank, text)


def why_not(result: MatchResult, candidate_id: str) -> list[WhyNot]:
    """Why the candidate did not get each placement they ranked above the one they got."""
    lists = result._lists
    i = result._candidate_index[candidate_id]
    got = result.assignment.get(candidate_id)
    got_rank = None
    answers: list[tuple[int, WhyNot]] = []
    ranked = result._ranked
    # Both arrays are grouped by candidate in candidate order, so a binary search finds this candidate's entries
    # (a scan of every entry for every candidate took hours at 100,000 candidates).
    first, last = np.searchsorted(ranked["candidate"], [i, i + 1])
    own_first, own_last = np.searchsorted(lists["candidate"], [i, i + 1])
    own_places = lists["placement"][own_first:own_last]
    for k in range(int(first), int(last)):
        placement_id = result._placement_ids[ranked["placement"][k]] if ranked["placement"][k] >= 0 else ranked["unknown"].get(k, "?")
        rank = int(ranked["rank"][k])
        if placement_id == got:
            got_rank = rank
            continue
        mask = int(ranked["mask"][k])
        if mask:
            codes = reason_codes(mask)
            answers.append((rank, WhyNot(placement_id, rank, codes[0], " ".join(reason_texts(codes)))))
            continue
        entry = own_first + np.flatnonzero(own_places == ranked["placement"][k])
        their = float(lists["total"][entry[0]]) if len(entry) else None
        cutoff = result.placement_cutoffs.get(placement_id)
        if cutoff is None:
            text = "It had no places left to offer in this round."
            answers.append((rank, WhyNot(placement_id, rank, "no_places", text, their, None)))
        else:
            tie = their is not None and abs(their - cutoff) < 1e-12
            # Scores out of 100, as the candidate reads them; the exact figures stay on the WhyNot.
            text = (f"Its places went to candidates who scored higher. The lowest score it took was "
                    f"{cutoff * 100:.0f} out of 100. Yours was {their * 100:.0f} out of 100."
                    + (" Equal scores were settled by the published lottery." if tie else ""))
            answers.append((rank, WhyNot(placement_id, rank, "filled_by_higher_scores", text, their, cutoff)))
    limit = got_rank if got_rank is not None else float("inf")
    return [answer for rank, answer in sorted(answers, key=lambda a: a[0]) if rank < limit]
