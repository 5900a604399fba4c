"""Admin: run matching from a page, see every run's provenance, download a run for audit."""

import json

import pytest

from recruit.extensions import db
from recruit.models import MatchRun
from tests.factories import make_candidate, make_placement
from tests.matching_data import Poster, run, run_count


@pytest.fixture
def admin(client, login_as):
    return login_as("admin", None)


def test_admin_home_links_to_match_runs(client, admin):
    page = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/match-runs"' in page


@pytest.mark.fresh_database  # the run page's figures come from reports, which reports query on connections of their own: they must see the test's commits
def test_admin_runs_matching_from_the_page(app, client, admin, make_user):
    placement = make_placement(app)
    make_candidate(app, make_user, [placement])
    response = Poster(client, "/admin/match-runs")("/admin/match-runs", {"round": "1", "seed": "20250901"})
    assert response.status_code == 302
    with app.app_context():
        match_run = db.session.scalar(db.select(MatchRun))
        assert (match_run.created_by_id, match_run.seed, match_run.suggestion_count, match_run.round) == (
            admin.id,
            20250901,
            1,
            1,
        )
    assert response.location.endswith(f"/admin/match-runs/{match_run.id}")
    page = client.get(response.location).get_data(as_text=True)
    assert "This is a preview: only admins can see it." in page and "Publish this run" in page
    for shown in ("20250901", match_run.input_hash, admin.email, match_run.algorithm_version, "Suggestions made"):
        assert shown in page


def test_an_empty_run_from_the_page_says_why(app, client, admin):
    response = Poster(client, "/admin/match-runs")("/admin/match-runs", {"round": "1"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "No live placements are open for applications today, so nobody was matched." in page
    assert run_count(app) == 1


@pytest.mark.parametrize(
    "data, message",
    [
        ({"seed": "1"}, "Select round 1 or round 2"),
        ({"round": "3"}, "Select round 1 or round 2"),
        ({"round": "1", "seed": "twelve"}, "The seed must be a whole number, like 20250901"),
        ({"round": "1", "seed": "-4"}, "The seed must be a whole number, like 20250901"),
        ({"round": "1", "seed": "9" * 19}, "The seed must be 18 digits or fewer"),
        ({"round": "2"}, "Round 1 of this cycle has not been published yet. Run round 1 and publish it first."),
    ],
)
def test_run_form_errors_are_shown_in_the_govuk_way(app, client, admin, data, message):
    response = Poster(client, "/admin/match-runs")("/admin/match-runs", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in page and message in page
    assert page.count(message) == 2  # in the summary and next to the field
    assert run_count(app) == 0


def test_run_form_needs_a_csrf_token(app, client, admin):
    assert client.post("/admin/match-runs", data={"round": "1"}).status_code == 400
    assert run_count(app) == 0


def test_runs_list_and_detail_show_each_runs_metadata(app, client, admin, make_user):
    placement = make_placement(app)
    make_candidate(app, make_user, [placement])
    first, empty = run(app, seed=3), run(app, round_number=2, seed=4)
    page = client.get("/admin/match-runs").get_data(as_text=True)
    assert f'href="/admin/match-runs/{first.id}"' in page and f'href="/admin/match-runs/{empty.id}"' in page
    assert "Command line" in page and empty.note in page
    detail = client.get(f"/admin/match-runs/{empty.id}").get_data(as_text=True)
    assert empty.note in detail and "Round 2" in detail and empty.input_hash in detail
    assert client.get("/admin/match-runs/999").status_code == 404


def test_export_downloads_pseudonymous_json(app, client, admin, make_user):
    placement = make_placement(app)
    person = make_candidate(app, make_user, [placement])
    match_run = run(app, seed=9)
    response = client.get(f"/admin/match-runs/{match_run.id}/export.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert f'filename="match-run-{match_run.id}.json"' in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert list(data["assignment"].values()) == [f"p-{placement}"]
    assert data["meta"]["seed"] == 9 and data["placements"][f"p-{placement}"]["capacity"] == 3
    assert person.email not in response.get_data(as_text=True) and str(person.id) not in data["candidates"]
    assert client.get("/admin/match-runs/999/export.json").status_code == 404
