"""In Chromium: nothing sits outside a landmark (axe's "region" rule), and wide staff tables on a phone say they scroll."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.factories import make_placement

pytestmark = pytest.mark.browser
_axe = Axe()


def _region_violations(page) -> list:
    page.wait_for_load_state("load")
    results = _axe.run(page, options={"runOnly": {"type": "rule", "values": ["region"]}, "resultTypes": ["violations"]})
    return [node["target"] for violation in results.response["violations"] for node in violation["nodes"]]


def test_the_phase_banner_and_back_link_sit_inside_landmarks(page, app, make_user, browser_sign_in):
    placement_id = make_placement(app)
    for path in ("/", f"/placements/{placement_id}", "/apply/eligibility", "/sign-in"):
        page.goto(path)
        assert _region_violations(page) == [], path
    browser_sign_in(make_user("borough_staff", "hackney"))
    for path in ("/staff/", "/staff/placements/import"):
        page.goto(path)
        assert _region_violations(page) == [], path
