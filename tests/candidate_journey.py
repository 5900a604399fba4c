"""Helpers for the candidate journey tests: signing in, posting forms and a complete application."""

import re

from recruit.extensions import db
from tests.factories import START, make_eligible, make_placement
from tests.page_checks import first_match

ELIGIBLE_ANSWERS = {
    "age": "yes",
    "left_school": "yes",
    "right_to_work": "yes",
    "residence": "yes",
    "full_time_education": "no",
    "apprenticeship": "no",
}

SECTION_ANSWERS: dict[str, dict[str, object]] = {
    "about-you": {
        "first_name": "Zephyrine",
        "last_name": "Quillfeather",
        "preferred_name": "Zeph",
        "phone": "07700 900 982",
        "date_of_birth": ["14", "3", "2005"],
    },
    "where-you-live": {"postcode": "E8 1DY", "travel_km": "10"},
    "when-you-can-work": {
        "hours_per_week": "35",
        "available_from": [str(START.day), str(START.month), str(START.year)],
    },
    "skills": {"skills_data": ["SQL", "Excel"], "skills_text": "I built a website for my cousin's cake shop"},
    "interests": {"interests": ["ST0116", "ST0118"]},
    "qualifications": {"highest_level": "3", "english_maths": "both", "digital": "yes", "digital_level": "2"},
    "support": {"interview_adjustments": "Questions in advance, please", "guaranteed_interview": "yes"},
    "how-you-heard": {"outreach_channel": "social_media", "campaign_code": "SPRING26"},
}


# The password every test user has (conftest's TEST_PASSWORD; conftest cannot be imported: tests/matching has one too).
TEST_PASSWORD = "correct-horse-battery-staple"


def sign_in(client, user, *, second_factor_done: bool = True) -> None:
    """Sign a test client in as `user` without the (deliberately slow) password check: a real server-side session
    is recorded, as the sign-in page records one; staff have passed their second factor in it unless told not to."""
    from recruit.models import User
    from recruit.services.sessions import start_session

    with client.application.app_context():
        token = start_session(db.session.get_one(User, user.id), second_factor_done=second_factor_done)
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
        session["sid"] = token


def csrf_token(client, path="/apply/eligibility/age") -> str:
    """A CSRF token for this client's session (any page with a form gives one)."""
    html = client.get(path).get_data(as_text=True)
    return first_match(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


class Poster:
    """Posts forms with the session's CSRF token, as a browser would."""

    def __init__(self, client):
        self.client = client
        self._token = None

    def __call__(self, path: str, data: dict | None = None, **kwargs):
        if self._token is None:
            self._token = csrf_token(self.client)
        return self.client.post(path, data={"csrf_token": self._token, **(data or {})}, **kwargs)


def complete_sections(post, placement_id: int | None = None) -> None:
    """Fill in every section through the forms (the skills free text and checkboxes included), choosing a placement
    (`placement_id`, or a new one; 0 chooses none)."""
    for key, answers in SECTION_ANSWERS.items():
        response = post(f"/candidates/application/{key}", answers)
        assert response.status_code == 302, (key, _errors(response))
        if key == "where-you-live":
            response = post("/candidates/application/where-you-live/borough", {"home": "suggested"})
            assert response.status_code == 302
    if placement_id is None:
        placement_id = make_placement(post.client.application, title="A placement chosen to complete the application")
    if placement_id:
        assert post("/candidates/choices/add", {"placement_id": str(placement_id)}).status_code == 302
    response = post("/candidates/choices", {"consider_other": "yes"})
    assert response.status_code == 302


def send_application(
    app, client, candidate_id: int, placement_title: str, equality_answers: dict
) -> tuple[Poster, int]:
    """The signed-in candidate becomes eligible, fills in every section choosing a new placement (titled
    `placement_title`), sends the application and answers equality questions; returns their Poster and the placement."""
    make_eligible(app, candidate_id)
    post = Poster(client)
    placement_id = make_placement(app, title=placement_title)
    complete_sections(post, placement_id)
    assert post("/candidates/application/check", {"declaration": "agreed"}).status_code == 302
    for key, answer in equality_answers.items():
        assert post(f"/candidates/equality-questions/{key}", {"answer": answer}).status_code == 302
    return post, placement_id


def _errors(response) -> list:
    """The error summary's messages, for readable assertion failures."""
    html = response.get_data(as_text=True)
    if "govuk-error-summary__list" not in html:
        return [response.status_code, html[-2000:]]
    return re.findall(r'<a href="#[^"]*">([^<]*)</a>', html.split("govuk-error-summary__list")[1].split("</ul>")[0])
