"""A round's life: start a run (one at a time), compute it as a preview on a worker, publish it once.

- Only one run is in progress at a time: `MatchRun.in_progress` is True on the running run and NULL on every
  other, under a unique constraint, so a second start fails on the insert itself, on any database.
- A run is computed as a preview that only admins see. A newer preview of the same round supersedes the older
  ones (their suggestions are deleted; the run rows stay for the record).
- Publishing is allowed once per round per cycle (`MatchRun.published_slot` is unique), only for the latest
  preview, and only while what it was computed from is unchanged (`inputs_mark`). Publishing is a conditional
  update, so a repeated request changes nothing and emails nobody twice.
- Later rounds never change a decided suggestion: a run only adds rows, round 2 only takes candidates with no
  active suggestion, and a placement that turned someone down is never suggested to them again.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, TypedDict, cast

from sqlalchemy import Table, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError

import matching

from ...audit import record_event
from ...bulk_insert import insert_rows
from ...extensions import db
from ...models import (
    ApplicationStatus,
    Candidate,
    Choice,
    MatchRun,
    Placement,
    RunStatus,
    StageChange,
    Suggestion,
    SuggestionStage,
    utcnow,
)
from .. import rows_changed
from ..cycles import current_cycle_id
from ..errors import ServiceError
from . import outcomes
from .runs import (
    ROUND_1_FIRST,
    _empty_note,
    _explanation_json,
    _settings,
    gather_inputs,
    in_cycle,
    match_weights,
    pseudonymous_instance,
    published_run,
    synonyms,
)

if TYPE_CHECKING:
    from matching.result import Instance

    from ..reports import Transition

IN_PROGRESS = "A match run is already in progress. Wait for it to finish, then look at its preview."
# A run whose worker has said nothing for this long is taken to have died (its task gave up or the machine stopped).
ABANDONED_AFTER = timedelta(minutes=30)


def _slot(cycle_id: int | None, round_number: int) -> str:
    """The unique key a published run holds: one per round per cycle."""
    return f"cycle {cycle_id if cycle_id is not None else 'none'}, round {round_number}"


def _release_abandoned() -> None:
    """Mark a run whose worker stopped reporting long ago as failed, so it no longer blocks new runs."""
    cutoff = utcnow() - ABANDONED_AFTER
    db.session.execute(
        update(MatchRun)
        .where(MatchRun.in_progress.is_(True), MatchRun.progress_at < cutoff)
        .values(status=RunStatus.FAILED.value, in_progress=None, error="The worker stopped reporting progress.")
    )


def _check_round(round_number: int, cycle_id: int | None) -> None:
    """Refuse a round that is already published, or round 2 before round 1 is."""
    published = published_run(cycle_id, round_number)
    if published is not None:
        later = " Run round 2 to match the candidates left without a place." if round_number == 1 else ""
        raise ServiceError(
            f"Round {round_number} of this recruitment cycle was published in run {published.id}, "
            f"so it cannot be run again: that would undo recruiters' decisions.{later}",
            "round",
        )
    if round_number == 2 and published_run(cycle_id, 1) is None:
        raise ServiceError(ROUND_1_FIRST, "round")


def start_run(
    round_number: int,
    seed: int | None = None,
    actor_id: int | None = None,
    today: date | None = None,
    *,
    enqueue: bool = True,
) -> MatchRun:
    """Record a new run as in progress and queue it for a worker; refused while another run is in progress."""
    if round_number not in (1, 2):
        raise ServiceError("Select round 1 or round 2", "round")
    if seed is not None and not 0 <= seed < 2**63:
        raise ServiceError("The seed must be a whole number from 0 upwards", "seed")
    cycle_id = current_cycle_id(today)
    _release_abandoned()
    _check_round(round_number, cycle_id)
    run = MatchRun(
        created_by_id=actor_id,
        cycle_id=cycle_id,
        round=round_number,
        status=RunStatus.RUNNING.value,
        in_progress=True,
        algorithm_version=matching.ALGORITHM_VERSION,
        weights=match_weights().as_dict(),
        seed=secrets.randbelow(2**31) if seed is None else seed,
        input_hash="",
        progress_stage="Waiting for a worker",
        progress_percent=0,
        progress_at=utcnow(),
    )
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError(IN_PROGRESS, "round") from None
    if enqueue:
        from ...tasks import match_run_task  # the task module imports the services, so import it late

        match_run_task(run.id, today.isoformat() if today else None)
    return run


def _progress(run: MatchRun, stage: str, percent: int) -> None:
    """Say how far the run has got, committed at once so the progress page sees it."""
    run.progress_stage, run.progress_percent, run.progress_at = stage, percent, utcnow()
    db.session.commit()


def inputs_mark(today: date) -> str:
    """A fingerprint of everything a run reads: if it changes, a preview may no longer be right."""
    figures = [
        today.isoformat(),
        *db.session.execute(
            select(func.count(), func.max(Candidate.updated_at)).where(
                Candidate.status == ApplicationStatus.SUBMITTED.value
            )
        ).one(),
        *db.session.execute(select(func.count(), func.max(Placement.updated_at))).one(),
        *db.session.execute(select(func.count(), func.max(Choice.id))).one(),
        db.session.scalar(select(func.max(StageChange.id))),
        db.session.scalar(
            select(func.count())
            .select_from(Suggestion)
            .where(Suggestion.run_id.in_(select(MatchRun.id).where(MatchRun.status == RunStatus.PUBLISHED.value)))
        ),
    ]
    return hashlib.sha256(repr([str(f) for f in figures]).encode()).hexdigest()


def _unmatched(
    candidates: Iterable[matching.CandidateProfile],
    lists: Mapping[str, list[str]],
    assignment: Mapping[str, str | None],
) -> dict[str, int]:
    """How many considered candidates got no suggestion, by the reason, for the preview page."""
    counts = {"not_eligible": 0, "no_placement_within_rules": 0, "places_taken": 0}
    for candidate in candidates:
        if assignment.get(candidate.id) is not None:
            continue
        if not candidate.eligible:
            counts["not_eligible"] += 1
        elif not lists.get(candidate.id):
            counts["no_placement_within_rules"] += 1
        else:
            counts["places_taken"] += 1
    return counts


def compute_run(run_id: int, today: date | None = None) -> MatchRun | None:
    """Compute a run started by `start_run` into a preview (a worker calls this); safe to call again."""
    run = db.session.get(MatchRun, run_id)
    if run is None or run.status != RunStatus.RUNNING.value:
        return run  # already computed (a retried task) or gone
    clock = time.perf_counter()
    today = today or date.today()
    _progress(run, "Reading applications and placements", 10)
    candidates, placements, factor = gather_inputs(run.round, today, run.cycle_id)
    mark = inputs_mark(today)
    _, list_length = _settings()
    weights = matching.Weights(**run.weights)
    settings = {"shortlist_factor": factor, "max_list_length": list_length}
    _progress(run, f"Scoring and assigning {len(candidates):,} candidates and {len(placements):,} placements", 30)
    note = _empty_note(run.round, candidates, placements)
    result: matching.MatchResult | None = None
    suggestions: Sequence[matching.ScoredPair] = ()
    lists: Instance = {"candidates": {}, "placements": {}}
    titles: dict[str, str] = {}
    instance: dict[str, Any]  # stored as JSON (MatchRun.instance): the pseudonymous lists and the settings
    assignment: dict[str, str | None]
    if note:
        table = matching.TermTable(synonyms()).synonyms  # hashed as run_matching hashes it
        run.input_hash = matching.input_hash(
            candidates, placements, weights, seed=run.seed, **settings, synonyms=dict(sorted(table.items()))
        )
        instance = {"candidates": {}, "placements": {}, "assignment": {}, "settings": settings}
        assignment = {}
    else:
        result = matching.run_matching(
            candidates,
            placements,
            weights,
            seed=run.seed,
            shortlist_factor=factor,
            max_list_length=list_length,
            synonyms=synonyms(),
        )
        run.input_hash = result.input_hash
        assignment = dict(result.assignment)
        lists = result.instance()
        instance = {**pseudonymous_instance(lists, assignment), "settings": settings}
        titles = {p.id: p.title for p in placements}
        suggestions = result.suggestions
        if not suggestions:
            note = (
                "Nobody could be suggested: every possible pairing broke one of the rules "
                "(eligibility, distance, hours, start date, qualifications) or had no places left."
            )
    _progress(run, f"Saving {len(suggestions):,} suggestions", 70)
    _supersede_previews(run)
    # Rows are made as they are written (generators), so the database stores them while Python explains the next.
    insert_rows(Suggestion, _suggestion_rows(run.id, result, titles))
    outcomes.record_outcomes(run.id, outcomes.outcome_rows(result, candidates, titles))
    run.instance, run.note, run.inputs_mark = instance, note, mark
    run.candidate_count, run.placement_count, run.suggestion_count = len(candidates), len(placements), len(suggestions)
    run.unmatched = _unmatched(candidates, lists["candidates"], assignment)
    run.status, run.in_progress = RunStatus.PREVIEW.value, None
    run.progress_stage, run.progress_percent, run.progress_at = "Preview ready", 100, utcnow()
    run.duration_ms = round((time.perf_counter() - clock) * 1000)
    record_event("match_run.created", run, actor_id=run.created_by_id, round=run.round, suggested=len(suggestions))
    db.session.commit()
    return run


def _suggestion_rows(
    run_id: int, result: matching.MatchResult | None, titles: Mapping[str, str]
) -> Iterator[dict[str, Any]]:
    """The run's suggestions as rows of the table, each made when it is asked for (none without a result)."""
    if result is None:
        return
    for pair in result.suggestions:
        yield {
            "candidate_id": int(pair.candidate_id),
            "placement_id": int(pair.placement_id),
            "score": pair.total,
            "components": dict(pair.components),
            "explanation": {
                **_explanation_json(pair),
                "why_not": outcomes.why_not_json(result, pair.candidate_id, titles),
            },
            "stage": SuggestionStage.SUGGESTED.value,
            "furthest_level": 1,
            "run_id": run_id,
        }


def _supersede_previews(run: MatchRun) -> None:
    """Older previews of the same round in the same cycle can no longer be published; drop their suggestions."""
    older = select(MatchRun.id).where(
        MatchRun.status == RunStatus.PREVIEW.value,
        MatchRun.round == run.round,
        in_cycle(MatchRun.cycle_id, run.cycle_id),
        MatchRun.id != run.id,
    )
    ids = list(db.session.scalars(older))
    if ids:
        table = cast(Table, Suggestion.__table__)  # a declarative model's table is a Table (typed as its base)
        db.session.execute(table.delete().where(Suggestion.run_id.in_(ids)))
        db.session.execute(update(MatchRun).where(MatchRun.id.in_(ids)).values(status=RunStatus.SUPERSEDED.value))


def fail_run(run_id: int, error: str) -> None:
    """Record that a run's task gave up, with its error, so the admin sees it and can start another."""
    db.session.rollback()
    db.session.execute(
        update(MatchRun)
        .where(MatchRun.id == run_id, MatchRun.status == RunStatus.RUNNING.value)
        .values(
            status=RunStatus.FAILED.value,
            in_progress=None,
            error=error[:2000],
            progress_stage="Failed",
            progress_at=utcnow(),
        )
    )
    db.session.commit()


def run_match(
    round_number: int = 1, seed: int | None = None, actor_id: int | None = None, today: date | None = None
) -> MatchRun:
    """Start and compute a run in this process (the command line and tests); the result is a preview."""
    run = start_run(round_number, seed, actor_id, today, enqueue=False)
    try:
        computed = compute_run(run.id, today)
        assert computed is not None  # started just now, in this process; nothing deletes runs
        return computed
    except Exception as error:
        fail_run(run.id, f"{type(error).__name__}: {error}")
        raise


# --- Publishing -------------------------------------------------------------------------------------


def publish_refusal(run: MatchRun, today: date | None = None) -> str | None:
    """Why this run cannot be published now, in plain words, or None when it can."""
    if run.status == RunStatus.RUNNING.value:
        return f"Run {run.id} is still being computed. Publish it when its preview is ready."
    if run.status == RunStatus.FAILED.value:
        return f"Run {run.id} failed, so there is nothing to publish. Start a new run of round {run.round}."
    if run.status == RunStatus.SUPERSEDED.value:
        return (
            f"Run {run.id} is not the latest preview of round {run.round}: a newer run replaced it. "
            "Publish the latest preview instead."
        )
    if run.status == RunStatus.PUBLISHED.value:
        return f"Run {run.id} has already been published."
    published = published_run(run.cycle_id, run.round)
    if published is not None:
        return f"Round {run.round} of this recruitment cycle was already published in run {published.id}."
    if run.round == 2 and published_run(run.cycle_id, 1) is None:
        return ROUND_1_FIRST
    if inputs_mark(today or date.today()) != run.inputs_mark:
        return (
            f"Applications, placements or recruiters' decisions have changed since run {run.id} was computed, "
            f"so its suggestions may no longer be right. Start a new run of round {run.round} and publish that."
        )
    return None


def publish_run(run_id: int, actor_id: int | None, today: date | None = None) -> tuple[MatchRun, bool]:
    """Publish a preview: its suggestions reach recruiters and candidates (a worker emails them). Returns (run, published now).

    A repeated request (the same run already published) changes nothing and returns False."""
    run = db.session.get(MatchRun, run_id, with_for_update=True)  # two publishes of one run wait for each other
    if run is None:
        raise ServiceError("There is no such match run")
    if run.status == RunStatus.PUBLISHED.value:
        db.session.rollback()
        return run, False
    refusal = publish_refusal(run, today)
    if refusal:
        db.session.rollback()
        # SQLite has no row lock: the refusal may be that this very run was published a moment ago (a repeat).
        again = db.session.get(MatchRun, run_id)
        if again is not None and again.status == RunStatus.PUBLISHED.value:
            return again, False
        raise ServiceError(refusal)
    now = utcnow()
    changed = rows_changed(
        update(MatchRun)
        .where(MatchRun.id == run.id, MatchRun.status == RunStatus.PREVIEW.value)
        .values(
            status=RunStatus.PUBLISHED.value,
            published_slot=_slot(run.cycle_id, run.round),
            published_at=now,
            published_by_id=actor_id,
        )
        .execution_options(synchronize_session=False)
    )
    if not changed:  # someone else published it a moment ago
        db.session.rollback()
        return _published_since(run_id), False
    # The first row of every suggestion's history: it was made, by this publication.
    db.session.execute(
        insert(StageChange).from_select(
            ["suggestion_id", "from_stage", "to_stage", "actor_id", "at", "reason"],
            select(
                Suggestion.id,
                literal(None),
                literal(SuggestionStage.SUGGESTED.value),
                literal(actor_id),
                literal(now, StageChange.at.type),
                literal(f"Suggested in round {run.round} (run {run.id})"),
            ).where(Suggestion.run_id == run.id),
        )
    )
    record_event("match_run.published", run, actor_id=actor_id, round=run.round, suggested=run.suggestion_count)
    try:
        db.session.commit()
    except IntegrityError:  # another run of this round was published at the same moment
        db.session.rollback()
        raise ServiceError(
            f"Round {run.round} of this recruitment cycle has just been published in another run."
        ) from None
    # Emailing 100,000 candidates is long work: a worker does it, each one exactly once (see notify_outcomes).
    outcomes.queue_notification(run.id)
    db.session.refresh(run)
    return run, True


def _published_since(run_id: int) -> MatchRun:
    """The run someone else has just published (publishing never deletes a run)."""
    run = db.session.get(MatchRun, run_id)
    assert run is not None  # it was there under this request's lock a moment ago, and runs are never deleted
    return run


# --- The preview page ------------------------------------------------------------------------------

UNMATCHED_REASONS = {
    "not_eligible": "Not eligible: an answer in their application does not meet the eligibility rules",
    "no_placement_within_rules": (
        "No placement within the rules: every live placement is too far, needs other hours, "
        "starts too early, is at a level they already have, or has no places left"
    ),
    "places_taken": "Every placement on their list went to candidates the placement ranked higher",
}


class PreviewSummary(TypedDict):
    """What the preview page shows before publishing."""

    unmatched: list[tuple[str, int]]  # (reason, how many candidates)
    unmatched_total: int
    fairness: Transition | None  # being suggested, by ethnic group (None before the run has suggestions)


def preview_summary(run: MatchRun) -> PreviewSummary:
    """What the admin checks before publishing: who is left without a suggestion and why, and the fairness of
    being suggested by group (suppressed like the analysts' report: a rate only where its counts can be shown)."""
    unmatched: list[tuple[str, int]] = [(text, run.unmatched.get(key, 0)) for key, text in UNMATCHED_REASONS.items()]
    fairness: Transition | None = None
    if run.status in (RunStatus.PREVIEW.value, RunStatus.PUBLISHED.value) and run.suggestion_count:
        from ..reports import Filters, funnel  # scipy loads only for this page
        from ..reports import fairness as fairness_of

        table, _ = funnel(Filters(characteristic="ethnicity", run=run.id))
        fairness = fairness_of(table, "suggested")[0]
    return {"unmatched": unmatched, "unmatched_total": sum(count for _, count in unmatched), "fairness": fairness}
