"""Match runs and match review: build the library's profiles from the database, record each run with
its explanations, export it for audit, and move suggestions through the recruiter's stages.

What the service tells the library (and nothing else: never contact details, never monitoring answers):
- candidates: submitted applications only; eligible = every eligibility answer met; home coordinates
  of their outward postcode; travel limit; hours; available from; skills = tags + their own words;
  interests = standard references; preferences = their ranked placements; consider_others.
- qualified: every standard in the catalogue is a digital one, so there is one field, "digital". A
  candidate who has a digital qualification is "already qualified" up to its level (the form's
  "level 4 or 5" counts as 4, so it never wrongly excludes a level 5 placement). Their highest
  general qualification is not a digital one and excludes nothing.
- placements: live vacancies whose closing date is today or later; filled = accepted matches.

A placement that has turned a candidate down, or that they withdrew from, in any earlier run is
passed as one of the candidate's `excluded_placements`: the library's "already_decided" rule removes
the pair, so it never comes back, as a ranked choice or as an "other" placement.

Rounds: round 1 starts a new cycle. Round 2 takes the submitted candidates with no active match
(anything but rejected or withdrawn) in the current cycle (the latest round 1 run and every run
after it) to the capacity each placement has left: (positions − accepted) × SHORTLIST_FACTOR minus
the open suggestions it already has in the cycle.
"""

import secrets
import time
from datetime import date

from flask import current_app
from sqlalchemy import func, insert, select
from sqlalchemy.orm import joinedload

import matching

from ...audit import record_event
from ...extensions import db
from ...models import (ApplicationStatus, Candidate, Match, MatchRun, MatchStage, Preference, User, Vacancy,
                       VacancyStatus)
from ..candidates.eligibility import is_eligible
from ..cycles import current_cycle_id

DIGITAL_FIELD = "digital"
OPEN_STAGES = (MatchStage.SUGGESTED.value, MatchStage.SHORTLISTED.value, MatchStage.INTERVIEW.value,
               MatchStage.OFFERED.value)
ACTIVE_STAGES = (*OPEN_STAGES, MatchStage.ACCEPTED.value)
# A placement that reached one of these with a candidate (in any run) is never suggested to them again.
DECIDED_STAGES = (MatchStage.REJECTED.value, MatchStage.WITHDRAWN.value)

class MatchError(ValueError):
    """A problem a person can fix, with a GOV.UK-style message (and the field it belongs to)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


# --- Settings -------------------------------------------------------------------------------------

def match_weights() -> matching.Weights:
    """The configured weights (MATCH_WEIGHTS), checked by the library: each ≥ 0, summing to 1."""
    return matching.Weights(**current_app.config["MATCH_WEIGHTS"])


def _settings() -> tuple[int, int]:
    """(SHORTLIST_FACTOR, MATCH_LIST_LENGTH) from the configuration."""
    return current_app.config["SHORTLIST_FACTOR"], current_app.config["MATCH_LIST_LENGTH"]


# --- Profiles ---------------------------------------------------------------------------------------

CANDIDATE_COLUMNS = (Candidate.id, Candidate.eligibility, Candidate.lat, Candidate.lon, Candidate.travel_km,
                     Candidate.hours_per_week, Candidate.available_from, Candidate.skills, Candidate.skills_text,
                     Candidate.interests, Candidate.qualifications, Candidate.consider_other_placements)

def candidate_profile(candidate, today: date, choices=(), decided=()) -> matching.CandidateProfile:
    """What matching may know about one candidate (a Candidate or a row of its columns); `choices` are
    the vacancy ids they ranked, best first; `decided` the vacancy ids never to suggest again."""
    quals = candidate.qualifications or {}
    qualified = frozenset()
    if quals.get("digital") == "yes" and isinstance(quals.get("digital_level"), int):
        qualified = frozenset({(DIGITAL_FIELD, quals["digital_level"])})
    return matching.CandidateProfile(
        id=str(candidate.id),
        eligible=is_eligible(candidate),
        lat=candidate.lat,
        lon=candidate.lon,
        travel_km=float(candidate.travel_km or 0),
        hours_available=candidate.hours_per_week or 0,
        available_from=candidate.available_from or today,
        skills_text=" ".join([*(candidate.skills or []), candidate.skills_text or ""]).strip(),
        interests=frozenset(candidate.interests or ()),
        qualified=qualified,
        preferences=tuple(str(vacancy_id) for vacancy_id in choices),
        consider_others=bool(candidate.consider_other_placements),
        excluded_placements=frozenset(str(vacancy_id) for vacancy_id in decided),
    )


def placement_profile(vacancy: Vacancy, positions: int, filled: int) -> matching.PlacementProfile:
    """What matching may know about one placement; `positions` and `filled` depend on the round."""
    standard = vacancy.standard
    skills = " ".join([*(vacancy.skills or []), vacancy.skills_text or "", *(standard.keywords or [])]).strip()
    return matching.PlacementProfile(
        id=str(vacancy.id), standard=standard.reference, standard_field=DIGITAL_FIELD, level=standard.level,
        lat=vacancy.lat, lon=vacancy.lon, hours=vacancy.hours_per_week, starts_on=vacancy.start_date,
        is_open=True, positions=positions, filled=filled, skills_text=skills, title=vacancy.title,
    )


def cycle_start() -> int | None:
    """The id of the latest round 1 run: the current cycle is that run and every run after it."""
    return db.session.scalar(select(func.max(MatchRun.id)).where(MatchRun.round == 1))


def _stage_counts(stages, since_run: int | None = None) -> dict[int, int]:
    """Matches per vacancy in these stages (in the current cycle when `since_run` is given)."""
    statement = select(Match.vacancy_id, func.count()).where(Match.stage.in_(stages)).group_by(Match.vacancy_id)
    if since_run is not None:
        statement = statement.where(Match.run_id >= since_run)
    return dict(db.session.execute(statement).all())


def gather_inputs(round_number: int, today: date):
    """The profiles and shortlist factor for a round, from the database (never monitoring data)."""
    factor, _ = _settings()
    vacancies = db.session.scalars(
        select(Vacancy).options(joinedload(Vacancy.standard))
        .where(Vacancy.status == VacancyStatus.LIVE.value, Vacancy.closing_date >= today).order_by(Vacancy.id)
    ).all()
    # Columns, not ORM objects: loading tens of thousands of whole candidates is most of a run's time.
    candidates_query = select(*CANDIDATE_COLUMNS).where(Candidate.status == ApplicationStatus.SUBMITTED.value)
    accepted = _stage_counts((MatchStage.ACCEPTED.value,))
    if round_number == 1:
        placements = [placement_profile(v, v.positions, accepted.get(v.id, 0)) for v in vacancies]
    else:
        cycle = cycle_start()
        if cycle is None:
            raise MatchError("There is no round 1 run yet. Run round 1 first.", "round")
        still_matched = select(Match.candidate_id).where(Match.run_id >= cycle, Match.stage.in_(ACTIVE_STAGES))
        candidates_query = candidates_query.where(Candidate.id.not_in(still_matched))
        open_now = _stage_counts(OPEN_STAGES, since_run=cycle)
        # Capacity is counted in suggestions here, so the run uses a factor of 1 (see the module docstring).
        placements = [placement_profile(v, max(0, v.positions - accepted.get(v.id, 0)) * factor, open_now.get(v.id, 0))
                      for v in vacancies]
        factor = 1
    chosen = candidates_query.with_only_columns(Candidate.id)
    choices = _by_candidate(select(Preference.candidate_id, Preference.vacancy_id)
                            .where(Preference.candidate_id.in_(chosen)).order_by(Preference.candidate_id, Preference.rank))
    decided = _by_candidate(select(Match.candidate_id, Match.vacancy_id).distinct().where(
        Match.candidate_id.in_(chosen), Match.stage.in_(DECIDED_STAGES)))
    rows = db.session.execute(candidates_query.order_by(Candidate.id)).all()
    return ([candidate_profile(row, today, choices.get(row.id, ()), decided.get(row.id, ())) for row in rows],
            placements, factor)


def _by_candidate(statement) -> dict[int, list[int]]:
    """(candidate id, vacancy id) rows as each candidate's list of vacancy ids, in the rows' order."""
    found: dict[int, list[int]] = {}
    for candidate_id, vacancy_id in db.session.execute(statement):
        found.setdefault(candidate_id, []).append(vacancy_id)
    return found


def _empty_note(round_number: int, candidates, placements) -> str:
    """Why a run can suggest nobody, or "" when it can try."""
    if not placements:
        return "No live placements are open for applications today, so nobody was matched."
    if not any(p.remaining for p in placements):
        return "Every live placement already has all the suggestions it can take, so nobody was matched."
    if not any(c.eligible for c in candidates):
        if round_number == 2 and not candidates:
            return "Every candidate with a sent application already has a suggestion in this round, so nobody was matched."
        return "No eligible candidates have sent an application, so nobody was matched."
    return ""


# --- Runs -------------------------------------------------------------------------------------------

def _explanation_json(pair) -> dict:
    """The explanation as stored on a Match (JSON), including the candidate-facing sentence."""
    e = pair.explanation
    return {
        "sentence": e.sentence,
        "total": e.total,
        "components": [{"name": c.name, "value": c.value, "weight": c.weight, "contribution": c.contribution}
                       for c in e.components],
        "matching_terms": list(e.matching_terms),
        "missing_terms": list(e.missing_terms),
        "distance_km": e.distance_km,
        "travel_km": e.travel_km,
        "preference_rank": e.preference_rank,
    }


def _why_not_json(result, candidate_id: str, titles: dict[str, str]) -> list[dict]:
    """Why the candidate did not get each placement they ranked above the one suggested, for their dashboard."""
    return [{"vacancy_id": int(why.placement_id), "title": titles.get(why.placement_id, ""), "rank": why.preference_rank,
             "text": why.text} for why in result.why_not(candidate_id)]


def run_match(round_number: int = 1, seed: int | None = None, actor_id: int | None = None,
              today: date | None = None) -> MatchRun:
    """Run matching for a round and record the run and every suggestion (stage "suggested")."""
    if round_number not in (1, 2):
        raise MatchError("Select round 1 or round 2", "round")
    if seed is not None and not 0 <= seed < 2**63:
        raise MatchError("The seed must be a whole number from 0 upwards", "seed")
    clock = time.perf_counter()
    today = today or date.today()
    seed = secrets.randbelow(2**31) if seed is None else seed
    weights = match_weights()
    candidates, placements, factor = gather_inputs(round_number, today)
    _, list_length = _settings()
    note = _empty_note(round_number, candidates, placements)
    run = MatchRun(created_by_id=actor_id, cycle_id=current_cycle_id(today), round=round_number, algorithm_version=matching.ALGORITHM_VERSION,
                   weights=weights.as_dict(), seed=seed, candidate_count=len(candidates),
                   vacancy_count=len(placements), note=note)
    settings = {"shortlist_factor": factor, "max_list_length": list_length}
    rows = []
    if note:
        run.input_hash = matching.input_hash(candidates, placements, weights, seed=seed, **settings)
        run.instance = {"candidates": {}, "placements": {}, "assignment": {}, "settings": settings}
    else:
        result = matching.run_matching(candidates, placements, weights, seed=seed, shortlist_factor=factor,
                                       max_list_length=list_length)
        run.input_hash = result.input_hash
        run.instance = {**pseudonymous_instance(result.instance(), result.assignment), "settings": settings}
        titles = {p.id: p.title for p in placements}
        rows = [{"candidate_id": int(pair.candidate_id), "vacancy_id": int(pair.placement_id), "score": pair.total,
                 "components": dict(pair.components),
                 "explanation": {**_explanation_json(pair), "why_not": _why_not_json(result, pair.candidate_id, titles)},
                 "stage": MatchStage.SUGGESTED.value} for pair in result.suggestions]
        if not rows:
            run.note = ("Nobody could be suggested: every possible pairing broke one of the rules "
                        "(eligibility, distance, hours, start date, qualifications) or had no places left.")
    run.match_count = len(rows)
    db.session.add(run)
    db.session.flush()
    if rows:
        db.session.execute(insert(Match), [{**row, "run_id": run.id} for row in rows])
    run.duration_ms = round((time.perf_counter() - clock) * 1000)
    record_event("match_run.created", run, actor_id=actor_id, round=round_number, suggested=len(rows))
    db.session.commit()
    return run


def runs() -> list[MatchRun]:
    """Every run, newest first."""
    return list(db.session.scalars(select(MatchRun).order_by(MatchRun.id.desc())))


def run_creators(match_runs) -> dict[int, str]:
    """The email address of whoever started each run (runs from the command line have none)."""
    ids = {run.created_by_id for run in match_runs if run.created_by_id is not None}
    return dict(db.session.execute(select(User.id, User.email).where(User.id.in_(ids))).all()) if ids else {}


def get_run(run_id: int) -> MatchRun | None:
    """One run, or None."""
    return db.session.get(MatchRun, run_id)


def pseudonymous_instance(instance: dict, assignment: dict) -> dict:
    """The run's lists and assignment with each candidate id replaced by a label drawn at random for this run.

    The link from label to person is kept nowhere (each person's suggestions are Match rows, deleted with them),
    so once someone deletes their account or is purged, the stored run and every export of it hold nothing
    that leads back to them, while `python -m matching check` still verifies the run. Candidates are stored in
    label order, so not even their order hints at who applied first."""
    ids = list(instance["candidates"])
    labels: dict[str, str] = {}
    drawn: set[str] = set()
    for candidate_id in ids:
        label = f"c-{secrets.token_hex(6)}"
        while label in drawn:  # 48 random bits: a repeat is all but impossible, but cheap to rule out
            label = f"c-{secrets.token_hex(6)}"
        drawn.add(label)
        labels[candidate_id] = label
    return {
        "candidates": {labels[c]: instance["candidates"][c] for c in sorted(ids, key=labels.__getitem__)},
        "placements": {p: {"capacity": spec["capacity"], "ranking": [labels[c] for c in spec["ranking"]]}
                       for p, spec in instance["placements"].items()},
        "assignment": {labels[c]: assignment.get(c) for c in sorted(ids, key=labels.__getitem__)},
    }


def export_run(run_id: int) -> dict | None:
    """The run's instance and assignment in the library's JSON schema, with pseudonymous ids; None if unknown."""
    run = get_run(run_id)
    if run is None:
        return None
    stored = run.instance or {"candidates": {}, "placements": {}, "assignment": {}, "settings": {}}

    def p(pid: str) -> str:
        return f"p-{pid}"

    return {  # candidate labels are stored already pseudonymous (see pseudonymous_instance)
        "candidates": {cid: [p(pid) for pid in plist] for cid, plist in stored["candidates"].items()},
        "placements": {p(pid): {"capacity": spec["capacity"], "ranking": list(spec["ranking"])}
                       for pid, spec in stored["placements"].items()},
        "assignment": {cid: (p(pid) if pid is not None else None) for cid, pid in stored["assignment"].items()},
        "meta": {
            "run_id": run.id, "round": run.round, "created_at": run.created_at.isoformat(),
            "algorithm_version": run.algorithm_version, "weights": run.weights, "seed": run.seed,
            "input_hash": run.input_hash, "settings": stored.get("settings", {}), "note": run.note,
            "ids": ("Candidate ids are labels drawn at random for this run only, linked to no one; placement ids "
                    "are the service's placement numbers."),
            "check": "python -m matching check THIS_FILE THIS_FILE",
        },
    }


# --- "How matching works" ---------------------------------------------------------------------------

def worked_example() -> dict:
    """The library's small fixed example, run by the real code now with the configured weights."""
    candidates, placements, example = matching.worked_example()
    result = matching.run_matching(candidates, placements, match_weights(), seed=example.seed,
                                   shortlist_factor=example.shortlist_factor, max_list_length=example.max_list_length)
    titles = {p.id: p.title for p in placements}
    not_suggested = [(x.candidate_id, x.placement_id, "Not suggested, because of a rule: " + " ".join(x.reasons))
                     for x in result.excluded]
    for c in candidates:
        not_suggested += [(c.id, why.placement_id, f"Their choice number {why.preference_rank}. What {c.id} is told: “{why.text}”")
                          for why in result.why_not(c.id) if why.reason_code not in matching.REASON_TEXT]
        if result.assignment.get(c.id) is None:
            not_suggested.append((c.id, None, "Not suggested for any placement in this round. "
                                              "They would be considered again in the second round."))
    return {"candidates": candidates, "placements": placements, "result": result, "titles": titles,
            "not_suggested": not_suggested}
