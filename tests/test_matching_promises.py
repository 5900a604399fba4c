"""What candidates are told about matching is true: skills counted as the placement page shows them,
residents-first placements applied, shown and verifiable from the export."""

import json
import re
import subprocess
import sys

import pytest

from recruit.extensions import db
from recruit.models import Borough
from tests.factories import make_candidate, make_placement
from tests.matching_data import run, sign_in_other
from tests.page_checks import visible_words

SKILLS = ["secure coding", "object-oriented", "SQL", "git", "agile"]


@pytest.fixture
def app_config():
    return {"SHORTLIST_FACTOR": 1}


def _borough_id(app, slug):
    with app.app_context():
        return db.session.scalar(db.select(Borough.id).where(Borough.slug == slug))


def _listed_skills(html: str) -> list[str]:
    """The items of the list under the placement page's "Skills wanted" heading, as read."""
    section = html.split(">Skills wanted</h2>", 1)[1]
    listing = section.split("</ul>", 1)[0] if section.lstrip().startswith("<ul") else ""
    return [visible_words(item) for item in re.findall(r"<li>(.*?)</li>", listing, flags=re.S)]


def test_the_explanation_counts_exactly_the_skills_the_placement_page_lists(app, client, make_user):
    placement = make_placement(app, skills=SKILLS, title="Secure developer")
    # Picked SQL and git; wrote "secure coding" as a phrase; "object" and "oriented" apart are not the term.
    candidate = make_candidate(
        app,
        make_user,
        [placement],
        skills=["SQL", "git"],
        skills_text="I learnt secure coding; my object was to be oriented to users",
    )
    result = run(app)
    listed = _listed_skills(client.get(f"/placements/{placement}").get_data(as_text=True))
    assert listed == SKILLS
    sign_in_other(client, type("U", (), {"id": candidate.user_id}))
    page = visible_words(client.get("/candidates/").get_data(as_text=True))
    found = re.search(r"(\d+) of its (\d+) skills match yours", page)
    assert found and (int(found.group(1)), int(found.group(2))) == (3, len(listed))
    # Recruiters see the same whole terms, never fragments such as "object" or "oriented".
    sign_in_other(client, make_user("recruiter", "hackney"))
    page = visible_words(client.get(f"/recruiters/suggestions/{result.suggestions[0].id}").get_data(as_text=True))
    assert (
        "Placement skills they have secure coding, SQL, git Placement skills they did not mention object-oriented, agile"
        in page
    )
    assert "3 of its 5 skills match theirs" in page


def test_a_residents_first_placement_puts_its_residents_first_and_says_so(app, client, make_user, runner, tmp_path):
    hackney, camden = _borough_id(app, "hackney"), _borough_id(app, "camden")
    placement = make_placement(app, skills=SKILLS, resident_priority=True, title="Hackney developer")
    strong = make_candidate(app, make_user, [placement], skills=SKILLS, home_borough_id=camden)
    resident = make_candidate(
        app, make_user, [placement], skills=[], skills_text="", interests=[], home_borough_id=hackney
    )
    result = run(app, seed=5, publish=False)  # a preview: the same round is run again below
    assert [(c, v) for c, v, _ in result.pairs] == [(resident.id, placement)]
    (suggestion,) = result.suggestions
    assert "this placement considers Hackney residents first and you live there" in suggestion.explanation["sentence"]

    page = visible_words(client.get(f"/placements/{placement}").get_data(as_text=True))
    assert (
        "Priority for residents of Hackney Yes: candidates who live in Hackney are considered first, then "
        "everyone else, each in order of score"
    ) in page

    output = tmp_path / "run.json"
    assert runner.invoke(args=["match", "export", str(result.id), "--output", str(output)]).exit_code == 0
    spec = json.loads(output.read_text())["placements"][f"p-{placement}"]
    assert spec["residents_first"] == "Hackney" and spec["residents_ranked_first"] == 1 and len(spec["ranking"]) == 2
    checked = subprocess.run(
        [sys.executable, "-m", "matching", "check", str(output), str(output)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # Without the flag, the stronger score wins.
    with app.app_context():
        from recruit.models import Placement

        db.session.get(Placement, placement).resident_priority = False
        db.session.commit()
    assert [(c, v) for c, v, _ in run(app, seed=5, publish=False).pairs] == [
        (strong.id, placement)
    ]  # round 1 is published


def test_the_service_refuses_to_start_with_the_old_choice_weight():
    from recruit import create_app

    with pytest.raises(ValueError, match="unknown weight 'preference'"):
        create_app({"MATCH_WEIGHTS": {"skills": 0.4, "interest": 0.25, "travel": 0.15, "preference": 0.2}})
