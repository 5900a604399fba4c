"""UK postcode parsing and outward-code lookup for London and around it.

Pure functions, no Flask and no network. The service only ever keeps a postcode's
outward code ("E8" from "E8 1DY"), its centroid and a London borough; those come
from ``recruit/data/outward_postcodes.csv`` (built by
``recruit/data/build_outward_postcodes.py`` from OS Code-Point Open; contains OS
data © Crown copyright and database right 2025, Open Government Licence v3.0),
which is read once, on first use.

The table holds every London outward code plus those within about 25 km of
London. A well-formed postcode in a real UK postcode area that is not in the
table is therefore outside London, and ``parse_postcode`` says so.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType

__all__ = [
    "ERROR_EMPTY",
    "ERROR_INVALID",
    "ERROR_NOT_LONDON",
    "OutwardArea",
    "ParsedPostcode",
    "PostcodeError",
    "haversine_km",
    "lookup_outward",
    "normalise_postcode",
    "outward_areas",
    "parse_postcode",
    "require_london",
]

OUTWARD_CSV = Path(__file__).resolve().parent / "data" / "outward_postcodes.csv"

ERROR_EMPTY = "Enter a postcode"
ERROR_INVALID = "Enter a real postcode, like E8 1DY"
ERROR_NOT_LONDON = "Enter a postcode in London"

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius

# Outward code formats A9, A99, AA9, AA99, A9A, AA9A with the letters Royal Mail
# uses in each position; inward code is 9AA without C, I, K, M, O or V.
_OUTWARD = (
    r"(?:[A-PR-UWYZ][0-9]{1,2}"
    r"|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}"
    r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"
)
_INWARD = r"[0-9][ABD-HJLNP-UW-Z]{2}"
_FULL_RE = re.compile(rf"(?P<outward>{_OUTWARD})(?P<inward>{_INWARD})")
_OUTWARD_RE = re.compile(_OUTWARD)
_SPACE_RE = re.compile(r"\s+")

# Postcode areas in use: Great Britain (as in Code-Point Open), Northern Ireland
# and the Crown Dependencies. Used to tell "not a real postcode" from "real, but
# outside the area we cover".
UK_POSTCODE_AREAS = frozenset(
    [
        "AB",
        "AL",
        "B",
        "BA",
        "BB",
        "BD",
        "BH",
        "BL",
        "BN",
        "BR",
        "BS",
        "CA",
        "CB",
        "CF",
        "CH",
        "CM",
        "CO",
        "CR",
        "CT",
        "CV",
        "CW",
        "DA",
        "DD",
        "DE",
        "DG",
        "DH",
        "DL",
        "DN",
        "DT",
        "DY",
        "E",
        "EC",
        "EH",
        "EN",
        "EX",
        "FK",
        "FY",
        "G",
        "GL",
        "GU",
        "HA",
        "HD",
        "HG",
        "HP",
        "HR",
        "HS",
        "HU",
        "HX",
        "IG",
        "IP",
        "IV",
        "KA",
        "KT",
        "KW",
        "KY",
        "L",
        "LA",
        "LD",
        "LE",
        "LL",
        "LN",
        "LS",
        "LU",
        "M",
        "ME",
        "MK",
        "ML",
        "N",
        "NE",
        "NG",
        "NN",
        "NP",
        "NR",
        "NW",
        "OL",
        "OX",
        "PA",
        "PE",
        "PH",
        "PL",
        "PO",
        "PR",
        "RG",
        "RH",
        "RM",
        "S",
        "SA",
        "SE",
        "SG",
        "SK",
        "SL",
        "SM",
        "SN",
        "SO",
        "SP",
        "SR",
        "SS",
        "ST",
        "SW",
        "SY",
        "TA",
        "TD",
        "TF",
        "TN",
        "TQ",
        "TR",
        "TS",
        "TW",
        "UB",
        "W",
        "WA",
        "WC",
        "WD",
        "WF",
        "WN",
        "WR",
        "WS",
        "WV",
        "YO",
        "ZE",
        "BT",
        "GY",
        "JE",
        "IM",
    ]
)
# Areas entirely inside London: an unknown district here is not a real postcode.
LONDON_ONLY_AREAS = frozenset(["E", "EC", "N", "NW", "SE", "SW", "W", "WC"])


class PostcodeError(ValueError):
    """A postcode the service cannot use; ``message`` is for showing to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class OutwardArea:
    outward: str
    lat: float
    lon: float
    borough_ons: str  # containing London borough, or the nearest one outside London
    in_london: bool


@dataclass(frozen=True, slots=True)
class ParsedPostcode:
    postcode: str  # normalised: "E8 1DY", or just "E8" when only the outward code was given
    outward: str
    inward: str | None
    area: OutwardArea

    @property
    def is_full(self) -> bool:
        return self.inward is not None


def _compact(text: str) -> str:
    return _SPACE_RE.sub("", text or "").upper()


def normalise_postcode(text: str) -> str:
    """Uppercase, with exactly one space before the 3-character inward code.

    ``" e81dy "`` -> ``"E8 1DY"``; an outward code alone (``"sw1a"``) is
    returned as ``"SW1A"``. No validation: see ``parse_postcode``.
    """
    compact = _compact(text)
    if len(compact) >= 5:
        return f"{compact[:-3]} {compact[-3:]}"
    return compact


@cache
def outward_areas() -> Mapping[str, OutwardArea]:
    """All outward codes in the table, keyed by outward code (loaded once)."""
    table: dict[str, OutwardArea] = {}
    with OUTWARD_CSV.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            table[row["outward"]] = OutwardArea(
                outward=row["outward"],
                lat=float(row["lat"]),
                lon=float(row["lon"]),
                borough_ons=row["borough_ons"],
                in_london=row["in_london"] == "1",
            )
    return MappingProxyType(table)


def lookup_outward(outward: str) -> OutwardArea | None:
    """The area for an outward code ("e8" or "E8"), or None if not in the table."""
    return outward_areas().get(_compact(outward))


def parse_postcode(text: str) -> ParsedPostcode:
    """Parse a full postcode or an outward code alone; raise PostcodeError if unusable.

    Messages: empty -> ERROR_EMPTY; malformed, or well-formed but not a real
    outward code -> ERROR_INVALID; a real postcode outside the table (so outside
    London and its surroundings) -> ERROR_NOT_LONDON.
    """
    compact = _compact(text)
    if not compact:
        raise PostcodeError(ERROR_EMPTY)
    full = _FULL_RE.fullmatch(compact)
    if full:
        outward, inward = full["outward"], full["inward"]
    elif _OUTWARD_RE.fullmatch(compact):
        outward, inward = compact, None
    else:
        raise PostcodeError(ERROR_INVALID)

    area = outward_areas().get(outward)
    if area is None:
        letters = re.match(r"[A-Z]+", outward)  # the postcode area: the letters an outward code starts with
        postcode_area = letters.group(0) if letters else ""
        if postcode_area in UK_POSTCODE_AREAS and postcode_area not in LONDON_ONLY_AREAS:
            raise PostcodeError(ERROR_NOT_LONDON)
        raise PostcodeError(ERROR_INVALID)
    postcode = f"{outward} {inward}" if inward else outward
    return ParsedPostcode(postcode=postcode, outward=outward, inward=inward, area=area)


def require_london(area: OutwardArea | ParsedPostcode) -> OutwardArea:
    """Return the area if it is in London, else raise PostcodeError(ERROR_NOT_LONDON)."""
    if isinstance(area, ParsedPostcode):
        area = area.area
    if not area.in_london:
        raise PostcodeError(ERROR_NOT_LONDON)
    return area


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km between WGS84 points given in degrees.

    Plain numbers give a float via ``math``; NumPy arrays (or anything
    array-like) broadcast and give an array, importing NumPy only then.
    """
    args = (lat1, lon1, lat2, lon2)
    if all(isinstance(v, (int, float)) for v in args):
        p1, p2 = math.radians(lat1), math.radians(lat2)
        dp, dl = p2 - p1, math.radians(lon2 - lon1)
        a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
        return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))

    import numpy as np

    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(v, dtype=float)) for v in args)
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(1.0, a)))
