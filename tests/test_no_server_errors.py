"""No 500 from any input: wrong-typed JSON, nested objects, huge numbers and control characters, sent to every
URL that takes a POST, as every role, answer 4xx or a page with the form's own error messages."""

from typing import Any

import pytest
from sqlalchemy import select

from recruit.models import Placement
from tests.factories import make_eligible, make_placement
from tests.page_checks import visible_words

ROLES = [None, "candidate", "borough_staff", "recruiter", "analyst", "admin"]
JSON_BODIES = [
    {"email": 1, "password": 2},
    {"email": {"nested": {"deeper": [1, 2, {"x": None}]}}, "password": ["a", "b"]},
    {"title": 10**400, "positions": 1e308, "hours_per_week": -(10**30), "answer": True},
    [1, 2, 3],
    "just a string",
    None,
]
FORM_BODIES = [
    {
        "email": "a\x00b@example.com",
        "password": "pass\x00word-long-enough",
        "title": "\x00\x01\x7f",
        "answer": "yes\x00",
    },
    {"positions": "9" * 500, "hours_per_week": "1e400", "wage": "-0", "placement_id": "99999999999999999999999"},
    {"title": "\u202e\ufeff\u200b", "description": "\ud7ff" * 10, "skills_text": "\t\n\r"},
]


@pytest.fixture
def app_config():
    # CSRF is off here only, so the bad bodies reach validation itself (with CSRF on they stop earlier, at 400).
    return {"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False}


def _post_urls(app, placement_id: int) -> list[str]:
    values = {
        "placement_id": placement_id,
        "suggestion_id": 1,
        "slug": "hackney",
        "reference": "ST0116",
        "token": "not-a-token",
        "key": "about-you",
        "action": "publish",
        "unknown": "anything",
    }
    urls = []
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if "POST" in rule.methods and rule.endpoint not in (
                "accounts.sign_out_everywhere",
                "candidates.delete_account",
            ):
                # any other record's id (alert_id, run_id, …) is a number, like suggestion_id
                args: dict[str, Any] = {name: values.get(name, 1) for name in rule.arguments}
                for name, converter in rule._converters.items():
                    if hasattr(converter, "items"):  # <any(a, b):name> takes one of its words
                        args[name] = sorted(converter.items)[0]
                urls.append(url_for(rule.endpoint, **args))
    return urls


@pytest.mark.parametrize("role", ROLES)
def test_wrong_typed_json_and_odd_form_values_never_cause_a_server_error(app, login_as, client, role):
    placement_id = make_placement(app)
    if role:
        user = login_as(role)
        if role == "candidate":
            make_eligible(app, user.candidate_id)
    failures = []
    for url in _post_urls(app, placement_id):
        for body in JSON_BODIES:
            response = client.post(url, json=body)
            if response.status_code >= 500:
                failures.append((url, body, response.status_code))
        for body in FORM_BODIES:
            response = client.post(url, data=body)
            if response.status_code >= 500:
                failures.append((url, body, response.status_code))
    assert failures == []


def test_json_sign_in_gets_the_forms_own_error_messages(client):
    response = client.post("/sign-in", json={"email": 1, "password": 2})
    text = visible_words(response.get_data(as_text=True))
    assert response.status_code == 200 and "There is a problem" in text and "Enter your email address" in text


def test_control_characters_are_removed_before_anything_is_saved(app, db, login_as, client):
    placement_id = make_placement(app, title="Plain title")
    login_as("borough_staff")
    page = client.get(f"/staff/placements/{placement_id}/edit").get_data(as_text=True)
    assert "Plain title" in page
    client.get("/placements/?q=data\x00base\x1b")  # a search with control characters is answered, not a 500
    response = client.get("/placements/", query_string={"q": "data\x00base"})
    assert response.status_code == 200
    assert db.session.scalar(select(Placement.title).where(Placement.id == placement_id)) == "Plain title"
