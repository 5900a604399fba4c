"""The candidate's data: download all of it, delete it, and purge old applications after retention."""

import calendar
from datetime import UTC, date, datetime, time
from typing import Any, TypedDict

from sqlalchemy import and_, delete, exists, func, or_, select, update

from ...audit import record_event
from ...extensions import db
from ...models import (
    AuditEvent,
    Candidate,
    CandidateOutcome,
    Choice,
    OutboxEmail,
    Placement,
    PlacementStatus,
    StageChange,
    Suggestion,
    User,
    UserSession,
    utcnow,
)
from .. import monitoring
from ..matching.runs import is_published

# What is kept once an account is deleted or an application purged: said on the deletion page and in the
# privacy notice, and checked by a test that searches every table and stored document for the person.
KEPT_AFTER_DELETION = (
    "a note that an account was deleted, and when, with nothing that leads to you",
    "what recruiters decided and when, with nothing that says who it was about",
    "the lists made each time we matched candidates to placements, with you under a made-up label that links to no "
    "one, so the matching can still be checked",
    "totals in reports for groups of 10 or more people, and totals saved when each recruitment period ended: these "
    "never describe one person",
)


def _iso(value: date | None) -> str | None:
    """A date or time in ISO 8601, or None."""
    return value.isoformat() if value is not None else None


def _candidate_of(user: User) -> Candidate:
    """The candidate's application, which every candidate's account has."""
    candidate = user.candidate
    assert candidate is not None  # the "Your data" views serve only a candidate with an application (candidate_view)
    return candidate


class CandidateRecords(TypedDict):
    """The rows the "Your data" page lists."""

    suggestions: list[Suggestion]
    emails: list[OutboxEmail]
    events: list[AuditEvent]
    equality_monitoring: dict[str, str] | None


def records(user: User) -> CandidateRecords:
    """The candidate's suggestions, emails, activity and equality answers as rows, for the "Your data" page."""
    candidate = _candidate_of(user)
    return {
        "suggestions": list(
            db.session.scalars(
                select(Suggestion)
                .where(Suggestion.candidate_id == candidate.id, is_published())
                .order_by(Suggestion.id)
            )
        ),
        "emails": list(
            db.session.scalars(
                select(OutboxEmail)
                .where(func.lower(OutboxEmail.recipient) == user.email.lower())
                .order_by(OutboxEmail.id)
            )
        ),
        "events": list(
            db.session.scalars(
                select(AuditEvent)
                .where(
                    or_(
                        AuditEvent.actor_id == user.id,
                        and_(AuditEvent.entity_type == "User", AuditEvent.entity_id == user.id),
                        and_(AuditEvent.entity_type == "Candidate", AuditEvent.entity_id == candidate.id),
                    )
                )
                .order_by(AuditEvent.at, AuditEvent.id)
            )
        ),
        "equality_monitoring": monitoring.own_answers(candidate.id),
    }


def export(user: User) -> dict[str, Any]:
    """Everything held about this candidate, including their own equality answers, as plain JSON-ready data
    (nested, so its values are of mixed types)."""
    candidate = _candidate_of(user)
    rows = records(user)
    suggestions, outbox, events = rows["suggestions"], rows["emails"], rows["events"]
    return {
        "exported_at": _iso(utcnow()),
        "account": {
            "email": user.email,
            "created_at": _iso(user.created_at),
            "email_confirmed_at": _iso(user.email_confirmed_at),
            "last_sign_in_at": _iso(user.last_sign_in_at),
        },
        "application": {
            "status": candidate.status,
            "first_name": candidate.first_name,
            "last_name": candidate.last_name,
            "preferred_name": candidate.preferred_name,
            "phone": candidate.phone,
            "date_of_birth": _iso(candidate.date_of_birth),
            "outward_postcode": candidate.outward_postcode,
            "home_borough": candidate.home_borough.name if candidate.home_borough else None,
            "lives_outside_london": candidate.lives_outside_london,
            "travel_km": candidate.travel_km,
            "hours_per_week": candidate.hours_per_week,
            "available_from": _iso(candidate.available_from),
            "eligibility": candidate.eligibility,
            "statements": candidate.statements,
            "skills": candidate.skills,
            "skills_text": candidate.skills_text,
            "interests": candidate.interests,
            "qualifications": candidate.qualifications,
            "interview_adjustments": candidate.interview_adjustments,
            "guaranteed_interview": candidate.guaranteed_interview,
            "outreach_channel": candidate.outreach_channel,
            "campaign_code": candidate.campaign_code,
            "consider_other_placements": candidate.consider_other_placements,
            "declaration_at": _iso(candidate.declaration_at),
            "submitted_at": _iso(candidate.submitted_at),
            "withdrawn_at": _iso(candidate.withdrawn_at),
            "created_at": _iso(candidate.created_at),
            "updated_at": _iso(candidate.updated_at),
        },
        "placement_choices": [
            {
                "rank": p.rank,
                "placement": p.placement.title,
                "borough": p.placement.borough.name,
                "closing_date": _iso(p.placement.closing_date),
            }
            for p in candidate.choices
        ],
        "suggested_placements": [
            {
                "placement": m.placement.title,
                "borough": m.placement.borough.name,
                "stage": m.stage,
                "score": m.score,
                "components": m.components,
                "explanation": m.explanation,
                "reason": m.reason,
                "feedback": m.feedback,
                "decided_at": _iso(m.decided_at),
            }
            for m in suggestions
        ],
        **_hiring(suggestions),
        "round_outcomes": [
            {"run": o.run_id, "suggested": o.suggested, "reasons": o.reasons, "emailed_at": _iso(o.notified_at)}
            for o in db.session.scalars(
                select(CandidateOutcome)
                .where(CandidateOutcome.candidate_id == candidate.id)
                .order_by(CandidateOutcome.run_id)
            )
        ],
        "equality_monitoring": rows["equality_monitoring"],
        "emails": [
            {"subject": e.subject, "status": e.status, "created_at": _iso(e.created_at), "sent_at": _iso(e.sent_at)}
            for e in outbox
        ],
        "activity": [{"at": _iso(e.at), "action": e.action} for e in events],
    }


def _hiring(suggestions: list[Suggestion]) -> dict[str, list[dict[str, Any]]]:
    """Interviews booked, times asked for, interview scores and offers about the candidate."""
    from ...models import InterviewBooking, InterviewScore, Offer, SlotRequest
    from ..interviews import when_text, where_text

    ids = [suggestion.id for suggestion in suggestions]
    titles = {suggestion.id: suggestion.placement.title for suggestion in suggestions}
    bookings = db.session.scalars(
        select(InterviewBooking).where(InterviewBooking.suggestion_id.in_(ids)).order_by(InterviewBooking.id)
    )
    requests = db.session.scalars(
        select(SlotRequest).where(SlotRequest.suggestion_id.in_(ids)).order_by(SlotRequest.id)
    )
    scores = db.session.scalars(
        select(InterviewScore).where(InterviewScore.suggestion_id.in_(ids)).order_by(InterviewScore.id)
    )
    offers = db.session.scalars(select(Offer).where(Offer.suggestion_id.in_(ids)).order_by(Offer.id))
    return {
        "interviews": [
            {
                "placement": titles[b.suggestion_id],
                "when": when_text(b.slot),
                "where": where_text(b.slot),
                "status": b.status,
                "booked_at": _iso(b.booked_at),
                "cancelled_at": _iso(b.cancelled_at),
            }
            for b in bookings
        ],
        "interview_time_requests": [
            {"placement": titles[r.suggestion_id], "message": r.message, "at": _iso(r.at)} for r in requests
        ],
        "interview_scores": [
            {
                "placement": titles[s.suggestion_id],
                "criterion": s.criterion.title,
                "score": s.score,
                "evidence": s.evidence,
                "submitted_at": _iso(s.submitted_at),
            }
            for s in scores
        ],
        "offers": [
            {
                "placement": titles[o.suggestion_id],
                "made_at": _iso(o.made_at),
                "respond_by": _iso(o.respond_by),
                "start_date": _iso(o.start_date),
                "contact": o.contact,
                "answer": o.answer,
                "answered_at": _iso(o.answered_at),
                "started_on": _iso(o.started_on),
            }
            for o in offers
        ],
    }


def _erase_hiring(candidate_id: int) -> None:
    """Free interview places the candidate held, then delete their bookings, requests, scores and offers."""
    from ...models import InterviewBooking, InterviewScore, Offer, SlotRequest, decision_score
    from ..interviews import release_booking

    ids = select(Suggestion.id).where(Suggestion.candidate_id == candidate_id)
    for suggestion in db.session.scalars(select(Suggestion).where(Suggestion.candidate_id == candidate_id)):
        release_booking(suggestion, None)
    db.session.flush()
    score_ids = select(InterviewScore.id).where(InterviewScore.suggestion_id.in_(ids))
    db.session.execute(delete(decision_score).where(decision_score.c.score_id.in_(score_ids)))
    for model in (InterviewBooking, SlotRequest, InterviewScore, Offer):
        db.session.execute(delete(model).where(model.suggestion_id.in_(ids)))


def _erase(user: User) -> None:
    """Delete the user, their application, choices, suggestions and their history, equality answers and emails,
    and every id of theirs from the audit trail (no commit). What is kept is listed on the deletion page."""
    candidate = user.candidate
    own_events = or_(
        AuditEvent.actor_id == user.id, and_(AuditEvent.entity_type == "User", AuditEvent.entity_id == user.id)
    )
    if candidate is not None:
        _erase_hiring(candidate.id)
        suggestion_ids = select(Suggestion.id).where(Suggestion.candidate_id == candidate.id)
        # Staff decisions on their suggestions stay in the trail (what was done, when, by whom) without the
        # suggestion's id, which would lead back to them through the run they were in.
        db.session.execute(
            update(AuditEvent)
            .where(AuditEvent.entity_type == "Suggestion", AuditEvent.entity_id.in_(suggestion_ids))
            .values(entity_id=None)
            .execution_options(synchronize_session=False)
        )
        # Bulk deletes: the database's cascades are not relied on (SQLite does not enforce foreign keys here).
        db.session.execute(delete(StageChange).where(StageChange.suggestion_id.in_(suggestion_ids)))
        db.session.execute(delete(Suggestion).where(Suggestion.candidate_id == candidate.id))
        db.session.execute(delete(CandidateOutcome).where(CandidateOutcome.candidate_id == candidate.id))
        own_events = or_(own_events, and_(AuditEvent.entity_type == "Candidate", AuditEvent.entity_id == candidate.id))
        monitoring.delete_answers(candidate.id)
        db.session.delete(candidate)
    # Their own activity (sign-ins, choices, sections saved) is personal data about them: it goes.
    db.session.execute(delete(AuditEvent).where(own_events).execution_options(synchronize_session=False))
    db.session.execute(
        update(StageChange)
        .where(StageChange.actor_id == user.id)
        .values(actor_id=None)
        .execution_options(synchronize_session=False)
    )
    # Queued and sent emails carry the address and often the name: they go too.
    db.session.execute(delete(OutboxEmail).where(func.lower(OutboxEmail.recipient) == user.email.lower()))
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    db.session.delete(user)


def delete_account(user: User) -> None:
    """The candidate deletes their account: personal data, equality answers and every id of theirs go; the audit
    trail keeps that an account was deleted, with no id."""
    _erase(user)
    record_event("account.deleted", AuditEvent(), actor_id=None)
    db.session.commit()


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (clamped to the month's last day)."""
    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    month = month0 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def purgeable_candidates(months: int, today: date | None = None) -> list[Candidate]:
    """Applications whose every chosen or suggested placement closed more than `months` months ago,
    and applications that never chose or were suggested anything and have not changed for that long."""
    cutoff = months_before(today or date.today(), months)
    untouched_since = datetime.combine(cutoff, time.min, tzinfo=UTC)
    still_relevant = select(Placement.id).where(
        or_(Placement.status == PlacementStatus.LIVE.value, Placement.closing_date >= cutoff)
    )
    has_any = or_(
        exists().where(Choice.candidate_id == Candidate.id), exists().where(Suggestion.candidate_id == Candidate.id)
    )
    has_recent = or_(
        exists().where(Choice.candidate_id == Candidate.id, Choice.placement_id.in_(still_relevant)),
        exists().where(Suggestion.candidate_id == Candidate.id, Suggestion.placement_id.in_(still_relevant)),
    )
    abandoned = and_(~has_any, Candidate.updated_at < untouched_since)
    return list(
        db.session.scalars(select(Candidate).where(or_(and_(has_any, ~has_recent), abandoned)).order_by(Candidate.id))
    )


def purge(months: int, today: date | None = None) -> int:
    """Delete applications past retention (with their accounts, choices, suggestions and equality answers)."""
    if months < 0:
        raise ValueError("months must be 0 or more")
    candidates = purgeable_candidates(months, today)
    for candidate in candidates:
        _erase(candidate.user)
        record_event("application.purged", AuditEvent(), actor_id=None, months=months)
    db.session.commit()
    return len(candidates)
