"""Signed-in pages with the demo data and a round of suggestions: median and p95 response time.

    .venv/bin/python benchmarks/signed_in.py                # a fresh SQLite file
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_signed_in .venv/bin/python benchmarks/signed_in.py

Loads the reference and demo data (which publishes round 1 of matching), then times, through the Flask test client (one process,
one request at a time), a candidate's dashboard (one with suggestions), a candidate's application task list and a
recruiter's review page for the placement with the most suggestions in their borough. A hello-world route on the same
app is the baseline. Signed-in pages are never cached, so every request is rendered. The database is emptied first:
give it a database of its own. Goal: a median of at most 50 ms each.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from benchmarks.common import sign_in  # noqa: E402
from benchmarks.listing import bench_app  # noqa: E402
from recruit.demo import DEMO_BOROUGHS, DEMO_DOMAIN, seed_demo  # noqa: E402
from recruit.extensions import db  # noqa: E402
from recruit.models import Borough, Candidate, MatchRun, Placement, RunStatus, Suggestion, User  # noqa: E402

REQUESTS = int(os.environ.get("REQUESTS", 100))
GOAL_MS = 50


def measure(client, path: str) -> tuple[float, float]:
    for _ in range(3):  # compiled templates, warm connections
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code, response.headers.get("Location"))
    times = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        client.get(path)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    if os.environ.get("PROFILE"):  # PROFILE=1: where one page's time goes
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.runcall(lambda: [client.get(path) for _ in range(20)])
        print(f"--- {path}")
        pstats.Stats(profile).sort_stats("cumulative").print_stats(
            r"recruit|templates|sqlalchemy/orm/(query|session)", 25
        )
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main() -> None:
    app = bench_app("signed-in-bench", fresh=True)
    with app.app_context():
        seed_demo()  # the demo publishes round 1 of matching
        run = db.session.scalars(
            select(MatchRun).where(MatchRun.status == RunStatus.PUBLISHED.value).order_by(MatchRun.id.desc()).limit(1)
        ).one()
        matched = db.session.execute(
            select(Candidate.user_id)
            .join(Suggestion, Suggestion.candidate_id == Candidate.id)
            .where(Suggestion.run_id == run.id)
            .group_by(Candidate.user_id)
            .order_by(func.count(Suggestion.id).desc())
            .limit(1)
        ).scalar_one()
        # The demo's candidates have all sent their applications: one without suggestions goes back to writing it.
        writer = db.session.scalars(
            select(Candidate).where(Candidate.id.not_in(select(Suggestion.candidate_id))).limit(1)
        ).one()
        writer.status, writer.submitted_at = "draft", None
        db.session.commit()
        drafts = [writer.user_id]
        placement, slug = db.session.execute(
            select(Placement.id, Borough.slug)
            .join(Borough)
            .join(Suggestion, Suggestion.placement_id == Placement.id)
            .where(Suggestion.run_id == run.id, Borough.slug.in_(DEMO_BOROUGHS))
            .group_by(Placement.id, Borough.slug)
            .order_by(func.count(Suggestion.id).desc())
            .limit(1)
        ).one()
        recruiter = db.session.execute(
            select(User.id).where(User.email == f"recruiter.{slug}@{DEMO_DOMAIN}")
        ).scalar_one()
        suggestions = db.session.scalar(select(func.count(Suggestion.id)).where(Suggestion.placement_id == placement))
        print(
            f"demo data + published round {run.round} ({run.suggestion_count} suggestions, {run.candidate_count} candidates, "
            f"{run.placement_count} placements) on {db.engine.dialect.name}; nproc={os.cpu_count()}; "
            f"{REQUESTS} requests a row, one at a time"
        )
    rows = []
    hello = app.test_client()
    rows.append(("hello world (baseline)", *measure(hello, "/__hello")))
    candidate = app.test_client()
    sign_in(candidate, matched)
    rows.append(("candidate dashboard (with suggestions)", *measure(candidate, "/candidates/")))
    task_list = app.test_client()
    sign_in(task_list, drafts[0])
    rows.append(("candidate application task list", *measure(task_list, "/candidates/application")))
    reviewer = app.test_client()
    sign_in(reviewer, recruiter)
    rows.append(
        (
            f"recruiter review page ({suggestions} suggestions)",
            *measure(reviewer, f"/recruiters/placements/{placement}"),
        )
    )
    print(f"{'page':48} {'median ms':>10} {'p95 ms':>8} {'vs hello':>9}")
    for name, median, p95 in rows:
        print(f"{name:48} {median:10.1f} {p95:8.1f} {median / rows[0][1]:8.1f}x")
    worst = max(median for _, median, _ in rows[1:])
    print(f"slowest median {worst:.1f} ms (goal: at most {GOAL_MS} ms; a machine shared with other work)")


if __name__ == "__main__":
    main()
