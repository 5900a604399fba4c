"""Plain-English statements: a short, reviewed question a first-job candidate can answer, which still scores."""

import csv
from pathlib import Path

import pytest

from matching import check_statements
from recruit.extensions import db
from recruit.models import Candidate
from recruit.services.candidates.skills import PATHWAYS, statement_terms, statements
from tests.candidate_journey import Poster
from tests.factories import make_candidate, make_placement
from tests.matching_data import run
from tests.page_checks import visible_words

DATA = Path(__file__).resolve().parents[1] / "recruit" / "data"


def test_the_reviewed_table_is_short_grouped_and_maps_only_to_the_standards_skills():
    table = statements()
    assert 0 < len(table) <= 30
    assert 5 <= len(PATHWAYS) <= 7
    assert {s.pathway for s in table} == {key for key, _ in PATHWAYS}  # no empty pathway
    with open(DATA / "apprenticeship_standards.csv", encoding="utf-8") as handle:
        keywords = {k for row in csv.DictReader(handle) for k in row["keywords"].split(";")}
    assert all(set(s.terms) <= keywords for s in table)
    jargon = {"SIEM", "OSI", "ITIL", "Kubernetes", "CIA triad", "SQL", "API", "VLAN"}
    assert not any(word.casefold() in s.text.casefold().split() for s in table for word in jargon)


def test_a_bad_table_is_refused_naming_the_statement_or_pathway():
    with pytest.raises(ValueError, match="statement 'x' maps to 'quantum knitting'"):
        check_statements({"x": ("data", ["statistics", "quantum knitting"])}, ["data"], ["statistics"])
    with pytest.raises(ValueError, match="pathway 'security' has no statements"):
        check_statements({"x": ("data", ["statistics"])}, ["data", "security"], ["statistics"])
    with pytest.raises(ValueError, match="statement 'y' is in unknown pathway 'cooking'"):
        check_statements({"y": ("cooking", ["statistics"])}, ["data"], ["statistics"])


def test_the_skills_page_asks_statements_per_pathway_and_keeps_technical_terms_optional(app, client, login_as):
    from tests.factories import make_eligible

    user = login_as()
    make_eligible(app, user.candidate_id)
    page = visible_words(client.get("/candidates/application/skills").get_data(as_text=True))
    for _, label in PATHWAYS:
        assert label in page
    assert "I have sorted out a computer or phone problem for someone" in page
    assert "I like finding patterns in numbers" in page
    assert "Technical skills you already have (optional)" in page
    assert "You never need these for a good match" in page
    post = Poster(client)
    response = post("/candidates/application/skills", {"statements_support": ["not-a-statement"]})
    assert "Select things from the list" in visible_words(response.get_data(as_text=True))
    post(
        "/candidates/application/skills",
        {"statements_support": ["fixed-a-device"], "statements_data": ["number-patterns"]},
    )
    with app.app_context():
        row = db.session.get(Candidate, user.candidate_id)
        assert (row.statements, row.skills, row.skills_text) == (["number-patterns", "fixed-a-device"], [], None)
    summary = visible_words(client.get("/candidates/application/check").get_data(as_text=True))
    assert "Things you have done or enjoy I like finding patterns in numbers I have sorted out a computer" in summary


def test_no_technical_terms_but_matching_statements_and_interests_is_still_suggested(app, make_user):
    placement = make_placement(
        app, standard="ST0120", skills=["troubleshooting", "user support", "hardware", "service desk"]
    )
    stated = make_candidate(
        app,
        make_user,
        [],
        skills=[],
        skills_text="",
        interests=["ST0120"],
        statements=["fixed-a-device", "explain-patiently"],
        consider_other_placements=True,
    )
    technical = make_candidate(
        app,
        make_user,
        [],
        skills=["troubleshooting", "user support", "hardware", "service desk"],
        skills_text="",
        interests=["ST0120"],
        consider_other_placements=True,
    )
    result = run(app)
    by_candidate = {m.candidate_id: m for m in result.suggestions}
    assert by_candidate[stated.id].placement_id == placement
    with app.app_context():
        assert set(statement_terms(["fixed-a-device", "explain-patiently"])) >= {"troubleshooting", "service desk"}
    # Statements standing for all four terms score as well as ticking the four technical terms.
    assert by_candidate[stated.id].components["skills"] == pytest.approx(
        by_candidate[technical.id].components["skills"]
    )
    assert by_candidate[stated.id].explanation["matching_terms"] == [
        "troubleshooting",
        "user support",
        "hardware",
        "service desk",
    ]


@pytest.mark.browser
def test_the_skills_page_fits_a_phone_without_endless_scrolling(browser, live_server, app, make_user):
    from tests.a11y import assert_no_axe_violations
    from tests.conftest import TEST_PASSWORD
    from tests.factories import make_eligible

    user = make_user("candidate")
    make_eligible(app, user.candidate_id)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 812})
    page = context.new_page()
    page.goto("/sign-in")
    page.fill("#email", user.email)
    page.fill("#password", TEST_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    page.goto("/candidates/application/skills")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert height <= 4000, f"the skills page is {height}px tall on a phone"  # it was about 7,900 px
    assert_no_axe_violations(page)
    page.get_by_text("Technical skills you already have (optional)").click()  # opens without JavaScript too
    expect_open = page.evaluate("document.querySelector('details').open")
    assert expect_open
    context.close()
