"""A placement's positions are never oversubscribed; a filled placement closes its other suggestions kindly;
repeated decisions change nothing; the stage history always agrees with the current stage."""

from datetime import date, timedelta

import pytest

from recruit.extensions import db
from recruit.models import Candidate, MatchRun, OutboxEmail, Placement, StageChange, Suggestion
from tests.factories import make_candidate, make_placement
from tests.matching_data import Poster, in_threads, run, sign_in_other
from tests.page_checks import visible_words


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


def _decide(app, suggestion_id, action, actor_id, **kwargs):
    from recruit.services.matching import decide

    with app.test_request_context():
        suggestion = db.session.get(Suggestion, suggestion_id)
        return decide(suggestion, action, suggestion.version, actor_id, **kwargs).stage


def _terms(respond_days=7, start_days=30):
    from recruit.services.offers import OfferTerms

    return OfferTerms(
        date.today() + timedelta(days=respond_days), date.today() + timedelta(days=start_days), "Sam, 020 7946 0000"
    )


def _offer(app, suggestion_id, actor_id):
    """The recruiter makes an offer with its terms (issue 13): it takes a position through decide()."""
    from recruit.services.offers import make_offer

    with app.test_request_context():
        suggestion = db.session.get(Suggestion, suggestion_id)
        make_offer(suggestion, suggestion.version, actor_id, _terms())
        return suggestion.stage


def _accept(app, suggestion_id):
    """The candidate accepts their offer (recruiters no longer accept on a candidate's behalf)."""
    from recruit.services.offers import accept

    with app.test_request_context():
        suggestion = db.session.get(Suggestion, suggestion_id)
        accept(suggestion, suggestion.candidate.user_id)
        return db.session.get(Suggestion, suggestion_id).stage


def _offer_form(version):
    respond_by, start = date.today() + timedelta(days=7), date.today() + timedelta(days=30)
    return {
        "version": str(version),
        "respond_by": [str(respond_by.day), str(respond_by.month), str(respond_by.year)],
        "start_date": [str(start.day), str(start.month), str(start.year)],
        "contact": "Sam, 020 7946 0000",
    }


def test_an_offer_beyond_the_positions_is_refused_and_filling_closes_the_rest_kindly(app, client, login_as, make_user):
    placement = make_placement(app, positions=1, title="Network apprentice")
    people = [make_candidate(app, make_user, [placement]) for _ in range(3)]
    suggestions = {m.candidate_id: m.id for m in run(app).suggestions}
    first, second, third = (suggestions[p.id] for p in people)
    recruiter = login_as("recruiter", "hackney")
    for suggestion_id in (first, second):
        _decide(app, suggestion_id, "shortlist", recruiter.id)
    post = Poster(client, f"/recruiters/suggestions/{first}/reject")
    assert post(f"/recruiters/suggestions/{first}/offer", _offer_form(2)).status_code == 302
    response = post(f"/recruiters/suggestions/{second}/offer", _offer_form(2), follow_redirects=True)
    page = visible_words(response.get_data(as_text=True))
    assert (
        "You cannot make this offer: this placement has 1 position, and it is already taken by offers or "
        "acceptances. If a candidate turns their offer down, reject that suggestion first, then you can offer "
        "again."
    ) in page
    assert _count(app, Suggestion, Suggestion.stage == "offered") == 1
    assert _count(app, OutboxEmail, OutboxEmail.template == "offer_made") == 1

    # The candidate accepts on their dashboard (issue 13): the placement fills and the rest close.
    accepting = app.test_client()
    sign_in_other(accepting, type("U", (), {"id": people[0].user_id}))
    path = f"/candidates/suggestions/{first}/offer/accept"
    assert Poster(accepting, path)(path, {}).status_code == 302
    with app.app_context():
        assert db.session.get(Placement, placement).status == "filled"
        stages = {m.id: m.stage for m in db.session.scalars(db.select(Suggestion))}
        closing = db.session.scalars(db.select(StageChange).where(StageChange.to_stage == "closed")).all()
        emails = db.session.scalars(db.select(OutboxEmail).where(OutboxEmail.template == "placement_filled")).all()
    assert stages == {first: "accepted", second: "closed", third: "closed"}
    assert {c.reason for c in closing} == {"Every position of the placement was filled"}
    assert sorted(e.recipient for e in emails) == sorted([people[1].email, people[2].email])
    assert "All of its places have now been filled" in emails[0].text_body
    assert "This is not a judgement on your application" in emails[0].text_body
    assert (
        _count(app, OutboxEmail, OutboxEmail.template == "offer_accepted", OutboxEmail.recipient == people[0].email)
        == 1
    )

    viewer = app.test_client()
    sign_in_other(viewer, type("U", (), {"id": people[2].user_id}))
    assert "Network apprentice Borough Hackney Stage Placement filled" in visible_words(
        viewer.get("/candidates/").get_data(as_text=True)
    )
    page = visible_words(client.get(f"/recruiters/suggestions/{second}").get_data(as_text=True))
    assert "Closed: placement filled" in page and "Make an offer" not in page


def test_positions_count_offers_and_acceptances_together(app, make_user):
    from recruit.services.matching import ServiceError

    placement = make_placement(app, positions=2)
    people = [make_candidate(app, make_user, [placement]) for _ in range(3)]
    suggestions = [m.id for m in run(app).suggestions]
    recruiter = make_user("recruiter", "hackney")
    for suggestion_id in suggestions:
        _decide(app, suggestion_id, "shortlist", recruiter.id)
    _offer(app, suggestions[0], recruiter.id)
    assert _accept(app, suggestions[0]) == "accepted"
    _offer(app, suggestions[1], recruiter.id)
    with pytest.raises(ServiceError, match="this placement has 2 positions, and all are already taken"):
        _offer(app, suggestions[2], recruiter.id)
    _decide(app, suggestions[1], "reject", recruiter.id, reason="Another reason", feedback="They turned the offer down")
    assert _decide(app, suggestions[2], "offer", recruiter.id) == "offered"  # a released position can be offered again
    assert len(people) == 3


def _shortlisted_pair(app, run_id, candidates, positions=1):
    """A fresh placement with two shortlisted suggestions in a published run; returns the two match ids."""
    placement = make_placement(app, positions=positions)
    with app.app_context():
        ids = []
        for candidate_id in candidates:
            suggestion = Suggestion(
                run_id=run_id,
                candidate_id=candidate_id,
                placement_id=placement,
                score=0.5,
                components={},
                explanation={},
                stage="shortlisted",
            )
            db.session.add(suggestion)
            db.session.flush()
            ids.append(suggestion.id)
        db.session.commit()
        return ids


@pytest.mark.fresh_database  # concurrent requests on their own connections must see the test's commits
def test_two_recruiters_at_the_same_instant_never_exceed_the_positions(app, make_user):
    """Two recruiters, two different candidates, one position, 50 times: never more than one offer or acceptance."""
    from recruit.services.matching import ServiceError

    first, second = make_user("recruiter", "hackney"), make_user("recruiter", "hackney")
    candidates = [make_candidate(app, make_user, []).id for _ in range(2)]
    with app.app_context():
        published = MatchRun(status="published", algorithm_version="test", weights={}, seed=1, input_hash="t")
        db.session.add(published)
        db.session.commit()
        run_id = published.id
    outcomes = {"ok": 0, "refused": 0}
    for _ in range(50):
        pair = _shortlisted_pair(app, run_id, candidates)

        def offer(suggestion_id, actor):
            from recruit.services.matching import decide

            with app.test_request_context():
                suggestion = db.session.get(Suggestion, suggestion_id)
                return decide(suggestion, "offer", suggestion.version, actor).stage

        results = in_threads(
            app, lambda pair=pair: offer(pair[0], first.id), lambda pair=pair: offer(pair[1], second.id)
        )
        with app.app_context():
            taking = db.session.scalar(
                db.select(db.func.count())
                .select_from(Suggestion)
                .where(Suggestion.id.in_(pair), Suggestion.stage.in_(("offered", "accepted")))
            )
        assert taking == 1, results
        for result in results:
            if isinstance(result, ServiceError):
                assert "You cannot make this offer" in result.message
                outcomes["refused"] += 1
            else:
                assert not isinstance(result, Exception), result
                outcomes["ok"] += 1
    assert outcomes == {"ok": 50, "refused": 50}


@pytest.mark.fresh_database  # concurrent requests on their own connections must see the test's commits
def test_the_same_decision_twice_at_once_is_made_once(app, make_user):
    """Two tabs shortlisting the same suggestion at the same instant: one change, one history row, one email."""
    placement = make_placement(app)
    person = make_candidate(app, make_user, [placement])
    (suggestion,) = run(app).suggestions
    recruiter = make_user("recruiter", "hackney")

    def shortlist():
        from recruit.services.matching import decide

        with app.test_request_context():
            return decide(db.session.get(Suggestion, suggestion.id), "shortlist", 1, recruiter.id).stage

    assert in_threads(app, shortlist, shortlist) == ["shortlisted", "shortlisted"]
    with app.app_context():
        found = db.session.get(Suggestion, suggestion.id)
        assert (found.stage, found.version) == ("shortlisted", 2)
    assert _count(app, StageChange, StageChange.to_stage == "shortlisted") == 1
    assert (
        _count(
            app, OutboxEmail, OutboxEmail.template == "suggestion_shortlisted", OutboxEmail.recipient == person.email
        )
        == 1
    )


@pytest.mark.fresh_database  # concurrent requests on their own connections must see the test's commits
def test_the_same_application_sent_twice_at_once_is_sent_once(app, make_user):
    from recruit.models import AuditEvent
    from recruit.services.candidates.application import submission_problems, submit

    placement = make_placement(app)
    person = make_candidate(
        app, make_user, [placement], status="draft", lives_outside_london=True, outreach_channel="social_media"
    )
    with app.app_context():
        assert submission_problems(db.session.get(Candidate, person.id)) == []

    def send():
        with app.test_request_context():
            submit(db.session.get(Candidate, person.id))
            return db.session.get(Candidate, person.id).status

    assert in_threads(app, send, send) == ["submitted", "submitted"]
    assert _count(app, OutboxEmail, OutboxEmail.template == "application_received") == 1
    assert _count(app, AuditEvent, AuditEvent.action == "application.submitted") == 1


@pytest.mark.fresh_database  # reports query on connections of their own: they must see the test's commits
def test_the_history_agrees_with_the_current_stage_after_every_kind_of_change(app, make_user):
    from recruit.services.candidates.application import withdraw

    placement = make_placement(app, positions=1)
    other = make_placement(app, positions=1)
    people = [make_candidate(app, make_user, [placement, other]) for _ in range(5)]
    suggestions = {m.candidate_id: m.id for m in run(app).suggestions}
    recruiter = make_user("recruiter", "hackney")
    at_first = [suggestions[p.id] for p in people if _placement_of(app, suggestions[p.id]) == placement]
    _decide(app, at_first[0], "shortlist", recruiter.id)
    _decide(app, at_first[0], "interview", recruiter.id)
    _decide(app, at_first[1], "shortlist", recruiter.id)
    _decide(app, at_first[1], "reject", recruiter.id, reason="Another reason", feedback="Thank you")
    _offer(app, at_first[0], recruiter.id)
    _accept(app, at_first[0])  # the candidate accepts: it fills, the rest close
    leaving = next(p for p in people if _placement_of(app, suggestions[p.id]) == other)
    with app.test_request_context():
        withdraw(db.session.get(Candidate, leaving.id))
    with app.app_context():
        for suggestion in db.session.scalars(db.select(Suggestion)):
            steps = [(c.from_stage, c.to_stage) for c in suggestion.stage_changes]
            assert steps[0] == (None, "suggested")
            assert all(before[1] == after[0] for before, after in zip(steps, steps[1:]))  # no gap, no jump
            assert steps[-1][1] == suggestion.stage
        assert {m.stage for m in db.session.scalars(db.select(Suggestion))} >= {
            "accepted",
            "rejected",
            "closed",
            "withdrawn",
        }

    # The funnel counts the furthest stage reached: the rejected candidate counts as shortlisted, and interview has
    # its own column.
    from recruit.services import reports

    with app.test_request_context():
        table, _ = reports.funnel(reports.Filters())
    assert [label for _, label, _ in reports.STAGES] == [
        "Applied",
        "Suggested",
        "Shortlisted or later",
        "Interviewed or later",
        "Offered or accepted",
        "Accepted",
    ]
    assert [cell.count for cell in table.totals] == [5, 5, 2, 1, 1, 1]


def _placement_of(app, suggestion_id) -> int:
    with app.app_context():
        return db.session.get_one(Suggestion, suggestion_id).placement_id
