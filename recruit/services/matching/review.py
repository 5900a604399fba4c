"""Match review: recruiters see their borough's suggestions, name-blind until they shortlist, and move
them through the stages, auditing each decision and emailing the candidate where it matters."""

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from ... import emails
from ...access import borough_scoped
from ...audit import record_denial, record_event
from ...extensions import db
from ...models import ApplicationStatus, Match, MatchStage, Vacancy, VacancyStatus, utcnow
from . import guaranteed
from .blind import SuggestionView, is_revealed, reference, suggestion_view
from .positions import PlacementFull, close_when_filled, take_position
from .runs import OPEN_STAGES, MatchError, is_published
from .stages import move_stage

STAGE_LABELS = {
    MatchStage.SUGGESTED.value: "Suggested", MatchStage.SHORTLISTED.value: "Shortlisted",
    MatchStage.INTERVIEW.value: "Invited to interview", MatchStage.OFFERED.value: "Offered",
    MatchStage.ACCEPTED.value: "Accepted the offer", MatchStage.REJECTED.value: "Rejected",
    MatchStage.WITHDRAWN.value: "Withdrawn by the candidate", MatchStage.CLOSED.value: "Closed: placement filled",
}


def stage_label(stage: str) -> str:
    """A stage as people read it."""
    return STAGE_LABELS.get(stage, stage.capitalize())


def _current_matches():
    """Suggestions of published runs (previews never reach recruiters)."""
    return select(Match).join(Match.vacancy).where(is_published())


def review_placements(statuses: tuple[str, ...] = (VacancyStatus.LIVE.value,)) -> list[tuple[Vacancy, dict[str, int]]]:
    """The signed-in staff member's placements in these statuses, each with its current matches counted by stage."""
    vacancies = db.session.scalars(borough_scoped(
        select(Vacancy).options(joinedload(Vacancy.borough)).where(Vacancy.status.in_(statuses))
        .order_by(Vacancy.closing_date, Vacancy.id), Vacancy)).all()
    counts: dict[int, dict[str, int]] = {}
    if vacancies:
        statement = (select(Match.vacancy_id, Match.stage, func.count()).where(
            is_published(), Match.vacancy_id.in_([v.id for v in vacancies])).group_by(Match.vacancy_id, Match.stage))
        for vacancy_id, stage, count in db.session.execute(statement):
            counts.setdefault(vacancy_id, {})[stage] = count
    return [(v, counts.get(v.id, {})) for v in vacancies]


def placement_matches(vacancy: Vacancy) -> list[Match]:
    """A placement's current matches, best score first (the caller has checked the borough)."""
    statement = _current_matches().options(joinedload(Match.candidate)).where(Match.vacancy_id == vacancy.id)
    return list(db.session.scalars(statement.order_by(Match.score.desc(), Match.id)))


def suggestion_views(vacancy: Vacancy) -> list[SuggestionView]:
    """A placement's current suggestions as the recruiter may see them (name-blind until shortlisted)."""
    return [suggestion_view(match) for match in placement_matches(vacancy)]


def view_match(match_id: int) -> Match | None:
    """One match in the borough, opened by a reviewer: recorded as viewing the candidate (an audit event)."""
    match = match_in_borough(match_id)
    if match is None:
        record_denial("not_found_in_borough")
        return None
    record_event("candidate.viewed", match.candidate, match_id=match.id, vacancy_id=match.vacancy_id,
                 vacancy_borough_id=match.vacancy.borough_id)
    db.session.commit()
    return match


def match_in_borough(match_id: int) -> Match | None:
    """One match whose placement belongs to the signed-in staff member's borough (any borough for admins)."""
    statement = borough_scoped(select(Match).join(Match.vacancy).where(Match.id == match_id, is_published()), Vacancy)
    return db.session.scalar(statement)


# Each action: the stages it may start from, the stage it leads to, and the email it sends (if any).
ACTIONS = {
    "shortlist": ((MatchStage.SUGGESTED.value,), MatchStage.SHORTLISTED.value, emails.email_match_shortlisted),
    "interview": ((MatchStage.SHORTLISTED.value,), MatchStage.INTERVIEW.value, emails.email_invited_to_interview),
    # An offer is made with its terms (services.offers.make_offer), which emails the letter; the candidate answers it.
    "offer": ((MatchStage.SHORTLISTED.value, MatchStage.INTERVIEW.value), MatchStage.OFFERED.value, None),
    "reject": (OPEN_STAGES, MatchStage.REJECTED.value, emails.email_match_rejected),
}
STALE_MESSAGE = ("Someone else changed this suggestion while you were looking at it. "
                 "Check its stage below and try again if you still need to.")


def actions_for(match: Match) -> list[str]:
    """The actions a recruiter can take on a match in its current stage."""
    return [name for name, (sources, _, _) in ACTIONS.items() if match.stage in sources]


def decide(match: Match, action: str, version: int | None, actor_id: int, reason: str | None = None,
           feedback: str | None = None, requirement: str | None = None, extra=None) -> Match:
    """Move a match to its next stage, audited, emailing the candidate where the action says so.

    `version` is the match version the recruiter saw: if the match changed since (or changes while
    this runs), nothing is overwritten and MatchError(STALE_MESSAGE) is raised. Repeating a decision that
    is already made (a second click, a second tab) changes nothing and emails nobody again. An offer or
    an acceptance takes one of the placement's positions, checked under the placement's row lock. A guaranteed interview
    scheme candidate is rejected before interview only with `requirement`, the key of the essential
    requirement the recruiter found not met (it becomes the reason). `extra(match)`, if given, runs in
    the same transaction just before the commit (an offer's terms and letter)."""
    if action not in ACTIONS:
        raise MatchError("Choose what to do with this suggestion")
    sources, target, send = ACTIONS[action]
    if match.stage == target:
        return match  # already done: the same request again
    if version != match.version:
        raise MatchError(STALE_MESSAGE, "stale")
    if match.stage not in sources:
        raise MatchError(f"This suggestion is now {stage_label(match.stage).lower()}, so you cannot {action} it")
    if match.candidate.status != ApplicationStatus.SUBMITTED.value:
        raise MatchError("This candidate has withdrawn their application")
    if action == "reject":
        try:
            unmet = guaranteed.rejection_reason(match, requirement)
        except ValueError as error:
            raise MatchError(str(error), "requirement") from None
        reason, requirement = (unmet, requirement) if unmet else (reason, None)
    if action == "reject" and not reason:
        raise MatchError("Select the reason for not going ahead", "reason")
    if action == "reject" and not feedback:
        raise MatchError("Enter feedback for the candidate", "feedback")
    try:
        # Positions first: the placement's row lock orders decisions on the same placement one after another.
        vacancy = take_position(match) if target in (MatchStage.OFFERED.value, MatchStage.ACCEPTED.value) else None
        # The UPDATE says "… WHERE version = the one loaded", so a change committed by someone else since
        # makes it match no row; that surfaces on the first flush (loading the email's data) or the commit.
        if action == "reject":
            match.reason, match.feedback = reason, feedback
        before = match.stage
        change = move_stage(match, target, actor_id, reason)
        match.decided_by_id, match.decided_at = actor_id, utcnow()
        event = record_event(f"match.{target}", match, actor_id=actor_id, vacancy_id=match.vacancy_id, from_stage=before,
                             **({"unmet_requirement": requirement} if action == "reject" and requirement else {}))
        event.borough_id = match.vacancy.borough_id  # a Match has no borough of its own; its placement does
        if target in (MatchStage.OFFERED.value, MatchStage.REJECTED.value):
            from ..scoring import attach_scores  # the scoring and interviews services build on this package

            attach_scores(change, match)
        if target == MatchStage.REJECTED.value:
            from ..interviews import release_booking

            release_booking(match, actor_id)
        if send is not None:
            send(match)
        if extra is not None:
            extra(match)
        if target == MatchStage.ACCEPTED.value:
            close_when_filled(vacancy, actor_id)
        db.session.commit()
    except PlacementFull as full:
        db.session.rollback()
        raise MatchError(str(full), "positions") from None
    except MatchError:
        db.session.rollback()
        raise
    except StaleDataError:
        db.session.rollback()
        db.session.refresh(match)
        if match.stage == target:
            return match  # the same decision, made a moment ago by a repeated request
        raise MatchError(STALE_MESSAGE, "stale") from None
    return match
