"""Find each candidate's best-scoring *other* eligible placements without scoring every pair.

Why this shape: at 100k candidates × 10k placements across London, ~400 million pairs lie within
candidates' travel limits, and asking a BallTree for each candidate's own radius alone took ~29 s.
So candidates are grouped into small blocks of similar travel limit and nearby home (Morton
order); one BallTree radius query per block finds the placements any member could reach; the block
is scored densely (a BLAS product for skills + interest, a 3-d dot product for distance) with every
hard rule applied as a mask; each row keeps its best few. Survivors are re-checked and re-scored
exactly (float64, haversine) by the caller, so block arithmetic only has to be good enough to pick.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp
from sklearn.neighbors import BallTree

from .arrays import EARTH_RADIUS_KM, CandidateArrays, PlacementArrays
from .scoring import SkillsModel
from .types import Weights

TRAVEL_BAND_KM = 4.0
CELL_DEGREES = 0.02
EXCLUDED_BASE = np.float32(-10.0)  # real block scores are ≥ about -1e-6


def unit_vectors(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """Points on the unit sphere for latitude/longitude in degrees."""
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    return np.column_stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)))


def _morton(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Interleave the bits of two small non-negative ints so nearby cells sort together."""
    code = np.zeros(len(x), dtype=np.int64)
    for bit in range(16):
        code |= ((x >> bit) & 1) << (2 * bit)
        code |= ((y >> bit) & 1) << (2 * bit + 1)
    return code


def _block_order(lat: np.ndarray, lon: np.ndarray, travel_km: np.ndarray) -> np.ndarray:
    band = np.floor(travel_km / TRAVEL_BAND_KM).astype(np.int64)
    cx = np.floor((lon - lon.min()) / (CELL_DEGREES * 1.6)).astype(np.int64)
    cy = np.floor((lat - lat.min()) / CELL_DEGREES).astype(np.int64)
    return np.lexsort((_morton(cx, cy), band))


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
    slack: int = 5,
    block_size: int = 256,
    workers: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (ci, pj) holding, for each candidate i, roughly its best wanted[i] + slack unranked placements."""
    active = np.flatnonzero((wanted > 0) & cands.eligible & ~np.isnan(cands.lat) & ~np.isnan(cands.lon))
    usable = np.flatnonzero(places.available & ~np.isnan(places.lat) & ~np.isnan(places.lon))
    if len(active) == 0 or len(usable) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    active = active[_block_order(cands.lat[active], cands.lon[active], cands.travel_km[active])]

    # Placement side: weighted skills terms then weighted standard one-hot, so one product gives
    # w_skills × cosine + w_interest × picked-this-standard.
    n_std = interests.shape[1]
    standard_onehot = sp.csr_matrix(
        (np.full(len(usable), weights.interest), (np.arange(len(usable)), places.standard[usable])),
        shape=(len(usable), n_std),
    )
    place_features = sp.hstack([model.placements[usable] * weights.skills, standard_onehot]).toarray()
    place_features = np.ascontiguousarray(place_features.T, dtype=np.float32)  # K × usable
    cand_features = sp.hstack([model.candidates, interests]).tocsr().astype(np.float32)

    place_unit = unit_vectors(places.lat[usable], places.lon[usable])
    cand_unit = unit_vectors(cands.lat, cands.lon)
    tree = BallTree(np.radians(np.column_stack((places.lat[usable], places.lon[usable]))), metric="haversine")
    # Squared chord length of each candidate's limit: chord² ≤ limit² ⇔ great-circle distance ≤ limit.
    chord_limit_sq = (2.0 * np.sin(np.maximum(cands.travel_km, 0.0) / (2.0 * EARTH_RADIUS_KM))) ** 2

    # Each candidate's ranked placements (as usable positions), CSR-style, to leave out of "others".
    usable_position = np.full(len(places.ids), -1, dtype=np.int64)
    usable_position[usable] = np.arange(len(usable))
    ranked_keep = usable_position[ranked_pj] >= 0
    ranked_order = np.argsort(ranked_ci[ranked_keep], kind="stable")
    ranked_positions = usable_position[ranked_pj[ranked_keep]][ranked_order]
    ranked_offsets = np.zeros(len(cands.ids) + 1, dtype=np.int64)
    np.cumsum(np.bincount(ranked_ci[ranked_keep], minlength=len(cands.ids)), out=ranked_offsets[1:])

    def one_block(members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        centre = cand_unit[members].sum(axis=0)
        centre /= np.linalg.norm(centre)
        spread = np.arccos(np.clip(cand_unit[members] @ centre, -1.0, 1.0)).max() * EARTH_RADIUS_KM
        reach_km = spread + cands.travel_km[members].max() + 1e-6
        centre_latlon = [[np.arcsin(centre[2]), np.arctan2(centre[1], centre[0])]]
        local = np.sort(tree.query_radius(centre_latlon, reach_km / EARTH_RADIUS_KM)[0])
        if len(local) == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        score = cand_features[members].toarray() @ place_features[:, local]
        chord_sq = cand_unit[members] @ place_unit[local].T
        chord_sq *= -2.0
        chord_sq += 2.0
        excluded = chord_sq > chord_limit_sq[members, None]
        np.maximum(chord_sq, 0.0, out=chord_sq)
        distance = np.sqrt(chord_sq.astype(np.float32)) * np.float32(EARTH_RADIUS_KM)
        with np.errstate(divide="ignore"):
            per_km = (weights.travel / cands.travel_km[members]).astype(np.float32)
        per_km[~np.isfinite(per_km)] = 0.0
        distance *= per_km[:, None]
        score += np.float32(weights.travel)
        score -= distance
        global_local = usable[local]
        excluded |= places.hours[global_local][None, :] > cands.hours[members, None]
        excluded |= places.starts_on[global_local][None, :] < cands.available_from[members, None]
        qualified = cands.qualified_level[members][:, places.field[global_local]]
        excluded |= qualified >= places.level[global_local][None, :]
        # Distinct values below every real score: argpartition degrades badly on many equal values.
        np.copyto(score, EXCLUDED_BASE - np.arange(len(local), dtype=np.float32) * np.float32(1e-4),
                  where=excluded)
        local_position = np.full(len(usable), -1, dtype=np.int64)
        local_position[local] = np.arange(len(local))
        counts = ranked_offsets[members + 1] - ranked_offsets[members]
        rows = np.repeat(np.arange(len(members)), counts)
        spans = np.repeat(ranked_offsets[members] - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
        cols = local_position[ranked_positions[spans]]
        score[rows[cols >= 0], cols[cols >= 0]] = EXCLUDED_BASE
        keep = min(len(local), int(wanted[members].max()) + slack)
        best = np.argpartition(score, len(local) - keep, axis=1)[:, len(local) - keep:]
        best_score = np.take_along_axis(score, best, axis=1)
        rows, cols = np.nonzero(best_score > EXCLUDED_BASE / 2)
        return members[rows].astype(np.int64), usable[local[best[rows, cols]]].astype(np.int64)

    blocks = [active[s:s + block_size] for s in range(0, len(active), block_size)]
    workers = workers or 1  # measured: threads did not help on 2 cores (BLAS already uses both)
    if workers > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(one_block, blocks))
    else:
        results = [one_block(b) for b in blocks]
    ci = np.concatenate([r[0] for r in results]) if results else np.zeros(0, np.int64)
    pj = np.concatenate([r[1] for r in results]) if results else np.zeros(0, np.int64)
    return ci, pj
