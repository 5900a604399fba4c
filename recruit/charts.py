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


# Short labels for the tiles, unique across the 33.
ABBREVIATIONS = {
    "barking-and-dagenham": "B&D", "barnet": "BAR", "bexley": "BEX", "brent": "BRE", "bromley": "BRO", "camden": "CAM",
    "city-of-london": "CITY", "croydon": "CRO", "ealing": "EAL", "enfield": "ENF", "greenwich": "GRE", "hackney": "HAC",
    "hammersmith-and-fulham": "H&F", "haringey": "HGY", "harrow": "HRW", "havering": "HAV", "hillingdon": "HIL",
    "hounslow": "HOU", "islington": "ISL", "kensington-and-chelsea": "K&C", "kingston-upon-thames": "KIN",
    "lambeth": "LAM", "lewisham": "LEW", "merton": "MER", "newham": "NEW", "redbridge": "RED",
    "richmond-upon-thames": "RIC", "southwark": "SOU", "sutton": "SUT", "tower-hamlets": "TH", "waltham-forest": "WF",
    "wandsworth": "WAN", "westminster": "WES",
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
        tiles.append(Tile(c * (TILE + GAP), r * (TILE + GAP), ABBREVIATIONS[row.slug],
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


# --- Outreach report charts: drawn only from what the report's tables show ---

CHART_WIDTH, LABEL_WIDTH, PLOT_WIDTH = 640, 230, 330
STAGE_COLOURS = ("#1d4f80", "#2f6fb0", "#4c2c92", "#0b6e4f", "#6f3c00")  # each at least 4.5:1 against white


@dataclass(frozen=True)
class ShareBar:
    stage: str
    y: int
    width: float | None  # pixels; None when the table hides this share (nothing is drawn)
    text: str
    colour: str


@dataclass(frozen=True)
class ShareGroup:
    label: str
    y: int
    bars: list[ShareBar]
    census_x: float | None
    census_text: str


@dataclass(frozen=True)
class ShareChart:
    groups: list[ShareGroup]
    height: int
    scale_max: int  # percent at the right edge of the plot
    ticks: list[tuple[float, int]]
    stages: list[tuple[str, str]]  # (stage label, colour) for the key
    summary: list[str]


BAR_HEIGHT, GROUP_GAP = 14, 16


def _scale(values: list[float]) -> int:
    top = max([v for v in values if v is not None] or [10.0])
    return min(100, max(10, int(-(-top // 10) * 10)))


def share_chart(table, census: list | None = None) -> ShareChart:
    """Each group's share of each stage's people (as the table shows them) beside its Census share."""
    census = census or [None] * len(table.rows)
    shares = [cell.percent for row in table.rows for cell in row]
    scale_max = _scale([*shares, *[c for c in census if c is not None]])
    per_pixel = PLOT_WIDTH / scale_max
    groups, y = [], 0
    for label, row, census_share in zip(table.labels, table.rows, census):
        bars = []
        for number, (stage, cell) in enumerate(zip(table.columns, row)):
            colour = STAGE_COLOURS[number % len(STAGE_COLOURS)]
            if cell.percent is None:
                bars.append(ShareBar(stage, y + number * BAR_HEIGHT, None, "not shown", colour))
            else:
                bars.append(ShareBar(stage, y + number * BAR_HEIGHT, cell.percent * per_pixel, f"{cell.percent:.1f}%", colour))
        census_x = census_share * per_pixel if census_share is not None else None
        census_text = f"London population: {census_share:.1f}%" if census_share is not None else "No Census figure"
        groups.append(ShareGroup(label, y, bars, census_x, census_text))
        y += len(row) * BAR_HEIGHT + GROUP_GAP
    ticks = [(value * per_pixel, value) for value in range(0, scale_max + 1, 10 if scale_max <= 50 else 20)]
    return ShareChart(groups, y, scale_max, ticks,
                      [(stage, STAGE_COLOURS[n % len(STAGE_COLOURS)]) for n, stage in enumerate(table.columns)],
                      _share_summary(table, census))


def _share_summary(table, census) -> list[str]:
    sentences = []
    first = [(label, row[0].percent, share) for label, row, share in zip(table.labels, table.rows, census)]
    shown = [(label, percent, share) for label, percent, share in first if percent is not None]
    if shown:
        label, percent, _ = max(shown, key=lambda item: item[1])
        sentences.append(f"The largest group of people who {table.columns[0].lower()} is {label}: {percent:.1f}%.")
        gaps = [(label, percent, share) for label, percent, share in shown if share is not None]
        if gaps:
            label, percent, share = min(gaps, key=lambda item: item[1] - item[2])
            if percent < share:
                sentences.append(f"Compared with London's population, {label} is furthest below its share: "
                                 f"{percent:.1f}% of people who {table.columns[0].lower()}, against {share:.1f}% of Londoners.")
    hidden = sum(cell.percent is None for row in table.rows for cell in row)
    if hidden:
        sentences.append(f"{hidden} share{'s are' if hidden != 1 else ' is'} not drawn, because the table hides "
                         f"{'them' if hidden != 1 else 'it'} to protect people or the group is too small.")
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
    for number, row in enumerate(transition.rows):
        y = number * RATE_ROW
        if row.rate is None:
            points.append(RatePoint(row.group, y, False, text=row.note or "not shown"))
        else:
            low, high = row.interval
            points.append(RatePoint(row.group, y, True, row.rate * PLOT_WIDTH, low * PLOT_WIDTH, high * PLOT_WIDTH,
                                    f"{100 * row.rate:.1f}% ({100 * low:.1f}% to {100 * high:.1f}%)"))
    shown = [row for row in transition.rows if row.rate is not None]
    summary = []
    if len(shown) >= 2:
        low, high = min(shown, key=lambda r: r.rate), max(shown, key=lambda r: r.rate)
        summary.append(f"From {transition.from_label.lower()} to {transition.to_label.lower()}, the selection rate "
                       f"is lowest for {low.group} ({100 * low.rate:.1f}%) and highest for {high.group} "
                       f"({100 * high.rate:.1f}%).")
        overlap = low.interval[1] >= high.interval[0]
        summary.append("Their 95% intervals overlap, so the difference may be chance." if overlap
                       else "Their 95% intervals do not overlap.")
    elif len(shown) == 1:
        summary.append(f"Only {shown[0].group}'s rate can be shown: {100 * shown[0].rate:.1f}%.")
    else:
        summary.append("No group's rate can be shown for this step.")
    return points, len(transition.rows) * RATE_ROW, summary
