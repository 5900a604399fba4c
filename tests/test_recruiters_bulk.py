"""Bulk decisions: shortlist or reject several suggestions in one step, each checked against the version seen."""

import pytest

from recruit.extensions import db
from recruit.models import OutboxEmail, Suggestion
from tests.factories import make_candidate, make_placement
from tests.matching_data import Poster, run, set_stage
from tests.page_checks import visible_words


@pytest.fixture
def four(app, make_user):
    """A Hackney placement with four suggestions; the last candidate asked for a guaranteed interview."""
    placement = make_placement(app, title="Junior developer apprentice (Housing repairs)", positions=2)
    people = [make_candidate(app, make_user, [placement]) for _ in range(3)]
    people.append(make_candidate(app, make_user, [placement], guaranteed_interview=True))
    suggestions = {m.candidate_id: m for m in run(app).suggestions}
    return {"placement": placement, "people": people, "suggestions": [suggestions[p.id] for p in people]}


def _stages(app, suggestions):
    with app.app_context():
        return [db.session.get(Suggestion, m.id).stage for m in suggestions]


def _selection(suggestions):
    return [f"{m.id}:{m.version}" for m in suggestions]


def test_placement_page_has_a_checkbox_per_suggestion_that_works_without_javascript(client, login_as, four):
    login_as("recruiter", "hackney")
    page = client.get(f"/recruiters/placements/{four['placement']}").get_data(as_text=True)
    text = visible_words(page)
    for person in four["people"]:
        assert f"Select Candidate C-{person.id:04d}" in text
    assert "Shortlist selected candidates" in text and "Reject selected candidates" in text
    assert page.count('type="checkbox"') == 4 and 'value="shortlist" name="action"' in page


def test_bulk_shortlist_changes_each_item_at_its_own_version_and_says_which_did_not_change(app, client, login_as, four):
    login_as("recruiter", "hackney")
    post = Poster(client, f"/recruiters/placements/{four['placement']}")
    selection = _selection(four["suggestions"][:3])
    set_stage(app, four["suggestions"][1].id, "rejected")  # someone else decided on the second while we looked
    response = post(f"/recruiters/placements/{four['placement']}/bulk", {"selected": selection, "action": "shortlist"})
    text = visible_words(response.get_data(as_text=True))
    assert response.status_code == 200 and "Shortlisted 2 of 3 candidates" in text
    first, second, third = (f"C-{p.id:04d}" for p in four["people"][:3])
    changed, unchanged = text.split("Not changed")
    assert f"{first}: Shortlisted." in changed and f"{third}: Shortlisted." in changed
    assert f"{second}: Someone else changed this suggestion while you were looking at it" in unchanged
    assert _stages(app, four["suggestions"]) == ["shortlisted", "rejected", "shortlisted", "suggested"]
    with app.app_context():
        assert (
            db.session.scalar(
                db.select(db.func.count())
                .select_from(OutboxEmail)
                .where(OutboxEmail.template == "suggestion_shortlisted")
            )
            == 2
        )


def test_nothing_selected_or_forged_selection_is_an_error_message_and_nothing_changes(app, client, login_as, four):
    login_as("recruiter", "hackney")
    post = Poster(client, f"/recruiters/placements/{four['placement']}")
    for data in (
        {"action": "shortlist"},
        {"selected": ["abc"], "action": "shortlist"},
        {"selected": ["1:²"], "action": "reject"},
    ):
        response = post(f"/recruiters/placements/{four['placement']}/bulk", data)
        text = visible_words(response.get_data(as_text=True))
        assert response.status_code == 200 and "There is a problem" in text, data
        assert "Select at least one candidate" in text or "Select candidates from the list" in text
    # another placement's suggestion smuggled into the list is not changed
    other = make_placement(app, title="Other placement")
    response = post(
        f"/recruiters/placements/{other}/bulk", {"selected": _selection(four["suggestions"][:1]), "action": "shortlist"}
    )
    assert "This is not one of this placement's suggestions" in visible_words(response.get_data(as_text=True))
    assert _stages(app, four["suggestions"]) == ["suggested"] * 4


def test_bulk_reject_with_one_reason_and_template_feedback_excluding_guaranteed_interviews(app, client, login_as, four):
    login_as("recruiter", "hackney")
    post = Poster(client, f"/recruiters/placements/{four['placement']}")
    selection = _selection([four["suggestions"][0], four["suggestions"][3]])
    response = post(f"/recruiters/placements/{four['placement']}/bulk", {"selected": selection, "action": "reject"})
    text = visible_words(response.get_data(as_text=True))
    guaranteed = f"C-{four['people'][3].id:04d}"
    assert "Reject 2 candidates" in text
    assert f"{guaranteed}: not included. They asked for a guaranteed interview" in text
    assert "Other candidates were a closer match" in text  # the reason radios
    # choose another template: the feedback box is filled with it, ready to edit (no JavaScript needed)
    response = post(
        f"/recruiters/placements/{four['placement']}/bulk-reject",
        {"selected": selection, "feedback_template": "skills", "action": "template", "reason": "skills"},
    )
    text = visible_words(response.get_data(as_text=True))
    assert "building a small project that uses them" in text and "There is a problem" not in text
    # missing reason: an error, nothing changed, the selection kept
    response = post(
        f"/recruiters/placements/{four['placement']}/bulk-reject",
        {"selected": selection, "feedback": "Thanks", "action": "reject"},
    )
    text = visible_words(response.get_data(as_text=True))
    assert (
        "There is a problem" in text
        and "Select the reason for not going ahead" in text
        and "Reject 2 candidates" in text
    )
    assert _stages(app, four["suggestions"]) == ["suggested"] * 4
    feedback = "Thank you. More SQL practice would help."
    response = post(
        f"/recruiters/placements/{four['placement']}/bulk-reject",
        {"selected": selection, "reason": "closer_match", "feedback": feedback, "action": "reject"},
    )
    text = visible_words(response.get_data(as_text=True))
    assert "Rejected 1 of 2 candidates" in text
    assert f"{guaranteed}: They asked for a guaranteed interview" in text.split("Not changed")[1]
    assert _stages(app, four["suggestions"]) == ["rejected", "suggested", "suggested", "suggested"]
    with app.app_context():
        suggestion = db.session.get(Suggestion, four["suggestions"][0].id)
        assert suggestion.feedback == feedback and suggestion.reason == "Other candidates were a closer match"
        email = db.session.scalar(db.select(OutboxEmail).where(OutboxEmail.template == "suggestion_rejected"))
        assert feedback in email.text_body


def test_guaranteed_interview_candidates_can_be_rejected_in_bulk_after_their_interview(app, client, login_as, four):
    login_as("recruiter", "hackney")
    post = Poster(client, f"/recruiters/placements/{four['placement']}")
    set_stage(app, four["suggestions"][3].id, "interview")
    response = post(
        f"/recruiters/placements/{four['placement']}/bulk-reject",
        {
            "selected": [f"{four['suggestions'][3].id}:2"],
            "reason": "interview",
            "feedback": "Thank you for coming",
            "action": "reject",
        },
    )
    assert "Rejected 1 of 1 candidate" in visible_words(response.get_data(as_text=True))
