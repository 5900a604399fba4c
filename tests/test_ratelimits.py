"""Rate limits per account and per client, atomic, behind a configured number of proxies, and shared by several
app processes through the Redis server at 127.0.0.1:6379 (each test run uses its own key prefix)."""

import os
import socket
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import pytest
from sqlalchemy import func, select

from recruit.extensions import db as _db
from recruit.models import OutboxEmail
from tests.conftest import TEST_PASSWORD
from tests.page_checks import visible_words

REDIS_URL = "redis://127.0.0.1:6379"


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": False, "TRUSTED_PROXIES": 1, "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}"}


def _post(client, path, data, ip="203.0.113.1"):
    # The proxy in front (TRUSTED_PROXIES=1) appends the address it saw.
    return client.post(path, data=data, headers={"X-Forwarded-For": ip})


def test_sign_in_is_limited_per_account_whatever_the_client_address(app, client, make_user):
    user = make_user("candidate")
    for n in range(5):
        assert (
            _post(
                client, "/sign-in", {"email": user.email, "password": "wrong-password!"}, f"198.51.100.{n}"
            ).status_code
            == 200
        )
    response = _post(client, "/sign-in", {"email": user.email, "password": TEST_PASSWORD}, "198.51.100.99")
    assert response.status_code == 429
    assert "Wait 5 minutes, then try again." in visible_words(response.get_data(as_text=True))
    # Another account is not locked by it.
    other = make_user("candidate")
    assert (
        _post(client, "/sign-in", {"email": other.email, "password": TEST_PASSWORD}, "198.51.100.99").status_code == 302
    )


def test_unknown_addresses_are_limited_the_same_way(client):
    for _ in range(5):
        assert (
            _post(client, "/sign-in", {"email": "nobody@example.com", "password": "wrong-password!"}).status_code == 200
        )
    assert _post(client, "/sign-in", {"email": "nobody@example.com", "password": "wrong-password!"}).status_code == 429


def test_sign_in_is_limited_per_client_across_accounts_and_other_clients_carry_on(app, client, make_user):
    app.config["SIGN_IN_CLIENT_RATE_LIMIT"] = "4 per 5 minutes"
    for n in range(4):
        assert (
            _post(client, "/sign-in", {"email": f"guess{n}@example.com", "password": "wrong-password!"}).status_code
            == 200
        )
    assert _post(client, "/sign-in", {"email": "guess9@example.com", "password": "wrong-password!"}).status_code == 429
    user = make_user("candidate")
    assert (
        _post(client, "/sign-in", {"email": user.email, "password": TEST_PASSWORD}, "203.0.113.77").status_code == 302
    )


def test_a_client_cannot_choose_its_address_with_its_own_forwarded_header(app, client):
    app.config["SIGN_IN_CLIENT_RATE_LIMIT"] = "3 per 5 minutes"
    for n in range(3):  # the client adds a fake address; the proxy appends the real one, which is what counts
        _post(
            client,
            "/sign-in",
            {"email": f"g{n}@example.com", "password": "wrong-password!"},
            f"10.9.9.{n}, 203.0.113.5",
        )
    assert (
        _post(
            client, "/sign-in", {"email": "g7@example.com", "password": "wrong"}, "10.9.9.200, 203.0.113.5"
        ).status_code
        == 429
    )


def test_without_trusted_proxies_forwarded_headers_are_ignored(app, client):
    app.config["SIGN_IN_CLIENT_RATE_LIMIT"] = "3 per 5 minutes"
    from recruit import create_app

    other_app = create_app({**app.config, "TRUSTED_PROXIES": 0})
    untrusting = other_app.test_client()
    for n in range(3):
        _post(untrusting, "/sign-in", {"email": f"h{n}@example.com", "password": "wrong-password!"}, f"10.1.1.{n}")
    assert (
        _post(
            untrusting, "/sign-in", {"email": "h9@example.com", "password": "wrong-password!"}, "10.1.1.99"
        ).status_code
        == 429
    )
    with other_app.app_context():  # close this second app's connections now, not in the garbage collector
        _db.session.remove()
        _db.engine.dispose()


def test_forgot_password_sends_at_most_three_emails_to_one_address(app, client, make_user, db):
    user = make_user("candidate")
    codes = [_post(client, "/forgot-password", {"email": user.email}, f"192.0.2.{n}").status_code for n in range(30)]
    assert codes[:3] == [200] * 3 and set(codes[3:]) == {429}
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 3


def test_register_and_resend_confirmation_are_limited(app, client, login_as):
    codes = [
        _post(
            client, "/register", {"email": "same@example.com", "password": "tangerine-bicycle-harbour"}, f"192.0.2.{n}"
        ).status_code
        for n in range(5)
    ]
    assert codes == [200, 200, 200, 429, 429]
    login_as("candidate")
    codes = [client.post("/confirm-email/resend").status_code for _ in range(5)]
    assert codes[:3] == [302] * 3 and codes[3:] == [429, 429]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


SERVE = """
import sys
from werkzeug.serving import make_server
from recruit import create_app
app = create_app({"WTF_CSRF_ENABLED": False})
make_server("127.0.0.1", int(sys.argv[1]), app, threaded=True).serve_forever()
"""


@pytest.fixture
def two_app_processes(app, database_url, tmp_path):
    """Two separate app processes on the test database, sharing the Redis server for rate limits."""
    prefix = f"test-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key",
        "MONITORING_KEY": "test-monitoring-key",
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": prefix,
        "INSTANCE_PATH": str(tmp_path),
        "APP_ENV": "development",
    }
    ports = [_free_port(), _free_port()]
    processes = [subprocess.Popen([sys.executable, "-c", SERVE, str(port)], env=env, cwd=os.getcwd()) for port in ports]
    try:
        deadline = time.monotonic() + 90  # start-up imports numpy and scipy: slow on a busy machine
        for port, process in zip(ports, processes):
            while True:
                try:
                    urlopen(f"http://127.0.0.1:{port}/sign-in", timeout=2).read()
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(f"app process on port {port} did not start")
                    time.sleep(0.2)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


def _sign_in_status(base_url, email, password) -> int:
    request = Request(
        f"{base_url}/sign-in", data=urlencode({"email": email, "password": password}).encode(), method="POST"
    )
    try:
        with urlopen(request, timeout=30) as response:
            return response.status
    except HTTPError as error:
        return error.code


@pytest.mark.fresh_database  # concurrent requests on their own connections must see the test's commits
def test_simultaneous_tries_on_two_app_processes_never_pass_the_limit(two_app_processes, make_user):
    user = make_user("candidate")
    urls = two_app_processes * 8
    with ThreadPoolExecutor(max_workers=16) as pool:
        codes = list(pool.map(lambda url: _sign_in_status(url, user.email, "wrong-password!"), urls))
    assert codes.count(200) == 5 and codes.count(429) == 11, codes
    # The limit holds on either process, for the right password too.
    assert {_sign_in_status(url, user.email, TEST_PASSWORD) for url in two_app_processes} == {429}
