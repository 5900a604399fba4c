"""Measure matching at scale on synthetic London-like data (a script, not a test).

    python benchmarks/match_scale.py                 # 10k×1k, 50k×5k, 100k×10k, then assignment alone
    python benchmarks/match_scale.py --sizes 100000x10000 --skip-assign-only

Peak memory is the process's maximum resident set size (ru_maxrss), so run one size per process
when you want a clean figure for it. CPU time is printed next to wall time because on a shared
machine wall time mostly measures the neighbours (see the load average printed with it).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from matching import DEFAULT_WEIGHTS, CandidateProfile, PlacementProfile, run_matching, stable_match  # noqa: E402
from matching.stable import _flatten_lists, deferred_acceptance  # noqa: E402

DATA = ROOT / "recruit" / "data"
FILLER = (
    "team",
    "customer",
    "service",
    "communication",
    "retail",
    "volunteering",
    "football",
    "music",
    "organised",
    "reliable",
    "school",
    "college",
    "maths",
    "english",
    "problem",
    "solving",
    "helping",
)


def load_reference():
    """Borough centroids and apprenticeship standards from the project's reference data."""
    with open(DATA / "london_boroughs.csv", newline="") as f:
        boroughs = np.array([[float(r["lat"]), float(r["lon"])] for r in csv.DictReader(f)])
    with open(DATA / "apprenticeship_standards.csv", newline="") as f:
        standards = [(r["reference"], r["title"], int(r["level"]), r["keywords"].split(";")) for r in csv.DictReader(f)]
    return boroughs, standards


def synthetic(n_candidates: int, n_placements: int, seed: int = 0):
    """Placements around borough centroids; candidates with keyword-based skills and 10 nearby choices."""
    rng = np.random.default_rng(seed)
    boroughs, standards = load_reference()
    start = datetime.date(2025, 9, 1)

    def spots(n):
        home = rng.integers(0, len(boroughs), n)
        return boroughs[home] + rng.normal(0.0, [0.015, 0.024], (n, 2)), home  # ≈1.7 km jitter

    p_loc, p_home = spots(n_placements)
    residents_first = rng.random(n_placements) < 0.3  # as in the demo data
    p_std = rng.integers(0, len(standards), n_placements)
    placements = []
    for j in range(n_placements):
        ref, title, level, words = standards[p_std[j]]
        extra = rng.choice(words, size=min(3, len(words)), replace=False)
        placements.append(
            PlacementProfile(
                f"P{j}",
                ref,
                ref[:4] if level < 4 else title.split()[0].lower(),
                level,
                float(p_loc[j, 0]),
                float(p_loc[j, 1]),
                int(rng.choice([30, 35, 37, 40])),
                start + datetime.timedelta(days=int(rng.integers(0, 60))),
                True,
                int(rng.integers(1, 4)),
                0,
                tuple(dict.fromkeys([*words, *extra])),
                title,
                f"B{p_home[j]}",
                bool(residents_first[j]),
            )
        )
    c_loc, c_home = spots(n_candidates)
    travel = rng.uniform(3.0, 25.0, n_candidates)
    # Preferences: 10 placements drawn from the 60 nearest, as people choose places they can reach.
    from sklearn.neighbors import BallTree

    tree = BallTree(np.radians(p_loc), metric="haversine")
    _, near = tree.query(np.radians(c_loc), k=min(60, n_placements))
    candidates = []
    for i in range(n_candidates):
        liked = rng.integers(0, len(standards), 2)
        words = [w for s in liked for w in rng.choice(standards[s][3], 4, replace=False)]
        words += list(rng.choice(FILLER, 4, replace=False))
        prefs = tuple(f"P{j}" for j in rng.choice(near[i], min(10, near.shape[1]), replace=False))
        candidates.append(
            CandidateProfile(
                f"C{i}",
                bool(rng.random() < 0.97),
                float(c_loc[i, 0]),
                float(c_loc[i, 1]),
                float(travel[i]),
                int(rng.choice([30, 35, 37, 40])),
                start + datetime.timedelta(days=int(rng.integers(0, 30))),
                " ".join(words),
                frozenset(standards[s][0] for s in liked),
                frozenset({("data", 3)}) if rng.random() < 0.05 else frozenset(),
                prefs,
                bool(rng.random() < 0.7),
                home_borough=f"B{c_home[i]}",
            )
        )
    return candidates, placements


def peak_mb() -> float:
    """The process's peak resident set size so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def bench_pipeline(n_c: int, n_p: int) -> None:
    """Time run_matching stage by stage on synthetic data, then the explanations, with CPU time and peak memory."""
    clock = time.perf_counter()
    candidates, placements = synthetic(n_c, n_p)
    print(f"\n{n_c:,} candidates × {n_p:,} placements (data generated in {time.perf_counter() - clock:.1f} s)")
    clock, cpu = time.perf_counter(), time.process_time()
    with open(DATA / "skill_synonyms.csv", newline="", encoding="utf-8") as file:
        synonyms = {row["other_spelling"]: row["preferred_term"] for row in csv.DictReader(file)}
    result = run_matching(candidates, placements, DEFAULT_WEIGHTS, seed=42, synonyms=synonyms)
    run_s = time.perf_counter() - clock
    for stage, seconds in result.timings.items():
        print(f"  {stage:<15} {seconds:6.2f} s")
    clock = time.perf_counter()
    suggestions = result.suggestions  # structured explanations + a sentence for every suggested pair
    explain_s = time.perf_counter() - clock
    cpu_s = time.process_time() - cpu
    print(f"  run_matching    {run_s:6.2f} s   explanations+sentences for {len(suggestions):,} pairs {explain_s:.2f} s")
    print(
        f"  total           {run_s + explain_s:6.2f} s   (CPU {cpu_s:.2f} s)   peak RSS so far {peak_mb():,.0f} MB   "
        f"load average {os.getloadavg()[0]:.1f}   counts {result.counts}"
    )


def bench_assign_only(n_c: int = 100_000, n_p: int = 5_000, length: int = 10) -> None:
    """Time the assignment alone: stable_match with string ids, then deferred acceptance on index arrays."""
    rng = np.random.default_rng(1)
    choice = np.argsort(rng.random((n_c, n_p // 10)), axis=1)[:, :length]  # fast distinct picks per row
    choice = choice * 10 + rng.integers(0, 10, (n_c, 1))
    candidates = {f"c{i}": [f"p{j}" for j in row] for i, row in enumerate(choice.tolist())}
    listed: dict[str, list[str]] = {f"p{j}": [] for j in range(n_p)}
    merit = rng.random(n_c)
    for c, row in candidates.items():
        for p in row:
            listed[p].append(c)
    placements = {
        p: {"capacity": int(rng.integers(1, 8)), "ranking": sorted(cs, key=lambda c: merit[int(c[1:])])}
        for p, cs in listed.items()
    }
    clock, cpu = time.perf_counter(), time.process_time()
    result = stable_match(candidates, placements)
    seconds, cpu_s = time.perf_counter() - clock, time.process_time() - cpu
    print(
        f"\nstable_match alone, {n_c:,} × {n_p:,}, lists of {length}: {seconds:.2f} s (CPU {cpu_s:.2f} s, "
        f"load average {os.getloadavg()[0]:.1f}; {sum(v is not None for v in result.values()):,} matched)"
    )
    print("  (string ids in, string ids out: checking and translating 2 × 1,000,000 ids is most of that time)")
    # What run_matching itself runs: deferred acceptance on the index arrays it has already built.
    place_index = {p: j for j, p in enumerate(placements)}
    cand_index = {c: i for i, c in enumerate(candidates)}
    cand_offsets, cand_places = _flatten_lists(candidates, place_index, "candidate", "placement")
    place_offsets, place_cands = _flatten_lists(
        {p: spec["ranking"] for p, spec in placements.items()}, cand_index, "placement", "candidate"
    )
    capacity = np.array([spec["capacity"] for spec in placements.values()], dtype=np.int64)
    times = []
    for _ in range(3):
        clock, cpu = time.perf_counter(), time.process_time()
        match = deferred_acceptance(cand_offsets, cand_places, capacity, place_offsets, place_cands)
        times.append((time.perf_counter() - clock, time.process_time() - cpu))
    assert sum(v is not None for v in result.values()) == int((match >= 0).sum())  # the same assignment size
    seconds, cpu_s = sorted(times)[1]
    print(
        f"deferred acceptance on index arrays (as run_matching runs it), median of 3: {seconds:.2f} s "
        f"(CPU {cpu_s:.2f} s, load average {os.getloadavg()[0]:.1f})"
    )


def main() -> None:
    """Run the sizes asked for (and the assignment alone unless skipped)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="*", default=["10000x1000", "50000x5000", "100000x10000"])
    parser.add_argument("--skip-assign-only", action="store_true")
    args = parser.parse_args()
    print(f"cores (os.cpu_count): {os.cpu_count()}")
    for size in args.sizes:
        n_c, n_p = (int(x) for x in size.lower().split("x"))
        bench_pipeline(n_c, n_p)
    if not args.skip_assign_only:
        bench_assign_only()


if __name__ == "__main__":
    main()
