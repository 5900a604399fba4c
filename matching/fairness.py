"""Aggregate fairness statistics on selection counts per group (never individual records)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from scipy.stats import fisher_exact, norm

MIN_GROUP_SIZE = 10
ADVERSE_IMPACT_THRESHOLD = Fraction(4, 5)  # the four-fifths rule, exactly


@dataclass(frozen=True)
class GroupStatistics:
    """Selection statistics for one group; rate fields are None when there is not enough data."""

    group: str
    selected: int
    total: int
    enough_data: bool
    rate: float | None
    interval_low: float | None
    interval_high: float | None
    fisher_p_value: float | None  # group vs everyone else
    note: str = ""


@dataclass(frozen=True)
class FairnessReport:
    """Per-group statistics plus the adverse impact ratio over groups with enough data."""

    groups: tuple[GroupStatistics, ...]
    adverse_impact_ratio: float | None
    lowest_group: str | None
    highest_group: str | None
    flagged: bool


def wilson_interval(selected: int, total: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion."""
    if total <= 0:
        raise ValueError("total must be positive")
    z = norm.ppf(0.5 + confidence / 2.0)
    p = selected / total
    denominator = 1.0 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def fairness_report(counts: dict[str, tuple[int, int]]) -> FairnessReport:
    """Selection rates, Wilson intervals, Fisher tests and the adverse impact ratio for {group: (selected, total)}."""
    for group, (selected, total) in counts.items():
        if selected < 0 or total < 0 or selected > total:
            raise ValueError(f"group {group!r}: need 0 <= selected <= total, got {selected}/{total}")
    all_selected = sum(s for s, _ in counts.values())
    all_total = sum(t for _, t in counts.values())
    stats: list[GroupStatistics] = []
    for group in sorted(counts):
        selected, total = counts[group]
        if total < MIN_GROUP_SIZE:
            stats.append(GroupStatistics(group, selected, total, False, None, None, None, None, "not enough data"))
            continue
        low, high = wilson_interval(selected, total)
        rest_selected, rest_total = all_selected - selected, all_total - total
        p_value: float | None = None
        if rest_total > 0:
            table = np.array(
                [[selected, total - selected], [rest_selected, rest_total - rest_selected]], dtype=np.int64
            )
            p_value = float(fisher_exact(table).pvalue)
        stats.append(GroupStatistics(group, selected, total, True, selected / total, low, high, p_value))
    rated = [s for s in stats if s.enough_data]
    ratio: float | None = None
    lowest: str | None = None
    highest: str | None = None
    flagged = False
    if len(rated) >= 2:
        # Rates compared as exact fractions: 6/10 and 9/12 are exactly 0.8 apart, which floating point gets wrong.
        low_group = min(rated, key=lambda s: (Fraction(s.selected, s.total), s.group))
        high_group = max(rated, key=lambda s: (Fraction(s.selected, s.total), s.group))
        lowest, highest = low_group.group, high_group.group
        if high_group.selected > 0:
            # The same division as each group's rate (selected / total), from the counts that rate was made of.
            ratio = (low_group.selected / low_group.total) / (high_group.selected / high_group.total)
            flagged = below_four_fifths((low_group.selected, low_group.total), (high_group.selected, high_group.total))
    return FairnessReport(tuple(stats), ratio, lowest, highest, flagged)


def below_four_fifths(low: tuple[int, int], high: tuple[int, int]) -> bool:
    """True if the rate low = (selected, total) is below four fifths of high's, in whole numbers:
    s_low / t_low < 4/5 * s_high / t_high  <=>  5 * s_low * t_high < 4 * s_high * t_low (totals are positive)."""
    (low_selected, low_total), (high_selected, high_total) = low, high
    if low_total <= 0 or high_total <= 0:
        raise ValueError("totals must be positive")
    return (
        ADVERSE_IMPACT_THRESHOLD.denominator * low_selected * high_total
        < ADVERSE_IMPACT_THRESHOLD.numerator * high_selected * low_total
    )
