"""Recruitment cycles: admin pages and their bad input, borough targets, placements belonging to a cycle, progress
pages (staff and public) with disclosure control, the open data, closing a cycle keeps its figures."""

from datetime import date, timedelta

import pytest
from jsonschema import Draft202012Validator

from recruit.extensions import db as _db
from recruit.models import (
    AuditEvent,
    BoroughTarget,
    Candidate,
    Choice,
    MatchRun,
    Placement,
    RecruitmentCycle,
    Suggestion,
    User,
    utcnow,
)
from tests.factories import make_cycle, make_placement
from tests.page_checks import visible_text
from tests.page_text import error_summary

TODAY = date.today()


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": False}


@pytest.fixture
def admin(login_as):
    return login_as("admin", None)


def boxes(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


# The cycle most tests here start from: open for a month already, its name as staff would write it.
CURRENT = dict(name="2026 to 2027", opens=TODAY - timedelta(days=30), closes=TODAY + timedelta(days=300))


def cycles(app) -> list[tuple]:
    with app.app_context():
        return [
            (c.name, c.opens_on, c.closes_on, c.target)
            for c in _db.session.scalars(_db.select(RecruitmentCycle).order_by(RecruitmentCycle.id))
        ]


def people_at(app, placement_id: int, stages: list[str], password_hash: str = "x", start=0) -> None:
    """A submitted candidate per stage, each choosing the placement and suggested to it at that stage."""
    with app.app_context():
        run = _db.session.scalar(_db.select(MatchRun).order_by(MatchRun.id.desc())) or MatchRun(
            status="published", algorithm_version="test", weights={}, seed=1, input_hash="0" * 64
        )
        _db.session.add(run)
        for number, stage in enumerate(stages, start=start):
            user = User(
                email=f"person{placement_id}-{number}@test.example", password_hash=password_hash, role="candidate"
            )
            user.candidate = Candidate(submitted_at=utcnow(), first_name="Zebedee")
            _db.session.add(user)
            _db.session.flush()
            _db.session.add(Choice(candidate_id=user.candidate.id, placement_id=placement_id, rank=1))
            _db.session.add(
                Suggestion(
                    run=run,
                    candidate_id=user.candidate.id,
                    placement_id=placement_id,
                    score=0.5,
                    components={},
                    explanation={},
                    stage=stage,
                )
            )
        _db.session.commit()


# --- creating and changing cycles -------------------------------------------------------------------------------


def test_admin_creates_a_cycle_and_new_placements_belong_to_it(app, client, admin):
    response = client.post(
        "/admin/cycles/new",
        data={
            "name": "2026 to 2027",
            "opens_on": boxes(TODAY),
            "closes_on": boxes(TODAY + timedelta(days=365)),
            "target": "100",
        },
    )
    assert response.status_code == 302
    assert cycles(app) == [("2026 to 2027", TODAY, TODAY + timedelta(days=365), 100)]
    from tests.placement_form import CREATE_URL, form_data

    client.post(CREATE_URL, data={**form_data(), "borough": "hackney"})
    with app.app_context():
        placement = _db.session.scalar(_db.select(Placement))
        cycle_id = _db.session.scalar(_db.select(RecruitmentCycle.id))
        assert placement.cycle_id == cycle_id
        assert "cycle.created" in _db.session.scalars(_db.select(AuditEvent.action)).all()
    copy = client.post(f"/staff/placements/{placement.id}/duplicate")
    with app.app_context():
        assert {v.cycle_id for v in _db.session.scalars(_db.select(Placement))} == {cycle_id}
    assert copy.status_code == 302


def test_imported_placements_belong_to_the_current_cycle(app, client, login_as):
    cycle_id = make_cycle(app, **CURRENT)
    login_as("borough_staff", "hackney")
    from tests.placement_csv import csv_bytes, row, upload

    response = upload(client, csv_bytes([row()]))
    assert response.status_code == 302
    with app.app_context():
        assert [v.cycle_id for v in _db.session.scalars(_db.select(Placement))] == [cycle_id]


@pytest.mark.parametrize(
    "change, field_message",
    [
        ({"name": ""}, "Enter a name for the cycle"),
        ({"target": "-1"}, "Target must be a whole number from 0 to 10,000"),
        ({"target": "10001"}, "Target must be a whole number from 0 to 10,000"),
        ({"target": "ten"}, "Target must be a whole number from 0 to 10,000"),
        ({"target": ""}, "Enter the London-wide target"),
        ({"closes_on": boxes(TODAY - timedelta(days=1))}, "Closing date must be after the opening date"),
        ({"opens_on": ["31", "2", "2027"]}, "Opening date must be a real date"),
        ({"closes_on": ["", "", ""]}, "Enter the closing date"),
    ],
)
def test_cycle_form_errors_change_nothing(app, client, admin, change, field_message):
    data = {
        "name": "Next",
        "opens_on": boxes(TODAY),
        "closes_on": boxes(TODAY + timedelta(days=90)),
        "target": "50",
        **change,
    }
    html = client.post("/admin/cycles/new", data=data).get_data(as_text=True)
    assert any(message.startswith(field_message) for message in error_summary(html)), error_summary(html)
    assert visible_text(html).startswith("Skip to main content") and "Error:" in html.split("</title>")[0]
    assert cycles(app) == []


def test_overlapping_cycles_are_refused(app, client, admin):
    make_cycle(app, "This year", TODAY, TODAY + timedelta(days=100))
    html = client.post(
        "/admin/cycles/new",
        data={
            "name": "Next",
            "opens_on": boxes(TODAY + timedelta(days=100)),
            "closes_on": boxes(TODAY + timedelta(days=200)),
            "target": "5",
        },
    ).get_data(as_text=True)
    assert error_summary(html)[0].startswith("The dates overlap This year")
    assert len(cycles(app)) == 1
    ok = client.post(
        "/admin/cycles/new",
        data={
            "name": "Next",
            "opens_on": boxes(TODAY + timedelta(days=101)),
            "closes_on": boxes(TODAY + timedelta(days=200)),
            "target": "5",
        },
    )
    assert ok.status_code == 302 and len(cycles(app)) == 2


def test_editing_a_cycle_checks_it_again_but_not_against_itself(app, client, admin):
    cycle_id = make_cycle(app, **CURRENT)
    response = client.post(
        f"/admin/cycles/{cycle_id}/edit",
        data={
            "name": "Renamed",
            "opens_on": boxes(TODAY - timedelta(days=30)),
            "closes_on": boxes(TODAY + timedelta(days=10)),
            "target": "120",
        },
    )
    assert response.status_code == 302
    assert cycles(app) == [("Renamed", TODAY - timedelta(days=30), TODAY + timedelta(days=10), 120)]


def test_borough_targets_are_all_or_nothing(app, client, admin):
    cycle_id = make_cycle(app, **CURRENT)
    html = client.post(
        f"/admin/cycles/{cycle_id}", data={"hackney": "20", "camden": "-3", "lambeth": "10001"}
    ).get_data(as_text=True)
    assert error_summary(html) == [
        "Camden: target must be a whole number from 0 to 10,000",
        "Lambeth: target must be a whole number from 0 to 10,000",
    ]
    with app.app_context():
        assert _db.session.scalar(_db.select(_db.func.count(BoroughTarget.id))) == 0
    assert client.post(f"/admin/cycles/{cycle_id}", data={"hackney": "20", "camden": "0"}).status_code == 302
    client.post(f"/admin/cycles/{cycle_id}", data={"hackney": "25"})
    with app.app_context():
        targets = dict(_db.session.execute(_db.select(BoroughTarget.borough_id, BoroughTarget.target)).all())
    assert sorted(targets.values()) == [25]


@pytest.mark.fresh_database  # reports query on connections of their own: they must see the test's commits
def test_closing_a_cycle_keeps_its_figures_and_stops_changes(app, client, admin):
    cycle_id = make_cycle(app, **CURRENT)
    placement = make_placement(app, cycle_id=cycle_id)
    people_at(app, placement, ["suggested"] * 12)
    assert client.post(f"/admin/cycles/{cycle_id}/close").status_code == 302
    client.get(f"/admin/cycles/{cycle_id}")  # shows (and so clears) the message that it closed
    before = visible_text(client.get(f"/reports/progress?cycle={cycle_id}").get_data(as_text=True))
    assert "These are its figures as they stood then" in before
    with app.app_context():  # the candidates are later deleted (the retention purge), and placements change
        _db.session.execute(_db.delete(Suggestion))
        _db.session.execute(_db.update(Placement).values(status="filled"))
        _db.session.commit()
    after = visible_text(client.get(f"/reports/progress?cycle={cycle_id}").get_data(as_text=True))
    assert after == before
    edit = client.post(f"/admin/cycles/{cycle_id}/edit", data={"name": "X", "target": "1"}, follow_redirects=True)
    assert "This cycle is closed, so it cannot be changed" in visible_text(edit.get_data(as_text=True))
    assert cycles(app)[0][0] == "2026 to 2027"
    again = client.post(f"/admin/cycles/{cycle_id}/close", follow_redirects=True)
    assert "2026 to 2027 is already closed" in visible_text(again.get_data(as_text=True))


# --- progress ---------------------------------------------------------------------------------------------------


def _progress_rows(html: str) -> dict[str, list[str]]:
    """The progress table's rows: area name -> its cells as shown."""
    import re

    table = html.split("Progress in", 1)[1].split("</table>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", table, re.S)[1:]:
        cells = [visible_text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        rows[cells[0]] = cells[1:]
    return rows


def test_progress_counts_placements_and_people_and_hides_small_counts_of_people(app, client, login_as):
    cycle_id = make_cycle(app, **CURRENT, target=100)
    hackney = make_placement(app, borough="hackney", cycle_id=cycle_id, positions=3)
    make_placement(app, borough="hackney", cycle_id=cycle_id, status="draft")
    camden = make_placement(
        app, borough="camden", cycle_id=cycle_id, status="filled", start_date=TODAY - timedelta(days=1)
    )
    make_placement(app, borough="camden")  # in no cycle: not counted
    people_at(app, hackney, ["suggested"] * 8 + ["shortlisted"] * 4)
    people_at(app, camden, ["accepted"] * 3, start=100)
    with app.app_context():
        _db.session.add(
            BoroughTarget(cycle_id=cycle_id, borough_id=_db.session.get(Placement, camden).borough_id, target=3)
        )
        _db.session.commit()

    login_as("analyst", None)
    rows = _progress_rows(client.get("/reports/progress").get_data(as_text=True))
    # Area: target, posted, live, filled, positions, chose, suggested, shortlisted, interview, offered, accepted, started
    assert rows["London"] == ["100", "2", "1", "1", "4", "15", "15", "<10", "<10", "<10", "<10", "<10"]
    assert rows["Hackney"] == ["No target set", "1", "1", "0", "3", "12", "12", "<10", "<10", "<10", "<10", "<10"]
    assert rows["Camden"] == ["3", "1", "0", "1", "1", "<10", "<10", "<10", "<10", "<10", "<10", "<10"]
    assert "Barnet" in rows  # taking part, with nothing yet

    admin_client = app.test_client()
    from tests.candidate_journey import sign_in

    sign_in(admin_client, login_as("admin", None))
    exact = _progress_rows(admin_client.get("/reports/progress").get_data(as_text=True))
    assert exact["Camden"] == ["3", "1", "0", "1", "1", "3", "3", "3", "3", "3", "3", "3"]
    page = visible_text(admin_client.get("/reports/progress").get_data(as_text=True))
    assert "3 apprenticeships have started across London: 3% of the target of 100." in page
    assert "Reached their own target: Camden." in page
    assert "Camden: Target reached" in page  # the map's text alternative


def test_borough_staff_see_exact_counts_for_their_own_borough_only(app, client, login_as):
    cycle_id = make_cycle(app, **CURRENT)
    people_at(app, make_placement(app, borough="hackney", cycle_id=cycle_id), ["suggested"] * 3)
    people_at(app, make_placement(app, borough="camden", cycle_id=cycle_id), ["suggested"] * 4, start=50)
    login_as("borough_staff", "hackney")
    rows = _progress_rows(client.get("/reports/progress").get_data(as_text=True))
    assert rows["Hackney"][5:7] == ["3", "3"] and rows["Camden"][5:7] == ["<10", "<10"]


def test_public_summary_is_linked_from_the_start_page_and_never_shows_a_small_count_of_people(app, client):
    cycle_id = make_cycle(app, **CURRENT, target=100)
    placement = make_placement(app, borough="hackney", cycle_id=cycle_id)
    people_at(app, placement, ["accepted"] * 2 + ["suggested"] * 10)
    start = client.get("/").get_data(as_text=True)
    assert 'href="/progress"' in start
    html = client.get("/progress").get_data(as_text=True)
    rows = _progress_rows(html)
    assert rows["London"][5:7] == ["12", "12"] and rows["London"][-1] == "<10"
    assert rows["Hackney"][5:] == ["12", "12", "<10", "<10", "<10", "<10", "<10"]
    page = visible_text(html)
    assert "Fewer than 10 apprenticeships have started across London, against a target of 100." in page
    assert "Zebedee" not in page and "fewer than 10 of 100" in page
    import re

    bars = re.findall(r'<rect x="200" y="2" width="([0-9.]+)" height="20" fill="#1d4f80">', html)
    assert bars == []  # a hidden count is never drawn


def test_progress_cycle_choice_errors(app, client, login_as):
    make_cycle(app, **CURRENT)
    for path in ("/progress?cycle=999", "/progress?cycle=abc"):
        html = client.get(path).get_data(as_text=True)
        assert error_summary(html) == ["Select a cycle from the list"]
    assert "There is no recruitment cycle yet" not in visible_text(
        client.get("/progress?cycle=999").get_data(as_text=True)
    )


def test_progress_without_any_cycle_says_so(client):
    assert "There is no recruitment cycle yet." in visible_text(client.get("/progress").get_data(as_text=True))


def test_open_data_progress_matches_its_openapi_schema_and_hides_small_counts(app, client):
    cycle_id = make_cycle(app, **CURRENT, target=100)
    people_at(app, make_placement(app, borough="hackney", cycle_id=cycle_id), ["suggested"] * 11)
    document = client.get("/api/v1/openapi.json").get_json()
    body = client.get("/api/v1/progress").get_json()
    schema = {**document["components"]["schemas"]["Progress"], "components": document["components"]}
    schema = _resolve(schema, document)
    Draft202012Validator(schema).validate(body)
    london = body["london"]
    assert london["people"]["suggested"] == 11 and london["people"]["shortlisted"] is None
    assert london["placements"]["posted"] == 1 and body["suppressed_below"] == 10
    assert len(body["boroughs"]) == 33
    assert client.get("/api/v1/progress?cycle=999").status_code == 404
    assert client.get("/api/v1/progress?cycle=x").status_code == 400
    assert client.post("/api/v1/progress").status_code == 405


def _resolve(schema, document):
    """Inline the document's $refs, and read OpenAPI's nullable as JSON Schema's null type."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            return _resolve(document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]], document)
        out = {k: _resolve(v, document) for k, v in schema.items() if k not in ("nullable", "components")}
        if schema.get("nullable"):
            out = {"anyOf": [out, {"type": "null"}]}
        return out
    if isinstance(schema, list):
        return [_resolve(item, document) for item in schema]
    return schema


# --- the borough page -------------------------------------------------------------------------------------------


def test_borough_page_counts_by_stage_for_own_borough_without_names(app, client, login_as):
    mine = make_placement(app, borough="hackney", title="Hackney data apprentice")
    make_placement(app, borough="camden", title="Camden cloud apprentice")
    people_at(app, mine, ["suggested", "suggested", "shortlisted", "rejected"])
    for role in ("borough_staff", "recruiter"):
        own = app.test_client()
        from tests.candidate_journey import sign_in

        sign_in(own, login_as(role, "hackney"))
        html = own.get("/reports/borough").get_data(as_text=True)
        page = visible_text(html)
        assert "Hackney data apprentice" in page and "Camden cloud apprentice" not in page
        assert "Zebedee" not in page and "person" not in page
        import re

        row = re.search(r"Hackney data apprentice</th>(.*?)</tr>", html, re.S).group(1)
        assert [visible_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] == [
            "Live",
            "1",
            "2",
            "1",
            "0",
            "0",
            "0",
            "1",
            "0",
        ]
    login_as("analyst", None)
    assert client.get("/reports/borough").status_code == 403


@pytest.mark.fresh_database  # reports query on connections of their own: they must see the test's commits
def test_borough_staff_outreach_report_is_their_borough_whatever_the_address_says(app, client, login_as):
    login_as("borough_staff", "hackney")
    html = client.get("/reports/?borough=camden").get_data(as_text=True)
    page = visible_text(html)
    assert "Outreach reports: Hackney" in page and 'name="borough"' not in html
    assert client.get("/reports/?borough=atlantis").status_code == 200


def test_progress_is_counted_again_as_soon_as_the_data_changes(app, client, login_as):
    cycle_id = make_cycle(app, **CURRENT)
    placement = make_placement(app, borough="hackney", cycle_id=cycle_id)
    people_at(app, placement, ["suggested"] * 3)
    login_as("admin", None)
    assert _progress_rows(client.get("/reports/progress").get_data(as_text=True))["Hackney"][5:8] == ["3", "3", "0"]
    with app.app_context():  # a recruiter shortlists one (an ORM update, as the service makes)
        suggestion = _db.session.scalar(_db.select(Suggestion).order_by(Suggestion.id))
        suggestion.stage = "shortlisted"
        _db.session.commit()
    assert _progress_rows(client.get("/reports/progress").get_data(as_text=True))["Hackney"][5:8] == ["3", "3", "1"]
    people_at(app, placement, ["suggested"], start=10)
    assert _progress_rows(client.get("/reports/progress").get_data(as_text=True))["Hackney"][5:8] == ["4", "4", "1"]
    with app.app_context():
        _db.session.execute(_db.delete(Suggestion).where(Suggestion.stage == "shortlisted"))
        _db.session.commit()
    assert _progress_rows(client.get("/reports/progress").get_data(as_text=True))["Hackney"][5:8] == ["4", "3", "0"]
    with app.app_context():
        _db.session.execute(_db.update(Placement).values(status="filled"))
        _db.session.commit()
    assert _progress_rows(client.get("/reports/progress").get_data(as_text=True))["Hackney"][:4] == [
        "No target set",
        "1",
        "0",
        "1",
    ]
