"""Explanations: each component's share of the score, skills matched and missing, one sentence."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

import numpy as np

from .arrays import IntArray
from .rules import REASON_TEXT, reason_codes, reason_texts
from .types import COMPONENT_NAMES, CandidateProfile, ComponentScore, Explanation, PlacementProfile, Weights, WhyNot

if TYPE_CHECKING:
    from .result import MatchResult
    from .scoring import SkillsModel


def component_scores(components: dict[str, float], weights: Weights) -> tuple[tuple[ComponentScore, ...], float]:
    """Value, weight and contribution per component; the total is the sum of contributions."""
    parts = tuple(
        ComponentScore(
            name, float(components[name]), getattr(weights, name), getattr(weights, name) * float(components[name])
        )
        for name in COMPONENT_NAMES
    )
    total = 0.0
    for part in parts:  # same order and arithmetic as scoring.weighted_total
        total = total + part.contribution
    return parts, total


def term_lists(model: SkillsModel, ci: IntArray, pj: IntArray) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """For each pair, the placement's terms (as the placement shows them) the candidate has and lacks."""
    return [model.shown_terms(i, j) for i, j in zip(np.asarray(ci).tolist(), np.asarray(pj).tolist())]


def sentence(
    title: str,
    rank: int | None,
    interest: bool,
    matching: int,
    skill_count: int,
    distance_km: float | None,
    travel_km: float,
    residents_first: str | None = None,
    resident: bool = False,
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
        reasons.append(f"{matching} of its {skill_count} skills {'matches' if matching == 1 else 'match'} yours")
    if distance_km is not None and np.isfinite(distance_km):
        reasons.append(f"it is {distance_km:.1f} km from you, within your {travel_km:g} km limit")
    if residents_first:
        reasons.append(
            f"this placement considers {residents_first} residents first" + (" and you live there" if resident else "")
        )
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
    residents_first: str | None = None,
    resident: bool = False,
) -> Explanation:
    """Assemble the structured explanation and its sentence for one pair."""
    parts, total = component_scores(components, weights)
    matching, missing = terms
    text = sentence(
        title,
        rank,
        components["interest"] > 0,
        len(matching),
        len(matching) + len(missing),
        distance_km,
        travel_km,
        residents_first,
        resident,
    )
    return Explanation(
        parts,
        total,
        matching,
        missing,
        distance_km,
        travel_km,
        rank,
        text,
        residents_first,
        bool(residents_first) and resident,
    )


def _date(value: datetime.date) -> str:
    """A date as candidates read it, e.g. 1 September 2026."""
    return f"{value.day} {value:%B %Y}"


def rule_detail(code: str, cand: CandidateProfile, place: PlacementProfile, distance_km: float | None) -> str:
    """One hard rule in plain words, with the values that decided it and what the candidate can change."""
    if code == "too_far" and distance_km is not None and np.isfinite(distance_km):
        return (
            f"It is {distance_km:.1f} km from where you live; you said you can travel up to {cand.travel_km:g} km. "
            "If you can travel further, change how far you can travel in your application."
        )
    if code == "hours":
        return (
            f"It needs {place.hours} hours a week; you said you can work {cand.hours_available} hours a week. "
            "If you can work more hours, change them in your application."
        )
    if code == "starts_too_soon":
        return (
            f"You can start from {_date(cand.available_from)}; this placement starts on {_date(place.starts_on)}. "
            "If you could start sooner, change your start date in your application."
        )
    if code == "already_qualified":
        held = max((level for field, level in cand.qualified if field == place.standard_field), default=None)
        return (
            f"You told us you already have a level {held} qualification in this kind of work; this "
            f"apprenticeship is level {place.level}. Apprenticeships are for learning something new, so look "
            "for placements at a higher level."
        )
    if code == "location_unknown":
        return "We could not work out how far it is from you. Check the postcode area in your application."
    if code == "not_eligible":
        return (
            "On the answers you gave, you cannot start an apprenticeship yet (for example, because of your age "
            "or right to work). If your circumstances change, check your answers again."
        )
    if code == "closed_or_full":
        return "It closed, or all its places were filled, before this round."
    return REASON_TEXT[code]


def why_not(result: MatchResult, candidate_id: str) -> list[WhyNot]:
    """Why the candidate did not get each placement they ranked above the one they got (every one if none)."""
    i = result._candidate_index[candidate_id]
    cand = result._candidates[i]
    got = result.assignment.get(candidate_id)
    answers: list[tuple[int, WhyNot]] = []
    # Plain lists, cut by offsets per candidate (built once per result): a run explains every candidate, and
    # indexing numpy arrays one item at a time made that most of a 100,000-candidate run's time.
    ranked, lists = result._plain_ranked, result._plain_lists
    first, last = ranked["offsets"][i], ranked["offsets"][i + 1]
    own_first, own_last = lists["offsets"][i], lists["offsets"][i + 1]
    own_places = lists["placement"][own_first:own_last]
    places, ranks = ranked["placement"][first:last], ranked["rank"][first:last]
    ids = [
        result._placement_ids[j] if j >= 0 else ranked["unknown_ids"].get(k, "?")
        for k, j in zip(range(first, last), places)
    ]
    # Only the placements ranked above the one they got are explained, so the others are never worked out.
    limit = next((rank for rank, placement_id in zip(ranks, ids) if placement_id == got), float("inf"))
    for k, j, rank, placement_id, failed_rules in zip(
        range(first, last), places, ranks, ids, ranked["failed_rules"][first:last]
    ):
        if rank >= limit:
            continue
        if failed_rules:
            codes = reason_codes(failed_rules)
            if j < 0:
                text = REASON_TEXT["closed_or_full"]
            else:
                text = " ".join(rule_detail(code, cand, result._placements[j], ranked["distance"][k]) for code in codes)
            answers.append((rank, WhyNot(placement_id, rank, codes[0], text, detail=" ".join(reason_texts(codes)))))
            continue
        place = result._placements[j]
        entry = own_first + own_places.index(j) if j in own_places else None
        their = lists["total"][entry] if entry is not None else None
        their_tier = lists["tier"][entry] if entry is not None else 1
        cutoff = result.placement_cutoffs.get(placement_id)
        have, lack = result._model.shown_terms(i, j)
        skills = f"You have {len(have)} of the {len(have) + len(lack)} skills it lists. " if have or lack else ""
        if cutoff is None:
            text = "It had no places left to offer in this round."
            answers.append((rank, WhyNot(placement_id, rank, "no_places", text, their, None)))
        elif their_tier > result.placement_cutoff_tiers.get(placement_id, 1):
            text = (
                f"This placement considers {place.borough} residents first, and all its places went to "
                f"{place.borough} residents."
            )
            detail = (
                f"{skills}Your score for it was {their * 100:.0f} out of 100." if their is not None else skills.strip()
            )
            answers.append((rank, WhyNot(placement_id, rank, "residents_first", text, their, cutoff, detail)))
        else:
            tie = their is not None and abs(their - cutoff) < 1e-12
            text = (
                "Its places went to candidates who matched more of what it asks for: its skills, the "
                "apprenticeship they said interests them and how near they live."
                + (" Candidates with the same score as yours were settled by the published lottery." if tie else "")
            )
            # Every ranked pair that passes the rules is on the candidate's list, so their score is known;
            # should that ever not hold, the sentence leaves it out rather than failing.
            yours = f"; yours was {their * 100:.0f}" if their is not None else ""
            detail = (
                f"{skills}The lowest score it took was {cutoff * 100:.0f} out of 100{yours}. "
                "Adding skills "
                "you have, and the apprenticeships that interest you, to your application can raise your score."
            )
            answers.append((rank, WhyNot(placement_id, rank, "filled_by_higher_scores", text, their, cutoff, detail)))
    return [answer for rank, answer in sorted(answers, key=lambda a: a[0])]
