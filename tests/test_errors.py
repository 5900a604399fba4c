"""Failure handled gracefully: error pages render without the database and show a reference that is logged with
the traceback; every path answers other methods with an Allow header (in JSON under /api/)."""

import logging

import pytest

from recruit import create_app
from tests.candidate_journey import sign_in
from tests.conftest import _test_config
from tests.page_checks import visible_words

BROKEN_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:1/no_such_database?connect_timeout=1"


@pytest.fixture
def broken_app(database_url, _schema):
    """The same service (same secret key) with its database unreachable."""
    app = create_app(
        {
            **_test_config(database_url, _schema),
            "SQLALCHEMY_DATABASE_URI": BROKEN_DATABASE,
            "SQLALCHEMY_ENGINE_OPTIONS": {},
            "PROPAGATE_EXCEPTIONS": False,
        }
    )
    yield app


def _assert_styled_500_with_logged_reference(response, caplog):
    text = visible_words(response.get_data(as_text=True))
    reference = response.headers["X-Request-Id"]
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in text and "Your saved answers have not been lost." in text
    assert f"If you contact us about this, quote this reference: {reference}" in text
    assert "London Digital Apprenticeships" in text and "Accessibility statement" in text  # the service's own page
    assert "Traceback" not in text and "OperationalError" not in text and "psycopg" not in text
    logged = [r for r in caplog.records if reference in r.getMessage()]
    assert logged and logged[0].exc_info is not None  # the traceback is in the log, under the same reference


@pytest.mark.fresh_database  # it breaks the app's database: an app of its own
def test_a_signed_in_user_gets_the_styled_error_page_during_a_database_outage(app, broken_app, make_user, caplog):
    user = make_user("recruiter")
    working = app.test_client()
    sign_in(working, user)
    assert working.get("/recruiters/").status_code == 200
    during_outage = broken_app.test_client()
    during_outage.set_cookie("session", working.get_cookie("session").value)
    with caplog.at_level(logging.ERROR):
        response = during_outage.get("/recruiters/")
    _assert_styled_500_with_logged_reference(response, caplog)
    assert "Sign in" in visible_words(response.get_data(as_text=True))  # shown as to a visitor: no user was loaded


def test_a_visitor_gets_the_styled_error_page_during_a_database_outage(broken_app, caplog):
    with caplog.at_level(logging.ERROR):
        response = broken_app.test_client().get("/placements/")
    _assert_styled_500_with_logged_reference(response, caplog)


@pytest.mark.fresh_database  # it adds a route: an app of its own
def test_when_even_the_error_page_fails_a_plain_page_still_gives_the_reference(app, monkeypatch, caplog):
    @app.route("/boom-for-test")
    def boom():
        raise RuntimeError("secret internal detail")

    app.config["PROPAGATE_EXCEPTIONS"] = False

    def failing_render(*args, **kwargs):
        raise RuntimeError("template store unavailable")

    monkeypatch.setattr("recruit.errors.render_template", failing_render)
    response = app.test_client().get("/boom-for-test")
    text = visible_words(response.get_data(as_text=True))
    assert response.status_code == 500 and "Sorry, there is a problem with the service" in text
    assert f"Reference: {response.headers['X-Request-Id']}" in text and "secret internal detail" not in text


def test_other_methods_are_refused_with_an_allow_header(client):
    for method in ("TRACE", "DELETE", "PUT"):
        response = client.open("/", method=method)
        assert response.status_code == 405 and "GET" in response.headers["Allow"], method
        assert "Sorry, there is a problem with your request" in visible_words(response.get_data(as_text=True))


@pytest.mark.parametrize("path", ["/api/v1/placements", "/api/v1/placements/1", "/api/v1/openapi.json"])
@pytest.mark.parametrize("method", ["TRACE", "POST", "PUT", "PATCH", "DELETE"])
def test_api_paths_refuse_other_methods_in_json_with_allow(client, path, method):
    response = client.open(path, method=method)
    assert response.status_code == 405 and response.is_json
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}
    assert response.get_json() == {"error": "method_not_allowed", "message": "This API is read-only: use GET"}


def test_unknown_api_paths_are_json_404s_for_every_method(client):
    for method in ("GET", "POST", "TRACE"):
        response = client.open("/api/v1/nothing-here", method=method)
        assert response.status_code == 404 and response.is_json and response.get_json()["error"] == "not_found"
