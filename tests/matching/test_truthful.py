"""Truthful ranking is always safe: a placement's priority never depends on how a candidate ranked it,
and no reordering or truncation of a candidate's list gets them a placement they truly prefer."""

import dataclasses
import datetime
from itertools import permutations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import CandidateProfile, PlacementProfile, Weights, run_matching

DAY = datetime.date(2026, 9, 1)
WEIGHTS = Weights(skills=0.5, interest=0.3, travel=0.2)
TERMS = ["python", "sql", "git", "excel", "unit testing", "secure coding", "networking"]
BOROUGHS = ["Hackney", "Camden", "Croydon"]


def world(seed: int, n_c: int, n_p: int, *, others: bool = True):
    """Candidates and placements close together (most pairs pass the rules), some residents-first placements."""
    rng = np.random.default_rng(seed)
    placements = [
        PlacementProfile(
            f"P{j}",
            str(rng.choice(["ST0116", "ST0118"])),
            "digital",
            4,
            51.50 + rng.random() * 0.05,
            -0.10 + rng.random() * 0.05,
            int(rng.choice([30, 35])),
            DAY,
            True,
            int(rng.integers(1, 3)),
            0,
            tuple(rng.choice(TERMS, int(rng.integers(1, 4)), replace=False)),
            f"Placement {j}",
            str(rng.choice(BOROUGHS)),
            bool(rng.random() < 0.4),
        )
        for j in range(n_p)
    ]
    candidates = [
        CandidateProfile(
            f"C{i}",
            bool(rng.random() < 0.95),
            51.50 + rng.random() * 0.05,
            -0.10 + rng.random() * 0.05,
            float(rng.choice([3.0, 6.0, 20.0])),
            int(rng.choice([30, 35])),
            DAY,
            "",
            frozenset(rng.choice(["ST0116", "ST0118"], int(rng.integers(0, 3)), replace=False)),
            frozenset(),
            tuple(f"P{j}" for j in rng.choice(n_p, int(rng.integers(0, n_p + 1)), replace=False)),
            others and bool(rng.random() < 0.5),
            skills=tuple(rng.choice(TERMS, int(rng.integers(0, 4)), replace=False)),
            home_borough=str(rng.choice(BOROUGHS)),
        )
        for i in range(n_c)
    ]
    return candidates, placements


def rankings(result) -> dict[str, list[str]]:
    return {p: spec["ranking"] for p, spec in result.instance()["placements"].items()}


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10**6), st.data())
def test_a_placements_priority_never_depends_on_how_a_candidate_ranked_it(seed, data):
    candidates, placements = world(seed, 12, 6)
    before = rankings(run_matching(candidates, placements, WEIGHTS, seed=seed, shortlist_factor=1, max_list_length=6))
    k = data.draw(st.integers(0, len(candidates) - 1))
    own = candidates[k].choices
    # The same placements in another order: every placement's ranking must be exactly the same.
    reordered = tuple(data.draw(st.permutations(own)))
    changed = [dataclasses.replace(c, choices=reordered) if i == k else c for i, c in enumerate(candidates)]
    after = rankings(run_matching(changed, placements, WEIGHTS, seed=seed, shortlist_factor=1, max_list_length=6))
    assert after == before
    # Any other list: who is ranked may change, but everyone ranked in both keeps the same order.
    other = tuple(data.draw(st.permutations([p.id for p in placements]))[: data.draw(st.integers(0, len(placements)))])
    changed = [dataclasses.replace(c, choices=other) if i == k else c for i, c in enumerate(candidates)]
    after = rankings(run_matching(changed, placements, WEIGHTS, seed=seed, shortlist_factor=1, max_list_length=6))
    for p in before:
        common = set(before[p]) & set(after[p])
        assert [c for c in before[p] if c in common] == [c for c in after[p] if c in common]


@settings(max_examples=12, deadline=None)
@given(st.integers(0, 10**6), st.data())
def test_b_no_reordering_or_truncation_gets_a_truly_preferred_placement(seed, data):
    candidates, placements = world(seed, 6, 4)
    k = data.draw(st.integers(0, len(candidates) - 1))
    truth = candidates[k].choices  # fits the list limit (4 placements, limit 4)
    honest = dataclasses.replace(candidates[k], consider_others=False)

    def outcome(listed):
        me = dataclasses.replace(honest, choices=tuple(listed))
        everyone = [me if i == k else c for i, c in enumerate(candidates)]
        return run_matching(everyone, placements, WEIGHTS, seed=seed, shortlist_factor=1, max_list_length=4).assignment[
            me.id
        ]

    got = outcome(truth)
    worth = {p: r for r, p in enumerate(truth)}  # unlisted placements are worse than none
    honest_value = worth.get(got, len(truth)) if got is not None else len(truth)
    ids = [p.id for p in placements]
    for length in range(len(ids) + 1):
        for listed in permutations(ids, length):  # every order and truncation, other placements included
            lie = outcome(listed)
            assert lie is None or worth.get(lie, len(truth) + 1) >= honest_value, (truth, listed, got, lie)


def test_ranking_a_placement_lower_does_not_lower_your_priority_there():
    """The example from the issue: listing a placement second instead of first cannot cost it."""
    placement = PlacementProfile("P1", "ST0116", "digital", 4, 51.5, -0.1, 35, DAY, True, 1, 0, ("python",), "Dev")
    safe = PlacementProfile("P2", "ST0116", "digital", 4, 51.5, -0.1, 35, DAY, True, 1, 0, ("excel",), "Safe")
    first = CandidateProfile(
        "A", True, 51.5, -0.1, 10.0, 37, DAY, "", frozenset(), frozenset(), ("P1",), False, skills=("python",)
    )
    second = CandidateProfile(
        "B",
        True,
        51.5,
        -0.1,
        10.0,
        37,
        DAY,
        "",
        frozenset(),
        frozenset(),
        ("P2", "P1"),
        False,
        skills=("python",),
        lottery=0.0,
    )
    result = run_matching(
        [dataclasses.replace(first, lottery=0.5), second], [placement, safe], WEIGHTS, seed=1, shortlist_factor=1
    )
    # Equal scores at P1: the lottery decides, not who ranked it first.
    assert result.instance()["placements"]["P1"]["ranking"] == ["B", "A"]
