"""A small fixed example for the public "How matching works" page."""

from __future__ import annotations

import datetime

from .pipeline import run_matching
from .result import MatchResult
from .types import DEFAULT_WEIGHTS, CandidateProfile, PlacementProfile

EXAMPLE_SEED = 2024


def worked_example() -> tuple[list[CandidateProfile], list[PlacementProfile], MatchResult]:
    """Three candidates and two placements (one place each; Croydon's considers its residents first)."""
    start = datetime.date(2025, 9, 1)
    placements = [
        PlacementProfile(
            "P-HACKNEY-DEV",
            "ST0116",
            "software",
            4,
            51.545,
            -0.059,
            35,
            start,
            True,
            1,
            0,
            ("programming", "debugging", "unit testing", "git", "SQL", "API", "agile", "Python"),
            "Software developer",
            "Hackney",
        ),
        PlacementProfile(
            "P-CROYDON-DATA",
            "ST0118",
            "data",
            4,
            51.355,
            -0.087,
            30,
            start,
            True,
            1,
            0,
            ("SQL", "Excel", "statistics", "dashboards", "Power BI", "Python", "reporting"),
            "Data analyst",
            "Croydon",
            residents_first=True,
        ),
    ]
    candidates = [
        CandidateProfile(
            "Amani",
            True,
            51.55,
            -0.07,
            10.0,
            37,
            start,
            "I taught myself Python and use git",
            frozenset({"ST0116"}),
            frozenset(),
            ("P-HACKNEY-DEV", "P-CROYDON-DATA"),
            False,
            skills=("programming", "SQL", "debugging"),
            home_borough="Hackney",
        ),
        CandidateProfile(
            "Bo",
            True,
            51.53,
            -0.10,
            25.0,
            37,
            start,
            "",
            frozenset({"ST0118"}),
            frozenset(),
            ("P-HACKNEY-DEV", "P-CROYDON-DATA"),
            False,
            skills=("Excel", "SQL", "statistics", "Python", "dashboards"),
            home_borough="Islington",
        ),
        CandidateProfile(
            "Chris",
            True,
            51.37,
            -0.10,
            8.0,
            30,
            start,
            "I made reports in Excel for a football club",
            frozenset({"ST0118"}),
            frozenset(),
            ("P-CROYDON-DATA",),
            True,
            skills=("customer service",),
            home_borough="Croydon",
        ),
    ]
    result = run_matching(candidates, placements, DEFAULT_WEIGHTS, seed=EXAMPLE_SEED, shortlist_factor=1)
    return candidates, placements, result
