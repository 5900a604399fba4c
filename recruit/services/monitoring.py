"""Equality monitoring storage: answers live under a keyed pseudonym, apart from everything else.

Only this module and the reporting code read MonitoringResponse. A candidate sees their own answers
(looked up by their pseudonym); no recruiter, borough or candidate page ever joins them to anything.

Nothing records when someone answered: the table has no time columns, saving writes no audit event or log
line, and the rows' physical order is the pseudonym's (recluster_answers on PostgreSQL), so someone holding a
copy of the database but not MONITORING_KEY cannot line answers up with candidates by time or position."""

import hashlib
import hmac
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import delete, select, text

from ..extensions import db
from ..models import Candidate, MonitoringResponse
from ..reference import equality_questions
from . import rows_changed
from .errors import ServiceError


def pseudonym(candidate_id: int) -> str:
    """HMAC-SHA256 of the candidate id under MONITORING_KEY: stable, but unlinkable without the key."""
    key = current_app.config["MONITORING_KEY"].encode()
    return hmac.new(key, f"candidate:{candidate_id}".encode(), hashlib.sha256).hexdigest()


def age_band(date_of_birth: date, on: date) -> str:
    """The monitoring age band (16_18, 19_24, 25_34, 35_plus) on a given date, derived, never asked."""
    age = on.year - date_of_birth.year - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))
    if age <= 18:
        return "16_18"
    if age <= 24:
        return "19_24"
    if age <= 34:
        return "25_34"
    return "35_plus"


# --- The candidate's own answers: asked after submitting, each optional, kept only under the pseudonym. ---

DERIVED_KEYS = frozenset({"age_band"})

# A question as read from equality_monitoring.json: key, question, options (value, label, maybe group), and perhaps
# asked_if (answers it depends on) and derived; its values are of mixed types.
Question = dict[str, Any]


def asked_questions() -> list[Question]:
    """The questions we ask (derived ones, like the age band, are never asked)."""
    return [q for q in equality_questions() if q["key"] not in DERIVED_KEYS]


def question(key: str) -> Question | None:
    """An asked question by key, or None."""
    return next((q for q in asked_questions() if q["key"] == key), None)


def applies(q: Question, answers: Mapping[str, str]) -> bool:
    """True if the question should be asked given the answers so far (its asked_if conditions hold)."""
    return all(answers.get(k) == v for k, v in q.get("asked_if", {}).items())


def questions_for(answers: Mapping[str, str]) -> list[Question]:
    """The questions that apply to this candidate, in order."""
    return [q for q in asked_questions() if applies(q, answers)]


def next_question(after_key: str | None, answers: Mapping[str, str]) -> Question | None:
    """The applicable question after `after_key` (or the first), or None at the end."""
    keys = [q["key"] for q in asked_questions()]
    start = keys.index(after_key) + 1 if after_key in keys else 0
    return next((q for q in asked_questions()[start:] if applies(q, answers)), None)


def own_age_band(candidate: Candidate) -> str | None:
    """The candidate's age band on the day they sent their application (never stored: worked out when needed)."""
    if candidate.date_of_birth is None or candidate.submitted_at is None:
        return None
    return age_band(candidate.date_of_birth, candidate.submitted_at.date())


def _response(candidate_id: int) -> MonitoringResponse | None:
    return db.session.scalar(select(MonitoringResponse).where(MonitoringResponse.pseudonym == pseudonym(candidate_id)))


def own_answers(candidate_id: int) -> dict[str, str] | None:
    """The candidate's own answers (for their own eyes only), or None if they have none."""
    response = _response(candidate_id)
    return dict(response.answers) if response else None


def save_answer(candidate: Candidate, key: str, value: str) -> None:
    """Save one answer under the candidate's pseudonym (no time, no audit event, no log line: see the module)."""
    if candidate.submitted_at is None:
        raise ServiceError("Send your application before answering these questions")
    q = question(key)
    if q is None or value not in {option["value"] for option in q["options"]}:
        raise ServiceError("Select an answer, or select Prefer not to say")
    response = _response(candidate.id)
    if response is None:
        response = MonitoringResponse(pseudonym=pseudonym(candidate.id), answers={})
        db.session.add(response)
    answers = dict(response.answers or {})
    answers[key] = value
    # An answer to a question that no longer applies (its condition changed) is dropped, not kept unseen.
    for other in asked_questions():
        if not applies(other, answers):
            answers.pop(other["key"], None)
    response.answers = answers
    db.session.commit()


def delete_answers(candidate_id: int) -> bool:
    """Delete the candidate's answers in the caller's transaction; True if there were any."""
    return bool(rows_changed(delete(MonitoringResponse).where(MonitoringResponse.pseudonym == pseudonym(candidate_id))))


def withdraw_answers(candidate: Candidate) -> bool:
    """The candidate withdraws their answers: the row is deleted, not blanked."""
    deleted = delete_answers(candidate.id)
    db.session.commit()
    return deleted


def recluster_answers() -> int:
    """Rewrite the answers table in pseudonym order, erasing the order (and transaction ids) of answering.

    PostgreSQL appends new and updated rows at the end of the table, and stamps each with the id of the
    transaction that wrote it, so between rewrites the newest answers are recognisable. This copies the rows
    aside, empties the table (TRUNCATE gives it fresh storage, so no dead copy of an old row is left behind)
    and writes them back in one transaction, sorted by pseudonym: afterwards every row carries the same
    transaction id and sits where its pseudonym puts it. SQLite needs nothing: the table has no rowid and is
    stored in primary key order. Run it periodically (`flask data recluster-answers`). Returns the rows kept."""
    if db.engine.dialect.name != "postgresql":
        return db.session.query(MonitoringResponse).count()
    connection = db.session.connection()
    connection.execute(text("LOCK TABLE monitoring_response IN ACCESS EXCLUSIVE MODE"))
    connection.execute(
        text(
            "CREATE TEMPORARY TABLE monitoring_response_sorted ON COMMIT DROP AS "
            "SELECT pseudonym, answers FROM monitoring_response"
        )
    )
    connection.execute(text("TRUNCATE monitoring_response"))
    kept = connection.execute(
        text(
            "INSERT INTO monitoring_response (pseudonym, answers) SELECT pseudonym, answers "
            "FROM monitoring_response_sorted ORDER BY pseudonym"
        )
    ).rowcount
    db.session.commit()
    return kept
