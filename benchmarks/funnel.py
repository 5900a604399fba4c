"""The diversity funnel over N applications (default 1,000,000) on PostgreSQL: the bar is <= 1 s, and a closed cycle's
report from its saved counts <= 50 ms.

    psql -h 127.0.0.1 -U postgres -c "create database bench_funnel"
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_funnel .venv/bin/python benchmarks/funnel.py [--n 1000000]

The database is emptied and refilled with COPY (use a database of its own, never a shared one): N submitted candidates
(each with a user account), about 80 % with equality answers under their pseudonym, and about 1.5 suggestions each over
2,000 placements in two runs, at stages from suggested to accepted. Then the funnel for one characteristic is timed:
the grouped stage query, the pseudonyms in bulk, the answers query and the counting, each shown apart.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from sqlalchemy import select, update  # noqa: E402

from benchmarks.common import copy_lines, postgres_url_or_exit  # noqa: E402
from recruit import create_app  # noqa: E402
from recruit.extensions import db  # noqa: E402
from recruit.models import Borough, Standard, funnel_level  # noqa: E402
from recruit.reference import equality_questions, seed_reference  # noqa: E402
from recruit.services import reports  # noqa: E402

PLACEMENTS = 2000
STAGES = (
    ["suggested"] * 60
    + ["rejected"] * 20
    + ["shortlisted"] * 8
    + ["interview"] * 5
    + ["offered"] * 3
    + ["accepted"] * 3
    + ["withdrawn"]
)
CHANNELS = [
    "school_college",
    "jobcentre",
    "borough_website",
    "social_media",
    "friend_family",
    "community_group",
    "careers_fair",
    "other",
    None,
]


NOW = "2026-03-01 12:00:00+00"
NULL = "\\N"  # COPY's text for NULL
STAGE_PATH = ["suggested", "shortlisted", "interview", "offered", "accepted"]


def fill(app, url: str, n: int) -> None:
    """Recreate the schema and COPY in n applications with answers and suggestions."""
    rng = random.Random(7)
    with app.app_context():
        db.drop_all()
        db.create_all()
        seed_reference()
        db.session.commit()
        boroughs = list(db.session.scalars(select(Borough.id)))
        standards = list(db.session.scalars(select(Standard.id)))
        pseudonyms = reports.pseudonyms(range(1, n + 1))
    options = {q["key"]: [o["value"] for o in q["options"]] for q in equality_questions()}
    stages_of: dict[int, str] = {}  # each suggestion's stage, filled as its rows are written
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=False) as connection:
        copy_lines(
            connection,
            "user_account",
            "id, email, password_hash, role, active, session_generation, created_at",
            (f"{i}\tc{i}@bench.example\tx\tcandidate\tt\t0\t{NOW}\n" for i in range(1, n + 1)),
        )
        copy_lines(
            connection,
            "candidate",
            "id, user_id, status, submitted_at, outreach_channel, campaign_code, lives_outside_london, "
            "guaranteed_interview, eligibility, skills, statements, interests, qualifications, created_at, updated_at",
            _candidate_rows(rng, n),
        )
        copy_lines(
            connection,
            "match_run",
            "id, created_at, round, algorithm_version, weights, seed, input_hash, "
            "candidate_count, placement_count, suggestion_count, duration_ms, note, status, progress_stage, progress_percent, "
            "progress_at, inputs_mark, unmatched",
            (
                f"{r}\t{NOW}\t{r}\tbench\t{{}}\t1\tx\t0\t0\t0\t0\t\tpublished\tDone\t100\t{NOW}\t\t{{}}\n"
                for r in (1, 2)
            ),
        )
        copy_lines(
            connection,
            "placement",
            "id, borough_id, standard_id, status, title, description, skills, skills_text, "
            "wage_amount, wage_unit, hourly_wage, hours_per_week, positions, start_date, closing_date, "
            "workplace_outward, lat, lon, training_provider, disability_confident, resident_priority, "
            "adjustments_contact, created_at, updated_at",
            (
                f"{v}\t{rng.choice(boroughs)}\t{rng.choice(standards)}\tlive\tPlacement {v}\t\t[]\t\t12\thour\t12\t30\t2\t"
                f"2026-09-01\t2026-08-01\tE8\t51.5\t-0.05\t\tf\tf\t\t{NOW}\t{NOW}\n"
                for v in range(1, PLACEMENTS + 1)
            ),
        )
        copy_lines(
            connection,
            "suggestion",
            "id, run_id, candidate_id, placement_id, score, components, explanation, stage, furthest_level, version",
            _suggestion_rows(rng, n, stages_of),
        )
        copy_lines(connection, "stage_change", "id, suggestion_id, from_stage, to_stage, at", _history_rows(stages_of))
        copy_lines(connection, "monitoring_response", "pseudonym, answers", _answer_rows(rng, pseudonyms, options))
        connection.commit()
        _finish(connection)
    with app.app_context():  # the answers were written in id order: rewrite them in pseudonym order, as in service
        from recruit.services.monitoring import recluster_answers

        start = time.perf_counter()
        kept = recluster_answers()
        print(f"rewrote {kept:,} answer rows in pseudonym order in {time.perf_counter() - start:.1f} s")


def _candidate_rows(rng: random.Random, n: int) -> Iterator[str]:
    """n submitted applications, each with an outreach channel and a campaign code or none."""
    for i in range(1, n + 1):
        channel = rng.choice(CHANNELS) or NULL
        campaign = rng.choice(["SPRING26", "LIBRARY", NULL, NULL])
        yield f"{i}\t{i}\tsubmitted\t{NOW}\t{channel}\t{campaign}\tf\tf\t{{}}\t[]\t[]\t[]\t{{}}\t{NOW}\t{NOW}\n"


def _suggestion_rows(rng: random.Random, n: int, stages_of: dict[int, str]) -> Iterator[str]:
    """Up to three suggestions per candidate, over two runs, each at a stage drawn from STAGES (noted in stages_of)."""
    suggestion_id = 0
    for i in range(1, n + 1):
        for placement in rng.sample(range(1, PLACEMENTS + 1), rng.choice((0, 1, 1, 2, 2, 3))):
            suggestion_id += 1
            stage = stages_of[suggestion_id] = rng.choice(STAGES)
            run = 1 if placement % 5 else 2
            yield f"{suggestion_id}\t{run}\t{i}\t{placement}\t0.5\t{{}}\t{{}}\t{stage}\t{funnel_level(stage)}\t1\n"


def _history_rows(stages_of: dict[int, str]) -> Iterator[str]:
    """The stage history: the suggestion made, then each step to where it is now."""
    change = 0
    for suggestion_id, stage in stages_of.items():
        steps = STAGE_PATH[: STAGE_PATH.index(stage) + 1] if stage in STAGE_PATH else ["suggested", stage]
        before = NULL
        for step in steps:
            change += 1
            yield f"{change}\t{suggestion_id}\t{before}\t{step}\t{NOW}\n"
            before = step


def _answer_rows(rng: random.Random, pseudonyms: list[str], options: dict[str, list[str]]) -> Iterator[str]:
    """Equality answers for four in five candidates, under their pseudonyms."""
    for pseudonym in pseudonyms:
        if rng.random() < 0.8:
            answer = {key: rng.choice(options[key]) for key in ("ethnicity", "sex", "care_leaver", "socio_economic")}
            answer["long_term_condition"] = rng.choice(options["long_term_condition"])
            if answer["long_term_condition"] == "yes":
                answer["condition_reduces_activity"] = rng.choice(options["condition_reduces_activity"])
            yield f"{pseudonym}\t{json.dumps(answer)}\n"


def _finish(connection) -> None:
    """Move the id sequences past the rows written, and give the planner fresh statistics."""
    for table in ("user_account", "candidate", "match_run", "placement", "suggestion", "stage_change"):
        connection.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    connection.commit()
    connection.autocommit = True
    connection.execute("VACUUM ANALYZE")


def time_funnel(app, characteristic: str, repeats: int) -> None:
    """Time the funnel `repeats` times (a fresh session each) and print the median and best, with its parts."""
    filters = reports.Filters(characteristic=characteristic)
    totals, gathers, cpus = [], [], []
    with app.test_request_context():
        for _ in range(repeats):
            db.session.remove()
            start, cpu_start = time.perf_counter(), time.process_time()
            population = reports.gather(filters)
            gathered = time.perf_counter()
            table, _ = reports.funnel(filters, population)
            totals.append(time.perf_counter() - start)
            cpus.append(time.process_time() - cpu_start)
            gathers.append(gathered - start)
            hash_start = time.perf_counter()
            reports.pseudonyms(range(1, table.totals[0].count + 1))
            hashing = time.perf_counter() - hash_start
    print(
        f"applications: {table.totals[0].count:,}; suggested: {table.totals[1].count:,}; "
        f"accepted: {table.totals[4].count:,}"
    )
    print(
        f"  queries + pseudonyms (side by side): {statistics.median(gathers):.2f} s; "
        f"the pseudonyms alone take {hashing:.2f} s; this process's CPU per funnel {statistics.median(cpus):.2f} s"
    )
    print(
        f"funnel by {characteristic}, whole: median {statistics.median(totals):.2f} s, best {min(totals):.2f} s "
        f"over {repeats} runs; CPU cores (nproc): {os.cpu_count()}; load average {os.getloadavg()[0]:.2f}"
    )


def time_closed_cycle(app, characteristic: str, repeats: int) -> None:
    """Close a cycle holding every application (saving its counts), then time its report from the saved counts."""
    from datetime import date

    from recruit.models import MatchRun, RecruitmentCycle
    from recruit.services.cycles import close_cycle

    with app.test_request_context():
        cycle = db.session.scalar(select(RecruitmentCycle).where(RecruitmentCycle.name == "Benchmark cycle"))
        if cycle is None:
            cycle = RecruitmentCycle(name="Benchmark cycle", opens_on=date(2026, 1, 1), closes_on=date(2026, 12, 31))
            db.session.add(cycle)
            db.session.flush()
            db.session.execute(update(MatchRun).values(cycle_id=cycle.id))
            db.session.commit()
        if cycle.closed_at is None:
            start = time.perf_counter()
            saved = close_cycle(cycle.id, [c for c in CHANNELS if c])
            print(f"closed the cycle, saving {saved:,} counts, in {time.perf_counter() - start:.1f} s")
        filters = reports.Filters(characteristic=characteristic, cycle=cycle.id)
        times = []
        for _ in range(repeats):
            db.session.remove()
            start = time.perf_counter()
            report = reports.outreach_report(filters, {})
            times.append(time.perf_counter() - start)
    print(
        f"closed cycle's whole report (funnel, fairness, channels) from saved counts: median "
        f"{1000 * statistics.median(times):.0f} ms, best {1000 * min(times):.0f} ms; applied {report.funnel.totals[0].count:,}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="applications to generate (default 1,000,000)")
    parser.add_argument("--characteristic", default="ethnicity", choices=sorted(reports.characteristics()))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-fill", action="store_true", help="time the data already there")
    args = parser.parse_args()
    url = postgres_url_or_exit("bench_funnel")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MONITORING_KEY": "bench-monitoring-key", "SECRET_KEY": "bench"})
    if not args.no_fill:
        start = time.perf_counter()
        fill(app, url, args.n)
        print(f"filled {args.n:,} applications in {time.perf_counter() - start:.0f} s")
    time_funnel(app, args.characteristic, args.repeats)
    time_closed_cycle(app, args.characteristic, args.repeats)


if __name__ == "__main__":
    main()
