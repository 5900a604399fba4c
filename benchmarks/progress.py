"""Progress page speed: 33 boroughs, 10,000 placements in the current cycle, 30,000 suggestions at every stage.

    .venv/bin/python benchmarks/progress.py                  # a fresh SQLite file
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_progress .venv/bin/python benchmarks/progress.py

The database is emptied and refilled (use a database of its own, never a shared one). Times are through the Flask
test client: the staff progress page (signed in as an admin), the public summary and the open data, each the median
of REQUESTS requests. Goal: 100 ms median or less for the pages. The figures are counted again only when the data
they come from changed (a fingerprint query checks); the last two rows time that recount on every request.
"""

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, insert, select  # noqa: E402

from benchmarks.common import sign_in  # noqa: E402
from recruit import create_app  # noqa: E402
from recruit.extensions import db  # noqa: E402
from recruit.models import (
    Borough,
    BoroughTarget,
    Candidate,
    Choice,
    MatchRun,
    Placement,
    RecruitmentCycle,  # noqa: E402
    Standard,
    Suggestion,
    User,
    utcnow,
)
from recruit.reference import seed_reference  # noqa: E402

PLACEMENTS = int(os.environ.get("PLACEMENTS", 10_000))
CANDIDATES = int(os.environ.get("CANDIDATES", 10_000))
REQUESTS = int(os.environ.get("REQUESTS", 30))
STAGES = ["suggested"] * 6 + ["shortlisted"] * 2 + ["interview", "offered", "accepted", "rejected"]


def fill() -> int:
    """Replace everything with one cycle, its placements, candidates with three choices each and their suggestions."""
    rng = random.Random(14)
    for model in (Suggestion, MatchRun, Choice, Candidate, BoroughTarget, Placement, RecruitmentCycle):
        db.session.execute(delete(model))
    db.session.execute(delete(User))
    today, now = date.today(), utcnow()
    cycle = RecruitmentCycle(
        name="Benchmark", opens_on=today - timedelta(days=100), closes_on=today + timedelta(days=200), target=1000
    )
    db.session.add(cycle)
    db.session.flush()
    boroughs = list(db.session.scalars(select(Borough.id)))
    db.session.execute(insert(BoroughTarget), [dict(cycle_id=cycle.id, borough_id=b, target=30) for b in boroughs])
    standard = db.session.scalar(select(Standard.id))
    rows: list[dict[str, object]] = [
        dict(
            borough_id=rng.choice(boroughs),
            cycle_id=cycle.id,
            standard_id=standard,
            status=rng.choice(["live", "live", "closed", "filled", "draft"]),
            title=f"Placement {n}",
            description="",
            skills=[],
            skills_text="",
            wage_amount=Decimal("12.00"),
            wage_unit="hour",
            hourly_wage=Decimal("12.00"),
            hours_per_week=37,
            positions=rng.randint(1, 3),
            start_date=today + timedelta(days=rng.randint(-30, 90)),
            closing_date=today + timedelta(days=20),
            workplace_outward="E8",
            lat=51.5,
            lon=-0.05,
            created_at=now,
            updated_at=now,
            published_at=now,
        )
        for n in range(PLACEMENTS)
    ]
    for start in range(0, len(rows), 2000):
        db.session.execute(insert(Placement), rows[start : start + 2000])
    placement_ids = list(db.session.scalars(select(Placement.id)))
    db.session.execute(
        insert(User),
        [
            dict(email=f"c{n}@bench.example", password_hash="x", role="candidate", active=True, created_at=now)
            for n in range(CANDIDATES)
        ],
    )
    user_ids = list(db.session.scalars(select(User.id).order_by(User.id)))
    db.session.execute(
        insert(Candidate),
        [
            dict(
                user_id=u,
                status="submitted",
                submitted_at=now,
                created_at=now,
                updated_at=now,
                eligibility={},
                skills=[],
                interests=[],
                qualifications={},
            )
            for u in user_ids
        ],
    )
    candidate_ids = list(db.session.scalars(select(Candidate.id)))
    run = MatchRun(algorithm_version="bench", weights={}, seed=1, input_hash="0" * 64)
    db.session.add(run)
    db.session.flush()
    choices, suggestions = [], []
    for candidate in candidate_ids:
        for rank, placement in enumerate(rng.sample(placement_ids, 3), start=1):
            choices.append(dict(candidate_id=candidate, placement_id=placement, rank=rank))
            suggestions.append(
                dict(
                    run_id=run.id,
                    candidate_id=candidate,
                    placement_id=placement,
                    score=0.5,
                    components={},
                    explanation={},
                    stage=rng.choice(STAGES),
                    version=1,
                )
            )
    for start in range(0, len(suggestions), 5000):
        db.session.execute(insert(Choice), choices[start : start + 5000])
        db.session.execute(insert(Suggestion), suggestions[start : start + 5000])
    admin = User(email="admin@bench.example", password_hash="x", role="admin")
    db.session.add(admin)
    db.session.commit()
    return admin.id


def measure(client, path: str, recount: bool = False) -> tuple[float, float]:
    from recruit.services import progress

    for _ in range(3):
        client.get(path)
    times = []
    for _ in range(REQUESTS):
        if recount:  # as after any change to the data: the figures are counted again
            progress._COMPUTED.clear()
        cpu, start = time.process_time(), time.perf_counter()
        response = client.get(path)
        times.append(((time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000))
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(t for t, _ in times), statistics.median(c for _, c in times)


def main() -> None:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/progress-bench.db"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "MONITORING_KEY": "bench-monitoring",
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        db.create_all()
        seed_reference()
        started = time.perf_counter()
        admin_id = fill()
        print(
            f"{PLACEMENTS:,} placements, {CANDIDATES:,} candidates, {3 * CANDIDATES:,} suggestions loaded in "
            f"{time.perf_counter() - started:.1f} s on {db.engine.dialect.name}; nproc={os.cpu_count()}; "
            f"{REQUESTS} requests each"
        )
    public = app.test_client()
    staff = app.test_client()
    sign_in(staff, admin_id)
    print(f"{'page':32} {'median ms':>10} {'CPU ms':>8}")
    for name, client, path, recount in (
        ("staff progress page (admin)", staff, "/reports/progress", False),
        ("public summary", public, "/progress", False),
        ("open data", public, "/api/v1/progress", False),
        ("staff page, data just changed", staff, "/reports/progress", True),
        ("public summary, data just changed", public, "/progress", True),
    ):
        median, cpu = measure(client, path, recount)
        print(f"{name:32} {median:10.1f} {cpu:8.1f}")


if __name__ == "__main__":
    main()
