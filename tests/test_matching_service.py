"""Match runs in the service: profiles from the database, recorded runs, determinism, rounds, privacy, export."""

import json
import re
import subprocess
import sys
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import event

import matching
from recruit.extensions import db
from recruit.models import ApplicationStatus, AuditEvent, Candidate, MatchRun, MonitoringResponse, PlacementStatus
from recruit.services.monitoring import pseudonym
from tests.factories import make_candidate, make_cycle, make_placement
from tests.matching_data import run, set_stage, sign_in_other
from tests.page_checks import visible_words


@pytest.fixture
def app_config():
    return {"SHORTLIST_FACTOR": 1}


def test_a_run_records_provenance_and_explained_suggestions_for_sent_eligible_applications(app, make_user):
    placement = make_placement(app, positions=2, skills=["programming", "git", "SQL", "API", "agile"])
    sent = make_candidate(app, make_user, [placement])
    draft = make_candidate(app, make_user, [placement], status=ApplicationStatus.DRAFT.value)
    ineligible = make_candidate(app, make_user, [placement], eligibility={"age": True, "right_to_work": False})

    result = run(app, seed=42)

    assert [(c, v) for c, v, _ in result.pairs] == [(sent.id, placement)]
    assert result.candidate_count == 2  # the draft is never considered; the ineligible one is, and fails the rules
    assert draft.id not in {c for c, *_ in result.pairs} and ineligible.id not in {c for c, *_ in result.pairs}
    with app.app_context():
        match_run = db.session.get(MatchRun, result.id)
        assert match_run.algorithm_version == matching.ALGORITHM_VERSION
        assert match_run.weights == app.config["MATCH_WEIGHTS"]
        assert match_run.seed == 42 and re.fullmatch(r"[0-9a-f]{64}", match_run.input_hash)
        assert (match_run.placement_count, match_run.suggestion_count, match_run.note) == (1, 1, "")
        assert match_run.duration_ms >= 0
        assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "match_run.created")) is not None
    suggestion = result.suggestions[0]
    assert suggestion.stage == "suggested"
    assert set(suggestion.components) == {"skills", "interest", "travel"}  # the candidate's rank is never scored
    assert suggestion.explanation["sentence"].startswith("Suggested because you chose")
    assert sum(part["contribution"] for part in suggestion.explanation["components"]) == pytest.approx(suggestion.score)
    # Whole terms, as the placement lists them: the candidate picked SQL and git; "unit tests" is not "API".
    assert suggestion.explanation["matching_terms"] == ["git", "SQL"]
    assert suggestion.explanation["missing_terms"] == ["programming", "API", "agile"]
    assert "2 of its 5 skills match yours" in suggestion.explanation["sentence"]


def test_same_inputs_and_seed_give_identical_output_ties_included(app, make_user):
    placement = make_placement(app)  # one place, factor 1: identical candidates tie, and the lottery decides
    for _ in range(4):
        make_candidate(app, make_user, [placement])
    first, second = run(app, seed=7, publish=False), run(app, seed=7, publish=False)
    assert first.pairs == second.pairs and len(first.pairs) == 1
    assert first.input_hash == second.input_hash
    winners = {run(app, seed=seed, publish=False).pairs[0][0] for seed in range(12)}
    assert len(winners) > 1  # the seed, not the order of rows, settles ties
    assert run(app, seed=8, publish=False).input_hash != first.input_hash


def test_capacity_is_positions_times_the_shortlist_factor(app, make_user):
    placement = make_placement(app, positions=2)
    for _ in range(5):
        make_candidate(app, make_user, [placement])
    assert len(run(app, publish=False).pairs) == 2
    app.config["SHORTLIST_FACTOR"] = 2
    assert len(run(app).pairs) == 4


def test_a_candidate_is_told_why_they_did_not_get_a_placement_they_ranked_higher(app, client, make_user):
    skills = ["Python", "SQL", "git", "unit testing", "debugging", "API", "agile"]
    wanted = make_placement(app, positions=1, title="Popular developer placement", skills=skills)
    fallback = make_placement(app, positions=1, title="Second choice placement", skills=skills)
    # Same profile, but the first candidate's skills fit the popular placement better, so it scores them higher.
    winner = make_candidate(
        app, make_user, [wanted, fallback], skills_text="Python SQL git unit testing debugging API agile"
    )
    other = make_candidate(app, make_user, [wanted, fallback], skills_text="I like computers", skills=["SQL"])
    result = run(app)
    assert (winner.id, wanted) in [(c, v) for c, v, _ in result.pairs]
    assert (other.id, fallback) in [(c, v) for c, v, _ in result.pairs]
    why_not = next(m for m in result.suggestions if m.candidate_id == other.id).explanation["why_not"]
    assert [(w["placement_id"], w["rank"], w["title"]) for w in why_not] == [(wanted, 1, "Popular developer placement")]
    sign_in_other(client, SimpleNamespace(id=other.user_id))
    page = visible_words(client.get("/candidates/").get_data(as_text=True))
    assert why_not[0]["text"].startswith("Its places went to candidates who matched more of what it asks for")
    assert f"Placements you ranked higher Your choice 1, Popular developer placement: {why_not[0]['text']}" in page
    assert "<" not in page and "&lt;" not in page  # no markup shown as text
    # The numbers are there for those who want them, in a details element, not in the headline.
    assert "The numbers behind this You have 1 of the 7 skills it lists. The lowest score it took was" in page


def test_accepted_suggestions_fill_positions(app, make_user):
    placement = make_placement(app, positions=2)
    for _ in range(3):
        make_candidate(app, make_user, [placement])
    set_stage(app, run(app).suggestions[0].id, "accepted")
    make_cycle(app)
    assert len(run(app).pairs) == 1  # one position left


def test_candidates_beyond_reach_hours_or_start_date_are_not_suggested(app, make_user):
    placement = make_placement(app)
    make_candidate(app, make_user, [placement], lat=51.40, lon=0.20, travel_km=5)  # about 20 km away
    make_candidate(app, make_user, [placement], hours_per_week=20)
    make_candidate(app, make_user, [placement], available_from=date.today() + timedelta(days=400))
    qualified = make_candidate(
        app, make_user, [placement], qualifications={"highest_level": 6, "digital": "yes", "digital_level": 6}
    )
    result = run(app)
    assert result.pairs == [] and result.candidate_count == 4
    assert "Nobody could be suggested" in result.note
    from recruit.services.matching import candidate_profile

    with app.app_context():
        assert candidate_profile(db.session.get(Candidate, qualified.id), date.today()).qualified == {("digital", 6)}


def test_others_are_suggested_only_to_candidates_who_agreed(app, make_user):
    wanted, other = make_placement(app), make_placement(app)
    fussy = make_candidate(app, make_user, [wanted])
    open_minded = make_candidate(app, make_user, [wanted], consider_other_placements=True, skills=["Python"])
    pairs = {(c, v) for c, v, _ in run(app).pairs}
    assert (fussy.id, wanted) in pairs  # more matching skills: it takes the one place
    assert (open_minded.id, other) in pairs


def test_round_2_suggestions_candidates_without_an_active_suggestion_to_the_places_left(app, make_user):
    placement = make_placement(app)
    first = make_candidate(app, make_user, [placement])
    second = make_candidate(app, make_user, [placement], skills=["Python"])
    round_1 = run(app)
    assert [(c, v) for c, v, _ in round_1.pairs] == [(first.id, placement)]

    still_full = run(app, round_number=2, publish=False)
    assert still_full.pairs == [] and still_full.candidate_count == 1  # the first candidate is still active
    assert "already has all the suggestions it can take" in still_full.note

    set_stage(app, round_1.suggestions[0].id, "rejected")
    round_2 = run(app, round_number=2)
    assert round_2.candidate_count == 2
    assert [(c, v) for c, v, _ in round_2.pairs] == [(second.id, placement)]  # never back to who turned them down


@pytest.mark.parametrize("stage", ["rejected", "withdrawn"])
def test_a_placement_that_decided_is_never_suggested_to_that_candidate_again_even_as_an_other(app, make_user, stage):
    wanted = make_placement(app)
    nearby = make_placement(app, standard="ST0118")  # a standard they did not pick: it scores lower as an "other"
    candidate = make_candidate(app, make_user, [wanted], consider_other_placements=True)
    round_1 = run(app)
    assert [(c, v) for c, v, _ in round_1.pairs] == [(candidate.id, wanted)]
    set_stage(app, round_1.suggestions[0].id, stage)

    for later in (run(app, round_number=2), make_cycle(app) and run(app)):  # round 2, then a new cycle
        assert [(c, v) for c, v, _ in later.pairs] == [(candidate.id, nearby)]  # still matched, but elsewhere
        with app.app_context():
            instance = db.session.get(MatchRun, later.id).instance
        assert list(instance["candidates"].values()) == [[str(nearby)]]  # under a label for this run only
        assert str(candidate.id) not in instance["candidates"]
        assert instance["placements"][str(wanted)] == {"capacity": 1, "ranking": []}

    # The library's own rule removed it, with its reason (the candidate still ranks it first).
    from recruit.services.matching import gather_inputs

    with app.app_context():
        (profile,), placements, _ = gather_inputs(1, date.today())
        result = matching.run_matching([profile], placements, seed=1, shortlist_factor=1)
    assert profile.choices == (str(wanted),) and profile.excluded_placements == {str(wanted)}
    assert [x.reason_codes for x in result.excluded] == [("already_decided",)]


def test_round_2_before_any_round_1_is_refused(app):
    from recruit.services.matching import ServiceError, run_match

    with app.app_context(), pytest.raises(ServiceError, match="Run round 1 and publish it first"):
        run_match(2, 1)


def test_a_run_never_reads_equality_monitoring_data(app, make_user):
    placement = make_placement(app)
    candidate = make_candidate(app, make_user, [placement])
    with app.app_context():
        db.session.add(
            MonitoringResponse(pseudonym=pseudonym(candidate.id), answers={"ethnicity": "asian_bangladeshi"})
        )
        db.session.commit()
        statements = []
        listener = lambda conn, cursor, statement, *args: statements.append(statement.lower())  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            from recruit.services.matching import publish_run, run_match

            publish_run(run_match(1, 3).id, None)
            publish_run(run_match(2, 3).id, None)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    # The listener saw the runs through to publishing (their suggestions go in by COPY on PostgreSQL, which
    # SQLAlchemy does not see; the history rows that publishing adds go in by INSERT on every database).
    assert any("from candidate" in s for s in statements)
    assert any(re.match(r'insert into "?stage_change"? ', s) for s in statements)
    assert not [s for s in statements if "monitoring_response" in s]


@pytest.mark.parametrize(
    "setup, expected",
    [
        ("no_placements", "No live placements are open"),
        ("closed_placements", "No live placements are open"),
        ("no_candidates", "No eligible candidates have sent an application"),
    ],
)
def test_an_empty_run_completes_and_says_why(app, make_user, runner, setup, expected):
    if setup == "closed_placements":
        make_placement(app, closing_date=date.today() - timedelta(days=1))
        make_placement(app, status=PlacementStatus.CLOSED.value)
    if setup != "no_candidates":
        make_candidate(app, make_user, [])
    else:
        make_placement(app)
    result = runner.invoke(args=["match", "run", "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert "0 suggestion(s)" in result.output and expected in result.output
    with app.app_context():
        match_run = db.session.scalar(db.select(MatchRun))
        assert expected in match_run.note and match_run.suggestion_count == 0 and match_run.seed == 5


def test_cli_runs_round_2_and_refuses_bad_options(app, make_user, runner):
    placement = make_placement(app)
    make_candidate(app, make_user, [placement])
    first = runner.invoke(args=["match", "run"]).output
    assert "1 suggestion(s)" in first
    first_id = int(re.search(r"Match run (\d+) \(round 1", first).group(1))
    assert f"flask match publish {first_id}" in first
    refused = runner.invoke(args=["match", "run", "--round", "2"])
    assert refused.exit_code == 1 and "Round 1 of this cycle has not been published yet" in refused.output
    published = runner.invoke(args=["match", "publish", str(first_id)])
    assert published.exit_code == 0 and f"Published match run {first_id}: 1 suggestion(s)." in published.output
    again = runner.invoke(args=["match", "publish", str(first_id)])
    assert again.exit_code == 0 and f"Match run {first_id} was already published." in again.output
    result = runner.invoke(args=["match", "run", "--round", "2"])
    # ids are not reset between tests on PostgreSQL, so compare with the first run's id
    assert result.exit_code == 0 and f"Match run {first_id + 1} (round 2" in result.output
    assert runner.invoke(args=["match", "publish", "99999"]).output.endswith("There is no such match run\n")
    assert runner.invoke(args=["match", "run", "--round", "3"]).exit_code == 2
    assert runner.invoke(args=["match", "run", "--seed", "-1"]).exit_code == 2


def test_export_round_trips_through_the_library_command_line(app, make_user, runner, tmp_path):
    app.config["SHORTLIST_FACTOR"] = 2
    placements = [make_placement(app, positions=1), make_placement(app, positions=1, standard="ST0118")]
    people = [
        make_candidate(app, make_user, placements[:: (1 if k % 2 else -1)], consider_other_placements=k % 3 == 0)
        for k in range(7)
    ]
    match_run = run(app, seed=11)
    output = tmp_path / "run.json"
    result = runner.invoke(args=["match", "export", str(match_run.id), "--output", str(output)])
    assert result.exit_code == 0, result.output

    exported = json.loads(output.read_text())
    text = output.read_text()
    assert all(re.fullmatch(r"c-[0-9a-f]{12}", cid) for cid in exported["candidates"])
    assert set(exported["placements"]) == {f"p-{pid}" for pid in placements}
    assert not any(p.email in text or p.last_name in text for p in people)
    assert exported["meta"]["seed"] == 11 and exported["meta"]["input_hash"] == match_run.input_hash
    assert sum(v is not None for v in exported["assignment"].values()) == len(match_run.pairs) == 4

    assigned = subprocess.run(
        [sys.executable, "-m", "matching", "assign", str(output)], capture_output=True, text=True, check=True
    )
    assert json.loads(assigned.stdout)["assignment"] == exported["assignment"]
    checked = subprocess.run(
        [sys.executable, "-m", "matching", "check", str(output), str(output)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr

    tampered = dict(exported, assignment={cid: None for cid in exported["assignment"]})
    (tmp_path / "tampered.json").write_text(json.dumps(tampered))
    from matching.__main__ import main as matching_cli  # in-process: a third interpreter start would be slow

    assert matching_cli(["check", str(output), str(tmp_path / "tampered.json")]) == 1  # the check can fail


def test_export_of_an_unknown_run_is_a_clear_error(runner):
    result = runner.invoke(args=["match", "export", "999"])
    assert result.exit_code == 1 and "There is no match run 999" in result.output


def test_how_matching_works_shows_current_weights_rules_and_a_live_worked_example(app, client):
    app.config["MATCH_WEIGHTS"] = {"skills": 0.6, "interest": 0.1, "travel": 0.3}
    page = visible_words(client.get("/how-matching-works").get_data(as_text=True))
    assert "Skills How many of the skills the placement lists you have" in page and " 60% " in page
    assert "Interests Whether the placement is in an apprenticeship you said interests you. 10%" in page
    # "Interests": the glossary's name for the part (recruit/templating.py COMPONENT_LABELS)
    assert "Preference" not in page  # the candidate's own rank is not part of the score
    assert "further away than the distance you said you can travel" in page  # the rules, in the library's words
    assert "equality monitoring questions" in page and "A person makes every decision" in page
    assert "Rank placements in the order you really want them. Ranking one lower never helps you get another." in page
    assert "within one round, no candidate and placement would both rather be matched with each other" in page
    assert "its suggestion slots (its positions × 1)" in page
    assert "puts the candidates who live in its borough first, in order of score, then everyone else" in page
    for name in ("Amani", "Bo", "Chris", "Software developer", "Data analyst (Croydon residents first)"):
        assert name in page
    # The example is scored now, with the configured weights: Amani's skills part is 0.76 × 0.60.
    assert "Skills 0.76 0.60 0.454 Interests 1.00 0.10 0.100" in page
    assert "Suggested because you chose Software developer first, 5 of its 8 skills match yours" in page
    assert (
        "What Bo is told: “This placement considers Croydon residents first, and all its places went to "
        "Croydon residents.”"
    ) in page
    assert "Its places went to candidates who matched more of what it asks for" in page


def test_stored_runs_name_candidates_by_labels_drawn_afresh_for_each_run(app, make_user):
    placement = make_placement(app)
    people = [make_candidate(app, make_user, [placement]) for _ in range(3)]
    first, second = run(app, publish=False), run(app, publish=False)  # round 1 can be published once
    with app.app_context():
        one, two = (db.session.get(MatchRun, r.id).instance for r in (first, second))
    assert all(re.fullmatch(r"c-[0-9a-f]{12}", label) for label in one["candidates"])
    assert set(one["candidates"]).isdisjoint(two["candidates"])  # a label in one run says nothing about another
    assert list(one["candidates"]) == sorted(one["candidates"])  # stored in label order, not in order of applying
    assert not {str(person.id) for person in people} & set(one["candidates"])
    assert set(one["assignment"]) == set(one["candidates"]) == set(one["placements"][str(placement)]["ranking"])
