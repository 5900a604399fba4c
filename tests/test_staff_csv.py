"""Bulk placements: export a borough's placements as CSV; import a CSV all-or-nothing, with a row-by-row report."""

import csv
import io
from datetime import timedelta
from html import unescape

import pytest

from recruit.extensions import db as _db
from recruit.models import AuditEvent, Placement
from recruit.services.placements import FIELD_NAMES, MAX_ROWS
from tests.factories import make_placement
from tests.page_checks import visible_text
from tests.placement_csv import IMPORT_URL, TODAY, csv_bytes, row, upload


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": False}


def count(app) -> int:
    with app.app_context():
        return _db.session.scalar(_db.select(_db.func.count(Placement.id)))


def test_a_valid_file_imports_every_row_as_a_draft_of_the_users_borough(app, client, login_as):
    user = login_as("borough_staff", "hackney")
    response = upload(client, csv_bytes([row(), row(title="Second", wage_unit="hour", wage_amount="12.50")]))
    assert response.status_code == 302
    assert "2 placements added as drafts" in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        rows = list(_db.session.scalars(_db.select(Placement).order_by(Placement.id)))
        assert [(v.title, v.status, v.borough_id) for v in rows] == [
            ("Data analyst apprentice", "draft", user.borough_id),
            ("Second", "draft", user.borough_id),
        ]
        assert rows[0].skills == ["SQL", "Excel"] and rows[0].closing_date == TODAY + timedelta(days=30)
        assert str(rows[0].hourly_wage) == "12.64"  # 23000 / (35 × 52)
        assert (
            _db.session.scalar(
                _db.select(_db.func.count(AuditEvent.id)).where(AuditEvent.action == "placement.imported")
            )
            == 2
        )


def test_one_bad_row_imports_nothing_and_every_problem_is_listed_by_row(app, client, login_as):
    login_as("borough_staff", "hackney")
    rows = [
        row(),
        row(wage_amount="3", hours_per_week="60"),
        row(workplace_postcode="M1 1AE", closing_date=(TODAY - timedelta(days=1)).isoformat()),
        row(borough="camden"),
    ]
    response = upload(client, csv_bytes(rows, header=(*FIELD_NAMES, "borough")))
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 200 and count(app) == 0
    assert "There is a problem" in html and "4 problems in 3 rows. Nothing was changed." in html
    for cells in (
        ("3", "hours_per_week", "Hours per week must be 40 or fewer"),
        ("4", "workplace_postcode", "Enter a postcode in London"),
        ("4", "closing_date", "Closing date must be in the future"),
        ("5", "borough", "You can only import placements for Hackney"),
    ):
        assert "".join(f'<td class="govuk-table__cell">{cell}</td>' for cell in cells) in html.replace(
            "\n", ""
        ).replace("  ", ""), cells


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The selected file is empty"),
        (b"   \n\n", "The selected file is empty"),
        (
            b"title,standard\nA,ST0116\n",
            "The first row must be the column headings from the template (missing description",
        ),
        (csv_bytes([row()], header=(*FIELD_NAMES, "salary")), "not recognised: salary"),
        (csv_bytes([row(title="Café")], encoding="latin-1"), "The selected file must be saved as UTF-8"),
        (csv_bytes([]), "The selected file has headings but no placements"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "The selected file must be"),
    ],
)
def test_a_file_that_cannot_be_read_gets_a_clear_message(app, client, login_as, data, message):
    login_as("borough_staff")
    response = upload(client, data)
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 200 and message in html and 'href="#file"' in html and count(app) == 0


def test_no_file_chosen(client, login_as):
    login_as("borough_staff")
    html = client.post(IMPORT_URL, data={}, content_type="multipart/form-data").get_data(as_text=True)
    assert "Select a CSV file" in html


@pytest.mark.parametrize("rows", [MAX_ROWS + 1, 10_000])
def test_more_rows_than_the_limit_are_refused_with_the_limit_named(app, client, login_as, rows):
    login_as("borough_staff")
    html = upload(client, csv_bytes([row()] * rows)).get_data(as_text=True)
    assert f"The file has more than {MAX_ROWS:,} placements. Split it into files of {MAX_ROWS:,} rows or fewer." in html
    assert count(app) == 0


def test_a_file_over_the_upload_limit_gets_the_413_page(app, client, login_as):
    login_as("borough_staff")
    data = csv_bytes([row(description="x" * 4000)] * 600)
    assert len(data) > app.config["MAX_CONTENT_LENGTH"]
    response = upload(client, data)
    assert response.status_code == 413 and "The file or form you sent is too large" in response.get_data(as_text=True)


def test_export_round_trips_through_import_and_neutralises_formulas(app, client, login_as):
    make_placement(app, title='=HYPERLINK("http://evil")')
    make_placement(app, title="Camden only", borough="camden")
    login_as("borough_staff", "hackney")
    response = client.get("/staff/placements.csv")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert "Camden only" not in text
    [exported] = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert exported["title"].startswith("'=") and exported["status"] == "live" and exported["borough"] == "hackney"
    response = upload(client, response.get_data())
    assert response.status_code == 302
    assert "1 placement unchanged" in visible_text(client.get(response.headers["Location"]).get_data(as_text=True))
    with app.app_context():
        titles = sorted((v.title, v.status) for v in _db.session.scalars(_db.select(Placement)))
    assert titles == [('=HYPERLINK("http://evil")', "live"), ("Camden only", "live")]  # no draft copies


def test_the_template_has_the_column_headings(client, login_as):
    login_as("borough_staff")
    text = client.get("/staff/placements/import-template.csv").get_data(as_text=True)
    assert text.lstrip("\ufeff").strip() == ",".join(FIELD_NAMES)


def test_an_admin_import_needs_a_borough_column(app, client, login_as):
    login_as("admin", None)
    html = upload(client, csv_bytes([row()])).get_data(as_text=True)
    assert "Enter the borough, like hackney" in html and count(app) == 0
    assert upload(client, csv_bytes([row(borough="camden")], header=(*FIELD_NAMES, "borough"))).status_code == 302
    with app.app_context():
        assert _db.session.scalar(_db.select(Placement)).borough.slug == "camden"


def _export(client) -> list[dict]:
    return list(
        csv.DictReader(io.StringIO(client.get("/staff/placements.csv").get_data(as_text=True).lstrip("\ufeff")))
    )


def _file(rows: list[dict]) -> bytes:
    return csv_bytes(rows, header=list(rows[0]))


def test_an_edited_export_updates_its_placements_by_id_and_adds_rows_without_one(app, client, login_as):
    kept = make_placement(app, title="Kept as it is")
    changed = make_placement(app, title="Old title")
    login_as("borough_staff", "hackney")
    rows = _export(client)
    for exported in rows:
        if exported["id"] == str(changed):
            exported["title"], exported["positions"] = "New title", "3"
    rows.append({**rows[0], "id": "", "title": "Brand new placement"})
    response = upload(client, _file(rows))
    assert response.status_code == 302
    page = visible_text(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "1 placement updated, 1 placement added as a draft, 1 placement unchanged" in page
    with app.app_context():
        placements = {v.id: v for v in _db.session.scalars(_db.select(Placement))}
        assert (placements[changed].title, placements[changed].positions, placements[changed].status) == (
            "New title",
            3,
            "live",
        )
        assert placements[kept].title == "Kept as it is"
        [new] = [v for v in placements.values() if v.id not in (kept, changed)]
        assert (new.title, new.status) == ("Brand new placement", "draft")
        event = _db.session.scalar(_db.select(AuditEvent).where(AuditEvent.action == "placement.updated"))
        assert event.entity_id == changed and event.detail["fields"] == ["positions", "title"]


def test_an_import_never_changes_another_boroughs_or_a_closed_placement(app, client, login_as):
    camden = make_placement(app, title="Camden placement", borough="camden")
    closed = make_placement(app, title="Closed placement", status="closed")
    login_as("borough_staff", "hackney")
    [row_closed] = _export(client)
    row_camden = {**row_closed, "id": str(camden), "title": "Taken over"}
    response = upload(client, _file([{**row_closed, "title": "Reopened"}, row_camden, {**row_closed, "id": "x1"}]))
    page = visible_text(response.get_data(as_text=True))
    assert response.status_code == 200 and "Nothing was changed" in page
    assert f"Placement {closed} is closed, so an import cannot change it." in page
    assert f"There is no placement {camden} in Hackney. Leave the id empty to add a new placement" in page
    assert "There is no placement x1 in Hackney" in page
    with app.app_context():
        assert {v.title for v in _db.session.scalars(_db.select(Placement))} == {"Camden placement", "Closed placement"}


def test_the_import_page_says_what_an_import_does(client, login_as):
    login_as("borough_staff", "hackney")
    page = visible_text(client.get(IMPORT_URL).get_data(as_text=True))
    assert "A row with an id changes that placement." in page
    assert "A row with an empty id becomes a new draft placement." in page
    assert "A row for a closed or filled placement is refused." in page
