"""Bad input on every form of the service, for every role: empty, 10,000 characters, emoji, right-to-left text,
31 02 2020 and negative numbers. Each gets a GOV.UK error (a summary linking to the field, and the message beside it),
the answer is kept as typed, and nothing gives a server error. Random input to every form: the hypothesis tests at the
end (and the *_fuzz.py tests)."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import unescape
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.candidate_journey import SECTION_ANSWERS, complete_sections, sign_in
from tests.factories import make_eligible
from tests.hiring_world import hiring_world
from tests.page_checks import first_match, visible_text
from tests.placement_form import date_boxes, form_data

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
DATE_FIELDS = [
    ("/candidates/application/about-you", "date_of_birth"),
    ("/candidates/application/when-you-can-work", "available_from"),
]
# What is a real answer for a box: a name can be in any script (or have an emoji); optional boxes can be empty.
VALID = {
    "first_name": {"emoji", "right to left", "negative", "not a date"},
    "last_name": {"emoji", "right to left", "negative", "not a date"},
    "phone": {"empty"},
    "campaign_code": {"empty", "negative"},
}  # a code may hold a hyphen


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False}


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
@pytest.mark.parametrize(
    "parts, message",
    [
        (["31", "2", "2020"], "must be a real date"),
        (["-1", "1", "2000"], "must be a real date"),
        (["🙂", "1", "2000"], "must be a real date"),
        (["1", "1", "20000"], "Year must include 4 numbers"),
        (["", "", ""], "Enter"),
    ],
)
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
        assert "Your answer must be 1,000 characters or fewer" in visible_text(response.get_data(as_text=True))
    elif kind == "empty":
        assert "Select at least one thing you have done or enjoy" in visible_text(response.get_data(as_text=True))
    else:
        assert response.status_code == 302


# --- Every other form, for every role ------------------------------------------------------------------------------

TODAY = date.today()
WORDS = {"emoji", "right to left", "negative", "not a date"}  # what a person may write in a box of free text
# WTForms' own messages, which name no field and are not GOV.UK's: every box has a message of ours instead.
LIBRARY_MESSAGES = ("Not a valid choice", "This field is required", "Invalid value", "Field must be", "Not a valid")


@dataclass(frozen=True)
class Form:
    """A form: who fills it in, where, a complete set of real answers, and its boxes.

    A box's kind says what a bad answer must get: "text" an error beside it and the answer kept as typed; "date" the
    same for its three boxes; "choice" (radios and checkboxes: a forged option, or none chosen) and "select" (a
    drop-down: a forged option, or its first, empty one) an error beside it; "secret" (a password or code, never shown
    again) an error beside it; "hidden" (a button's value) a message on the page.
    `valid` lists the bad kinds that are a real answer for a box (a name may be in any script)."""

    who: str
    path: Callable
    answers: Callable
    fields: dict
    valid: dict = field(default_factory=dict)
    method: str = "post"
    ids: dict = field(default_factory=dict)  # a box whose element id is not its name


def _fixed(answers: dict) -> Callable:
    return lambda world, client, path: dict(answers)


def _version(world, client, path) -> str:
    """The version of the suggestion the page shows, as its form posts it."""
    html = client.get(path).get_data(as_text=True)
    return first_match(r'name="version" type="hidden" value="(\d+)"', html).group(1)


def _with_version(answers: dict) -> Callable:
    return lambda world, client, path: {"version": _version(world, client, path), **answers}


def _score_sheet(world, client, path) -> dict:
    """A score and evidence for each of the placement's criteria (their ids are in the page's boxes)."""
    ids = sorted(set(re.findall(r'name="score_(\d+)"', client.get(path).get_data(as_text=True))))
    return {name: value for i in ids for name, value in ((f"score_{i}", "3"), (f"evidence_{i}", "Explained a bug fix"))}


class _Post:
    """Posts with the client, as complete_sections expects of a Poster (CSRF is off in this module)."""

    def __init__(self, client):
        self.client = client

    def __call__(self, to, data=None, **kwargs):
        return self.client.post(to, data=data, **kwargs)


def _complete_application(world, client, path) -> dict:
    complete_sections(_Post(client), world.placement)
    return {"declaration": "agreed"}


def _with_choice(world, client, path) -> dict:
    client.post("/candidates/choices/add", data={"placement_id": str(world.placement)})
    return {"consider_other": "yes"}


def _after_postcode(world, client, path) -> dict:
    client.post("/candidates/application/where-you-live", data=SECTION_ANSWERS["where-you-live"])
    return {"home": "other", "other_borough": "camden"}


# The staff placement form's answers, starting sooner and without the Disability Confident box.
PLACEMENT = form_data(
    start_date=date_boxes(TODAY + timedelta(days=90)),
    disability_confident=None,
    adjustments_contact="jobs@hackney.example",
)
PLACEMENT_BOXES = {
    "title": "text",
    "description": "text",
    "skills_text": "text",
    "wage_amount": "text",
    "wage_unit": "choice",
    "hours_per_week": "text",
    "positions": "text",
    "start_date": "date",
    "closing_date": "date",
    "workplace_postcode": "text",
    "training_provider": "text",
    "adjustments_contact": "text",
    "skills": "choice",
}
PLACEMENT_VALID = {
    "title": WORDS,
    "description": WORDS,
    "skills_text": WORDS | {"empty"},
    "training_provider": WORDS,
    "adjustments_contact": WORDS,
    "skills": {"empty"},
}
STANDARD = {
    "title": "Robot care",
    "level": "3",
    "duration_months": "18",
    "keywords": "Robots\nOil",
    "summary": "Look after robots.",
}
STANDARD_BOXES = {"title": "text", "level": "select", "duration_months": "text", "keywords": "text", "summary": "text"}
STANDARD_VALID = {"title": WORDS, "keywords": WORDS, "summary": WORDS}
CYCLE_BOXES = {"name": "text", "opens_on": "date", "closes_on": "date", "target": "text"}

FORMS = {
    # Candidates: the application's choices and radios (its text boxes and dates are tested above)
    "support": Form(
        "draft",
        lambda w: "/candidates/application/support",
        _fixed(SECTION_ANSWERS["support"]),
        {"interview_adjustments": "text", "guaranteed_interview": "choice"},
        {"interview_adjustments": WORDS | {"empty"}},
    ),
    "skills": Form(
        "draft",
        lambda w: "/candidates/application/skills",
        _fixed(SECTION_ANSWERS["skills"]),
        {"skills_data": "choice", "skills_software": "choice"},
        {"skills_data": {"empty"}, "skills_software": {"empty"}},
    ),  # the free text is enough
    "interests": Form(
        "draft",
        lambda w: "/candidates/application/interests",
        _fixed(SECTION_ANSWERS["interests"]),
        {"interests": "choice"},
    ),
    "qualifications": Form(
        "draft",
        lambda w: "/candidates/application/qualifications",
        _fixed(SECTION_ANSWERS["qualifications"]),
        {"highest_level": "choice", "english_maths": "choice", "digital": "choice", "digital_level": "select"},
    ),
    "how you heard": Form(
        "draft",
        lambda w: "/candidates/application/how-you-heard",
        _fixed(SECTION_ANSWERS["how-you-heard"]),
        {"outreach_channel": "choice"},
    ),
    "home borough": Form(
        "draft",
        lambda w: "/candidates/application/where-you-live/borough",
        _after_postcode,
        {"home": "choice", "other_borough": "select"},
    ),
    "choices": Form("draft", lambda w: "/candidates/choices", _with_choice, {"consider_other": "choice"}),
    "add a choice": Form(
        "draft",
        lambda w: "/candidates/choices/add",
        lambda w, c, p: {"placement_id": str(w.placement)},
        {"placement_id": "hidden"},
    ),
    "declaration": Form(
        "draft", lambda w: "/candidates/application/check", _complete_application, {"declaration": "choice"}
    ),
    "eligibility": Form("nobody", lambda w: "/apply/eligibility/age", _fixed({"answer": "yes"}), {"answer": "choice"}),
    "equality question": Form(
        "suggested",
        lambda w: "/candidates/equality-questions/ethnicity",
        _fixed({"answer": "arab"}),
        {"answer": "choice"},
        {"answer": {"empty"}},
    ),  # every question is optional
    "placement search": Form(
        "nobody",
        lambda w: "/placements/",
        _fixed({"postcode": "E8 1DY", "distance": "10"}),
        {
            "q": "text",
            "postcode": "text",
            "distance": "select",
            "borough": "select",
            "level": "select",
            "standard": "select",
            "sort": "select",
        },
        {
            "q": WORDS | {"empty"},
            "distance": {"empty"},
            "borough": {"empty"},
            "level": {"empty"},
            "standard": {"empty"},
            "sort": {"empty"},
        },
        method="get",
    ),
    "alert": Form(
        "suggested",
        lambda w: "/alerts/new",
        _fixed({"borough": "hackney", "postcode": "E8 1DY", "distance": "5"}),
        {"postcode": "text", "distance": "select", "borough": "select", "level": "select", "standard": "select"},
        {"distance": {"empty"}, "borough": {"empty"}, "level": {"empty"}, "standard": {"empty"}},
    ),
    # Candidates: hiring
    "book an interview": Form(
        "shortlisted",
        lambda w: f"/candidates/suggestions/{w.suggestion['shortlisted']}/interview",
        lambda w, c, p: {"slot": str(w.slot)},
        {"slot": "choice"},
    ),
    "no time suits": Form(
        "shortlisted",
        lambda w: f"/candidates/suggestions/{w.suggestion['shortlisted']}/interview/no-time-suits",
        _fixed({"message": "Any weekday after 3pm"}),
        {"message": "text"},
        {"message": WORDS | {"empty"}},
    ),
    # Accounts
    "sign in": Form(
        "nobody",
        lambda w: "/sign-in",
        lambda w, c, p: {"email": w.staff.email, "password": "not it"},
        {"email": "text", "password": "secret"},
        {"password": WORDS | {"very long"}},
    ),  # a wrong password is refused at the email address
    "register": Form(
        "nobody",
        lambda w: "/register",
        _fixed({"email": "new.person@test.example", "password": "a long new password 2026"}),
        {"email": "text", "password": "secret"},
        {"password": {"right to left"}},
    ),  # 13 characters in any script make a password
    "forgot password": Form(
        "nobody", lambda w: "/forgot-password", _fixed({"email": "new.person@test.example"}), {"email": "text"}
    ),
    "reset password": Form(
        "nobody",
        lambda w: f"/reset-password/{w.reset_token}",
        _fixed({"password": "a long new password 2026"}),
        {"password": "secret"},
        {"password": {"right to left"}},
    ),
    "second factor": Form("pending", lambda w: "/second-factor", _fixed({"code": "000000"}), {"code": "secret"}),
    "set up a second factor": Form(
        "no second factor", lambda w: "/second-factor/set-up", _fixed({"code": "000000"}), {"code": "secret"}
    ),
    # Recruiters
    "interview time": Form(
        "recruiter",
        lambda w: f"/recruiters/placements/{w.placement}/interviews/new",
        lambda w, c, p: {
            "day": date_boxes(TODAY + timedelta(days=5)),
            "start": "2:30pm",
            "minutes": "45",
            "place": "Hackney Town Hall",
            "video_link": "",
            "capacity": "2",
            "interviewers": [str(w.recruiter.id)],
        },
        {
            "day": "date",
            "start": "text",
            "minutes": "text",
            "place": "text",
            "video_link": "text",
            "capacity": "text",
            "interviewers": "choice",
        },
        {"place": WORDS, "video_link": {"empty"}},
    ),
    "criteria": Form(
        "recruiter",
        lambda w: f"/recruiters/placements/{w.placement}/criteria",
        _fixed({"criterion_1": "Motivation", "criterion_2": "Teamwork", "criterion_3": "Problem solving"}),
        {"criterion_1": "text", "criterion_4": "text"},
        {"criterion_1": WORDS, "criterion_4": WORDS | {"empty"}},
    ),
    "scores": Form(
        "recruiter",
        lambda w: f"/recruiters/suggestions/{w.suggestion['interview']}/scores",
        _score_sheet,
        {"score_{}": "choice", "evidence_{}": "text"},
        {"evidence_{}": WORDS},
    ),
    "offer": Form(
        "recruiter",
        lambda w: f"/recruiters/suggestions/{w.suggestion['interview']}/offer",
        _with_version(
            {
                "respond_by": date_boxes(TODAY + timedelta(days=5)),
                "start_date": date_boxes(TODAY + timedelta(days=40)),
                "contact": "Sam Patel",
            }
        ),
        {"respond_by": "date", "start_date": "date", "contact": "text"},
        {"contact": WORDS},
    ),
    "start date": Form(
        "recruiter",
        lambda w: f"/recruiters/suggestions/{w.suggestion['accepted']}/start",
        _with_version({"started_on": date_boxes(TODAY)}),
        {"started_on": "date"},
    ),
    "reject": Form(
        "recruiter",
        lambda w: f"/recruiters/suggestions/{w.suggestion['suggested']}/reject",
        _with_version({"reason": "skills", "feedback": "Good effort"}),
        {"reason": "choice", "feedback": "text"},
        {"feedback": WORDS},
    ),
    "bulk decision": Form(
        "recruiter",
        lambda w: f"/recruiters/placements/{w.placement}/bulk",
        lambda w, c, p: {"selected": [f"{w.suggestion['suggested']}:1"], "action": "shortlist"},
        {"selected": "choice", "action": "hidden"},
    ),
    "bulk rejection": Form(
        "recruiter",
        lambda w: f"/recruiters/placements/{w.placement}/bulk-reject",
        lambda w, c, p: {"selected": [f"{w.suggestion['suggested']}:1"], "reason": "skills", "feedback": "Good effort"},
        {"selected": "hidden", "reason": "choice", "feedback": "text"},
        {"feedback": WORDS},
    ),
    # Borough staff
    "new placement": Form(
        "staff",
        lambda w: "/staff/placements/new/details?standard=ST0116",
        _fixed(PLACEMENT),
        PLACEMENT_BOXES,
        PLACEMENT_VALID,
    ),
    "change a placement": Form(
        "staff", lambda w: f"/staff/placements/{w.placement}/edit", _fixed(PLACEMENT), PLACEMENT_BOXES, PLACEMENT_VALID
    ),
    "placement standard": Form(
        "staff", lambda w: "/staff/placements/new", _fixed({"standard": "ST0116"}), {"standard": "choice"}
    ),
    # Admins
    "invite a user": Form(
        "admin",
        lambda w: "/admin/users/invite",
        _fixed({"email": "new.person@test.example", "role": "recruiter", "borough": "hackney"}),
        {"email": "text", "role": "choice", "borough": "select"},
    ),
    "user role": Form(
        "admin",
        lambda w: f"/admin/users/{w.staff.id}",
        _fixed({"role": "recruiter", "borough": "hackney"}),
        {"role": "choice", "borough": "select"},
    ),
    "borough": Form(
        "admin",
        lambda w: "/admin/boroughs/hackney",
        _fixed({"taking_part": "y", "contact_email": "jobs@hackney.example", "contact_phone": "020 7946 0000"}),
        {"contact_email": "text", "contact_phone": "text"},
        {"contact_email": {"empty"}, "contact_phone": {"empty"}},
    ),
    "new standard": Form(
        "admin",
        lambda w: "/admin/standards/new",
        _fixed({"reference": "ST9998", **STANDARD}),
        {"reference": "text", **STANDARD_BOXES},
        STANDARD_VALID,
    ),
    "change a standard": Form(
        "admin",
        lambda w: "/admin/standards/ST0116",
        _fixed({"reference": "ST0116", **STANDARD}),
        STANDARD_BOXES,
        STANDARD_VALID,
    ),
    "new cycle": Form(
        "admin",
        lambda w: "/admin/cycles/new",
        _fixed(
            {"name": "2032 to 2033", "opens_on": ["1", "9", "2032"], "closes_on": ["31", "8", "2033"], "target": "100"}
        ),
        CYCLE_BOXES,
        {"name": WORDS},
    ),
    "change a cycle": Form(
        "admin",
        lambda w: f"/admin/cycles/{w.cycle}/edit",
        _fixed(
            {"name": "2030 to 2031", "opens_on": ["1", "9", "2030"], "closes_on": ["31", "8", "2031"], "target": "100"}
        ),
        CYCLE_BOXES,
        {"name": WORDS},
    ),
    "borough targets": Form(
        "admin",
        lambda w: f"/admin/cycles/{w.cycle}",
        _fixed({"hackney": "20"}),
        {"hackney": "text"},
        {"hackney": {"empty"}},
        ids={"hackney": "target-hackney"},
    ),
    "match run": Form(
        "admin",
        lambda w: "/admin/match-runs",
        _fixed({"round": "2", "seed": "7"}),
        {"round": "choice", "seed": "text"},
        {"seed": {"empty"}},
    ),
    "audit filter": Form(
        "admin",
        lambda w: "/admin/audit",
        _fixed({"who": "admin"}),
        {
            "who": "text",
            "entity_id": "text",
            "date_from": "text",
            "date_to": "text",
            "action": "select",
            "entity_type": "select",
        },
        {
            "who": WORDS | {"empty"},
            "entity_id": {"empty"},
            "date_from": {"empty"},
            "date_to": {"empty"},
            "action": {"empty"},
            "entity_type": {"empty"},
        },
        method="get",
    ),
}


def _bad(kind: str, box: str):
    """The bad answer of this kind for a box of this kind (a date's kinds go in its day box)."""
    if box == "date":
        return {"empty": ["", "", ""], "not a date": ["31", "02", "2020"]}.get(kind, [BAD[kind], "1", "2031"])
    return BAD[kind]


def _refusal(html: str, element_id: str) -> tuple[list[str], str]:
    """The error summary's links, and the message beside the box."""
    links = (
        re.findall(r'<a href="#([^"]+)">', html.split("govuk-error-summary__list")[1].split("</ul>")[0])
        if "govuk-error-summary__list" in html
        else []
    )
    inline = re.search(rf'<p id="{re.escape(element_id)}-error" class="govuk-error-message">(.*?)</p>', html, re.S)
    return links, visible_text(inline.group(1)) if inline else ""


def _kept(html: str, value) -> bool:
    """Whether each part of the answer is in the page again, in its box, as typed."""
    page = unescape(html)
    return all(
        f'value="{part}"' in page or re.search(rf">\s*{re.escape(part)}</textarea>", page)
        for part in (value if isinstance(value, list) else [value])
        if part
    )


def _client_for(app, world, who: str):
    client = app.test_client()
    if who != "nobody":
        user = getattr(world, who.replace(" ", "_"), None) or SimpleNamespace(id=world.candidate[who].user_id)
        sign_in(client, user, second_factor_done=who != "pending")
    return client


@pytest.fixture
def world(app, make_user):
    """The hiring world, with a draft application, a staff member yet to pass or set up their second factor, and a
    password reset link."""
    from recruit.models import User
    from recruit.services.accounts import make_token

    made = hiring_world(app, make_user)
    made.draft = make_user("candidate")
    make_eligible(app, made.draft.candidate_id)
    made.pending = make_user("recruiter", "hackney")
    made.no_second_factor = make_user("recruiter", "hackney", totp_secret=None, totp_enabled_at=None)
    with app.app_context():
        from recruit.extensions import db

        made.reset_token = make_token(db.session.get(User, made.staff.id), "reset")
    return made


def _cases(form: Form, answers: dict) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """Each (box, kind): the bad answers to refuse first, then the ones that are real answers (which may change
    what the form does next, like a slot that now overlaps)."""
    boxes = {
        name.format(number): kind
        for name, kind in form.fields.items()
        for number in (sorted({key.rsplit("_", 1)[1] for key in answers}) if "{}" in name else [""])
    }
    cases = [(name, bad) for name in boxes for bad in BAD]
    refused = [(name, bad) for name, bad in cases if bad not in _valid(form, name)]
    return [*refused, *(case for case in cases if case not in refused)], boxes


def _valid(form: Form, name: str) -> set:
    """The bad kinds that are real answers for a box (score_3 is a "score_{}" box)."""
    return form.valid.get(name, form.valid.get(re.sub(r"_\d+$", "_{}", name), set()))


@pytest.mark.parametrize("name", list(FORMS))
def test_every_form_refuses_bad_input_the_govuk_way_and_keeps_it(app, world, name):
    form = FORMS[name]
    client = _client_for(app, world, form.who)
    path = form.path(world)
    answers = form.answers(world, client, path)
    cases, boxes = _cases(form, answers)
    for box, kind in cases:
        value = _bad(kind, boxes[box])
        # Radios and checkboxes with none chosen send nothing; everything else sends what is in the box.
        data = (
            {**answers, box: value}
            if (kind, boxes[box]) != ("empty", "choice")
            else {key: answer for key, answer in answers.items() if key != box}
        )
        response = client.get(path, query_string=data) if form.method == "get" else client.post(path, data=data)
        assert response.status_code < 500, (name, box, kind)
        element_id = form.ids.get(box, box)
        if kind in _valid(form, box):
            html = response.get_data(as_text=True) if response.status_code == 200 else ""
            assert not _refusal(html, element_id)[1], (name, box, kind, "refused a real answer")
            continue
        if boxes[box] == "hidden":  # a button's value: the page it leads to says what went wrong
            page = client.post(path, data=data, follow_redirects=True).get_data(as_text=True)
            assert "govuk-error-summary" in page or 'class="govuk-notification-banner"' in page, (name, box, kind)
            continue
        assert response.status_code == 200, (name, box, kind, response.headers.get("Location"))
        html = response.get_data(as_text=True)
        links, inline = _refusal(html, element_id)
        assert any(link == element_id or link.startswith(f"{element_id}-") for link in links), (name, box, kind, links)
        assert inline.startswith("Error:") and len(inline) > len("Error: "), (name, box, kind, inline)
        assert not any(default in inline for default in LIBRARY_MESSAGES), (name, box, kind, inline)
        if boxes[box] in ("text", "date"):
            assert _kept(html, value), (name, box, kind, "not kept as typed")


# --- Random input to every form, for every role --------------------------------------------------------------------

GROUPS = {
    "recruiter": {"recruiter"},
    "staff": {"staff"},
    "admin": {"admin"},
    "candidate": {"shortlisted", "suggested"},
    "nobody": {"nobody"},
    "second factor": {"pending", "no second factor"},
}


def _buttons(world) -> dict[str, list[str]]:
    """The forms with no boxes of their own (confirmation pages and buttons), which post a CSRF token or a version."""
    suggestions = world.suggestion.values()
    return {
        "recruiter": [
            f"/recruiters/suggestions/{suggestion}/{action}"
            for suggestion in suggestions
            for action in ("shortlist", "interview", "reject", "offer", "start", "scores")
        ],
        "staff": [
            *(f"/staff/placements/{world.placement}/{action}" for action in ("publish", "close", "fill", "duplicate")),
            f"/staff/placements/{world.placement}/standard",
            "/staff/placements/import",
        ],
        "admin": [
            *(
                f"/admin/users/{world.staff.id}/{action}"
                for action in ("disable", "enable", "resend", "reset-second-factor")
            ),
            f"/admin/match-runs/{world.run}/publish",
            f"/admin/cycles/{world.cycle}/close",
        ],
        "candidate": [
            *(
                f"/candidates/suggestions/{suggestion}/{action}"
                for suggestion in suggestions
                for action in (
                    "interview",
                    "interview/cancel",
                    "interview/no-time-suits",
                    "offer/accept",
                    "offer/decline",
                )
            ),
            "/alerts/1/stop",
            "/candidates/equality-questions/withdraw",
        ],
        "nobody": ["/sign-out", "/confirm-email/resend"],
        "second factor": ["/sign-out", "/sign-out/every-device", "/session/keep-alive"],
    }


random_values = st.one_of(
    st.sampled_from(
        [
            *BAD.values(),
            "0",
            "1",
            "2",
            "99999999999999999999",
            "1:1",
            "shortlist",
            "reject",
            "template",
            "hackney",
            "ST0116",
            "y",
            "\x00",
            "<script>x</script>",
        ]
    ),
    st.text(max_size=40),
)


@pytest.mark.fresh_database  # admins may close a cycle, which saves report counts queried on connections of their own
@pytest.mark.parametrize("group", list(GROUPS))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_input_to_every_form_of_each_role_never_gives_a_server_error(app, world, group, data):
    forms = [form for form in FORMS.values() if form.who in GROUPS[group]]
    who = data.draw(st.sampled_from(sorted(GROUPS[group])), label="signed in as")
    client = _client_for(app, world, who)
    form = data.draw(st.sampled_from([None, *forms]), label="form")
    path = form.path(world) if form else data.draw(st.sampled_from(_buttons(world)[group]), label="path")
    # Each form's own box names (and the ones its page adds, like a score per criterion), and every role's others.
    # The page's names are read once per world: earlier examples change what it shows (a criterion scored, a stage
    # moved), and the names to draw from must not change between examples, or Hypothesis cannot replay one.
    page_names = world.__dict__.setdefault("page_names", {})
    if form and form.who in GROUPS["recruiter"] and path not in page_names:
        page_names[path] = frozenset(form.answers(world, client, path))
    names = sorted(
        {name.format(1) for each in forms for name in each.fields}
        | page_names.get(path, frozenset())
        | {"version", "selected", "action", "feedback_template", "next", "standard", "file", "junk"}
    )
    posted = data.draw(
        st.dictionaries(
            st.sampled_from(names), st.one_of(random_values, st.lists(random_values, max_size=3)), max_size=8
        ),
        label="posted",
    )
    method = form.method if form else "post"
    response = client.get(path, query_string=posted) if method == "get" else client.post(path, data=posted)
    assert response.status_code < 500, (path, posted)
