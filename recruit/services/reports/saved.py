"""Closed cycles keep their report as aggregate counts (docs/privacy.md): saved once when the cycle closes, read ever after.

Purging applications and deleting accounts remove people; the counts saved here are of groups, never of a person,
so last year's report stays as it was. They are shown under the same disclosure control as live counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypedDict

from sqlalchemy import delete, insert, select

from ...extensions import db
from ...models import CycleCount
from .outreach import SCHEME_LABELS, SCHEME_STAGES, channel_counts, scheme_counts
from .population import NOT_ANSWERED, STAGES, Filters, characteristics, gather, group_codes, stage_counts

CHANNEL_BREAKDOWNS = ("channel", "campaign")


class CountRow(TypedDict):
    """One saved count (a CycleCount row): how many of a group reached a stage."""

    cycle_id: int
    breakdown: str
    position: int
    group_label: str
    stage: str
    count: int


def save_cycle_counts(cycle_id: int, channel_order: list[str]) -> int:
    """Count the cycle's funnel by every characteristic and outreach channel and save it (caller commits)."""
    keys = list(characteristics())
    population = gather(Filters(cycle=cycle_id), keys)
    rows: list[CountRow] = []
    for key, characteristic in characteristics().items():
        counts = stage_counts(
            group_codes(characteristic, population), population.levels, len(characteristic.groups) + 1
        )
        rows += _rows(cycle_id, key, [*characteristic.groups, NOT_ANSWERED], counts)
    for breakdown, (group_keys, counts) in channel_counts(population, channel_order).items():
        rows += _rows(cycle_id, breakdown, [group or "" for group in group_keys], counts)
    rows += [
        {
            "cycle_id": cycle_id,
            "breakdown": "scheme",
            "position": position,
            "group_label": label,
            "stage": stage,
            "count": counts_row[column],
        }
        for position, (label, counts_row) in enumerate(zip(SCHEME_LABELS, scheme_counts(Filters(cycle=cycle_id))))
        for column, stage in enumerate(SCHEME_STAGES)
    ]
    db.session.execute(delete(CycleCount).where(CycleCount.cycle_id == cycle_id))
    db.session.execute(insert(CycleCount), rows)
    return len(rows)


def _rows(cycle_id: int, breakdown: str, labels: list[str], counts: list[list[int]]) -> list[CountRow]:
    return [
        {
            "cycle_id": cycle_id,
            "breakdown": breakdown,
            "position": position,
            "group_label": label,
            "stage": stage,
            "count": counts[position][column],
        }
        for position, label in enumerate(labels)
        for column, (stage, _, _) in enumerate(STAGES)
    ]


def saved_counts(cycle_id: int, breakdowns: Iterable[str]) -> dict[str, tuple[list[str], list[list[int]]]]:
    """{breakdown: (group labels in order, counts[group][stage])} as saved when the cycle closed."""
    column = {stage: number for number, (stage, _, _) in enumerate(STAGES)}
    found: dict[str, dict[int, tuple[str, list[int]]]] = {}
    rows = db.session.execute(
        select(
            CycleCount.breakdown, CycleCount.position, CycleCount.group_label, CycleCount.stage, CycleCount.count
        ).where(CycleCount.cycle_id == cycle_id, CycleCount.breakdown.in_(list(breakdowns)))
    )
    for breakdown, position, label, stage, count in rows:
        groups = found.setdefault(breakdown, {})
        groups.setdefault(position, (label, [0] * len(STAGES)))[1][column[stage]] = count
    return {
        breakdown: ([groups[p][0] for p in sorted(groups)], [groups[p][1] for p in sorted(groups)])
        for breakdown, groups in found.items()
    }
