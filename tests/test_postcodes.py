import csv

import pytest

from recruit.postcodes import (
    ERROR_EMPTY,
    ERROR_INVALID,
    ERROR_NOT_LONDON,
    OUTWARD_CSV,
    OutwardArea,
    PostcodeError,
    haversine_km,
    lookup_outward,
    normalise_postcode,
    outward_areas,
    parse_postcode,
    require_london,
)

HACKNEY = "E09000012"
WESTMINSTER = "E09000033"
ISLINGTON = "E09000019"
CROYDON = "E09000008"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("E8 1DY", "E8 1DY"),
        ("e81dy", "E8 1DY"),
        ("  sw1a   1aa ", "SW1A 1AA"),
        ("SW1A1AA", "SW1A 1AA"),
        ("cr0\t2rh", "CR0 2RH"),
        ("n 1 9 g u", "N1 9GU"),
        ("e8", "E8"),
        (" sw1a ", "SW1A"),
        ("", ""),
    ],
)
def test_normalise_postcode(raw, expected):
    assert normalise_postcode(raw) == expected


@pytest.mark.parametrize(
    ("raw", "postcode", "outward", "inward"),
    [
        ("e8 1dy", "E8 1DY", "E8", "1DY"),  # A9 9AA
        ("E10 5NP", "E10 5NP", "E10", "5NP"),  # A99 9AA
        ("cr05xy", "CR0 5XY", "CR0", "5XY"),  # AA9 9AA
        ("SE10 9NN", "SE10 9NN", "SE10", "9NN"),  # AA99 9AA
        ("W1A 1AA", "W1A 1AA", "W1A", "1AA"),  # A9A 9AA
        ("sw1a 2aa", "SW1A 2AA", "SW1A", "2AA"),  # AA9A 9AA
        ("e8", "E8", "E8", None),  # outward code only
        (" Sw1A ", "SW1A", "SW1A", None),
    ],
)
def test_parse_postcode_formats(raw, postcode, outward, inward):
    parsed = parse_postcode(raw)
    assert parsed.postcode == postcode
    assert parsed.outward == outward
    assert parsed.inward == inward
    assert parsed.is_full is (inward is not None)
    assert parsed.area.outward == outward


@pytest.mark.parametrize("raw", ["", "   ", "\t\n"])
def test_parse_postcode_empty(raw):
    with pytest.raises(PostcodeError) as exc:
        parse_postcode(raw)
    assert exc.value.message == ERROR_EMPTY
    assert str(exc.value) == ERROR_EMPTY


@pytest.mark.parametrize(
    "raw",
    [
        "hello",
        "E8 1D",
        "E8 1DYY",
        "8E 1DY",
        "E8-1DY",
        "E81 DY1",
        "12345",
        "EEE8 1DY",
        "E8 1CY",  # C never used in the inward code
        "Q8 1DY",  # Q never used as the first letter
        "E8 1DY E8",
        "E",
    ],
)
def test_parse_postcode_malformed(raw):
    with pytest.raises(PostcodeError) as exc:
        parse_postcode(raw)
    assert exc.value.message == ERROR_INVALID


@pytest.mark.parametrize("raw", ["ZZ9", "ZZ9 9ZZ", "E21 1AA", "SW99 1AA", "WC9"])
def test_unknown_outward_code_in_unreal_or_london_area(raw):
    with pytest.raises(PostcodeError) as exc:
        parse_postcode(raw)
    assert exc.value.message == ERROR_INVALID


@pytest.mark.parametrize(("raw", "outward"), [("M1 1AE", "M1"), ("EH1 1YZ", "EH1"), ("BT1 1AA", "BT1"), ("st1", "ST1")])
def test_real_postcode_far_from_london(raw, outward):
    assert lookup_outward(outward) is None  # the table only covers London and around it
    with pytest.raises(PostcodeError) as exc:
        parse_postcode(raw)
    assert exc.value.message == ERROR_NOT_LONDON


@pytest.mark.parametrize(
    ("postcode", "borough"),
    [
        ("E8 1DY", HACKNEY),
        ("SW1A 1AA", WESTMINSTER),
        ("N1 9GU", ISLINGTON),  # N1 straddles Islington and Hackney; Islington has most of it
        ("CR0 2RH", CROYDON),
    ],
)
def test_london_outward_codes_map_to_borough(postcode, borough):
    parsed = parse_postcode(postcode)
    assert parsed.area.in_london is True
    assert parsed.area.borough_ons == borough
    assert require_london(parsed) is parsed.area
    assert require_london(parsed.area) is parsed.area


def test_lookup_outward():
    area = lookup_outward("e8")
    assert isinstance(area, OutwardArea)
    assert area.outward == "E8"
    assert area.in_london
    assert 51.53 < area.lat < 51.56 and -0.09 < area.lon < -0.04
    assert lookup_outward(" SW1A ") == lookup_outward("SW1A")
    assert lookup_outward("ZZ9") is None
    assert lookup_outward("") is None


def test_non_london_outward_code_near_london():
    parsed = parse_postcode("AL1 3JE")  # St Albans
    area = parsed.area
    assert area.in_london is False
    assert area.borough_ons.startswith("E09")  # nearest London borough, for context
    with pytest.raises(PostcodeError) as exc:
        require_london(parsed)
    assert exc.value.message == ERROR_NOT_LONDON
    with pytest.raises(PostcodeError):
        require_london(area)


def test_haversine_sanity():
    e8, sw1a = lookup_outward("E8"), lookup_outward("SW1A")
    km = haversine_km(e8.lat, e8.lon, sw1a.lat, sw1a.lon)
    assert isinstance(km, float)
    assert 5 <= km <= 7
    assert haversine_km(e8.lat, e8.lon, e8.lat, e8.lon) == 0
    assert haversine_km(sw1a.lat, sw1a.lon, e8.lat, e8.lon) == pytest.approx(km)
    # One degree of latitude is about 111.2 km.
    assert haversine_km(51.0, 0.0, 52.0, 0.0) == pytest.approx(111.2, abs=0.1)


def test_haversine_numpy_broadcasts():
    import numpy as np  # a dependency of the service: its absence is a failure, not a skip

    areas = list(outward_areas().values())
    lats = np.array([a.lat for a in areas])
    lons = np.array([a.lon for a in areas])
    e8 = lookup_outward("E8")
    dists = haversine_km(e8.lat, e8.lon, lats, lons)
    assert dists.shape == (len(areas),)
    i = areas.index(lookup_outward("SW1A"))
    assert dists[i] == pytest.approx(haversine_km(e8.lat, e8.lon, areas[i].lat, areas[i].lon))
    assert float(dists.min()) == 0.0


def _csv_rows():
    with OUTWARD_CSV.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == ["outward", "lat", "lon", "borough_ons", "in_london"]
        return list(reader)


def test_csv_contents():
    rows = _csv_rows()
    outwards = [r["outward"] for r in rows]
    assert len(outwards) == len(set(outwards))
    london = [r for r in rows if r["in_london"] == "1"]
    assert len(london) >= 250
    assert {r["in_london"] for r in rows} == {"0", "1"}
    with (OUTWARD_CSV.parent / "london_boroughs.csv").open(newline="", encoding="utf-8") as fh:
        boroughs = {r["ons_code"] for r in csv.DictReader(fh)}
    assert {r["borough_ons"] for r in rows} <= boroughs
    assert {r["borough_ons"] for r in london} == boroughs  # every borough has an outward code
    for r in rows:
        lat, lon = float(r["lat"]), float(r["lon"])
        assert 50.9 < lat < 52.1 and -1.0 < lon < 0.9, r
        assert len(r["lat"].split(".")[1]) <= 5 and len(r["lon"].split(".")[1]) <= 5
    for r in london:
        lat, lon = float(r["lat"]), float(r["lon"])
        assert 51.28 < lat < 51.70 and -0.52 < lon < 0.34, r  # Greater London's extent
    assert len(outward_areas()) == len(rows)


def test_table_is_loaded_once():
    assert outward_areas() is outward_areas()
