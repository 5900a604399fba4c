"""Every candidate who applied learns what a round meant for them: their suggestions or, for each placement
they chose, the plain reason it did not happen (the rule and the values that decided it, or that its places
went to candidates who matched more of it). Reasons are computed when the run is made, from the library's
result; publishing a run has a worker email them (`queue_notification`, which runs `notify_outcomes`)."""

import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import TypedDict, TypeVar

from sqlalchemy import SQLColumnExpression, case, func, select, update

import matching

from ... import emails
from ...bulk_insert import insert_rows
from ...extensions import Model, db
from ...models import Borough, Candidate, CandidateOutcome, MatchRun, Placement, Suggestion, User, utcnow

log = logging.getLogger(__name__)

NO_CHOICES = (
    "You did not choose any placements. Choose the placements you would like, in the order you want "
    "them, before the next round."
)
OTHERS_LOOKED = (
    "We also looked at other placements, as you asked. None that fits your answers (how far you can "
    "travel, your hours and your start date) had room for you in this round."
)
NOT_ELIGIBLE = (
    "On the answers you gave, you cannot start an apprenticeship yet. If your circumstances change, "
    "check your answers again."
)
NO_ROUND = "No placements had places left to offer in this round, so we could not suggest anyone."
NOT_OTHERS = (
    "You did not ask us to consider you for other placements. Saying yes to this in your application "
    "gives you more chances."
)


class WhyNotReason(TypedDict):
    """Why a candidate did not get a placement they chose, as stored (a suggestion's "why_not", an outcome's reasons)."""

    placement_id: int
    title: str
    rank: int
    reason: str
    text: str
    detail: str


class GeneralReason(TypedDict):
    """A reason about the candidate's whole list rather than one placement, as stored."""

    reason: str
    text: str


class OutcomeRow(TypedDict):
    """One candidate's outcome of a run, as written to CandidateOutcome."""

    candidate_id: int
    suggested: int
    reasons: list[WhyNotReason | GeneralReason]


def why_not_json(result: matching.MatchResult, candidate_id: str, titles: Mapping[str, str]) -> list[WhyNotReason]:
    """For each placement the candidate chose above their suggestion (all of them if none), why not, as stored."""
    return [
        {
            "placement_id": int(why.placement_id),
            "title": titles.get(why.placement_id, ""),
            "rank": why.choice_rank,
            "reason": why.reason_code,
            "text": why.text,
            "detail": why.detail,
        }
        for why in result.why_not(candidate_id)
    ]


def _general(profile: matching.CandidateProfile) -> list[GeneralReason]:
    """Reasons that are about the candidate's whole list rather than one placement."""
    if not profile.eligible and not profile.choices:
        return [{"reason": "not_eligible", "text": NOT_ELIGIBLE}]
    texts = [] if profile.choices else [NO_CHOICES]
    if profile.eligible:
        texts.append(OTHERS_LOOKED if profile.consider_others else NOT_OTHERS)
    return [{"reason": "general", "text": text} for text in texts]


def outcome_rows(
    result: matching.MatchResult | None, candidates: Iterable[matching.CandidateProfile], titles: Mapping[str, str]
) -> Iterator[OutcomeRow]:
    """One row per candidate in the run: how many suggestions, or the reasons for none (made as they are used)."""
    if result is None:  # the run could suggest nobody at all
        for c in candidates:
            yield {"candidate_id": int(c.id), "suggested": 0, "reasons": [{"reason": "general", "text": NO_ROUND}]}
        return
    counts: dict[str, int] = {}
    for pair in result.suggestions:
        counts[pair.candidate_id] = counts.get(pair.candidate_id, 0) + 1
    for profile in candidates:
        got = counts.get(profile.id, 0)
        reasons: list[WhyNotReason | GeneralReason] = (
            [] if got else [*why_not_json(result, profile.id, titles), *_general(profile)]
        )
        yield {"candidate_id": int(profile.id), "suggested": got, "reasons": reasons}


def record_outcomes(run_id: int, rows: Iterable[OutcomeRow]) -> None:
    """Store the run's outcome rows (in the caller's transaction)."""
    insert_rows(CandidateOutcome, ({**row, "run_id": run_id} for row in rows))


def _called(preferred_name: str | None, first_name: str | None) -> str:
    """What an email calls a candidate, from the two columns (as Candidate.display_name does)."""
    return preferred_name or first_name or "there"


def queue_notification(run_id: int) -> None:
    """Have a worker email everyone in a run that has just been published (the caller has committed it)."""
    from ...tasks import notify_outcomes_task  # the task module imports the services, so import it late

    try:
        notify_outcomes_task(run_id)
    except Exception:  # the queue cannot be reached: tell them from here rather than not at all
        log.exception("Could not queue the emails of run %s; sending them from this process", run_id)
        notify_outcomes(run_id)


def notify_outcomes(run_id: int) -> int:
    """Email every candidate in the run who has not yet been told its outcome; returns how many were emailed.

    Those suggested get an email about their suggestion; the others learn, for each placement they chose, why not.
    Rows are claimed with one UPDATE … WHERE notified_at IS NULL RETURNING, and the emails are written in the same
    transaction, so two calls at once (two publishes, a retry) never email anyone twice: the second waits for the
    first's row locks, then finds none; and a call that fails leaves everyone to the next."""
    run = db.session.get(MatchRun, run_id)
    if run is None:
        return 0
    claimed = db.session.execute(
        update(CandidateOutcome)
        .where(CandidateOutcome.run_id == run_id, CandidateOutcome.notified_at.is_(None))
        .values(notified_at=utcnow())
        .returning(CandidateOutcome.candidate_id, CandidateOutcome.suggested, CandidateOutcome.reasons)
    ).all()
    suggested = {candidate_id for candidate_id, count, _ in claimed if count}
    reasons = {candidate_id: why for candidate_id, count, why in claimed if not count}
    # The run's rows are read whole and filtered here: a list of 100,000 claimed ids is too long for an IN (…).
    suggestions = db.session.execute(
        select(
            Suggestion.candidate_id,
            User.email,
            Candidate.preferred_name,
            Candidate.first_name,
            Placement.title,
            Borough.name,
        )
        .select_from(Suggestion)
        .join(Candidate, Candidate.id == Suggestion.candidate_id)
        .join(User, User.id == Candidate.user_id)
        .join(Placement, Placement.id == Suggestion.placement_id)
        .join(Borough, Borough.id == Placement.borough_id)
        .where(Suggestion.run_id == run_id)
        .order_by(Suggestion.id)
    )
    emailed = emails.email_suggestions_suggested(
        (email, _called(preferred, first), title, borough)
        for candidate_id, email, preferred, first, title, borough in suggestions
        if candidate_id in suggested
    )
    people = db.session.execute(
        select(CandidateOutcome.candidate_id, User.email, Candidate.preferred_name, Candidate.first_name)
        .join(Candidate, Candidate.id == CandidateOutcome.candidate_id)
        .join(User, User.id == Candidate.user_id)
        .where(CandidateOutcome.run_id == run_id)
        .order_by(Candidate.id)
    )
    emailed += emails.email_round_outcomes(
        run.round,
        (
            (email, _called(preferred, first), reasons[candidate_id])
            for candidate_id, email, preferred, first in people
            if candidate_id in reasons
        ),
    )
    db.session.commit()
    return emailed


def latest_outcome(candidate_id: int, cycle_id: int | None) -> CandidateOutcome | None:
    """The candidate's outcome in the latest published run of the cycle they were part of, or None."""
    from .runs import published_run_ids  # runs imports this module

    statement = select(CandidateOutcome).where(
        CandidateOutcome.candidate_id == candidate_id, CandidateOutcome.run_id.in_(published_run_ids(cycle_id))
    )
    return db.session.scalar(statement.order_by(CandidateOutcome.run_id.desc()).limit(1))


# Hours a week candidates said they can work, in bands (part-time hours can stand in for caring or disability).
HOURS_BANDS = (
    ("Under 20 hours", 0, 19),
    ("20 to 29 hours", 20, 29),
    ("30 to 34 hours", 30, 34),
    ("35 hours or more", 35, 10**6),
)
NO_BOROUGH = "Outside London or not given"


_Group = TypeVar("_Group")


def _suggested_by(
    run_id: int,
    group: SQLColumnExpression[_Group],
    *outer_joins: tuple[type[Model], SQLColumnExpression[bool]],
) -> dict[_Group, tuple[int, int]]:
    """{group value: (candidates suggested, candidates)} over the run's candidates (a group outer-joined to nothing
    is None, whatever its column's type says)."""
    suggested = func.sum(case((CandidateOutcome.suggested > 0, 1), else_=0))
    statement = (
        select(group, suggested, func.count())
        .select_from(CandidateOutcome)
        .join(Candidate, Candidate.id == CandidateOutcome.candidate_id)
    )
    for target, on in outer_joins:
        statement = statement.outerjoin(target, on)
    statement = statement.where(CandidateOutcome.run_id == run_id).group_by(group)
    return {value: (int(chosen or 0), total) for value, chosen, total in db.session.execute(statement)}


def selection_rates(run_id: int) -> dict[str, tuple[list[str], matching.FairnessReport]]:
    """Share of the run's candidates suggested, by home borough and by hours available (never monitoring data).

    Returns {title: (group order, report)}; the page shows groups under 10 people as not enough data."""
    by_borough = {
        name or NO_BOROUGH: counts
        for name, counts in _suggested_by(
            run_id, Borough.name, (Borough, Borough.id == Candidate.home_borough_id)
        ).items()
    }
    band = case(
        *[(Candidate.hours_per_week.between(low, high), label) for label, low, high in HOURS_BANDS], else_="Not given"
    )
    by_hours = _suggested_by(run_id, band)
    borough_order = sorted(by_borough, key=lambda name: (name == NO_BOROUGH, name))
    hours_order = [label for label, _, _ in HOURS_BANDS if label in by_hours] + [
        k for k in by_hours if k == "Not given"
    ]
    return {
        "home borough": (borough_order, matching.fairness_report(by_borough)),
        "hours available": (hours_order, matching.fairness_report(by_hours)),
    }
