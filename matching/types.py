"""Plain, frozen data types the matching library takes in and gives back.

Nothing here may describe a protected characteristic: matching never sees monitoring data.
"""
from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field, fields

COMPONENT_NAMES = ("skills", "interest", "travel", "preference")


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
    skills_text: str = ""
    interests: frozenset[str] = frozenset()
    qualified: frozenset[tuple[str, int]] = frozenset()  # (field, level) already achieved
    preferences: tuple[str, ...] = ()  # placement ids, best first
    consider_others: bool = False
    lottery: float | None = None  # overrides the seeded lottery number when given
    # Placements this candidate must never be offered again (e.g. one that turned them down, or that
    # they withdrew from): the "already_decided" rule removes the pair, ranked or not.
    excluded_placements: frozenset[str] = frozenset()


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
    skills_text: str = ""
    title: str = ""

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
    preference: float

    def __post_init__(self) -> None:
        values = self.as_dict()
        for name, value in values.items():
            if not isinstance(value, (int, float)) or math.isnan(value) or value < 0:
                raise ValueError(f"weight {name!r} must be a number >= 0, got {value!r}")
        total = math.fsum(values.values())
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"weights must sum to 1, they sum to {total!r}")

    def as_dict(self) -> dict[str, float]:
        """The weights keyed by component name, in the canonical component order."""
        return {name: getattr(self, name) for name in COMPONENT_NAMES}


DEFAULT_WEIGHTS = Weights(skills=0.35, interest=0.2, travel=0.2, preference=0.25)


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
    preference_rank: int | None
    sentence: str


@dataclass(frozen=True)
class ScoredPair:
    """A candidate–placement pair that passed the hard rules, with its score."""

    candidate_id: str
    placement_id: str
    components: dict[str, float]
    total: float
    preference_rank: int | None = None
    explanation: Explanation | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ExcludedPair:
    """A pair a candidate ranked that a hard rule removed, with readable reasons."""

    candidate_id: str
    placement_id: str
    preference_rank: int
    reason_codes: tuple[str, ...]
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class WhyNot:
    """Why a candidate did not get a placement they ranked above the one they got."""

    placement_id: str
    preference_rank: int
    reason_code: str
    text: str
    their_score: float | None = None
    cutoff_score: float | None = None


def dataclass_field_names() -> dict[str, tuple[str, ...]]:
    """Every dataclass in this module with its field names (used by the no-monitoring test)."""
    found = {}
    for value in list(globals().values()):
        if isinstance(value, type) and hasattr(value, "__dataclass_fields__"):
            found[value.__name__] = tuple(f.name for f in fields(value))
    return found
