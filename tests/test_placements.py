"""The public listing and placement pages: filters, sorting, distance, pagination, and what is never shown."""

from datetime import date, timedelta
from decimal import Decimal
from html import unescape

import pytest

from recruit.extensions import db as _db
from recruit.models import Placement
from tests.factories import make_placement

TODAY = date.today()


def test_listing_shows_live_placements_with_borough_wage_hours_and_closing_date(app, client):
    make_placement(app, title="Cloud apprentice", hours_per_week=37)
    html = client.get("/placements/").get_data(as_text=True)
    assert "Cloud apprentice" in html
    assert "Hackney" in html and "£10.00 an hour" in html and "37 a week" in html
    assert (TODAY + timedelta(days=30)).strftime("%B %Y") in html


def ids_in(html: str) -> list[int]:
    import re

    return [int(found) for found in re.findall(r'href="/placements/(\d+)"', html)]


def test_listing_never_shows_drafts_closed_filled_or_expired_placements(app, client):
    live = make_placement(app)
    hidden = [make_placement(app, status=status) for status in ("draft", "closed", "filled")]
    expired = make_placement(app, closing_date=TODAY - timedelta(days=1), start_date=TODAY + timedelta(days=5))
    assert ids_in(client.get("/placements/").get_data(as_text=True)) == [live]
    for placement_id in [*hidden, expired]:
        assert client.get(f"/placements/{placement_id}").status_code == 404
    assert client.get("/placements/999999").status_code == 404


def test_filters_by_borough_level_standard_and_london_living_wage(app, client):
    app.config["LONDON_LIVING_WAGE"] = 14.80
    hackney = make_placement(app, borough="hackney", standard="ST0116")  # level 4, £10
    camden = make_placement(app, borough="camden", standard="ST0128", outward="NW1")  # level 3
    well_paid = make_placement(
        app,
        borough="camden",
        standard="ST0118",
        outward="NW1",
        wage_amount=Decimal("31000"),
        wage_unit="year",
        hourly_wage=Decimal("16.11"),
    )
    assert set(ids_in(client.get("/placements/?borough=camden").get_data(as_text=True))) == {camden, well_paid}
    assert set(ids_in(client.get("/placements/?level=4").get_data(as_text=True))) == {hackney, well_paid}
    assert ids_in(client.get("/placements/?standard=ST0128").get_data(as_text=True)) == [camden]
    html = client.get("/placements/?llw=yes").get_data(as_text=True)
    assert (
        ids_in(html) == [well_paid]
        and "Pays the London Living Wage" in html
        and "£31,000 a year (£16.11 an hour)" in html
    )
    assert ids_in(client.get("/placements/?q=cloud").get_data(as_text=True)) == []


def test_distance_filter_and_sort_use_the_outward_codes_coordinates(app, client):
    near = make_placement(app, outward="E8", closing_date=TODAY + timedelta(days=40))  # Hackney
    middle = make_placement(app, outward="N1", closing_date=TODAY + timedelta(days=20))  # Islington, ~3 km
    far = make_placement(
        app, outward="SE9", borough="greenwich", closing_date=TODAY + timedelta(days=10)
    )  # Eltham, ~13 km
    html = client.get("/placements/?postcode=e8+1dy&distance=5&sort=distance").get_data(as_text=True)
    assert ids_in(html) == [near, middle]
    assert "km from E8 1DY" in html
    assert ids_in(client.get("/placements/?postcode=E8&sort=distance").get_data(as_text=True)) == [near, middle, far]
    assert ids_in(client.get("/placements/?postcode=E8&sort=closing").get_data(as_text=True)) == [far, middle, near]
    assert ids_in(client.get("/placements/?sort=closing").get_data(as_text=True)) == [far, middle, near]


def test_sort_by_wage_puts_the_best_paid_first(app, client):
    low = make_placement(app, hourly_wage=Decimal("8.00"), wage_amount=Decimal("8.00"))
    high = make_placement(app, hourly_wage=Decimal("15.00"), wage_amount=Decimal("15.00"))
    assert ids_in(client.get("/placements/?sort=wage").get_data(as_text=True)) == [high, low]
    assert ids_in(client.get("/placements/?sort=wage&postcode=E8").get_data(as_text=True)) == [high, low]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("postcode=not+a+postcode", "postcode", "Enter a real postcode, like E8 1DY"),
        ("postcode=ZZ99+9ZZ", "postcode", "Enter a real postcode, like E8 1DY"),
        ("postcode=M1+1AE", "postcode", "Enter a postcode in London"),
        ("postcode=DA1", "postcode", "Enter a postcode in London"),
        ("distance=5", "postcode", "Enter a postcode to search by distance"),
        ("sort=distance", "postcode", "Enter a postcode to sort by distance"),
        ("postcode=E8&distance=-1", "distance", "Distance must be a number of kilometres from 1 to 100"),
        ("postcode=E8&distance=nan", "distance", "Distance must be a number of kilometres from 1 to 100"),
        ("borough=atlantis", "borough", "Select a borough from the list"),
        ("level=99", "level", "Select a level from the list"),
        ("standard=ST9999", "standard", "Select an apprenticeship standard from the list"),
        ("sort=random", "sort", "Sort by closing date, distance or wage"),
        ("page=0", None, "Page must be a whole number from 1 to 10,000"),
    ],
)
def test_a_bad_filter_gets_a_clear_message_not_a_500(app, client, query, field, message):
    make_placement(app)
    response = client.get(f"/placements/?{query}")
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "There is a problem" in html and message in html
    if field:
        assert f'href="#{field}"' in html
    assert ids_in(html) == []


def test_pagination_is_accessible_and_keeps_the_filters(app, client):
    app.config["PAGE_SIZE"] = 2
    ids = [make_placement(app, closing_date=TODAY + timedelta(days=10 + n)) for n in range(5)]
    html = client.get("/placements/?borough=hackney").get_data(as_text=True)
    assert ids_in(html) == ids[:2]
    assert 'class="govuk-pagination"' in html and 'aria-label="Results pages"' in html
    assert 'href="/placements/?borough=hackney&amp;page=2"' in html and 'aria-current="page"' in html
    page3 = client.get("/placements/?borough=hackney&page=3").get_data(as_text=True)
    assert ids_in(page3) == ids[4:] and "page 3 of 3" in page3
    assert "no placements on this page" in client.get("/placements/?page=9").get_data(as_text=True)


def test_placement_page_has_everything_a_candidate_needs_and_an_apply_link(app, client):
    placement_id = make_placement(app, hours_per_week=20, resident_priority=True, disability_confident=True)
    html = unescape(client.get(f"/placements/{placement_id}").get_data(as_text=True))
    for text in (
        "Software developer apprentice",
        "Hackney",
        "Software developer (ST0116)",
        "Level 4 (like the first year of a degree)",
        "£10.00 an hour",
        "Hours per week",
        "Start date",
        "Closing date",
        "E8",
        "City College",
        "Disability Confident employer",
        "Priority for residents of Hackney",
        "jobs@hackney.example",
        "What you will do",
        "Skills wanted",
        "git",
        "Most apprenticeships are 30 hours a week or more",
    ):
        assert text in html, text
    assert f'href="/apply/eligibility?placement={placement_id}"' in html and "Add to my choices" not in html


def test_a_signed_in_candidate_can_add_the_placement_to_their_choices(app, client, login_as):
    placement_id = make_placement(app)
    login_as("candidate")
    html = client.get(f"/placements/{placement_id}").get_data(as_text=True)
    assert "Add to my choices" in html and 'action="/candidates/choices/add"' in html
    assert f'name="placement_id" value="{placement_id}"' in html and 'name="csrf_token"' in html


def test_demo_placements_render_in_the_listing(app, client):
    from recruit.demo import seed_demo

    with app.app_context():
        seed_demo()
    from recruit.models import PlacementStatus

    with app.app_context():  # the demo's accepted offer fills a placement (issue 9); the rest of the 30 are listed
        statuses = [v.status for v in _db.session.scalars(_db.select(Placement))]
    live = statuses.count(PlacementStatus.LIVE.value)
    assert len(statuses) == 30 and live == 30 - statuses.count(PlacementStatus.FILLED.value) and live >= 28
    html = client.get("/placements/").get_data(as_text=True)
    assert f"{live} placements" in html and len(ids_in(html)) == app.config["PAGE_SIZE"]
    assert len(ids_in(client.get("/placements/?page=2").get_data(as_text=True))) == live - app.config["PAGE_SIZE"]
    html = client.get("/placements/?postcode=E8&distance=50&sort=distance").get_data(as_text=True)
    assert f"{live} placements" in html
    assert client.get(f"/placements/{ids_in(html)[0]}").status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "",
        "q=data&postcode=E8+1DY&distance=5&borough=hackney&level=4&standard=ST0116&llw=yes&sort=distance",
        "borough=atlantis&level=99&distance=-1&sort=random&q=" + "x" * 101,
        "standard=ST0128&sort=wage&postcode=E8",
    ],
)
def test_the_listing_renders_its_filters_exactly_as_the_govuk_widgets_would(app, client, query):
    """The page calls the GOV.UK macros itself (quicker); the HTML is what govuk-frontend-wtf's widgets make."""
    from flask import request

    from recruit.placements import SearchForm
    from recruit.services import placements as service

    page = " ".join(client.get(f"/placements/?{query}").get_data(as_text=True).split())
    with app.test_request_context(f"/placements/?{query}"):
        form = SearchForm(request.args)
        form.set_choices(service.filter_choices())
        _, errors = service.parse_listing_args(request.args)
        if errors:
            form.show_errors(errors)
        widgets = [
            form.q(params={"classes": "govuk-!-width-full"}),
            form.postcode(params={"classes": "govuk-input--width-10"}),
            form.distance(),
            form.borough(params={"classes": "govuk-!-width-full"}),
            form.level(),
            form.standard(params={"classes": "govuk-!-width-full"}),
            form.llw(params={"value": "yes", "classes": "govuk-checkboxes--small"}),
            form.sort(),
        ]
    for html in widgets:
        assert " ".join(str(html).split()) in page
    assert ("There is a problem" in page) == bool(errors)
