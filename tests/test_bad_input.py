"""Bad input on every form in the journey: empty, 10,000 characters, emoji, right-to-left text, 31 02 2020 and
negative numbers. Each gets a GOV.UK error (a summary linking to the field, and the message beside it), the answer
is kept as typed, and nothing gives a server error. Random input is covered by the *_fuzz.py tests."""

import re
from html import unescape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from candidate_journey import SECTION_ANSWERS, make_eligible, sign_in
from page_checks import visible_text

BAD = {
    "empty": "",
    "very long": "a" * 10_000,
    "emoji": "🙂🎉👩🏽‍💻",
    "right to left": "مرحبا بالعالم",
    "negative": "-5",
    "not a date": "31 02 2020",
}
# Each text box of the journey and the answers that go with it; the box under test gets the bad value.
TEXT_FIELDS = [
    ("/candidates/application/about-you", "first_name"),
    ("/candidates/application/about-you", "last_name"),
    ("/candidates/application/about-you", "phone"),
    ("/candidates/application/where-you-live", "postcode"),
    ("/candidates/application/where-you-live", "travel_km"),
    ("/candidates/application/when-you-can-work", "hours_per_week"),
    ("/candidates/application/how-you-heard", "campaign_code"),
]
DATE_FIELDS = [("/candidates/application/about-you", "date_of_birth"),
               ("/candidates/application/when-you-can-work", "available_from")]
# What is a real answer for a box: a name can be in any script (or have an emoji); optional boxes can be empty.
VALID = {"first_name": {"emoji", "right to left", "negative", "not a date"},
         "last_name": {"emoji", "right to left", "negative", "not a date"},
         "phone": {"empty"}, "campaign_code": {"empty", "negative"}}  # a code may hold a hyphen


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": False}


@pytest.fixture
def candidate(app, client, login_as):
    user = login_as()
    make_eligible(app, user.candidate_id)
    return user


def _answers(path: str) -> dict:
    return dict(SECTION_ANSWERS[path.rsplit("/", 1)[1]])


def _error_for(html: str, field: str) -> tuple[list[str], str]:
    """The error summary's links and the inline message beside the field."""
    summary = re.findall(r'<a href="#([^"]+)">', html.split("govuk-error-summary__list")[1].split("</ul>")[0])
    inline = re.search(rf'<p id="{field}-error" class="govuk-error-message">(.*?)</p>', html, re.S)
    return summary, visible_text(inline.group(1)) if inline else ""


@pytest.mark.parametrize("path, field", TEXT_FIELDS)
@pytest.mark.parametrize("kind", list(BAD))
def test_each_text_box_refuses_bad_input_the_govuk_way_and_keeps_it(client, candidate, path, field, kind):
    value = BAD[kind]
    response = client.post(path, data={**_answers(path), field: value})
    assert response.status_code in (200, 302), response.status_code
    if kind in VALID.get(field, ()):
        assert response.status_code == 302, (field, kind)
        return
    html = response.get_data(as_text=True)
    summary, inline = _error_for(html, field)
    assert field in summary and inline.startswith("Error:"), (field, kind, summary, inline)
    if value and len(value) <= 100:  # the answer is kept as typed (very long ones are cut at the field's limit)
        assert f'value="{value}"' in unescape(html), (field, kind)


@pytest.mark.parametrize("path, field", DATE_FIELDS)
@pytest.mark.parametrize("parts, message", [
    (["31", "2", "2020"], "must be a real date"),
    (["-1", "1", "2000"], "must be a real date"),
    (["🙂", "1", "2000"], "must be a real date"),
    (["1", "1", "20000"], "Year must include 4 numbers"),
    (["", "", ""], "Enter"),
])
def test_each_date_refuses_impossible_dates_and_keeps_the_boxes(client, candidate, path, field, parts, message):
    html = client.post(path, data={**_answers(path), field: parts}).get_data(as_text=True)
    summary, inline = _error_for(html, field)
    assert summary and message in inline, (field, parts, inline)
    for part in parts:
        if part and len(part) <= 10:
            assert f'value="{part}"' in unescape(html)


@pytest.mark.parametrize("kind", list(BAD))
def test_text_areas_keep_any_script_and_refuse_only_length(client, candidate, kind):
    value = BAD[kind]
    response = client.post("/candidates/application/skills", data={"skills_text": value})
    if kind == "very long":
        assert "Your answer must be 1000 characters or fewer" in visible_text(response.get_data(as_text=True))
    elif kind == "empty":
        assert "Select at least one skill" in visible_text(response.get_data(as_text=True))
    else:
        assert response.status_code == 302


text_values = st.one_of(st.sampled_from(list(BAD.values())), st.text(max_size=40))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(st.sampled_from(["email", "password", "next"]), text_values, max_size=3),
       path=st.sampled_from(["/sign-in", "/register", "/forgot-password"]))
def test_account_forms_take_any_of_the_bad_inputs_without_a_server_error(client, data, path):
    assert client.post(path, data=data).status_code in (200, 302, 400)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(st.sampled_from(["title", "standard", "description", "wage_amount", "wage_unit",
                                             "hours_per_week", "positions", "start_date", "closing_date",
                                             "workplace_postcode"]), text_values, max_size=10))
def test_the_staff_placement_form_takes_any_of_the_bad_inputs_without_a_server_error(app, client, make_user, data):
    sign_in(client, make_user("borough_staff", "hackney"))
    response = client.post("/staff/placements/new/details", data={"standard": "ST0116", **data})
    assert response.status_code in (200, 302, 400)
