"""A published round at scale on PostgreSQL: 100,000 candidates × 10,000 placements, computed on a worker and
published (suggestions, outcomes, history rows and one email per candidate written), while the web server keeps
answering.

    psql -h 127.0.0.1 -U postgres -c "create database bench_round"
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_round .venv/bin/python benchmarks/published_round.py

The database is emptied and refilled with COPY (use a database of its own, never a shared one; --skip-fill keeps the
inputs and deletes earlier runs). Then, each in its own process:
1. the web server (gunicorn with the project's gunicorn.conf.py, as in production) and a prober that asks, in turn,
   for the start page and for the placement search with a cookie (so it is rendered, never served from the page
   cache), one request every 0.25 s;
2. a worker (`flask tasks worker`, SQLite task storage in a temporary folder) is given the run by the same call the
   admin page makes (`start_run`), and the script waits for the preview;
3. the run is published with the same call the publish page makes (`publish_run`): it records the publication and
   the history rows and queues the emails, which the worker writes; the script waits until every candidate's email
   is committed.
It prints each step's time, the total from starting the run to the last write (the bar is 60 s on 2 cores), the CPU
time of the worker, of its PostgreSQL connections and of the publish call (the machine may be shared: CPU time does
not grow with other people's load the way elapsed time does), the load average, and the pages' latency before and
during the work.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import psycopg  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from benchmarks.common import copy_lines, postgres_url_or_exit  # noqa: E402
from recruit import create_app  # noqa: E402
from recruit.extensions import db  # noqa: E402
from recruit.models import Borough, CandidateOutcome, MatchRun, OutboxEmail, StageChange, Standard  # noqa: E402
from recruit.reference import seed_reference  # noqa: E402

ELIGIBLE = json.dumps(
    {
        "age": True,
        "left_school": True,
        "right_to_work": True,
        "residence": True,
        "not_in_full_time_education": True,
        "not_on_apprenticeship": True,
    }
)
PROBE = """
import sys, time, urllib.request
base, out = sys.argv[1], open(sys.argv[2], "w", buffering=1)
pages = [("start", urllib.request.Request(base + "/")),
         ("search", urllib.request.Request(base + "/placements/", headers={"Cookie": "probe=1"}))]
while True:
    for name, request in pages:
        start = time.perf_counter()
        try:
            urllib.request.urlopen(request, timeout=30).read()
            out.write(f"{time.time():.3f} {name} {1000 * (time.perf_counter() - start):.1f}\\n")
        except Exception as error:
            out.write(f"{time.time():.3f} {name} error {error}\\n")
        time.sleep(0.25)
"""
PAGES = {"start": "start page /", "search": "placement search /placements/ (rendered: the request has a cookie)"}
WORKER_NAME = "bench_round_worker"  # the worker's PostgreSQL connections carry it, so their CPU time can be read


def fill(app, url: str, n_candidates: int, n_placements: int) -> None:
    """Recreate the schema and COPY in the placements, candidates with accounts, and ten choices each."""
    from sklearn.neighbors import BallTree

    rng = np.random.default_rng(3)
    with app.app_context():
        db.drop_all()
        db.create_all()
        seed_reference()
        db.session.commit()
        boroughs = db.session.execute(select(Borough.id, Borough.lat, Borough.lon)).all()
        standards = db.session.execute(select(Standard.id, Standard.reference, Standard.keywords)).all()
    now, start = "2026-03-01 12:00:00+00", date.today() + timedelta(days=30)
    closing = date.today() + timedelta(days=20)
    b_pick = rng.integers(0, len(boroughs), n_placements)
    p_loc = np.array([[boroughs[k][1], boroughs[k][2]] for k in b_pick]) + rng.normal(
        0, [0.015, 0.024], (n_placements, 2)
    )
    s_pick = rng.integers(0, len(standards), n_placements)
    c_loc = np.array([[boroughs[k][1], boroughs[k][2]] for k in rng.integers(0, len(boroughs), n_candidates)])
    c_loc += rng.normal(0, [0.02, 0.03], (n_candidates, 2))
    _, near = BallTree(np.radians(p_loc), metric="haversine").query(np.radians(c_loc), k=40)
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        copy_lines(
            connection,
            "placement",
            "id, borough_id, standard_id, status, title, description, skills, skills_text, "
            "wage_amount, wage_unit, hourly_wage, hours_per_week, positions, start_date, closing_date, "
            "workplace_outward, lat, lon, training_provider, disability_confident, resident_priority, "
            "adjustments_contact, created_at, updated_at",
            (
                f"{v + 1}\t{boroughs[b_pick[v]][0]}\t{standards[s_pick[v]][0]}\tlive\tPlacement {v + 1}\t\t[]\t"
                f"{' '.join(standards[s_pick[v]][2][:3])}\t12\thour\t12\t{rng.choice([30, 35, 37])}\t"
                f"{rng.integers(1, 4)}\t{start}\t{closing}\tE8\t{p_loc[v, 0]:.5f}\t{p_loc[v, 1]:.5f}\t\tf\tf\t\t{now}\t{now}\n"
                for v in range(n_placements)
            ),
        )
        copy_lines(
            connection,
            "user_account",
            "id, email, password_hash, role, active, created_at, session_generation",
            (f"{i}\tc{i}@bench.example\tx\tcandidate\tt\t{now}\t0\n" for i in range(1, n_candidates + 1)),
        )

        def candidates():
            for i in range(1, n_candidates + 1):
                liked = [standards[k] for k in rng.integers(0, len(standards), 2)]
                words = " ".join(w for s in liked for w in s[2][:4])
                yield (
                    f"{i}\t{i}\tsubmitted\tCandidate{i}\t{now}\t{ELIGIBLE}\t{c_loc[i - 1, 0]:.5f}\t"
                    f"{c_loc[i - 1, 1]:.5f}\t{rng.integers(3, 26)}\t37\t{date.today()}\t[]\t{words}\t"
                    f"{json.dumps([s[1] for s in liked])}\t{{}}\t{'t' if rng.random() < 0.7 else 'f'}\tf\tf\t{now}\t{now}\t[]\n"
                )

        copy_lines(
            connection,
            "candidate",
            "id, user_id, status, first_name, submitted_at, eligibility, lat, lon, travel_km, "
            "hours_per_week, available_from, skills, skills_text, interests, qualifications, "
            "consider_other_placements, lives_outside_london, guaranteed_interview, created_at, updated_at, statements",
            candidates(),
        )

        def choices():
            number = 0
            for i in range(n_candidates):
                for rank, j in enumerate(rng.choice(near[i], 10, replace=False), 1):
                    number += 1
                    yield f"{number}\t{i + 1}\t{j + 1}\t{rank}\n"

        copy_lines(connection, "choice", "id, candidate_id, placement_id, rank", choices())
        for table in ("user_account", "candidate", "placement", "choice"):
            connection.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        connection.commit()
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE")


def clear_runs(app) -> None:
    """Forget earlier benchmark runs (their suggestions, history, outcomes, emails and audit events), keeping the inputs."""
    with app.app_context():
        for table in ("stage_change", "candidate_outcome", "suggestion", "match_run", "outbox_email", "audit_event"):
            db.session.execute(text(f"DELETE FROM {table}"))
        db.session.commit()


def _latencies(path: Path, page: str, since: float, until: float) -> tuple[list[float], int]:
    """The page's answer times (ms) between two moments, and how many requests failed."""
    values, errors = [], 0
    for line in (path.read_text() if path.exists() else "").splitlines():
        at, name, value = line.split(" ", 2)
        if name == page and since <= float(at) <= until:
            if value.startswith("error"):
                errors += 1
            else:
                values.append(float(value))
    return values, errors


def _describe(values: list[float], errors: int) -> str:
    if not values:
        return f"no answers, {errors} errors"
    ordered = sorted(values)

    def pick(share):
        return ordered[round(share * (len(ordered) - 1))]

    return (
        f"{len(values)} answers, median {statistics.median(values):.0f} ms, p95 {pick(0.95):.0f} ms, "
        f"p99 {pick(0.99):.0f} ms, max {ordered[-1]:.0f} ms, {errors} errors"
    )


def _wait_for_answers(path: Path, count: int, since: float = 0.0, timeout: float = 300.0) -> None:
    """Wait until every page has answered `count` times since `since` (the server has started and warmed up)."""
    deadline = time.time() + timeout
    while any(len(_latencies(path, page, since, time.time())[0]) < count for page in PAGES):
        if time.time() > deadline:
            sys.exit(f"the web server did not answer {count} times within {timeout:.0f} s")
        time.sleep(0.5)


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _worker_backends(connection) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend serving the worker (same machine)."""
    pids = connection.execute(
        text("SELECT pid FROM pg_stat_activity WHERE application_name = :name"), {"name": WORKER_NAME}
    ).scalars()
    return {pid: _cpu_seconds(pid) for pid in pids if Path(f"/proc/{pid}").exists()}


def _wait(app, condition, pause: float = 0.25) -> None:
    """Poll the database until `condition()` (run in a fresh transaction) is true."""
    with app.app_context():
        while not condition():
            db.session.rollback()
            time.sleep(pause)
        db.session.rollback()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--placements", type=int, default=10_000)
    parser.add_argument("--port", type=int, default=5931)
    parser.add_argument(
        "--skip-fill", action="store_true", help="reuse the inputs already in the database (earlier runs are deleted)"
    )
    args = parser.parse_args()
    url = postgres_url_or_exit("bench_round")
    folder = Path(tempfile.mkdtemp(prefix="bench-round-"))
    env = {
        **os.environ,
        "TASK_QUEUE_URL": f"sqlite:///{folder / 'tasks.db'}",
        "FLASK_APP": "wsgi.py",
        "MAIL_SERVER": "",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{args.port}",
        "GUNICORN_BIND": f"127.0.0.1:{args.port}",
    }
    os.environ.update(TASK_QUEUE_URL=env["TASK_QUEUE_URL"])
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    if args.skip_fill:
        clear_runs(app)
    else:
        clock = time.perf_counter()
        fill(app, url, args.candidates, args.placements)
        print(
            f"filled {args.candidates:,} candidates, {args.placements:,} placements, "
            f"{10 * args.candidates:,} choices in {time.perf_counter() - clock:.0f} s"
        )
    worker_url = url + ("&" if "?" in url else "?") + f"application_name={WORKER_NAME}"
    bin_folder = ROOT / ".venv" / "bin"
    server = subprocess.Popen(
        [str(bin_folder / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = subprocess.Popen(
        [str(bin_folder / "flask"), "tasks", "worker", "--workers", "1"],
        cwd=ROOT,
        env={**env, "DATABASE_URL": worker_url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    probe_log = folder / "latency.txt"
    processes = [
        server,
        worker,
        subprocess.Popen([sys.executable, "-c", PROBE, f"http://127.0.0.1:{args.port}", str(probe_log)]),
    ]
    try:
        # The quiet baseline: once both pages answer, 20 more answers each with nothing else going on.
        _wait_for_answers(probe_log, 1)
        since = time.time()
        _wait_for_answers(probe_log, 20, since)
        quiet_until = time.time()
        from recruit.services.matching import publish_run, start_run

        with app.app_context():
            load_before = os.getloadavg()
            backends_before = _worker_backends(db.session.connection())
            worker_before = _cpu_seconds(worker.pid)
            db.session.rollback()
            began = time.time()
            run_id = start_run(1, 1).id  # what the admin page does: the worker picks it up
        _wait(app, lambda: db.session.get_one(MatchRun, run_id).status != "running")
        computed = time.time()
        with app.app_context():
            run = db.session.get_one(MatchRun, run_id)
            if run.status != "preview":
                sys.exit(f"the run ended as {run.status}: {run.error}")
            backend = db.session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
            clock, backend_before = time.process_time(), _cpu_seconds(backend)
            run, _ = publish_run(run_id, None)  # what the publish page does: the worker then writes the emails
            publish_cpu, publish_backend_cpu = time.process_time() - clock, _cpu_seconds(backend) - backend_before
            published = time.time()
        _wait(
            app,
            lambda: (
                db.session.scalar(
                    select(func.count())
                    .select_from(CandidateOutcome)
                    .where(CandidateOutcome.run_id == run_id, CandidateOutcome.notified_at.is_(None))
                )
                == 0
            ),
        )
        emailed = time.time()
        with app.app_context():
            worker_cpu = _cpu_seconds(worker.pid) - worker_before
            backends = _worker_backends(db.session.connection())
            backend_cpu = sum(seconds - backends_before.get(pid, 0.0) for pid, seconds in backends.items())
            emails = db.session.scalar(select(func.count()).select_from(OutboxEmail))
            history = db.session.scalar(select(func.count()).select_from(StageChange))
        load_after = os.getloadavg()
        time.sleep(1)
        print(
            f"run {run_id}: {run.suggestion_count:,} suggestions for {run.candidate_count:,} candidates and "
            f"{run.placement_count:,} placements; {history:,} history rows, {emails:,} emails"
        )
        print(
            f"  worker, queued to preview: {computed - began:.1f} s (the run's own time {run.duration_ms / 1000:.1f} s)"
        )
        print(f"  publish call (publication and history rows, emails queued): {published - computed:.1f} s")
        print(f"  worker, an email to every candidate written: {emailed - published:.1f} s")
        print(f"  total, start to the last write committed: {emailed - began:.1f} s (bar 60 s)")
        print(
            f"  CPU time: worker {worker_cpu:.1f} s and its PostgreSQL backends {backend_cpu:.1f} s; publish call "
            f"{publish_cpu:.2f} s and its PostgreSQL backend {publish_backend_cpu:.2f} s"
        )
        print(
            f"  machine: {os.cpu_count()} cores; load average (1, 5, 15 min) before "
            f"{', '.join(f'{x:.2f}' for x in load_before)}, after {', '.join(f'{x:.2f}' for x in load_after)}"
        )
        for page, label in PAGES.items():
            print(f"  {label}")
            print(f"    before: {_describe(*_latencies(probe_log, page, since, quiet_until))}")
            print(f"    during: {_describe(*_latencies(probe_log, page, began, emailed))}")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
