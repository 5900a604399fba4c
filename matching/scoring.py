"""Score components in [0, 1] and their weighted total, computed for many pairs at once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain

import numpy as np
import scipy.sparse as sp

from .arrays import CandidateArrays, FloatArray, Int32Array, IntArray, PlacementArrays
from .terms import TermTable
from .types import COMPONENT_NAMES, Weights


def _presence(rows: Sequence[Iterable[str]], column: dict[str, int]) -> sp.csr_matrix:
    """A 0/1 rows × vocabulary matrix of the known terms in each row (terms not in the vocabulary are dropped)."""
    found = [sorted({column[t] for t in row if t in column}) for row in rows]
    lengths = np.fromiter(map(len, found), dtype=np.int64, count=len(found))
    indptr = np.zeros(len(found) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    indices = np.fromiter(chain.from_iterable(found), dtype=np.int32, count=int(indptr[-1]))
    return sp.csr_matrix((np.ones(len(indices)), indices, indptr), shape=(len(found), len(column)))


def _weighted(presence: sp.csr_matrix, idf: FloatArray) -> sp.csr_matrix:
    """TF-IDF rows (each term once) scaled to unit length; empty rows stay empty."""
    matrix = presence.copy()
    matrix.data = idf[matrix.indices]
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    matrix.data *= np.repeat(scale, np.diff(matrix.indptr))
    return matrix


class SkillsModel:
    """TF-IDF over whole skill terms: a placement's listed terms and each candidate's terms, compared as phrases.

    Terms are brought to one spelling by the synonym table; a candidate's free text counts only for
    known terms written as whole phrases in it. Terms few placements ask for weigh more (IDF)."""

    def __init__(
        self,
        placement_terms: Sequence[Sequence[str]],
        candidate_terms: Sequence[Iterable[str]],
        candidate_texts: Sequence[str],
        table: TermTable,
    ):
        # Each placement's terms as shown (first spelling of each preferred term), for explanations.
        self.shown: list[tuple[tuple[str, str], ...]] = []
        for terms in placement_terms:
            seen: dict[str, str] = {}
            for term in terms:
                seen.setdefault(table.canonical(term), str(term).strip())
            seen.pop("", None)
            self.shown.append(tuple((shown, key) for key, shown in seen.items()))
        vocabulary = sorted({key for shown in self.shown for _, key in shown})
        finder = table.finder(vocabulary)
        self.candidate_sets = [
            table.canonical_set(terms) | finder.find(text) for terms, text in zip(candidate_terms, candidate_texts)
        ]
        self.terms = np.array(vocabulary, dtype=object)
        column = {term: k for k, term in enumerate(vocabulary)}
        placements = _presence([[key for _, key in shown] for shown in self.shown], column)
        # Smoothed IDF learnt from the placements, as scikit-learn's TfidfVectorizer computes it by default.
        df = np.bincount(placements.indices, minlength=len(vocabulary))
        self.idf = np.log((1.0 + len(self.shown)) / (1.0 + df)) + 1.0
        self.placements = _weighted(placements, self.idf)
        self.candidates = _weighted(_presence(self.candidate_sets, column), self.idf)

    def cosine(self, ci: IntArray, pj: IntArray) -> FloatArray:
        """Cosine similarity for each pair (rows are L2-normalised, so this is a row-wise dot)."""
        if len(ci) == 0 or self.placements.shape[1] == 0:
            return np.zeros(len(ci))
        products = self.candidates[ci].multiply(self.placements[pj])
        return np.clip(np.asarray(products.sum(axis=1), dtype=np.float64).ravel(), 0.0, 1.0)

    def shown_terms(self, i: int, j: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The placement's terms as it shows them, split into the ones candidate i has and the ones they lack."""
        have = self.candidate_sets[i]
        shown = self.shown[j]
        return (
            tuple(term for term, key in shown if key in have),
            tuple(term for term, key in shown if key not in have),
        )


def travel_component(distance_km: FloatArray, travel_km: FloatArray) -> FloatArray:
    """1 at the door, falling linearly to 0 at the candidate's limit (closer is never worse)."""
    distance_km = np.asarray(distance_km, dtype=np.float64)
    travel_km = np.asarray(travel_km, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = 1.0 - distance_km / travel_km
    value = np.where(travel_km > 0, value, np.where(distance_km <= 0, 1.0, 0.0))
    return np.clip(np.nan_to_num(value, nan=0.0), 0.0, 1.0)


def interest_component(interest_matrix: sp.csr_matrix, ci: IntArray, standard: Int32Array) -> FloatArray:
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
    ci: IntArray,
    pj: IntArray,
    distance_km: FloatArray,
) -> tuple[dict[str, FloatArray], FloatArray]:
    """Components and weighted total for each pair (ci[k], pj[k]); never depends on the candidate's rank."""
    ci = np.asarray(ci, dtype=np.int64)
    pj = np.asarray(pj, dtype=np.int64)
    components = {
        "skills": model.cosine(ci, pj),
        "interest": interest_component(interests, ci, places.standard[pj]),
        "travel": travel_component(distance_km, cands.travel_km[ci]),
    }
    return components, weighted_total(components, weights)


def weighted_total(components: dict[str, FloatArray], weights: Weights) -> FloatArray:
    """Σ weight × component, summed in the canonical component order."""
    total = np.zeros_like(components[COMPONENT_NAMES[0]], dtype=np.float64)
    for name in COMPONENT_NAMES:
        total = total + getattr(weights, name) * components[name]
    return total
