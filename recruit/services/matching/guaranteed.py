"""Guaranteed interview scheme: a candidate who opted in and meets a placement's essential requirements
(the hard rules matching applied to them) is invited to interview unless the recruiter records which
requirement they found is not met."""

from ...models import Match, MatchStage, Vacancy

# Stages before an interview: rejecting from these needs a recorded essential requirement not met.
BEFORE_INTERVIEW = (MatchStage.SUGGESTED.value, MatchStage.SHORTLISTED.value)
TAG = "Guaranteed interview scheme"
UNMET_PREFIX = "Does not meet an essential requirement: "


def essential_requirements(vacancy: Vacancy) -> dict[str, str]:
    """The placement's essential requirements (one per hard rule of matching), keyed for forms and audit."""
    start = vacancy.start_date
    return {
        "eligible": "Can start an apprenticeship (16 or over, left school, allowed to work in the UK, "
                    "not in full-time education)",
        "travel": f"Can travel to the workplace in {vacancy.workplace_outward}",
        "hours": f"Can work {vacancy.hours_per_week} hours a week",
        "start": f"Can start on {start.day} {start:%B %Y}",
        "qualification": f"Does not already hold a digital qualification at level {vacancy.standard.level} or above",
    }


def in_scheme(match: Match) -> bool:
    """True when the candidate opted in to the scheme (a suggestion means they met every requirement when matched)."""
    return bool(match.candidate.guaranteed_interview)


def needs_requirement(match: Match) -> bool:
    """True when rejecting this suggestion now needs an essential requirement recorded as not met."""
    return in_scheme(match) and match.stage in BEFORE_INTERVIEW


def rejection_reason(match: Match, requirement: str | None) -> str | None:
    """The reason to record for a scheme candidate rejected before interview; ValueError if none was chosen."""
    if not needs_requirement(match):
        return None
    requirements = essential_requirements(match.vacancy)
    if requirement not in requirements:
        raise ValueError("Select the essential requirement they do not meet")
    return UNMET_PREFIX + requirements[requirement]
