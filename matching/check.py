"""Verify an assignment against an instance: capacity, mutual acceptability, no blocking pair."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def assignment_violations(
    candidates: Mapping[str, Sequence[str]],
    placements: Mapping[str, Mapping[str, Any]],
    assignment: Mapping[str, str | None],
) -> list[str]:
    """Every way the assignment breaks the rules of a stable matching (empty list if none)."""
    rank_of = {p: {c: r for r, c in enumerate(spec["ranking"])} for p, spec in placements.items()}
    problems = _unknown_or_missing_candidates(candidates, assignment)
    taken, unacceptable = _held_by_placement(candidates, placements, assignment, rank_of)
    problems += unacceptable
    for p, held in taken.items():
        if len(held) > placements[p]["capacity"]:
            problems.append(f"placement {p!r} holds {len(held)} candidates, capacity {placements[p]['capacity']}")
    problems += _blocking_pairs(candidates, placements, assignment, rank_of, taken)
    return problems


def _unknown_or_missing_candidates(
    candidates: Mapping[str, Sequence[str]], assignment: Mapping[str, str | None]
) -> list[str]:
    """Candidates the assignment names but the instance does not, and the other way round."""
    unknown = [f"assignment names unknown candidate {c!r}" for c in assignment if c not in candidates]
    return unknown + [f"candidate {c!r} is missing from the assignment" for c in candidates if c not in assignment]


def _held_by_placement(
    candidates: Mapping[str, Sequence[str]],
    placements: Mapping[str, Mapping[str, Any]],
    assignment: Mapping[str, str | None],
    rank_of: Mapping[str, Mapping[str, int]],
) -> tuple[dict[str, list[str]], list[str]]:
    """Who each placement holds, and the assignments to unknown placements or to pairs that don't list each other."""
    problems: list[str] = []
    taken: dict[str, list[str]] = {p: [] for p in placements}
    for c, p in assignment.items():
        if p is None or c not in candidates:
            continue
        if p not in placements:
            problems.append(f"candidate {c!r} is assigned to unknown placement {p!r}")
            continue
        taken[p].append(c)
        if p not in candidates[c] or c not in rank_of[p]:
            problems.append(f"candidate {c!r} and placement {p!r} do not both list each other")
    return taken, problems


def _blocking_pairs(
    candidates: Mapping[str, Sequence[str]],
    placements: Mapping[str, Mapping[str, Any]],
    assignment: Mapping[str, str | None],
    rank_of: Mapping[str, Mapping[str, int]],
    taken: Mapping[str, list[str]],
) -> list[str]:
    """Pairs where the candidate prefers the placement to their own, and it has room or holds someone it ranks
    below them."""
    problems: list[str] = []
    worst_rank = {p: max((rank_of[p].get(c, -1) for c in held), default=-1) for p, held in taken.items()}
    for c, wishes in candidates.items():
        current = assignment.get(c)
        for p in wishes:
            if p == current:
                break
            if p not in placements or c not in rank_of[p]:
                continue
            room = len(taken[p]) < placements[p]["capacity"]
            if room or rank_of[p][c] < worst_rank[p]:
                problems.append(f"blocking pair: candidate {c!r} and placement {p!r} would both rather be together")
    return problems
