"""Match review: recruiters see their borough's suggestions, name-blind until they shortlist, and move
them through the stages, auditing each decision and emailing the candidate where it matters."""

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from ... import emails
from ...audit import record_denial, record_event
from ...extensions import db
from ...models import ApplicationStatus, Placement, PlacementStatus, Suggestion, SuggestionStage, utcnow
from ..errors import ServiceError
from ..scope import in_borough
from . import guaranteed
from .blind import SuggestionView, suggestion_view
from .positions import PlacementFullError, close_when_filled, take_position
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


def _current_suggestions():
    """Suggestions of published runs (previews never reach recruiters)."""
    return select(Suggestion).join(Suggestion.placement).where(is_published())


def review_placements(
    borough_id: int | None, statuses: tuple[str, ...] = (PlacementStatus.LIVE.value,)
) -> list[tuple[Placement, dict[str, int]]]:
    """A borough's placements (every borough's for None) in these statuses, each with its current suggestions
    counted by stage."""
    placements = db.session.scalars(
        in_borough(
            select(Placement)
            .options(joinedload(Placement.borough))
            .where(Placement.status.in_(statuses))
            .order_by(Placement.closing_date, Placement.id),
            Placement,
            borough_id,
        )
    ).all()
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
    """A placement's current matches, best score first (the caller has checked the borough)."""
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
    statement = in_borough(
        select(Suggestion).join(Suggestion.placement).where(Suggestion.id == suggestion_id, is_published()),
        Placement,
        borough_id,
    )
    return db.session.scalar(statement)


# Each action: the stages it may start from, the stage it leads to, and the email it sends (if any).
ACTIONS = {
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
    """The actions a recruiter can take on a match in its current stage."""
    return [name for name, (sources, _, _) in ACTIONS.items() if suggestion.stage in sources]


def decide(
    suggestion: Suggestion,
    action: str,
    version: int | None,
    actor_id: int,
    reason: str | None = None,
    feedback: str | None = None,
    requirement: str | None = None,
    extra=None,
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
    if version != suggestion.version:
        raise ServiceError(STALE_MESSAGE, "stale")
    if suggestion.stage not in sources:
        raise ServiceError(f"This suggestion is now {stage_label(suggestion.stage).lower()}, so you cannot {action} it")
    if suggestion.candidate.status != ApplicationStatus.SUBMITTED.value:
        raise ServiceError("This candidate has withdrawn their application")
    if action == "reject":
        try:
            unmet = guaranteed.rejection_reason(suggestion, requirement)
        except ValueError as error:
            raise ServiceError(str(error), "requirement") from None
        reason, requirement = (unmet, requirement) if unmet else (reason, None)
    if action == "reject" and not reason:
        raise ServiceError("Select the reason for not going ahead", "reason")
    if action == "reject" and not feedback:
        raise ServiceError("Enter feedback for the candidate", "feedback")
    try:
        # Positions first: the placement's row lock orders decisions on the same placement one after another.
        placement = (
            take_position(suggestion)
            if target in (SuggestionStage.OFFERED.value, SuggestionStage.ACCEPTED.value)
            else None
        )
        # The UPDATE says "… WHERE version = the one loaded", so a change committed by someone else since
        # makes it match no row; that surfaces on the first flush (loading the email's data) or the commit.
        if action == "reject":
            suggestion.reason, suggestion.feedback = reason, feedback
        before = suggestion.stage
        change = move_stage(suggestion, target, actor_id, reason)
        suggestion.decided_by_id, suggestion.decided_at = actor_id, utcnow()
        event = record_event(
            f"suggestion.{target}",
            suggestion,
            actor_id=actor_id,
            placement_id=suggestion.placement_id,
            from_stage=before,
            **({"unmet_requirement": requirement} if action == "reject" and requirement else {}),
        )
        event.borough_id = suggestion.placement.borough_id  # a Match has no borough of its own; its placement does
        if target in (SuggestionStage.OFFERED.value, SuggestionStage.REJECTED.value):
            from ..scoring import attach_scores  # the scoring and interviews services build on this package

            attach_scores(change, suggestion)
        if target == SuggestionStage.REJECTED.value:
            from ..interviews import release_booking

            release_booking(suggestion, actor_id)
        if send is not None:
            send(suggestion)
        if extra is not None:
            extra(suggestion)
        if target == SuggestionStage.ACCEPTED.value:
            close_when_filled(placement, actor_id)
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
