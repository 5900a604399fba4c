"""Open data API: live placements as JSON, for boroughs' own websites, with an OpenAPI 3 description."""

import re
from typing import Any

from flask import Blueprint, current_app, jsonify, request, url_for
from werkzeug.exceptions import HTTPException

from .extensions import csrf
from .page_cache import shared_page
from .postcodes import outward_areas
from .services import placements as service
from .services.placements.fields import FALSE_WORDS, TRUE_WORDS
from .services.placements.listing import MAX_DISTANCE_KM, MAX_KEYWORDS, MAX_PAGE, MAX_PER_PAGE

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # GET-only JSON: nothing here changes anything


ERROR_NAMES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    429: "too_many_requests",
}
MESSAGES = {404: "There is nothing at this address. See /api/v1/openapi.json", 405: "This API is read-only: use GET"}


def _error(status: int, message: str, errors: dict | None = None, headers=None):
    body: dict[str, Any] = {"error": ERROR_NAMES.get(status, "error"), "message": message}
    if errors:
        body["errors"] = errors
    return jsonify(body), status, headers or {}


def json_error(error: HTTPException):
    """Any HTTP error on an API path, as JSON with the error's own headers (Allow on a 405)."""
    headers = [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]
    return _error(error.code or 500, MESSAGES.get(error.code or 500) or error.description or "Error", headers=headers)


bp.register_error_handler(HTTPException, json_error)


@bp.after_request
def open_to_other_sites(response):
    """Any website may read the open data from a browser."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    # Anyone may keep a copy but should ask again each time (a 304 if unchanged): changes show at once.
    response.headers.setdefault("Cache-Control", "public, no-cache")
    return response


# Routing errors (unknown paths, other methods such as POST or TRACE) never reach a blueprint's handlers:
# recruit/errors.py sends every error on an /api/ path to json_error.


@bp.route("/placements")
@shared_page
def placements():
    """Live placements, filtered, sorted and paginated as the public listing is."""
    errors = schema_errors(request.args, listing_parameters()) if request.args else {}
    if errors:
        return _error(400, "; ".join(errors.values()), errors)
    query, errors = service.parse_listing_args(
        request.args, default_per_page=current_app.config["PAGE_SIZE"], allow_per_page=True
    )
    if errors:
        return _error(400, "; ".join(errors.values()), errors)
    results = service.search_live(query)
    args = {
        key: value for key, value in request.args.items() if key in service.QUERY_PARAMETERS and key != "page" and value
    }

    def page_link(number: int) -> str:
        return url_for("api.placements", **args, page=number, _external=True)

    links = {
        "self": page_link(query.page),
        "first": page_link(1),
        "last": page_link(results.pages),
        "next": page_link(query.page + 1) if query.page < results.pages else None,
        "prev": page_link(min(query.page - 1, results.pages)) if query.page > 1 else None,
    }
    return jsonify(
        {
            "items": [service.describe(v, km, _public_url(v.id)) for v, km in results.items],
            "page": results.page,
            "per_page": results.per_page,
            "total": results.total,
            "pages": results.pages,
            "links": links,
        }
    )


@bp.route("/placements/<placement_id>")
@shared_page
def placement(placement_id: str):
    """One live placement."""
    found = service.get_live(int(placement_id)) if placement_id.isdigit() and len(placement_id) < 10 else None
    if found is None:
        return _error(404, "No live placement has this id. It may have closed.")
    return jsonify(service.describe(found, None, _public_url(found.id)))


# The API's first paths, from before "placement" was the one word for it: they still answer exactly as their successors
# do, marked deprecated (RFC 9745: the date it happened) with a link to the path to use instead.
DEPRECATED_SINCE = "@1796169600"  # 2 December 2026
SUCCESSORS = {"deprecated_placements": "api.placements", "deprecated_placement": "api.placement"}
bp.add_url_rule("/vacancies", "deprecated_placements", placements)
bp.add_url_rule("/vacancies/<placement_id>", "deprecated_placement", placement)


@bp.after_request
def mark_deprecated_paths(response):
    """Say on every answer from an old path that it is deprecated, and where its successor is."""
    successor = SUCCESSORS.get((request.endpoint or "").removeprefix("api."))
    if successor:
        response.headers["Deprecation"] = DEPRECATED_SINCE
        target = url_for(successor, **(request.view_args or {}), _external=True)
        response.headers["Link"] = f'<{target}>; rel="successor-version"'
    return response


@bp.route("/progress")
def progress():
    """Progress towards a cycle's targets, London-wide and per borough: counts only, people under 10 hidden."""
    from .services import progress as progress_service

    errors = schema_errors(request.args, progress_parameters())
    if errors:
        return _error(400, "; ".join(errors.values()), errors)
    cycle_id = int(request.args["cycle"]) if "cycle" in request.args else None
    cycle = progress_service.cycle_for_progress(cycle_id)
    if cycle is None:
        return _error(404, "There is no such recruitment cycle")
    return jsonify(progress_service.open_data(progress_service.progress(cycle)))


@bp.route("/openapi.json")
@shared_page
def openapi():
    """The OpenAPI 3 description of this API."""
    return jsonify(openapi_document())


def _public_url(placement_id: int) -> str:
    return url_for("placements.detail", placement_id=placement_id, _external=True)


def _param(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


_INTEGER = re.compile(r"-?[0-9]+")
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")


def schema_errors(args, parameters: list[dict]) -> dict[str, str]:
    """Check query values exactly as the OpenAPI document describes them: the API accepts what it promises and
    refuses the rest (no silent trimming, case-folding or empty values), so its description can be trusted."""
    errors = {}
    for parameter in parameters:
        name, schema = parameter["name"], parameter["schema"]
        if name not in args:
            continue
        raw = args.get(name)
        if schema["type"] == "string":
            value = raw
        elif (_INTEGER if schema["type"] == "integer" else _NUMBER).fullmatch(raw) and len(raw) <= 30:
            value = int(raw) if schema["type"] == "integer" else float(raw)
        else:
            errors[name] = f"{name} must be {'a whole number' if schema['type'] == 'integer' else 'a number'}"
            continue
        if "enum" in schema and value not in schema["enum"]:
            errors[name] = f"{name} must be one of the values listed in /api/v1/openapi.json"
        elif "pattern" in schema and not re.search(schema["pattern"], value):
            errors[name] = f"{name} is not in the format described in /api/v1/openapi.json"
        elif len(str(value)) > schema.get("maxLength", len(str(value))):
            errors[name] = f"{name} must be {schema['maxLength']} characters or fewer"
        elif not schema.get("minimum", value) <= value <= schema.get("maximum", value):
            errors[name] = f"{name} must be from {schema['minimum']} to {schema['maximum']}"
    return errors


def progress_parameters() -> list[dict]:
    """The progress route's query parameters, with every rule the API enforces."""
    return [
        _param(
            "cycle",
            "A cycle's id; without it, the current cycle (else the latest)",
            {"type": "integer", "minimum": 1, "maximum": 999_999_999},
        )
    ]


def listing_parameters() -> list[dict]:
    """The listing's query parameters with every rule the API enforces, so any request the schema allows is answered
    with results: the lists of boroughs, levels and standards come from the database, postcodes from the table of
    London's outward codes."""
    choices = service.filter_choices()
    boroughs = sorted(slug for slug, _ in choices["boroughs"])
    levels = choices["levels"]
    standards = sorted(reference for reference, _ in choices["standards"])
    london = sorted(code for code, area in outward_areas().items() if area.in_london)
    postcode = f"^(?:{'|'.join(london)})(?: ?[0-9][ABD-HJLNP-UW-Z]{{2}})?$"
    return [
        _param("q", "Keywords in the title, description or skills", {"type": "string", "maxLength": MAX_KEYWORDS}),
        _param("borough", "A borough's slug, like hackney", {"type": "string", "enum": boroughs}),
        _param("level", "Apprenticeship level", {"type": "integer", "enum": levels}),
        _param("standard", "A standard's reference, like ST0116", {"type": "string", "enum": standards}),
        _param(
            "llw",
            "Only placements paying the London Living Wage",
            {"type": "string", "enum": sorted(TRUE_WORDS | FALSE_WORDS - {""})},
        ),
        _param(
            "postcode",
            "A London postcode or outward code, in capitals; gives each result a distance",
            {"type": "string", "pattern": postcode},
        ),
        _param(
            "distance",
            "Only placements within this many km of the postcode; ignored without a postcode",
            {"type": "number", "minimum": 1, "maximum": MAX_DISTANCE_KM},
        ),
        _param(
            "sort",
            "Order of results; distance needs a postcode, and without one the order is by closing date",
            {"type": "string", "enum": list(service.SORTS), "default": "closing"},
        ),
        _param(
            "page",
            "Page number (past the last page, the list is empty)",
            {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
        ),
        _param(
            "per_page", "Results per page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 20}
        ),
    ]


def openapi_document() -> dict:
    """The API's OpenAPI 3.0 document (reads the database for the lists of allowed values)."""
    return {**_document_skeleton(), "components": openapi_components()}


def openapi_components() -> dict:
    """The response schemas; the tests validate every response against them."""
    nullable_string = {"type": "string", "nullable": True}
    placement_schema = {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "id",
            "title",
            "url",
            "borough",
            "standard",
            "description",
            "skills",
            "skills_text",
            "wage",
            "pays_london_living_wage",
            "hours_per_week",
            "positions",
            "start_date",
            "closing_date",
            "workplace",
            "distance_km",
            "training_provider",
            "disability_confident",
            "resident_priority",
            "interview_adjustments_contact",
        ],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "url": {"type": "string", "format": "uri", "description": "The placement's page on this service"},
            "borough": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name", "slug", "ons_code"],
                "properties": {
                    "name": {"type": "string"},
                    "slug": {"type": "string"},
                    "ons_code": {"type": "string", "pattern": "^E090000[0-9]{2}$"},
                },
            },
            "standard": {
                "type": "object",
                "additionalProperties": False,
                "required": ["reference", "title", "level", "duration_months"],
                "properties": {
                    "reference": {"type": "string", "pattern": "^ST[0-9]{4}$"},
                    "title": {"type": "string"},
                    "level": {"type": "integer", "minimum": 2, "maximum": 7},
                    "duration_months": {"type": "integer", "minimum": 1},
                },
            },
            "description": {"type": "string"},
            "skills": {"type": "array", "items": {"type": "string"}},
            "skills_text": {"type": "string"},
            "wage": {
                "type": "object",
                "additionalProperties": False,
                "required": ["amount", "unit", "hourly"],
                "properties": {
                    "amount": {"type": "number", "minimum": 0},
                    "unit": {"type": "string", "enum": ["hour", "year"]},
                    "hourly": {
                        "type": "number",
                        "minimum": 0,
                        "description": "The wage per hour (a yearly wage ÷ (hours per week × 52))",
                    },
                },
            },
            "pays_london_living_wage": {"type": "boolean"},
            "hours_per_week": {"type": "integer", "minimum": 16, "maximum": 40},
            "positions": {"type": "integer", "minimum": 1, "maximum": 50},
            "start_date": {"type": "string", "format": "date"},
            "closing_date": {"type": "string", "format": "date"},
            "workplace": {
                "type": "object",
                "additionalProperties": False,
                "required": ["outward_postcode", "latitude", "longitude"],
                "properties": {
                    "outward_postcode": {"type": "string", "description": "The first part of the postcode, like E8"},
                    "latitude": {"type": "number"},
                    "longitude": {"type": "number"},
                },
            },
            "distance_km": {
                "type": "number",
                "nullable": True,
                "minimum": 0,
                "description": "From the postcode searched for; null without one",
            },
            "training_provider": {"type": "string"},
            "disability_confident": {"type": "boolean"},
            "resident_priority": {"type": "boolean", "description": "Residents of the borough are considered first"},
            "interview_adjustments_contact": {"type": "string"},
        },
    }
    error_schema = {
        "type": "object",
        "required": ["error", "message"],
        "additionalProperties": False,
        "properties": {
            "error": {"type": "string"},
            "message": {"type": "string"},
            "errors": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "description": "A message for each bad parameter",
            },
        },
    }
    page_schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["items", "page", "per_page", "total", "pages", "links"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Placement"}},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "total": {"type": "integer", "minimum": 0},
            "pages": {"type": "integer", "minimum": 1},
            "links": {
                "type": "object",
                "additionalProperties": False,
                "required": ["self", "first", "last", "next", "prev"],
                "properties": {
                    name: (
                        {"type": "string", "format": "uri"} if name in ("self", "first", "last") else nullable_string
                    )
                    for name in ("self", "first", "last", "next", "prev")
                },
            },
        },
    }
    return {
        "schemas": {
            "Placement": placement_schema,
            "PlacementPage": page_schema,
            "Error": error_schema,
            "Progress": progress_schema(),
            "Area": area_schema(),
        }
    }


def _document_skeleton() -> dict:
    json_content = lambda ref: {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}  # noqa: E731
    list_placements = {
        "summary": "Search live placements",
        "operationId": "listPlacements",
        "parameters": listing_parameters(),
        "responses": {
            "200": {"description": "A page of live placements", "content": json_content("PlacementPage")},
            "400": {"description": "A parameter is not valid", "content": json_content("Error")},
        },
    }
    one_placement = {
        "summary": "One live placement",
        "operationId": "getPlacement",
        "parameters": [
            {
                "name": "id",
                "in": "path",
                "required": True,
                "schema": {"type": "integer", "minimum": 0, "maximum": 999_999_999},
            }
        ],
        "responses": {
            "200": {"description": "The placement", "content": json_content("Placement")},
            "404": {"description": "No live placement has this id", "content": json_content("Error")},
        },
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "London Digital Apprenticeships open data",
            "version": "1.0.0",
            "description": "Live apprenticeship placements posted by London boroughs, and progress towards each recruitment "
            "cycle's targets (counts only). Only live placements whose "
            "closing date has not passed are included. Open Government Licence v3.0.",
            "license": {
                "name": "Open Government Licence v3.0",
                "url": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
            },
        },
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/placements": {"get": list_placements},
            "/progress": {
                "get": {
                    "summary": "Progress towards a recruitment cycle's targets",
                    "description": "Placements posted, live and filled, and how many people reached each stage, London-wide "
                    "and per borough. A count of people under 10 is null, so nobody can be picked out.",
                    "operationId": "getProgress",
                    "parameters": progress_parameters(),
                    "responses": {
                        "200": {"description": "The cycle's progress", "content": json_content("Progress")},
                        "400": {"description": "A parameter is not valid", "content": json_content("Error")},
                        "404": {"description": "No such cycle, or no cycle yet", "content": json_content("Error")},
                    },
                }
            },
            "/placements/{id}": {"get": one_placement},
            "/vacancies": {
                "get": {
                    **list_placements,
                    "operationId": "listPlacementsDeprecated",
                    "deprecated": True,
                    "description": DEPRECATED_DESCRIPTION.format(path="/placements"),
                }
            },
            "/vacancies/{id}": {
                "get": {
                    **one_placement,
                    "operationId": "getPlacementDeprecated",
                    "deprecated": True,
                    "description": DEPRECATED_DESCRIPTION.format(path="/placements/{id}"),
                }
            },
        },
    }


DEPRECATED_DESCRIPTION = (
    "The first name of {path}, kept so that existing users keep working: the same answers, with a "
    "Deprecation header and a Link to {path}. Use {path}."
)


def area_schema() -> dict:
    """One borough's (or London's) progress figures in the open data."""
    from .services.progress import PEOPLE_STAGES, PLACEMENT_COUNTS

    count = {"type": "integer", "minimum": 0}
    people = {"type": "integer", "minimum": 10, "nullable": True, "description": "null when under 10"}
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["name", "slug", "ons_code", "taking_part", "target", "placements", "people"],
        "properties": {
            "name": {"type": "string"},
            "slug": {"type": "string"},
            "ons_code": {"type": "string"},
            "taking_part": {"type": "boolean"},
            "target": {"type": "integer", "minimum": 0, "maximum": 10000, "nullable": True},
            "placements": {
                "type": "object",
                "additionalProperties": False,
                "required": [k for k, _ in PLACEMENT_COUNTS],
                "properties": {k: {**count, "description": label} for k, label in PLACEMENT_COUNTS},
            },
            "people": {
                "type": "object",
                "additionalProperties": False,
                "required": [k for k, _ in PEOPLE_STAGES],
                "properties": {
                    k: {**people, "description": f"{label} (null when under 10)"} for k, label in PEOPLE_STAGES
                },
            },
        },
    }


def progress_schema() -> dict:
    """A cycle's progress in the open data."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["cycle", "suppressed_below", "london", "boroughs"],
        "properties": {
            "cycle": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "name", "opens_on", "closes_on", "closed"],
                "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "opens_on": {"type": "string", "format": "date"},
                    "closes_on": {"type": "string", "format": "date"},
                    "closed": {"type": "boolean"},
                },
            },
            "suppressed_below": {"type": "integer", "description": "Counts of people under this are null"},
            "london": {"$ref": "#/components/schemas/Area"},
            "boroughs": {"type": "array", "items": {"$ref": "#/components/schemas/Area"}},
        },
    }
