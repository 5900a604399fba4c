"""Matching for London Digital Apprenticeships: a pure library (stdlib, numpy, scipy, scikit-learn).

Pipeline: hard rules → weighted score → explanation → candidate-proposing deferred acceptance.
The service calls `run_matching`; `stable_match` is the bare assignment algorithm.

Instance JSON (for ``python -m matching assign|check``)::

    {
      "candidates": {"<candidate id>": ["<placement id>", ...]},   # best first
      "placements": {"<placement id>": {"capacity": <int >= 0>,
                                        "ranking": ["<candidate id>", ...],   # best first
                                        "residents_first": "<borough>",       # optional, informative
                                        "residents_ranked_first": <int>}},    # optional, informative
      "meta": {...}                                                 # optional, ignored
    }

Assignment JSON (output of ``assign``, input of ``check``)::

    {"assignment": {"<candidate id>": "<placement id>" | null}}
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

# Names are imported on first use (PEP 562), so `python -m matching assign|check` starts without
# loading scikit-learn or scipy (about a second); `import matching` alone loads only the stdlib.
# Type checkers and editors read the same names from the imports below, which never run.
if TYPE_CHECKING:
    from .example import worked_example
    from .explain import why_not
    from .fairness import FairnessReport, GroupStatistics, below_four_fifths, fairness_report, wilson_interval
    from .pipeline import ALGORITHM_VERSION, input_hash, run_matching
    from .result import MatchResult
    from .rules import REASON_CODES, REASON_TEXT
    from .shortlist import lottery_numbers
    from .stable import stable_match
    from .terms import TermTable, check_statements, statement_terms
    from .types import (
        DEFAULT_WEIGHTS,
        CandidateProfile,
        ComponentScore,
        ExcludedPair,
        Explanation,
        PlacementProfile,
        ScoredPair,
        Weights,
        WhyNot,
    )

_SOURCES = {
    "worked_example": "example",
    "why_not": "explain",
    "FairnessReport": "fairness",
    "GroupStatistics": "fairness",
    "fairness_report": "fairness",
    "wilson_interval": "fairness",
    "below_four_fifths": "fairness",
    "ALGORITHM_VERSION": "pipeline",
    "input_hash": "pipeline",
    "run_matching": "pipeline",
    "MatchResult": "result",
    "REASON_CODES": "rules",
    "REASON_TEXT": "rules",
    "lottery_numbers": "shortlist",
    "stable_match": "stable",
    "TermTable": "terms",
    "statement_terms": "terms",
    "check_statements": "terms",
    "DEFAULT_WEIGHTS": "types",
    "CandidateProfile": "types",
    "ComponentScore": "types",
    "ExcludedPair": "types",
    "Explanation": "types",
    "PlacementProfile": "types",
    "ScoredPair": "types",
    "Weights": "types",
    "WhyNot": "types",
}
_SUBMODULES = frozenset(
    {
        "arrays",
        "check",
        "example",
        "explain",
        "fairness",
        "pipeline",
        "result",
        "rules",
        "scoring",
        "search",
        "shortlist",
        "stable",
        "terms",
        "types",
    }
)

__all__ = [
    "ALGORITHM_VERSION",
    "DEFAULT_WEIGHTS",
    "REASON_CODES",
    "REASON_TEXT",
    "CandidateProfile",
    "PlacementProfile",
    "Weights",
    "ScoredPair",
    "ComponentScore",
    "Explanation",
    "ExcludedPair",
    "WhyNot",
    "MatchResult",
    "FairnessReport",
    "GroupStatistics",
    "run_matching",
    "worked_example",
    "stable_match",
    "lottery_numbers",
    "why_not",
    "input_hash",
    "fairness_report",
    "wilson_interval",
    "below_four_fifths",
    "TermTable",
    "statement_terms",
    "check_statements",
]


def __getattr__(name: str) -> object:
    """Import a public name's module (or a submodule) the first time it is asked for."""
    if name in _SOURCES:
        value = getattr(importlib.import_module(f".{_SOURCES[name]}", __name__), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """Public names and submodules, whether or not they have been imported yet."""
    return sorted(set(globals()) | set(__all__) | _SUBMODULES)
