"""Helpers for the match run, admin and recruiter tests: runs, stages and threads."""

from types import SimpleNamespace

from recruit.extensions import db
from recruit.models import MatchRun, Suggestion
from recruit.services.matching.stages import move_stage
from tests.candidate_journey import sign_in  # noqa: F401  (re-exported for the tests)
from tests.page_checks import first_match


def run(app, round_number=1, seed=1, publish=True, **kwargs) -> SimpleNamespace:
    """Run matching (and publish the run, unless `publish` is False); return the run's fields and its suggestions."""
    from recruit.services.matching import publish_run, run_match

    with app.app_context():
        match_run = run_match(round_number, seed, **kwargs)
        if publish and match_run.status == "preview":
            match_run, _ = publish_run(match_run.id, kwargs.get("actor_id"))
        suggestions = db.session.scalars(
            db.select(Suggestion).where(Suggestion.run_id == match_run.id).order_by(Suggestion.id)
        ).all()
        return SimpleNamespace(
            id=match_run.id,
            status=match_run.status,
            note=match_run.note,
            input_hash=match_run.input_hash,
            seed=match_run.seed,
            candidate_count=match_run.candidate_count,
            placement_count=match_run.placement_count,
            suggestion_count=match_run.suggestion_count,
            created_by_id=match_run.created_by_id,
            pairs=sorted((m.candidate_id, m.placement_id, m.score) for m in suggestions),
            suggestions=[
                SimpleNamespace(
                    id=m.id,
                    candidate_id=m.candidate_id,
                    placement_id=m.placement_id,
                    stage=m.stage,
                    score=m.score,
                    components=m.components,
                    explanation=m.explanation,
                    version=m.version,
                )
                for m in suggestions
            ],
        )


class Poster:
    """Posts forms with the session's CSRF token, taken from a page of ours that has a form."""

    def __init__(self, client, token_page: str):
        html = client.get(token_page).get_data(as_text=True)
        self.client = client
        self.token = first_match(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)

    def __call__(self, path: str, data: dict | None = None, **kwargs):
        return self.client.post(path, data={"csrf_token": self.token, **(data or {})}, **kwargs)


def sign_in_other(client, user) -> None:
    """Sign a second test client in (conftest's sign_in cannot be imported: tests/matching has a conftest too)."""
    sign_in(client, user)


def set_stage(app, suggestion_id: int, stage: str) -> None:
    """Move a match to a stage as a recruiter's decision would, history included (no checks of the path)."""
    with app.app_context():
        move_stage(db.session.get_one(Suggestion, suggestion_id), stage, actor_id=None)
        db.session.commit()


def run_count(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(MatchRun))


def in_threads(app, *jobs):
    """Run each job (a function of no arguments) in its own thread and app context, all released at once; returns
    each job's result or the exception it raised."""
    import threading

    barrier, results = threading.Barrier(len(jobs)), [None] * len(jobs)

    def worker(index, job):
        with app.app_context():
            barrier.wait()
            try:
                results[index] = job()
            except Exception as error:  # the caller inspects what each thread met
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(k, job)) for k, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
