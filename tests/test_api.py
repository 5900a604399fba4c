"""The open data API: live placements only, filters as the listing, JSON errors, responses match the OpenAPI document."""

from copy import deepcopy
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker

from recruit.api import openapi_components
from recruit.services.placements import QUERY_PARAMETERS
from tests.factories import make_placement

TODAY = date.today()


def _as_json_schema(node):
    """OpenAPI 3.0 writes `nullable: true`; JSON Schema says the type may also be null."""
    if isinstance(node, dict):
        node = {key: _as_json_schema(value) for key, value in node.items()}
        if node.pop("nullable", False):
            node["type"] = [node["type"], "null"]
        return node
    if isinstance(node, list):
        return [_as_json_schema(item) for item in node]
    return node


def assert_matches_schema(body, schema_name: str) -> None:
    """Validate a response body against a schema of the served OpenAPI document."""
    components = _as_json_schema(deepcopy(openapi_components()))
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": components}
    errors = sorted(Draft202012Validator(schema, format_checker=FormatChecker()).iter_errors(body), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_openapi_document_is_served_and_describes_every_query_parameter(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.is_json
    document = response.get_json()
    assert document["openapi"].startswith("3.") and set(document["paths"]) == {
        "/placements",
        "/placements/{id}",
        "/progress",
        "/vacancies",
        "/vacancies/{id}",
    }
    # The first paths are documented as deprecated and send readers to their successors.
    assert [
        document["paths"][path]["get"].get("deprecated") for path in ("/placements", "/vacancies", "/vacancies/{id}")
    ] == [None, True, True]
    assert "Use /placements/{id}." in document["paths"]["/vacancies/{id}"]["get"]["description"]
    parameters = {p["name"] for p in document["paths"]["/placements"]["get"]["parameters"]}
    assert parameters == set(QUERY_PARAMETERS)
    Draft202012Validator.check_schema(_as_json_schema(document["components"]["schemas"]["Placement"]))


def test_the_old_paths_answer_as_before_marked_deprecated_with_a_link_to_their_successors(app, client):
    live = make_placement(app, title="Live one")
    for old, new in (
        ("/api/v1/vacancies?sort=closing", "/api/v1/placements?sort=closing"),
        (f"/api/v1/vacancies/{live}", f"/api/v1/placements/{live}"),
        ("/api/v1/vacancies/999", "/api/v1/placements/999"),
    ):
        before, after = client.get(old), client.get(new)
        assert (before.status_code, before.get_json()) == (after.status_code, after.get_json())
        assert before.headers["Deprecation"] == "@1796169600" and "Deprecation" not in after.headers
        successor = new.split("?")[0]
        assert before.headers["Link"] == f'<http://localhost{successor}>; rel="successor-version"'
    assert client.get("/api/v1/vacancies?per_page=0").status_code == 400  # the same checks as its successor


def test_list_returns_only_live_open_placements_and_matches_the_schema(app, client):
    live = make_placement(app, title="Live one")
    make_placement(app, status="draft")
    make_placement(app, closing_date=TODAY - timedelta(days=1), start_date=TODAY + timedelta(days=3))
    response = client.get("/api/v1/placements")
    body = response.get_json()
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    assert_matches_schema(body, "PlacementPage")
    assert [item["id"] for item in body["items"]] == [live] and body["total"] == 1
    item = body["items"][0]
    assert item["title"] == "Live one" and item["borough"]["slug"] == "hackney" and item["standard"]["level"] == 4
    assert item["wage"] == {"amount": 10.0, "unit": "hour", "hourly": 10.0} and item["distance_km"] is None
    assert item["url"].endswith(f"/placements/{live}")


def test_one_placement_matches_the_schema_and_others_are_json_404s(app, client):
    live = make_placement(app)
    draft = make_placement(app, status="draft")
    response = client.get(f"/api/v1/placements/{live}")
    assert response.status_code == 200
    assert_matches_schema(response.get_json(), "Placement")
    for path in (
        f"/api/v1/placements/{draft}",
        "/api/v1/placements/999999",
        "/api/v1/placements/abc",
        "/api/v1/placements/99999999999999999999",
    ):
        response = client.get(path)
        assert response.status_code == 404 and response.is_json, path
        assert_matches_schema(response.get_json(), "Error")


def test_filters_distance_sort_and_pagination_work_as_in_the_listing(app, client):
    near = make_placement(app, outward="E8")
    middle = make_placement(app, outward="N1")
    make_placement(app, outward="SE9", borough="greenwich")
    body = client.get("/api/v1/placements?postcode=E8+1DY&distance=5&sort=distance&per_page=1").get_json()
    assert_matches_schema(body, "PlacementPage")
    assert body["total"] == 2 and body["pages"] == 2 and [i["id"] for i in body["items"]] == [near]
    assert body["items"][0]["distance_km"] < 1 and body["links"]["prev"] is None
    second = client.get(body["links"]["next"]).get_json()
    assert [i["id"] for i in second["items"]] == [middle] and second["links"]["next"] is None
    assert client.get("/api/v1/placements?borough=greenwich").get_json()["total"] == 1


def test_distance_without_a_postcode_is_ignored_as_the_openapi_document_says(app, client):
    make_placement(app)
    for query in ("distance=5", "sort=distance"):
        response = client.get(f"/api/v1/placements?{query}")
        assert response.status_code == 200 and response.get_json()["total"] == 1, query
    described = {
        p["name"]: p["description"]
        for p in client.get("/api/v1/openapi.json").get_json()["paths"]["/placements"]["get"]["parameters"]
    }
    assert (
        "ignored without a postcode" in described["distance"]
        and "without one the order is by closing date" in described["sort"]
    )


@pytest.mark.parametrize(
    "query",
    [
        "postcode=M1+1AE",
        "postcode=nonsense",
        "distance=abc&postcode=E8",
        "sort=up",
        "page=0",
        "page=-1",
        "per_page=500",
        "level=x",
        "borough=atlantis",
        "standard=ST9",
        "llw=maybe",
        "q=" + "x" * 101,
    ],
)
def test_bad_parameters_are_a_400_with_a_message(client, query):
    response = client.get(f"/api/v1/placements?{query}")
    assert response.status_code == 400 and response.is_json
    body = response.get_json()
    assert_matches_schema(body, "Error")
    assert body["message"] and body["errors"]


def test_api_needs_no_csrf_token_and_refuses_writes_with_json(client):
    for path in ("/api/v1/placements", "/api/v1/placements/1"):
        response = client.post(path)
        assert response.status_code == 405 and response.is_json
        assert_matches_schema(response.get_json(), "Error")
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.is_json


PARAMETER_VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "1",
            "0",
            "-1",
            "5",
            "100",
            "101",
            "1e3",
            "nan",
            "inf",
            "E8",
            "E8 1DY",
            "SW1A 1AA",
            "M1 1AE",
            "hackney",
            "ST0116",
            "distance",
            "wage",
            "closing",
            "yes",
            "no",
            "999999999999",
        ]
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.dictionaries(st.sampled_from(QUERY_PARAMETERS + ("other",)), PARAMETER_VALUES, max_size=6))
def test_any_query_parameters_give_json_200_or_400_never_500(client, params):
    response = client.get("/api/v1/placements", query_string=params)
    assert response.status_code in (200, 400) and response.is_json
    assert_matches_schema(response.get_json(), "PlacementPage" if response.status_code == 200 else "Error")
    page = client.get("/placements/", query_string=params)
    assert page.status_code == 200


def test_digits_that_are_not_0_to_9_are_refused_cleanly(client):
    # '²' and '٣' pass str.isdigit() but int() refuses them: they must be a 400 / a form error, never a 500
    for value in ("²", "٣", "１"):
        assert client.get("/api/v1/placements", query_string={"page": value}).status_code == 400
        assert client.get("/placements/", query_string={"page": value, "level": value}).status_code in (200, 400)
