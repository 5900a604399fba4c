"""Migrations: one head, recorded in .current-alembic-head, and `flask db upgrade` gives the models' schema."""

import os
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, stamp, upgrade
from sqlalchemy import MetaData, Table, create_engine, inspect, select, text
from sqlalchemy.exc import IntegrityError

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
    app = _app_on(empty_database_url)
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


def _app_on(url: str):
    """An app of its own on the database at url."""
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "a", "MONITORING_KEY": "b"})


def _migrate(url: str, revision: str = "head", step=upgrade) -> None:
    """Run a Flask-Migrate step (upgrade by default; downgrade or stamp) to revision, in an app of its own."""
    app = _app_on(url)
    with app.app_context():
        step(directory=str(MIGRATIONS), revision=revision)
        db.engine.dispose()


def _schema_names(url: str) -> dict:
    """Every name a schema holds (tables, columns, keys, indexes with their conditions, constraints), for comparing."""
    engine = create_engine(url)
    inspector = inspect(engine)
    names = {}
    for table in sorted(set(inspector.get_table_names()) - {"alembic_version"}):
        names[table] = {
            "columns": sorted((c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)),
            "primary key": inspector.get_pk_constraint(table)["name"],
            "foreign keys": sorted(
                (f["name"], tuple(f["constrained_columns"]), f["referred_table"], str(f.get("options")))
                for f in inspector.get_foreign_keys(table)
            ),
            "indexes": sorted(
                (
                    i["name"],
                    tuple(i["column_names"]),
                    i["unique"],
                    sorted((k, str(v)) for k, v in i.get("dialect_options", {}).items()),
                )
                for i in inspector.get_indexes(table)
            ),
            "unique": sorted((u["name"], tuple(u["column_names"])) for u in inspector.get_unique_constraints(table)),
            "checks": sorted((c["name"], c["sqltext"]) for c in inspector.get_check_constraints(table)),
        }
    engine.dispose()
    return names


def test_upgrade_gives_every_name_the_models_give(empty_database_url, database_url, _schema):
    _migrate(empty_database_url)
    assert _schema_names(empty_database_url) == _schema_names(database_url)  # _schema made it by create_all


def _insert(connection, table_name: str, **given) -> int:
    """Insert one row, filling each required column the test does not care about with a plain value of its type."""
    table = Table(table_name, MetaData(), autoload_with=connection)
    plain = {int: 1, str: "x", bool: False, float: 0.5, Decimal: Decimal("12.50"), dict: {}}
    plain |= {datetime: datetime(2026, 9, 1, 9, tzinfo=UTC), date: date(2026, 9, 1)}
    values = dict(given)
    for column in table.columns:
        if column.name not in values and not column.nullable and not column.primary_key:
            values[column.name] = plain[column.type.python_type]
    return connection.execute(table.insert().values(values)).inserted_primary_key[0]


def _released_schema_with_a_hiring_record(url: str) -> dict[str, int]:
    """A database as revision 0001 made it (vacancy, match, preference), holding one candidate's hiring record."""
    _migrate(url, "0001")
    engine = create_engine(url)
    with engine.begin() as connection:
        staff = _insert(connection, "user_account", email="staff@example.org", role="recruiter")
        person = _insert(connection, "user_account", email="person@example.org", role="candidate")
        borough = _insert(connection, "borough", ons_code="E09000001", name="City of London")
        standard = _insert(connection, "standard", reference="ST0001")
        candidate = _insert(connection, "candidate", user_id=person)
        run = _insert(connection, "match_run", status="published", vacancy_count=2, match_count=2)
        ids = {"candidate": candidate, "run": run}
        for name in ("first", "second"):
            ids[name] = _insert(
                connection, "vacancy", title=f"The {name} placement", borough_id=borough, standard_id=standard,
                status="live", wage_unit="hour", positions=1, created_by_id=staff,
            )  # fmt: skip
        ids["choice"] = _insert(connection, "preference", candidate_id=candidate, vacancy_id=ids["second"], rank=1)
        ids["rejected"] = _insert(
            connection, "match", run_id=run, candidate_id=candidate, vacancy_id=ids["first"], stage="rejected"
        )
        ids["offered"] = _insert(
            connection, "match", run_id=run, candidate_id=candidate, vacancy_id=ids["second"], stage="offered"
        )
        for stage in ("shortlisted", "interview", "rejected"):  # rejected after an interview
            _insert(connection, "stage_change", match_id=ids["rejected"], to_stage=stage)
        slot = _insert(connection, "interview_slot", vacancy_id=ids["first"], minutes=30, capacity=2, booked=1)
        ids["booking"] = _insert(
            connection, "interview_booking", slot_id=slot, match_id=ids["rejected"], status="booked"
        )
    engine.dispose()
    return ids


def test_upgrading_a_released_database_keeps_every_row_under_the_new_names(empty_database_url):
    ids = _released_schema_with_a_hiring_record(empty_database_url)
    _migrate(empty_database_url)

    app = _app_on(empty_database_url)
    with app.app_context():
        from recruit.models import Choice, InterviewBooking, StageChange, Suggestion

        rejected, offered = db.session.get(Suggestion, ids["rejected"]), db.session.get(Suggestion, ids["offered"])
        assert (rejected.placement.title, rejected.stage, rejected.furthest_level) == (
            "The first placement",
            "rejected",
            3,
        )
        assert (offered.placement.title, offered.furthest_level) == ("The second placement", 4)
        assert db.session.get(Choice, ids["choice"]).placement_id == ids["second"]
        assert db.session.get(InterviewBooking, ids["booking"]).suggestion_id == ids["rejected"]
        history = db.session.scalars(
            select(StageChange.to_stage).where(StageChange.suggestion_id == ids["rejected"]).order_by(StageChange.id)
        )
        assert list(history) == ["shortlisted", "interview", "rejected"]
        run_counts = db.session.execute(text("SELECT placement_count, suggestion_count FROM match_run")).one()
        assert tuple(run_counts) == (2, 2)
        slot = db.session.get(InterviewBooking, ids["booking"]).slot_id
        db.session.remove()
        db.engine.dispose()

    # New rows take ids after the kept ones, and the one-live-booking rule still holds under its new name.
    engine = create_engine(empty_database_url)
    with engine.begin() as connection:
        placement = connection.execute(select(text("borough_id, standard_id")).select_from(text("placement"))).first()
        new = _insert(connection, "placement", borough_id=placement[0], standard_id=placement[1], status="draft",
                      wage_unit="hour", positions=1)  # fmt: skip
        assert new > ids["second"]
    with pytest.raises(IntegrityError), engine.begin() as connection:
        _insert(connection, "interview_booking", slot_id=slot, suggestion_id=ids["rejected"], status="booked")
    engine.dispose()


def test_a_database_made_after_the_rename_upgrades_without_change(empty_database_url, database_url, _schema):
    """Between the rename and revision 0002, revision 0001 itself made the new names: 0002 must leave those alone."""
    engine = create_engine(empty_database_url)
    db.metadata.create_all(engine)
    engine.dispose()
    _migrate(empty_database_url, "0001", stamp)
    _migrate(empty_database_url)
    assert _schema_names(empty_database_url) == _schema_names(database_url)


def test_downgrade_gives_back_the_released_names_and_upgrade_returns(empty_database_url, database_url, _schema):
    ids = _released_schema_with_a_hiring_record(empty_database_url)
    released = _schema_names(empty_database_url)
    _migrate(empty_database_url)
    _migrate(empty_database_url, "0001", downgrade)
    assert _schema_names(empty_database_url) == released
    _migrate(empty_database_url)
    assert _schema_names(empty_database_url) == _schema_names(database_url)
    engine = create_engine(empty_database_url)
    with engine.connect() as connection:
        kept = connection.execute(text("SELECT id, furthest_level FROM suggestion ORDER BY id")).all()
    engine.dispose()
    assert [tuple(row) for row in kept] == [(ids["rejected"], 3), (ids["offered"], 4)]
