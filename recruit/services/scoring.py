"""Panel scoring: each interviewer scores each of the placement's criteria from 1 to 4 with evidence, on their own.

An interviewer sees the others' scores only once they have submitted their own, so nobody is swayed by the
first score they read. A decision to offer or reject after interview records the scores it rested on."""

from dataclasses import dataclass
from statistics import mean

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..audit import record_event
from ..extensions import db
from ..models import InterviewCriterion, InterviewScore, Placement, StageChange, Suggestion, SuggestionStage
from .errors import ServiceError as ServiceError  # re-exported: the views catch service.ServiceError

MIN_CRITERIA, MAX_CRITERIA = 3, 6
TITLE_MAX = 150
EVIDENCE_MAX = 500
SCALE = {1: "1: no evidence", 2: "2: some evidence", 3: "3: good evidence", 4: "4: strong evidence"}
SCORING_STAGES = (SuggestionStage.INTERVIEW.value,)

# Starting criteria for every placement, then one or two for the family of standards it trains for.
COMMON_CRITERIA = (
    "Why they want this apprenticeship and what they hope to learn",
    "Communicating clearly and working with others",
    "Solving problems and learning from mistakes",
)
FAMILY_CRITERIA = {
    ("ST0116", "ST0128", "ST0825", "ST0129", "ST0119"): ("Interest in how software is built, tested and improved",),
    ("ST0118", "ST0795", "ST1386", "ST1512"): ("Working carefully with data and numbers",),
    ("ST0505", "ST0120", "ST0973", "ST0127"): ("Helping people with technology, patiently and clearly",),
    ("ST1021", "ST0865"): ("Caring about keeping information and systems safe",),
    ("ST0122", "ST0117"): ("Understanding what users need and explaining it",),
}
FALLBACK_CRITERION = "Interest in the skills this apprenticeship teaches"


@dataclass(frozen=True)
class CriterionSummary:
    criterion: InterviewCriterion
    scores: list[InterviewScore]

    @property
    def mean(self) -> float | None:
        return mean(s.score for s in self.scores) if self.scores else None

    @property
    def spread(self) -> int | None:
        """Highest score minus lowest: 0 means the panel agreed."""
        return max(s.score for s in self.scores) - min(s.score for s in self.scores) if self.scores else None


def template_criteria(placement: Placement) -> list[str]:
    """The starting criteria for a placement's standard."""
    for references, extra in FAMILY_CRITERIA.items():
        if placement.standard.reference in references:
            return [*COMMON_CRITERIA, *extra]
    return [*COMMON_CRITERIA, FALLBACK_CRITERION]


def criteria_for(placement: Placement) -> list[InterviewCriterion]:
    """The placement's criteria, made from its standard's template the first time they are needed."""
    stored = list(
        db.session.scalars(
            select(InterviewCriterion)
            .where(InterviewCriterion.placement_id == placement.id)
            .order_by(InterviewCriterion.position)
        )
    )
    if stored:
        return stored
    try:
        for position, title in enumerate(template_criteria(placement), start=1):
            db.session.add(InterviewCriterion(placement_id=placement.id, position=position, title=title))
        db.session.commit()
    except IntegrityError:  # another request made them at the same moment: use theirs
        db.session.rollback()
    return list(
        db.session.scalars(
            select(InterviewCriterion)
            .where(InterviewCriterion.placement_id == placement.id)
            .order_by(InterviewCriterion.position)
        )
    )


def scores_exist(placement: Placement) -> bool:
    """True once anyone has scored a candidate for this placement (its criteria are then fixed)."""
    return bool(
        db.session.scalar(
            select(func.count())
            .select_from(InterviewScore)
            .join(InterviewScore.criterion)
            .where(InterviewCriterion.placement_id == placement.id)
        )
    )


def update_criteria(placement: Placement, titles: list[str], actor_id: int) -> list[InterviewCriterion]:
    """Replace the placement's criteria (3 to 6; blank lines dropped) while nobody has scored against them."""
    titles = [title.strip() for title in titles if title and title.strip()]
    if scores_exist(placement):
        raise ServiceError.by_field(
            {"": "Interviewers have already scored candidates against these criteria, so they cannot change"}
        )
    if not MIN_CRITERIA <= len(titles) <= MAX_CRITERIA:
        raise ServiceError.by_field({"criterion_1": f"Enter from {MIN_CRITERIA} to {MAX_CRITERIA} criteria"})
    long = [i for i, title in enumerate(titles, start=1) if len(title) > TITLE_MAX]
    if long:
        raise ServiceError.by_field({f"criterion_{long[0]}": f"Each criterion must be {TITLE_MAX} characters or fewer"})
    for criterion in criteria_for(placement):
        db.session.delete(criterion)
    db.session.flush()
    made = [
        InterviewCriterion(placement_id=placement.id, position=i, title=title)
        for i, title in enumerate(titles, start=1)
    ]
    db.session.add_all(made)
    record_event("interview_criteria.changed", placement, actor_id=actor_id, count=len(made))
    db.session.commit()
    return made


def has_submitted(suggestion: Suggestion, user_id: int) -> bool:
    """True once this person has submitted their scores for this candidate."""
    return bool(
        db.session.scalar(
            select(func.count())
            .select_from(InterviewScore)
            .where(InterviewScore.suggestion_id == suggestion.id, InterviewScore.interviewer_id == user_id)
        )
    )


def interviewer_count(suggestion: Suggestion) -> int:
    """How many interviewers have submitted scores for this candidate (shown before one's own, without the scores)."""
    return (
        db.session.scalar(
            select(func.count(func.distinct(InterviewScore.interviewer_id))).where(
                InterviewScore.suggestion_id == suggestion.id
            )
        )
        or 0
    )


def submit_scores(
    suggestion: Suggestion, interviewer_id: int, answers: dict[int, tuple[str | None, str | None]]
) -> list[InterviewScore]:
    """Record one interviewer's scores for every criterion at once; refused if any is missing or out of range."""
    if suggestion.stage not in SCORING_STAGES:
        raise ServiceError.by_field({"": "You can score a candidate only while they are at the interview stage"})
    if has_submitted(suggestion, interviewer_id):
        raise ServiceError.by_field({"": "You have already submitted your scores for this candidate"})
    errors, rows = {}, []
    for criterion in criteria_for(suggestion.placement):
        raw_score, evidence = answers.get(criterion.id, (None, None))
        evidence = (evidence or "").strip()
        if raw_score not in {"1", "2", "3", "4"}:
            errors[f"score_{criterion.id}"] = f"Select a score from 1 to 4 for “{criterion.title}”"
        if not evidence:
            errors[f"evidence_{criterion.id}"] = f"Enter the evidence for your score for “{criterion.title}”"
        elif len(evidence) > EVIDENCE_MAX:
            errors[f"evidence_{criterion.id}"] = f"Evidence must be {EVIDENCE_MAX} characters or fewer"
        if raw_score in {"1", "2", "3", "4"} and evidence:
            rows.append(
                InterviewScore(
                    suggestion_id=suggestion.id,
                    criterion_id=criterion.id,
                    interviewer_id=interviewer_id,
                    score=int(raw_score),
                    evidence=evidence,
                )
            )
    if errors:
        raise ServiceError.by_field(errors)
    db.session.add_all(rows)
    try:
        event = record_event(
            "interview.scored", suggestion, actor_id=interviewer_id, placement_id=suggestion.placement_id
        )
        event.borough_id = suggestion.placement.borough_id
        db.session.commit()
    except IntegrityError:  # the same person submitted twice at once
        db.session.rollback()
        raise ServiceError.by_field({"": "You have already submitted your scores for this candidate"}) from None
    return rows


def summary(suggestion: Suggestion) -> list[CriterionSummary]:
    """Every submitted score for the candidate, criterion by criterion (show only to those who have submitted)."""
    scores = list(
        db.session.scalars(
            select(InterviewScore)
            .options(joinedload(InterviewScore.interviewer))
            .where(InterviewScore.suggestion_id == suggestion.id)
            .order_by(InterviewScore.id)
        )
    )
    return [
        CriterionSummary(criterion, [s for s in scores if s.criterion_id == criterion.id])
        for criterion in criteria_for(suggestion.placement)
    ]


def overall_mean(rows: list[CriterionSummary]) -> float | None:
    """The mean of every score given."""
    scores = [s.score for row in rows for s in row.scores]
    return mean(scores) if scores else None


def attach_scores(change: StageChange, suggestion: Suggestion) -> None:
    """Record on a decision the scores submitted for the candidate so far (the caller commits)."""
    change.scores = list(
        db.session.scalars(select(InterviewScore).where(InterviewScore.suggestion_id == suggestion.id))
    )


def decision_scores(suggestion: Suggestion) -> list[tuple[StageChange, list[InterviewScore]]]:
    """Each decision about the candidate that rested on interview scores, with those scores."""
    return [(change, list(change.scores)) for change in suggestion.stage_changes if change.scores]
