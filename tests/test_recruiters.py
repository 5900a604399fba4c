"""Recruiters review suggestions for their own borough's placements, name-blind until they shortlist."""

import re
from datetime import date, timedelta

import pytest

from recruit.extensions import db
from recruit.models import AuditEvent, OutboxEmail, Suggestion
from tests.matching_data import Poster, set_stage, sign_in_other


def _page(client, path) -> str:
    """The page's HTML without its random CSP nonces (which could spell anything, "E8" included)."""
    response = client.get(path)
    assert response.status_code == 200, path
    return re.sub(r' nonce="[^"]*"', "", response.get_data(as_text=True))


def _post(client, suggested) -> Poster:
    return Poster(client, f"/recruiters/suggestions/{suggested['suggestion'].id}/reject")


def _stage(app, suggestion_id) -> str:
    with app.app_context():
        return db.session.get_one(Suggestion, suggestion_id).stage


# Every recruiter and admin URL, with the method and which borough's record it names (the one list).
def _urls(s):
    m = s["suggestion"].id
    return [
        ("GET", f"/recruiters/placements/{s['hackney']}"),
        ("GET", f"/recruiters/suggestions/{m}"),
        ("GET", f"/recruiters/suggestions/{m}/reject"),
        ("POST", f"/recruiters/suggestions/{m}/reject"),
        *[("POST", f"/recruiters/suggestions/{m}/{action}") for action in ("shortlist", "interview")],
        ("GET", f"/recruiters/suggestions/{m}/offer"),
        ("POST", f"/recruiters/suggestions/{m}/offer"),
        ("GET", f"/recruiters/suggestions/{m}/start"),
        ("POST", f"/recruiters/suggestions/{m}/start"),
        ("POST", f"/recruiters/placements/{s['hackney']}/bulk"),
        ("POST", f"/recruiters/placements/{s['hackney']}/bulk-reject"),
        ("GET", f"/recruiters/placements/{s['hackney']}/interviews"),
        ("GET", f"/recruiters/placements/{s['hackney']}/interviews/new"),
        ("POST", f"/recruiters/placements/{s['hackney']}/interviews/new"),
        ("GET", f"/recruiters/placements/{s['hackney']}/criteria"),
        ("POST", f"/recruiters/placements/{s['hackney']}/criteria"),
        ("GET", f"/recruiters/suggestions/{m}/scores"),
        ("POST", f"/recruiters/suggestions/{m}/scores"),
    ]


ADMIN_URLS = [
    ("GET", "/admin/"),
    ("GET", "/admin/match-runs"),
    ("POST", "/admin/match-runs"),
    ("GET", "/admin/match-runs/1"),
    ("GET", "/admin/match-runs/1/export.json"),
    ("GET", "/admin/match-runs/1/publish"),
    ("POST", "/admin/match-runs/1/publish"),
    ("GET", "/admin/tasks"),
]


def test_the_recruiter_url_list_covers_every_recruiter_route(app, suggested):
    """A recruiter page added later is in the isolation test below, or this fails."""

    def pattern(path):
        path = re.sub(r"/suggestions/\d+", "/suggestions/<int:suggestion_id>", path)
        return re.sub(r"/placements/\d+", "/placements/<int:placement_id>", path)

    listed = {(method, pattern(path)) for method, path in _urls(suggested)}
    listed = {(method, path.replace("/shortlist", "/<any(shortlist, interview):action>")) for method, path in listed}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("recruiters.") and rule.arguments:
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (method, rule.rule) in listed, (method, rule.rule)


def test_every_recruiter_and_admin_url_is_closed_to_other_boroughs_and_roles(app, client, login_as, suggested):
    login_as("recruiter", "camden")
    post = Poster(client, f"/recruiters/suggestions/{suggested['camden_suggestion'].id}/reject")
    for method, path in _urls(suggested):
        response = (
            client.get(path)
            if method == "GET"
            else post(
                path,
                {
                    "version": "1",
                    "reason": "skills",
                    "feedback": "Thank you",
                    "action": "shortlist",
                    "selected": f"{suggested['suggestion'].id}:1",
                },
            )
        )
        assert response.status_code == 404, (method, path)
    for method, path in ADMIN_URLS:
        response = client.get(path) if method == "GET" else post(path, {"round": "1"})
        assert response.status_code == 403, (method, path)
    assert _stage(app, suggested["suggestion"].id) == "suggested"
    for role in ("candidate", "borough_staff", "analyst"):
        login_as(role, "hackney")
        for method, path in [*_urls(suggested), ("GET", "/recruiters/")]:
            response = client.get(path) if method == "GET" else client.post(path)
            assert response.status_code in (400, 403), (role, method, path)  # a POST without a token stops at CSRF


def test_recruiter_sees_only_their_boroughs_live_placements(client, login_as, suggested):
    login_as("recruiter", "hackney")
    page = _page(client, "/recruiters/")
    assert "Junior developer apprentice (Housing repairs)" in page and "Data apprentice (Libraries)" not in page
    assert _page(client, f"/recruiters/suggestions/{suggested['suggestion'].id}")  # their own is open


def test_admin_sees_every_borough(client, login_as, suggested):
    login_as("admin", None)
    page = _page(client, "/recruiters/")
    assert "Junior developer apprentice (Housing repairs)" in page and "Data apprentice (Libraries)" in page
    assert _page(client, f"/recruiters/suggestions/{suggested['camden_suggestion'].id}")


def test_unknown_or_malformed_ids_are_404(client, login_as, suggested):
    login_as("recruiter", "hackney")
    for path in (
        "/recruiters/placements/999999",
        "/recruiters/suggestions/999999",
        "/recruiters/suggestions/abc",
        f"/recruiters/suggestions/{suggested['suggestion'].id}/promote",
    ):
        assert client.get(path).status_code == 404, path


def test_name_blind_until_shortlisted_then_name_and_contact_details_shown(app, client, login_as, suggested):
    login_as("recruiter", "hackney")
    person, suggestion = suggested["person"], suggested["suggestion"]
    pages = [
        _page(client, f"/recruiters/placements/{suggested['hackney']}"),
        _page(client, f"/recruiters/suggestions/{suggestion.id}"),
        _page(client, f"/recruiters/suggestions/{suggestion.id}/reject"),
    ]
    reference = f"C-{person.id:04d}"
    for page in pages:
        assert reference in page
        for secret in (
            person.first_name,
            person.last_name,
            person.email,
            "07700 900 123",
            "17 May 2006",
            "2006-05-17",
            "E8",
            "Questions in advance",
        ):
            assert not re.search(rf"(?<![\w-]){re.escape(secret)}(?![\w-])", page), secret
    assert "I fixed bugs in a small web app" in pages[1]  # skills are what they judge on
    assert "Suggested because they chose this placement first" in pages[1]
    assert re.search(r"Score</th>.*?0\.\d{3}", pages[1], re.S)

    response = _post(client, suggested)(
        f"/recruiters/suggestions/{suggestion.id}/shortlist", {"version": str(suggestion.version)}
    )
    assert response.status_code == 302
    page = _page(client, f"/recruiters/suggestions/{suggestion.id}")
    for shown in (person.first_name, person.last_name, person.email, "07700 900 123", "Questions in advance"):
        assert shown in page
    assert "17 May 2006" not in page and "E8" not in page  # never the date of birth or the postcode


def test_stages_move_on_with_audit_and_emails_to_the_candidate(app, client, login_as, suggested):
    recruiter = login_as("recruiter", "hackney")
    post, suggestion_id = _post(client, suggested), suggested["suggestion"].id
    for action, stage, version in (("shortlist", "shortlisted", 1), ("interview", "interview", 2)):
        assert post(f"/recruiters/suggestions/{suggestion_id}/{action}", {"version": str(version)}).status_code == 302
        assert _stage(app, suggestion_id) == stage
    respond_by, start = date.today() + timedelta(days=7), date.today() + timedelta(days=30)
    assert (
        post(
            f"/recruiters/suggestions/{suggestion_id}/offer",
            {
                "version": "3",
                "respond_by": [str(respond_by.day), str(respond_by.month), str(respond_by.year)],
                "start_date": [str(start.day), str(start.month), str(start.year)],
                "contact": "Sam, 020 7946 0000",
            },
        ).status_code
        == 302
    )
    assert _stage(app, suggestion_id) == "offered"
    with app.app_context():
        emails = db.session.scalars(db.select(OutboxEmail).order_by(OutboxEmail.id)).all()
        mine = [e for e in emails if e.recipient == suggested["person"].email]
        assert [e.template for e in mine if e.template.startswith(("suggestion_", "offer_", "invited_"))] == [
            "suggestion_suggested",
            "suggestion_shortlisted",
            "invited_to_interview",
            "offer_made",
        ]
        assert "Junior developer apprentice (Housing repairs)" in mine[-1].text_body
        events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.entity_type == "Suggestion")).all()
        assert [(e.action, e.actor_id, e.entity_id) for e in events] == [
            ("suggestion.shortlisted", recruiter.id, suggestion_id),
            ("suggestion.interview", recruiter.id, suggestion_id),
            ("suggestion.offered", recruiter.id, suggestion_id),
        ]
        assert all(e.borough_id == recruiter.borough_id for e in events)
        suggestion = db.session.get(Suggestion, suggestion_id)
        assert suggestion.decided_by_id == recruiter.id and suggestion.decided_at is not None
    # An action that does not fit the stage is refused with a message, not a 500.
    response = post(f"/recruiters/suggestions/{suggestion_id}/shortlist", {"version": "4"}, follow_redirects=True)
    assert "so you cannot shortlist it" in response.get_data(as_text=True)


def test_reject_needs_a_reason_and_feedback_which_the_candidate_is_emailed(app, client, login_as, suggested):
    login_as("recruiter", "hackney")
    post, suggestion_id = _post(client, suggested), suggested["suggestion"].id
    response = post(
        f"/recruiters/suggestions/{suggestion_id}/reject", {"version": "1", "feedback": "Keep building things"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in page
    assert "Select the reason for not going ahead" in page and "Keep building things" in page  # answers kept
    response = post(
        f"/recruiters/suggestions/{suggestion_id}/reject", {"version": "1", "reason": "skills", "feedback": ""}
    )
    assert "Enter feedback for the candidate" in response.get_data(as_text=True)
    response = post(
        f"/recruiters/suggestions/{suggestion_id}/reject", {"version": "1", "reason": "wrong", "feedback": "x" * 1001}
    )
    page = response.get_data(as_text=True)
    assert "Select the reason for not going ahead" in page and "Feedback must be 1,000 characters or fewer" in page
    assert _stage(app, suggestion_id) == "suggested"

    feedback = "Your testing experience stood out. More SQL practice would make your next application stronger."
    response = post(
        f"/recruiters/suggestions/{suggestion_id}/reject", {"version": "1", "reason": "skills", "feedback": feedback}
    )
    assert response.status_code == 302
    with app.app_context():
        suggestion = db.session.get(Suggestion, suggestion_id)
        assert (suggestion.stage, suggestion.feedback) == ("rejected", feedback)
        assert suggestion.reason == "Their skills do not match the placement closely enough"
        email = db.session.scalar(db.select(OutboxEmail).where(OutboxEmail.template == "suggestion_rejected"))
        assert (
            email.recipient == suggested["person"].email and feedback in email.text_body and feedback in email.html_body
        )
    assert feedback in _page(client, f"/recruiters/suggestions/{suggestion_id}")
    assert client.get(f"/recruiters/suggestions/{suggestion_id}/reject").status_code == 302  # nothing more to reject


def test_two_recruiters_at_once_do_not_overwrite_each_other(app, client, login_as, make_user, suggested):
    login_as("recruiter", "hackney")
    suggestion_id = suggested["suggestion"].id
    other_client = app.test_client()
    sign_in_other(other_client, make_user("recruiter", "hackney"))
    # Both open the page at version 1; the first shortlists, then the second (still at version 1) rejects.
    assert (
        _post(client, suggested)(f"/recruiters/suggestions/{suggestion_id}/shortlist", {"version": "1"}).status_code
        == 302
    )
    response = _post(other_client, suggested)(
        f"/recruiters/suggestions/{suggestion_id}/reject",
        {"version": "1", "reason": "skills", "feedback": "Not this time"},
    )
    page = response.get_data(as_text=True)
    assert "Someone else changed this suggestion while you were looking at it" in page
    assert "Not this time" in page  # their feedback is not lost
    assert _stage(app, suggestion_id) == "shortlisted"
    # Asking for the decision already made (a second click, a second tab) changes nothing and emails nobody again.
    response = _post(other_client, suggested)(
        f"/recruiters/suggestions/{suggestion_id}/shortlist", {"version": "1"}, follow_redirects=True
    )
    assert f"C-{suggested['person'].id:04d}: Shortlisted" in response.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(
                db.select(db.func.count())
                .select_from(OutboxEmail)
                .where(OutboxEmail.template == "suggestion_shortlisted")
            )
            == 1
        )
        assert db.session.get(Suggestion, suggestion_id).version == 2


@pytest.mark.fresh_database  # the other person's change is committed on a connection of its own
def test_a_change_committed_between_loading_and_saving_is_caught(app, login_as, suggested):
    """The version column catches a change that lands after the page's checks (StaleDataError)."""
    from recruit.services.matching import STALE_MESSAGE, ServiceError, decide

    recruiter = login_as("recruiter", "hackney")
    suggestion_id = suggested["suggestion"].id
    with app.test_request_context():
        suggestion = db.session.get(Suggestion, suggestion_id)
        _ = suggestion.candidate.status, suggestion.placement.borough_id
        with db.engine.begin() as other:  # a second recruiter's transaction commits first
            other.execute(
                db.text("UPDATE suggestion SET stage = 'rejected', version = version + 1 WHERE id = :id"),
                {"id": suggestion_id},
            )
        with pytest.raises(ServiceError) as error:
            decide(suggestion, "shortlist", 1, recruiter.id)
        assert error.value.message == STALE_MESSAGE
    assert _stage(app, suggestion_id) == "rejected"


def test_withdrawn_candidates_cannot_be_moved_on(app, client, login_as, suggested):
    login_as("recruiter", "hackney")
    post = _post(client, suggested)  # the page still had its buttons when they opened it
    set_stage(app, suggested["suggestion"].id, "withdrawn")
    page = _page(client, f"/recruiters/suggestions/{suggested['suggestion'].id}")
    assert "Withdrawn by the candidate" in page and "Shortlist</button>" not in page
    response = post(
        f"/recruiters/suggestions/{suggested['suggestion'].id}/shortlist", {"version": "2"}, follow_redirects=True
    )
    assert "withdrawn by the candidate, so you cannot shortlist it" in response.get_data(as_text=True)
    assert _stage(app, suggested["suggestion"].id) == "withdrawn"


def test_every_stage_change_is_a_history_row_in_step_with_the_current_stage(app, client, login_as, suggested):
    recruiter = login_as("recruiter", "hackney")
    post, suggestion_id = _post(client, suggested), suggested["suggestion"].id
    for version, action in enumerate(("shortlist", "interview"), start=1):
        assert post(f"/recruiters/suggestions/{suggestion_id}/{action}", {"version": str(version)}).status_code == 302
    assert (
        post(
            f"/recruiters/suggestions/{suggestion_id}/reject",
            {"version": "3", "reason": "skills", "feedback": "Thank you for coming in"},
        ).status_code
        == 302
    )
    with app.app_context():
        suggestion = db.session.get(Suggestion, suggestion_id)
        steps = [(c.from_stage, c.to_stage, c.actor_id) for c in suggestion.stage_changes]
        assert steps == [
            (None, "suggested", None),
            ("suggested", "shortlisted", recruiter.id),
            ("shortlisted", "interview", recruiter.id),
            ("interview", "rejected", recruiter.id),
        ]
        assert suggestion.stage_changes[-1].to_stage == suggestion.stage
        assert suggestion.stage_changes[-1].reason == "Their skills do not match the placement closely enough"
