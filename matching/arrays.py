"""Columnar (numpy) views of candidate and placement profiles, built once per run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .types import CandidateProfile, PlacementProfile

EARTH_RADIUS_KM = 6371.0088

# The element types the library's arrays hold (indices and counts are int64 unless a column says otherwise).
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]  # small codes and counts: half the memory of int64
BoolArray = npt.NDArray[np.bool_]
TierArray = npt.NDArray[np.int8]  # 0 = a resident of a residents-first placement, 1 = everyone else


def haversine_km(lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike) -> FloatArray:
    """Great-circle distance in km between points given in degrees (broadcasts; NaN propagates)."""
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(a, dtype=np.float64)) for a in (lat1, lon1, lat2, lon2))
    half = np.sin((lat2 - lat1) / 2.0) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2.0) ** 2
    distance: FloatArray = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(half, 0.0, 1.0)))
    return distance


def _coordinate(value: float | None) -> float:
    """A latitude or longitude as a float, NaN when unknown."""
    return np.nan if value is None else float(value)


@dataclass
class CandidateArrays:
    """Candidates as parallel arrays; index i is the i-th candidate of the input list."""

    ids: list[str]
    eligible: BoolArray
    lat: FloatArray
    lon: FloatArray
    travel_km: FloatArray
    hours: Int32Array
    available_from: IntArray  # proleptic Gregorian ordinal
    consider_others: BoolArray
    # Highest level already achieved per field index (-1 = none); fields come from placements.
    qualified_level: Int32Array
    # Sorted keys i × len(placements) + j of the pairs a candidate excluded (unknown ids are dropped).
    excluded_keys: IntArray
    borough: Int32Array  # index into PlacementArrays.boroughs, -1 = none of the placements' boroughs


@dataclass
class PlacementArrays:
    """Placements as parallel arrays; index j is the j-th placement of the input list."""

    ids: list[str]
    standards: list[str]  # distinct standard references, index = standard code
    standard: Int32Array  # standard code per placement
    fields: list[str]
    field: Int32Array
    level: Int32Array
    lat: FloatArray
    lon: FloatArray
    hours: Int32Array
    starts_on: IntArray
    available: BoolArray  # open and not full
    remaining: IntArray
    boroughs: list[str]  # distinct borough names, index = borough code
    borough: Int32Array  # borough code per placement, -2 = none (never equal to a candidate's code)
    residents_first: BoolArray  # bool: its borough's residents come before everyone else


def placement_arrays(placements: Sequence[PlacementProfile]) -> PlacementArrays:
    """Build the columnar view of placements, rejecting duplicate ids."""
    ids = [p.id for p in placements]
    _reject_duplicates(ids, "placement")
    standards = sorted({p.standard for p in placements})
    standard_code = {s: k for k, s in enumerate(standards)}
    fields = sorted({p.standard_field for p in placements})
    field_code = {f: k for k, f in enumerate(fields)}
    remaining = np.array([p.remaining for p in placements], dtype=np.int64)
    boroughs = sorted({p.borough for p in placements if p.borough})
    borough_code: dict[str | None, int] = {b: k for k, b in enumerate(boroughs)}  # None (no borough) never found
    return PlacementArrays(
        ids=ids,
        standards=standards,
        standard=np.array([standard_code[p.standard] for p in placements], dtype=np.int32),
        fields=fields,
        field=np.array([field_code[p.standard_field] for p in placements], dtype=np.int32),
        level=np.array([p.level for p in placements], dtype=np.int32),
        lat=np.array([_coordinate(p.lat) for p in placements], dtype=np.float64),
        lon=np.array([_coordinate(p.lon) for p in placements], dtype=np.float64),
        hours=np.array([p.hours for p in placements], dtype=np.int32),
        starts_on=np.array([p.starts_on.toordinal() for p in placements], dtype=np.int64),
        available=np.array([p.is_open for p in placements], dtype=bool) & (remaining > 0),
        remaining=remaining,
        boroughs=boroughs,
        borough=np.array([borough_code.get(p.borough, -2) for p in placements], dtype=np.int32),
        residents_first=np.array([p.residents_first for p in placements], dtype=bool),
    )


def candidate_arrays(candidates: Sequence[CandidateProfile], places: PlacementArrays) -> CandidateArrays:
    """Build the columnar view of candidates against the placements' field list."""
    ids = [c.id for c in candidates]
    _reject_duplicates(ids, "candidate")
    field_code = {f: k for k, f in enumerate(places.fields)}
    borough_code: dict[str | None, int] = {b: k for k, b in enumerate(places.boroughs)}  # None never found
    qualified_level = np.full((len(candidates), max(1, len(places.fields))), -1, dtype=np.int32)
    for i, candidate in enumerate(candidates):
        for field_name, level in candidate.qualified:
            k = field_code.get(field_name)
            if k is not None and level > qualified_level[i, k]:
                qualified_level[i, k] = level
    placement_index = None
    excluded_keys = []
    for i, candidate in enumerate(candidates):
        if candidate.excluded_placements:
            if isinstance(candidate.excluded_placements, str):
                raise ValueError(f"candidate {candidate.id!r}: excluded_placements must be a set of placement ids")
            if placement_index is None:
                placement_index = {pid: j for j, pid in enumerate(places.ids)}
            excluded_keys += [
                i * len(places.ids) + placement_index[p] for p in candidate.excluded_placements if p in placement_index
            ]
    return CandidateArrays(
        ids=ids,
        eligible=np.array([c.eligible for c in candidates], dtype=bool),
        lat=np.array([_coordinate(c.lat) for c in candidates], dtype=np.float64),
        lon=np.array([_coordinate(c.lon) for c in candidates], dtype=np.float64),
        travel_km=np.array([c.travel_km for c in candidates], dtype=np.float64),
        hours=np.array([c.hours_available for c in candidates], dtype=np.int32),
        available_from=np.array([c.available_from.toordinal() for c in candidates], dtype=np.int64),
        consider_others=np.array([c.consider_others for c in candidates], dtype=bool),
        qualified_level=qualified_level,
        excluded_keys=np.unique(np.array(excluded_keys, dtype=np.int64)),
        borough=np.array([borough_code.get(c.home_borough, -1) for c in candidates], dtype=np.int32),
    )


def _reject_duplicates(ids: list[str], kind: str) -> None:
    """Raise ValueError naming the first id that appears twice."""
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise ValueError(f"duplicate {kind} id {item!r}")
        seen.add(item)


def resident_tier(cands: CandidateArrays, places: PlacementArrays, ci: IntArray, pj: IntArray) -> TierArray:
    """0 where the placement puts its borough's residents first and the candidate lives there, else 1."""
    first = places.residents_first[pj] & (cands.borough[ci] == places.borough[pj])
    return np.where(first, 0, 1).astype(np.int8)
