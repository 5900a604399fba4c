"""Your data: download it all, delete the account leaving no personal data, and purge after retention."""

import contextlib
import json
from datetime import date, timedelta

import pytest

from recruit.extensions import db
from recruit.models import (
    AuditEvent,
    Candidate,
    Choice,
    MatchRun,
    MonitoringResponse,
    Placement,
    PlacementStatus,
    Suggestion,
    User,
    utcnow,
)
from recruit.services.candidates.data import months_before
from recruit.services.monitoring import pseudonym
from tests.candidate_journey import send_application
from tests.factories import make_eligible, make_placement

NAME, SURNAME, PHONE = "Zephyrine", "Quillfeather", "07700 900 982"


@pytest.fixture
def applied(app, client, login_as):
    """A candidate who has sent a full application with a choice, a suggestion and equality answers."""
    user = login_as(email="zephyrine.q@test.example")
    post, placement = send_application(app, client, user.candidate_id, "Cloud apprentice", {"religion": "sikh"})
    with app.app_context():
        run = MatchRun(status="published", algorithm_version="test", weights={}, seed=1, input_hash="x" * 64)
        db.session.add(run)
        db.session.flush()
        db.session.add(
            Suggestion(
                run_id=run.id,
                candidate_id=user.candidate_id,
                placement_id=placement,
                score=0.7,
                components={},
                explanation={"sentence": "Near you."},
                stage="rejected",
                feedback="Keep going",
            )
        )
        db.session.commit()
    user.post, user.placement = post, placement
    return user


def test_your_data_page_and_json_hold_everything_including_own_equality_answers(app, client, applied):
    page = client.get("/candidates/your-data").get_data(as_text=True)
    for expected in (
        NAME,
        SURNAME,
        applied.email,
        "Cloud apprentice",
        "Keep going",
        "Sikh".lower(),
        "Download your data",
    ):
        assert expected.lower() in page.lower()
    response = client.get("/candidates/your-data.json")
    assert response.mimetype == "application/json" and "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == applied.email
    assert data["application"]["first_name"] == NAME and data["application"]["phone"] == PHONE
    assert data["application"]["date_of_birth"] == "2005-03-14" and data["application"]["outward_postcode"] == "E8"
    assert data["placement_choices"][0]["placement"] == "Cloud apprentice"
    assert data["suggested_placements"][0]["feedback"] == "Keep going"
    assert data["equality_monitoring"] == {"religion": "sikh"}  # the age band is worked out, never stored
    assert any(e["subject"] == "We have received your application" for e in data["emails"])
    assert any(a["action"] == "application.submitted" for a in data["activity"])


# Columns of the candidate's own rows that the download leaves out on purpose, and why. Every other column must be in
# it: a column added to Candidate or User without an export entry fails the test below.
NOT_EXPORTED = {
    Candidate: {
        "id": "an internal row id: means nothing to the person",
        "user_id": "an internal row id: means nothing to the person",
        "home_borough_id": "exported by name, as home_borough",
        "lat": "the centre of the outward postcode area, which is exported: says nothing more about the person",
        "lon": "the centre of the outward postcode area, which is exported: says nothing more about the person",
    },
    User: {
        "id": "an internal row id: means nothing to the person",
        "password_hash": "a secret: exporting it would help anyone who gets the file to guess the password",
        "totp_secret": "a secret: whoever holds it can make second-factor codes",
        "totp_last_step": "a replay guard for second-factor codes, not information about the person",
        "totp_enabled_at": "staff only: candidates have no second factor",
        "borough_id": "staff only: a candidate's account has no borough (their home borough is exported)",
        "role": "always candidate for the people who can download their data",
        "session_generation": "a counter that ends old sign-in sessions, not information about the person",
        "active": "an account that is not active cannot sign in to download anything",
    },
}
EXPORT_SECTIONS = {Candidate: "application", User: "account"}


@pytest.mark.parametrize("model", [Candidate, User], ids=lambda model: model.__name__)
def test_every_column_of_the_candidates_own_rows_is_in_the_download_or_excluded_for_a_stated_reason(
    client, applied, model
):
    section = json.loads(client.get("/candidates/your-data.json").get_data(as_text=True))[EXPORT_SECTIONS[model]]
    columns = {column.key for column in model.__table__.columns}
    excluded = NOT_EXPORTED[model]
    assert sorted(columns - excluded.keys() - section.keys()) == [], "columns missing from the personal-data export"
    assert sorted(excluded.keys() - columns) == [], "exclusions naming columns that no longer exist"
    assert sorted(excluded.keys() & section.keys()) == [], "columns both exported and listed as left out"


def _all_rows_as_text(app) -> str:
    """Every row of every table, as text."""
    with app.app_context():
        chunks = []
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(table.select()):
                chunks.append(" ".join(str(value) for value in row))
        return "\n".join(chunks)


def test_deleting_the_account_leaves_no_personal_data_in_any_table(app, client, applied):
    before = _all_rows_as_text(app)
    for value in (NAME, SURNAME, applied.email, PHONE, "2005-03-14"):
        assert value in before  # the scan can see them while they exist
    assert "Are you sure you want to delete your account?" in client.get("/candidates/delete-account").get_data(
        as_text=True
    )
    response = applied.post("/candidates/delete-account", {})
    assert response.headers["Location"] == "/"
    after = _all_rows_as_text(app)
    for value in (NAME, SURNAME, applied.email, PHONE, "2005-03-14", "Questions in advance"):
        assert value not in after
    with app.app_context():
        assert db.session.get(User, applied.id) is None and db.session.get(Candidate, applied.candidate_id) is None
        assert db.session.scalar(db.select(db.func.count()).select_from(Choice)) == 0
        assert db.session.scalar(db.select(db.func.count()).select_from(Suggestion)) == 0
        assert db.session.scalar(db.select(db.func.count()).select_from(MonitoringResponse)) == 0
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "account.deleted"))
        assert event.entity_id is None and event.detail == {}
    # Signed out: the account pages now ask to sign in.
    assert "/sign-in" in client.get("/candidates/").headers["Location"]


def _make_applicant(app, make_user, placement_ids, answers=True):
    user = make_user("candidate")
    make_eligible(app, user.candidate_id, first_name="Purgeable", status="submitted")
    with app.app_context():
        for rank, placement in enumerate(placement_ids, start=1):
            db.session.add(Choice(candidate_id=user.candidate_id, placement_id=placement, rank=rank))
        if answers:
            db.session.add(MonitoringResponse(pseudonym=pseudonym(user.candidate_id), answers={"sex": "female"}))
        db.session.commit()
    return user


def test_purge_removes_applications_whose_placements_all_closed_long_ago(app, runner, make_user):
    old = date.today() - timedelta(days=7 * 31)
    long_closed = make_placement(app, status=PlacementStatus.CLOSED.value, closing_date=old)
    recently_closed = make_placement(
        app, status=PlacementStatus.CLOSED.value, closing_date=date.today() - timedelta(days=30)
    )
    live = make_placement(app)
    gone = _make_applicant(app, make_user, [long_closed])
    kept_recent = _make_applicant(app, make_user, [long_closed, recently_closed])
    kept_live = _make_applicant(app, make_user, [live])
    result = runner.invoke(args=["data", "purge"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 application" in result.output
    with app.app_context():
        assert db.session.get(User, gone.id) is None and db.session.get(Candidate, gone.candidate_id) is None
        remaining = set(db.session.scalars(db.select(MonitoringResponse.pseudonym)))
        assert pseudonym(gone.candidate_id) not in remaining
        assert {pseudonym(kept_recent.candidate_id), pseudonym(kept_live.candidate_id)} <= remaining
        assert db.session.get(Candidate, kept_recent.candidate_id) and db.session.get(Candidate, kept_live.candidate_id)
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "application.purged"))
        assert event.entity_id is None and event.detail == {"months": 6}
    # A shorter retention, given on the command line, reaches the recently closed one too.
    result = runner.invoke(args=["data", "purge", "--months", "0"])
    assert "Deleted 1 application" in result.output
    with app.app_context():
        assert db.session.get(Candidate, kept_recent.candidate_id) is None
        assert db.session.get(Candidate, kept_live.candidate_id) is not None


def test_purge_follows_matched_placements_too_and_uses_retention_months(app, runner, make_user):
    app.config["RETENTION_MONTHS"] = 12
    old = date.today() - timedelta(days=8 * 31)
    closed = make_placement(app, status=PlacementStatus.CLOSED.value, closing_date=old)
    applicant = _make_applicant(app, make_user, [closed], answers=False)
    assert "Deleted 0 applications" in runner.invoke(args=["data", "purge"]).output
    app.config["RETENTION_MONTHS"] = 6
    live = make_placement(app)
    with app.app_context():  # a suggestion for a placement still open keeps the application
        run = MatchRun(status="published", algorithm_version="t", weights={}, seed=1, input_hash="y" * 64)
        db.session.add(run)
        db.session.flush()
        db.session.add(
            Suggestion(
                run_id=run.id,
                candidate_id=applicant.candidate_id,
                placement_id=live,
                score=0.5,
                components={},
                explanation={},
            )
        )
        db.session.commit()
    assert "Deleted 0 applications" in runner.invoke(args=["data", "purge"]).output
    assert runner.invoke(args=["data", "purge", "--months", "-1"]).exit_code != 0


def test_purge_removes_abandoned_applications_with_no_choices_after_retention(app, runner, make_user):
    abandoned, fresh = make_user("candidate"), make_user("candidate")
    with app.app_context():
        # updated_at is set by the database on change; move it back as if untouched for seven months
        db.session.execute(
            db.update(Candidate)
            .where(Candidate.id == abandoned.candidate_id)
            .values(updated_at=utcnow() - timedelta(days=7 * 31))
        )
        db.session.commit()
    assert "Deleted 1 application" in runner.invoke(args=["data", "purge"]).output
    with app.app_context():
        assert db.session.get(Candidate, abandoned.candidate_id) is None and db.session.get(User, abandoned.id) is None
        assert db.session.get(Candidate, fresh.candidate_id) is not None


def test_months_before_clamps_to_the_end_of_the_month():
    assert months_before(date(2026, 8, 31), 6) == date(2026, 2, 28)
    assert months_before(date(2026, 1, 15), 1) == date(2025, 12, 15)
    assert months_before(date(2026, 5, 1), 0) == date(2026, 5, 1)


# --- Nothing linkable after deletion or purge: every table, every stored JSON document, every export ---

PERSON_USER_ID, PERSON_CANDIDATE_ID, PERSON_SUGGESTION_ID = (
    9_310_007,
    9_310_011,
    9_310_013,
)  # distinctive, so any trace of them anywhere is theirs


def _leaves(value):
    """Every scalar inside a value, JSON documents (stored as text or as JSON) opened up, keys included."""
    if isinstance(value, str) and value[:1] in "[{":
        with contextlib.suppress(ValueError):
            value = json.loads(value)
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _leaves(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def _traces(documents, numbers, words) -> list:
    """Where any of the numbers (as a value or a whole number in text) or words (in any case) turns up."""
    import re

    found = []
    for where, document in documents:
        for leaf in _leaves(document):
            if isinstance(leaf, bool) or leaf is None:
                continue
            if isinstance(leaf, int) and leaf in numbers:
                found.append((where, leaf))
            text = str(leaf)
            found += [(where, n) for n in numbers if re.search(rf"(?<!\d){n}(?!\d)", text)]
            found += [(where, w) for w in words if w.lower() in text.lower()]
    return found


def _everything(app) -> list:
    """Every row of every table, and every run's export, as (where, value) pairs."""
    from recruit.services.matching import export_run

    documents = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(table.select()).mappings():
                documents += [(f"{table.name}.{column}", value) for column, value in row.items()]
        for run_id in db.session.scalars(db.select(MatchRun.id)):
            documents.append((f"export of run {run_id}", export_run(run_id)))
    return documents


@pytest.fixture
def traced(app, client, make_user):
    """A candidate with distinctive ids through the whole journey: application, equality answers, a match run,
    a recruiter's decision, their own withdrawal from the suggestion (in the stage history) and emails."""
    from types import SimpleNamespace

    from recruit.services.matching import decide
    from recruit.services.matching.stages import move_stage
    from tests.candidate_journey import sign_in
    from tests.factories import make_candidate
    from tests.matching_data import run

    with app.app_context():
        user = User(
            id=PERSON_USER_ID,
            email="zephyrine.q@test.example",
            password_hash="x",
            role="candidate",
            email_confirmed_at=utcnow(),
        )
        user.candidate = Candidate(id=PERSON_CANDIDATE_ID)
        db.session.add(user)
        db.session.commit()
    sign_in(client, SimpleNamespace(id=PERSON_USER_ID))
    post, placement = send_application(app, client, PERSON_CANDIDATE_ID, "Cloud apprentice", {"religion": "sikh"})
    other = make_candidate(app, make_user, [placement])
    recruiter = make_user("recruiter")
    match_run = run(app)
    assert {pair[0] for pair in match_run.pairs} == {PERSON_CANDIDATE_ID, other.id}
    with app.app_context():
        # A distinctive suggestion id too, so any number left behind is surely theirs. Only the suggestion's first
        # stage-history row refers to it yet: set aside, then put back under the new id.
        from recruit.models import StageChange

        old_id = db.session.scalar(db.select(Suggestion.id).where(Suggestion.candidate_id == PERSON_CANDIDATE_ID))
        history = (
            db.session.execute(
                db.select(
                    StageChange.from_stage,
                    StageChange.to_stage,
                    StageChange.actor_id,
                    StageChange.at,
                    StageChange.reason,
                ).where(StageChange.suggestion_id == old_id)
            )
            .mappings()
            .all()
        )
        db.session.execute(db.delete(StageChange).where(StageChange.suggestion_id == old_id))
        db.session.execute(db.update(Suggestion).where(Suggestion.id == old_id).values(id=PERSON_SUGGESTION_ID))
        if history:
            db.session.execute(
                db.insert(StageChange), [{**row, "suggestion_id": PERSON_SUGGESTION_ID} for row in history]
            )
        db.session.commit()
        suggestion = db.session.get(Suggestion, PERSON_SUGGESTION_ID)
        decide(suggestion, "shortlist", suggestion.version, recruiter.id)
        move_stage(suggestion, "withdrawn", PERSON_USER_ID, "Found another apprenticeship")
        db.session.commit()
        suggestion_ids = list(
            db.session.scalars(db.select(Suggestion.id).where(Suggestion.candidate_id == PERSON_CANDIDATE_ID))
        )
    numbers = {PERSON_USER_ID, PERSON_CANDIDATE_ID, *suggestion_ids}
    with app.test_request_context():
        words = {NAME, SURNAME, "zephyrine.q@test.example", PHONE, "2005-03-14", pseudonym(PERSON_CANDIDATE_ID)}
    found = {needle for _, needle in _traces(_everything(app), numbers, words)}
    assert found == numbers | words  # the search sees every one of them while the person is here
    return SimpleNamespace(post=post, placement=placement, run_id=match_run.id, numbers=numbers, words=words)


def _still_checkable(app, run_id, tmp_path):
    """The stored run, exported, still passes `python -m matching check`."""
    import subprocess
    import sys

    from recruit.services.matching import export_run

    with app.app_context():
        exported = export_run(run_id)
    path = tmp_path / "run.json"
    path.write_text(json.dumps(exported))
    check = subprocess.run(
        [sys.executable, "-m", "matching", "check", str(path), str(path)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert len(exported["candidates"]) == 2  # the deleted person's entry is still there, under its random label


def test_deleting_an_account_leaves_nothing_that_leads_back_anywhere(app, client, traced, tmp_path):
    assert traced.post("/candidates/delete-account", {}).headers["Location"] == "/"
    assert _traces(_everything(app), traced.numbers, traced.words) == []
    _still_checkable(app, traced.run_id, tmp_path)
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "account.deleted"))
        assert event.entity_id is None and event.actor_id is None and event.detail == {}
        decision = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "suggestion.shortlisted"))
        assert decision is not None and decision.entity_id is None  # the decision stays; whose it was does not


def test_purging_an_application_leaves_nothing_that_leads_back_anywhere(app, traced, tmp_path):
    from recruit.services.candidates.data import purge

    with app.app_context():
        placement = db.session.get(Placement, traced.placement)
        placement.status, placement.closing_date = PlacementStatus.CLOSED.value, date.today() - timedelta(days=400)
        db.session.commit()
        assert purge(6) == 2
    assert _traces(_everything(app), traced.numbers, traced.words) == []
    _still_checkable(app, traced.run_id, tmp_path)


def test_deletion_page_and_privacy_notice_say_exactly_what_is_kept(client, applied):
    from recruit.services.candidates.data import KEPT_AFTER_DELETION
    from tests.page_checks import visible_text

    confirm = visible_text(client.get("/candidates/delete-account").get_data(as_text=True))
    privacy = visible_text(client.get("/privacy").get_data(as_text=True))
    for page in (confirm, privacy):
        assert "we keep only:" in page.lower()
        for item in KEPT_AFTER_DELETION:
            assert item in page
