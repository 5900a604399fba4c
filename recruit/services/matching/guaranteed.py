"""Guaranteed interview scheme: a candidate who opted in and meets a placement's essential requirements
(the hard rules matching applied to them) is invited to interview unless the recruiter records which
requirement they found is not met."""

from ...models import Placement, Suggestion, SuggestionStage

# Stages before an interview: rejecting from these needs a recorded essential requirement not met.
BEFORE_INTERVIEW = (SuggestionStage.SUGGESTED.value, SuggestionStage.SHORTLISTED.value)
TAG = "Guaranteed interview scheme"
UNMET_PREFIX = "Does not meet an essential requirement: "


def essential_requirements(placement: Placement) -> dict[str, str]:
    """The placement's essential requirements (one per hard rule of matching), keyed for forms and audit."""
    start = placement.start_date
    return {
        "eligible": "Can start an apprenticeship (16 or over, left school, allowed to work in the UK, "
        "not in full-time education)",
        "travel": f"Can travel to the workplace in {placement.workplace_outward}",
        "hours": f"Can work {placement.hours_per_week} hours a week",
        "start": f"Can start on {start.day} {start:%B %Y}",
        "qualification": f"Does not already hold a digital qualification at level {placement.standard.level} or above",
    }


def in_scheme(suggestion: Suggestion) -> bool:
    """True when the candidate opted in to the scheme (a suggestion means they met every requirement when matched)."""
    return bool(suggestion.candidate.guaranteed_interview)


def needs_requirement(suggestion: Suggestion) -> bool:
    """True when rejecting this suggestion now needs an essential requirement recorded as not met."""
    return in_scheme(suggestion) and suggestion.stage in BEFORE_INTERVIEW


def rejection_reason(suggestion: Suggestion, requirement: str | None) -> str | None:
    """The reason to record for a scheme candidate rejected before interview; ValueError if none was chosen."""
    if not needs_requirement(suggestion):
        return None
    requirements = essential_requirements(suggestion.placement)
    if requirement not in requirements:
        raise ValueError("Select the essential requirement they do not meet")
    return UNMET_PREFIX + requirements[requirement]
