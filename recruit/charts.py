"""Geometry for the charts drawn on the server as SVG: progress bars, the London tile map and report shares.

Only numbers the page's table already shows are drawn; a hidden count is never drawn to scale."""

from __future__ import annotations

from dataclasses import dataclass

# The 33 London boroughs as a grid of equal squares, roughly where each lies: (row, column).
LONDON_TILES = {
    "enfield": (0, 4),
    "barnet": (1, 3),
    "haringey": (1, 4),
    "waltham-forest": (1, 5),
    "harrow": (2, 1),
    "brent": (2, 2),
    "camden": (2, 3),
    "islington": (2, 4),
    "hackney": (2, 5),
    "redbridge": (2, 6),
    "havering": (2, 7),
    "hillingdon": (3, 0),
    "ealing": (3, 1),
    "kensington-and-chelsea": (3, 2),
    "westminster": (3, 3),
    "city-of-london": (3, 4),
    "tower-hamlets": (3, 5),
    "newham": (3, 6),
    "barking-and-dagenham": (3, 7),
    "hounslow": (4, 0),
    "hammersmith-and-fulham": (4, 1),
    "wandsworth": (4, 2),
    "lambeth": (4, 3),
    "southwark": (4, 4),
    "lewisham": (4, 5),
    "greenwich": (4, 6),
    "bexley": (4, 7),
    "richmond-upon-thames": (5, 1),
    "kingston-upon-thames": (5, 2),
    "merton": (5, 3),
    "croydon": (5, 4),
    "bromley": (5, 5),
    "sutton": (6, 3),
}
TILE, GAP = 64, 4
# Fill and text colour per band (text contrast at least 4.5:1 on each fill).
BAND_COLOURS = {
    "Target reached": ("#0b2e4f", "#ffffff"),
    "75% to 99%": ("#1d4f80", "#ffffff"),
    "50% to 74%": ("#2f6fb0", "#ffffff"),
    "25% to 49%": ("#91b7dd", "#0b0c0c"),
    "Under 25%": ("#d2e2f1", "#0b0c0c"),
    None: ("#f3f2f1", "#0b0c0c"),
}
NO_BAND = "No target, not shown or not taking part"


# Short labels for the tiles, unique across the 33.
ABBREVIATIONS = {
    "barking-and-dagenham": "B&D",
    "barnet": "BAR",
    "bexley": "BEX",
    "brent": "BRE",
    "bromley": "BRO",
    "camden": "CAM",
    "city-of-london": "CITY",
    "croydon": "CRO",
    "ealing": "EAL",
    "enfield": "ENF",
    "greenwich": "GRE",
    "hackney": "HAC",
    "hammersmith-and-fulham": "H&F",
    "haringey": "HGY",
    "harrow": "HRW",
    "havering": "HAV",
    "hillingdon": "HIL",
    "hounslow": "HOU",
    "islington": "ISL",
    "kensington-and-chelsea": "K&C",
    "kingston-upon-thames": "KIN",
    "lambeth": "LAM",
    "lewisham": "LEW",
    "merton": "MER",
    "newham": "NEW",
    "redbridge": "RED",
    "richmond-upon-thames": "RIC",
    "southwark": "SOU",
    "sutton": "SUT",
    "tower-hamlets": "TH",
    "waltham-forest": "WF",
    "wandsworth": "WAN",
    "westminster": "WES",
}


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
        tiles.append(
            Tile(
                c * (TILE + GAP),
                r * (TILE + GAP),
                ABBREVIATIONS[row.slug],
                f"{row.name}: {row.band or NO_BAND}",
                fill,
                text,
            )
        )
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


# --- Outreach report charts: drawn only from what the report's tables show ---

CHART_WIDTH, LABEL_WIDTH, PLOT_WIDTH = 640, 230, 330


@dataclass(frozen=True)
class ShareBar:
    label: str
    y: int
    width: float | None  # pixels; None when the table does not show this share (nothing is drawn)
    text: str
    census_x: float | None
    census_text: str


@dataclass(frozen=True)
class ShareChart:
    bars: list[ShareBar]
    height: int
    stage: str
    ticks: list[tuple[float, int]]
    summary: list[str]


SHARE_ROW = 30


def _scale(values: list[float | None]) -> int:
    top = max([v for v in values if v is not None] or [10.0])
    return min(100, max(10, int(-(-top // 10) * 10)))


def share_chart(table) -> ShareChart:
    """Each group's share of the table's first stage, exactly as the table shows it, beside its Census share."""
    census = table.census or [None] * len(table.rows)
    shares: list[float | None] = [
        (100 * share.value if share is not None and share.shown else None) for share in table.shares or []
    ]
    shares += [None] * (len(table.rows) - len(shares))
    scale_max = _scale([*shares, *[c for c in census if c is not None]])
    per_pixel = PLOT_WIDTH / scale_max
    bars = []
    for number, (label, share, census_share) in enumerate(zip(table.labels, shares, census)):
        text = f"{share:.1f}%" if share is not None else "not shown"
        bars.append(
            ShareBar(
                label,
                number * SHARE_ROW,
                share * per_pixel if share is not None else None,
                text,
                census_share * per_pixel if census_share is not None else None,
                f"London population: {census_share:.1f}%" if census_share is not None else "No Census figure",
            )
        )
    ticks = [(value * per_pixel, value) for value in range(0, scale_max + 1, 10 if scale_max <= 50 else 20)]
    return ShareChart(
        bars,
        len(bars) * SHARE_ROW,
        table.columns[0] if table.columns else "",
        ticks,
        _share_summary(table.labels, shares, census, table.columns[0] if table.columns else ""),
    )


def _share_summary(labels, shares, census, stage) -> list[str]:
    sentences = []
    shown = [(label, share, benchmark) for label, share, benchmark in zip(labels, shares, census) if share is not None]
    if shown:
        label, share, _ = max(shown, key=lambda item: item[1])
        sentences.append(f"The largest group at the {stage.lower()} stage is {label}: {share:.1f}%.")
        gaps = [item for item in shown if item[2] is not None]
        if gaps:
            label, share, benchmark = min(gaps, key=lambda item: item[1] - item[2])
            if share < benchmark:
                sentences.append(
                    f"Compared with London's population, {label} is furthest below its share: "
                    f"{share:.1f}% against {benchmark:.1f}% of Londoners."
                )
    hidden = sum(share is None for share in shares)
    if hidden:
        sentences.append(
            f"{hidden} share{'s are' if hidden != 1 else ' is'} not drawn: the table does not show "
            f"{'them' if hidden != 1 else 'it'}, to protect people."
        )
    return sentences


@dataclass(frozen=True)
class RatePoint:
    label: str
    y: int
    drawn: bool
    x: float = 0.0
    low_x: float = 0.0
    high_x: float = 0.0
    text: str = ""


RATE_ROW = 28


def rate_chart(transition) -> tuple[list[RatePoint], int, list[str]]:
    """Each group's selection rate with its 95% interval, for the groups whose rate the table shows."""
    points = []
    shown = []
    for number, row in enumerate(transition.rows):
        y = number * RATE_ROW
        if not (row.rate.shown and row.interval.shown):
            points.append(RatePoint(row.group, y, False, text=row.rate.render()))
        else:
            rate, (low, high) = row.rate.value, row.interval.value
            shown.append((row.group, rate, low, high))
            points.append(
                RatePoint(
                    row.group,
                    y,
                    True,
                    rate * PLOT_WIDTH,
                    low * PLOT_WIDTH,
                    high * PLOT_WIDTH,
                    f"{100 * rate:.1f}% ({100 * low:.1f}% to {100 * high:.1f}%)",
                )
            )
    summary = []
    if len(shown) >= 2:
        low, high = min(shown, key=lambda r: r[1]), max(shown, key=lambda r: r[1])
        summary.append(
            f"From {transition.from_label.lower()} to {transition.to_label.lower()}, the selection rate "
            f"is lowest for {low[0]} ({100 * low[1]:.1f}%) and highest for {high[0]} ({100 * high[1]:.1f}%)."
        )
        summary.append(
            "Their 95% intervals overlap, so the difference may be chance."
            if low[3] >= high[2]
            else "Their 95% intervals do not overlap."
        )
    elif len(shown) == 1:
        summary.append(f"Only {shown[0][0]}'s rate can be shown: {100 * shown[0][1]:.1f}%.")
    else:
        summary.append("No group's rate can be shown for this step.")
    return points, len(transition.rows) * RATE_ROW, summary
