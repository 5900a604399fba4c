"""Ranking placements across boroughs: add, remove and reorder up to 10, until matching has run."""

from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload

from ...audit import record_event
from ...extensions import db
from ...models import ApplicationStatus, Candidate, Match, Preference, Vacancy, VacancyStatus
from . import CandidateError

MAX_CHOICES = 10


def live_vacancies_statement(borough_id: int | None = None):
    """Placements open for applications today, soonest closing first."""
    statement = (
        select(Vacancy)
        .options(joinedload(Vacancy.borough), joinedload(Vacancy.standard))
        .where(Vacancy.status == VacancyStatus.LIVE.value, Vacancy.closing_date >= date.today())
        .order_by(Vacancy.closing_date, Vacancy.title, Vacancy.id)
    )
    if borough_id:
        statement = statement.where(Vacancy.borough_id == borough_id)
    return statement


def is_locked(candidate: Candidate) -> bool:
    """Choices are fixed once matching has suggested anything for this candidate, or they withdrew."""
    if candidate.status == ApplicationStatus.WITHDRAWN.value:
        return True
    return bool(db.session.scalar(select(exists().where(Match.candidate_id == candidate.id))))


def _require_unlocked(candidate: Candidate) -> None:
    if is_locked(candidate):
        raise CandidateError("You cannot change your choices now, because matching has already used them")


def _renumber(candidate: Candidate) -> None:
    for rank, preference in enumerate(sorted(candidate.preferences, key=lambda p: p.rank), start=1):
        preference.rank = rank


def add_choice(candidate: Candidate, vacancy_id: int) -> Vacancy:
    """Add a live placement to the end of the candidate's list."""
    _require_unlocked(candidate)
    vacancy = db.session.scalar(live_vacancies_statement().where(Vacancy.id == vacancy_id))
    if vacancy is None:
        raise CandidateError("This placement is no longer open for applications", "vacancy_id")
    if any(p.vacancy_id == vacancy.id for p in candidate.preferences):
        raise CandidateError(f"{vacancy.title} is already in your choices", "vacancy_id")
    if len(candidate.preferences) >= MAX_CHOICES:
        raise CandidateError(f"You can choose up to {MAX_CHOICES} placements. Remove one to add another", "vacancy_id")
    rank = max((p.rank for p in candidate.preferences), default=0) + 1
    candidate.preferences.append(Preference(vacancy=vacancy, rank=rank))
    record_event("preference.added", candidate, vacancy_id=vacancy.id, rank=rank)
    db.session.commit()
    return vacancy


def _own_preference(candidate: Candidate, vacancy_id: int) -> Preference:
    for preference in candidate.preferences:
        if preference.vacancy_id == vacancy_id:
            return preference
    raise CandidateError("This placement is not in your choices", "vacancy_id")


def remove_choice(candidate: Candidate, vacancy_id: int) -> Vacancy:
    """Take a placement off the list; the others close up."""
    _require_unlocked(candidate)
    preference = _own_preference(candidate, vacancy_id)
    vacancy = preference.vacancy
    candidate.preferences.remove(preference)
    _renumber(candidate)
    record_event("preference.removed", candidate, vacancy_id=vacancy_id)
    db.session.commit()
    return vacancy


def move_choice(candidate: Candidate, vacancy_id: int, direction: str) -> Vacancy:
    """Swap a placement with the one above ("up") or below ("down")."""
    _require_unlocked(candidate)
    preference = _own_preference(candidate, vacancy_id)
    ordered = sorted(candidate.preferences, key=lambda p: p.rank)
    index = ordered.index(preference)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(ordered):
        raise CandidateError("This placement cannot move further", "vacancy_id")
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for rank, item in enumerate(ordered, start=1):
        item.rank = rank
    record_event("preference.moved", candidate, vacancy_id=vacancy_id, direction=direction)
    db.session.commit()
    return preference.vacancy


def set_consider_other(candidate: Candidate, consider: bool) -> None:
    """Record whether matching may also suggest placements the candidate did not choose."""
    _require_unlocked(candidate)
    candidate.consider_other_placements = consider
    record_event("preference.consider_other", candidate, consider=consider)
    db.session.commit()
