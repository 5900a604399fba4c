"""What a first-time candidate or new borough staff member reads: each thing found wrong, tested on the visible text."""

import re
from datetime import date, timedelta

import pytest

from recruit.extensions import db
from recruit.models import Candidate
from tests.candidate_journey import ELIGIBLE_ANSWERS, SECTION_ANSWERS, Poster, complete_sections
from tests.factories import make_eligible, make_placement
from tests.page_checks import parse, problems, visible_text


def text(response) -> str:
    return visible_text(response.get_data(as_text=True))


def lines(response) -> list[str]:
    return text(response).split("\n")


def row_value(response, key: str) -> str:
    """The visible value beside a summary-list key."""
    found = lines(response)
    return found[found.index(key) + 1]


@pytest.fixture
def candidate(app, client, login_as):
    user = login_as()
    make_eligible(app, user.candidate_id)
    return user


@pytest.fixture
def post(client):
    return Poster(client)


def test_check_your_answers_never_shows_none_for_optional_answers(app, client, candidate, post):
    make_placement(app)
    answers = {**SECTION_ANSWERS["about-you"], "preferred_name": "", "phone": ""}
    post("/candidates/application/about-you", answers)
    post("/candidates/application/how-you-heard", {"outreach_channel": "social_media", "campaign_code": ""})
    post("/candidates/application/support", {"interview_adjustments": "", "guaranteed_interview": "no"})
    response = client.get("/candidates/application/check")
    assert row_value(response, "Preferred name") == "Not given"
    assert row_value(response, "Phone number") == "Not given"
    assert row_value(response, "Campaign code") == "Not given"
    assert row_value(response, "Adjustments at interview") == "No adjustments needed"
    assert not [p for p in problems(response.get_data(as_text=True)) if "Python value" in p]


def test_check_your_answers_has_a_change_link_on_every_answer_the_candidate_gave(app, client, candidate, post):
    placement_id = make_placement(app)
    complete_sections(post, placement_id)
    html = client.get("/candidates/application/check").get_data(as_text=True)
    changes = re.findall(
        r'<a class="govuk-link" href="([^"]+)">Change<span class="govuk-visually-hidden"> ([^<]+)</span>', html
    )
    labelled = {label.split(" (")[0]: href for href, label in changes}
    # Issue 8 split the skills answer into two rows; each has its own Change link back to the skills page.
    assert labelled["things you have done or enjoy"] == "/candidates/application/skills?return=check"
    assert labelled["technical skills"] == "/candidates/application/skills?return=check"
    assert (
        labelled["something you have made, fixed or learned"]
        == "/candidates/application/skills?return=check#skills_text"
    )
    assert labelled["placements you chose"] == "/candidates/choices"
    assert "email address" not in labelled  # changed on the account, not in the application


def test_sending_without_the_declaration_gives_one_element_per_id(app, client, candidate, post):
    response = post("/candidates/application/check", {})
    assert "Confirm the information you have given is true" in text(response)
    ids = parse(response.get_data(as_text=True)).ids
    assert ids.count("declaration") == 1
    assert len(ids) == len(set(ids))


def test_your_data_shows_dates_and_activity_in_words(app, client, candidate, post):
    post("/candidates/application/about-you", SECTION_ANSWERS["about-you"])
    response = client.get("/candidates/your-data")
    page = text(response)
    assert not problems(response.get_data(as_text=True)), problems(response.get_data(as_text=True))
    assert "You saved a section of your application" in page
    assert row_value(response, "Application") == "Not sent yet"
    today = date.today()
    assert re.search(rf"\b{today.day} {today:%B %Y} at \d{{1,2}}:\d\d(am|pm): You saved a section", page)


def _date_parts(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def test_a_child_cannot_give_a_date_of_birth_after_saying_they_will_be_16(app, client, candidate, post):
    response = post(
        "/candidates/application/about-you", {**SECTION_ANSWERS["about-you"], "date_of_birth": ["1", "1", "2020"]}
    )
    page = text(response)
    assert "There is a problem" in page and "because you need to be 16 or older when the apprenticeship starts" in page
    assert 'value="2020"' in response.get_data(as_text=True)  # the answer is kept as typed
    almost_16 = date.today().replace(year=date.today().year - 16) + timedelta(days=200)
    assert (
        post(
            "/candidates/application/about-you",
            {**SECTION_ANSWERS["about-you"], "date_of_birth": _date_parts(almost_16)},
        ).status_code
        == 302
    )


@pytest.mark.parametrize(
    "path, answers, message",
    [
        ("where-you-live", {"postcode": "E8 1DY", "travel_km": "-5"}, "Distance must be between 1 and 100 kilometres"),
        (
            "when-you-can-work",
            {"hours_per_week": "-30", "available_from": ["1", "9", str(date.today().year + 1)]},
            "Hours a week must be between 16 and 40",
        ),
    ],
)
def test_a_negative_number_is_told_the_range_not_that_it_is_not_a_number(
    client, candidate, post, path, answers, message
):
    page = text(post(f"/candidates/application/{path}", answers))
    assert message in page and "whole number" not in page


def test_a_seed_that_is_not_a_number_is_told_so_not_its_length(app, client, login_as):
    from tests.matching_data import Poster as AdminPoster

    login_as("admin", None)
    response = AdminPoster(client, "/admin/match-runs")(
        "/admin/match-runs", {"round": "1", "seed": "<script>alert(1)</script>"}
    )
    page = text(response)
    assert "The seed must be a whole number, like 20250901" in page and "18 digits" not in page


def test_csv_date_errors_give_an_example_written_as_the_file_needs_it(app, client, login_as):
    from tests.placement_csv import csv_bytes, row, upload

    login_as("borough_staff", "hackney")
    app.config["WTF_CSRF_ENABLED"] = False
    page = text(upload(client, csv_bytes([row(start_date="31/02/2027")])))
    assert f"Start date must be a real date, like {date.today().year + 1}-09-01" in page
    assert "like 1 9 " not in page


def test_change_on_one_equality_answer_comes_straight_back_to_the_summary(app, client, login_as, post):
    from recruit.models import utcnow

    user = login_as()
    make_eligible(app, user.candidate_id, status="submitted", submitted_at=utcnow(), date_of_birth=date(2004, 5, 6))
    post("/candidates/equality-questions/ethnicity", {"answer": "black_african"})
    summary = client.get("/candidates/equality-questions").get_data(as_text=True)
    change = (
        re.search(r'href="(/candidates/equality-questions/ethnicity[^"]*)"', summary).group(1).replace("&amp;", "&")
    )
    assert "Back" in text(client.get(change))
    response = post(change, {"answer": "white_british"})
    assert response.headers["Location"] == "/candidates/equality-questions"


def test_consider_me_for_others_is_not_answered_for_the_candidate_and_needs_a_choice(app, client, candidate, post):
    html = client.get("/candidates/choices").get_data(as_text=True)
    assert not re.search(r'name="consider_other"[^>]*checked', html)
    post("/candidates/choices", {"consider_other": "yes"})
    task_list = text(client.get("/candidates/application"))
    assert "Your placement choices\nChoose between 1 and 10 placements\nIncomplete" in task_list
    check = text(client.get("/candidates/application/check"))
    assert "Choose at least one placement" in check
    post("/candidates/choices/add", {"placement_id": str(make_placement(app))})
    assert "Your placement choices\n1 placement chosen\nCompleted" in text(client.get("/candidates/application"))


def test_going_through_eligibility_again_asks_every_question_in_turn(client):
    for key, answer in ELIGIBLE_ANSWERS.items():
        response = Poster(client)(f"/apply/eligibility/{key}", {"answer": answer})
    assert response.headers["Location"] == "/apply/eligibility/you-can-apply"
    start = client.get("/apply/eligibility").get_data(as_text=True)
    assert 'href="/apply/eligibility/age"' in start
    response = Poster(client)("/apply/eligibility/age", {"answer": "yes"})
    assert response.headers["Location"] == "/apply/eligibility/left_school"  # not straight to the result
    assert "Have you left school" in text(client.get(response.headers["Location"]))


def test_only_people_without_an_account_are_told_they_do_not_need_one(client, login_as):
    assert "You do not need an account yet." in text(client.get("/apply/eligibility"))
    login_as()
    page = text(client.get("/apply/eligibility"))
    assert "Check if you can apply" in page and "You do not need an account yet" not in page


def test_apply_on_a_placement_keeps_it_through_eligibility_and_registering(app, client):
    from tests.candidate_journey import TEST_PASSWORD

    placement_id = make_placement(app, title="Cloud support apprentice")
    detail = client.get(f"/placements/{placement_id}").get_data(as_text=True)
    apply = re.search(r'href="([^"]+)"[^>]*>\s*Apply', detail).group(1).replace("&amp;", "&")
    assert "We will remember the placement you chose" in text(client.get(apply))
    post = Poster(client)
    for key, value in ELIGIBLE_ANSWERS.items():
        post(f"/apply/eligibility/{key}", {"answer": value})
    assert "the placement you chose will be in your placement choices" in text(
        client.get("/apply/eligibility/you-can-apply")
    )
    # Registering does not sign the person in: they confirm their email address, then sign in (issue 11).
    registered = post("/register", {"email": "first.timer@test.example", "password": TEST_PASSWORD})
    assert registered.status_code == 200 and "Check your email" in text(registered)
    with app.app_context():
        from recruit.models import OutboxEmail

        email = db.session.scalars(
            db.select(OutboxEmail).where(OutboxEmail.template == "confirm_email").order_by(OutboxEmail.id.desc())
        ).first()
    client.get(re.search(r"http://localhost(/\S+)", email.text_body).group(1))
    with client.session_transaction() as session:  # the answers given before having an account are still held
        assert "apply_for_placement" in session and "eligibility_answers" in session
    signed_in = post("/sign-in", {"email": "first.timer@test.example", "password": TEST_PASSWORD})
    assert signed_in.status_code == 302
    page = text(client.get("/candidates/choices"))
    assert "Cloud support apprentice (Hackney) is in your placement choices" in page
    assert "1. Cloud support apprentice" in page
    with app.app_context():
        candidate = db.session.scalar(db.select(Candidate).where(Candidate.first_name.is_(None)))
        assert [p.placement_id for p in candidate.choices] == [placement_id]
    assert "is in your placement choices" not in text(client.get("/candidates/choices"))  # added once only


def test_choices_page_searches_by_keyword_and_links_each_title_to_its_placement(app, client, candidate):
    wanted = make_placement(app, title="Cyber security apprentice")
    make_placement(app, title="Data analyst apprentice", standard="ST0118")
    response = client.get("/candidates/choices?q=cyber")
    page = text(response)
    assert "Cyber security apprentice" in page and "Data analyst apprentice" not in page
    assert '1 placement open for applications matching "cyber".' in page
    assert f'<a class="govuk-link" href="/placements/{wanted}">Cyber security apprentice</a>' in response.get_data(
        as_text=True
    )
    too_long = text(client.get("/candidates/choices", query_string={"q": "x" * 101}))
    assert "Keywords must be 100 characters or fewer" in too_long and "Data analyst apprentice" in too_long


def test_two_staff_placements_with_the_same_title_can_be_told_apart_and_the_table_says_it_scrolls(
    app, client, login_as
):
    first = make_placement(app, title="Digital apprentice")
    second = make_placement(app, title="Digital apprentice")
    login_as("borough_staff", "hackney")
    page = text(client.get("/staff/"))
    assert "On a small screen, scroll the table sideways to see every column." in page
    told_apart = re.findall(r"Digital apprentice Number (\d+), workplace", page)  # under each title in its cell
    assert sorted(map(int, told_apart)) == sorted([first, second])
    header = page.split("\n")
    assert header.index("Status") < header.index("Apprenticeship standard")  # status and closing date come first
