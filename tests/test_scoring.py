"""Panel scoring: criteria per placement, independent 1-4 scores with evidence, blind until submitted."""

import re

import pytest

from recruit.extensions import db
from recruit.models import InterviewCriterion, InterviewScore, Suggestion
from recruit.services.matching import decide
from tests.candidate_journey import sign_in
from tests.factories import make_candidate, make_placement
from tests.matching_data import Poster, run, set_stage
from tests.page_checks import visible_words


@pytest.fixture
def panel(app, make_user):
    placement = make_placement(app, title="Junior developer apprentice (Housing repairs)")
    person = make_candidate(app, make_user, [placement])
    suggestion = run(app).suggestions[0]
    set_stage(app, suggestion.id, "interview")
    first, second = make_user("recruiter", "hackney"), make_user("recruiter", "hackney")
    return {"placement": placement, "person": person, "suggestion_id": suggestion.id, "first": first, "second": second}


def _criteria(app, placement):
    with app.app_context():
        return [
            (c.id, c.title)
            for c in db.session.scalars(
                db.select(InterviewCriterion)
                .where(InterviewCriterion.placement_id == placement)
                .order_by(InterviewCriterion.position)
            )
        ]


def _sheet(criteria, score="3", evidence="Explained how they fixed a bug step by step"):
    data = {}
    for criterion_id, _ in criteria:
        data[f"score_{criterion_id}"] = score
        data[f"evidence_{criterion_id}"] = evidence
    return data


def test_criteria_start_from_the_standards_template_and_can_be_edited(app, client, panel):
    sign_in(client, panel["first"])
    path = f"/recruiters/placements/{panel['placement']}/criteria"
    page = client.get(path).get_data(as_text=True)
    assert "started from the criteria for the Software developer standard" in visible_words(page)
    boxes = re.findall(r'<input[^>]*name="criterion_\d"[^>]*value="([^"]*)"', page)
    assert boxes[3] == "Interest in how software is built, tested and improved"  # ST0116's family
    assert boxes[4:] == ["", ""]  # room for two more
    post = Poster(client, path)
    response = post(path, {"criterion_1": "Motivation", "criterion_2": "Teamwork"})
    text = visible_words(response.get_data(as_text=True))
    assert "There is a problem" in text and "Enter from 3 to 6 criteria" in text
    response = post(path, {"criterion_1": "Motivation", "criterion_2": "Teamwork", "criterion_3": "x" * 151})
    assert "Each criterion must be 150 characters or fewer" in visible_words(response.get_data(as_text=True))
    assert len(_criteria(app, panel["placement"])) == 4  # unchanged
    assert (
        post(
            path, {"criterion_1": "Motivation", "criterion_2": "Teamwork", "criterion_3": "Problem solving"}
        ).status_code
        == 302
    )
    assert [t for _, t in _criteria(app, panel["placement"])] == ["Motivation", "Teamwork", "Problem solving"]


def test_scores_are_blind_until_you_submit_then_every_score_spread_and_mean(app, client, panel):
    suggestion_path = f"/recruiters/suggestions/{panel['suggestion_id']}/scores"
    sign_in(client, panel["first"])
    post = Poster(client, suggestion_path)
    criteria = _criteria(app, panel["placement"])
    assert post(suggestion_path, _sheet(criteria, "4", "First interviewer's secret evidence")).status_code == 302

    second = app.test_client()
    sign_in(second, panel["second"])
    page = visible_words(second.get(suggestion_path).get_data(as_text=True))
    assert "1 interviewer has submitted scores" in page
    assert "First interviewer's secret evidence" not in page and panel["first"].email not in page
    post_second = Poster(second, suggestion_path)
    # out of range, missing and too long: refused, nothing saved
    bad = _sheet(criteria, "5")
    bad[f"evidence_{criteria[1][0]}"] = ""
    bad[f"evidence_{criteria[2][0]}"] = "x" * 501
    response = post_second(suggestion_path, bad)
    text = visible_words(response.get_data(as_text=True))
    assert "There is a problem" in text and "Select a score from 1 to 4" in text
    assert "Enter the evidence for your score" in text and "Evidence must be 500 characters or fewer" in text
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(InterviewScore)) == len(criteria)
    assert post_second(suggestion_path, _sheet(criteria, "2", "Second view")).status_code == 302
    text = visible_words(second.get(suggestion_path).get_data(as_text=True))
    assert "First interviewer's secret evidence" in text and "Second view" in text
    assert "Mean of every score: 3.0 out of 4" in text and "Spread 2" in text and "the panel disagreed" in text
    # a second submission by the same person is refused
    response = post_second(suggestion_path, _sheet(criteria, "1"))
    assert "You have already submitted your scores" in visible_words(response.get_data(as_text=True))
    # criteria cannot change once scored
    response = post_second(
        f"/recruiters/placements/{panel['placement']}/criteria",
        {"criterion_1": "a", "criterion_2": "b", "criterion_3": "c"},
    )
    assert "cannot change" in visible_words(response.get_data(as_text=True))


def test_the_decision_records_the_scores_it_rests_on(app, client, panel):
    suggestion_path = f"/recruiters/suggestions/{panel['suggestion_id']}/scores"
    sign_in(client, panel["first"])
    post = Poster(client, suggestion_path)  # opening the page makes the placement's criteria from its template
    criteria = _criteria(app, panel["placement"])
    assert post(suggestion_path, _sheet(criteria)).status_code == 302
    with app.test_request_context():
        suggestion = db.session.get(Suggestion, panel["suggestion_id"])
        decide(suggestion, "offer", suggestion.version, panel["first"].id)
        change = db.session.get(Suggestion, panel["suggestion_id"]).stage_changes[-1]
        assert change.to_stage == "offered" and sorted(s.criterion_id for s in change.scores) == sorted(
            c for c, _ in criteria
        )
    text = visible_words(client.get(suggestion_path).get_data(as_text=True))
    assert "Offered on" in text and f"resting on {len(criteria)} scores from 1 interviewer" in text


def test_scoring_is_refused_outside_the_interview_stage(app, client, panel):
    set_stage(app, panel["suggestion_id"], "shortlisted")
    sign_in(client, panel["first"])
    suggestion_path = f"/recruiters/suggestions/{panel['suggestion_id']}/scores"
    text = visible_words(client.get(suggestion_path).get_data(as_text=True))
    assert "Scores are given while the candidate is at the interview stage" in text
