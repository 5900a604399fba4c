"""Match review: recruiters see their borough's suggestions, name-blind until they shortlist, and move
them through the stages, auditing each decision and emailing the candidate where it matters."""

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from ... import emails
from ...access import borough_scoped
from ...audit import record_event
from ...extensions import db
from ...models import ApplicationStatus, Match, MatchStage, Vacancy, VacancyStatus, utcnow
from .runs import OPEN_STAGES, MatchError, cycle_start
from .blind import SuggestionView, is_revealed, reference, suggestion_view
from .stages import move_stage

STAGE_LABELS = {
    MatchStage.SUGGESTED.value: "Suggested", MatchStage.SHORTLISTED.value: "Shortlisted",
    MatchStage.INTERVIEW.value: "Invited to interview", MatchStage.OFFERED.value: "Offered",
    MatchStage.ACCEPTED.value: "Accepted the offer", MatchStage.REJECTED.value: "Rejected",
    MatchStage.WITHDRAWN.value: "Withdrawn by the candidate",
}


def stage_label(stage: str) -> str:
    """A stage as people read it."""
    return STAGE_LABELS.get(stage, stage.capitalize())


def _current_matches():
    """Matches from the current cycle (the latest round 1 run and later rounds)."""
    cycle = cycle_start()
    return select(Match).join(Match.vacancy).where(Match.run_id >= (cycle if cycle is not None else 0))


def review_placements() -> list[tuple[Vacancy, dict[str, int]]]:
    """The signed-in recruiter's live placements, each with its current matches counted by stage."""
    vacancies = db.session.scalars(borough_scoped(
        select(Vacancy).options(joinedload(Vacancy.borough)).where(Vacancy.status == VacancyStatus.LIVE.value)
        .order_by(Vacancy.closing_date, Vacancy.id), Vacancy)).all()
    counts: dict[int, dict[str, int]] = {}
    cycle = cycle_start()
    if cycle is not None and vacancies:
        statement = (select(Match.vacancy_id, Match.stage, func.count()).where(
            Match.run_id >= cycle, Match.vacancy_id.in_([v.id for v in vacancies])).group_by(Match.vacancy_id, Match.stage))
        for vacancy_id, stage, count in db.session.execute(statement):
            counts.setdefault(vacancy_id, {})[stage] = count
    return [(v, counts.get(v.id, {})) for v in vacancies]


def placement_matches(vacancy: Vacancy) -> list[Match]:
    """A placement's current matches, best score first (the caller has checked the borough)."""
    statement = _current_matches().options(joinedload(Match.candidate)).where(Match.vacancy_id == vacancy.id)
    return list(db.session.scalars(statement.order_by(Match.score.desc(), Match.id)))


def placement_suggestions(vacancy: Vacancy) -> list[SuggestionView]:
    """A placement's current suggestions as the recruiter may see them (name-blind until shortlisted)."""
    return [suggestion_view(match) for match in placement_matches(vacancy)]


def match_in_borough(match_id: int) -> Match | None:
    """One match whose placement belongs to the signed-in staff member's borough (any borough for admins)."""
    statement = borough_scoped(select(Match).join(Match.vacancy).where(Match.id == match_id), Vacancy)
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
           feedback: str | None = None, extra=None) -> Match:
    """Move a match to its next stage, audited, emailing the candidate where the action says so.

    `version` is the match version the recruiter saw: if the match changed since (or changes while
    this runs), nothing is overwritten and MatchError(STALE_MESSAGE) is raised. `extra(match)`, if given, runs in
    the same transaction just before the commit (an offer's terms and the positions check)."""
    if action not in ACTIONS:
        raise MatchError("Choose what to do with this suggestion")
    sources, target, send = ACTIONS[action]
    if version != match.version:
        raise MatchError(STALE_MESSAGE, "stale")
    if match.stage not in sources:
        raise MatchError(f"This suggestion is now {stage_label(match.stage).lower()}, so you cannot {action} it")
    if match.candidate.status != ApplicationStatus.SUBMITTED.value:
        raise MatchError("This candidate has withdrawn their application")
    if action == "reject" and not reason:
        raise MatchError("Select the reason for not going ahead", "reason")
    if action == "reject" and not feedback:
        raise MatchError("Enter feedback for the candidate", "feedback")
    try:
        # The UPDATE says "… WHERE version = the one loaded", so a change committed by someone else since
        # makes it match no row; that surfaces on the first flush (loading the email's data) or the commit.
        if action == "reject":
            match.reason, match.feedback = reason, feedback
        before = match.stage
        change = move_stage(match, target, actor_id, reason)
        match.decided_by_id, match.decided_at = actor_id, utcnow()
        event = record_event(f"match.{target}", match, actor_id=actor_id, vacancy_id=match.vacancy_id, from_stage=before)
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
        db.session.commit()
    except MatchError:
        db.session.rollback()
        raise
    except StaleDataError:
        db.session.rollback()
        raise MatchError(STALE_MESSAGE, "stale") from None
    return match


