"""Disclosure control (docs/privacy.md): pure functions on tables of counts, so they are tested on hand-made tables."""

from __future__ import annotations

from dataclasses import dataclass, field

MIN_COUNT = 10  # counts under this show as "<10"; no percentage on a base under it; no crossing with a cell under it


def suppress(rows: list[list[int]], totals: list[int] | None = None) -> tuple[list[list[bool]], list[bool]]:
    """Which cells (and totals) to hide: the masks for a table whose columns add up to a shown total row.

    1. Primary: every count under 10 is hidden (shown as "<10").
    2. Secondary: in a column that adds up to a shown total, the hidden entries (its total included) must be none
       or at least two, or one could be worked out by subtraction. While a column has exactly one, the smallest
       visible cell in it is hidden too (the total, if no cell is left). Repeats until nothing changes.
    Rows are never summed to a total on these pages (a funnel row is cumulative stages), so rows need no rule.
    """
    hidden = [[count < MIN_COUNT for count in row] for row in rows]
    total_hidden = [total < MIN_COUNT for total in totals] if totals is not None else []
    changed = totals is not None
    while changed:
        changed = False
        for col, total in enumerate(totals or []):
            column = [(rows[r][col], r) for r in range(len(rows))]
            if sum(hidden[r][col] for _, r in column) + total_hidden[col] != 1:
                continue
            visible = sorted((count, r) for count, r in column if not hidden[r][col])
            if visible:
                hidden[visible[0][1]][col] = True
            else:
                total_hidden[col] = True
            changed = True
    return hidden, total_hidden


@dataclass(frozen=True)
class Cell:
    count: int
    hidden: bool
    percent: float | None = None  # of the column's base; None when hidden or the base is under 10

    @property
    def text(self) -> str:
        """A count under 10 shows as "<10"; a larger one hidden only to protect it (secondary) as "Hidden"."""
        if not self.hidden:
            return f"{self.count:,}"
        return f"<{MIN_COUNT}" if self.count < MIN_COUNT else "Hidden"


@dataclass
class Table:
    """A suppressed table: one row of Cells per group, and the total row (columns add up to it)."""

    columns: tuple[str, ...]
    labels: list[str]
    rows: list[list[Cell]]
    totals: list[Cell]
    extra: list = field(default_factory=list)  # one value per row (the census share)


def protected_table(columns, labels: list[str], counts: list[list[int]], percent_of_total: bool = True) -> Table:
    """Suppress a table of counts; shares of each column's total are shown only for visible cells of a base >= 10."""
    totals = [sum(row[c] for row in counts) for c in range(len(columns))]
    hidden, total_hidden = suppress(counts, totals)

    def share(count, col, is_hidden):
        usable = percent_of_total and not is_hidden and not total_hidden[col] and totals[col] >= MIN_COUNT
        return 100.0 * count / totals[col] if usable else None

    rows = [[Cell(n, hidden[r][c], share(n, c, hidden[r][c])) for c, n in enumerate(row)] for r, row in enumerate(counts)]
    return Table(tuple(columns), labels, rows, [Cell(t, total_hidden[c]) for c, t in enumerate(totals)])
