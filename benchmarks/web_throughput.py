"""Public pages and the API against a hello-world Flask app, side by side under the same gunicorn settings.

    .venv/bin/python benchmarks/web_throughput.py            # a fresh SQLite file, 5,000 live placements
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_web .venv/bin/python benchmarks/web_throughput.py

Both servers run `gunicorn --workers 2` with the project's gunicorn.conf.py on loopback; `wrk` (Debian package
`wrk`) loads each path for DURATION seconds at 16 and at 32 connections. Hello world is measured before and after the
service's paths at each level, and each ratio is taken against the mean of the two, so that both sides of a ratio
share the machine's load at that moment (the figures themselves move with whatever else the machine is doing).
The database is emptied and refilled: give it a database of its own.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.listing import fill  # noqa: E402
from recruit import create_app  # noqa: E402
from recruit.extensions import db  # noqa: E402
from recruit.reference import seed_reference  # noqa: E402
from tests.page_checks import first_match  # noqa: E402

PLACEMENTS = int(os.environ.get("PLACEMENTS", 5000))
DURATION = int(os.environ.get("DURATION", 5))
CONNECTIONS = tuple(int(c) for c in os.environ.get("CONNECTIONS", "16,32").split(","))
WORKERS = 2
HELLO_APP = """
from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "Hello, world!"
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(app_spec: str, cwd: Path, env: dict) -> tuple[subprocess.Popen, str]:
    """Serve `app_spec` with the project's gunicorn settings; return the process and its base URL."""
    port = free_port()
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "--config",
        str(ROOT / "gunicorn.conf.py"),
        "--workers",
        str(WORKERS),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        app_spec,
    ]
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/", timeout=2).read()
            return process, base
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{app_spec} did not start")


def check(url: str) -> None:
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200, (url, response.status)


# Each request a query string never asked before: every one is rendered (and the cache stays within its limit).
DISTINCT_QUERIES = """
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", wrk.path .. "?utm_source=" .. counter .. "-" .. math.random(1000000000))
end
"""


def wrk(url: str, connections: int, script: Path | None = None) -> tuple[float, float, int]:
    """Requests per second, p99 latency in ms, and the count of errors (non-2xx/3xx, socket errors)."""
    out = subprocess.run(
        [
            "wrk",
            "--threads",
            "1",
            "--connections",
            str(connections),
            "--duration",
            f"{DURATION}s",
            "--timeout",
            "5s",
            "--latency",
            *(["--script", str(script)] if script else []),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(first_match(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = first_match(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return rate, p99, errors


def main() -> None:
    if not shutil.which("wrk"):
        sys.exit("Needs wrk: apt-get install -y wrk")
    workdir = Path(tempfile.mkdtemp(prefix="web-throughput-"))
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir}/web.db"
    settings = {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret", "MONITORING_KEY": "bench-monitoring"}
    app = create_app(settings)
    with app.app_context():
        db.create_all()
        seed_reference()
        some_id = fill(PLACEMENTS)
        dialect = db.engine.dialect.name
    (workdir / "hello.py").write_text(textwrap.dedent(HELLO_APP))
    distinct = workdir / "distinct.lua"
    distinct.write_text(DISTINCT_QUERIES)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": settings["SECRET_KEY"],
        "MONITORING_KEY": settings["MONITORING_KEY"],
        "INSTANCE_PATH": str(workdir),
        "PYTHONPATH": str(ROOT),
    }
    hello, hello_base = start_gunicorn("hello:app", workdir, env)
    service, base = start_gunicorn("wsgi:app", ROOT, env)
    scenarios = [
        ("start page", "/"),
        ("listing, first page", "/placements/"),
        ("listing, postcode E8 1DY within 5 km", "/placements/?postcode=E8+1DY&distance=5"),
        ("one placement's page", f"/placements/{some_id}"),
        ("API /api/v1/placements", "/api/v1/placements"),
        ("API /api/v1/vacancies (deprecated path)", "/api/v1/vacancies"),
    ]
    try:
        for _, path in scenarios:
            check(base + path)
        print(
            f"{PLACEMENTS:,} live placements on {dialect}; "
            f"gunicorn --workers {WORKERS}; wrk {DURATION} s a row; nproc={os.cpu_count()} "
            f"(a machine shared with other work: compare the ratios, measured side by side)"
        )
        worst = 1.0
        for connections in CONNECTIONS:
            before = wrk(hello_base + "/", connections)
            rows = [(name, *wrk(base + path, connections)) for name, path in scenarios]
            uncached = wrk(base + "/placements/", connections, distinct)
            after = wrk(hello_base + "/", connections)
            baseline = (before[0] + after[0]) / 2
            print(
                f"\n{connections} connections: hello world {before[0]:,.0f} req/s before, {after[0]:,.0f} after "
                f"(p99 {before[1]:.1f} / {after[1]:.1f} ms)"
            )
            print(f"  {'path':40} {'req/s':>8} {'p99 ms':>8} {'errors':>7} {'vs hello':>9}")
            for name, rate, p99, errors in rows:
                worst = min(worst, rate / baseline)
                print(f"  {name:40} {rate:8,.0f} {p99:8.1f} {errors:7d} {rate / baseline:8.1%}")
            rate, p99, errors = uncached
            print(
                f"  {'(listing, a new query string each time)':40} {rate:8,.0f} {p99:8.1f} {errors:7d} {rate / baseline:8.1%}"
                "  rendered every time: not in the goal"
            )
        print(f"\nlowest ratio to hello world: {worst:.1%} (goal: at least 40 %, p99 at most 100 ms at 32 connections)")
    finally:
        for process in (hello, service):
            process.terminate()
            process.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
