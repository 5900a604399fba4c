"""Bulk decisions: shortlist or reject several of a placement's suggestions in one step.

Each suggestion is decided on its own (its own version check, its own transaction), so one that changed
since the recruiter looked is left alone while the others go ahead, and the result says which and why."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...models import Placement, Suggestion
from ..errors import ServiceError
from . import guaranteed
from .blind import reference
from .review import decide, stage_label

BULK_ACTIONS = ("shortlist", "reject")
# Before the interview, a candidate with a guaranteed interview may only be turned down one at a time,
# recording the essential requirement they do not meet (docs/glossary.md: guaranteed interview scheme).
GUARANTEED_MESSAGE = (
    "They asked for a guaranteed interview, so they are not rejected in bulk before an interview. "
    "Open their page to decide on them on their own."
)

# Feedback a recruiter starts from and edits before sending; one per reason for not going ahead.
FEEDBACK_TEMPLATES = {
    "skills": "Thank you for applying. Your application showed real interest in digital work. For this placement we "
    "needed more experience of the skills it lists; building a small project that uses them would make "
    "your next application stronger.",
    "closer_match": "Thank you for applying. We had more candidates than positions, and others matched the "
    "placement's skills a little more closely. Your application was a good one: please keep applying.",
    "interview": "Thank you for coming to interview. Other candidates gave fuller examples of the skills the "
    "placement needs. Practising answers that describe something you did, how and what happened "
    "would help at your next interview.",
    "no_reply": "We tried to arrange an interview with you but did not hear back, so we cannot go ahead this time. "
    "You are welcome to apply again.",
    "other": "Thank you for applying. We are not going ahead with your application for this placement this time.",
}


@dataclass(frozen=True)
class BulkOutcome:
    """What happened to one selected suggestion."""

    suggestion_id: int
    reference: str
    changed: bool
    message: str


def parse_selection(values: list[str]) -> list[tuple[int, int]] | None:
    """The "suggestion id:version" pairs the checkboxes post, or None if any is not of that form."""
    pairs = []
    for value in values:
        suggestion_id, _, version = (value or "").partition(":")
        if not (
            suggestion_id.isascii()
            and suggestion_id.isdigit()
            and version.isascii()
            and version.isdigit()
            and len(suggestion_id) <= 9
            and len(version) <= 9
        ):
            return None
        pairs.append((int(suggestion_id), int(version)))
    return list(dict.fromkeys(pairs))


def selected_suggestions(placement: Placement, pairs: list[tuple[int, int]]) -> list[Suggestion]:
    """The placement's suggestions among the selected ones (others are ignored; the caller checked the borough)."""
    ids = [suggestion_id for suggestion_id, _ in pairs]
    statement = (
        select(Suggestion)
        .options(joinedload(Suggestion.candidate))
        .where(Suggestion.placement_id == placement.id, Suggestion.id.in_(ids))
        .order_by(Suggestion.score.desc(), Suggestion.id)
    )
    return list(db.session.scalars(statement))


def decide_many(
    placement: Placement,
    pairs: list[tuple[int, int]],
    action: str,
    actor_id: int,
    reason: str | None = None,
    feedback: str | None = None,
) -> list[BulkOutcome]:
    """Shortlist or reject each selected suggestion of the placement, each checked against the version seen."""
    if action not in BULK_ACTIONS:
        raise ServiceError("Choose whether to shortlist or reject the candidates you selected")
    if not pairs:
        raise ServiceError("Select at least one candidate", "selected")
    found = {suggestion.id: suggestion for suggestion in selected_suggestions(placement, pairs)}
    outcomes = []
    for suggestion_id, version in pairs:
        suggestion = found.get(suggestion_id)
        if suggestion is None:
            outcomes.append(
                BulkOutcome(suggestion_id, "Unknown", False, "This is not one of this placement's suggestions.")
            )
            continue
        ref = reference(suggestion.candidate_id)
        if action == "reject" and guaranteed.needs_requirement(suggestion):
            outcomes.append(BulkOutcome(suggestion_id, ref, False, GUARANTEED_MESSAGE))
            continue
        try:
            decide(suggestion, action, version, actor_id, reason=reason, feedback=feedback)
        except ServiceError as error:
            db.session.rollback()
            outcomes.append(BulkOutcome(suggestion_id, ref, False, error.message))
        else:
            outcomes.append(BulkOutcome(suggestion_id, ref, True, f"{stage_label(suggestion.stage)}."))
    return outcomes
