"""The application: sections saved as the candidate goes, check answers, submit, withdraw."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, update

from ... import emails
from ...audit import record_event
from ...extensions import db
from ...models import (
    ApplicationStatus,
    Borough,
    Candidate,
    CandidateOutcome,
    Standard,
    Suggestion,
    SuggestionStage,
    utcnow,
)
from ...postcodes import lookup_outward
from .. import rows_changed
from ..errors import ServiceError
from ..matching.runs import is_published
from ..matching.stages import move_stage
from .eligibility import is_eligible


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    fields: tuple[str, ...]  # the Candidate attributes this section may change
    is_complete: Callable[[Candidate], bool]


def _qualifications_complete(candidate: Candidate) -> bool:
    quals = candidate.qualifications or {}
    return all(key in quals for key in ("highest_level", "english_maths", "digital"))


SECTIONS: tuple[Section, ...] = (
    Section(
        "about-you",
        "About you",
        ("first_name", "last_name", "preferred_name", "phone", "date_of_birth"),
        lambda c: bool(c.first_name and c.last_name and c.date_of_birth),
    ),
    Section(
        "where-you-live",
        "Where you live",
        ("outward_postcode", "lat", "lon", "travel_km"),
        lambda c: bool(c.outward_postcode and c.travel_km and (c.home_borough_id or c.lives_outside_london)),
    ),
    Section(
        "when-you-can-work",
        "When you can work",
        ("hours_per_week", "available_from"),
        lambda c: bool(c.hours_per_week and c.available_from),
    ),
    Section(
        "skills",
        "Your skills",
        ("statements", "skills", "skills_text"),
        lambda c: bool(c.statements or c.skills or c.skills_text),
    ),
    Section("interests", "The jobs that interest you", ("interests",), lambda c: bool(c.interests)),
    Section("qualifications", "Your qualifications", ("qualifications",), _qualifications_complete),
    # An empty string means "answered: no adjustments needed"; None means not answered yet.
    Section(
        "support",
        "Support at interview",
        ("interview_adjustments", "guaranteed_interview"),
        lambda c: c.interview_adjustments is not None,
    ),
    Section(
        "how-you-heard",
        "How you heard about us",
        ("outreach_channel", "campaign_code"),
        lambda c: bool(c.outreach_channel),
    ),
    # Complete once the candidate has chosen at least one placement and answered "consider me for others".
    Section(
        "choices",
        "Your placement choices",
        ("consider_other_placements",),
        lambda c: c.consider_other_placements is not None and bool(c.choices),
    ),
)
SECTIONS_BY_KEY = {section.key: section for section in SECTIONS}


def section(key: str) -> Section | None:
    """The section with this key, or None."""
    return SECTIONS_BY_KEY.get(key)


def task_statuses(candidate: Candidate) -> list[tuple[Section, bool]]:
    """Every section with whether it is complete, in task list order."""
    return [(s, s.is_complete(candidate)) for s in SECTIONS]


def is_editable(candidate: Candidate) -> bool:
    """Sections can change only until the application is sent."""
    return candidate.status == ApplicationStatus.DRAFT.value


def _require_editable(candidate: Candidate) -> None:
    if not is_editable(candidate):
        raise ServiceError("You have already sent your application, so you cannot change it here")


def save_section(candidate: Candidate, key: str, values: Mapping[str, Any]) -> None:
    """Save one section's answers (only that section's fields) and record it."""
    _require_editable(candidate)
    allowed = SECTIONS_BY_KEY[key].fields
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValueError(f"fields {sorted(unknown)} do not belong to section {key}")
    if key == "where-you-live" and values.get("outward_postcode") != candidate.outward_postcode:
        # A new postcode means the home borough has to be confirmed again.
        candidate.home_borough_id = None
        candidate.lives_outside_london = False
    for name, value in values.items():
        setattr(candidate, name, value)
    record_event("application.section_saved", candidate, section=key)
    db.session.commit()


def suggested_borough(candidate: Candidate) -> Borough | None:
    """The London borough the candidate's outward code lies in, or None if outside London or unknown."""
    area = lookup_outward(candidate.outward_postcode or "")
    if area is None or not area.in_london:
        return None
    return db.session.scalar(select(Borough).where(Borough.ons_code == area.borough_ons))


def borough_by_slug(slug: str | None) -> Borough | None:
    """A borough by its slug, or None."""
    return db.session.scalar(select(Borough).where(Borough.slug == slug)) if slug else None


def all_boroughs() -> list[Borough]:
    """Every London borough, by name."""
    return list(db.session.scalars(select(Borough).order_by(Borough.name)))


def confirm_home_borough(candidate: Candidate, borough: Borough | None) -> None:
    """Record the home borough the candidate confirmed; None means they live outside London."""
    _require_editable(candidate)
    if not candidate.outward_postcode:
        raise ServiceError("Enter your postcode first", "postcode")
    candidate.home_borough_id = borough.id if borough else None
    candidate.lives_outside_london = borough is None
    record_event("application.section_saved", candidate, section="home-borough")
    db.session.commit()


def age_on(date_of_birth: date, on: date) -> int:
    """Age in whole years on a date."""
    return on.year - date_of_birth.year - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))


def submission_problems(candidate: Candidate) -> list[tuple[str, str]]:
    """What stops the application being sent, as (message, section key or anchor) pairs; empty when it can go."""
    problems = []
    if not is_eligible(candidate):
        problems.append(("Answer the questions that check you can apply", "eligibility"))
    for s, done in task_statuses(candidate):
        if not done and s.key == "choices" and not candidate.choices:
            problems.append(("Choose at least one placement", s.key))
        elif not done:
            problems.append((f"Complete the section: {s.title}", s.key))
    if (
        candidate.date_of_birth
        and candidate.available_from
        and age_on(candidate.date_of_birth, candidate.available_from) < 16
    ):
        problems.append(
            (
                "You must be 16 or older on the date you can start. Check your date of birth and start date",
                "when-you-can-work",
            )
        )
    if candidate.user.email_confirmed_at is None:
        problems.append(("Confirm your email address before you send your application", "confirm-email"))
    return problems


class SubmissionBlockedError(ServiceError):
    """The application cannot be sent yet; `problems` lists why."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__(problems[0][0])
        self.problems = problems


def submit(candidate: Candidate) -> None:
    """Send the application: every section complete, the email confirmed, the declaration made."""
    if candidate.status == ApplicationStatus.SUBMITTED.value:
        return  # sent already (a second tab, or a request that lost the race below): a repeat changes nothing
    _require_editable(candidate)
    problems = submission_problems(candidate)
    if problems:
        raise SubmissionBlockedError(problems)
    now = utcnow()
    # A conditional update: of two requests sending the same application at once (two tabs), only the first
    # changes the row; the second changes nothing and queues no second email or audit event.
    sent = rows_changed(
        update(Candidate)
        .where(Candidate.id == candidate.id, Candidate.status == ApplicationStatus.DRAFT.value)
        .values(status=ApplicationStatus.SUBMITTED.value, declaration_at=now, submitted_at=now, updated_at=now)
        .execution_options(synchronize_session="fetch")
    )
    if not sent:
        db.session.rollback()
        return
    record_event("application.submitted", candidate)
    emails.email_application_received(candidate)
    db.session.commit()


def close_hiring_steps(suggestion: Suggestion, actor_id: int) -> None:
    """Free an interview place and close an open offer of a suggestion that has just closed (the caller commits)."""
    from ..interviews import release_booking  # the hiring services build on this one's models only
    from ..offers import close_open_offer

    release_booking(suggestion, actor_id)
    close_open_offer(suggestion)


def withdraw(candidate: Candidate) -> None:
    """Withdraw a sent application; any open suggestions are withdrawn too, so recruiters stop reviewing them."""
    if candidate.status != ApplicationStatus.SUBMITTED.value:
        raise ServiceError("Only an application you have sent can be withdrawn")
    candidate.status = ApplicationStatus.WITHDRAWN.value
    candidate.withdrawn_at = utcnow()
    closed = {SuggestionStage.ACCEPTED.value, SuggestionStage.REJECTED.value, SuggestionStage.WITHDRAWN.value}
    for suggestion in db.session.scalars(select(Suggestion).where(Suggestion.candidate_id == candidate.id)):
        if suggestion.stage not in closed:
            move_stage(
                suggestion,
                SuggestionStage.WITHDRAWN.value,
                candidate.user_id,
                "The candidate withdrew their application",
            )
            close_hiring_steps(suggestion, candidate.user_id)
    record_event("application.withdrawn", candidate)
    db.session.commit()


def round_has_run() -> bool:
    """True once a round has suggested candidates in the current cycle (so a candidate with none was not matched)."""
    from ..cycles import current_cycle_id
    from ..matching.runs import published_run

    return published_run(current_cycle_id(), 1) is not None


def suggestions_for(candidate: Candidate) -> list[Suggestion]:
    """The candidate's own suggestions from published runs (never a preview), newest run first."""
    return list(
        db.session.scalars(
            select(Suggestion)
            .where(Suggestion.candidate_id == candidate.id, is_published())
            .order_by(Suggestion.run_id.desc(), Suggestion.score.desc())
        )
    )


def outcome_for(candidate: Candidate) -> CandidateOutcome | None:
    """The candidate's outcome in the latest round of the current cycle they took part in (None before any)."""
    # Imported here: the matching services import candidates.eligibility, so a module-level import would loop.
    from ..cycles import current_cycle_id
    from ..matching import outcomes

    return outcomes.latest_outcome(candidate.id, current_cycle_id())


def standards() -> list[Standard]:
    """The apprenticeship standards candidates can be interested in, by level then title."""
    return list(db.session.scalars(select(Standard).order_by(Standard.level, Standard.title)))
