"""Shared fixtures: a real database (SQLite by default, PostgreSQL with TEST_DATABASE_URL), the app,
a client, a CLI runner, signed-in users of each role, a real SMTP server and a live server for browsers."""

import os
import socket
import threading
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

import pytest
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession
from hypothesis import settings
from sqlalchemy import create_engine, event, text
from werkzeug.serving import make_server

from recruit import create_app
from recruit.extensions import db as _db
from recruit.models import Role, User
from recruit.passwords import hash_password
from tests.factories import user_maker

TEST_PASSWORD = "correct-horse-battery-staple"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# Fewer examples while editing, more in CI; a test's own @settings(max_examples=…) still wins over either.
settings.register_profile("dev", max_examples=20, deadline=None)
settings.register_profile("ci", max_examples=200, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if IN_CI else "dev"))
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
    engine_options: dict[str, object] = {"pool_pre_ping": False}
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


def pytest_collection_modifyitems(items):
    """Browser tests serve the app from another thread: they always get a fresh database."""
    for item in items:
        if item.get_closest_marker("browser") or {"live_server", "page", "browser"} & set(
            getattr(item, "fixturenames", ())
        ):
            item.add_marker(pytest.mark.fresh_database)


class _OneConnectionSession(FlaskSQLAlchemySession):
    """The app's session during a rolled-back test: every session runs inside the test's one connection, each
    commit releasing a savepoint of the test's outer transaction, which is rolled back afterwards."""

    def __init__(self, db, **kwargs):
        if threading.current_thread() is not _rolled_back.thread:
            raise RuntimeError(
                "A rolled-back test used the database from another thread: mark it @pytest.mark.fresh_database"
            )
        super().__init__(db, **kwargs)

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        """The test's connection (Flask-SQLAlchemy would otherwise pick the engine)."""
        return bind if bind is not None else self.bind


_rolled_back = SimpleNamespace(connection=None, thread=None)  # the connection of the rolled-back test running now


def _refuse_other_connections(dbapi_connection, connection_record, connection_proxy):
    """A second connection cannot see a rolled-back test's rows: fail loudly instead of testing an empty database."""
    if _rolled_back.connection is not None:
        raise RuntimeError(
            "A rolled-back test opened a second database connection, which cannot see its rows: mark it "
            "@pytest.mark.fresh_database"
        )


def _make_sqlite_savepoints_work(engine) -> None:
    """pysqlite begins transactions itself, lazily, and so breaks savepoints: let SQLAlchemy emit BEGIN instead."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN")


@pytest.fixture(scope="session")
def _shared_apps(database_url, _schema):
    """One app per distinct app_config for the whole session (per xdist worker), built on first use."""
    apps = {}
    yield apps
    for app in apps.values():
        with app.app_context():
            _db.engine.dispose()


def _shared_app(apps: dict, database_url, instance, app_config: dict):
    """The session's app for these settings, its engine watched for connections a rolled-back test cannot use."""
    key = tuple(sorted(app_config.items()))
    if key not in apps:
        app = create_app({**_test_config(database_url, instance), **app_config})
        with app.app_context():
            _make_sqlite_savepoints_work(_db.engine)
            event.listen(_db.engine, "checkout", _refuse_other_connections)
        apps[key] = app
    return apps[key]


@pytest.fixture
def app(request, database_url, _schema, app_config, _shared_apps):
    """The app, on the shared test database. By default one app per session and each test's changes rolled back
    after it; a test marked fresh_database gets an app of its own, really committing, and emptied tables after."""
    if request.node.get_closest_marker("fresh_database"):
        yield from _fresh_app(database_url, _schema, app_config)
    else:
        yield from _rolled_back_app(_shared_app(_shared_apps, database_url, _schema, app_config))


def _fresh_app(database_url, instance, app_config):
    """An app of the test's own, really committing; every table but the reference data emptied after it."""
    app = create_app({**_test_config(database_url, instance), **app_config})
    yield app
    with app.app_context():
        _db.session.remove()
        _empty_tables()
        _db.session.remove()  # give its connection back before the pool is closed
        _db.engine.dispose()


def _rolled_back_app(app):
    """Run the test inside one outer transaction on one connection, rolled back after it; the app's settings,
    rate-limit counters and page cache are put back as they were."""
    from recruit.extensions import cache, limiter

    shipped_settings = dict(app.config)
    with app.app_context():
        connection = _db.engine.connect()
        cache.clear()
    limiter.enabled = app.config["RATELIMIT_ENABLED"]  # one Limiter serves every app: the last one built set it
    limiter.reset()
    outer = connection.begin()
    factory = _db.session.session_factory
    shipped_class, shipped_options = factory.class_, dict(factory.kw)
    factory.class_ = _OneConnectionSession
    factory.kw.update(bind=connection, join_transaction_mode="create_savepoint")
    _rolled_back.connection, _rolled_back.thread = connection, threading.current_thread()
    try:
        yield app
    finally:
        for session in list(_db.session.registry.registry.values()):
            session.close()
        _db.session.registry.registry.clear()
        _rolled_back.connection = _rolled_back.thread = None
        factory.class_, factory.kw = shipped_class, shipped_options
        outer.rollback()
        connection.close()
        app.config.clear()
        app.config.update(shipped_settings)


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
    """Create a user of a role (and borough slug for staff); returns a plain record of it (see tests/factories.py)."""
    return user_maker(app, password_hash)


from tests.candidate_journey import sign_in  # noqa: E402  (one way to sign a test client in)


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

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd calls handlers by these names)
        from email import message_from_bytes, policy

        self.messages.append(
            SimpleNamespace(
                sender=envelope.mail_from,
                recipients=list(envelope.rcpt_tos),
                message=message_from_bytes(envelope.content, policy=policy.default),
            )
        )
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
    mail = app.extensions["mail"]
    shipped = mail.server, mail.port, mail.suppress  # the app outlives the test: put these back afterwards
    mail.server, mail.port = "127.0.0.1", port
    mail.suppress = False  # Flask-Mail suppresses sending under TESTING; we want real SMTP
    server = SimpleNamespace(host="127.0.0.1", port=port, messages=handler.messages, controller=controller)
    yield server
    controller.stop()
    mail.server, mail.port, mail.suppress = shipped


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
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright; skipped only outside CI when it is missing."""
    if not os.path.exists(CHROMIUM_PATH):
        if IN_CI:
            pytest.fail(f"Chromium is required in CI but {CHROMIUM_PATH} is missing (apt-get install -y chromium)")
        pytest.skip(
            f"Chromium not installed at {CHROMIUM_PATH}; run `apt-get install -y chromium` to run browser tests"
        )
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
    give_password(page, user)
    if "/second-factor/set-up" in page.url:
        set_up_second_factor(page)
    elif "/second-factor" in page.url:
        page.fill("#code", current_code(app, user))
        _continue(page, "Continue")
    assert "/sign-in" not in page.url and "/second-factor" not in page.url, (
        f"{user.email} was not signed in: {page.url}"
    )


def give_password(page, user) -> None:
    """The first step of signing in: email and password on the sign-in page."""
    page.goto("/sign-in")
    page.fill("#email", user.email)
    page.fill("#password", TEST_PASSWORD)
    _continue(page, "Sign in")


def set_up_second_factor(page) -> None:
    """Set up an authenticator app with the key the page shows, confirm a code from it, and go on past the
    recovery codes."""
    import pyotp

    key = page.locator("#totp-key").inner_text().replace(" ", "")
    page.fill("#code", pyotp.TOTP(key).now())
    _continue(page, "Continue")
    with page.expect_navigation():
        page.get_by_role("link", name="I have saved my recovery codes").click()


def _continue(page, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()


def current_code(app, user) -> str:
    """The code the staff user's authenticator app shows now, from the secret stored for them; the used-code memory
    is cleared first, as tests sign in often within one 30-second step."""
    import pyotp

    with app.app_context():
        row = _db.session.get_one(User, user.id)
        row.totp_last_step = None
        _db.session.commit()
        assert row.totp_secret, f"{user.email} has no second factor set up"
        return pyotp.TOTP(row.totp_secret).now()


@pytest.fixture
def suggested(app, make_user):
    """A published round: one Hackney placement with one suggested candidate, one Camden placement with another."""
    from tests.factories import make_candidate, make_placement
    from tests.matching_data import run

    hackney = make_placement(app, title="Junior developer apprentice (Housing repairs)")
    camden = make_placement(app, borough="camden", title="Data apprentice (Libraries)")
    person = make_candidate(app, make_user, [hackney])
    other = make_candidate(app, make_user, [camden])
    by_placement = {suggestion.placement_id: suggestion for suggestion in run(app).suggestions}
    return {
        "hackney": hackney,
        "camden": camden,
        "person": person,
        "other": other,
        "suggestion": by_placement[hackney],
        "camden_suggestion": by_placement[camden],
    }
