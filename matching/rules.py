"""Hard rules: a pair failing any of them is never suggested, and the reason is recorded."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .arrays import BoolArray, CandidateArrays, FloatArray, IntArray, PlacementArrays, haversine_km

# Reason codes in the order they are reported; each has a bit in the reason mask.
REASON_TEXT = {
    "not_eligible": "You are not eligible for an apprenticeship on the answers you gave.",
    "too_far": "It is further away than the distance you said you can travel.",
    "location_unknown": "We could not work out how far it is from you.",
    "hours": "It needs more hours a week than you said you can do.",
    "starts_too_soon": "It starts before the date you said you are available from.",
    "closed_or_full": "It is closed or all its places are filled.",
    "already_qualified": "You already hold a qualification at this level or above in this field.",
    "already_decided": "A recruiter has already turned down your application for it, or you withdrew from it.",
}
REASON_CODES = tuple(REASON_TEXT)
REASON_BIT = {code: np.uint8(1 << k) for k, code in enumerate(REASON_CODES)}  # 8 codes fill the uint8


def rule_failures(
    cands: CandidateArrays, places: PlacementArrays, ci: IntArray, pj: IntArray
) -> tuple[npt.NDArray[np.uint8], FloatArray]:
    """Evaluate every rule for pairs (ci[k], pj[k]); return (reason bit mask, distance km)."""
    ci = np.asarray(ci, dtype=np.int64)
    pj = np.asarray(pj, dtype=np.int64)
    mask = np.zeros(len(ci), dtype=np.uint8)
    distance = haversine_km(cands.lat[ci], cands.lon[ci], places.lat[pj], places.lon[pj])
    unknown = np.isnan(distance)
    mask[~cands.eligible[ci]] |= REASON_BIT["not_eligible"]
    mask[unknown] |= REASON_BIT["location_unknown"]
    with np.errstate(invalid="ignore"):
        mask[distance > cands.travel_km[ci]] |= REASON_BIT["too_far"]
    mask[places.hours[pj] > cands.hours[ci]] |= REASON_BIT["hours"]
    mask[places.starts_on[pj] < cands.available_from[ci]] |= REASON_BIT["starts_too_soon"]
    mask[~places.available[pj]] |= REASON_BIT["closed_or_full"]
    already = cands.qualified_level[ci, places.field[pj]] >= places.level[pj]
    mask[already] |= REASON_BIT["already_qualified"]
    if len(cands.excluded_keys):
        mask[is_excluded(cands, len(places.ids), ci, pj)] |= REASON_BIT["already_decided"]
    return mask, distance


def is_excluded(cands: CandidateArrays, n_places: int, ci: IntArray, pj: IntArray) -> BoolArray:
    """True where the candidate excluded the placement (CandidateProfile.excluded_placements)."""
    keys = np.asarray(ci, dtype=np.int64) * n_places + np.asarray(pj, dtype=np.int64)
    table = cands.excluded_keys
    if len(table) == 0:
        return np.zeros(len(keys), dtype=bool)
    found = np.minimum(np.searchsorted(table, keys), len(table) - 1)
    return np.equal(table[found], keys)  # typed, unlike `==`, which numpy declares as returning Any


def reason_codes(mask: int) -> tuple[str, ...]:
    """The reason codes set in one pair's mask, in reporting order."""
    return tuple(code for code in REASON_CODES if int(mask) & int(REASON_BIT[code]))


def reason_texts(codes: tuple[str, ...]) -> tuple[str, ...]:
    """Plain-English text for each reason code."""
    return tuple(REASON_TEXT[code] for code in codes)
