"""Equality monitoring: optional, after submitting, stored under a keyed pseudonym, changeable and withdrawable."""

import pathlib
import re
from datetime import date

import pytest

from recruit.extensions import db
from recruit.models import Candidate, MonitoringResponse
from recruit.services.monitoring import age_band, pseudonym

from candidate_journey import Poster, make_eligible


@pytest.fixture
def submitted(app, client, login_as):
    """A signed-in candidate whose application has been sent."""
    from recruit.models import utcnow

    user = login_as()
    make_eligible(app, user.candidate_id, status="submitted", submitted_at=utcnow(), date_of_birth=date(2004, 5, 6),
                  first_name="Marisol")
    return user


@pytest.fixture
def post(client):
    return Poster(client)


def _row(app, candidate_id):
    with app.app_context():
        return db.session.scalar(db.select(MonitoringResponse).where(MonitoringResponse.pseudonym == pseudonym(candidate_id)))


def test_questions_only_open_after_submitting(app, client, login_as):
    user = login_as()
    make_eligible(app, user.candidate_id)
    assert client.get("/candidates/equality-questions").headers["Location"] == "/candidates/"
    assert client.get("/candidates/equality-questions/ethnicity").headers["Location"] == "/candidates/"


def test_start_page_explains_why_we_ask_and_that_nobody_who_decides_sees_them(client, submitted):
    page = client.get("/candidates/equality-questions").get_data(as_text=True)
    assert "Who sees your answers" in page and "Nobody who decides on applications" in page
    assert "optional" in page and 'href="/candidates/equality-questions/ethnicity"' in page


def test_every_question_is_optional_with_prefer_not_to_say(app, client, submitted, post):
    from recruit.reference import equality_questions

    asked = [q for q in equality_questions() if q["key"] != "age_band"]
    for question in asked:
        if "asked_if" in question:
            continue
        page = client.get(f"/candidates/equality-questions/{question['key']}").get_data(as_text=True)
        assert question["question"].replace("'", "&#39;") in page and "Prefer not to say" in page
        response = post(f"/candidates/equality-questions/{question['key']}", {})  # skipped: no error
        assert response.status_code == 302
    assert _row(app, submitted.candidate_id) is None  # nothing answered, nothing stored


def test_answers_are_stored_under_the_pseudonym_with_a_derived_age_band(app, client, submitted, post):
    response = post("/candidates/equality-questions/ethnicity", {"answer": "black_african"})
    assert response.headers["Location"] == "/candidates/equality-questions/sex"
    post("/candidates/equality-questions/sex", {"answer": "prefer_not_to_say"})
    row = _row(app, submitted.candidate_id)
    with app.app_context():
        submitted_on = db.session.get(Candidate, submitted.candidate_id).submitted_at.date()
    assert row.answers == {"ethnicity": "black_african", "sex": "prefer_not_to_say",
                           "age_band": age_band(date(2004, 5, 6), submitted_on)}
    assert row.pseudonym != str(submitted.candidate_id) and len(row.pseudonym) == 64
    assert not any(c.name.startswith("candidate") or c.name == "user_id" for c in MonitoringResponse.__table__.columns)


def test_forged_answer_is_refused_with_a_message(app, client, submitted, post):
    response = post("/candidates/equality-questions/sex", {"answer": "not-an-option"})
    assert response.status_code == 200 and "Select an answer, or select Prefer not to say" in response.get_data(as_text=True)
    assert _row(app, submitted.candidate_id) is None


def test_conditional_question_is_only_asked_when_it_applies(app, client, submitted, post):
    assert client.get("/candidates/equality-questions/condition_reduces_activity").status_code == 404
    response = post("/candidates/equality-questions/long_term_condition", {"answer": "no"})
    assert response.headers["Location"] == "/candidates/equality-questions/religion"
    response = post("/candidates/equality-questions/long_term_condition", {"answer": "yes"})
    assert response.headers["Location"] == "/candidates/equality-questions/condition_reduces_activity"
    post("/candidates/equality-questions/condition_reduces_activity", {"answer": "a_little"})
    assert _row(app, submitted.candidate_id).answers["condition_reduces_activity"] == "a_little"
    # Changing the first answer drops the follow-up: it no longer applies.
    post("/candidates/equality-questions/long_term_condition", {"answer": "prefer_not_to_say"})
    assert "condition_reduces_activity" not in _row(app, submitted.candidate_id).answers


def test_candidate_sees_and_changes_their_answers_then_withdraws_them(app, client, submitted, post):
    post("/candidates/equality-questions/religion", {"answer": "buddhist"})
    page = client.get("/candidates/equality-questions").get_data(as_text=True)
    assert "Buddhist" in page and "Age group" in page and "Delete my equality answers" in page
    post("/candidates/equality-questions/religion", {"answer": "none"})
    assert _row(app, submitted.candidate_id).answers["religion"] == "none"
    assert "Are you sure" in client.get("/candidates/equality-questions/withdraw").get_data(as_text=True)
    post("/candidates/equality-questions/withdraw", {})
    assert _row(app, submitted.candidate_id) is None


def test_answers_never_appear_on_application_pages(app, client, submitted, post):
    post("/candidates/equality-questions/religion", {"answer": "buddhist"})
    post("/candidates/equality-questions/ethnicity", {"answer": "asian_bangladeshi"})
    for path in ("/candidates/", "/candidates/choices"):
        page = client.get(path).get_data(as_text=True)
        assert "Buddhist" not in page and "Bangladeshi" not in page and "buddhist" not in page


def test_only_monitoring_and_reporting_code_reads_monitoring_answers():
    root = pathlib.Path(__file__).resolve().parent.parent / "recruit"
    allowed = {"models.py", "services/monitoring.py", "demo.py"}
    offenders = []
    for path in root.rglob("*.py"):
        relative = path.relative_to(root).as_posix()
        if relative in allowed or relative.startswith(("reports", "services/reports")):
            continue
        if re.search(r"\bMonitoringResponse\b", path.read_text(encoding="utf-8")):
            offenders.append(relative)
    assert offenders == []
