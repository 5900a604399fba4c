"""Random data posted to every account form never causes a server error."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FORMS = ["/sign-in", "/register", "/forgot-password", "/sign-out"]
FIELD_NAMES = ["email", "password", "submit", "csrf_token", "next", "x"]
values = st.one_of(st.text(max_size=300), st.binary(max_size=200).map(lambda b: b.decode("latin-1")))
payloads = st.dictionaries(st.sampled_from(FIELD_NAMES), st.one_of(values, st.lists(values, max_size=3)), max_size=6)


@pytest.fixture
def app_config():
    # CSRF is switched off here only, so the random payloads reach the form validation itself.
    return {"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(FORMS), data=payloads, query=st.text(max_size=40))
def test_random_form_posts_get_a_page_not_a_server_error(client, path, data, query):
    response = client.post(path, data=data, query_string={"next": query})
    assert response.status_code < 500
    assert response.status_code in (200, 302, 400, 413)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    token=st.text(min_size=1, max_size=200).filter(lambda t: "/" not in t and "\\" not in t and t not in (".", ".."))
)
def test_random_tokens_in_links_are_refused_politely(client, token):
    for path in (f"/confirm-email/{token}", f"/reset-password/{token}"):
        response = client.get(path)
        assert response.status_code in (400, 404), path
