"""The seeded lottery and the order in which a placement ranks the candidates who list it."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .arrays import FloatArray, IntArray, TierArray


def lottery_numbers(candidate_ids: Sequence[str], seed: int) -> dict[str, float]:
    """One number in [0, 1) per candidate, the same at every placement; depends only on ids and seed."""
    ordered = sorted(set(candidate_ids))
    draws = np.random.default_rng(seed).random(len(ordered))
    return dict(zip(ordered, draws.tolist()))


def placement_order(
    placement: IntArray, score: FloatArray, lottery: FloatArray, tiebreak: IntArray, tier: TierArray | None = None
) -> IntArray:
    """Entry order grouping by placement, then tier (residents first, where it applies), then higher score,
    then lower lottery number, then id rank. Never the candidate's own rank of the placement."""
    if tier is None:
        tier = np.zeros(len(placement), dtype=np.int8)
    return np.lexsort((tiebreak, lottery, -score, tier, placement))
