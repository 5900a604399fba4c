"""What candidates can tell us about their skills: plain-English statements of things they have done or enjoy,
grouped by pathway (the main question), and the standards' technical keywords (optional, grouped by kind of work).

Each statement stands for some of the standards' skill terms (the reviewed table recruit/data/skill_statements.csv),
so a candidate who ticks no technical term can still match a placement's skills fully."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from sqlalchemy import select

import matching

from ...extensions import db
from ...models import Standard
from ...reference import read_csv

# Each standard belongs to one family of work; a keyword joins the family whose standards list it most often
# (ties go to the family listed first), so "SQL" sits with data, "monitoring" with networks, "testing" with software.
GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("software", "Software and testing", ("ST0116", "ST0128", "ST0129", "ST0119")),
    ("data", "Data", ("ST0118", "ST0795", "ST1386")),
    ("infrastructure", "Computers, networks and cloud", ("ST0505", "ST0973", "ST0127", "ST0825")),
    ("security", "Cyber security", ("ST1021", "ST0865")),
    ("people", "Helping people use technology", ("ST0120",)),
    ("marketing", "Digital marketing and content", ("ST0122",)),
    ("business", "Business, change and automation", ("ST0117", "ST1512")),
)
OTHER = ("other", "Other skills")


@dataclass(frozen=True)
class SkillGroup:
    key: str
    label: str
    skills: tuple[str, ...]


def taxonomy() -> list[SkillGroup]:
    """The skill groups, each with its keywords sorted, every keyword once (case-insensitive)."""
    order = [(key, label) for key, label, _ in GROUPS] + [OTHER]
    group_index = {ref: i for i, (_, _, refs) in enumerate(GROUPS) for ref in refs}
    counts: dict[str, Counter[int]] = {}  # keyword: how many standards of each group use it
    spelling: dict[str, str] = {}
    for standard in db.session.scalars(select(Standard).order_by(Standard.reference)):
        index = group_index.get(standard.reference, len(GROUPS))
        for keyword in standard.keywords or []:
            folded = keyword.strip().casefold()
            if folded:
                spelling.setdefault(folded, keyword.strip())
                counts.setdefault(folded, Counter())[index] += 1
    members: dict[int, list[str]] = {}
    for folded, per_group in counts.items():
        best = min(per_group, key=lambda i: (-per_group[i], i))
        members.setdefault(best, []).append(spelling[folded])
    return [
        SkillGroup(key, label, tuple(sorted(members[i], key=str.casefold)))
        for i, (key, label) in enumerate(order)
        if members.get(i)
    ]


def all_skills() -> set[str]:
    """Every skill in the taxonomy."""
    return {skill for group in taxonomy() for skill in group.skills}


# The pathways statements are grouped under, one fieldset each.
PATHWAYS: tuple[tuple[str, str], ...] = (
    ("software", "Software"),
    ("data", "Data"),
    ("security", "Cyber security"),
    ("support", "IT support and networks"),
    ("content", "Digital content and marketing"),
    ("business", "Business and IT"),
)


@dataclass(frozen=True)
class Statement:
    id: str
    pathway: str
    text: str
    terms: tuple[str, ...]


@cache
def statements() -> tuple[Statement, ...]:
    """The reviewed statements table, checked by the library against the standards' keywords and the pathways."""
    rows = read_csv("skill_statements.csv")
    vocabulary = [k for row in read_csv("apprenticeship_standards.csv") for k in row["keywords"].split(";")]
    checked = matching.check_statements(
        {row["id"]: (row["pathway"], row["terms"].split(";")) for row in rows}, [key for key, _ in PATHWAYS], vocabulary
    )
    return tuple(Statement(row["id"], row["pathway"], row["statement"], checked[row["id"]]) for row in rows)


def statements_by_pathway() -> list[tuple[str, str, list[Statement]]]:
    """(key, label, statements) for each pathway, in order."""
    return [(key, label, [s for s in statements() if s.pathway == key]) for key, label in PATHWAYS]


@cache
def _terms_by_statement() -> dict[str, tuple[str, ...]]:
    """Each statement id's skill terms (a match run looks them up for every candidate)."""
    return {s.id: s.terms for s in statements()}


def statement_terms(chosen: Sequence[str] | None) -> tuple[str, ...]:
    """The skill terms a candidate's chosen statements stand for (ids no longer in the table are ignored)."""
    if not chosen:
        return ()
    table = _terms_by_statement()
    return matching.statement_terms(table, [c for c in chosen if c in table])
