"""A published round at scale on PostgreSQL: 100,000 candidates × 10,000 placements, computed on a worker and
published (suggestions, history rows and one email per candidate written), while the web server keeps answering.

    psql -h 127.0.0.1 -U postgres -c "create database bench_round"
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_round .venv/bin/python benchmarks/published_round.py

The database is emptied and refilled with COPY (use a database of its own, never a shared one). Then:
1. a web server (`flask run`, its own process) and a prober (its own process) that asks for a page every 0.25 s;
2. a worker (`flask tasks worker`, its own process, SQLite task storage in a temporary folder) is given the run by
   the same call the admin page makes (`start_run`), and the script waits for the preview;
3. the run is published with the same call the publish page makes (`publish_run`).
It prints the worker's time for the run, the time to publish, their sum (the bar is 60 s on 2 cores) and the page's
latency percentiles before and during the work.
"""

import argparse
import io
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
from sqlalchemy import select  # noqa: E402

from recruit import create_app  # noqa: E402
from recruit.extensions import db  # noqa: E402
from recruit.models import Borough, MatchRun, Standard  # noqa: E402
from recruit.reference import seed_reference  # noqa: E402

ELIGIBLE = json.dumps({"age": True, "left_school": True, "right_to_work": True, "residence": True,
                       "not_in_full_time_education": True, "not_on_apprenticeship": True})
PROBE = """
import sys, time, urllib.request
url, out = sys.argv[1], open(sys.argv[2], "w", buffering=1)
while True:
    start = time.perf_counter()
    try:
        urllib.request.urlopen(url, timeout=30).read()
        out.write(f"{time.time():.3f} {1000 * (time.perf_counter() - start):.1f}\\n")
    except Exception as error:
        out.write(f"{time.time():.3f} error {error}\\n")
    time.sleep(0.25)
"""


def _copy(connection, table: str, columns: str, lines) -> None:
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        block = io.StringIO()
        for number, line in enumerate(lines, 1):
            block.write(line)
            if number % 50_000 == 0:
                copy.write(block.getvalue())
                block = io.StringIO()
        copy.write(block.getvalue())


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
    p_loc = np.array([[boroughs[k][1], boroughs[k][2]] for k in b_pick]) + rng.normal(0, [0.015, 0.024], (n_placements, 2))
    s_pick = rng.integers(0, len(standards), n_placements)
    c_loc = np.array([[boroughs[k][1], boroughs[k][2]] for k in rng.integers(0, len(boroughs), n_candidates)])
    c_loc += rng.normal(0, [0.02, 0.03], (n_candidates, 2))
    _, near = BallTree(np.radians(p_loc), metric="haversine").query(np.radians(c_loc), k=40)
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        _copy(connection, "vacancy", "id, borough_id, standard_id, status, title, description, skills, skills_text, "
              "wage_amount, wage_unit, hourly_wage, hours_per_week, positions, start_date, closing_date, "
              "workplace_outward, lat, lon, training_provider, disability_confident, resident_priority, "
              "adjustments_contact, created_at, updated_at",
              (f"{v + 1}\t{boroughs[b_pick[v]][0]}\t{standards[s_pick[v]][0]}\tlive\tPlacement {v + 1}\t\t[]\t"
               f"{' '.join(standards[s_pick[v]][2][:3])}\t12\thour\t12\t{rng.choice([30, 35, 37])}\t"
               f"{rng.integers(1, 4)}\t{start}\t{closing}\tE8\t{p_loc[v, 0]:.5f}\t{p_loc[v, 1]:.5f}\t\tf\tf\t\t{now}\t{now}\n"
               for v in range(n_placements)))
        _copy(connection, "user_account", "id, email, password_hash, role, active, created_at",
              (f"{i}\tc{i}@bench.example\tx\tcandidate\tt\t{now}\n" for i in range(1, n_candidates + 1)))

        def candidates():
            for i in range(1, n_candidates + 1):
                liked = [standards[k] for k in rng.integers(0, len(standards), 2)]
                words = " ".join(w for s in liked for w in s[2][:4])
                yield (f"{i}\t{i}\tsubmitted\tCandidate{i}\t{now}\t{ELIGIBLE}\t{c_loc[i - 1, 0]:.5f}\t"
                       f"{c_loc[i - 1, 1]:.5f}\t{rng.integers(3, 26)}\t37\t{date.today()}\t[]\t{words}\t"
                       f"{json.dumps([s[1] for s in liked])}\t{{}}\t{'t' if rng.random() < 0.7 else 'f'}\tf\tf\t{now}\t{now}\n")

        _copy(connection, "candidate", "id, user_id, status, first_name, submitted_at, eligibility, lat, lon, travel_km, "
              "hours_per_week, available_from, skills, skills_text, interests, qualifications, "
              "consider_other_placements, lives_outside_london, guaranteed_interview, created_at, updated_at",
              candidates())

        def choices():
            number = 0
            for i in range(n_candidates):
                for rank, j in enumerate(rng.choice(near[i], 10, replace=False), 1):
                    number += 1
                    yield f"{number}\t{i + 1}\t{j + 1}\t{rank}\n"

        _copy(connection, "preference", "id, candidate_id, vacancy_id, rank", choices())
        for table in ("user_account", "candidate", "vacancy", "preference"):
            connection.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        connection.commit()
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE")


def _latencies(path: Path, since: float, until: float) -> list[float]:
    values = []
    for line in path.read_text().splitlines():
        at, value = line.split(" ", 1)
        if since <= float(at) <= until and not value.startswith("error"):
            values.append(float(value))
    return values


def _describe(values: list[float]) -> str:
    if not values:
        return "no answers"
    ordered = sorted(values)
    return (f"{len(values)} requests, median {statistics.median(values):.0f} ms, "
            f"p95 {ordered[int(0.95 * (len(ordered) - 1))]:.0f} ms, max {ordered[-1]:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--placements", type=int, default=10_000)
    parser.add_argument("--port", type=int, default=5931)
    parser.add_argument("--skip-fill", action="store_true", help="reuse the data already in the database")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database of its own (it is emptied).")
    folder = Path(tempfile.mkdtemp(prefix="bench-round-"))
    env = {**os.environ, "TASK_QUEUE_URL": f"sqlite:///{folder / 'tasks.db'}", "FLASK_APP": "wsgi.py",
           "MAIL_SERVER": "", "PUBLIC_BASE_URL": f"http://127.0.0.1:{args.port}"}
    os.environ.update(TASK_QUEUE_URL=env["TASK_QUEUE_URL"])
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    if not args.skip_fill:
        clock = time.perf_counter()
        fill(app, url, args.candidates, args.placements)
        print(f"filled {args.candidates:,} candidates, {args.placements:,} placements, "
              f"{10 * args.candidates:,} choices in {time.perf_counter() - clock:.0f} s")
    flask = str(ROOT / ".venv" / "bin" / "flask")
    processes = [
        subprocess.Popen([flask, "run", "--port", str(args.port)], cwd=ROOT, env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        subprocess.Popen([flask, "tasks", "worker", "--workers", "1"], cwd=ROOT, env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
    ]
    time.sleep(5)
    probe_log = folder / "latency.txt"
    processes.append(subprocess.Popen([sys.executable, "-c", PROBE, f"http://127.0.0.1:{args.port}/placements/",
                                       str(probe_log)]))
    try:
        time.sleep(8)
        quiet_until = time.time()
        from recruit.services.matching import publish_run, start_run

        with app.app_context():
            began = time.time()
            run_id = start_run(1, 1).id  # what the admin page does: the worker picks it up
            while True:
                time.sleep(0.5)
                db.session.expire_all()
                run = db.session.get(MatchRun, run_id)
                if run.status != "running":
                    break
            computed = time.time()
            if run.status != "preview":
                sys.exit(f"the run ended as {run.status}: {run.error}")
            run, _ = publish_run(run_id, None)
            published = time.time()
        time.sleep(1)
        print(f"run {run_id}: {run.match_count:,} suggestions for {run.candidate_count:,} candidates and "
              f"{run.vacancy_count:,} placements")
        print(f"  on the worker, queued to preview: {computed - began:.1f} s (the run's own time {run.duration_ms / 1000:.1f} s)")
        print(f"  publishing (history rows and {run.match_count:,} emails written): {published - computed:.1f} s")
        print(f"  total: {published - began:.1f} s (bar 60 s); CPU cores (nproc): {os.cpu_count()}; "
              f"load average {os.getloadavg()[0]:.2f}")
        print(f"  /placements/ before: {_describe(_latencies(probe_log, 0, quiet_until))}")
        print(f"  /placements/ during: {_describe(_latencies(probe_log, began, published))}")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
