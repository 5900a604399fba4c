"""The open data API: live placements only, filters as the listing, JSON errors, responses match the OpenAPI document."""

from copy import deepcopy
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker

from recruit.api import openapi_components
from recruit.services.vacancies import QUERY_PARAMETERS
from tests.test_vacancies import make_vacancy

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


def assert_matches(body, schema_name: str) -> None:
    """Validate a response body against a schema of the served OpenAPI document."""
    components = _as_json_schema(deepcopy(openapi_components()))
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": components}
    errors = sorted(Draft202012Validator(schema, format_checker=FormatChecker()).iter_errors(body), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_openapi_document_is_served_and_describes_every_query_parameter(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.is_json
    document = response.get_json()
    assert document["openapi"].startswith("3.") and set(document["paths"]) == {"/vacancies", "/vacancies/{id}", "/progress"}
    parameters = {p["name"] for p in document["paths"]["/vacancies"]["get"]["parameters"]}
    assert parameters == set(QUERY_PARAMETERS)
    Draft202012Validator.check_schema(_as_json_schema(document["components"]["schemas"]["Vacancy"]))


def test_list_returns_only_live_open_placements_and_matches_the_schema(app, client):
    live = make_vacancy(app, title="Live one")
    make_vacancy(app, status="draft")
    make_vacancy(app, closing_date=TODAY - timedelta(days=1), start_date=TODAY + timedelta(days=3))
    response = client.get("/api/v1/vacancies")
    body = response.get_json()
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    assert_matches(body, "VacancyPage")
    assert [item["id"] for item in body["items"]] == [live] and body["total"] == 1
    item = body["items"][0]
    assert item["title"] == "Live one" and item["borough"]["slug"] == "hackney" and item["standard"]["level"] == 4
    assert item["wage"] == {"amount": 10.0, "unit": "hour", "hourly": 10.0} and item["distance_km"] is None
    assert item["url"].endswith(f"/placements/{live}")


def test_one_placement_matches_the_schema_and_others_are_json_404s(app, client):
    live = make_vacancy(app)
    draft = make_vacancy(app, status="draft")
    response = client.get(f"/api/v1/vacancies/{live}")
    assert response.status_code == 200
    assert_matches(response.get_json(), "Vacancy")
    for path in (f"/api/v1/vacancies/{draft}", "/api/v1/vacancies/999999", "/api/v1/vacancies/abc",
                 "/api/v1/vacancies/99999999999999999999"):
        response = client.get(path)
        assert response.status_code == 404 and response.is_json, path
        assert_matches(response.get_json(), "Error")


def test_filters_distance_sort_and_pagination_work_as_in_the_listing(app, client):
    near = make_vacancy(app, outward="E8")
    middle = make_vacancy(app, outward="N1")
    make_vacancy(app, outward="SE9", borough="greenwich")
    body = client.get("/api/v1/vacancies?postcode=E8+1DY&distance=5&sort=distance&per_page=1").get_json()
    assert_matches(body, "VacancyPage")
    assert body["total"] == 2 and body["pages"] == 2 and [i["id"] for i in body["items"]] == [near]
    assert body["items"][0]["distance_km"] < 1 and body["links"]["prev"] is None
    second = client.get(body["links"]["next"]).get_json()
    assert [i["id"] for i in second["items"]] == [middle] and second["links"]["next"] is None
    assert client.get("/api/v1/vacancies?borough=greenwich").get_json()["total"] == 1


def test_distance_without_a_postcode_is_ignored_as_the_openapi_document_says(app, client):
    make_vacancy(app)
    for query in ("distance=5", "sort=distance"):
        response = client.get(f"/api/v1/vacancies?{query}")
        assert response.status_code == 200 and response.get_json()["total"] == 1, query
    described = {p["name"]: p["description"] for p in client.get("/api/v1/openapi.json").get_json()["paths"]["/vacancies"]["get"]["parameters"]}
    assert "ignored without a postcode" in described["distance"] and "without one the order is by closing date" in described["sort"]


@pytest.mark.parametrize("query", ["postcode=M1+1AE", "postcode=nonsense", "distance=abc&postcode=E8",
                                   "sort=up", "page=0", "page=-1", "per_page=500", "level=x",
                                   "borough=atlantis", "standard=ST9", "llw=maybe", "q=" + "x" * 101])
def test_bad_parameters_are_a_400_with_a_message(client, query):
    response = client.get(f"/api/v1/vacancies?{query}")
    assert response.status_code == 400 and response.is_json
    body = response.get_json()
    assert_matches(body, "Error")
    assert body["message"] and body["errors"]


def test_api_needs_no_csrf_token_and_refuses_writes_with_json(client):
    for path in ("/api/v1/vacancies", "/api/v1/vacancies/1"):
        response = client.post(path)
        assert response.status_code == 405 and response.is_json
        assert_matches(response.get_json(), "Error")
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.is_json


PARAMETER_VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "1", "0", "-1", "5", "100", "101", "1e3", "nan", "inf", "E8", "E8 1DY", "SW1A 1AA", "M1 1AE",
                     "hackney", "ST0116", "distance", "wage", "closing", "yes", "no", "999999999999"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.dictionaries(st.sampled_from(QUERY_PARAMETERS + ("other",)), PARAMETER_VALUES, max_size=6))
def test_any_query_parameters_give_json_200_or_400_never_500(client, params):
    response = client.get("/api/v1/vacancies", query_string=params)
    assert response.status_code in (200, 400) and response.is_json
    assert_matches(response.get_json(), "VacancyPage" if response.status_code == 200 else "Error")
    page = client.get("/placements/", query_string=params)
    assert page.status_code == 200


def test_digits_that_are_not_0_to_9_are_refused_cleanly(client):
    # '²' and '٣' pass str.isdigit() but int() refuses them: they must be a 400 / a form error, never a 500
    for value in ("²", "٣", "１"):
        assert client.get("/api/v1/vacancies", query_string={"page": value}).status_code == 400
        assert client.get("/placements/", query_string={"page": value, "level": value}).status_code in (200, 400)
