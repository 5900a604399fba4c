"""Geometry for the charts drawn on the server as SVG: progress bars, the London tile map and report shares.

Only numbers the page's table already shows are drawn; a hidden count is never drawn to scale."""

from __future__ import annotations

from dataclasses import dataclass

# The 33 London boroughs as a grid of equal squares, roughly where each lies: (row, column).
LONDON_TILES = {
    "enfield": (0, 4),
    "barnet": (1, 3), "haringey": (1, 4), "waltham-forest": (1, 5),
    "harrow": (2, 1), "brent": (2, 2), "camden": (2, 3), "islington": (2, 4), "hackney": (2, 5), "redbridge": (2, 6),
    "havering": (2, 7),
    "hillingdon": (3, 0), "ealing": (3, 1), "kensington-and-chelsea": (3, 2), "westminster": (3, 3),
    "city-of-london": (3, 4), "tower-hamlets": (3, 5), "newham": (3, 6), "barking-and-dagenham": (3, 7),
    "hounslow": (4, 0), "hammersmith-and-fulham": (4, 1), "wandsworth": (4, 2), "lambeth": (4, 3), "southwark": (4, 4),
    "lewisham": (4, 5), "greenwich": (4, 6), "bexley": (4, 7),
    "richmond-upon-thames": (5, 1), "kingston-upon-thames": (5, 2), "merton": (5, 3), "croydon": (5, 4),
    "bromley": (5, 5),
    "sutton": (6, 3),
}
TILE, GAP = 64, 4
# Fill and text colour per band (text contrast at least 4.5:1 on each fill).
BAND_COLOURS = {"Target reached": ("#0b2e4f", "#ffffff"), "75% to 99%": ("#1d4f80", "#ffffff"),
                "50% to 74%": ("#2f6fb0", "#ffffff"), "25% to 49%": ("#91b7dd", "#0b0c0c"),
                "Under 25%": ("#d2e2f1", "#0b0c0c"), None: ("#f3f2f1", "#0b0c0c")}
NO_BAND = "No target, not shown or not taking part"


def abbreviation(name: str) -> str:
    """Three or four letters for a tile: initials of a long name, else its first letters."""
    words = [w for w in name.replace("-", " ").split() if w.lower() not in ("and", "upon", "of")]
    return "".join(w[0] for w in words).upper() if len(words) > 1 else name[:3].upper()


@dataclass(frozen=True)
class Tile:
    x: int
    y: int
    abbreviation: str
    title: str
    fill: str
    text: str


def tile_map(rows) -> tuple[list[Tile], int, int]:
    """Squares for the borough rows given (each with slug, name and band), and the map's width and height."""
    tiles = []
    for row in rows:
        r, c = LONDON_TILES[row.slug]
        fill, text = BAND_COLOURS[row.band]
        tiles.append(Tile(c * (TILE + GAP), r * (TILE + GAP), abbreviation(row.name),
                          f"{row.name}: {row.band or NO_BAND}", fill, text))
    return tiles, 8 * (TILE + GAP), 7 * (TILE + GAP)


@dataclass(frozen=True)
class Bar:
    label: str
    y: int
    width: float  # of the bar area, 0..1 (never drawn when the count is hidden)
    drawn: bool
    text: str


BAR_ROW = 30


def progress_bars(rows) -> tuple[list[Bar], int]:
    """One bar per row: apprenticeships started as a share of its target (capped at the full width)."""
    bars = []
    for number, row in enumerate(rows):
        started = row.people["started"]
        if row.target is None:
            text, share = "no target set", None
        elif started.hidden:
            text, share = f"fewer than 10 of {row.target:,}", None
        else:
            share = row.share
            text = f"{started.value:,} of {row.target:,}" + (f" ({100 * share:.0f}%)" if share is not None else "")
        bars.append(Bar(row.name, number * BAR_ROW, min(share or 0.0, 1.0), share is not None, text))
    return bars, len(rows) * BAR_ROW
