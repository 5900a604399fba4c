"""A placement's positions are never oversubscribed; a filled placement closes its other suggestions kindly;
repeated decisions change nothing; the stage history always agrees with the current stage."""

from datetime import date, timedelta

import pytest
from matching_data import Poster, in_threads, make_candidate, make_vacancy, run, sign_in_other, visible_text

from recruit.extensions import db
from recruit.models import Candidate, Match, MatchRun, OutboxEmail, StageChange, Vacancy


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


def _decide(app, match_id, action, actor_id, **kwargs):
    from recruit.services.matching import decide

    with app.test_request_context():
        match = db.session.get(Match, match_id)
        return decide(match, action, match.version, actor_id, **kwargs).stage


def _terms(respond_days=7, start_days=30):
    from recruit.services.offers import OfferTerms

    return OfferTerms(date.today() + timedelta(days=respond_days), date.today() + timedelta(days=start_days),
                      "Sam, 020 7946 0000")


def _offer(app, match_id, actor_id):
    """The recruiter makes an offer with its terms (issue 13): it takes a position through decide()."""
    from recruit.services.offers import make_offer

    with app.test_request_context():
        match = db.session.get(Match, match_id)
        make_offer(match, match.version, actor_id, _terms())
        return match.stage


def _accept(app, match_id):
    """The candidate accepts their offer (recruiters no longer accept on a candidate's behalf)."""
    from recruit.services.offers import accept

    with app.test_request_context():
        match = db.session.get(Match, match_id)
        accept(match, match.candidate.user_id)
        return db.session.get(Match, match_id).stage


def _offer_form(version):
    respond_by, start = date.today() + timedelta(days=7), date.today() + timedelta(days=30)
    return {"version": str(version), "respond_by": [str(respond_by.day), str(respond_by.month), str(respond_by.year)],
            "start_date": [str(start.day), str(start.month), str(start.year)], "contact": "Sam, 020 7946 0000"}


def test_an_offer_beyond_the_positions_is_refused_and_filling_closes_the_rest_kindly(app, client, login_as, make_user):
    vacancy = make_vacancy(app, positions=1, title="Network apprentice")
    people = [make_candidate(app, make_user, [vacancy]) for _ in range(3)]
    matches = {m.candidate_id: m.id for m in run(app).matches}
    first, second, third = (matches[p.id] for p in people)
    recruiter = login_as("recruiter", "hackney")
    for match_id in (first, second):
        _decide(app, match_id, "shortlist", recruiter.id)
    post = Poster(client, f"/recruiters/matches/{first}/reject")
    assert post(f"/recruiters/matches/{first}/offer", _offer_form(2)).status_code == 302
    response = post(f"/recruiters/matches/{second}/offer", _offer_form(2), follow_redirects=True)
    page = visible_text(response.get_data(as_text=True))
    assert ("You cannot make this offer: this placement has 1 position, and it is already taken by offers or "
            "acceptances. If a candidate turns their offer down, reject that suggestion first, then you can offer "
            "again.") in page
    assert _count(app, Match, Match.stage == "offered") == 1
    assert _count(app, OutboxEmail, OutboxEmail.template == "offer_made") == 1

    # The candidate accepts on their dashboard (issue 13): the placement fills and the rest close.
    accepting = app.test_client()
    sign_in_other(accepting, type("U", (), {"id": people[0].user_id}))
    path = f"/candidates/suggestions/{first}/offer/accept"
    assert Poster(accepting, path)(path, {}).status_code == 302
    with app.app_context():
        assert db.session.get(Vacancy, vacancy).status == "filled"
        stages = {m.id: m.stage for m in db.session.scalars(db.select(Match))}
        closing = db.session.scalars(db.select(StageChange).where(StageChange.to_stage == "closed")).all()
        emails = db.session.scalars(db.select(OutboxEmail).where(OutboxEmail.template == "placement_filled")).all()
    assert stages == {first: "accepted", second: "closed", third: "closed"}
    assert {c.reason for c in closing} == {"Every position of the placement was filled"}
    assert sorted(e.recipient for e in emails) == sorted([people[1].email, people[2].email])
    assert "All of its places have now been filled" in emails[0].text_body
    assert "This is not a judgement on your application" in emails[0].text_body
    assert _count(app, OutboxEmail, OutboxEmail.template == "offer_accepted", OutboxEmail.recipient == people[0].email) == 1

    viewer = app.test_client()
    sign_in_other(viewer, type("U", (), {"id": people[2].user_id}))
    assert "Network apprentice Borough Hackney Stage Placement filled" in visible_text(
        viewer.get("/candidates/").get_data(as_text=True))
    page = visible_text(client.get(f"/recruiters/matches/{second}").get_data(as_text=True))
    assert "Closed: placement filled" in page and "Make an offer" not in page


def test_positions_count_offers_and_acceptances_together(app, make_user):
    from recruit.services.matching import MatchError

    vacancy = make_vacancy(app, positions=2)
    people = [make_candidate(app, make_user, [vacancy]) for _ in range(3)]
    matches = [m.id for m in run(app).matches]
    recruiter = make_user("recruiter", "hackney")
    for match_id in matches:
        _decide(app, match_id, "shortlist", recruiter.id)
    _offer(app, matches[0], recruiter.id)
    assert _accept(app, matches[0]) == "accepted"
    _offer(app, matches[1], recruiter.id)
    with pytest.raises(MatchError, match="this placement has 2 positions, and all are already taken"):
        _offer(app, matches[2], recruiter.id)
    _decide(app, matches[1], "reject", recruiter.id, reason="Another reason", feedback="They turned the offer down")
    assert _decide(app, matches[2], "offer", recruiter.id) == "offered"  # a released position can be offered again
    assert len(people) == 3


def _shortlisted_pair(app, run_id, candidates, positions=1):
    """A fresh placement with two shortlisted suggestions in a published run; returns the two match ids."""
    vacancy = make_vacancy(app, positions=positions)
    with app.app_context():
        ids = []
        for candidate_id in candidates:
            match = Match(run_id=run_id, candidate_id=candidate_id, vacancy_id=vacancy, score=0.5, components={},
                          explanation={}, stage="shortlisted")
            db.session.add(match)
            db.session.flush()
            ids.append(match.id)
        db.session.commit()
        return ids


def test_two_recruiters_at_the_same_instant_never_exceed_the_positions(app, make_user):
    """Two recruiters, two different candidates, one position, 50 times: never more than one offer or acceptance."""
    from recruit.services.matching import MatchError

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

        def offer(match_id, actor):
            from recruit.services.matching import decide

            with app.test_request_context():
                match = db.session.get(Match, match_id)
                return decide(match, "offer", match.version, actor).stage

        results = in_threads(app, lambda: offer(pair[0], first.id), lambda: offer(pair[1], second.id))
        with app.app_context():
            taking = db.session.scalar(db.select(db.func.count()).select_from(Match).where(
                Match.id.in_(pair), Match.stage.in_(("offered", "accepted"))))
        assert taking == 1, results
        for result in results:
            if isinstance(result, MatchError):
                assert "You cannot make this offer" in result.message
                outcomes["refused"] += 1
            else:
                assert not isinstance(result, Exception), result
                outcomes["ok"] += 1
    assert outcomes == {"ok": 50, "refused": 50}


def test_the_same_decision_twice_at_once_is_made_once(app, make_user):
    """Two tabs shortlisting the same suggestion at the same instant: one change, one history row, one email."""
    vacancy = make_vacancy(app)
    person = make_candidate(app, make_user, [vacancy])
    (match,) = run(app).matches
    recruiter = make_user("recruiter", "hackney")

    def shortlist():
        from recruit.services.matching import decide

        with app.test_request_context():
            return decide(db.session.get(Match, match.id), "shortlist", 1, recruiter.id).stage

    assert in_threads(app, shortlist, shortlist) == ["shortlisted", "shortlisted"]
    with app.app_context():
        found = db.session.get(Match, match.id)
        assert (found.stage, found.version) == ("shortlisted", 2)
    assert _count(app, StageChange, StageChange.to_stage == "shortlisted") == 1
    assert _count(app, OutboxEmail, OutboxEmail.template == "match_shortlisted", OutboxEmail.recipient == person.email) == 1


def test_the_same_application_sent_twice_at_once_is_sent_once(app, make_user):
    from recruit.models import AuditEvent
    from recruit.services.candidates.application import submission_problems, submit

    vacancy = make_vacancy(app)
    person = make_candidate(app, make_user, [vacancy], status="draft", lives_outside_london=True,
                            outreach_channel="social_media")
    with app.app_context():
        assert submission_problems(db.session.get(Candidate, person.id)) == []

    def send():
        with app.test_request_context():
            submit(db.session.get(Candidate, person.id))
            return db.session.get(Candidate, person.id).status

    assert in_threads(app, send, send) == ["submitted", "submitted"]
    assert _count(app, OutboxEmail, OutboxEmail.template == "application_received") == 1
    assert _count(app, AuditEvent, AuditEvent.action == "application.submitted") == 1


def test_the_history_agrees_with_the_current_stage_after_every_kind_of_change(app, make_user):
    from recruit.services.candidates.application import withdraw

    vacancy = make_vacancy(app, positions=1)
    other = make_vacancy(app, positions=1)
    people = [make_candidate(app, make_user, [vacancy, other]) for _ in range(5)]
    matches = {m.candidate_id: m.id for m in run(app).matches}
    recruiter = make_user("recruiter", "hackney")
    at_first = [matches[p.id] for p in people if _vacancy_of(app, matches[p.id]) == vacancy]
    _decide(app, at_first[0], "shortlist", recruiter.id)
    _decide(app, at_first[0], "interview", recruiter.id)
    _decide(app, at_first[1], "shortlist", recruiter.id)
    _decide(app, at_first[1], "reject", recruiter.id, reason="Another reason", feedback="Thank you")
    _offer(app, at_first[0], recruiter.id)
    _accept(app, at_first[0])  # the candidate accepts: it fills, the rest close
    leaving = next(p for p in people if _vacancy_of(app, matches[p.id]) == other)
    with app.test_request_context():
        withdraw(db.session.get(Candidate, leaving.id))
    with app.app_context():
        for match in db.session.scalars(db.select(Match)):
            steps = [(c.from_stage, c.to_stage) for c in match.stage_changes]
            assert steps[0] == (None, "suggested")
            assert all(before[1] == after[0] for before, after in zip(steps, steps[1:]))  # no gap, no jump
            assert steps[-1][1] == match.stage
        assert {m.stage for m in db.session.scalars(db.select(Match))} >= {"accepted", "rejected", "closed", "withdrawn"}

    # The funnel counts the furthest stage reached: the rejected candidate counts as shortlisted, and interview has
    # its own column.
    from recruit.services import reports

    with app.test_request_context():
        table, _ = reports.funnel(reports.Filters())
    assert [label for _, label, _ in reports.STAGES] == ["Applied", "Suggested", "Shortlisted or later",
                                                          "Interviewed or later", "Offered or accepted", "Accepted"]
    assert [cell.count for cell in table.totals] == [5, 5, 2, 1, 1, 1]


def _vacancy_of(app, match_id) -> int:
    with app.app_context():
        return db.session.get(Match, match_id).vacancy_id
