"""No 500 on any input: random data posted to every form of the candidate journey (CSRF off for this module only)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.candidate_journey import SECTION_ANSWERS, sign_in
from tests.factories import make_eligible, make_placement


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": False}


FORMS = {
    "/apply/eligibility/age": ["answer"],
    "/apply/eligibility/residence": ["answer"],
    "/candidates/application/about-you": ["first_name", "last_name", "preferred_name", "phone", "date_of_birth"],
    "/candidates/application/where-you-live": ["postcode", "travel_km"],
    "/candidates/application/where-you-live/borough": ["home", "other_borough"],
    "/candidates/application/when-you-can-work": ["hours_per_week", "available_from"],
    "/candidates/application/skills": ["skills_data", "skills_software", "skills_text"],
    "/candidates/application/interests": ["interests"],
    "/candidates/application/qualifications": ["highest_level", "english_maths", "digital", "digital_level"],
    "/candidates/application/support": ["interview_adjustments", "guaranteed_interview"],
    "/candidates/application/how-you-heard": ["outreach_channel", "campaign_code"],
    "/candidates/choices": ["consider_other"],
    "/candidates/choices/add": ["placement_id", "next"],
    "/candidates/choices/remove": ["placement_id"],
    "/candidates/choices/move": ["placement_id", "direction"],
    "/candidates/application/check": ["declaration"],
    "/candidates/equality-questions/ethnicity": ["answer"],
    "/candidates/equality-questions/long_term_condition": ["answer"],
    "/candidates/equality-questions/withdraw": ["submit"],
    "/candidates/withdraw": ["submit"],
}

texts = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "1e9",
            "99999999999999999999",
            "31",
            "2",
            "2005",
            "yes",
            "no",
            "other",
            "E8 1DY",
            "SW1A",
            "ZZ99 9ZZ",
            "hackney",
            "ST0116",
            "SQL",
            "up",
            "down",
            "agreed",
            "prefer_not_to_say",
            "\x00",
            "<script>alert(1)</script>",
            "'; DROP TABLE candidate; --",
            "٣",
            "²",
            "𝟘",
            "a" * 10_000,
            "🙂🎉👩🏽‍💻",
            "مرحبا بالعالم",
            "31 02 2020",
            "-5",
            "-30",
        ]
    ),
)
form_data = st.fixed_dictionaries(
    {},
    optional={
        name: st.lists(texts, max_size=4)
        for name in {field for fields in FORMS.values() for field in fields} | {"junk"}
    },
)


@pytest.fixture(params=["draft", "submitted"])
def fuzz_client(request, app, client, make_user):
    """A signed-in candidate with a draft, or with a sent application (so the monitoring forms are reachable)."""
    from datetime import date

    from recruit.models import utcnow

    user = make_user("candidate")
    sent = (
        {"status": "submitted", "submitted_at": utcnow(), "date_of_birth": date(2005, 1, 2)}
        if request.param == "submitted"
        else {}
    )
    make_eligible(app, user.candidate_id, **sent)
    make_placement(app)
    sign_in(client, user)
    client.post("/candidates/application/where-you-live", data=SECTION_ANSWERS["where-you-live"])
    return client


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.sampled_from(sorted(FORMS)),
    data=form_data,
    query=st.dictionaries(st.sampled_from(["return", "page", "borough", "ref", "next"]), texts, max_size=2),
)
def test_no_form_in_the_journey_gives_a_server_error(fuzz_client, path, data, query):
    response = fuzz_client.post(path, data=data, query_string=query)
    assert response.status_code < 500, (path, data, response.get_data(as_text=True)[-1500:])
    get = fuzz_client.get(path.replace("/remove", "").replace("/move", "").replace("/add", ""), query_string=query)
    assert get.status_code < 500


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.sampled_from(
        ["/apply/eligibility/age", "/apply/eligibility/residence", "/apply/eligibility/you-can-apply"]
    ),
    data=form_data,
)
def test_eligibility_forms_never_fail_without_an_account(app, path, data):
    response = app.test_client().post(path, data=data)
    assert response.status_code < 500
