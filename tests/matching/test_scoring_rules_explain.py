"""Hard rules, score components, explanations and the run_matching entry point."""

import dataclasses
import datetime
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import matching
from matching import CandidateProfile, PlacementProfile, Weights, run_matching
from matching.check import assignment_violations
from matching.scoring import travel_component
from tests.matching.reference_lists import build_lists

DAY = datetime.date(2025, 9, 1)
WEIGHTS = Weights(skills=0.5, interest=0.3, travel=0.2)


def place(id="P1", **changes):
    base = PlacementProfile(
        id,
        "ST0116",
        "software",
        4,
        51.50,
        -0.10,
        35,
        DAY,
        True,
        2,
        0,
        ("python", "sql", "git", "testing", "agile"),
        "Software developer",
    )
    return dataclasses.replace(base, **changes)


def person(id="C1", **changes):
    base = CandidateProfile(
        id, True, 51.51, -0.10, 10.0, 37, DAY, "python sql", frozenset({"ST0116"}), frozenset(), ("P1",), False
    )
    return dataclasses.replace(base, **changes)


def test_weights_must_sum_to_one_and_be_non_negative():
    with pytest.raises(ValueError, match="sum to 1"):
        Weights(0.5, 0.5, 0.5)
    with pytest.raises(ValueError, match=">= 0"):
        Weights(1.2, -0.2, 0.0)
    Weights(0.2, 0.3, 0.5)


@pytest.mark.parametrize(
    "candidate, placement, code",
    [
        (person(eligible=False), place(), "not_eligible"),
        (person(travel_km=1.0, lat=51.60), place(), "too_far"),
        (person(lat=None), place(), "location_unknown"),
        (person(hours_available=20), place(), "hours"),
        (person(available_from=DAY + datetime.timedelta(days=1)), place(), "starts_too_soon"),
        (person(), place(is_open=False), "closed_or_full"),
        (person(), place(filled=2), "closed_or_full"),
        (person(qualified=frozenset({("software", 4)})), place(), "already_qualified"),
        (person(qualified=frozenset({("software", 5)})), place(), "already_qualified"),
        (person(excluded_placements=frozenset({"P1"})), place(), "already_decided"),
        (person(excluded_placements=frozenset({"P1"}), consider_others=True), place(), "already_decided"),
    ],
)
def test_each_hard_rule_gives_its_reason(candidate, placement, code):
    result = run_matching([candidate], [placement], WEIGHTS, seed=1)
    assert result.assignment == {candidate.id: None}
    (excluded,) = result.excluded
    assert code in excluded.reason_codes
    assert excluded.reasons[excluded.reason_codes.index(code)] == matching.REASON_TEXT[code]
    assert result.why_not(candidate.id)[0].reason_code == excluded.reason_codes[0]


def test_lower_level_qualification_does_not_exclude():
    result = run_matching([person(qualified=frozenset({("software", 3)}))], [place()], WEIGHTS, seed=1)
    assert result.assignment == {"C1": "P1"}


@settings(max_examples=60, deadline=None)
@given(st.floats(0, 30), st.floats(0, 30), st.floats(0.1, 30))
def test_closer_is_never_worse(d1, d2, limit):
    near, far = sorted((d1, d2))
    assert (
        travel_component(np.array([near]), np.array([limit]))[0]
        >= travel_component(np.array([far]), np.array([limit]))[0]
    )


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.sampled_from(["python", "sql", "git", "testing", "agile"]), unique=True),
    st.sampled_from(["python", "sql", "git", "testing", "agile"]),
)
def test_more_matching_skills_never_worse(words, extra):
    placements = [place()]
    base = run_matching([person(skills_text=" ".join(words))], placements, WEIGHTS, seed=1)
    more = run_matching([person(skills_text=" ".join(set(words) | {extra}))], placements, WEIGHTS, seed=1)
    assert more.suggestions[0].components["skills"] >= base.suggestions[0].components["skills"] - 1e-12


def random_world(rng, n_c=40, n_p=12):
    placements = [
        place(
            f"P{j}",
            lat=51.45 + rng.random() * 0.1,
            lon=-0.2 + rng.random() * 0.2,
            hours=int(rng.choice([30, 35, 37])),
            positions=int(rng.integers(1, 3)),
            standard=str(rng.choice(["ST0116", "ST0118"])),
            skills=tuple(rng.choice(["python", "sql", "git", "excel", "cloud", "agile"], 3, replace=False)),
        )
        for j in range(n_p)
    ]
    candidates = [
        person(
            f"C{i}",
            lat=51.45 + rng.random() * 0.1,
            lon=-0.2 + rng.random() * 0.2,
            travel_km=float(rng.uniform(2, 15)),
            hours_available=int(rng.choice([30, 37])),
            skills_text=" ".join(rng.choice(["python", "sql", "excel", "people", "cloud"], 2)),
            choices=tuple(f"P{j}" for j in rng.choice(n_p, int(rng.integers(0, 5)), replace=False)),
            consider_others=bool(rng.random() < 0.5),
        )
        for i in range(n_c)
    ]
    return candidates, placements


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000))
def test_run_matching_properties(seed):
    rng = np.random.default_rng(seed)
    candidates, placements = random_world(rng)
    result = run_matching(candidates, placements, WEIGHTS, seed=seed, shortlist_factor=2, max_list_length=4)
    again = run_matching(candidates, placements, WEIGHTS, seed=seed, shortlist_factor=2, max_list_length=4)
    assert result.assignment == again.assignment and result.input_hash == again.input_hash
    for pair in result.suggestions:
        parts = pair.explanation.components
        assert math.fsum(p.contribution for p in parts) == pytest.approx(pair.total, abs=1e-9)
        assert all(0.0 <= p.value <= 1.0 for p in parts)
        assert pair.explanation.sentence.startswith("Suggested because")
    # Rebuild both sides' lists the slow way and check the assignment is the stable one for them.
    lists, specs = build_lists(
        tuple(_all_list_pairs(result)),
        {c.id: c.choices for c in candidates},
        {c.id: c.consider_others for c in candidates},
        {p.id: p.remaining for p in placements},
        seed=seed,
        shortlist_factor=2,
        max_list_length=4,
    )
    assert matching.stable_match(lists, specs) == result.assignment
    assert assignment_violations(lists, specs, result.assignment) == []
    # The public instance is exactly what was assigned: re-assigning it gives the same answer.
    instance = result.instance()
    assert matching.stable_match(instance["candidates"], instance["placements"]) == result.assignment
    assert instance["placements"] == specs
    assert {c: set(x) for c, x in instance["candidates"].items()} == {c: set(x) for c, x in lists.items()}


def _all_list_pairs(result):
    lists = result._lists
    for c, p, total in zip(lists.candidate, lists.placement, lists.total):
        yield matching.ScoredPair(result._candidates[c].id, result._placement_ids[p], {}, float(total))


def test_others_are_the_best_scoring_eligible_placements():
    rng = np.random.default_rng(3)
    candidates, placements = random_world(rng, n_c=30, n_p=25)
    candidates = [dataclasses.replace(c, choices=(), consider_others=True) for c in candidates]
    result = run_matching(candidates, placements, WEIGHTS, seed=0, max_list_length=3)
    lists = result._lists
    # Brute force with the run's own TF-IDF model: score every pair, keep the rule-passing best 3.
    from matching.arrays import candidate_arrays, placement_arrays
    from matching.rules import rule_failures
    from matching.scoring import interest_matrix, score_pairs

    places = placement_arrays(placements)
    cands = candidate_arrays(candidates, places)
    interests = interest_matrix([c.interests for c in candidates], places)
    ci, pj = (a.ravel() for a in np.meshgrid(np.arange(len(candidates)), np.arange(len(placements)), indexing="ij"))
    mask, distance = rule_failures(cands, places, ci, pj)
    _, total = score_pairs(result._model, interests, cands, places, WEIGHTS, ci, pj, distance)
    for i in range(len(candidates)):
        chosen = set(lists.placement[lists.candidate == i].tolist())
        mine = [(-total[k], pj[k]) for k in np.flatnonzero((ci == i) & (mask == 0))]
        assert chosen == {int(j) for _, j in sorted(mine)[:3]}


def test_worked_example_and_why_not():
    candidates, placements, result = matching.worked_example()
    assert len(candidates) == 3 and len(placements) == 2
    assert result.algorithm_version == matching.ALGORITHM_VERSION and result.seed == 2024
    assert len(result.input_hash) == 64
    unmatched = [c for c, p in result.assignment.items() if p is None]
    for c in unmatched:
        reasons = result.why_not(c)
        assert reasons and all(r.text for r in reasons)
        for r in reasons:
            if r.reason_code == "filled_by_higher_scores":
                assert r.their_score <= r.cutoff_score


def test_no_protected_characteristic_fields():
    questions = json.loads((Path(__file__).parents[2] / "recruit/data/equality_monitoring.json").read_text())[
        "questions"
    ]
    keys = {q["key"] for q in questions}
    assert {"ethnicity", "sex", "religion", "care_leaver"} <= keys
    names = set()
    for module in sorted(matching._SUBMODULES):  # every module of the library
        for value in vars(getattr(matching, module)).values():
            if dataclasses.is_dataclass(value):
                names |= {f.name for f in dataclasses.fields(value)}
    assert {"candidate_id", "home_borough", "failed_rules"} <= names
    assert not names & keys


def test_instance_round_trips_through_the_command_line(tmp_path, capsys):
    from matching.__main__ import main

    candidates, placements = random_world(np.random.default_rng(5), n_c=25, n_p=6)
    result = run_matching(candidates, placements, WEIGHTS, seed=3, shortlist_factor=1, max_list_length=3)
    instance = result.instance()
    assert set(instance["candidates"]) == {c.id for c in candidates}
    assert set(instance["placements"]) == {p.id for p in placements}
    assert any(instance["candidates"].values()) and any(v is None for v in result.assignment.values())
    path = tmp_path / "instance.json"
    path.write_text(json.dumps({**instance, "assignment": result.assignment}))
    assert main(["assign", str(path)]) == 0
    assert json.loads(capsys.readouterr().out) == {"assignment": result.assignment}
    assert main(["check", str(path), str(path)]) == 0


def test_excluded_placements_must_be_a_set_of_ids():
    with pytest.raises(ValueError, match="excluded_placements"):
        run_matching([person(excluded_placements="P1")], [place()], WEIGHTS, seed=1)


def test_ranking_a_placement_twice_names_the_candidate_even_after_a_list_of_placements_no_longer_offered():
    # Two ids no longer offered share one key; they must not be mistaken for the repeated placement.
    gone = person("A", choices=("GONE-1", "GONE-2"))
    with pytest.raises(ValueError, match="candidate 'B' ranks placement 'P1' twice"):
        run_matching([gone, person("B", choices=("P1", "P1"))], [place()], WEIGHTS, seed=1)
    (excluded,) = run_matching([person("A", choices=("GONE-1",))], [place()], WEIGHTS, seed=1).excluded
    assert excluded.placement_id == "GONE-1" and excluded.reason_codes == ("closed_or_full",)
