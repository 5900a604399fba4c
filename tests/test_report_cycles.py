"""Closed cycles keep their report as saved aggregate counts; bad report choices get messages, never a 500."""

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from recruit.extensions import db as _db
from recruit.models import (
    AuditEvent,
    Candidate,
    Choice,
    CycleCount,
    MatchRun,
    MonitoringResponse,
    Placement,
    RecruitmentCycle,
    Suggestion,
    User,
    utcnow,
)
from recruit.services.candidates.data import delete_account, purge
from recruit.services.monitoring import pseudonym
from tests.factories import add_placement
from tests.page_checks import visible_text
from tests.page_text import page_tables

pytestmark = pytest.mark.fresh_database  # reports query on connections of their own: they must see each test's commits


STAGE_OF = {1: "suggested", 2: "shortlisted", 3: "interview", 4: "offered", 5: "accepted"}


@pytest.fixture
def cycle(app):
    """A cycle running now with 150 applicants, answers, a run in the cycle and stages; returns its id."""
    rng = random.Random(14)
    with app.app_context():
        today = date.today()
        cycle = RecruitmentCycle(
            name="2026 to 2027", opens_on=today - timedelta(days=200), closes_on=today + timedelta(days=5)
        )
        _db.session.add(cycle)
        _db.session.flush()
        placement = add_placement("hackney", cycle_id=cycle.id)
        run = MatchRun(
            status="published", algorithm_version="test", weights={}, seed=1, input_hash="x", round=1, cycle_id=cycle.id
        )
        _db.session.add_all([placement, run])
        _db.session.flush()
        for number in range(150):
            user = User(email=f"cycle{number}@test.example", password_hash="x", role="candidate")
            user.candidate = Candidate(
                status="submitted",
                submitted_at=utcnow(),
                date_of_birth=date(2000, 1, 1) + timedelta(days=number * 40),
                outreach_channel=rng.choice(["jobcentre", "social_media", None]),
            )
            _db.session.add(user)
            _db.session.flush()
            if rng.random() < 0.8:
                _db.session.add(
                    MonitoringResponse(
                        pseudonym=pseudonym(user.candidate.id),
                        answers={
                            "ethnicity": rng.choice(["white_british", "asian_indian", "black_african"]),
                            "sex": rng.choice(["female", "male"]),
                        },
                    )
                )
            level = rng.choice([0, 1, 1, 2, 3, 4, 5])
            if level:
                _db.session.add(
                    Suggestion(
                        run_id=run.id,
                        candidate_id=user.candidate.id,
                        placement_id=placement.id,
                        score=0.5,
                        components={},
                        explanation={},
                        stage=STAGE_OF[level],
                    )
                )
        _db.session.commit()
        return cycle.id


def _tables(client, query: str) -> tuple[dict[str, list[list[str]]], str]:
    response = client.get(f"/reports/{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return {table.caption: table.rows for table in page_tables(html)}, visible_text(html)


@pytest.mark.parametrize("characteristic", ["ethnicity", "sex", "age_band"])
def test_a_closed_cycles_report_is_the_saved_counts_and_survives_deletion_and_purge(
    app, client, login_as, runner, cycle, characteristic
):
    login_as("analyst")
    query = f"?cycle={cycle}&characteristic={characteristic}"
    live, _ = _tables(client, query)
    everything_held, _ = _tables(client, f"?characteristic={characteristic}")
    assert len(live) >= 5  # funnel, fairness per stage, two outreach tables
    result = runner.invoke(args=["cycles", "close", str(cycle)])
    assert result.exit_code == 0, result.output
    assert f"Closed cycle {cycle}; saved" in result.output
    saved, text = _tables(client, query)
    assert saved == live
    assert "2026 to 2027 is closed. These are the counts saved when it closed" in text
    with app.app_context():  # someone deletes their account; the placement closed long ago, so the rest are purged
        delete_account(_db.session.scalar(select(User).join(Candidate).limit(1)))
        _db.session.execute(update(Placement).values(status="closed", closing_date=date.today() - timedelta(days=400)))
        _db.session.commit()
        assert purge(6) > 50
    from recruit.services.reports.outreach import _closed_cycle_report

    _closed_cycle_report.cache_clear()  # read the saved counts again, not the report remembered from before
    after, _ = _tables(client, query)
    assert after == live
    assert _tables(client, f"?characteristic={characteristic}")[0] != everything_held  # the live report did change


def test_saved_counts_are_of_groups_never_people(app, runner, cycle):
    assert runner.invoke(args=["cycles", "close", str(cycle)]).exit_code == 0
    with app.app_context():
        columns = {column.name for column in CycleCount.__table__.columns}
        rows = _db.session.scalars(select(CycleCount).where(CycleCount.cycle_id == cycle)).all()
        applied = sum(r.count for r in rows if r.breakdown == "sex" and r.stage == "applied")
        event = _db.session.scalar(select(AuditEvent).where(AuditEvent.action == "cycle.closed"))
    assert columns == {"id", "cycle_id", "breakdown", "position", "group_label", "stage", "count"}
    assert applied == 150 and event.entity_id == cycle


def test_closing_twice_or_a_cycle_that_does_not_exist_says_why(runner, cycle):
    assert runner.invoke(args=["cycles", "close", str(cycle)]).exit_code == 0
    again = runner.invoke(args=["cycles", "close", str(cycle)])
    assert again.exit_code != 0 and "2026 to 2027 is already closed" in again.output
    missing = runner.invoke(args=["cycles", "close", "987654"])
    assert missing.exit_code != 0 and "There is no recruitment cycle 987654" in missing.output


@pytest.mark.parametrize(
    "query, field, message",
    [
        ("?cycle=987654", "cycle", "Select a recruitment cycle from the list"),
        ("?cycle=abc", "cycle", "Select a recruitment cycle from the list"),
        ("?cycle=-1", "cycle", "Select a recruitment cycle from the list"),
        ("?round=99999999999999999999", "round", "Select a match round from the list"),
        ("?stage=%00", "stage", "Select a stage from the list"),
    ],
)
def test_report_parameters_out_of_range_get_a_message(client, login_as, cycle, query, field, message):
    login_as("analyst")
    response = client.get(f"/reports/{query}")
    assert response.status_code == 200
    text = visible_text(response.get_data(as_text=True))
    assert "There is a problem" in text and message in text
    assert not [t for t in page_tables(response.get_data(as_text=True))]


@pytest.mark.parametrize(
    "extra, message",
    [
        ("&borough=hackney", "Select All of London: a closed cycle kept London-wide counts only"),
        ("&cross_with=sex", "Select Do not cross: a closed cycle kept no crossed counts"),
    ],
)
def test_a_closed_cycle_refuses_finer_filters_with_a_message(client, login_as, runner, cycle, extra, message):
    assert runner.invoke(args=["cycles", "close", str(cycle)]).exit_code == 0
    login_as("analyst")
    text = visible_text(client.get(f"/reports/?cycle={cycle}{extra}").get_data(as_text=True))
    assert "There is a problem" in text and message in text


def test_a_filter_that_would_isolate_fewer_than_ten_people_shows_no_numbers(app, client, login_as, cycle):
    with app.app_context():  # three people chose a placement in Camden: a borough filter would isolate them
        placement = add_placement("camden", outward="NW1")
        for candidate_id in _db.session.scalars(select(Candidate.id).limit(3)):
            _db.session.add(Choice(candidate_id=candidate_id, placement_id=placement.id, rank=2))
        _db.session.commit()
    login_as("analyst")
    response = client.get("/reports/?borough=camden&characteristic=sex")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Fewer than 10 people match these choices, so nothing is shown" in visible_text(html)
    assert page_tables(html) == []


@pytest.mark.fresh_database  # concurrent requests on their own connections must see the test's commits
def test_two_people_closing_the_same_cycle_at_once_save_its_counts_once(app, cycle):
    import threading

    from recruit.services.cycles import ServiceError, close_cycle

    outcomes, barrier = [], threading.Barrier(2)

    def close():
        with app.app_context():
            barrier.wait()
            try:
                outcomes.append(close_cycle(cycle, []))
            except ServiceError as error:
                outcomes.append(error.message)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=close) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    saved = [o for o in outcomes if isinstance(o, int)]
    assert len(saved) == 1 and outcomes.count("2026 to 2027 is already closed") == 1
    with app.app_context():
        assert _db.session.scalar(select(_db.func.count()).select_from(CycleCount)) == saved[0]
