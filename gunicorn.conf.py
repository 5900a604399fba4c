"""Gunicorn settings for `gunicorn wsgi:app` (README, "Production"). The throughput benchmark serves hello world
with this same file, so both sides of its comparison run under the same settings."""

import os
import tempfile

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", 2))
# No runtime control socket: nothing here uses gunicornc, and one fixed path would collide between servers.
control_socket_disable = True

# Prometheus metrics add up every worker's figures through files in this directory, made afresh for each start
# (an operator may point it elsewhere; it must be empty when the server starts).
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="recruit-metrics-"))


def post_worker_init(worker):
    """Warm the app (templates, libraries, connections) before this worker takes its first request."""
    app = worker.wsgi
    if getattr(app, "import_name", None) == "recruit":
        from recruit.operations import warm_up

        warm_up(app)


def child_exit(server, worker):
    """Forget a finished worker's live gauges (counters and histograms keep their totals)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
