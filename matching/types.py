"""Plain, frozen data types the matching library takes in and gives back.

Nothing here may describe a protected characteristic: matching never sees monitoring data.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

# The candidate's own rank of a placement is deliberately not a component: a placement's priority
# over candidates must never depend on how (or whether) a candidate ranked it, or honest ranking
# would stop being safe. The rank orders only the candidate's own list.
COMPONENT_NAMES = ("skills", "interest", "travel")


@dataclass(frozen=True)
class CandidateProfile:
    """What matching needs to know about one candidate (no contact or monitoring data)."""

    id: str
    eligible: bool
    lat: float | None
    lon: float | None
    travel_km: float
    hours_available: int
    available_from: datetime.date
    skills_text: str = ""  # their own words: known skill terms written in it as whole phrases count
    interests: frozenset[str] = frozenset()
    qualified: frozenset[tuple[str, int]] = frozenset()  # (field, level) already achieved
    choices: tuple[str, ...] = ()  # placement ids, best first
    consider_others: bool = False
    lottery: float | None = None  # overrides the seeded lottery number when given
    # Placements this candidate must never be offered again (e.g. one that turned them down, or that
    # they withdrew from): the "already_decided" rule removes the pair, ranked or not.
    excluded_placements: frozenset[str] = frozenset()
    skills: tuple[str, ...] = ()  # skill terms they picked, or that their plain-English statements stand for
    home_borough: str | None = None  # only used by placements that consider their borough's residents first


@dataclass(frozen=True)
class PlacementProfile:
    """What matching needs to know about one placement (vacancy)."""

    id: str
    standard: str
    standard_field: str
    level: int
    lat: float | None
    lon: float | None
    hours: int
    starts_on: datetime.date
    is_open: bool = True
    positions: int = 1
    filled: int = 0
    skills: tuple[str, ...] = ()  # the skill terms the placement lists publicly, as it shows them
    title: str = ""
    borough: str | None = None
    residents_first: bool = False  # candidates whose home_borough is this borough come first, then everyone

    def __post_init__(self) -> None:
        """Reject skills given as one string, and residents first without a borough."""
        if isinstance(self.skills, str):
            raise ValueError(f"placement {self.id!r}: skills must be a sequence of terms, not one string")
        if self.residents_first and not self.borough:
            raise ValueError(f"placement {self.id!r} puts residents first but has no borough")

    @property
    def remaining(self) -> int:
        """Positions still to fill (never negative)."""
        return max(0, self.positions - self.filled)


@dataclass(frozen=True)
class Weights:
    """Weights of the score components; each is at least 0 and together they sum to 1."""

    skills: float
    interest: float
    travel: float

    def __post_init__(self) -> None:
        """Reject a weight that is not a number >= 0, and weights that do not sum to 1."""
        values = self.as_dict()
        for name, value in values.items():
            if not isinstance(value, (int, float)) or math.isnan(value) or value < 0:
                raise ValueError(f"weight {name!r} must be a number >= 0, got {value!r}")
        total = math.fsum(values.values())
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"weights must sum to 1, they sum to {total!r}")

    @classmethod
    def from_mapping(cls, values: Mapping[str, float]) -> Weights:
        """Weights from {component: weight}; a missing or unknown component is a ValueError naming it."""
        unknown = sorted(set(values) - set(COMPONENT_NAMES))
        if unknown:
            raise ValueError(
                f"unknown weight {unknown[0]!r}: the components are {', '.join(COMPONENT_NAMES)}"
                + (" (a candidate's own rank is never scored)" if unknown[0] == "preference" else "")
            )
        missing = [name for name in COMPONENT_NAMES if name not in values]
        if missing:
            raise ValueError(f"weight {missing[0]!r} is missing")
        return cls(**{name: values[name] for name in COMPONENT_NAMES})

    def as_dict(self) -> dict[str, float]:
        """The weights keyed by component name, in the canonical component order."""
        return {name: getattr(self, name) for name in COMPONENT_NAMES}


DEFAULT_WEIGHTS = Weights(skills=0.5, interest=0.3, travel=0.2)  # the one default; the service's config uses it


@dataclass(frozen=True)
class ComponentScore:
    """One named component of a pair's score: value × weight = contribution."""

    name: str
    value: float
    weight: float
    contribution: float


@dataclass(frozen=True)
class Explanation:
    """Why a pair scored what it did, structured and as one plain-English sentence."""

    components: tuple[ComponentScore, ...]
    total: float
    matching_terms: tuple[str, ...]
    missing_terms: tuple[str, ...]
    distance_km: float | None
    travel_km: float
    choice_rank: int | None
    sentence: str
    residents_first: str | None = None  # the borough whose residents this placement considers first
    resident: bool = False  # the candidate lives in that borough


@dataclass(frozen=True)
class ScoredPair:
    """A candidate–placement pair that passed the hard rules, with its score."""

    candidate_id: str
    placement_id: str
    components: dict[str, float]
    total: float
    choice_rank: int | None = None
    explanation: Explanation | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ExcludedPair:
    """A pair a candidate ranked that a hard rule removed, with readable reasons."""

    candidate_id: str
    placement_id: str
    choice_rank: int
    reason_codes: tuple[str, ...]
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class WhyNot:
    """Why a candidate did not get a placement they ranked above the one they got."""

    placement_id: str
    choice_rank: int
    reason_code: str
    text: str
    their_score: float | None = None
    cutoff_score: float | None = None
    detail: str = ""  # the values that decided it and what the candidate could change, in plain words
