"""The "other placements" search picks exactly the best-scoring eligible placements (brute force)."""

import dataclasses
import datetime

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import CandidateProfile, PlacementProfile, Weights, run_matching
from matching.arrays import candidate_arrays, placement_arrays
from matching.rules import rule_failures
from matching.scoring import interest_matrix, score_pairs

DAY = datetime.date(2025, 9, 1)
STANDARDS = [("ST0116", "software", 4), ("ST0118", "software", 3), ("ST0119", "network", 3), ("ST0787", "data", 4)]
WORDS = ["python", "sql", "git", "excel", "cloud", "agile", "network", "linux", "people", "data"]


def world(rng, n_c, n_p, *, spot_count=6, tie_copies=True):
    """Placements on a few shared spots with shared texts, so exact score ties are common.

    About 40 % of candidates exclude a few placements (some ranked, some unknown ids)."""
    spots = np.column_stack((51.45 + rng.random(spot_count) * 0.1, -0.2 + rng.random(spot_count) * 0.2))
    texts = [" ".join(rng.choice(WORDS, 3, replace=False)) for _ in range(4)]
    placements = []
    for j in range(n_p):
        std, fld, lvl = STANDARDS[int(rng.integers(len(STANDARDS)))]
        lat, lon = spots[int(rng.integers(spot_count))]
        placements.append(
            PlacementProfile(
                f"P{j}",
                std,
                fld,
                lvl,
                float(lat),
                float(lon),
                int(rng.choice([30, 35, 37])),
                DAY + datetime.timedelta(days=int(rng.integers(0, 3))),
                bool(rng.random() < 0.95),
                int(rng.integers(1, 3)),
                0,
                tuple(str(rng.choice(texts)).split()) if tie_copies else tuple(set(rng.choice(WORDS, 3))),
                "Role",
            )
        )
    candidates = []
    for i in range(n_c):
        lat, lon = (
            spots[int(rng.integers(spot_count))]
            if rng.random() < 0.3
            else (51.45 + rng.random() * 0.1, -0.2 + rng.random() * 0.2)
        )
        travel = float(rng.choice([0.0, 1.5, 4.0, 8.0, 30.0])) if rng.random() < 0.8 else float(rng.uniform(1, 12))
        picked = frozenset(s for s, _, _ in STANDARDS if rng.random() < 0.3)
        prefs = tuple(f"P{j}" for j in rng.choice(n_p, min(n_p, int(rng.integers(0, 4))), replace=False))
        excluded = frozenset()
        if rng.random() < 0.4:
            excluded = frozenset(f"P{j}" for j in rng.choice(n_p + 2, min(n_p, int(rng.integers(1, 6))), replace=False))
        candidates.append(
            CandidateProfile(
                f"C{i}",
                bool(rng.random() < 0.95),
                float(lat),
                float(lon),
                travel,
                int(rng.choice([30, 35, 37])),
                DAY + datetime.timedelta(days=int(rng.integers(0, 3))),
                " ".join(rng.choice(WORDS, 3)),
                picked,
                frozenset({("software", 3)}) if rng.random() < 0.2 else frozenset(),
                prefs,
                bool(rng.random() < 0.8),
                None,
                excluded,
            )
        )
    return candidates, placements


def brute_force_others(result, candidates, placements, weights, max_list_length):
    """Each candidate's best unranked, not excluded, eligible placements by exact score, ties by placement order."""
    places = placement_arrays(placements)
    cands = candidate_arrays(candidates, places)
    interests = interest_matrix([c.interests for c in candidates], places)
    ci, pj = (a.ravel() for a in np.meshgrid(np.arange(len(candidates)), np.arange(len(placements)), indexing="ij"))
    mask, distance = rule_failures(cands, places, ci, pj)
    _, total = score_pairs(result._model, interests, cands, places, weights, ci, pj, distance)
    index = {p.id: j for j, p in enumerate(placements)}
    expected = {}
    for i, c in enumerate(candidates):
        ranked = {index[p] for p in c.choices if p in index}
        ranked_valid = sum(1 for j in ranked if mask[i * len(placements) + j] == 0)
        want = max(max_list_length - ranked_valid, 0) if c.consider_others and c.eligible else 0
        mine = sorted(
            (-total[k], int(pj[k]))
            for k in np.flatnonzero((ci == i) & (mask == 0))
            if int(pj[k]) not in ranked and placements[int(pj[k])].id not in c.excluded_placements
        )
        expected[i] = [j for _, j in mine[:want]]
    return expected


def chosen_others(result, n_c):
    lists = result._lists
    ranked = {(c, p) for c, p in zip(result._ranked.candidate.tolist(), result._ranked.placement.tolist())}
    got = {i: [] for i in range(n_c)}
    for c, p in zip(lists.candidate.tolist(), lists.placement.tolist()):
        if (c, p) not in ranked:
            got[c].append(p)
    return got


@settings(max_examples=25, deadline=None)
@given(
    st.integers(0, 100_000),
    st.sampled_from([1, 3, 6]),
    st.sampled_from([Weights(0.6, 0.2, 0.2), Weights(0.0, 0.0, 1.0), Weights(0.5, 0.5, 0.0), Weights(0.3, 0.0, 0.7)]),
)
def test_others_match_brute_force_with_ties_and_edge_limits(seed, length, weights):
    rng = np.random.default_rng(seed)
    candidates, placements = world(rng, n_c=int(rng.integers(1, 40)), n_p=int(rng.integers(1, 30)))
    result = run_matching(candidates, placements, weights, seed=seed, max_list_length=length)
    expected = brute_force_others(result, candidates, placements, weights, length)
    got = chosen_others(result, len(candidates))
    for i in expected:  # same placements in the same (score, then placement) order
        assert sorted(got[i]) == sorted(expected[i]), candidates[i]
    _assert_no_excluded_pair_listed(result, candidates, placements)


def _assert_no_excluded_pair_listed(result, candidates, placements):
    """No excluded pair is in any list, and every excluded ranked pair is reported with the reason."""
    lists = result.instance()["candidates"]
    for c in candidates:
        assert not set(lists[c.id]) & c.excluded_placements
    reported = {(x.candidate_id, x.placement_id) for x in result.excluded if "already_decided" in x.reason_codes}
    known = {p.id for p in placements}
    assert reported == {(c.id, p) for c in candidates for p in c.choices if p in c.excluded_placements & known}


def test_others_with_small_blocks_and_threads_match_brute_force():
    """Many blocks, several rounds, two worker threads: still exactly the brute-force choice."""
    from matching import search

    rng = np.random.default_rng(11)
    candidates, placements = world(rng, n_c=300, n_p=120, spot_count=20, tie_copies=False)
    weights = Weights(0.5, 0.3, 0.2)
    original = search.other_placement_pairs.__kwdefaults__["block_size"]
    search.other_placement_pairs.__kwdefaults__["block_size"] = 7
    try:
        result = run_matching(candidates, placements, weights, seed=1, max_list_length=5, workers=2)
    finally:
        search.other_placement_pairs.__kwdefaults__["block_size"] = original
    expected = brute_force_others(result, candidates, placements, weights, 5)
    got = chosen_others(result, len(candidates))
    assert any(expected.values())
    for i in expected:
        assert sorted(got[i]) == sorted(expected[i])
    _assert_no_excluded_pair_listed(result, candidates, placements)
    # The exclusions mattered: without them some candidates' best others would be different.
    plain = [dataclasses.replace(c, excluded_placements=frozenset()) for c in candidates]
    assert brute_force_others(result, plain, placements, weights, 5) != expected


def test_an_excluded_best_placement_is_never_an_other_and_the_next_best_takes_its_place():
    """The best-scoring placement (also the only one at a spot) is excluded: the search must not let it
    set the bar, or the true next best would be cut."""
    placements = [
        PlacementProfile(
            f"P{j}",
            "ST0116",
            "software",
            4,
            51.50 + 0.01 * j,
            -0.1,
            35,
            DAY,
            True,
            1,
            0,
            ("python", "sql", "git") if j == 0 else ("python",),
            "Dev",
        )
        for j in range(4)
    ]
    me = CandidateProfile(
        "C0", True, 51.50, -0.1, 20.0, 37, DAY, "python sql git", frozenset({"ST0116"}), frozenset(), (), True
    )
    weights = Weights(0.6, 0.2, 0.2)
    before = run_matching([me], placements, weights, seed=0, max_list_length=2)
    assert before.instance()["candidates"]["C0"] == ["P0", "P1"]
    after = run_matching(
        [dataclasses.replace(me, excluded_placements=frozenset({"P0", "P9"}))],
        placements,
        weights,
        seed=0,
        max_list_length=2,
    )
    assert after.instance()["candidates"]["C0"] == ["P1", "P2"]
    assert after.assignment == {"C0": "P1"} and after.excluded == ()  # "others" are never reported as excluded


def test_exact_distance_tie_at_the_travel_limit_is_decided_like_the_rule():
    """A placement exactly at the limit (by the rule's own haversine) is kept or dropped as the rule says."""
    from matching.arrays import haversine_km

    home = (51.5, -0.1)
    spot = (51.52, -0.1)
    limit = float(haversine_km(*home, *spot))
    placements = [
        PlacementProfile(f"P{j}", "ST0116", "software", 4, *spot, 35, DAY, True, 1, 0, ("python",), "Dev")
        for j in range(3)
    ]
    candidates = [
        CandidateProfile("C0", True, *home, travel, 37, DAY, "python", frozenset({"ST0116"}), frozenset(), (), True)
        for travel in (limit,)
    ]
    candidates += [dataclasses.replace(candidates[0], id="C1", travel_km=np.nextafter(limit, 0.0))]
    result = run_matching(candidates, placements, Weights(0.6, 0.2, 0.2), seed=0, max_list_length=2)
    expected = brute_force_others(result, candidates, placements, Weights(0.6, 0.2, 0.2), 2)
    assert expected[0] == [0, 1] and expected[1] == []
    assert chosen_others(result, 2) == {0: [0, 1], 1: []}
