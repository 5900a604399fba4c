"""Every candidate who applied learns the outcome of a round and why, on their dashboard and by email."""

import re
from datetime import timedelta

import pytest

from recruit.extensions import db
from recruit.models import CandidateOutcome, OutboxEmail, Placement
from recruit.services.matching import outcomes
from tests.factories import START, make_candidate, make_placement
from tests.matching_data import run, sign_in_other
from tests.page_checks import visible_words

SKILLS = ["Python", "SQL", "git", "unit testing", "debugging"]


@pytest.fixture
def app_config():
    return {"SHORTLIST_FACTOR": 1}


def _dashboard(client, person) -> str:
    sign_in_other(client, type("U", (), {"id": person.user_id}))
    return visible_words(client.get("/candidates/").get_data(as_text=True))


def _emails(app, person, templates=("round_outcome",)):
    with app.app_context():
        return db.session.scalars(
            db.select(OutboxEmail).where(OutboxEmail.recipient == person.email, OutboxEmail.template.in_(templates))
        ).all()


def _all_round_emails(app, person):
    """Every email the publication sent the person: "suggestion_suggested" if suggested, else "round_outcome"."""
    return _emails(app, person, ("round_outcome", "suggestion_suggested"))


def test_a_candidate_without_a_suggestion_is_told_why_for_each_choice_with_the_values(app, client, make_user):
    popular = make_placement(app, title="Popular developer placement", skills=SKILLS)
    early = make_placement(app, title="Early start placement", skills=SKILLS)
    with app.app_context():
        db.session.get(Placement, early).start_date = START - timedelta(days=30)
        db.session.commit()
    winner = make_candidate(app, make_user, [popular], skills=SKILLS)
    later = START - timedelta(days=10)
    missed = make_candidate(app, make_user, [popular, early], skills=["SQL"], available_from=later)
    run(app)

    page = _dashboard(client, missed)
    early_start = START - timedelta(days=30)
    assert "We have not suggested you for a placement in this round." in page
    assert (
        "Why we have not suggested you For each placement you chose, this is what stopped it. "
        "Some of these you can change in your application before the next round. "
        "Your choice 1, Popular developer placement: Its places went to candidates who matched more of what it "
        "asks for: its skills, the apprenticeship they said interests them and how near they live. "
        "The numbers behind this You have 1 of the 5 skills it lists. The lowest score it took was"
    ) in page
    assert (
        f"Your choice 2, Early start placement: You can start from {later.day} {later:%B %Y}; this placement "
        f"starts on {early_start.day} {early_start:%B %Y}. If you could start sooner, change your start date in "
        "your application."
    ) in page
    assert "We also looked at other placements" not in page
    assert "You did not ask us to consider you for other placements." in page
    assert "A second round matches candidates who have no suggestion yet" in page

    (email,) = _emails(app, missed)
    assert email.subject == "Round 1: why we have not suggested you for a placement"
    assert (
        "Your choice 1, Popular developer placement: Its places went to candidates who matched more" in email.text_body
    )
    assert f"Your choice 2, Early start placement: You can start from {later.day} {later:%B %Y}" in email.text_body
    reasons = [line for line in email.text_body.splitlines() if line.startswith("- ")]  # one reason a line
    assert [line.split(":")[0] for line in reasons] == [
        "- Your choice 1, Popular developer placement",
        "- Your choice 2, Early start placement",
        f"- {outcomes.NOT_OTHERS}",
    ]
    assert not re.search(r"\d\.\d{3}", email.text_body + email.html_body)  # no internal scores in the message
    (email,) = _all_round_emails(app, winner)  # suggested: only issue 9's email, no round outcome as well
    assert email.template == "suggestion_suggested" and email.subject == "You have been suggested for an apprenticeship"
    assert "you have been suggested for the Popular developer placement apprenticeship" in email.text_body
    assert "Why we have not suggested you" not in _dashboard(client, winner)


def test_every_candidate_in_the_run_is_told_once(app, client, make_user):
    placement = make_placement(app, skills=SKILLS)
    nothing_chosen = make_candidate(app, make_user, [], consider_other_placements=False)
    ineligible = make_candidate(app, make_user, [], eligibility={"age": False})
    others = make_candidate(app, make_user, [], consider_other_placements=True, travel_km=1, lat=51.40, lon=0.2)
    chosen = make_candidate(app, make_user, [placement])
    result = run(app)
    with app.app_context():
        rows = {
            o.candidate_id: o
            for o in db.session.scalars(db.select(CandidateOutcome).where(CandidateOutcome.run_id == result.id))
        }
        assert set(rows) == {nothing_chosen.id, ineligible.id, others.id, chosen.id}
        assert all(o.notified_at is not None for o in rows.values())
        assert rows[chosen.id].suggested == 1 and rows[chosen.id].reasons == []
        assert [r["text"] for r in rows[nothing_chosen.id].reasons] == [outcomes.NO_CHOICES, outcomes.NOT_OTHERS]
        assert [r["text"] for r in rows[ineligible.id].reasons] == [outcomes.NOT_ELIGIBLE]
        assert [r["text"] for r in rows[others.id].reasons] == [outcomes.NO_CHOICES, outcomes.OTHERS_LOOKED]
        assert outcomes.notify_outcomes(result.id) == 0  # already told: never twice
    for person in (nothing_chosen, ineligible, others, chosen):
        assert len(_all_round_emails(app, person)) == 1
    assert [e.template for e in _all_round_emails(app, chosen)] == ["suggestion_suggested"]
    assert "You did not choose any placements." in _dashboard(client, nothing_chosen)
    assert outcomes.NOT_ELIGIBLE in _dashboard(client, ineligible)


def test_a_round_that_can_suggest_nobody_still_tells_everyone(app, client, make_user):
    person = make_candidate(app, make_user, [])
    result = run(app)  # no placements at all
    assert result.note
    assert outcomes.NO_ROUND in _dashboard(client, person)
    assert len(_emails(app, person)) == 1


@pytest.mark.fresh_database  # concurrent requests on their own connections must see the test's commits
def test_two_notifications_at_once_never_email_anyone_twice(app, make_user):
    """Two publishes (or a retry) at the same moment, in real threads: each candidate is emailed once."""
    import threading

    placement = make_placement(app, skills=SKILLS)
    people = [make_candidate(app, make_user, [placement]) for _ in range(6)]
    result = run(app)
    with app.app_context():  # as if the run had not been shown yet
        db.session.execute(db.update(CandidateOutcome).values(notified_at=None))
        db.session.execute(
            db.delete(OutboxEmail).where(OutboxEmail.template.in_(("round_outcome", "suggestion_suggested")))
        )
        db.session.commit()
    start = threading.Barrier(2)
    counts, failures = [], []

    def publish():
        try:
            with app.app_context():
                start.wait()
                counts.append(outcomes.notify_outcomes(result.id))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            failures.append(error)

    threads = [threading.Thread(target=publish) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == [] and sorted(counts) == [0, len(people)]
    for person in people:
        assert len(_all_round_emails(app, person)) == 1


def test_publishing_while_the_task_queue_is_down_still_emails_everyone_once(app, make_user, monkeypatch):
    """The run is published either way; if its emails cannot be handed to a worker, the publishing process writes them."""
    from recruit import tasks

    def queue_down(*args, **kwargs):
        raise ConnectionError("the task queue cannot be reached")

    monkeypatch.setattr(tasks, "notify_outcomes_task", queue_down)
    placement = make_placement(app, skills=SKILLS)
    chosen = make_candidate(app, make_user, [placement], skills=SKILLS)
    nothing_chosen = make_candidate(app, make_user, [])
    result = run(app)
    assert result.status == "published"
    assert [e.template for e in _all_round_emails(app, chosen)] == ["suggestion_suggested"]
    assert [e.template for e in _all_round_emails(app, nothing_chosen)] == ["round_outcome"]
    with app.app_context():
        assert outcomes.notify_outcomes(result.id) == 0
