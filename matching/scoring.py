"""Score components in [0, 1] and their weighted total, computed for many pairs at once."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from .arrays import CandidateArrays, PlacementArrays
from .types import COMPONENT_NAMES, Weights

PREFERENCE_FLOOR = 0.1  # rank 10 (and below) still counts for something: they chose it
PREFERENCE_STEPS = 10


class SkillsModel:
    """TF-IDF over the placements' vocabulary; candidate words no placement uses cannot match."""

    def __init__(self, placement_texts: Sequence[str], candidate_texts: Sequence[str]):
        # Token pattern keeps short tech words ("IT", "AI", "C") that the default would drop.
        self.vectorizer = TfidfVectorizer(
            lowercase=True, stop_words="english", token_pattern=r"(?u)\b\w[\w+#]*\b", dtype=np.float64
        )
        texts = [t or "" for t in placement_texts]
        if any(t.strip() for t in texts):
            try:
                self.placements = self.vectorizer.fit_transform(texts).tocsr()
            except ValueError:  # only stop words: no vocabulary at all
                self.vectorizer = None
        else:
            self.vectorizer = None
        if self.vectorizer is None:
            self.terms = np.array([], dtype=object)
            self.placements = sp.csr_matrix((len(texts), 0))
            self.candidates = sp.csr_matrix((len(candidate_texts), 0))
        else:
            self.terms = self.vectorizer.get_feature_names_out()
            self.candidates = self.vectorizer.transform([t or "" for t in candidate_texts]).tocsr()
        for matrix in (self.placements, self.candidates):
            matrix.sort_indices()

    def cosine(self, ci: np.ndarray, pj: np.ndarray) -> np.ndarray:
        """Cosine similarity for each pair (rows are L2-normalised, so this is a row-wise dot)."""
        if len(ci) == 0 or self.placements.shape[1] == 0:
            return np.zeros(len(ci))
        products = self.candidates[ci].multiply(self.placements[pj])
        return np.clip(np.asarray(products.sum(axis=1)).ravel(), 0.0, 1.0)

    def binary(self, which: str) -> sp.csr_matrix:
        """Presence (0/1) matrix of terms for 'candidates' or 'placements'."""
        matrix = getattr(self, which).copy()
        matrix.data[:] = 1.0
        return matrix


def preference_component(rank: np.ndarray) -> np.ndarray:
    """Rank 1 → 1.0, falling linearly to the floor at rank 10 and beyond; unranked (0) → 0."""
    rank = np.asarray(rank, dtype=np.float64)
    step = (1.0 - PREFERENCE_FLOOR) / (PREFERENCE_STEPS - 1)
    value = np.maximum(1.0 - (rank - 1.0) * step, PREFERENCE_FLOOR)
    return np.where(rank >= 1, value, 0.0)


def travel_component(distance_km: np.ndarray, travel_km: np.ndarray) -> np.ndarray:
    """1 at the door, falling linearly to 0 at the candidate's limit (closer is never worse)."""
    distance_km = np.asarray(distance_km, dtype=np.float64)
    travel_km = np.asarray(travel_km, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = 1.0 - distance_km / travel_km
    value = np.where(travel_km > 0, value, np.where(distance_km <= 0, 1.0, 0.0))
    return np.clip(np.nan_to_num(value, nan=0.0), 0.0, 1.0)


def interest_component(interest_matrix: sp.csr_matrix, ci: np.ndarray, standard: np.ndarray) -> np.ndarray:
    """1 where the candidate picked the placement's standard, else 0."""
    if len(ci) == 0 or interest_matrix.shape[1] == 0:
        return np.zeros(len(ci))
    return np.asarray(interest_matrix[ci, standard]).ravel().astype(np.float64)


def interest_matrix(interests: Sequence[frozenset[str]], places: PlacementArrays) -> sp.csr_matrix:
    """Candidates × standards 0/1 matrix of picked standards (standards no placement has are dropped)."""
    code = {s: k for k, s in enumerate(places.standards)}
    rows, cols = [], []
    for i, picked in enumerate(interests):
        for standard in picked:
            k = code.get(standard)
            if k is not None:
                rows.append(i)
                cols.append(k)
    data = np.ones(len(rows))
    return sp.csr_matrix((data, (rows, cols)), shape=(len(interests), len(places.standards)))


def score_pairs(
    model: SkillsModel,
    interests: sp.csr_matrix,
    cands: CandidateArrays,
    places: PlacementArrays,
    weights: Weights,
    ci: np.ndarray,
    pj: np.ndarray,
    distance_km: np.ndarray,
    rank: np.ndarray,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Components and weighted total for each pair (ci[k], pj[k]); rank 0 means not ranked."""
    ci = np.asarray(ci, dtype=np.int64)
    pj = np.asarray(pj, dtype=np.int64)
    components = {
        "skills": model.cosine(ci, pj),
        "interest": interest_component(interests, ci, places.standard[pj]),
        "travel": travel_component(distance_km, cands.travel_km[ci]),
        "preference": preference_component(rank),
    }
    return components, weighted_total(components, weights)


def weighted_total(components: dict[str, np.ndarray], weights: Weights) -> np.ndarray:
    """Σ weight × component, summed in the canonical component order."""
    total = np.zeros_like(components[COMPONENT_NAMES[0]], dtype=np.float64)
    for name in COMPONENT_NAMES:
        total = total + getattr(weights, name) * components[name]
    return total
