"""Skills as whole terms: one spelling per term (a reviewed synonym table), found as whole phrases.

A placement's skills are the terms it lists; a candidate's are the terms they picked, the terms their
plain-English statements stand for, and any known term written as a whole phrase in their own words.
"secure coding" is one term: it never matches "secure" or "coding" on their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

_WORD = re.compile(r"[\w+#]+")  # keeps "c++", "c#"; hyphens, dots, slashes and spaces separate words
MAX_TERM_WORDS = 6


def words(text: str) -> list[str]:
    """The case-folded words of a text."""
    return _WORD.findall(str(text).casefold())


def fold(term: str) -> str:
    """A term's comparable form: its case-folded words joined by single spaces ("Object-Oriented" → "object oriented")."""
    return " ".join(words(term))


class TermTable:
    """Synonyms (alias → preferred term), checked: no empty term and no loop; chains resolve to their end."""

    def __init__(self, synonyms: Mapping[str, str] | None = None):
        raw = {fold(a): fold(b) for a, b in (synonyms or {}).items()}
        for alias, target in raw.items():
            if not alias or not target:
                raise ValueError(f"synonym {alias or target!r} maps to or from an empty term")
        resolved: dict[str, str] = {}
        for alias in raw:
            seen = [alias]
            target = raw[alias]
            while target in raw:
                if target in seen:
                    raise ValueError(f"synonym loop at {alias!r}: {' → '.join([*seen, target])}")
                seen.append(target)
                target = raw[target]
            resolved[alias] = target
        self.synonyms = resolved
        self._seen: dict[str, str] = {}

    def canonical(self, term: str) -> str:
        """The preferred folded spelling of a term (remembered: the same few hundred terms recur)."""
        found = self._seen.get(term)
        if found is None:
            folded = fold(term)
            found = self._seen[term] = self.synonyms.get(folded, folded)
        return found

    def canonical_set(self, terms: Iterable[str]) -> frozenset[str]:
        """Preferred spellings of the terms, empty ones dropped."""
        return frozenset(c for c in map(self.canonical, terms) if c)

    def finder(self, vocabulary: Iterable[str]) -> PhraseFinder:
        """A finder for these preferred terms (and their synonyms) written as whole phrases in text."""
        return PhraseFinder(self, vocabulary)


class PhraseFinder:
    """Finds whole-phrase occurrences of known terms in free text ("I used Git" → git; "digit" → nothing).

    Longest phrase first at each word, without overlaps: "secure coding" is found as that term,
    never also as "coding"."""

    def __init__(self, table: TermTable, vocabulary: Iterable[str]):
        wanted = {fold(t) for t in vocabulary} - {""}
        spellings = {t: t for t in wanted}
        spellings.update({alias: target for alias, target in table.synonyms.items() if target in wanted})
        self.spellings = spellings
        # The longest phrase starting with each word: most words start none, so they cost one look-up.
        self.starts: dict[str, int] = {}
        for spelling in spellings:
            first, length = spelling.split(" ", 1)[0], min(MAX_TERM_WORDS, spelling.count(" ") + 1)
            self.starts[first] = max(self.starts.get(first, 0), length)

    def find(self, text: str) -> frozenset[str]:
        """The preferred terms written in the text."""
        if not text or not self.starts:
            return frozenset()
        tokens = words(text)
        starts, spellings = self.starts, self.spellings
        found = set()
        k, end = 0, len(tokens)
        while k < end:
            longest = starts.get(tokens[k])
            if longest is None:
                k += 1
                continue
            for n in range(min(longest, end - k), 0, -1):
                hit = spellings.get(tokens[k] if n == 1 else " ".join(tokens[k : k + n]))
                if hit is not None:
                    found.add(hit)
                    k += n
                    break
            else:
                k += 1
        return frozenset(found)


def statement_terms(statements: Mapping[str, Iterable[str]], chosen: Iterable[str]) -> tuple[str, ...]:
    """The skill terms the chosen statement ids stand for; an unknown id is a ValueError naming it."""
    found: list[str] = []
    for statement_id in chosen:
        if statement_id not in statements:
            raise ValueError(f"statement {statement_id!r} is not in the statements table")
        found += [t for t in statements[statement_id] if t not in found]
    return tuple(found)


def check_statements(
    statements: Mapping[str, tuple[str, Iterable[str]]],
    pathways: Iterable[str],
    vocabulary: Iterable[str],
    table: TermTable | None = None,
) -> dict[str, tuple[str, ...]]:
    """Check a statements table {id: (pathway, terms)} and return {id: terms}.

    Every statement belongs to a known pathway, every pathway has a statement, and every term is in the
    vocabulary (after the synonym table): otherwise a ValueError naming the statement or pathway."""
    table = table or TermTable()
    known = {table.canonical(term) for term in vocabulary}
    pathways = list(pathways)
    used = set()
    checked: dict[str, tuple[str, ...]] = {}
    for statement_id, (pathway, terms) in statements.items():
        if pathway not in pathways:
            raise ValueError(f"statement {statement_id!r} is in unknown pathway {pathway!r}")
        terms = tuple(terms)
        if not terms:
            raise ValueError(f"statement {statement_id!r} stands for no skill terms")
        for term in terms:
            if table.canonical(term) not in known:
                raise ValueError(f"statement {statement_id!r} maps to {term!r}, which is not a skill term")
        used.add(pathway)
        checked[statement_id] = terms
    for pathway in pathways:
        if pathway not in used:
            raise ValueError(f"pathway {pathway!r} has no statements")
    return checked
