"""The benchmark scripts still run against today's schema and sign-in rules, at a tiny size.

Their figures are not checked here (speed is measured by running them at full size, not by timed tests); what is
checked is that each one gets to its last line, so a change to the models or to sign-in cannot quietly break the
tools that measure the service's bars. The SQLite pass lets each script make its own SQLite file (the two
PostgreSQL-only scripts wait for the PostgreSQL pass); the PostgreSQL pass runs every script in a scratch database
of its own on the test server.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parent.parent
ON_POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


def _run(script: str, *args: str, env: dict | None = None) -> str:
    """Run a benchmark script to its end and return what it printed."""
    environment = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "TEST_DATABASE_URL"}}
    finished = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *args],
        cwd=ROOT,
        text=True,
        capture_output=True,
        timeout=600,
        env={**environment, **(env or {})},
    )
    assert finished.returncode == 0, f"{script} failed:\n{finished.stdout[-3000:]}\n{finished.stderr[-3000:]}"
    return finished.stdout


@pytest.fixture
def bench_env():
    """The environment a script runs with: nothing on SQLite (it makes its own file), else DATABASE_URL naming a
    PostgreSQL database of the test's own beside the test database, dropped afterwards."""
    if not ON_POSTGRES:
        yield {}
        return
    url = os.environ["TEST_DATABASE_URL"]
    parts = urlsplit(url)
    name = f"bench_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    engine = create_engine(urlunsplit(parts._replace(path="/postgres")), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield {"DATABASE_URL": urlunsplit(parts._replace(path="/" + name))}
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL-only script: run in the PostgreSQL pass")


def test_matching_at_scale_script_runs():
    assert "run_matching" in _run("match_scale.py", "--sizes", "400x40", "--skip-assign-only")


def test_listing_script_runs(bench_env):
    output = _run("listing.py", env={**bench_env, "PLACEMENTS": "60", "REQUESTS": "2"})
    assert "60 live placements loaded" in output and "vs hello" in output


def test_progress_script_runs(bench_env):
    output = _run("progress.py", env={**bench_env, "PLACEMENTS": "60", "CANDIDATES": "60", "REQUESTS": "2"})
    assert "staff progress page (admin)" in output and "public summary, data just changed" in output


def test_signed_in_script_runs(bench_env):
    output = _run("signed_in.py", env={**bench_env, "REQUESTS": "2"})
    assert "recruiter review page" in output and "slowest median" in output


def test_web_throughput_script_runs(bench_env):
    if not shutil.which("wrk"):
        if IN_CI:
            pytest.fail("wrk is required in CI (apt-get install -y wrk)")
        pytest.skip("wrk is not installed (apt-get install -y wrk)")
    output = _run("web_throughput.py", env={**bench_env, "PLACEMENTS": "60", "DURATION": "1", "CONNECTIONS": "4"})
    assert "lowest ratio to hello world" in output


@postgres_only
def test_funnel_script_runs(bench_env):
    output = _run("funnel.py", "--n", "400", "--repeats", "1", env=bench_env)
    assert "applications: 400" in output and "closed cycle's whole report" in output


@postgres_only
def test_published_round_script_runs(bench_env):
    output = _run("published_round.py", "--candidates", "300", "--placements", "60", "--port", "5941", env=bench_env)
    assert "total, start to the last write committed" in output
