"""A small fixed example for the public "How matching works" page."""
from __future__ import annotations

import datetime

from .pipeline import MatchResult, run_matching
from .types import DEFAULT_WEIGHTS, CandidateProfile, PlacementProfile

EXAMPLE_SEED = 2024


def worked_example() -> tuple[list[CandidateProfile], list[PlacementProfile], MatchResult]:
    """Three candidates and two placements (one place each), matched with the default weights."""
    start = datetime.date(2025, 9, 1)
    placements = [
        PlacementProfile("P-HACKNEY-DEV", "ST0116", "software", 4, 51.545, -0.059, 35, start, True, 1, 0,
                         "programming debugging unit testing git SQL API agile Python", "Software developer"),
        PlacementProfile("P-CROYDON-DATA", "ST0118", "data", 4, 51.355, -0.087, 30, start, True, 1, 0,
                         "SQL Excel statistics dashboards Power BI Python reporting", "Data analyst"),
    ]
    candidates = [
        CandidateProfile("Amani", True, 51.55, -0.07, 10.0, 37, start,
                         "Python programming git SQL debugging", frozenset({"ST0116"}), frozenset(),
                         ("P-HACKNEY-DEV", "P-CROYDON-DATA"), False),
        CandidateProfile("Bo", True, 51.53, -0.10, 25.0, 37, start,
                         "Excel SQL statistics Python dashboards", frozenset({"ST0118"}), frozenset(),
                         ("P-HACKNEY-DEV", "P-CROYDON-DATA"), False),
        CandidateProfile("Chris", True, 51.37, -0.10, 8.0, 30, start,
                         "Excel reporting customer service", frozenset({"ST0118"}), frozenset(),
                         ("P-CROYDON-DATA",), True),
    ]
    result = run_matching(candidates, placements, DEFAULT_WEIGHTS, seed=EXAMPLE_SEED, shortlist_factor=1)
    return candidates, placements, result
