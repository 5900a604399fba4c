"""Disclosure control (docs/privacy.md): pure functions on tables of counts, so they are tested on hand-made tables."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

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
        for col, _total in enumerate(totals or []):
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
    """One count on the page, with where it is shown (table caption, row, column) so statistics can cite it."""

    count: int
    hidden: bool
    table: str = ""
    row: str = ""
    column: str = ""

    @property
    def text(self) -> str:
        """A count under 10 shows as "<10"; a larger one hidden only to protect it (secondary) as "Hidden"."""
        if not self.hidden:
            return f"{self.count:,}"
        return f"<{MIN_COUNT}" if self.count < MIN_COUNT else "Hidden"


HIDDEN_INPUT = "Not shown: it would reveal a hidden count"
_FORMATS: dict[str, Callable[[Any], str]] = {
    "percent": lambda v: f"{100 * v:.1f}%",
    "interval": lambda v: f"{100 * v[0]:.1f}% to {100 * v[1]:.1f}%",
    "p": lambda v: "< 0.001" if v < 0.001 else f"{v:.3f}",
    "ratio": lambda v: f"{v:.2f}",
    "count": lambda v: f"{v:,}",
    "flag": lambda v: "below 0.8: possible adverse impact" if v else "0.8 or above: no adverse impact flagged",
}


@dataclass(frozen=True)
class Statistic:
    """A figure computed from counts (docs/privacy.md): it carries the cells it is computed from, is worked out only when
    every one of them is shown, and renders as its value only then; otherwise it renders as the reason it is not."""

    value: Any
    inputs: tuple[Cell, ...]
    kind: str = "percent"
    reason: str = ""

    @classmethod
    def of(
        cls, compute: Callable[..., Any], inputs: Iterable[Cell], kind: str = "percent", reason: str = ""
    ) -> Statistic:
        """Compute the value only if every input is shown; `compute` may return None with `reason` saying why.

        `compute` is called with no arguments (typed loosely so a lambda may bind loop values as defaults)."""
        inputs = tuple(inputs)
        if any(cell.hidden for cell in inputs):
            return cls(None, inputs, kind, HIDDEN_INPUT)
        return cls(compute(), inputs, kind, reason)

    @property
    def shown(self) -> bool:
        return self.value is not None and not any(cell.hidden for cell in self.inputs)

    def render(self) -> str:
        """The value as the page shows it, or why it is not shown."""
        if not self.shown:
            return self.reason or HIDDEN_INPUT
        return _FORMATS[self.kind](self.value)


@dataclass
class Table:
    """A suppressed table: one row of Cells per group, and the total row (columns add up to it).

    `shares` (one per row) are of the first column: of those who answered when the table has a "not answered"
    row (that row's people are counted apart, in `not_answered_share`), otherwise of everyone."""

    caption: str
    columns: tuple[str, ...]
    labels: list[str]
    rows: list[list[Cell]]
    totals: list[Cell]
    shares: list[Statistic | None] = field(default_factory=list)
    census: list[float | None] = field(default_factory=list)  # London population share per row, if known
    census_source: str = ""
    not_answered_share: Statistic | None = None
    answered: Statistic | None = None  # how many answered: all candidates minus those who did not


def protected_table(
    caption: str,
    columns: Sequence[str],
    labels: list[str],
    counts: list[list[int]],
    not_answered: str | None = None,
    total_label: str = "All candidates",
) -> Table:
    """Suppress a table of counts and work out the shares of its first column from shown counts only.

    With `not_answered` (the label of the row of people who did not answer), shares are of those who answered:
    a group's count over (all candidates - not answered), all three of them shown counts."""
    totals = [sum(row[c] for row in counts) for c in range(len(columns))]
    hidden, total_hidden = suppress(counts, totals)
    rows = [
        [Cell(n, hidden[r][c], caption, labels[r], columns[c]) for c, n in enumerate(row)]
        for r, row in enumerate(counts)
    ]
    total_cells = [Cell(t, total_hidden[c], caption, total_label, columns[c]) for c, t in enumerate(totals)]
    table = Table(caption, tuple(columns), labels, rows, total_cells)
    total = total_cells[0] if total_cells else None
    if total is None:
        return table
    if not_answered is None:
        table.shares = [_share(row[0], total.count, (row[0], total)) for row in rows]
        return table
    skipped = rows[labels.index(not_answered)][0]
    base = total.count - skipped.count
    table.answered = Statistic.of(lambda: base, (total, skipped), kind="count")
    table.shares = [
        None if label == not_answered else _share(row[0], base, (row[0], total, skipped))
        for label, row in zip(labels, rows)
    ]
    table.not_answered_share = _share(skipped, total.count, (skipped, total))
    return table


def _share(cell: Cell, base: int, inputs: Iterable[Cell]) -> Statistic:
    return Statistic.of(
        lambda: cell.count / base if base >= MIN_COUNT else None,
        inputs,
        reason=f"Not shown: fewer than {MIN_COUNT} people to share among",
    )
