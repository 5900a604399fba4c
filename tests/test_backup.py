"""Backup and restore as docs/backup-and-restore.md says: a dump restored into a fresh database gives a working
service, and equality answers come back only with the same MONITORING_KEY."""

import sqlite3
import subprocess
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import create_engine, text

from recruit import create_app
from recruit.extensions import db as _db
from recruit.models import MonitoringResponse
from recruit.services.monitoring import own_answers, pseudonym
from tests.conftest import TEST_PASSWORD, _test_config
from tests.factories import make_placement
from tests.page_checks import visible_words


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@pytest.fixture
def dump_and_restore(database_url, tmp_path):
    """A function that dumps the test database and restores it into a brand-new one, the runbook's way, returning
    the new database's URL (dropped again after the test)."""
    steps = (_restore_postgresql if database_url.startswith("postgresql") else _restore_sqlite)(database_url, tmp_path)
    yield lambda: next(steps)
    next(steps, None)


def _restore_postgresql(database_url, tmp_path):
    dump = tmp_path / "recruit.dump"
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", _libpq(database_url)], check=True)
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/") + "_restore"
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    restored = urlunsplit(parts._replace(path="/" + name))
    subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={_libpq(restored)}", str(dump)], check=True
    )
    yield restored
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _restore_sqlite(database_url, tmp_path):
    # The embedded default: SQLite's online backup (what `sqlite3 recruit.db ".backup copy.db"` does).
    copy = tmp_path / "restored.db"
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    yield f"sqlite:///{copy}"


def test_a_restored_dump_gives_a_working_service_and_needs_the_same_monitoring_key(
    app, db, make_user, dump_and_restore, _schema
):
    user = make_user("candidate", email="backed.up@example.com")
    make_placement(app, title="Placement that survives a restore")
    db.session.add(MonitoringResponse(pseudonym=pseudonym(user.candidate_id), answers={"sex": "prefer_not_to_say"}))
    db.session.commit()
    db.session.remove()
    restored_url = dump_and_restore()

    restored = create_app({**_test_config(restored_url, _schema), "WTF_CSRF_ENABLED": False})
    client = restored.test_client()
    assert client.post("/sign-in", data={"email": user.email, "password": TEST_PASSWORD}).location == "/candidates/"
    assert "Placement that survives a restore" in visible_words(client.get("/placements/").get_data(as_text=True))
    with restored.app_context():
        assert own_answers(user.candidate_id) == {"sex": "prefer_not_to_say"}
        restored.config["MONITORING_KEY"] = "a-different-key-after-losing-the-old-one"
        assert own_answers(user.candidate_id) is None  # the answers are still there, but nobody can link them
        _db.session.remove()
        _db.engine.dispose()
