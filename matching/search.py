"""Find each candidate's best-scoring *other* eligible placements without scoring every pair.

At 100k candidates × 10k placements about 400 million pairs lie within candidates' travel limits,
so scoring them all (even in numpy) takes close to a minute. Instead:

* Placements are split into **groups** with the same standard, field and level. Within a group a
  candidate's interest (0/1) and "already qualified" rule are constants, and only the group's few
  skill terms (~15 of ~160) can contribute to the cosine.
* For every (candidate, group) an **upper bound** on any pair's score is cheap: interest is known,
  travel ≤ 1, and cosine(c, p) ≤ c · max_p∈group(p) because TF-IDF
  weights are non-negative. Each candidate visits groups best bound first, in rounds; once a
  group's bound is below the candidate's current `wanted`-th best score, it and every later group
  are skipped (usually after the one or two standards the candidate picked).
* A visit scores a block of candidates against the group's placements in a latitude window that
  covers the block's travel limits (the latitude difference never exceeds the distance), densely:
  a float32 product over the group's terms for skills, a float64 product of unit vectors for the
  chord (the distance rule is decided on the chord, exactly equivalent to the great-circle rule),
  and every other hard rule as a mask. `np.partition` gives each row's `wanted`-th best score.

Exactness: block scores differ from the exact float64 scores by at most `eps` (a bound computed
from float32 rounding and the chord/arc difference). A pair is dropped only if its block score is
more than 2·eps below the `wanted`-th best of pairs known to be eligible, so its exact score is
strictly below the true `wanted`-th best exact score and it cannot be chosen, ties included.
Pairs whose eligibility the chord cannot settle (within 1e-12 of the limit) are kept but never
counted towards a threshold. Candidates with a travel limit that is not a positive finite number
are scored exactly against every placement. The caller re-checks and re-scores every returned pair
exactly (float64, haversine) and picks the best with the same tie-break as before.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp

try:
    from threadpoolctl import threadpool_limits  # installed with scikit-learn
except ImportError:  # pragma: no cover
    threadpool_limits = None

from .arrays import EARTH_RADIUS_KM, CandidateArrays, PlacementArrays
from .rules import rule_failures
from .scoring import SkillsModel, score_pairs
from .types import Weights

TRAVEL_BAND_KM = 4.0
DOT_TOLERANCE = 1e-12  # |float64 chord arithmetic error| is ~1e-15 on this scale
NEG = np.float32(-np.inf)
FLOOR = np.float32(-1e30)  # thresholds never go below this, so -inf (excluded) is never kept


def unit_vectors(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """Points on the unit sphere for latitude/longitude in degrees."""
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    return np.column_stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)))


class _Group:
    """Usable placements sharing standard, field and level, sorted by latitude."""

    def __init__(self, cols, model: SkillsModel, places: PlacementArrays, unit, w_skills):
        cols = cols[np.argsort(places.lat[cols], kind="stable")]
        self.cols = cols
        self.standard = int(places.standard[cols[0]])
        self.field = int(places.field[cols[0]])
        self.level = int(places.level[cols[0]])
        self.lat = np.radians(places.lat[cols])
        self.unit = np.ascontiguousarray(unit[cols].T)  # 3 × placements
        self.hours = places.hours[cols]
        self.starts_on = places.starts_on[cols]
        block = model.placements[cols]
        self.vocab = np.unique(block.indices)
        # Weighted skills features as (group terms × placements): one float32 product per block.
        self.features = np.ascontiguousarray((block[:, self.vocab] * w_skills).toarray().T, dtype=np.float32)
        self.max_weights = np.asarray(block.max(axis=0).todense()).ravel() if block.shape[1] else np.zeros(0)


def other_placement_pairs(
    model: SkillsModel,
    interests: sp.csr_matrix,
    cands: CandidateArrays,
    places: PlacementArrays,
    weights: Weights,
    wanted: np.ndarray,
    ranked_ci: np.ndarray,
    ranked_pj: np.ndarray,
    *,
    block_size: int = 256,
    workers: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (ci, pj) that include, for each candidate i, its best wanted[i] unranked eligible placements.

    Placements a candidate excluded are skipped like ranked ones (and fail the rules anyway)."""
    located = cands.eligible & ~np.isnan(cands.lat) & ~np.isnan(cands.lon)
    active = np.flatnonzero((wanted > 0) & located)
    usable = np.flatnonzero(places.available & ~np.isnan(places.lat) & ~np.isnan(places.lon))
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64))
    if len(active) == 0 or len(usable) == 0:
        return empty
    if len(cands.excluded_keys):
        # Skipping them here keeps them out of every threshold, so they never displace a true "other".
        ranked_ci = np.concatenate((ranked_ci, cands.excluded_keys // len(places.ids)))
        ranked_pj = np.concatenate((ranked_pj, cands.excluded_keys % len(places.ids)))
    travel = cands.travel_km[active]
    regular = np.isfinite(travel) & (travel > 0)
    odd = active[~regular]
    active = active[regular]
    parts = [_exact_search(model, interests, cands, places, weights, wanted, odd, usable, ranked_ci, ranked_pj)]
    if len(active):
        parts.append(_bounded_search(model, interests, cands, places, weights, wanted, active, usable,
                                     ranked_ci, ranked_pj, block_size, workers or 2))
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _bounded_search(model, interests, cands, places, weights, wanted, active, usable, ranked_ci, ranked_pj,
                    block_size, workers):
    n_act = len(active)
    unit = unit_vectors(places.lat, places.lon)
    key = np.column_stack((places.standard[usable], places.field[usable], places.level[usable]))
    _, group_of = np.unique(key, axis=0, return_inverse=True)
    group_of = group_of.ravel()
    groups = [_Group(usable[group_of == g], model, places, unit, weights.skills) for g in range(group_of.max() + 1)]
    n_groups = len(groups)

    # Per active candidate: dense skills row, unit vector, chord threshold, travel factor.
    cand_terms = model.candidates[active]
    dense_terms = cand_terms.toarray().astype(np.float32) if cand_terms.shape[1] else np.zeros((n_act, 0), np.float32)
    cand_unit = unit_vectors(cands.lat[active], cands.lon[active])
    lat = np.radians(cands.lat[active])
    travel = cands.travel_km[active]
    reach = np.minimum(travel / EARTH_RADIUS_KM, np.pi)  # radians of arc
    chord_sq = (2.0 * np.sin(reach / 2.0)) ** 2
    min_dot = 1.0 - chord_sq / 2.0  # chord² ≤ limit chord² ⇔ unit dot ≥ this
    # distance ≈ R·chord = R·sqrt(2(1 − dot)); travel part = w_t − w_t·distance/limit.
    per_root = (weights.travel * EARTH_RADIUS_KM * np.sqrt(2.0) / travel).astype(np.float32)
    hours = cands.hours[active]
    available_from = cands.available_from[active]
    want = wanted[active]
    picked = interests[active].toarray() > 0 if interests.shape[1] else np.zeros((n_act, 0), bool)

    # Upper bound of any score in each group; groups visited best bound first (ties: group order).
    max_weights = np.column_stack([g.max_weights for g in groups]) if model.placements.shape[1] else None
    skills_bound = (np.minimum(np.asarray(cand_terms @ max_weights), 1.0) if max_weights is not None
                    else np.zeros((n_act, n_groups)))
    std = np.array([g.standard for g in groups])
    bound = weights.skills * skills_bound + weights.travel + 1e-9
    if picked.shape[1]:
        bound = bound + weights.interest * picked[:, std]
    qualified = cands.qualified_level[active][:, [g.field for g in groups]] >= np.array([g.level for g in groups])
    bound[qualified] = -np.inf
    visit = np.argsort(-bound, axis=1, kind="stable")
    row_const = (weights.travel + weights.interest * picked[:, std]).astype(np.float32) if picked.shape[1] else\
        np.full((n_act, n_groups), weights.travel, dtype=np.float32)

    # Block scores are within eps of the exact ones (float32 rounding, chord vs arc).
    vocab_max = max((len(g.vocab) for g in groups), default=0)
    eps = 4.0 * (1e-6 + weights.skills * (vocab_max + 4) * 1.2e-7
                 + weights.travel * (float(chord_sq.max()) / 12.0 + 1e-6))

    # Ranked placements (CSR by active row) as (group, position in group) so blocks can skip them.
    group_id = np.full(len(places.ids), -1, dtype=np.int64)
    position = np.full(len(places.ids), -1, dtype=np.int64)
    for g, grp in enumerate(groups):
        group_id[grp.cols] = g
        position[grp.cols] = np.arange(len(grp.cols))
    act_pos = np.full(len(cands.ids), -1, dtype=np.int64)
    act_pos[active] = np.arange(n_act)
    keep = (act_pos[ranked_ci] >= 0) & (group_id[ranked_pj] >= 0)
    r_row, r_pl = act_pos[ranked_ci[keep]], ranked_pj[keep]
    order = np.argsort(r_row, kind="stable")
    r_group, r_position = group_id[r_pl[order]], position[r_pl[order]]
    r_offsets = np.zeros(n_act + 1, dtype=np.int64)
    np.cumsum(np.bincount(r_row, minlength=n_act), out=r_offsets[1:])

    # Blocks hold candidates of similar travel limit and latitude, so their window stays narrow.
    spatial = np.empty(n_act, dtype=np.int64)
    spatial[np.lexsort((lat, np.floor(travel / TRAVEL_BAND_KM)))] = np.arange(n_act)

    threshold = np.full(n_act, -np.inf, dtype=np.float32)

    def one_block(task):
        g, rows = task
        grp = groups[g]
        margin = reach[rows].max() + 1e-9  # latitude never differs by more than the arc
        lo = int(np.searchsorted(grp.lat, lat[rows].min() - margin, side="left"))
        hi = int(np.searchsorted(grp.lat, lat[rows].max() + margin, side="right"))
        width = hi - lo
        if width <= 0:
            return None
        if len(grp.vocab):
            score = dense_terms[rows][:, grp.vocab] @ grp.features[:, lo:hi]
        else:
            score = np.zeros((len(rows), width), dtype=np.float32)
        score += row_const[rows, g][:, None]
        dot = cand_unit[rows] @ grp.unit[:, lo:hi]
        limit = min_dot[rows][:, None]
        excluded = dot < limit - DOT_TOLERANCE
        unsure = dot < limit + DOT_TOLERANCE
        unsure &= ~excluded
        np.subtract(1.0, dot, out=dot)
        np.maximum(dot, 0.0, out=dot)
        root = dot.astype(np.float32)
        np.sqrt(root, out=root)
        root *= per_root[rows][:, None]
        score -= root
        excluded |= grp.hours[lo:hi][None, :] > hours[rows][:, None]
        excluded |= grp.starts_on[lo:hi][None, :] < available_from[rows][:, None]
        np.copyto(score, NEG, where=excluded)
        # The candidate's own ranked placements are not "others".
        counts = r_offsets[rows + 1] - r_offsets[rows]
        if counts.sum():
            at = np.repeat(r_offsets[rows] - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
            r_local = np.repeat(np.arange(len(rows)), counts)
            mine = (r_group[at] == g) & (r_position[at] >= lo) & (r_position[at] < hi)
            score[r_local[mine], r_position[at][mine] - lo] = NEG
        any_unsure = bool(unsure.any())
        counted = np.where(unsure, NEG, score) if any_unsure else score
        k = int(want[rows].max())
        if width > k:
            kth = np.partition(counted, width - k, axis=1)[:, width - k]
        else:
            kth = np.full(len(rows), NEG)
        cut = np.maximum(np.maximum(kth, threshold[rows]) - np.float32(2 * eps), FLOOR)
        r, c = np.nonzero(score >= cut[:, None])
        sure = ~unsure[r, c] if any_unsure else np.ones(len(r), dtype=bool)
        return rows[r], grp.cols[lo + c], score[r, c], sure

    pool = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32), np.zeros(0, bool))
    done: list[tuple] = []  # pool entries of candidates that will visit no more groups
    alive = np.arange(n_act)
    # Tiny products: BLAS threads cost more than they give (measured 3-20x slower on 2 busy cores);
    # the blocks run in Python threads instead (numpy releases the GIL).
    blas_limit = threadpool_limits(1, user_api="blas") if threadpool_limits else None
    is_alive = np.zeros(n_act, dtype=bool)
    pool_executor = ThreadPoolExecutor(max_workers=workers) if workers > 1 else None
    try:
        for step in range(n_groups):
            g_next = visit[alive, step]
            b = bound[alive, g_next]
            go = np.isfinite(b) & (b >= threshold[alive].astype(np.float64) - eps)
            alive, g_next = alive[go], g_next[go]
            is_alive[:] = False
            is_alive[alive] = True
            still = is_alive[pool[0]]
            done.append(tuple(a[~still] for a in pool))
            pool = tuple(a[still] for a in pool)
            if len(alive) == 0:
                break
            tasks = []
            by_group = np.lexsort((spatial[alive], g_next))
            g_sorted = g_next[by_group]
            starts = np.flatnonzero(np.r_[True, g_sorted[1:] != g_sorted[:-1]])
            for s, e in zip(starts, np.r_[starts[1:], len(g_sorted)]):
                rows = alive[by_group[s:e]]
                tasks += [(int(g_sorted[s]), rows[i:i + block_size]) for i in range(0, len(rows), block_size)]
            results = list(pool_executor.map(one_block, tasks)) if pool_executor else list(map(one_block, tasks))
            results = [r for r in results if r is not None]
            pool = tuple(np.concatenate([pool[i]] + [r[i] for r in results]) for i in range(4))
            pool = _trim(pool, want, threshold, eps)
    finally:
        if blas_limit is not None:
            blas_limit.restore_original_limits()
        if pool_executor:
            pool_executor.shutdown()
    done.append(pool)
    rows = np.concatenate([d[0] for d in done])
    return active[rows], np.concatenate([d[1] for d in done]).astype(np.int64)


def _trim(pool, want, threshold, eps):
    """Update each row's threshold (its want-th best sure score) and drop pairs that cannot make it."""
    row, placement, score, sure = pool
    order = np.lexsort((-score, row))
    row, placement, score, sure = row[order], placement[order], score[order], sure[order]
    first = np.searchsorted(row, row, side="left")
    counted = np.cumsum(sure)
    rank = counted - (counted[first] - sure[first])  # 1-based rank among sure pairs of the row
    hit = sure & (rank == want[row])
    threshold[row[hit]] = np.maximum(threshold[row[hit]], score[hit])
    keep = score >= np.maximum(threshold[row] - np.float32(2 * eps), FLOOR)
    return row[keep], placement[keep], score[keep], sure[keep]


def _exact_search(model, interests, cands, places, weights, wanted, rows, usable, ranked_ci, ranked_pj,
                  chunk_pairs: int = 2_000_000):
    """Best `wanted` others for a few candidates by scoring every usable placement exactly."""
    out_ci, out_pj = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    if len(rows) == 0:
        return out_ci[0], out_pj[0]
    ranked = set(zip(ranked_ci.tolist(), ranked_pj.tolist()))
    step = max(1, chunk_pairs // len(usable))
    for s in range(0, len(rows), step):
        ci = np.repeat(rows[s:s + step], len(usable))
        pj = np.tile(usable, len(rows[s:s + step]))
        mask, distance = rule_failures(cands, places, ci, pj)
        ok = (mask == 0) & np.array([(c, p) not in ranked for c, p in zip(ci.tolist(), pj.tolist())], dtype=bool)
        ci, pj, distance = ci[ok], pj[ok], distance[ok]
        _, total = score_pairs(model, interests, cands, places, weights, ci, pj, distance)
        order = np.lexsort((pj, -total, ci))
        ci, pj = ci[order], pj[order]
        seq = np.arange(len(ci)) - np.searchsorted(ci, ci, side="left")
        top = seq < wanted[ci]
        out_ci.append(ci[top])
        out_pj.append(pj[top])
    return np.concatenate(out_ci), np.concatenate(out_pj)
