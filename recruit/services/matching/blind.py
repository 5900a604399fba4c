"""Name-blind review: what a recruiter sees of a suggestion before and after shortlisting.

Until shortlisting, every free-text answer is shown with anything that could identify the candidate
replaced by a visible "[removed]": their own name parts, email addresses, phone numbers, web addresses,
social media handles, postcodes and the names of schools, colleges and universities. Phone numbers are
found with `phonenumbers` (Google's libphonenumber); the rest with patterns and the candidate's own
stored details (docs/name-blind.md lists what is caught and what is not).
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypedDict

import phonenumbers

from ...models import Candidate, Suggestion, SuggestionStage
from ...postcodes import outward_areas

REMOVED = "[removed]"

# Name and contact details are shown to recruiters only from shortlisting until a final decision.
REVEALED_STAGES = (
    SuggestionStage.SHORTLISTED.value,
    SuggestionStage.INTERVIEW.value,
    SuggestionStage.OFFERED.value,
    SuggestionStage.ACCEPTED.value,
)

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A web address: with a scheme or www., or a bare domain on a common ending (lower case only, so that
# "ASP.NET" or "Node.js" written as a skill stay), with any path after it.
URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"]+"
    r"|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|co\.uk|org\.uk|org|net|io|dev|me|uk|app|ai|"
    r"tech|info|ly|gg|page|site|xyz|london)\b(?:/[^\s<>\"]*)?"
)
HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?")
FULL_POSTCODE = re.compile(r"\b(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})\b", re.IGNORECASE)
UK_PHONE = re.compile(r"(?<!\d)(?:\+44\s?\(?0?\)?\s?|0)\d(?:[\s-]?\d){8,9}(?!\d)")
TRAILING = ".,;:!?)]}'\"’”"

# Schools, sixth forms, colleges and universities: capitalised words ending in (or starting with) a word
# that names a place of learning, e.g. "Hackney New School", "Newham Sixth Form College",
# "University of East London", "St Mary's C of E Primary".
_WORD = r"(?:[A-Z][\w'’&.-]*|of|and|the|for|in|on|upon|de|la|&)"
_KIND = (
    r"(?:School|Academy|College|Sixth Form|Sixth-Form|University|Grammar|High|Primary|Secondary|UTC|"
    r"Institute|Polytechnic|Conservatoire|Boys|Girls)"
)
INSTITUTION = re.compile(
    rf"\b(?:[A-Z][\w'’&.-]*\s+)(?:{_WORD}\s+){{0,5}}{_KIND}\b(?:\s+{_KIND}\b)*"
    rf"(?:\s+(?:of|for|in)\s+[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){{0,3}})?"
    rf"|\b(?:University|College|Academy|School)\s+of\s+[A-Z][\w'’-]*(?:\s+(?:and\s+)?[A-Z][\w'’-]*){{0,4}}"
)
# Capitalised words a sentence may start with before a school's name, which are not part of it.
_LEAD_WORDS = {
    "at",
    "in",
    "from",
    "to",
    "my",
    "our",
    "the",
    "i",
    "we",
    "when",
    "while",
    "during",
    "after",
    "before",
    "as",
    "since",
    "studied",
    "attended",
    "went",
    "studying",
    "currently",
    "then",
    "also",
    "and",
    "of",
    "a",
    "an",
    "this",
    "that",
    "last",
    "year",
    "both",
    "for",
    "on",
}
# London places of learning usually written by a short name (reviewed list; each a whole word, any case).
KNOWN_INSTITUTIONS = (
    "UCL",
    "LSE",
    "KCL",
    "SOAS",
    "QMUL",
    "UEL",
    "LSBU",
    "BSix",
    "NewVIc",
    "CONEL",
    "LeSoCo",
    "Birkbeck",
    "Goldsmiths",
    "Westminster Kingsway",
    "Capital City Academy",
    "Mossbourne",
    "Brit School",
    "Harris Academy",
    "Ark Academy",
    "City and Islington",
    "Lambeth College",
    "Hackney Community College",
    "Morley College",
    "Barking and Dagenham College",
    "Croydon College",
    "Newham College",
    "Havering College",
    "Uxbridge College",
    "Carshalton College",
    "Kingston College",
    "Richmond upon Thames College",
    "Waltham Forest College",
    "Harrow College",
    "Stanmore College",
    "Woodhouse College",
    "Christ the King",
    "St Charles",
    "St Francis Xavier",
    "Leyton Sixth Form",
    "Brooke House",
)


@dataclass(frozen=True)
class SuggestionView:
    """A suggestion as the recruiter may see it right now: name-blind, or revealed after shortlisting.

    It holds plain values only (no Candidate or Suggestion), so a page rendering it cannot reach a detail
    the stage does not allow."""

    id: int
    version: int
    placement_id: int
    stage: str
    stage_label: str
    score: float
    explanation: dict[str, Any]  # as stored on the suggestion (runs.ExplanationJSON, with its "why_not")
    components: dict[str, float]
    reason: str | None  # the recruiter's own rejection reason and feedback
    feedback: str | None
    actions: list[str]  # what the recruiter can do next
    scheme_tag: str | None  # the guaranteed interview scheme's tag, for a candidate who opted in
    needs_requirement: bool  # in the scheme and not yet interviewed: rejecting needs an unmet requirement
    shows_scores: bool  # interview scores exist, or may be given now
    revealed: bool
    reference: str
    label: str
    skills: list[str]
    skills_text: str | None  # redacted until shortlisting
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    adjustments: str | None = None


def reference(candidate_id: int) -> str:
    """The name-blind reference recruiters see until they shortlist, e.g. "C-0042"."""
    return f"C-{candidate_id:04d}"


def is_revealed(suggestion: Suggestion) -> bool:
    """True when the recruiter may see the candidate's name and contact details."""
    return suggestion.stage in REVEALED_STAGES


def suggestion_view(suggestion: Suggestion) -> SuggestionView:
    """What the recruiter may see of this suggestion in its current stage: the one place that decides it."""
    from . import guaranteed
    from .review import actions_for, stage_label  # here, not at the top: review imports this module

    candidate = suggestion.candidate
    ref = reference(suggestion.candidate_id)
    decision = _ViewFields(
        id=suggestion.id,
        version=suggestion.version,
        placement_id=suggestion.placement_id,
        stage=suggestion.stage,
        stage_label=stage_label(suggestion.stage),
        score=suggestion.score,
        explanation=suggestion.explanation or {},
        components=suggestion.components or {},
        reason=suggestion.reason,
        feedback=suggestion.feedback,
        actions=actions_for(suggestion),
        scheme_tag=guaranteed.TAG if guaranteed.in_scheme(suggestion) else None,
        needs_requirement=guaranteed.needs_requirement(suggestion),
        shows_scores=_shows_scores(suggestion, guaranteed.BEFORE_INTERVIEW),
        reference=ref,
        skills=list(candidate.skills or []),
    )
    if not is_revealed(suggestion):
        return SuggestionView(
            **decision, revealed=False, label=f"Candidate {ref}", skills_text=redact(candidate.skills_text, candidate)
        )
    name = " ".join(part for part in (candidate.first_name, candidate.last_name) if part)
    full = name + (f" (known as {candidate.preferred_name})" if candidate.preferred_name else "")
    return SuggestionView(
        **decision,
        revealed=True,
        label=f"{name} ({ref})",
        skills_text=candidate.skills_text,
        name=full,
        email=candidate.user.email,
        phone=candidate.phone,
        adjustments=candidate.interview_adjustments,
    )


class _ViewFields(TypedDict):
    """What the recruiter sees of a suggestion whether or not the candidate is revealed (SuggestionView's fields)."""

    id: int
    version: int
    placement_id: int
    stage: str
    stage_label: str
    score: float
    explanation: dict[str, Any]
    components: dict[str, float]
    reason: str | None
    feedback: str | None
    actions: list[str]
    scheme_tag: str | None
    needs_requirement: bool
    shows_scores: bool
    reference: str
    skills: list[str]


def _shows_scores(suggestion: Suggestion, before_interview: tuple[str, ...]) -> bool:
    """True when the suggestion has interview scores to see, or is at a stage where they are given."""
    if suggestion.stage in (
        SuggestionStage.INTERVIEW.value,
        SuggestionStage.OFFERED.value,
        SuggestionStage.ACCEPTED.value,
    ):
        return True
    # Scores are given only at interview, so a suggestion never interviewed has none: skip loading its history.
    return suggestion.stage not in before_interview and any(change.scores for change in suggestion.stage_changes)


def redact(text: str | None, candidate: Candidate | None = None) -> str | None:
    """The text with every identifying detail replaced by "[removed]" (None stays None)."""
    if not text:
        return text
    spans = sorted(_spans(text, candidate))
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, last = [], 0
    for start, end in merged:
        out.append(text[last:start])
        out.append(REMOVED)
        last = end
    out.append(text[last:])
    return "".join(out)


def _spans(text: str, candidate: Candidate | None) -> Iterator[tuple[int, int]]:
    for pattern in (EMAIL, HANDLE, FULL_POSTCODE, UK_PHONE):
        for found in pattern.finditer(text):
            yield found.span()
    for found in URL.finditer(text):
        start, end = found.span()
        while end > start and text[end - 1] in TRAILING:
            end -= 1
        yield start, end
    for number in phonenumbers.PhoneNumberMatcher(text, "GB", leniency=phonenumbers.Leniency.POSSIBLE):
        # at least 10 digits: a UK number has 10 or 11, and shorter runs are years or counts ("2019-2023")
        if sum(ch.isdigit() for ch in number.raw_string) >= 10:
            yield number.start, number.end
    yield from _institution_spans(text)
    yield from _outward_code_spans(text)
    if candidate is not None:
        yield from _own_detail_spans(text, candidate)


def _institution_spans(text: str) -> Iterator[tuple[int, int]]:
    for found in INSTITUTION.finditer(text):
        start, end = found.span()
        # drop sentence words caught in front of the name ("At Hackney New School" keeps "At")
        while True:
            word = re.match(r"[\w'’&.-]+\s+", text[start:end])
            if not word or word.group().strip().lower() not in _LEAD_WORDS:
                break
            start += word.end()
        if end - start > 0 and re.search(_KIND, text[start:end]):
            yield start, end
    for name in KNOWN_INSTITUTIONS:
        for found in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE):
            yield found.span()


def _outward_code_spans(text: str) -> Iterator[tuple[int, int]]:
    """A London (or nearby) outward code standing alone, like "E8" or "SE15", as written in capitals."""
    codes = outward_areas()
    for found in re.finditer(r"(?<![\w-])([A-Z]{1,2}\d[A-Z\d]?)(?![\w-])", text):
        if found.group(1) in codes:
            yield found.span()


def _own_detail_spans(text: str, candidate: Candidate) -> Iterator[tuple[int, int]]:
    """The candidate's own name parts, email address (and its name part), phone number and outward code."""
    words = set()
    for value in (candidate.first_name, candidate.last_name, candidate.preferred_name):
        for part in re.split(r"[\s\-]+", value or ""):
            if len(part.strip(".'’")) >= 2:
                words.add(part)
    email = candidate.user.email if candidate.user else None
    if email:
        words.add(email)
        local = email.split("@", 1)[0]
        words.add(local)
        words.update(part for part in re.split(r"[._+-]+", local) if len(part) >= 3)
    if candidate.outward_postcode:
        words.add(candidate.outward_postcode)
    for word in words:
        for found in re.finditer(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE):
            yield found.span()
    digits = re.sub(r"\D", "", candidate.phone or "")
    if len(digits) >= 6:
        # the stored number however it is spaced or written: each digit may be followed by spaces or dashes
        pattern = r"[\s\-]*".join(digits[1:] if digits.startswith("0") else digits)
        for found in re.finditer(rf"(?:\+44\s*|0)?{pattern}(?!\d)", text):
            yield found.span()
