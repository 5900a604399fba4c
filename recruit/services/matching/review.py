"""Match review: recruiters see their borough's suggestions, name-blind until they shortlist, and move
them through the stages, auditing each decision and emailing the candidate where it matters."""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from ... import emails
from ...audit import record_denial, record_event
from ...extensions import db
from ...models import (
    ApplicationStatus,
    Placement,
    PlacementStatus,
    StageChange,
    Suggestion,
    SuggestionStage,
    utcnow,
)
from ..errors import ServiceError
from ..scope import in_borough
from . import guaranteed
from .blind import SuggestionView, suggestion_view
from .positions import TAKING, PlacementFullError, close_when_filled, take_position
from .runs import OPEN_STAGES, is_published
from .stages import move_stage

STAGE_LABELS = {
    SuggestionStage.SUGGESTED.value: "Suggested",
    SuggestionStage.SHORTLISTED.value: "Shortlisted",
    SuggestionStage.INTERVIEW.value: "Invited to interview",
    SuggestionStage.OFFERED.value: "Offered",
    SuggestionStage.ACCEPTED.value: "Accepted the offer",
    SuggestionStage.REJECTED.value: "Rejected",
    SuggestionStage.WITHDRAWN.value: "Withdrawn by the candidate",
    SuggestionStage.CLOSED.value: "Closed: placement filled",
}


def stage_label(stage: str) -> str:
    """A stage as people read it."""
    return STAGE_LABELS.get(stage, stage.capitalize())


def _current_suggestions() -> Select[tuple[Suggestion]]:
    """Suggestions of published runs (previews never reach recruiters)."""
    return select(Suggestion).join(Suggestion.placement).where(is_published())


def review_placements(
    borough_id: int | None, statuses: tuple[str, ...] = (PlacementStatus.LIVE.value,)
) -> list[tuple[Placement, dict[str, int]]]:
    """A borough's placements (every borough's for None) in these statuses, each with its current suggestions
    counted by stage."""
    placements_in_borough: Select[tuple[Placement]] = in_borough(
        select(Placement)
        .options(joinedload(Placement.borough))
        .where(Placement.status.in_(statuses))
        .order_by(Placement.closing_date, Placement.id),
        Placement,
        borough_id,
    )
    placements = db.session.scalars(placements_in_borough).all()
    counts: dict[int, dict[str, int]] = {}
    if placements:
        statement = (
            select(Suggestion.placement_id, Suggestion.stage, func.count())
            .where(is_published(), Suggestion.placement_id.in_([v.id for v in placements]))
            .group_by(Suggestion.placement_id, Suggestion.stage)
        )
        for placement_id, stage, count in db.session.execute(statement):
            counts.setdefault(placement_id, {})[stage] = count
    return [(v, counts.get(v.id, {})) for v in placements]


def placement_suggestions(placement: Placement) -> list[Suggestion]:
    """A placement's current suggestions, best score first (the caller has checked the borough)."""
    statement = (
        _current_suggestions().options(joinedload(Suggestion.candidate)).where(Suggestion.placement_id == placement.id)
    )
    return list(db.session.scalars(statement.order_by(Suggestion.score.desc(), Suggestion.id)))


def suggestion_views(placement: Placement) -> list[SuggestionView]:
    """A placement's current suggestions as the recruiter may see them (name-blind until shortlisted)."""
    return [suggestion_view(suggestion) for suggestion in placement_suggestions(placement)]


def view_suggestion(suggestion_id: int, borough_id: int | None) -> Suggestion | None:
    """One suggestion in the borough, opened by a reviewer: recorded as viewing the candidate (an audit event)."""
    suggestion = suggestion_in_borough(suggestion_id, borough_id)
    if suggestion is None:
        record_denial("not_found_in_borough")
        return None
    record_event(
        "candidate.viewed",
        suggestion.candidate,
        suggestion_id=suggestion.id,
        placement_id=suggestion.placement_id,
        placement_borough_id=suggestion.placement.borough_id,
    )
    db.session.commit()
    return suggestion


def suggestion_in_borough(suggestion_id: int, borough_id: int | None) -> Suggestion | None:
    """One published suggestion whose placement is in the borough (any borough for None), else None."""
    statement: Select[tuple[Suggestion]] = in_borough(
        select(Suggestion).join(Suggestion.placement).where(Suggestion.id == suggestion_id, is_published()),
        Placement,
        borough_id,
    )
    return db.session.scalar(statement)


# An email a decision sends the candidate.
Send = Callable[[Suggestion], None]
# Each action: the stages it may start from, the stage it leads to, and the email it sends (if any).
ACTIONS: dict[str, tuple[tuple[str, ...], str, Send | None]] = {
    "shortlist": (
        (SuggestionStage.SUGGESTED.value,),
        SuggestionStage.SHORTLISTED.value,
        emails.email_suggestion_shortlisted,
    ),
    "interview": (
        (SuggestionStage.SHORTLISTED.value,),
        SuggestionStage.INTERVIEW.value,
        emails.email_invited_to_interview,
    ),
    # An offer is made with its terms (services.offers.make_offer), which emails the letter; the candidate answers it.
    "offer": (
        (SuggestionStage.SHORTLISTED.value, SuggestionStage.INTERVIEW.value),
        SuggestionStage.OFFERED.value,
        None,
    ),
    "reject": (OPEN_STAGES, SuggestionStage.REJECTED.value, emails.email_suggestion_rejected),
}
STALE_MESSAGE = (
    "Someone else changed this suggestion while you were looking at it. "
    "Check its stage below and try again if you still need to."
)


def actions_for(suggestion: Suggestion) -> list[str]:
    """The actions a recruiter can take on a suggestion in its current stage."""
    return [name for name, (sources, _, _) in ACTIONS.items() if suggestion.stage in sources]


def decide(
    suggestion: Suggestion,
    action: str,
    version: int | None,
    actor_id: int,
    reason: str | None = None,
    feedback: str | None = None,
    requirement: str | None = None,
    extra: Callable[[Suggestion], object] | None = None,
) -> Suggestion:
    """Move a suggestion to its next stage, audited, emailing the candidate where the action says so.

    `version` is the suggestion's version the recruiter saw: if it changed since (or changes while
    this runs), nothing is overwritten and ServiceError(STALE_MESSAGE) is raised. Repeating a decision that
    is already made (a second click, a second tab) changes nothing and emails nobody again. An offer or
    an acceptance takes one of the placement's positions, checked under the placement's row lock. A guaranteed interview
    scheme candidate is rejected before interview only with `requirement`, the key of the essential
    requirement the recruiter found not met (it becomes the reason). `extra(suggestion)`, if given, runs in
    the same transaction just before the commit (an offer's terms and letter)."""
    if action not in ACTIONS:
        raise ServiceError("Choose what to do with this suggestion")
    sources, target, send = ACTIONS[action]
    if suggestion.stage == target:
        return suggestion  # already done: the same request again
    _check_decidable(suggestion, action, version, sources)
    unmet = None
    if action == "reject":
        reason, unmet = _rejection_grounds(suggestion, reason, feedback, requirement)
    try:
        _apply(suggestion, _Decision(action, target, send, actor_id, reason, feedback, unmet), extra)
        db.session.commit()
    except PlacementFullError as full:
        db.session.rollback()
        raise ServiceError(str(full), "positions") from None
    except ServiceError:
        db.session.rollback()
        raise
    except StaleDataError:
        db.session.rollback()
        db.session.refresh(suggestion)
        if suggestion.stage == target:
            return suggestion  # the same decision, made a moment ago by a repeated request
        raise ServiceError(STALE_MESSAGE, "stale") from None
    return suggestion


@dataclass(frozen=True)
class _Decision:
    """One decision as `decide` has checked it: what to do, who does it, and (to reject) why."""

    action: str
    target: str
    send: Send | None
    actor_id: int
    reason: str | None
    feedback: str | None
    unmet_requirement: str | None  # the guaranteed interview scheme's requirement found not met, if any


def _check_decidable(suggestion: Suggestion, action: str, version: int | None, sources: tuple[str, ...]) -> None:
    """Refuse a decision on a suggestion that changed since the recruiter saw it, or that the action cannot move."""
    if version != suggestion.version:
        raise ServiceError(STALE_MESSAGE, "stale")
    if suggestion.stage not in sources:
        raise ServiceError(f"This suggestion is now {stage_label(suggestion.stage).lower()}, so you cannot {action} it")
    if suggestion.candidate.status != ApplicationStatus.SUBMITTED.value:
        raise ServiceError("This candidate has withdrawn their application")


def _rejection_grounds(
    suggestion: Suggestion, reason: str | None, feedback: str | None, requirement: str | None
) -> tuple[str, str | None]:
    """The reason to record for a rejection and the scheme requirement found not met (None if none), or a
    ServiceError saying what the recruiter still has to give."""
    try:
        unmet = guaranteed.rejection_reason(suggestion, requirement)
    except ValueError as error:
        raise ServiceError(str(error), "requirement") from None
    reason, requirement = (unmet, requirement) if unmet else (reason, None)
    if not reason:
        raise ServiceError("Select the reason for not going ahead", "reason")
    if not feedback:
        raise ServiceError("Enter feedback for the candidate", "feedback")
    return reason, requirement


def _apply(suggestion: Suggestion, decision: _Decision, extra: Callable[[Suggestion], object] | None) -> None:
    """Make the decision in the caller's transaction (the caller commits, or rolls back on an error)."""
    # Positions first: the placement's row lock orders decisions on the same placement one after another.
    placement = take_position(suggestion) if decision.target in TAKING else None
    # The UPDATE says "… WHERE version = the one loaded", so a change committed by someone else since
    # makes it match no row; that surfaces on the first flush (loading the email's data) or the commit.
    if decision.action == "reject":
        suggestion.reason, suggestion.feedback = decision.reason, decision.feedback
    change = _move_audited(suggestion, decision)
    _follow_up(suggestion, change, decision.target, decision.actor_id)
    if decision.send is not None:
        decision.send(suggestion)
    if extra is not None:
        extra(suggestion)
    if placement is not None and decision.target == SuggestionStage.ACCEPTED.value:
        close_when_filled(placement, decision.actor_id)


def _move_audited(suggestion: Suggestion, decision: _Decision) -> StageChange:
    """Move the suggestion to the decision's stage, recording who decided and when, with its audit event."""
    before = suggestion.stage
    change = move_stage(suggestion, decision.target, decision.actor_id, decision.reason)
    suggestion.decided_by_id, suggestion.decided_at = decision.actor_id, utcnow()
    unmet = decision.unmet_requirement
    event = record_event(
        f"suggestion.{decision.target}",
        suggestion,
        actor_id=decision.actor_id,
        placement_id=suggestion.placement_id,
        from_stage=before,
        **({"unmet_requirement": unmet} if unmet else {}),
    )
    event.borough_id = suggestion.placement.borough_id  # a suggestion has no borough of its own; its placement does
    return change


def _follow_up(suggestion: Suggestion, change: StageChange, target: str, actor_id: int) -> None:
    """What a stage brings with it: an offer or rejection keeps the interview scores it rested on; a rejection
    frees the candidate's interview booking."""
    if target in (SuggestionStage.OFFERED.value, SuggestionStage.REJECTED.value):
        from ..scoring import attach_scores  # the scoring and interviews services build on this package

        attach_scores(change, suggestion)
    if target == SuggestionStage.REJECTED.value:
        from ..interviews import release_booking

        release_booking(suggestion, actor_id)
