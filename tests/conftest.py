"""Shared fixtures: a real database (SQLite by default, PostgreSQL with TEST_DATABASE_URL), the app,
a client, a CLI runner, signed-in users of each role, a real SMTP server and a live server for browsers."""

import os
import socket
import threading
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import create_engine, inspect, text
from werkzeug.serving import make_server

from recruit import create_app
from recruit.extensions import db as _db
from recruit.models import Borough, Role, User, utcnow
from recruit.passwords import hash_password

TEST_PASSWORD = "correct-horse-battery-staple"
TEST_TOTP_SECRET = "TESTSECRETFORTHESUITEONLY2345672"  # every staff user made by make_user has this second factor
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
REFERENCE_TABLES = ("borough", "standard")


@pytest.fixture(scope="session", autouse=True)
def _tasks_run_immediately():
    """Tasks run in the calling thread, on in-memory storage, unless a test starts a real worker."""
    from recruit.tasks import huey

    huey.immediate = True
    yield


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, request):
    """The test database: PostgreSQL when TEST_DATABASE_URL is set, else a fresh SQLite file.

    Under pytest-xdist each worker gets its own PostgreSQL database (test_gw0, test_gw1 …) beside the given one."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            if worker:
                parts = urlsplit(url)
                name = f"{parts.path.lstrip('/')}_{worker}"
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                connection.execute(text(f'CREATE DATABASE "{name}"'))
                url = urlunsplit(parts._replace(path="/" + name))
    except Exception as error:  # a configured database that cannot be reached is a failure, never a skip
        pytest.fail(f"TEST_DATABASE_URL is set but the database cannot be used: {error}")
    finally:
        engine.dispose()
    return url


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory):
    """Create the schema once per session from the models, and load the reference data."""
    instance = tmp_path_factory.mktemp("instance")
    app = create_app(_test_config(database_url, instance))
    with app.app_context():
        _db.drop_all()
        _drop_alembic_version()
        _db.create_all()
        from recruit.reference import seed_reference

        seed_reference()
        _db.session.remove()  # give its connection back before the pool is closed
        _db.engine.dispose()
    return instance


def _drop_alembic_version():
    with _db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def _test_config(database_url: str, instance) -> dict:
    engine_options = {"pool_pre_ping": False}
    if database_url.startswith("postgresql"):
        # Tests need no durability; not waiting for each commit's WAL flush makes them much faster.
        engine_options["connect_args"] = {"options": "-c synchronous_commit=off"}
    return {
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key",
        "MONITORING_KEY": "test-monitoring-key",
        "MAIL_SERVER": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        "PUBLIC_BASE_URL": "http://localhost",
        "PAGE_CACHE_STAMP": str(instance / "page-cache.stamp"),
    }


@pytest.fixture
def app_config():
    """Override this (or update the dict) in a test module to change settings for its tests."""
    return {}


@pytest.fixture
def app(database_url, _schema, app_config):
    """A fresh app per test, on the shared test database, emptied of everything but reference data afterwards."""
    app = create_app({**_test_config(database_url, _schema), **app_config})
    yield app
    with app.app_context():
        _db.session.remove()
        _empty_tables()
        _db.session.remove()  # give its connection back before the pool is closed
        _db.engine.dispose()


def _empty_tables():
    """Delete every row except the reference data, children first."""
    tables = [t for t in reversed(_db.metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
    # DELETE, not TRUNCATE: on tables this small it is many times faster on PostgreSQL.
    with _db.engine.begin() as connection:
        for table in tables:
            connection.execute(table.delete())
    # Reference rows may have been edited by a test (admin pages): put them back as shipped.
    from recruit.reference import seed_reference

    seed_reference(reset=True)


@pytest.fixture
def db(app):
    """The database, inside an app context, for tests that set up or inspect rows directly."""
    with app.app_context():
        yield _db
        _db.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def password_hash():
    """One argon2 hash of TEST_PASSWORD, computed once: hashing is slow on purpose."""
    return hash_password(TEST_PASSWORD)


@pytest.fixture
def make_user(app, password_hash):
    """Create a user of a role (and borough slug for staff); returns a plain record of it."""
    counter = iter(range(1, 10_000))

    def make(role: str | Role = Role.CANDIDATE, borough: str | None = "hackney", email: str | None = None, **fields):
        role = Role(role)
        with app.app_context():
            borough_row = _db.session.scalar(_db.select(Borough).where(Borough.slug == borough)) if role.needs_borough else None
            if role != Role.CANDIDATE:
                fields = {"totp_secret": TEST_TOTP_SECRET, "totp_enabled_at": utcnow(), **fields}
            user = User(email=email or f"{role.value}{next(counter)}@test.example", password_hash=password_hash,
                        role=role.value, borough=borough_row, email_confirmed_at=utcnow(), **fields)
            if role == Role.CANDIDATE:
                from recruit.models import Candidate

                user.candidate = Candidate()
            _db.session.add(user)
            _db.session.commit()
            return SimpleNamespace(id=user.id, email=user.email, role=user.role, borough_id=user.borough_id,
                                   borough_slug=borough if borough_row else None,
                                   candidate_id=user.candidate.id if user.candidate else None)

    return make


from tests.candidate_journey import sign_in  # noqa: E402,F401  (one way to sign a test client in, re-exported)


@pytest.fixture
def login_as(client, make_user):
    """Create a user of `role` (in `borough` for staff) and sign the client in as them."""

    def login(role: str | Role = Role.CANDIDATE, borough: str | None = "hackney", **fields):
        user = make_user(role, borough, **fields)
        sign_in(client, user)
        return user

    return login


class _CollectingHandler:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        self.messages.append(SimpleNamespace(
            sender=envelope.mail_from, recipients=list(envelope.rcpt_tos),
            message=message_from_bytes(envelope.content, policy=policy.default),
        ))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    """A real SMTP server (aiosmtpd) on 127.0.0.1; the app is configured to send through it."""
    from aiosmtpd.controller import Controller

    handler = _CollectingHandler()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False, MAIL_USE_SSL=False)
    app.extensions["mail"].server = "127.0.0.1"
    app.extensions["mail"].port = port
    app.extensions["mail"].suppress = False  # Flask-Mail suppresses sending under TESTING; we want real SMTP
    server = SimpleNamespace(host="127.0.0.1", port=port, messages=handler.messages, controller=controller)
    yield server
    controller.stop()


@pytest.fixture
def live_server(app):
    """The app served over real HTTP on a free port, in a background thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_port}", app=app)
    server.shutdown()
    thread.join(timeout=5)


CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright; skipped only outside CI when it is missing."""
    if not os.path.exists(CHROMIUM_PATH):
        if IN_CI:
            pytest.fail(f"Chromium is required in CI but {CHROMIUM_PATH} is missing (apt-get install -y chromium)")
        pytest.skip(f"Chromium not installed at {CHROMIUM_PATH}; run `apt-get install -y chromium` to run browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser tab (own cookies) pointed at the live server."""
    context = browser.new_context(base_url=live_server.url, bypass_csp=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def browser_sign_in(page, live_server):
    """Sign the browser tab in through the real sign-in pages (see sign_in_browser)."""
    return lambda user: sign_in_browser(page, live_server.app, user)


def sign_in_browser(page, app, user) -> None:
    """Sign a browser tab in as a person does: email and password, then for staff the code from their
    authenticator app, or, for someone who has none yet, setting one up with the key the page shows."""
    page.goto("/sign-in")
    page.fill("#email", user.email)
    page.fill("#password", TEST_PASSWORD)
    _continue(page, "Sign in")
    if "/second-factor/set-up" in page.url:
        import pyotp

        key = page.locator("#totp-key").inner_text().replace(" ", "")
        page.fill("#code", pyotp.TOTP(key).now())
        _continue(page, "Continue")
        with page.expect_navigation():
            page.get_by_role("link", name="I have saved my recovery codes").click()
    elif "/second-factor" in page.url:
        page.fill("#code", current_code(app, user))
        _continue(page, "Continue")
    assert "/sign-in" not in page.url and "/second-factor" not in page.url, f"{user.email} was not signed in: {page.url}"


def _continue(page, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()


def current_code(app, user) -> str:
    """The code the staff user's authenticator app shows now, from the secret stored for them; the used-code memory
    is cleared first, as tests sign in often within one 30-second step."""
    import pyotp

    with app.app_context():
        row = _db.session.get(User, user.id)
        row.totp_last_step = None
        _db.session.commit()
        return pyotp.TOTP(row.totp_secret).now()
