"""Deferred acceptance: stability, capacity, mutual acceptability, determinism, optimality."""

from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import stable_match
from matching.check import assignment_violations


@st.composite
def instances(draw, max_candidates=6, max_placements=4, max_capacity=2):
    """Random instance: strict lists on both sides over random subsets."""
    n_c = draw(st.integers(0, max_candidates))
    n_p = draw(st.integers(0, max_placements))
    cands = [f"c{i}" for i in range(n_c)]
    places = [f"p{j}" for j in range(n_p)]
    candidate_lists = {
        c: draw(
            st.permutations(places)
            .map(lambda xs: list(xs))
            .flatmap(lambda xs: st.integers(0, len(xs)).map(lambda k: xs[:k]))
        )
        for c in cands
    }
    placement_specs = {}
    for p in places:
        order = draw(st.permutations(cands))
        keep = draw(st.integers(0, len(order)))
        placement_specs[p] = {"capacity": draw(st.integers(0, max_capacity)), "ranking": list(order[:keep])}
    return candidate_lists, placement_specs


def stable_matchings_by_brute_force(candidates, placements):
    """Every stable matching, by trying every assignment of candidates to acceptable placements."""
    options = {c: [None] + [p for p in lst if c in placements[p]["ranking"]] for c, lst in candidates.items()}
    names = list(candidates)
    found = []
    for choice in product(*(options[c] for c in names)):
        assignment = dict(zip(names, choice))
        if not assignment_violations(candidates, placements, assignment):
            found.append(assignment)
    return found


@settings(max_examples=150, deadline=None)
@given(instances())
def test_result_is_stable_capacity_respecting_and_mutual(instance):
    candidates, placements = instance
    result = stable_match(candidates, placements)
    assert set(result) == set(candidates)
    assert assignment_violations(candidates, placements, result) == []


@settings(max_examples=60, deadline=None)
@given(instances(), st.randoms(use_true_random=False))
def test_same_input_same_output_whatever_order_the_people_are_listed_in(instance, random):
    candidates, placements = instance
    # The same people and lists, keyed in another order: a copy in the same order could never show order dependence.
    shuffled_candidates = random.sample(list(candidates.items()), len(candidates))
    shuffled_placements = random.sample(list(placements.items()), len(placements))
    assert stable_match(candidates, placements) == stable_match(dict(shuffled_candidates), dict(shuffled_placements))


@settings(max_examples=120, deadline=None)
@given(instances(max_candidates=4, max_placements=3, max_capacity=2))
def test_candidate_optimal_against_brute_force(instance):
    candidates, placements = instance
    result = stable_match(candidates, placements)
    stable = stable_matchings_by_brute_force(candidates, placements)
    assert result in stable

    def position(c, p):
        return candidates[c].index(p) if p is not None else len(candidates[c])

    for other in stable:  # every candidate does at least as well as in any stable matching
        for c in candidates:
            assert position(c, result[c]) <= position(c, other[c])


def test_large_random_instance_is_stable():
    import random

    rng = random.Random(7)
    places = [f"p{j}" for j in range(60)]
    candidates = {f"c{i}": rng.sample(places, 10) for i in range(3000)}
    listed = {p: [] for p in places}
    for c, lst in candidates.items():
        for p in lst:
            listed[p].append(c)
    placements = {p: {"capacity": rng.randint(0, 30), "ranking": rng.sample(cs, len(cs))} for p, cs in listed.items()}
    result = stable_match(candidates, placements)
    assert assignment_violations(candidates, placements, result) == []


def test_capacity_zero_and_one_sided_listing():
    candidates = {"a": ["x", "y"], "b": ["y"]}
    placements = {"x": {"capacity": 0, "ranking": ["a"]}, "y": {"capacity": 1, "ranking": ["b"]}}
    assert stable_match(candidates, placements) == {"a": None, "b": "y"}


@pytest.mark.parametrize(
    "candidates, placements, message",
    [
        ({"a": ["zz"]}, {"x": {"capacity": 1, "ranking": []}}, "'a' lists unknown placement 'zz'"),
        ({"a": ["x"]}, {"x": {"capacity": 1, "ranking": ["ghost"]}}, "'x' lists unknown candidate 'ghost'"),
        ({"a": ["x", "x"]}, {"x": {"capacity": 1, "ranking": ["a"]}}, "'a' lists placement 'x' more than once"),
        ({"a": ["x"]}, {"x": {"capacity": 1, "ranking": ["a", "a"]}}, "'x' lists candidate 'a' more than once"),
        ({"a": ["x"]}, {"x": {"capacity": -1, "ranking": ["a"]}}, "'x' has a negative capacity"),
        ({"a": ["x"]}, {"x": {"capacity": 1.5, "ranking": ["a"]}}, "'x' has a capacity that is not a whole number"),
        ({"a": ["x"]}, {"x": {"ranking": ["a"]}}, "'x' needs 'capacity' and 'ranking'"),
        ({"a": "x"}, {"x": {"capacity": 1, "ranking": ["a"]}}, "'a': the list must be a list"),
    ],
)
def test_bad_input_raises_value_error_naming_the_id(candidates, placements, message):
    with pytest.raises(ValueError, match=message):
        stable_match(candidates, placements)
