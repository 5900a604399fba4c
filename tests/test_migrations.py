"""Migrations: one head, recorded in .current-alembic-head, and `flask db upgrade` gives the models' schema."""

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from recruit import create_app
from recruit.extensions import db

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def _script_directory() -> ScriptDirectory:
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def test_single_head_matches_current_alembic_head_file():
    heads = _script_directory().get_heads()
    assert len(heads) == 1, f"migrations have {len(heads)} heads: {heads}; merge them"
    recorded = (MIGRATIONS / ".current-alembic-head").read_text().strip()
    assert recorded == heads[0], f".current-alembic-head says {recorded} but the head is {heads[0]}: update the file"


def test_revisions_are_numbered():
    for revision in _script_directory().walk_revisions():
        assert revision.revision.isdigit() and len(revision.revision) == 4, revision.revision
        assert Path(revision.path).name.startswith(revision.revision + "_")


@pytest.fixture
def empty_database_url(database_url, tmp_path):
    """A brand-new empty database of the same kind as the test database."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/") + "_migrations"
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield urlunsplit(parts._replace(path="/" + name))
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_on_an_empty_database_gives_exactly_the_models_schema(empty_database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url, "SECRET_KEY": "a", "MONITORING_KEY": "b"})
    with app.app_context():
        upgrade(directory=str(MIGRATIONS))
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
            version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        db.engine.dispose()
    assert differences == [], f"models and migrations differ; run `make migration`: {differences}"
    assert version == (MIGRATIONS / ".current-alembic-head").read_text().strip()


def test_database_url_from_environment_is_used(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    assert create_app().config["SQLALCHEMY_DATABASE_URI"].endswith("x.db")
    assert os.environ["DATABASE_URL"].startswith("sqlite")
