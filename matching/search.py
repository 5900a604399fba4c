"""Find each candidate's best-scoring *other* eligible placements without scoring every pair.

At 100k candidates × 10k placements about 400 million pairs lie within candidates' travel limits,
so scoring them all (even in numpy) takes close to a minute. `other_placement_pairs` sends the
candidates with an ordinary travel limit (positive and finite) through `_bounded_search`, which
visits groups of similar placements best first and stops as soon as no further group can beat what
it has found; the few others go through `_exact_search`, which scores every usable placement.

Both return a superset of the answer: the caller re-checks and re-scores every returned pair
exactly (float64, haversine) and picks each candidate's best with the same tie-break as always.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

try:
    from threadpoolctl import threadpool_limits  # installed with scikit-learn
except ImportError:  # pragma: no cover
    threadpool_limits = None

from .arrays import EARTH_RADIUS_KM, BoolArray, CandidateArrays, FloatArray, Int32Array, IntArray, PlacementArrays
from .rules import rule_failures
from .scoring import SkillsModel, score_pairs
from .types import Weights

Float32Array = npt.NDArray[np.float32]  # block scores: float32 halves the memory traffic of the products
TRAVEL_BAND_KM = 4.0
DOT_TOLERANCE = 1e-12  # |float64 chord arithmetic error| is ~1e-15 on this scale
NEG = np.float32(-np.inf)
FLOOR = np.float32(-1e30)  # thresholds never go below this, so -inf (excluded) is never kept


def unit_vectors(lat_deg: FloatArray, lon_deg: FloatArray) -> FloatArray:
    """Points on the unit sphere for latitude/longitude in degrees."""
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    return np.column_stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)))


class _Group:
    """Usable placements sharing standard, field and level, sorted by latitude."""

    def __init__(self, cols: IntArray, model: SkillsModel, places: PlacementArrays, unit: FloatArray, w_skills: float):
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
    wanted: IntArray,
    ranked_ci: IntArray,
    ranked_pj: IntArray,
    *,
    block_size: int = 256,
    workers: int | None = None,
) -> tuple[IntArray, IntArray]:
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
        parts.append(
            _bounded_search(
                model,
                interests,
                cands,
                places,
                weights,
                wanted,
                active,
                usable,
                ranked_ci,
                ranked_pj,
                block_size,
                workers or 2,
            )
        )
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _bounded_search(
    model: SkillsModel,
    interests: sp.csr_matrix,
    cands: CandidateArrays,
    places: PlacementArrays,
    weights: Weights,
    wanted: IntArray,
    active: IntArray,
    usable: IntArray,
    ranked_ci: IntArray,
    ranked_pj: IntArray,
    block_size: int,
    workers: int,
) -> tuple[IntArray, IntArray]:
    """Pairs (ci, pj) that include each active candidate's best wanted[i] unranked eligible placements.

    What it searches: the usable placements, split into groups sharing standard, field and level.
    Within a group a candidate's interest (0/1) and the "already qualified" rule are constants, and
    only the group's few skill terms (~15 of ~160) can contribute to the cosine.

    The bound: for each (candidate, group) no pair can score more than
    w_skills · min(1, c · max_p∈group(p)) + w_interest · interest + w_travel, because TF-IDF weights
    are non-negative (so the cosine is at most the dot with the group's element-wise maximum row)
    and travel is at most 1. Each candidate visits its groups best bound first, one group per
    round; once the next bound is more than `eps` below the candidate's current `wanted`-th best
    score, that group and every later one are skipped (usually after the one or two standards they
    picked).

    A visit scores a block of candidates against the group's placements in a latitude window
    covering the block's travel limits (latitudes never differ by more than the arc), densely: a
    float32 product over the group's terms for skills, a float64 product of unit vectors for the
    chord (the distance rule is decided on the chord, exactly equivalent to the great-circle rule),
    and every other hard rule as a mask. `np.partition` gives each row's `wanted`-th best score.

    Why it is exact: block scores differ from the exact float64 scores by at most `eps` (float32
    rounding and the chord/arc difference, see `_score_tolerance`). A pair is dropped only if its
    block score is more than 2·eps below the `wanted`-th best of pairs known to be eligible, so its
    exact score is strictly below the true `wanted`-th best exact score and it cannot be chosen,
    ties included; a group is skipped on the same margin, since its bound is above every exact score
    in it. Pairs whose eligibility the chord cannot settle (within DOT_TOLERANCE of the limit) are
    kept but never counted towards a threshold, and the candidate's ranked or excluded placements are
    blanked out of every block, so they cannot set one either.
    """
    groups = _placement_groups(model, places, usable, weights.skills)
    skills = model.candidates[active]
    rows = _active_rows(skills, cands, weights, wanted, active)
    bound, row_const = _group_bounds(skills, interests, cands, weights, active, groups)
    ranked = _ranked_by_row(groups, len(places.ids), len(cands.ids), active, ranked_ci, ranked_pj)
    scorer = _BlockScorer(groups, rows, row_const, ranked, _score_tolerance(weights, groups, rows))
    row, placement = _visit_groups(scorer, bound, block_size, workers)
    return active[row], placement


def _placement_groups(
    model: SkillsModel, places: PlacementArrays, usable: IntArray, skills_weight: float
) -> list[_Group]:
    """The usable placements grouped by (standard, field, level), in the order of those keys."""
    unit = unit_vectors(places.lat, places.lon)
    key = np.column_stack((places.standard[usable], places.field[usable], places.level[usable]))
    _, group_of = np.unique(key, axis=0, return_inverse=True)
    group_of = group_of.ravel()
    return [_Group(usable[group_of == g], model, places, unit, skills_weight) for g in range(group_of.max() + 1)]


@dataclass(frozen=True, eq=False)
class _ActiveRows:
    """What scoring needs of each active candidate; row k is candidate active[k]."""

    terms: Float32Array  # dense float32 skills rows
    unit: FloatArray  # home as a point on the unit sphere (rows × 3)
    lat: FloatArray  # home latitude in radians
    travel: FloatArray  # travel limit in km
    reach: FloatArray  # travel limit as radians of arc
    chord_sq: FloatArray  # squared chord of the travel limit on the unit sphere
    min_dot: FloatArray  # within the travel limit ⇔ dot(home, placement) ≥ this
    per_root: Float32Array  # travel part lost per sqrt(1 − dot) (float32)
    hours: Int32Array
    available_from: IntArray
    want: IntArray  # how many others to find


def _active_rows(
    skills: sp.csr_matrix, cands: CandidateArrays, weights: Weights, wanted: IntArray, active: IntArray
) -> _ActiveRows:
    """The active candidates' columns in the form block scoring reads them."""
    terms = skills.toarray().astype(np.float32) if skills.shape[1] else np.zeros((len(active), 0), np.float32)
    travel = cands.travel_km[active]
    reach = np.minimum(travel / EARTH_RADIUS_KM, np.pi)
    chord_sq = (2.0 * np.sin(reach / 2.0)) ** 2
    # distance ≈ R·chord = R·sqrt(2(1 − dot)); travel part = w_t − w_t·distance/limit.
    per_root = (weights.travel * EARTH_RADIUS_KM * np.sqrt(2.0) / travel).astype(np.float32)
    return _ActiveRows(
        terms=terms,
        unit=unit_vectors(cands.lat[active], cands.lon[active]),
        lat=np.radians(cands.lat[active]),
        travel=travel,
        reach=reach,
        chord_sq=chord_sq,
        min_dot=1.0 - chord_sq / 2.0,
        per_root=per_root,
        hours=cands.hours[active],
        available_from=cands.available_from[active],
        want=wanted[active],
    )


def _group_bounds(
    skills: sp.csr_matrix,
    interests: sp.csr_matrix,
    cands: CandidateArrays,
    weights: Weights,
    active: IntArray,
    groups: list[_Group],
) -> tuple[FloatArray, Float32Array]:
    """Per (active row, group): an upper bound of any pair's score (-inf where a rule rules the group out),
    and the part of every pair's score that is constant in the group (interest and full travel, float32)."""
    n_rows, n_groups = skills.shape[0], len(groups)
    picked = interests[active].toarray() > 0 if interests.shape[1] else np.zeros((n_rows, 0), bool)
    if skills.shape[1]:
        max_weights = np.column_stack([g.max_weights for g in groups])
        skills_bound = np.minimum(np.asarray(skills @ max_weights), 1.0)
    else:
        skills_bound = np.zeros((n_rows, n_groups))
    standard = np.array([g.standard for g in groups])
    bound = weights.skills * skills_bound + weights.travel + 1e-9
    if picked.shape[1]:
        bound = bound + weights.interest * picked[:, standard]
        row_const = (weights.travel + weights.interest * picked[:, standard]).astype(np.float32)
    else:
        row_const = np.full((n_rows, n_groups), weights.travel, dtype=np.float32)
    qualified = cands.qualified_level[active][:, [g.field for g in groups]] >= np.array([g.level for g in groups])
    bound[qualified] = -np.inf
    return bound, row_const


def _score_tolerance(weights: Weights, groups: list[_Group], rows: _ActiveRows) -> float:
    """`eps`: how far a block score may be from the exact float64 score (float32 rounding, chord vs arc)."""
    vocab_max = max((len(g.vocab) for g in groups), default=0)
    return 4.0 * (
        1e-6 + weights.skills * (vocab_max + 4) * 1.2e-7 + weights.travel * (float(rows.chord_sq.max()) / 12.0 + 1e-6)
    )


@dataclass(frozen=True, eq=False)
class _RankedByRow:
    """Each active row's ranked (or excluded) placements as (group, position in group), so blocks skip them.

    Row k's entries are group[offsets[k]:offsets[k + 1]] and position[offsets[k]:offsets[k + 1]]."""

    offsets: IntArray
    group: IntArray
    position: IntArray


def _ranked_by_row(
    groups: list[_Group], n_places: int, n_cands: int, active: IntArray, ranked_ci: IntArray, ranked_pj: IntArray
) -> _RankedByRow:
    """Locate every ranked pair of an active candidate in its placement's group."""
    group_id = np.full(n_places, -1, dtype=np.int64)
    position = np.full(n_places, -1, dtype=np.int64)
    for g, group in enumerate(groups):
        group_id[group.cols] = g
        position[group.cols] = np.arange(len(group.cols))
    row_of = np.full(n_cands, -1, dtype=np.int64)
    row_of[active] = np.arange(len(active))
    keep = (row_of[ranked_ci] >= 0) & (group_id[ranked_pj] >= 0)
    row, placement = row_of[ranked_ci[keep]], ranked_pj[keep]
    placement = placement[np.argsort(row, kind="stable")]
    offsets = np.zeros(len(active) + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=len(active)), out=offsets[1:])
    return _RankedByRow(offsets, group_id[placement], position[placement])


class _Found(NamedTuple):
    """Pairs that may still be among their row's best: active row, placement index, block score, and
    whether the pair is surely eligible (only those count towards a threshold)."""

    row: IntArray
    placement: IntArray
    score: Float32Array
    sure: BoolArray

    def where(self, keep: BoolArray | IntArray) -> _Found:
        """The pairs selected by a boolean mask or index array."""
        return _Found(self.row[keep], self.placement[keep], self.score[keep], self.sure[keep])


_NOTHING_FOUND = _Found(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32), np.zeros(0, bool))


class _BlockScorer:
    """Scores blocks of active rows against one group's placements and keeps the pairs near each row's best."""

    def __init__(
        self, groups: list[_Group], rows: _ActiveRows, row_const: Float32Array, ranked: _RankedByRow, eps: float
    ):
        self.groups = groups
        self.rows = rows
        self.row_const = row_const
        self.ranked = ranked
        self.eps = eps
        # Each row's `want`-th best score among surely eligible pairs found so far (see `_trim`).
        self.threshold = np.full(len(rows.want), -np.inf, dtype=np.float32)

    def __call__(self, task: tuple[int, IntArray]) -> _Found | None:
        """Score one block (group index, active rows); None if no placement of the group is in reach."""
        g, block = task
        group = self.groups[g]
        lo, hi = self._window(group, block)
        if hi <= lo:
            return None
        score, unsure = self._scores(g, group, block, lo, hi)
        self._skip_ranked(score, g, block, lo, hi)
        return self._near_best(score, unsure, block, group.cols[lo:hi])

    def _window(self, group: _Group, block: IntArray) -> tuple[int, int]:
        """The [lo, hi) span of the group's placements (sorted by latitude) within the block's reach."""
        margin = self.rows.reach[block].max() + 1e-9  # latitude never differs by more than the arc
        lo = int(np.searchsorted(group.lat, self.rows.lat[block].min() - margin, side="left"))
        hi = int(np.searchsorted(group.lat, self.rows.lat[block].max() + margin, side="right"))
        return lo, hi

    def _scores(self, g: int, group: _Group, block: IntArray, lo: int, hi: int) -> tuple[Float32Array, BoolArray]:
        """Block scores (NEG where a rule fails) and where the chord cannot settle the travel rule."""
        rows = self.rows
        if len(group.vocab):
            score = rows.terms[block][:, group.vocab] @ group.features[:, lo:hi]
        else:
            score = np.zeros((len(block), hi - lo), dtype=np.float32)
        score += self.row_const[block, g][:, None]
        dot = rows.unit[block] @ group.unit[:, lo:hi]
        limit = rows.min_dot[block][:, None]
        excluded = dot < limit - DOT_TOLERANCE
        unsure = dot < limit + DOT_TOLERANCE
        unsure &= ~excluded
        np.subtract(1.0, dot, out=dot)
        np.maximum(dot, 0.0, out=dot)
        root = dot.astype(np.float32)
        np.sqrt(root, out=root)
        root *= rows.per_root[block][:, None]
        score -= root
        excluded |= group.hours[lo:hi][None, :] > rows.hours[block][:, None]
        excluded |= group.starts_on[lo:hi][None, :] < rows.available_from[block][:, None]
        np.copyto(score, NEG, where=excluded)
        return score, unsure

    def _skip_ranked(self, score: Float32Array, g: int, block: IntArray, lo: int, hi: int) -> None:
        """Set NEG where a row's own ranked (or excluded) placement lies in the window: those are not "others"."""
        ranked = self.ranked
        counts = ranked.offsets[block + 1] - ranked.offsets[block]
        if not counts.sum():
            return
        at = np.repeat(ranked.offsets[block] - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
        local_row = np.repeat(np.arange(len(block)), counts)
        mine = (ranked.group[at] == g) & (ranked.position[at] >= lo) & (ranked.position[at] < hi)
        score[local_row[mine], ranked.position[at][mine] - lo] = NEG

    def _near_best(self, score: Float32Array, unsure: BoolArray, block: IntArray, cols: IntArray) -> _Found:
        """The pairs within 2·eps of the row's `want`-th best surely eligible score (this block's or earlier)."""
        width = score.shape[1]
        any_unsure = bool(unsure.any())
        counted = np.where(unsure, NEG, score) if any_unsure else score
        k = int(self.rows.want[block].max())
        if width > k:
            kth = np.partition(counted, width - k, axis=1)[:, width - k]
        else:
            kth = np.full(len(block), NEG)
        cut = np.maximum(np.maximum(kth, self.threshold[block]) - np.float32(2 * self.eps), FLOOR)
        r, c = np.nonzero(score >= cut[:, None])
        sure = ~unsure[r, c] if any_unsure else np.ones(len(r), dtype=bool)
        return _Found(block[r], cols[c], score[r, c], sure)


def _visit_groups(scorer: _BlockScorer, bound: FloatArray, block_size: int, workers: int) -> tuple[IntArray, IntArray]:
    """Visit each row's groups best bound first, one per round, until no next group can beat its threshold.

    Returns the (active row, placement) pairs still in the running at the end."""
    visit = np.argsort(-bound, axis=1, kind="stable")
    n_rows, n_groups = bound.shape
    # Blocks hold candidates of similar travel limit and latitude, so their window stays narrow.
    spatial = np.empty(n_rows, dtype=np.int64)
    spatial[np.lexsort((scorer.rows.lat, np.floor(scorer.rows.travel / TRAVEL_BAND_KM)))] = np.arange(n_rows)
    found = _NOTHING_FOUND
    finished: list[_Found] = []  # pairs of rows that will visit no more groups
    alive = np.arange(n_rows)
    is_alive = np.zeros(n_rows, dtype=bool)
    with _block_runner(workers) as run_blocks:
        for step in range(n_groups):
            next_group = visit[alive, step]
            best_possible = bound[alive, next_group]
            go = np.isfinite(best_possible) & (best_possible >= scorer.threshold[alive].astype(np.float64) - scorer.eps)
            alive, next_group = alive[go], next_group[go]
            is_alive[:] = False
            is_alive[alive] = True
            still = is_alive[found.row]
            finished.append(found.where(~still))
            found = found.where(still)
            if len(alive) == 0:
                break
            blocks = [
                part for part in run_blocks(scorer, _blocks(alive, next_group, spatial, block_size)) if part is not None
            ]
            found = _Found(*(np.concatenate(columns) for columns in zip(found, *blocks)))
            found = _trim(found, scorer.rows.want, scorer.threshold, scorer.eps)
    finished.append(found)
    return np.concatenate([f.row for f in finished]), np.concatenate([f.placement for f in finished]).astype(np.int64)


def _blocks(alive: IntArray, next_group: IntArray, spatial: IntArray, block_size: int) -> list[tuple[int, IntArray]]:
    """This round's tasks: the rows visiting each group, in spatial order, cut into blocks of block_size."""
    by_group = np.lexsort((spatial[alive], next_group))
    group_sorted = next_group[by_group]
    starts = np.flatnonzero(np.r_[True, group_sorted[1:] != group_sorted[:-1]])
    tasks = []
    for start, end in zip(starts, np.r_[starts[1:], len(group_sorted)]):
        rows = alive[by_group[start:end]]
        tasks += [(int(group_sorted[start]), rows[i : i + block_size]) for i in range(0, len(rows), block_size)]
    return tasks


@contextmanager
def _block_runner(
    workers: int,
) -> Iterator[Callable[[_BlockScorer, Iterable[tuple[int, IntArray]]], Iterable[_Found | None]]]:
    """A map over blocks: Python threads when workers > 1 (numpy releases the GIL), BLAS held to one thread.

    The block products are tiny: BLAS threads cost more than they give (measured 3-20x slower on 2
    busy cores)."""
    blas_limit = threadpool_limits(1, user_api="blas") if threadpool_limits else None
    executor = ThreadPoolExecutor(max_workers=workers) if workers > 1 else None
    try:
        yield executor.map if executor else map
    finally:
        if blas_limit is not None:
            blas_limit.restore_original_limits()
        if executor:
            executor.shutdown()


def _trim(found: _Found, want: IntArray, threshold: Float32Array, eps: float) -> _Found:
    """Update each row's threshold (its want-th best sure score) and drop pairs that cannot make it."""
    found = found.where(np.lexsort((-found.score, found.row)))
    row, score, sure = found.row, found.score, found.sure
    first = np.searchsorted(row, row, side="left")
    counted = np.cumsum(sure)
    rank: IntArray = counted - (counted[first] - sure[first])  # 1-based rank among sure pairs of the row
    hit = sure & (rank == want[row])
    threshold[row[hit]] = np.maximum(threshold[row[hit]], score[hit])
    return found.where(score >= np.maximum(threshold[row] - np.float32(2 * eps), FLOOR))


def _exact_search(
    model: SkillsModel,
    interests: sp.csr_matrix,
    cands: CandidateArrays,
    places: PlacementArrays,
    weights: Weights,
    wanted: IntArray,
    rows: IntArray,
    usable: IntArray,
    ranked_ci: IntArray,
    ranked_pj: IntArray,
    chunk_pairs: int = 2_000_000,
) -> tuple[IntArray, IntArray]:
    """Best `wanted` others for a few candidates by scoring every usable placement exactly."""
    out_ci, out_pj = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    if len(rows) == 0:
        return out_ci[0], out_pj[0]
    ranked = set(zip(ranked_ci.tolist(), ranked_pj.tolist()))
    step = max(1, chunk_pairs // len(usable))
    for s in range(0, len(rows), step):
        ci = np.repeat(rows[s : s + step], len(usable))
        pj = np.tile(usable, len(rows[s : s + step]))
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
