"""Guaranteed interview scheme: recruiters see the tag, and cannot reject an opted-in candidate before
interview unless they record which of the placement's essential requirements is not met."""

import pytest

from recruit.extensions import db
from recruit.models import AuditEvent, Suggestion
from recruit.services import matching as service
from tests.factories import START, make_candidate, make_placement
from tests.matching_data import Poster, run, set_stage
from tests.page_checks import visible_words


@pytest.fixture
def scheme(app, make_user):
    placement = make_placement(app, title="Junior developer apprentice", positions=2)
    opted = make_candidate(app, make_user, [placement], guaranteed_interview=True)
    other = make_candidate(app, make_user, [placement])
    by_candidate = {m.candidate_id: m for m in run(app).suggestions}
    return {"placement": placement, "opted": by_candidate[opted.id], "other": by_candidate[other.id]}


def _text(client, path) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return visible_words(response.get_data(as_text=True))


def _stage_and_reason(app, suggestion_id):
    with app.app_context():
        suggestion = db.session.get(Suggestion, suggestion_id)
        return suggestion.stage, suggestion.reason


def test_recruiters_see_the_scheme_tag_only_for_candidates_who_opted_in(client, login_as, scheme):
    login_as("recruiter", "hackney")
    page = _text(client, f"/recruiters/placements/{scheme['placement']}")
    opted, other = f"C-{scheme['opted'].candidate_id:04d}", f"C-{scheme['other'].candidate_id:04d}"
    cards = {ref: page.split(f"Candidate {ref}", 1)[1][:120] for ref in (opted, other)}
    assert "Stage Suggested Guaranteed interview scheme" in cards[opted]
    assert "Guaranteed interview scheme" not in cards[other]
    page = _text(client, f"/recruiters/suggestions/{scheme['opted'].id}")
    assert "Suggested Guaranteed interview scheme" in page
    assert "Invite them to interview unless you find they do not meet one of them." in page
    assert "Guaranteed interview scheme" not in _text(client, f"/recruiters/suggestions/{scheme['other'].id}")


def test_rejecting_before_interview_is_refused_without_an_unmet_essential_requirement(app, client, login_as, scheme):
    recruiter = login_as("recruiter", "hackney")
    suggestion_id = scheme["opted"].id
    path = f"/recruiters/suggestions/{suggestion_id}/reject"
    page = _text(client, path)
    assert "Which essential requirement do they not meet?" in page
    start = f"{START.day} {START:%B %Y}"
    for requirement in (
        "Can travel to the workplace in E8",
        "Can work 35 hours a week",
        f"Can start on {start}",
        "Does not already hold a digital qualification at level 4 or above",
    ):
        assert requirement in page
    assert "Why are you not going ahead?" not in page  # the ordinary reasons are not on offer
    post = Poster(client, path)
    for data in ({"reason": "skills"}, {"requirement": "likes_cats"}, {}):
        response = post(path, {"version": "1", "feedback": "Thank you for applying", **data})
        text = visible_words(response.get_data(as_text=True))
        assert response.status_code == 200
        assert "There is a problem Select the essential requirement they do not meet" in text
        assert _stage_and_reason(app, suggestion_id) == ("suggested", None)

    response = post(path, {"version": "1", "requirement": "hours", "feedback": "The placement needs 35 hours a week."})
    assert response.status_code == 302
    assert _stage_and_reason(app, suggestion_id) == (
        "rejected",
        "Does not meet an essential requirement: Can work 35 hours a week",
    )
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "suggestion.rejected"))
        assert event.actor_id == recruiter.id and event.detail["unmet_requirement"] == "hours"


def test_the_service_refuses_too_so_no_other_path_can_skip_the_scheme(app, scheme):
    with app.app_context():
        suggestion = db.session.get(Suggestion, scheme["opted"].id)
        with pytest.raises(service.ServiceError, match="Select the essential requirement they do not meet"):
            service.decide(
                suggestion,
                "reject",
                suggestion.version,
                None,
                reason="Other candidates were a closer match",
                feedback="Sorry",
            )
        assert db.session.get(Suggestion, scheme["opted"].id).stage == "suggested"


def test_after_the_interview_the_ordinary_reasons_apply(app, client, login_as, scheme):
    login_as("recruiter", "hackney")
    set_stage(app, scheme["opted"].id, "interview")
    path = f"/recruiters/suggestions/{scheme['opted'].id}/reject"
    assert "Why are you not going ahead?" in _text(client, path)
    with app.app_context():
        version = db.session.get(Suggestion, scheme["opted"].id).version
    response = Poster(client, path)(path, {"version": str(version), "reason": "interview", "feedback": "Well done"})
    assert response.status_code == 302
    assert _stage_and_reason(app, scheme["opted"].id) == ("rejected", "Other candidates did better at interview")


def test_candidates_who_did_not_opt_in_are_rejected_as_before(app, client, login_as, scheme):
    login_as("recruiter", "hackney")
    path = f"/recruiters/suggestions/{scheme['other'].id}/reject"
    response = Poster(client, path)(path, {"version": "1", "reason": "skills", "feedback": "Keep going"})
    assert response.status_code == 302 and _stage_and_reason(app, scheme["other"].id)[0] == "rejected"


def _scheme_rows(client) -> str:
    response = client.get("/reports/")
    assert response.status_code == 200
    text = visible_words(response.get_data(as_text=True))
    return text.split("Candidates by guaranteed interview scheme and how far they got", 1)[1][:400].strip()


@pytest.mark.fresh_database  # reports query on connections of their own: they must see the test's commits
def test_the_outreach_report_counts_opted_in_candidates_invited_under_the_disclosure_rules(
    app, client, login_as, make_user
):
    placement = make_placement(app, positions=30)
    opted = [make_candidate(app, make_user, [placement], guaranteed_interview=True) for _ in range(12)]
    others = [make_candidate(app, make_user, [placement]) for _ in range(13)]
    by_candidate = {m.candidate_id: m.id for m in run(app).suggestions}
    for person in opted[:9] + others[:11]:
        set_stage(app, by_candidate[person.id], "interview")
    login_as("analyst")
    # Fewer than 10 invited: the count is hidden, and so is the other row's, or it could be worked out.
    rows = _scheme_rows(client)
    assert "Opted in to the scheme 12 48.0% 12 <10 Did not opt in 13 52.0% 13 Hidden All candidates 25" in rows
    set_stage(app, by_candidate[opted[9].id], "interview")
    rows = _scheme_rows(client)
    assert rows.startswith(
        "Scheme Applied Share of candidates Suggested Invited to interview or further "
        "Opted in to the scheme 12 48.0% 12 10 Did not opt in 13 52.0% 13 11 All candidates 25"
    )
    # Rejected after the interview: they were still invited, so the count stays.
    set_stage(app, by_candidate[opted[0].id], "rejected")
    assert _scheme_rows(client) == rows
