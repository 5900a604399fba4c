"""Borough staff manage their own placements: create, validate, preview, publish, close, fill, duplicate, tenancy."""

from datetime import date, timedelta
from decimal import Decimal
from html import unescape

import pytest

from recruit.extensions import db as _db
from recruit.models import AuditEvent, Placement
from tests.factories import make_placement
from tests.page_checks import first_match
from tests.placement_form import CREATE_URL, START, TODAY, date_boxes, form_data, placements


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": False}


def llw_answer(html: str) -> str:
    """The answer in the 'Pays the London Living Wage' row of a placement's summary."""
    return first_match(r"Pays the London Living Wage\s*</dt>\s*<dd[^>]*>\s*(\w+)", html).group(1)


def audit_actions(app):
    with app.app_context():
        return [
            e.action
            for e in _db.session.scalars(
                _db.select(AuditEvent).where(AuditEvent.entity_type == "Placement").order_by(AuditEvent.id)
            )
        ]


# --- creating ---------------------------------------------------------------------------------------------------


def test_create_saves_a_draft_for_the_staff_members_own_borough(app, client, login_as):
    user = login_as("borough_staff", "hackney")
    response = client.post(CREATE_URL, data=form_data())
    assert response.status_code == 302
    [placement] = placements(app)
    assert (
        placement.status == "draft" and placement.borough_id == user.borough_id and placement.created_by_id == user.id
    )
    assert placement.workplace_outward == "E8" and placement.lat and placement.lon
    assert placement.skills == ["git", "SQL"] and placement.hourly_wage == Decimal("9.50")
    assert placement.disability_confident and not placement.resident_priority
    assert audit_actions(app) == ["placement.created"]
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Draft saved" in preview and "Software developer apprentice (Housing)" in preview and "Publish" in preview


def test_create_starts_by_choosing_a_standard_and_shows_its_level_and_keywords(client, login_as):
    login_as("borough_staff")
    html = client.get("/staff/placements/new").get_data(as_text=True)
    assert "Data analyst (level 4)" in html
    response = client.post("/staff/placements/new", data={})
    assert "Select the apprenticeship standard" in response.get_data(as_text=True)
    response = client.post("/staff/placements/new", data={"standard": "ST0118"})
    assert response.headers["Location"].endswith("/staff/placements/new/details?standard=ST0118")
    html = client.get("/staff/placements/new/details?standard=ST0118").get_data(as_text=True)
    assert "level 4" in html and 'value="Power BI"' in html and 'value="Tableau"' in html
    assert client.get("/staff/placements/new/details?standard=NOPE").status_code == 302


def test_a_yearly_wage_is_stored_with_its_hourly_equivalent(app, client, login_as):
    login_as("borough_staff")
    client.post(CREATE_URL, data=form_data(wage_amount="£30,000", wage_unit="year", hours_per_week="37"))
    [placement] = placements(app)
    assert placement.wage_amount == Decimal("30000") and placement.wage_unit == "year"
    assert placement.hourly_wage == Decimal("15.59")  # 30000 / (37 × 52)


def test_london_living_wage_is_worked_out_from_config_not_entered(app, client, login_as):
    app.config["LONDON_LIVING_WAGE"] = 14.80
    login_as("borough_staff")
    client.post(CREATE_URL, data=form_data(wage_amount="14.80", llw="n"))
    client.post(CREATE_URL, data=form_data(wage_amount="14.79"))
    first, second = placements(app)
    assert llw_answer(client.get(f"/staff/placements/{first.id}").get_data(as_text=True)) == "Yes"
    assert llw_answer(client.get(f"/staff/placements/{second.id}").get_data(as_text=True)) == "No"
    from recruit.services.placements import WageRules, pays_london_living_wage

    rules = WageRules.from_config(app.config)
    assert pays_london_living_wage(first.hourly_wage, rules) and not pays_london_living_wage(second.hourly_wage, rules)


@pytest.mark.parametrize(
    ("overrides", "field_id", "message"),
    [
        ({"title": ""}, "title", "Enter a title"),
        ({"title": "x" * 121}, "title", "Title must be 120 characters or fewer"),
        ({"description": ""}, "description", "Enter what the apprentice will do"),
        ({"wage_amount": ""}, "wage_amount", "Enter the wage"),
        ({"wage_amount": "-5"}, "wage_amount", "Wage must be an amount in pounds, like 9.50 or 21000"),
        ({"wage_amount": "ten"}, "wage_amount", "Wage must be an amount in pounds, like 9.50 or 21000"),
        ({"wage_amount": "NaN"}, "wage_amount", "Wage must be an amount in pounds, like 9.50 or 21000"),
        ({"wage_amount": "5000"}, "wage_amount", "Wage must be £100.00 an hour or less"),
        ({"wage_amount": "999999", "wage_unit": "year"}, "wage_amount", "Wage must be £200,000.00 a year or less"),
        (
            {"wage_amount": "7.54"},
            "wage_amount",
            "Wage must be at least the apprentice minimum wage of £7.55 an hour from 1 April 2025",
        ),
        (
            {"wage_amount": "11000", "wage_unit": "year", "hours_per_week": "30"},
            "wage_amount",
            "Wage must be at least £11,778.00 a year for 30 hours a week (the apprentice minimum wage of £7.55 an hour from 1 April 2025)",
        ),
        ({"wage_unit": None}, "wage_unit", "Select whether the wage is per hour or per year"),
        ({"hours_per_week": "50"}, "hours_per_week", "Hours per week must be 40 or fewer"),
        ({"hours_per_week": "10"}, "hours_per_week", "Hours per week must be 16 or more"),
        ({"hours_per_week": "-3"}, "hours_per_week", "Hours per week must be 16 or more"),
        ({"hours_per_week": "37.5"}, "hours_per_week", "Hours per week must be a whole number, like 37"),
        ({"positions": "0"}, "positions", "Number of positions must be 1 or more"),
        ({"positions": "51"}, "positions", "Number of positions must be 50 or fewer"),
        ({"start_date": ["", "", ""]}, "start_date-day", "Enter the start date"),
        ({"start_date": ["1", "", "2027"]}, "start_date-day", "Start date must include a month"),
        ({"start_date": ["31", "2", "2027"]}, "start_date-day", "Start date must be a real date"),
        ({"start_date": date_boxes(TODAY - timedelta(days=1))}, "start_date-day", "Start date must be in the future"),
        (
            {"start_date": date_boxes(TODAY + timedelta(days=2000))},
            "start_date-day",
            "Start date must be within 2 years",
        ),
        ({"closing_date": date_boxes(TODAY)}, "closing_date-day", "Closing date must be in the future"),
        (
            {"closing_date": date_boxes(START + timedelta(days=1))},
            "closing_date-day",
            "Closing date must be before the start date",
        ),
        ({"workplace_postcode": ""}, "workplace_postcode", "Enter the workplace postcode"),
        ({"workplace_postcode": "not a postcode"}, "workplace_postcode", "Enter a real postcode, like E8 1DY"),
        ({"workplace_postcode": "M1 1AE"}, "workplace_postcode", "Enter a postcode in London"),
        ({"workplace_postcode": "DA1 1AA"}, "workplace_postcode", "Enter a postcode in London"),
        ({"skills": ["git", "Cooking"]}, "skills", "Skills must be from the list for Software developer"),
        ({"training_provider": ""}, "training_provider", "Enter the training provider's name"),
        (
            {"adjustments_contact": ""},
            "adjustments_contact",
            "Enter who candidates can contact about adjustments for their interview",
        ),
    ],
)
def test_each_bad_answer_gets_a_govuk_message_and_the_draft_is_not_lost(
    app, client, login_as, overrides, field_id, message
):
    login_as("borough_staff")
    data = form_data(**{"title": "Keep my words", **overrides})
    response = client.post(CREATE_URL, data=data)
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "There is a problem" in html and html.count(message.split("(")[0].strip()) >= 2  # summary and inline
    assert f'href="#{field_id}"' in html
    assert "<title>Error:" in html
    if "description" not in overrides:  # the other answers stay
        assert "Build and improve the housing repairs service." in html
    if "title" not in overrides:
        assert 'value="Keep my words"' in html
    assert placements(app) == []


def test_under_30_hours_is_allowed_with_a_warning(app, client, login_as):
    login_as("borough_staff")
    response = client.post(CREATE_URL, data=form_data(hours_per_week="20"))
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Most apprenticeships are 30 hours a week or more" in html
    # the form warns too, while the answer is being corrected
    html = client.post(CREATE_URL, data=form_data(hours_per_week="20", title="")).get_data(as_text=True)
    assert "Most apprenticeships are 30 hours a week or more. You can still post" in html


def test_an_admin_creates_a_placement_for_a_chosen_borough(app, client, login_as):
    login_as("admin", None)
    html = client.post(CREATE_URL, data=form_data()).get_data(as_text=True)
    assert "Select the borough" in html
    client.post(CREATE_URL, data=form_data(borough="camden"))
    [placement] = placements(app)
    with app.app_context():
        assert _db.session.get(Placement, placement.id).borough.slug == "camden"


# --- the lifecycle ----------------------------------------------------------------------------------------------


def test_publish_makes_it_public_then_close_hides_it_then_filled(app, client, login_as):
    login_as("borough_staff")
    client.post(CREATE_URL, data=form_data(title="Lifecycle placement"))
    [placement] = placements(app)
    assert client.get(f"/placements/{placement.id}").status_code == 404  # a draft is not public
    assert "Lifecycle placement" not in client.get("/placements/").get_data(as_text=True)
    response = client.post(f"/staff/placements/{placement.id}/publish", follow_redirects=True)
    assert "Placement published" in response.get_data(as_text=True)
    assert client.get(f"/placements/{placement.id}").status_code == 200
    assert "Lifecycle placement" in client.get("/placements/?postcode=E8&distance=5&sort=distance").get_data(
        as_text=True
    )
    client.post(f"/staff/placements/{placement.id}/close")
    assert client.get(f"/placements/{placement.id}").status_code == 404
    client.post(f"/staff/placements/{placement.id}/fill")
    [placement] = placements(app)
    assert placement.status == "filled" and placement.published_at and placement.closed_at
    assert audit_actions(app) == ["placement.created", "placement.publish", "placement.close", "placement.fill"]


def test_a_status_change_that_is_not_allowed_is_explained_not_applied(app, client, login_as):
    login_as("borough_staff")
    placement_id = make_placement(app, status="draft")
    html = client.post(f"/staff/placements/{placement_id}/close", follow_redirects=True).get_data(as_text=True)
    assert "You cannot close a placement that is draft" in html
    assert placements(app)[0].status == "draft"


def test_a_draft_whose_closing_date_passed_cannot_be_published(app, client, login_as):
    login_as("borough_staff")
    placement_id = make_placement(app, status="draft", closing_date=TODAY - timedelta(days=1))
    html = client.post(f"/staff/placements/{placement_id}/publish", follow_redirects=True).get_data(as_text=True)
    assert "The closing date has passed. Change the closing date before you publish." in html
    assert placements(app)[0].status == "draft"


def test_edit_changes_a_live_placement_and_keeps_it_live(app, client, login_as):
    login_as("borough_staff")
    placement_id = make_placement(app, title="Old title")
    html = client.get(f"/staff/placements/{placement_id}/edit").get_data(as_text=True)
    assert 'value="Old title"' in html and 'value="E8"' in html
    response = client.post(f"/staff/placements/{placement_id}/edit", data=form_data(title="New title"))
    assert response.status_code == 302
    [placement] = placements(app)
    assert placement.title == "New title" and placement.status == "live"
    assert audit_actions(app) == ["placement.updated"]


def test_changing_the_standard_shows_the_new_keywords_and_saves_only_with_the_details(app, client, login_as):
    login_as("borough_staff")
    placement_id = make_placement(app)
    response = client.post(f"/staff/placements/{placement_id}/standard", data={"standard": "ST0118"})
    edit_url = response.headers["Location"]
    assert edit_url.endswith(f"/staff/placements/{placement_id}/edit?standard=ST0118")
    html = client.get(edit_url).get_data(as_text=True)
    assert "Data analyst (ST0118)" in html and 'value="Tableau"' in html
    client.post(edit_url, data=form_data(standard="ST0118", skills=["Tableau"]))
    with app.app_context():
        placement = _db.session.get(Placement, placement_id)
        assert placement.standard.reference == "ST0118" and placement.skills == ["Tableau"]


def test_closed_placements_cannot_be_edited_but_can_be_duplicated(app, client, login_as):
    login_as("borough_staff")
    placement_id = make_placement(app, status="closed", title="Last year's placement")
    html = client.get(f"/staff/placements/{placement_id}/edit", follow_redirects=True).get_data(as_text=True)
    assert "You cannot change a closed placement. Duplicate it to post it again." in html
    response = client.post(f"/staff/placements/{placement_id}/duplicate")
    original, copy = placements(app)
    assert copy.status == "draft" and copy.title == "Last year's placement" and copy.borough_id == original.borough_id
    assert response.headers["Location"].endswith(f"/staff/placements/{copy.id}/edit")
    assert "placement.duplicated" in audit_actions(app)


def test_the_list_shows_each_placement_with_a_status_tag(app, client, login_as):
    login_as("borough_staff")
    for status in ("draft", "live", "closed", "filled"):
        make_placement(app, status=status, title=f"A {status} one")
    make_placement(
        app,
        status="live",
        title="An expired one",
        closing_date=TODAY - timedelta(days=2),
        start_date=TODAY + timedelta(days=10),
    )
    html = client.get("/staff/").get_data(as_text=True)
    for text in (
        "A draft one",
        "A live one",
        "A closed one",
        "A filled one",
        "govuk-tag--grey",
        "govuk-tag--green",
        "govuk-tag--red",
        "govuk-tag--blue",
        "Closing date passed",
    ):
        assert text in html


def test_close_expired_command_closes_only_placements_past_their_closing_date(app, runner):
    expired = make_placement(app, closing_date=TODAY - timedelta(days=1))
    open_today = make_placement(app, closing_date=TODAY)
    result = runner.invoke(args=["placements", "close-expired"])
    assert result.exit_code == 0 and "Closed 1 placement" in result.output
    with app.app_context():
        assert _db.session.get(Placement, expired).status == "closed"
        assert _db.session.get(Placement, open_today).status == "live"
        assert (
            _db.session.scalar(_db.select(AuditEvent.action).where(AuditEvent.entity_id == expired))
            == "placement.closed_automatically"
        )


# --- access and tenancy -----------------------------------------------------------------------------------------

# Every staff URL, in one place: a new staff page must be added here, and the tests below then check it.
# (method, path); {id} is a placement of the other borough.
STAFF_URLS = [
    ("GET", "/staff/"),
    ("GET", "/staff/placements/new"),
    ("POST", "/staff/placements/new"),
    ("GET", "/staff/placements/new/details?standard=ST0116"),
    ("POST", "/staff/placements/new/details?standard=ST0116"),
    ("GET", "/staff/placements/{id}"),
    ("GET", "/staff/placements/{id}/edit"),
    ("POST", "/staff/placements/{id}/edit"),
    ("GET", "/staff/placements/{id}/standard"),
    ("POST", "/staff/placements/{id}/standard"),
    ("POST", "/staff/placements/{id}/publish"),
    ("POST", "/staff/placements/{id}/close"),
    ("POST", "/staff/placements/{id}/fill"),
    ("POST", "/staff/placements/{id}/duplicate"),
    ("GET", "/staff/placements.csv"),
    ("GET", "/staff/placements/import-template.csv"),
    ("GET", "/staff/placements/import"),
    ("POST", "/staff/placements/import"),
]


def test_the_staff_url_list_covers_every_staff_route(app):
    listed = {path.split("?")[0].replace("{id}", "<int:placement_id>") for _, path in STAFF_URLS}
    routes = {
        rule.rule.replace("<any(publish, close, fill):action>", "publish")
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("staff.")
    }
    assert routes <= listed | {"/staff/placements/<int:placement_id>/publish"}


@pytest.mark.parametrize(("method", "path"), [u for u in STAFF_URLS if "{id}" in u[1]])
def test_another_boroughs_placement_is_a_404_on_every_staff_url(app, client, login_as, method, path):
    others = [
        make_placement(app, borough="camden", status=status, title="Software developer apprentice")
        for status in ("draft", "live", "closed")
    ]
    login_as("borough_staff", "hackney")
    for other in others:
        response = client.open(path.format(id=other), method=method, data=form_data())
        assert response.status_code == 404, (path, other)
    with app.app_context():
        assert [(v.status, v.title) for v in _db.session.scalars(_db.select(Placement).order_by(Placement.id))] == [
            (status, "Software developer apprentice") for status in ("draft", "live", "closed")
        ]  # nothing changed or added


@pytest.mark.parametrize("role", ["candidate", "recruiter", "analyst"])
def test_other_roles_are_refused_every_staff_url(app, client, login_as, role):
    placement_id = make_placement(app)
    login_as(role, "hackney")
    for method, path in STAFF_URLS:
        assert client.open(path.format(id=placement_id), method=method, data=form_data()).status_code == 403, path


def test_signed_out_people_are_sent_to_sign_in_from_every_staff_url(app, client):
    placement_id = make_placement(app)
    for method, path in STAFF_URLS:
        response = client.open(path.format(id=placement_id), method=method)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], path


def test_lists_and_exports_only_contain_the_staff_members_own_borough(app, client, login_as):
    make_placement(app, borough="hackney", title="Hackney placement")
    make_placement(app, borough="camden", title="Camden placement", status="draft")
    login_as("borough_staff", "hackney")
    html = client.get("/staff/").get_data(as_text=True)
    assert "Hackney placement" in html and "Camden placement" not in html
    csv_text = client.get("/staff/placements.csv").get_data(as_text=True)
    assert "Hackney placement" in csv_text and "Camden placement" not in csv_text


def test_admins_see_every_borough(app, client, login_as):
    make_placement(app, borough="hackney", title="Hackney placement")
    camden = make_placement(app, borough="camden", title="Camden placement", status="draft")
    login_as("admin", None)
    html = client.get("/staff/").get_data(as_text=True)
    assert "Hackney placement" in html and "Camden placement" in html
    assert client.get(f"/staff/placements/{camden}").status_code == 200


def test_status_changes_need_a_csrf_token(app, client, login_as):
    app.config["WTF_CSRF_ENABLED"] = True
    login_as("borough_staff")
    placement_id = make_placement(app, status="draft")
    assert client.post(f"/staff/placements/{placement_id}/publish").status_code == 400
    assert placements(app)[0].status == "draft"


# --- any input at all -------------------------------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

ANSWER = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "0",
            "-1",
            "7.55",
            "9.5",
            "1e9",
            "NaN",
            "Infinity",
            "£21,000",
            "99999999999999",
            "37",
            "16",
            "41",
            "E8 1DY",
            "M1 1AE",
            "SW1A",
            "hour",
            "year",
            "ST0116",
            "y",
            "31",
            "2",
            "2027",
            "\x00",
            "<script>",
        ]
    ),
)
FORM = st.fixed_dictionaries(
    {
        name: ANSWER
        for name in (
            "standard",
            "title",
            "description",
            "skills_text",
            "wage_amount",
            "wage_unit",
            "hours_per_week",
            "positions",
            "workplace_postcode",
            "training_provider",
            "disability_confident",
            "resident_priority",
            "adjustments_contact",
        )
    },
    optional={
        "skills": st.lists(ANSWER, max_size=3),
        "start_date": st.lists(ANSWER, max_size=4),
        "closing_date": st.lists(ANSWER, max_size=4),
        "borough": ANSWER,
    },
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=FORM)
def test_the_placement_form_never_fails_on_any_input(app, client, login_as, data):
    if not getattr(client, "_signed_in", False):
        login_as("borough_staff")
        client._signed_in = True
    response = client.post(CREATE_URL, data=data)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert "There is a problem" in response.get_data(as_text=True)


@settings(max_examples=300, deadline=None)
@given(data=FORM)
def test_the_shared_validation_either_accepts_complete_values_or_names_a_field(data):
    from recruit.services.placements import WageRules, validate_placement
    from recruit.services.placements.fields import FIELD_NAMES

    standard = type("S", (), {"id": 1, "title": "Software developer", "keywords": ["git", "SQL"]})
    rules = WageRules(Decimal("7.55"), date(2025, 4, 1), Decimal("14.80"))
    values, errors = validate_placement(data, {"ST0116": standard}, rules, TODAY)
    assert set(errors) <= set(FIELD_NAMES)
    if not errors:
        assert 16 <= values["hours_per_week"] <= 40 and values["hourly_wage"] >= rules.minimum_hourly
        assert TODAY < values["closing_date"] < values["start_date"]


# Staff-facing pages outside /staff/ that show a borough's own placements: each must show only the signed-in person's
# borough, whatever the address asks for. (Progress pages show every borough, as counts under the disclosure rules.)
BOROUGH_PAGES = [
    ("borough_staff", "/reports/borough"),
    ("borough_staff", "/reports/borough?borough=camden"),
    ("recruiter", "/reports/borough"),
    ("recruiter", "/reports/borough?borough=camden"),
    ("borough_staff", "/reports/?borough=camden"),
]


@pytest.mark.fresh_database  # one of the pages is the reports, which query on connections of their own
@pytest.mark.parametrize(("role", "path"), BOROUGH_PAGES)
def test_borough_pages_never_show_another_boroughs_placements(app, client, login_as, role, path):
    make_placement(app, borough="camden", title="Camden-only placement")
    make_placement(app, borough="hackney", title="Hackney placement")
    login_as(role, "hackney")
    response = client.get(path)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Camden-only placement" not in page
    assert "Hackney placement" in page or path.startswith("/reports/?")
    if path.startswith("/reports/?"):
        assert "Outreach reports: Hackney" in page
