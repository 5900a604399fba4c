"""Gunicorn settings for `gunicorn wsgi:app` (the benchmark serves hello world with the same file)."""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", 2))
# No runtime control socket: nothing here uses gunicornc, and one fixed path would collide between servers.
control_socket_disable = True
