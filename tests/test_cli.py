"""Seed commands: reference data and demo data load once and can be run again safely."""

from sqlalchemy import func, select

from recruit.models import Borough, Candidate, MonitoringResponse, Placement, Standard, User


def test_seed_reference_is_idempotent_and_complete(db, runner):
    first = runner.invoke(args=["seed", "reference"])
    second = runner.invoke(args=["seed", "reference"])
    assert first.exit_code == second.exit_code == 0
    assert "33 boroughs, 17 standards" in second.output
    hackney = db.session.scalar(select(Borough).where(Borough.slug == "hackney"))
    assert hackney.ons_code == "E09000012" and round(hackney.lat, 3) == 51.545
    developer = db.session.scalar(select(Standard).where(Standard.reference == "ST0116"))
    assert developer.level == 4 and "git" in developer.keywords and developer.summary


def test_seed_demo_creates_a_living_service_once(db, runner):
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    assert "admin@demo.example" in result.output and "password:" in result.output
    counts = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    before = (counts(User), counts(Placement), counts(Candidate), counts(MonitoringResponse))
    assert before[1] == 30 and before[2] == 300 and 200 < before[3] < 300
    again = runner.invoke(args=["seed", "demo"])
    assert again.exit_code == 0 and "already present" in again.output
    assert (counts(User), counts(Placement), counts(Candidate), counts(MonitoringResponse)) == before
    live_boroughs = db.session.scalar(select(func.count(func.distinct(Placement.borough_id))))
    assert live_boroughs >= 5


def test_demo_data_is_refused_in_production(db, app, runner):
    app.config["PRODUCTION"] = True
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code != 0
    assert db.session.scalar(select(func.count()).select_from(Placement)) == 0
