"""The candidate journey through the test client: eligibility, sections, choices, check answers, submit, dashboard."""

import re
from datetime import date, timedelta

import pytest

from recruit.extensions import db
from recruit.models import AuditEvent, Candidate, Choice, OutboxEmail, PlacementStatus, Suggestion, User
from tests.candidate_journey import (
    ELIGIBLE_ANSWERS,
    SECTION_ANSWERS,
    TEST_PASSWORD,
    Poster,
    complete_sections,
    csrf_token,
    sign_in,
)
from tests.factories import add_suggestion, make_eligible, make_placement


def _html(response) -> str:
    return response.get_data(as_text=True)


def _errors(response) -> list[str]:
    html = _html(response)
    if "govuk-error-summary__list" not in html:
        return []
    return re.findall(r'<a href="#[^"]*">([^<]*)</a>', html.split("govuk-error-summary__list")[1].split("</ul>")[0])


@pytest.fixture
def candidate(app, client, login_as):
    """A signed-in candidate who has passed the eligibility check."""
    user = login_as()
    make_eligible(app, user.candidate_id)
    return user


@pytest.fixture
def post(client):
    return Poster(client)


def _candidate(app, candidate_id) -> Candidate:
    with app.app_context():
        row = db.session.get_one(Candidate, candidate_id)
        _ = row.home_borough  # load what the tests read, before leaving the session
        db.session.expunge(row)
        return row


# --- 1. Eligibility ---


def test_eligibility_asks_one_question_per_page_without_an_account(client):
    start = _html(client.get("/apply/eligibility"))
    assert "Check if you can apply" in start and 'href="/apply/eligibility/age"' in start
    post = Poster(client)
    keys = list(ELIGIBLE_ANSWERS)
    for index, key in enumerate(keys):
        page = _html(client.get(f"/apply/eligibility/{key}"))
        assert page.count('type="radio"') >= 2 and page.count("<h1") == 1
        response = post(f"/apply/eligibility/{key}", {"answer": ELIGIBLE_ANSWERS[key]})
        expected = (
            f"/apply/eligibility/{keys[index + 1]}" if index + 1 < len(keys) else "/apply/eligibility/you-can-apply"
        )
        assert response.headers["Location"] == expected
    result = _html(client.get("/apply/eligibility/you-can-apply"))
    assert "You can apply" in result and 'href="/register"' in result and "/sign-in" in result


def test_eligibility_question_without_an_answer_shows_a_specific_error(client):
    response = Poster(client)("/apply/eligibility/right_to_work", {})
    assert response.status_code == 200
    assert _errors(response) == ["Select yes if you have the right to work in the UK"]
    assert "Error: Do you have the right to work in the UK?" in _html(response)


@pytest.mark.parametrize(
    "key, answer, reason",
    [
        ("age", "no", "You need to be 16 or older"),
        ("right_to_work", "not_sure", "right to work in the UK"),
        ("residence", "no", "lived in the UK for the last 3 years"),
        ("full_time_education", "yes", "full-time education"),
        ("apprenticeship", "yes", "one apprenticeship at a time"),
    ],
)
def test_an_ineligible_answer_explains_why_and_where_else_to_go(client, key, answer, reason):
    post = Poster(client)
    for question, value in ELIGIBLE_ANSWERS.items():
        response = post(f"/apply/eligibility/{question}", {"answer": answer if question == key else value})
        if question == key:
            break
    assert response.headers["Location"] == f"/apply/eligibility/cannot-apply/{key}"
    page = _html(client.get(response.headers["Location"]))
    assert "You cannot apply yet" in page and reason in page
    assert "National Careers Service" in page and "local council" in page
    # Nobody can reach the "you can apply" page by skipping ahead.
    assert (
        client.get("/apply/eligibility/you-can-apply").headers["Location"] == f"/apply/eligibility/cannot-apply/{key}"
    )


def test_residence_exception_counts_as_eligible(client):
    post = Poster(client)
    answers = {**ELIGIBLE_ANSWERS, "residence": "exception"}
    for key, value in answers.items():
        response = post(f"/apply/eligibility/{key}", {"answer": value})
    assert response.headers["Location"] == "/apply/eligibility/you-can-apply"


def test_unknown_eligibility_question_is_404(client):
    assert client.get("/apply/eligibility/favourite-colour").status_code == 404
    assert client.get("/apply/eligibility/cannot-apply/favourite-colour").status_code == 404


def test_answers_and_campaign_code_follow_the_candidate_into_their_new_account(app, client):
    client.get("/apply/eligibility?ref=LIBRARY26")
    post = Poster(client)
    for key, value in {**ELIGIBLE_ANSWERS, "residence": "exception"}.items():
        post(f"/apply/eligibility/{key}", {"answer": value})
    response = post("/register", {"email": "new.candidate@test.example", "password": TEST_PASSWORD})
    assert response.status_code == 200  # "Check your email": signed in only after confirming and signing in
    with app.app_context():
        body = db.session.scalar(db.select(OutboxEmail.text_body).where(OutboxEmail.template == "confirm_email"))
    client.get(re.search(r"http://localhost(/confirm-email/\S+)", body).group(1))
    assert post("/sign-in", {"email": "new.candidate@test.example", "password": TEST_PASSWORD}).status_code == 302
    assert client.get("/candidates/application").status_code == 200
    with app.app_context():
        candidate = db.session.scalar(db.select(User).where(User.email == "new.candidate@test.example")).candidate
        assert candidate.campaign_code == "LIBRARY26"
        assert candidate.eligibility["residence"] is True and candidate.eligibility["residence_exception"] is True
        assert all(
            candidate.eligibility[k] is True
            for k in ("age", "left_school", "right_to_work", "not_in_full_time_education", "not_on_apprenticeship")
        )
    how = _html(client.get("/candidates/application/how-you-heard"))
    assert 'value="LIBRARY26"' in how


def test_application_needs_the_eligibility_check_first(client, login_as):
    login_as()
    response = client.get("/candidates/application/about-you")
    assert response.headers["Location"] == "/apply/eligibility"


def test_signed_in_candidate_can_do_the_check_and_carry_on(app, client, login_as):
    user = login_as()
    post = Poster(client)
    for key, value in ELIGIBLE_ANSWERS.items():
        post(f"/apply/eligibility/{key}", {"answer": value})
    assert "Continue to your application" in _html(client.get("/apply/eligibility/you-can-apply"))
    assert client.get("/candidates/application").status_code == 200
    assert _candidate(app, user.candidate_id).eligibility["age"] is True


# --- 2. The application in sections ---


def test_task_list_shows_each_section_incomplete_then_completed(client, candidate, post):
    page = _html(client.get("/candidates/application"))
    assert (
        "govuk-task-list" in page and page.count("Incomplete") == 9
    )  # nothing answered yet, the choices question included
    assert "You have completed 0 of 9 sections" in page
    post("/candidates/application/about-you", SECTION_ANSWERS["about-you"])
    page = _html(client.get("/candidates/application"))
    assert "You have completed 1 of 9 sections" in page
    assert re.search(r"About you\s*</a>.*?Completed", page, re.S)


def test_a_saved_section_is_still_there_when_the_candidate_comes_back(app, client, candidate, post):

    post("/candidates/application/about-you", SECTION_ANSWERS["about-you"])
    later = app.test_client()  # a new session, as after closing the browser or a timeout
    sign_in(later, candidate)
    page = _html(later.get("/candidates/application/about-you"))
    for value in (
        'value="Zephyrine"',
        'value="Quillfeather"',
        'value="Zeph"',
        'value="07700 900 982"',
        'value="14"',
        'value="2005"',
    ):
        assert value in page
    assert "candidate" in page and "@test.example" in page  # the account's email is shown


@pytest.mark.parametrize(
    "answers, expected",
    [
        ({}, ["Enter your first name", "Enter your last name", "Enter a date of birth"]),
        (
            {"first_name": "A", "last_name": "B", "date_of_birth": ["1", "", "2005"]},
            ["Date of birth must include a month"],
        ),
        (
            {"first_name": "A", "last_name": "B", "date_of_birth": ["", "", "2005"]},
            ["Date of birth must include a day and month"],
        ),
        (
            {"first_name": "A", "last_name": "B", "date_of_birth": ["31", "2", "2005"]},
            ["Date of birth must be a real date"],
        ),
        ({"first_name": "A", "last_name": "B", "date_of_birth": ["1", "2", "05"]}, ["Year must include 4 numbers"]),
        (
            {"first_name": "A", "last_name": "B", "date_of_birth": ["1", "1", str(date.today().year + 1)]},
            ["Date of birth must be in the past"],
        ),
        (
            {"first_name": "A", "last_name": "B", "date_of_birth": ["1", "1", "2005"], "phone": "12345"},
            ["Enter a phone number, like 07700 900 982"],
        ),
        (
            {"first_name": "A" * 101, "last_name": "B", "date_of_birth": ["1", "1", "2005"]},
            ["First name must be 100 characters or fewer"],
        ),
    ],
)
def test_about_you_errors_are_specific_and_answers_are_kept(client, candidate, post, answers, expected):
    response = post("/candidates/application/about-you", answers)
    assert response.status_code == 200
    assert _errors(response) == expected
    html = _html(response)
    assert "govuk-error-message" in html
    for value in answers.get("date_of_birth", []):
        if value:
            assert f'value="{value}"' in html
    if answers.get("phone"):
        assert f'value="{answers["phone"]}"' in html


@pytest.mark.parametrize("phone", ["07700 900 982", "+44 7700 900982", "020 7946 0000", "(020) 7946-0000", ""])
def test_uk_phone_numbers_in_common_formats_are_accepted(client, candidate, post, phone):
    response = post("/candidates/application/about-you", {**SECTION_ANSWERS["about-you"], "phone": phone})
    assert response.status_code == 302


def test_postcode_keeps_only_the_outward_code_and_suggests_the_borough(app, client, candidate, post):
    response = post("/candidates/application/where-you-live", {"postcode": "e8 1dy", "travel_km": "12"})
    assert response.headers["Location"] == "/candidates/application/where-you-live/borough"
    row = _candidate(app, candidate.candidate_id)
    assert row.outward_postcode == "E8" and row.travel_km == 12 and row.lat and row.lon
    page = _html(client.get("/candidates/application/where-you-live/borough"))
    assert "Hackney" in page and "I live outside London" in page and "1DY" not in page
    assert post("/candidates/application/where-you-live/borough", {"home": "suggested"}).status_code == 302
    assert _candidate(app, candidate.candidate_id).home_borough.slug == "hackney"


def test_candidate_can_pick_another_borough_or_outside_london(app, client, candidate, post):
    post("/candidates/application/where-you-live", {"postcode": "E8 1DY", "travel_km": "12"})
    response = post("/candidates/application/where-you-live/borough", {"home": "other", "other_borough": ""})
    assert _errors(response) == ["Select your borough"]
    post("/candidates/application/where-you-live/borough", {"home": "other", "other_borough": "camden"})
    assert _candidate(app, candidate.candidate_id).home_borough.slug == "camden"
    post("/candidates/application/where-you-live/borough", {"home": "outside"})
    row = _candidate(app, candidate.candidate_id)
    assert row.home_borough_id is None and row.lives_outside_london is True
    # A new postcode needs the borough confirming again.
    post("/candidates/application/where-you-live", {"postcode": "SW1A 1AA", "travel_km": "12"})
    row = _candidate(app, candidate.candidate_id)
    assert row.outward_postcode == "SW1A" and not row.lives_outside_london and row.home_borough_id is None


@pytest.mark.parametrize(
    "postcode, message",
    [
        ("", "Enter your postcode"),
        ("not a postcode", "Enter a real postcode, like E8 1DY"),
        ("E99 9ZZ", "Enter a real postcode, like E8 1DY"),
        ("EH1 1YZ", "Enter a postcode in or near London, like E8 1DY"),
    ],
)
def test_bad_postcodes_get_a_clear_error_and_the_answer_is_kept(client, candidate, post, postcode, message):
    response = post("/candidates/application/where-you-live", {"postcode": postcode, "travel_km": "7"})
    assert _errors(response) == [message]
    assert 'value="7"' in _html(response)


@pytest.mark.parametrize(
    "travel, message",
    [
        ("", "Enter how far you can travel, in kilometres"),
        ("ten", "Distance must be a whole number, like 10"),
        ("0", "Distance must be between 1 and 100 kilometres"),
        ("101", "Distance must be between 1 and 100 kilometres"),
    ],
)
def test_travel_limit_must_be_1_to_100_km(client, candidate, post, travel, message):
    assert _errors(post("/candidates/application/where-you-live", {"postcode": "E8 1DY", "travel_km": travel})) == [
        message
    ]


def test_when_you_can_work_checks_hours_and_start_date(app, client, candidate, post):
    yesterday = date.today() - timedelta(days=1)
    response = post(
        "/candidates/application/when-you-can-work",
        {"hours_per_week": "12", "available_from": [str(yesterday.day), str(yesterday.month), str(yesterday.year)]},
    )
    assert _errors(response) == ["Hours a week must be between 16 and 40", "Start date must be today or in the future"]
    assert _errors(post("/candidates/application/when-you-can-work", {})) == [
        "Enter how many hours a week you can work",
        "Enter the earliest date you could start",
    ]
    assert post("/candidates/application/when-you-can-work", SECTION_ANSWERS["when-you-can-work"]).status_code == 302
    assert _candidate(app, candidate.candidate_id).hours_per_week == 35


def test_skills_page_groups_the_standards_keywords_with_a_character_count(app, client, candidate, post):
    page = _html(client.get("/candidates/application/skills"))
    assert "Tell us about something you have made, fixed or learned (optional)" in page
    assert 'data-module="govuk-character-count"' in page and 'data-maxlength="1000"' in page
    assert page.count('value="SQL"') == 1  # listed in several standards, offered once
    for label in ("Software and testing", "Data", "Cyber security", "Digital marketing and content"):
        assert f">{label}<" in page or f"{label}\n" in page
    assert _errors(post("/candidates/application/skills", {})) == [
        "Select at least one thing you have done or enjoy, or tell us about something you have made, fixed or learned"
    ]
    assert _errors(post("/candidates/application/skills", {"skills_text": "x" * 1001})) == [
        "Your answer must be 1,000 characters or fewer"
    ]
    assert _errors(post("/candidates/application/skills", {"skills_data": ["Not a skill"]})) == [
        "Select skills from the list"
    ]
    post("/candidates/application/skills", {"skills_data": ["SQL"], "skills_security": ["firewall"], "skills_text": ""})
    assert _candidate(app, candidate.candidate_id).skills == ["firewall", "SQL"]


def test_skills_taxonomy_has_every_keyword_once_in_a_sensible_group(app):
    from recruit.services.candidates.skills import taxonomy

    with app.app_context():
        groups = {group.key: group.skills for group in taxonomy()}
        everything = [skill.casefold() for skills in groups.values() for skill in skills]
        assert len(everything) == len(set(everything))
        assert "SQL" in groups["data"] and "firewall" in groups["security"] and "SEO" in groups["marketing"]
        assert "debugging" in groups["software"] and "routing" in groups["infrastructure"]


def test_interests_show_title_level_and_one_line_summary(app, client, candidate, post):
    page = _html(client.get("/candidates/application/interests"))
    assert (
        "Software developer (level 4)" in page and "Design, write and test software that people use every day." in page
    )
    assert _errors(post("/candidates/application/interests", {})) == ["Select at least one job that interests you"]
    post("/candidates/application/interests", {"interests": ["ST0116", "ST0122"]})
    assert _candidate(app, candidate.candidate_id).interests == ["ST0116", "ST0122"]


def test_qualifications_need_the_digital_level_only_when_there_is_one(app, client, candidate, post):
    response = post(
        "/candidates/application/qualifications", {"highest_level": "2", "english_maths": "both", "digital": "yes"}
    )
    assert _errors(response) == ["Select the level of your digital qualification"]
    post(
        "/candidates/application/qualifications",
        {"highest_level": "2", "english_maths": "maths", "digital": "no", "digital_level": "3"},
    )
    assert _candidate(app, candidate.candidate_id).qualifications == {
        "highest_level": 2,
        "english_maths": "maths",
        "digital": "no",
    }


def test_support_explains_the_guaranteed_interview_scheme_and_adjustments_are_optional(app, client, candidate, post):
    page = _html(client.get("/candidates/application/support"))
    assert "Guaranteed interview scheme" in page and "minimum requirements" in page
    assert _errors(post("/candidates/application/support", {})) == [
        "Select yes if you want to use the guaranteed interview scheme"
    ]
    post("/candidates/application/support", {"guaranteed_interview": "no"})
    row = _candidate(app, candidate.candidate_id)
    assert row.interview_adjustments == "" and row.guaranteed_interview is False
    assert "Support at interview" in _html(client.get("/candidates/application"))


def test_how_you_heard_needs_a_channel_and_checks_the_campaign_code(client, candidate, post):
    response = post("/candidates/application/how-you-heard", {"campaign_code": "<script>"})
    assert _errors(response) == [
        "Select how you heard about these apprenticeships",
        "Campaign code must only include letters, numbers, hyphens and underscores",
    ]


def test_unknown_section_is_404(client, candidate):
    assert client.get("/candidates/application/favourite-food").status_code == 404


# --- 3. Ranking placements ---


def test_candidate_adds_moves_and_removes_placements_with_plain_forms(app, client, candidate, post):
    first, second, third = (
        make_placement(app, borough=b, title=f"Placement {b}") for b in ("hackney", "camden", "croydon")
    )
    page = _html(client.get("/candidates/choices"))
    assert "Placement hackney" in page and "Add to my choices" in page
    for placement in (first, second, third):
        assert post("/candidates/choices/add", {"placement_id": str(placement)}).status_code == 302

    def order():
        with app.app_context():
            rows = db.session.scalars(
                db.select(Choice).where(Choice.candidate_id == candidate.candidate_id).order_by(Choice.rank)
            )
            return [(p.placement_id, p.rank) for p in rows]

    assert order() == [(first, 1), (second, 2), (third, 3)]
    post("/candidates/choices/move", {"placement_id": str(third), "direction": "up"})
    assert order() == [(first, 1), (third, 2), (second, 3)]
    post("/candidates/choices/move", {"placement_id": str(first), "direction": "down"})
    assert order() == [(third, 1), (first, 2), (second, 3)]
    post("/candidates/choices/move", {"placement_id": str(third), "direction": "up"})  # already first: nothing changes
    assert order() == [(third, 1), (first, 2), (second, 3)]
    post("/candidates/choices/remove", {"placement_id": str(first)})
    assert order() == [(third, 1), (second, 2)]
    page = _html(client.get("/candidates/choices"))
    assert (
        "Move up" in page
        and "Move down" in page
        and "Remove" in page
        and "<script" not in page.split("<main")[1].split("</main>")[0]
    )


def test_only_live_open_placements_can_be_added_and_at_most_ten(app, client, candidate, post):
    closed = make_placement(app, status=PlacementStatus.CLOSED.value, title="Closed placement")
    past = make_placement(app, closing_date=date.today() - timedelta(days=1), title="Past closing date")
    draft = make_placement(app, status=PlacementStatus.DRAFT.value, title="Draft placement")
    page = _html(client.get("/candidates/choices"))
    assert "Closed placement" not in page and "Past closing date" not in page and "Draft placement" not in page
    for placement in (closed, past, draft, 999999):
        post("/candidates/choices/add", {"placement_id": str(placement)})
        assert "no longer open for applications" in _html(client.get("/candidates/choices"))
    live = [make_placement(app, title=f"Live {n}") for n in range(11)]
    for placement in live[:10]:
        post("/candidates/choices/add", {"placement_id": str(placement)})
    post("/candidates/choices/add", {"placement_id": str(live[10])})
    assert "You can choose up to 10 placements" in _html(client.get("/candidates/choices"))
    assert len(_candidate_choices(app, candidate.candidate_id)) == 10


def _candidate_choices(app, candidate_id):
    with app.app_context():
        return list(db.session.scalars(db.select(Choice.placement_id).where(Choice.candidate_id == candidate_id)))


def test_add_choice_returns_to_the_page_that_sent_it_but_never_off_site(app, client, candidate, post):
    placement = make_placement(app)
    other = make_placement(app)
    response = post("/candidates/choices/add", {"placement_id": str(placement), "next": f"/placements/{placement}"})
    assert response.headers["Location"] == f"/placements/{placement}"
    response = post("/candidates/choices/add", {"placement_id": str(other), "next": "https://evil.example/"})
    assert response.headers["Location"] == "/candidates/choices"
    assert client.get("/candidates/choices/add").headers["Location"] == "/candidates/choices"


def test_add_choice_needs_a_signed_in_candidate(app, client, login_as):
    placement = make_placement(app)
    token = csrf_token(client)
    response = client.post("/candidates/choices/add", data={"csrf_token": token, "placement_id": str(placement)})
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    login_as("recruiter")
    assert (
        client.post("/candidates/choices/add", data={"csrf_token": token, "placement_id": str(placement)}).status_code
        == 403
    )


def test_consider_other_placements_starts_unanswered_and_can_be_changed(app, client, candidate, post):
    assert "checked" not in _html(client.get("/candidates/choices"))
    post("/candidates/choices", {"consider_other": "no"})
    assert _candidate(app, candidate.candidate_id).consider_other_placements is False
    assert 'value="no" checked' in _html(client.get("/candidates/choices"))


def test_choices_are_locked_once_matching_has_suggested_anything(app, client, candidate, post):
    placement = make_placement(app)
    post("/candidates/choices/add", {"placement_id": str(placement)})
    post("/candidates/choices", {"consider_other": "yes"})
    add_suggestion(app, candidate.candidate_id, placement)
    other = make_placement(app)
    post("/candidates/choices/add", {"placement_id": str(other)})
    post("/candidates/choices/remove", {"placement_id": str(placement)})
    post("/candidates/choices", {"consider_other": "no"})
    assert _candidate_choices(app, candidate.candidate_id) == [placement]
    assert _candidate(app, candidate.candidate_id).consider_other_placements is True
    page = _html(client.get("/candidates/choices"))
    assert "cannot change them now" in page and "Add to my choices" not in page


# --- 4. Check your answers and submit ---


def test_check_answers_has_change_links_that_come_back_to_it(app, client, candidate, post):
    complete_sections(post)
    page = _html(client.get("/candidates/application/check"))
    assert "govuk-summary-list" in page and "Zephyrine Quillfeather" in page and "Hackney" in page
    assert 'href="/candidates/application/about-you?return=check#first_name"' in page
    response = post(
        "/candidates/application/about-you?return=check", {**SECTION_ANSWERS["about-you"], "first_name": "Zoe"}
    )
    assert response.headers["Location"] == "/candidates/application/check"
    assert "Zoe Quillfeather" in _html(client.get("/candidates/application/check"))
    response = post("/candidates/application/where-you-live?return=check", SECTION_ANSWERS["where-you-live"])
    assert response.headers["Location"] == "/candidates/application/where-you-live/borough?return=check"
    assert (
        post("/candidates/application/where-you-live/borough?return=check", {"home": "suggested"}).headers["Location"]
        == "/candidates/application/check"
    )


def test_submit_needs_every_section_and_the_declaration(app, client, candidate, post):
    post("/candidates/application/about-you", SECTION_ANSWERS["about-you"])
    response = post("/candidates/application/check", {})
    assert _errors(response) == ["Confirm the information you have given is true"]
    response = post("/candidates/application/check", {"declaration": "agreed"})
    errors = _errors(response)
    assert "Complete the section: Where you live" in errors and "Complete the section: About you" not in errors
    assert _candidate(app, candidate.candidate_id).status == "draft"


def test_submit_needs_a_confirmed_email_with_a_way_to_resend_it(app, client, login_as, post):
    user = login_as()
    make_eligible(app, user.candidate_id)
    with app.app_context():
        db.session.get(User, user.id).email_confirmed_at = None
        db.session.commit()
    complete_sections(post)
    response = post("/candidates/application/check", {"declaration": "agreed"})
    assert _errors(response) == ["Confirm your email address before you send your application"]
    html = _html(response)
    assert 'action="/confirm-email/resend"' in html and "Send the link again" in html
    assert _candidate(app, user.candidate_id).status == "draft"


def test_submitting_sends_the_application_and_queues_an_email(app, client, candidate, post):
    placement = make_placement(app, title="Junior developer")
    complete_sections(post)
    post("/candidates/choices/add", {"placement_id": str(placement)})
    response = post("/candidates/application/check", {"declaration": "agreed"})
    assert response.headers["Location"] == "/candidates/application/sent"
    page = _html(client.get("/candidates/application/sent"))
    assert "govuk-panel" in page and "Application sent" in page and "What happens next" in page
    with app.app_context():
        row = db.session.get(Candidate, candidate.candidate_id)
        assert row.status == "submitted" and row.submitted_at and row.declaration_at
        email = db.session.scalar(db.select(OutboxEmail).where(OutboxEmail.template == "application_received"))
        assert (
            email.recipient == candidate.email and "Junior developer" in email.text_body and "Zeph" in email.html_body
        )
        assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "application.submitted"))
    # Sent applications cannot be edited through the sections, and cannot be sent twice.
    assert client.get("/candidates/application/about-you").headers["Location"] == "/candidates/"
    assert post("/candidates/application/check", {"declaration": "agreed"}).headers["Location"] == "/candidates/"


def test_candidate_must_be_16_on_their_start_date(app, client, candidate, post):
    complete_sections(post)
    too_young = date.today().replace(year=date.today().year - 16) + timedelta(days=100)  # 16 after the start date
    post(
        "/candidates/application/about-you",
        {
            **SECTION_ANSWERS["about-you"],
            "date_of_birth": [str(too_young.day), str(too_young.month), str(too_young.year)],
        },
    )
    errors = _errors(post("/candidates/application/check", {"declaration": "agreed"}))
    assert errors == ["You must be 16 or older on the date you can start. Check your date of birth and start date"]


# --- 6. Dashboard and withdrawing ---


def test_dashboard_shows_status_suggestions_with_reasons_and_feedback(app, client, candidate, post):
    complete_sections(post)
    post("/candidates/application/check", {"declaration": "agreed"})
    page = _html(client.get("/candidates/"))
    assert "You sent your application on" in page and "What happens next" in page
    first = make_placement(app, title="Data apprentice", borough="newham")
    second = make_placement(app, title="IT support apprentice")
    add_suggestion(
        app, candidate.candidate_id, first, stage="shortlisted", sentence="Close to home and you know Excel."
    )
    add_suggestion(
        app, candidate.candidate_id, second, stage="rejected", feedback="Try building a small project to show us."
    )
    page = _html(client.get("/candidates/"))
    assert "Data apprentice" in page and "Newham" in page and "Shortlisted" in page and "govuk-tag" in page
    assert "Close to home and you know Excel." in page
    assert "Not successful" in page and "Try building a small project to show us." in page


def test_withdrawing_asks_first_then_withdraws_and_records_it(app, client, candidate, post):
    complete_sections(post)
    post("/candidates/application/check", {"declaration": "agreed"})
    placement = make_placement(app)
    add_suggestion(app, candidate.candidate_id, placement, stage="shortlisted")
    page = _html(client.get("/candidates/withdraw"))
    assert "Are you sure you want to withdraw your application?" in page
    assert _candidate(app, candidate.candidate_id).status == "submitted"
    post("/candidates/withdraw", {})
    with app.app_context():
        row = db.session.get(Candidate, candidate.candidate_id)
        assert row.status == "withdrawn" and row.withdrawn_at
        assert db.session.scalar(db.select(Suggestion.stage)) == "withdrawn"
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "application.withdrawn"))
        assert event.entity_id == candidate.candidate_id and event.actor_id == candidate.id
    assert "You withdrew your application" in _html(client.get("/candidates/"))


def test_a_draft_cannot_be_withdrawn(app, client, candidate, post):
    assert client.get("/candidates/withdraw").headers["Location"] == "/candidates/"
    post("/candidates/withdraw", {})
    assert _candidate(app, candidate.candidate_id).status == "draft"


# --- Access: each candidate sees and changes only their own application ---


def test_two_candidates_each_see_and_change_only_their_own(app, client, make_user):

    placement_a, _bravo = (
        make_placement(app, title="Alpha placement"),
        make_placement(app, title="Bravo placement"),
    )
    alice, bob = make_user("candidate"), make_user("candidate")
    for user in (alice, bob):
        make_eligible(app, user.candidate_id)
    sign_in(client, alice)
    post = Poster(client)
    post("/candidates/application/about-you", {**SECTION_ANSWERS["about-you"], "first_name": "Alicewyn"})
    post("/candidates/choices/add", {"placement_id": str(placement_a)})

    other = app.test_client()
    sign_in(other, bob)
    bob_post = Poster(other)
    # Bob cannot move or remove Alice's choice: it is not in his list.
    bob_post("/candidates/choices/remove", {"placement_id": str(placement_a)})
    bob_post("/candidates/choices/move", {"placement_id": str(placement_a), "direction": "down"})
    assert _candidate_choices(app, alice.candidate_id) == [placement_a]
    for path in (
        "/candidates/",
        "/candidates/application/check",
        "/candidates/your-data",
        "/candidates/your-data.json",
        "/candidates/application/about-you",
        "/candidates/choices",
    ):
        assert "Alicewyn" not in _html(other.get(path)) and alice.email not in _html(other.get(path))
    bob_post("/candidates/application/about-you", {**SECTION_ANSWERS["about-you"], "first_name": "Bobbington"})
    assert _candidate(app, alice.candidate_id).first_name == "Alicewyn"
    assert _candidate(app, bob.candidate_id).first_name == "Bobbington"


@pytest.mark.parametrize("role", ["borough_staff", "recruiter", "analyst", "admin"])
def test_staff_cannot_open_candidate_pages(client, login_as, role):
    login_as(role)
    for path in ("/candidates/", "/candidates/application", "/candidates/choices", "/candidates/your-data"):
        assert client.get(path).status_code == 403


def test_candidate_pages_need_sign_in(client):
    for path in (
        "/candidates/",
        "/candidates/application",
        "/candidates/choices",
        "/candidates/your-data.json",
        "/candidates/equality-questions",
    ):
        response = client.get(path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_forms_refuse_posts_without_a_valid_csrf_token(app, client, candidate):
    placement = make_placement(app)
    for path, data in [
        ("/apply/eligibility/age", {"answer": "yes"}),
        ("/candidates/application/about-you", SECTION_ANSWERS["about-you"]),
        ("/candidates/choices/add", {"placement_id": str(placement)}),
        ("/candidates/application/check", {"declaration": "agreed"}),
        ("/candidates/delete-account", {}),
    ]:
        assert client.post(path, data=data).status_code == 400
        assert client.post(path, data={**data, "csrf_token": "forged"}).status_code == 400
    assert _candidate_choices(app, candidate.candidate_id) == []
    assert _candidate(app, candidate.candidate_id).first_name is None
