"""Listing speed with 5,000 live placements: median and p95 response time through the Flask test client.

    .venv/bin/python benchmarks/listing.py                  # a fresh SQLite file
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_listing .venv/bin/python benchmarks/listing.py

The database is emptied and refilled (use a database of its own, never a shared one). A hello-world route on the
same app gives the baseline: the same Flask, security headers and session handling, with no template or query.
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

from recruit import create_app  # noqa: E402
from recruit.extensions import db  # noqa: E402
from recruit.models import Borough, Placement, Standard, utcnow  # noqa: E402
from recruit.postcodes import outward_areas  # noqa: E402
from recruit.reference import seed_reference  # noqa: E402

PLACEMENTS = int(os.environ.get("PLACEMENTS", 5000))
REQUESTS = int(os.environ.get("REQUESTS", 50))
SCENARIOS = [
    ("hello world (baseline)", "/__hello"),
    ("listing, first page", "/placements/"),
    ("listing, postcode within 5 km, by distance", "/placements/?postcode=E8+1DY&distance=5&sort=distance"),
    ("listing, postcode, any distance, by distance", "/placements/?postcode=E8&sort=distance"),
    ("listing, borough + LLW, by wage", "/placements/?borough=hackney&llw=yes&sort=wage"),
    ("listing, page 100", "/placements/?page=100"),
    ("API, postcode within 5 km", "/api/v1/placements?postcode=E8&distance=5&sort=distance"),
    ("placement page", None),
]


def fill(count: int) -> int:
    """Replace every placement with `count` live ones spread over London; return one id."""
    rng = random.Random(4)
    db.session.execute(delete(Placement))
    boroughs = {b.ons_code: b.id for b in db.session.scalars(select(Borough))}
    standards = list(db.session.scalars(select(Standard)))
    areas = [a for a in outward_areas().values() if a.in_london and a.borough_ons in boroughs]
    today, now = date.today(), utcnow()
    rows = []
    for index in range(count):
        area, standard = rng.choice(areas), rng.choice(standards)
        hourly = Decimal(rng.choice(["7.55", "9.00", "11.50", "13.00", "14.80", "16.20"]))
        rows.append(
            dict(
                borough_id=boroughs[area.borough_ons],
                standard_id=standard.id,
                status="live",
                title=f"{standard.title} apprentice {index}",
                description="Learn on the job with a friendly team. " * 5,
                skills=standard.keywords[:4],
                skills_text="",
                wage_amount=hourly,
                wage_unit="hour",
                hourly_wage=hourly,
                hours_per_week=rng.choice([30, 35, 37]),
                positions=rng.randint(1, 3),
                start_date=today + timedelta(days=rng.randint(60, 200)),
                closing_date=today + timedelta(days=rng.randint(1, 55)),
                workplace_outward=area.outward,
                lat=area.lat,
                lon=area.lon,
                training_provider="City College",
                disability_confident=rng.random() < 0.5,
                resident_priority=False,
                adjustments_contact="jobs@example.org",
                created_at=now,
                updated_at=now,
                published_at=now,
            )
        )
    for start in range(0, len(rows), 1000):
        db.session.execute(insert(Placement), rows[start : start + 1000])
    db.session.commit()
    return db.session.execute(select(Placement.id).limit(1)).scalar_one()


def measure(client, path: str) -> tuple[float, float, int]:
    for _ in range(3):  # warm caches and compiled templates
        client.get(path)
    times = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], len(response.get_data())


def bench_app(name: str, *, fresh: bool = False):
    """An app on DATABASE_URL (or a new SQLite file) with the reference data, and /__hello as the baseline.

    The page cache is off: these benchmarks measure rendering (web_throughput.py measures the cache)."""
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/{name}.db"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "MONITORING_KEY": "bench-monitoring",
            "RATELIMIT_ENABLED": False,
            "PAGE_CACHE_ENABLED": False,
        }
    )
    app.add_url_rule("/__hello", "hello", lambda: "Hello, world!")
    with app.app_context():
        if fresh:
            db.drop_all()
        db.create_all()
        seed_reference()
    return app


def main() -> None:
    app = bench_app("listing-bench")
    with app.app_context():
        started = time.perf_counter()
        some_id = fill(PLACEMENTS)
        print(
            f"{PLACEMENTS:,} live placements loaded in {time.perf_counter() - started:.1f} s on "
            f"{db.engine.dialect.name}; nproc={os.cpu_count()}; {REQUESTS} requests per row"
        )
    client = app.test_client()
    baseline = None
    print(f"{'scenario':48} {'median ms':>10} {'p95 ms':>8} {'KB':>6} {'vs hello':>9}")
    for name, path in SCENARIOS:
        median, p95, size = measure(client, path or f"/placements/{some_id}")
        baseline = baseline or median
        print(f"{name:48} {median:10.1f} {p95:8.1f} {size / 1024:6.1f} {median / baseline:8.1f}x")


if __name__ == "__main__":
    main()
