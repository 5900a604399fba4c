"""Proxies named: "How matching works" lists what can stand in for a protected characteristic and what we do,
and the run page shows selection rates by home borough and by hours available."""

import pytest

from recruit.extensions import db
from recruit.models import Borough
from tests.factories import make_candidate, make_placement
from tests.matching_data import run
from tests.page_checks import visible_words


def test_how_matching_works_names_every_proxy_and_what_we_do(client):
    page = visible_words(client.get("/how-matching-works").get_data(as_text=True))
    section = page.split("Information that can stand in for who you are", 1)[1]
    for proxy in (
        "Where you live",
        "The hours you can work",
        "When you can start",
        "Your qualifications",
        "The words you use",
    ):
        assert proxy in section, proxy
    assert "sees selection rates by home borough and by hours available" in section


@pytest.mark.fresh_database  # the run page's figures come from reports, which reports query on connections of their own: they must see the test's commits
def test_the_run_page_shows_selection_rates_by_home_borough_and_hours(app, client, login_as, make_user):
    with app.app_context():
        camden = db.session.scalar(db.select(Borough.id).where(Borough.slug == "camden"))
        hackney = db.session.scalar(db.select(Borough.id).where(Borough.slug == "hackney"))
    placement = make_placement(app, positions=12)  # 35 hours a week
    for _ in range(12):  # full-time Hackney residents: all can be suggested
        make_candidate(app, make_user, [placement], home_borough_id=hackney, hours_per_week=37)
    for _ in range(11):  # part-time Camden residents: the hours rule keeps every one out
        make_candidate(app, make_user, [placement], home_borough_id=camden, hours_per_week=25)
    make_candidate(app, make_user, [placement], home_borough_id=None, hours_per_week=16)
    result = run(app, seed=3)
    login_as("admin", None)
    page = visible_words(client.get(f"/admin/match-runs/{result.id}").get_data(as_text=True))
    assert (
        "Candidates suggested by home borough Home borough Candidates Suggested Share suggested 95% range "
        "Camden 11 0 0% 0% to 26% Hackney 12 12 100% 76% to 100% "
        "Outside London or not given Fewer than 10 – Not enough data –"
    ) in page
    assert (
        "Candidates suggested by hours available Hours available Candidates Suggested Share suggested 95% range "
        "Under 20 hours Fewer than 10 – Not enough data – 20 to 29 hours 11 0 0% 0% to 26% "
        "35 hours or more 12 12 100% 76% to 100%"
    ) in page
    assert "Candidates in Camden were suggested at 0% of the rate of Hackney (below four-fifths)." in page
