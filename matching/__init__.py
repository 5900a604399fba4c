"""Matching for London Digital Apprenticeships: a pure library (stdlib, numpy, scipy, scikit-learn).

Pipeline: hard rules → weighted score → explanation → candidate-proposing deferred acceptance.
The service calls `run_matching`; `stable_match` is the bare assignment algorithm.

Instance JSON (for ``python -m matching assign|check``)::

    {
      "candidates": {"<candidate id>": ["<placement id>", ...]},   # best first
      "placements": {"<placement id>": {"capacity": <int >= 0>,
                                        "ranking": ["<candidate id>", ...]}},  # best first
      "meta": {...}                                                 # optional, ignored
    }

Assignment JSON (output of ``assign``, input of ``check``)::

    {"assignment": {"<candidate id>": "<placement id>" | null}}
"""
from .example import worked_example
from .explain import why_not
from .fairness import FairnessReport, GroupStatistics, fairness_report, wilson_interval
from .pipeline import ALGORITHM_VERSION, MatchResult, input_hash, run_matching
from .rules import REASON_CODES, REASON_TEXT
from .shortlist import build_lists, lottery_numbers
from .stable import stable_match
from .types import (DEFAULT_WEIGHTS, CandidateProfile, ComponentScore, ExcludedPair, Explanation,
                    PlacementProfile, ScoredPair, Weights, WhyNot)

__all__ = [
    "ALGORITHM_VERSION", "DEFAULT_WEIGHTS", "REASON_CODES", "REASON_TEXT",
    "CandidateProfile", "PlacementProfile", "Weights", "ScoredPair", "ComponentScore", "Explanation",
    "ExcludedPair", "WhyNot", "MatchResult", "FairnessReport", "GroupStatistics",
    "run_matching", "worked_example", "stable_match", "build_lists", "lottery_numbers", "why_not",
    "input_hash", "fairness_report", "wilson_interval",
]
