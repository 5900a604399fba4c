"""The analyst as adversary (docs/privacy.md, "Counts that cannot be undone"): every statistic on the report is worked out from counts the page shows.

Two tests carry the weight: one walks every statistic of every report a seeded population gives and checks each
input is a count displayed on the page; the other replays the p-value attack that used to recover hidden counts.
"""

import dataclasses
import itertools
import random
import re
from datetime import date

import pytest
from sqlalchemy import select

from recruit.extensions import db as _db
from recruit.models import (
    Borough,
    Candidate,
    Choice,
    MatchRun,
    MonitoringResponse,
    Placement,
    Suggestion,
    User,
    utcnow,
)
from recruit.services import reports
from recruit.services.monitoring import pseudonym
from recruit.services.reports import NOT_ANSWERED, STAGES, Filters, Statistic
from tests.factories import add_placement
from tests.page_checks import visible_text
from tests.page_text import page_tables

pytestmark = pytest.mark.fresh_database  # reports query on connections of their own: they must see each test's commits


STAGE_OF = {1: "suggested", 2: "shortlisted", 3: "interview", 4: "offered", 5: "accepted"}


@pytest.fixture
def seeded(app):
    """About 260 applicants with mixed answers (groups from a handful to dozens) and stages at two boroughs."""
    rng = random.Random(10)
    with app.app_context():
        run = MatchRun(status="published", algorithm_version="test", weights={}, seed=1, input_hash="x", round=1)
        _db.session.add(run)
        placements = {slug: add_placement(slug) for slug in ("camden", "hackney")}
        ethnicities = (
            ["white_british"] * 8 + ["asian_bangladeshi"] * 5 + ["black_african"] * 4 + ["mixed_white_black_caribbean"]
        )
        for number in range(260):
            user = User(email=f"seed{number}@test.example", password_hash="x", role="candidate")
            user.candidate = Candidate(
                status="submitted",
                submitted_at=utcnow(),
                date_of_birth=date(1985 + rng.randrange(22), 1 + rng.randrange(12), 1 + rng.randrange(28)),
            )
            _db.session.add(user)
            _db.session.flush()
            candidate_id = user.candidate.id
            if rng.random() < 0.85:
                answers = {
                    "ethnicity": rng.choice(ethnicities),
                    "sex": rng.choice(["female", "male", "female"]),
                    "long_term_condition": rng.choice(["yes", "no", "no", "no"]),
                }
                if answers["long_term_condition"] == "yes":
                    answers["condition_reduces_activity"] = "a_little"
                _db.session.add(MonitoringResponse(pseudonym=pseudonym(candidate_id), answers=answers))
            slug = rng.choice(["camden", "hackney"])
            _db.session.add(Choice(candidate_id=candidate_id, placement_id=placements[slug].id, rank=1))
            level = rng.choice([0, 0, 1, 1, 1, 2, 2, 3, 4, 5])
            if level:
                _db.session.add(
                    Suggestion(
                        run_id=run.id,
                        candidate_id=candidate_id,
                        placement_id=placements[slug].id,
                        score=0.5,
                        components={},
                        explanation={},
                        stage=STAGE_OF[level],
                    )
                )
        _db.session.commit()


def _statistics(value, found=None) -> list[Statistic]:
    """Every Statistic inside a report, however deeply it sits in its dataclasses and lists."""
    found = [] if found is None else found
    if isinstance(value, Statistic):
        found.append(value)
    elif dataclasses.is_dataclass(value):
        for item in dataclasses.fields(value):
            _statistics(getattr(value, item.name), found)
    elif isinstance(value, list | tuple):
        for item in value:
            _statistics(item, found)
    return found


REPORTS = [
    {"characteristic": key, "borough": borough}
    for key in ("ethnicity", "sex", "disability", "age_band")
    for borough in ("", "camden")
] + [{"characteristic": "ethnicity", "stage": "shortlisted"}]


@pytest.mark.parametrize("query", REPORTS, ids=lambda q: "-".join(v for v in q.values() if v))
def test_every_statistic_shown_is_worked_out_from_counts_the_page_shows(app, client, login_as, seeded, query):
    login_as("analyst")
    response = client.get("/reports/", query_string=query)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text, tables = visible_text(html), {table.caption: table for table in page_tables(html)}
    with app.test_request_context():
        report = reports.outreach_report(Filters(**query), {})
    statistics = _statistics(report)
    shown = [s for s in statistics if s.shown]
    assert len(shown) >= 10 and len(statistics) > len(shown)  # both kinds are on the page: the test checks something
    for statistic in statistics:
        _assert_worked_out_from_shown_cells(statistic, tables, text)
    # Every percentage and p-value on the page is one of those statistics (or a census figure).
    allowed = {s.render() for s in shown} | {f"{share:.1f}%" for share in report.funnel.census if share is not None}
    for table in tables.values():
        for row in table.rows[1:]:
            for value in row[1:]:
                if re.search(r"%|^0\.\d{3}$|^< 0\.001$", value):
                    assert value in allowed, (table.caption, row, value)
    warnings = [
        line[line.index("Possible adverse impact") :] for line in text.splitlines() if "Possible adverse impact" in line
    ]
    assert warnings == _expected_warnings(report)


def _assert_worked_out_from_shown_cells(statistic, tables, text):
    """A statistic over a hidden count is never worked out; a shown one uses only counts the tables show."""
    if any(cell.hidden for cell in statistic.inputs):
        assert statistic.value is None  # never even worked out
    if not statistic.shown:
        return
    for cell in statistic.inputs:
        assert not cell.hidden
        assert tables[cell.table].cell(cell.row, cell.column) == f"{cell.count:,}", (statistic, cell)
    assert statistic.render() in text


def _expected_warnings(report):
    """The adverse-impact warnings the page should show: each names only groups whose counts at that step are all
    shown."""
    expected = []
    for step in report.fairness:
        hidden_groups = {row.group for row in step.rows if row.selected.hidden or row.total.hidden}
        if step.flagged.shown and step.flagged.value:
            assert {step.lowest, step.highest} <= set(step.compared) and not {step.lowest, step.highest} & hidden_groups
            expected.append(
                f"Possible adverse impact: the selection rate of {step.lowest} is below 0.8 of the rate "
                f"of {step.highest}."
            )
    return expected


# --- The p-value attack: try each value a hidden count could have and see whether the page changes ---

LABELS = ["A", "B", "C", "D", NOT_ANSWERED]
APPLIED = [40, 35, 12, 50, 20]
LATER = [[0, 0, 0, 0, 0]] * (len(STAGES) - 2)  # nobody past the second stage: every later cell is hidden anyway


def _counts(suggested: list[int]) -> list[list[int]]:
    return [[APPLIED[g], suggested[g], *[stage[g] for stage in LATER]] for g in range(len(LABELS))]


def _page(counts, statistic_method) -> tuple:
    """What the page shows for a table of counts: every count's text and every statistic's text."""
    table = reports.protected_table("T", [label for _, label, _ in STAGES], LABELS, counts, not_answered=NOT_ANSWERED)
    shown_counts = tuple(cell.text for row in table.rows for cell in row) + tuple(cell.text for cell in table.totals)
    return shown_counts, statistic_method(table)


def _displayed(table) -> tuple:
    steps = reports.fairness(table, "suggested", "Group")
    return tuple(s.render() for s in _statistics(steps)) + tuple(s.render() for s in _statistics(table))


def _everyone_else_including_hidden(table) -> tuple:
    """The old method: each group's p-value against everyone else, hidden groups included."""
    from matching import fairness_report

    report = fairness_report(
        {label: (row[1].count, row[0].count) for label, row in zip(table.labels, table.rows) if label != NOT_ANSWERED}
    )
    return tuple(
        f"{s.fisher_p_value:.3f}"
        for s in report.groups
        if s.enough_data and not table.rows[table.labels.index(s.group)][1].hidden
    )


def _consistent_tables(true_suggested):
    """Every table the analyst cannot tell apart from the true one by its counts: the hidden cells of the
    "Suggested" column take any values that keep the shown total, the funnel (no more than applied) and which
    cells are hidden."""
    true_counts = _counts(true_suggested)
    true_view, _ = _page(true_counts, lambda table: None)
    table = reports.protected_table(
        "T", [label for _, label, _ in STAGES], LABELS, true_counts, not_answered=NOT_ANSWERED
    )
    hidden = [g for g, row in enumerate(table.rows) if row[1].hidden]
    assert len(hidden) == 2 and not table.totals[1].hidden
    for values in itertools.product(*[range(APPLIED[g] + 1) for g in hidden]):
        suggested = list(true_suggested)
        for g, value in zip(hidden, values):
            suggested[g] = value
        if sum(suggested) != sum(true_suggested):
            continue
        if _page(_counts(suggested), lambda table: None)[0] == true_view:
            yield suggested


def test_the_p_value_attack_recovers_nothing():
    truth = [30, 20, 4, 25, 15]  # C's 4 is hidden; "not answered" (15), the smallest shown, is hidden with it
    candidates = list(_consistent_tables(truth))
    assert truth in candidates and len(candidates) == 10  # C could be 0 to 9 as far as the counts go
    true_statistics = _page(_counts(truth), _displayed)[1]
    assert any(value[0].isdigit() for value in true_statistics)  # the page does show rates and p-values
    matching_statistics = [s for s in candidates if _page(_counts(s), _displayed)[1] == true_statistics]
    assert matching_statistics == candidates  # every possibility looks the same: nothing recovered
    # The control: with "everyone else" including hidden groups, the p-values single out the true count.
    true_old = _page(_counts(truth), _everyone_else_including_hidden)[1]
    recovered = [s for s in candidates if _page(_counts(s), _everyone_else_including_hidden)[1] == true_old]
    assert recovered == [truth]


# --- Shares of those who answered, against a census population that is named ---


def test_shares_are_of_those_who_answered_and_the_census_says_what_it_covers(app, client, login_as, seeded):
    login_as("analyst")
    html = client.get("/reports/?characteristic=ethnicity").get_data(as_text=True)
    text = visible_text(html)
    funnel = next(t for t in page_tables(html) if t.caption == "Candidates at each stage by ethnic group")
    assert funnel.header[:4] == [
        "Ethnic group",
        "Applied",
        "Share of those who answered",
        "London population, all ages (Census 2021)",
    ]
    rows = funnel.body()
    total, skipped = int(rows["All candidates"]["Applied"]), int(rows[NOT_ANSWERED]["Applied"])
    assert skipped >= 10 and rows[NOT_ANSWERED]["Share of those who answered"] == "Counted apart"
    white = int(rows["White"]["Applied"])
    assert rows["White"]["Share of those who answered"] == f"{100 * white / (total - skipped):.1f}%"
    assert rows["White"]["London population, all ages (Census 2021)"] == "53.8%"
    assert f"Shares are of the {total - skipped:,} candidates who answered" in text
    assert f"{100 * skipped / total:.1f}% of all candidates did not answer or preferred not to say." in text
    assert (
        "The London population column is every usual resident of London, of all ages, in the 2021 Census "
        "(ONS Census 2021 TS021 (London region), Office for National Statistics)."
    ) in text
    # Shares of the groups who answered add up to 100 % of those who answered, not of everyone.
    shown = [
        float(row["Share of those who answered"].rstrip("%"))
        for label, row in rows.items()
        if row.get("Share of those who answered", "").endswith("%")
    ]
    assert len(shown) >= 3 and sum(shown) <= 100.2


# --- Borough filter: every stage, Applied included ---


def test_a_borough_filter_counts_applied_as_those_who_chose_or_were_suggested_a_placement_there(app, seeded):
    with app.app_context():
        camden = _db.session.scalar(select(Borough.id).where(Borough.slug == "camden"))
        chose = set(
            _db.session.scalars(select(Choice.candidate_id).join(Placement).where(Placement.borough_id == camden))
        )
        # One more: suggested a Camden placement they did not choose (they would consider others).
        hackney_placement = _db.session.scalar(select(Placement.id).where(Placement.borough_id != camden))
        camden_placement = _db.session.scalar(select(Placement.id).where(Placement.borough_id == camden))
        run = _db.session.scalar(select(MatchRun.id))
        user = User(email="other@test.example", password_hash="x", role="candidate")
        user.candidate = Candidate(status="submitted", submitted_at=utcnow())
        _db.session.add(user)
        _db.session.flush()
        _db.session.add(Choice(candidate_id=user.candidate.id, placement_id=hackney_placement, rank=1))
        _db.session.add(
            Suggestion(
                run_id=run,
                candidate_id=user.candidate.id,
                placement_id=camden_placement,
                score=0.5,
                components={},
                explanation={},
                stage="suggested",
            )
        )
        _db.session.commit()
        everyone = _db.session.scalar(select(_db.func.count()).select_from(Candidate))
    with app.test_request_context():
        london, _ = reports.funnel(Filters(characteristic="sex"))
        table, _ = reports.funnel(Filters(characteristic="sex", borough="camden"))
    assert london.totals[0].count == everyone
    assert table.totals[0].count == len(chose) + 1 < everyone
    # Every stage is within the borough's applicants, so no rate can exceed 100 %.
    for row in [*table.rows, table.totals]:
        counts = [cell.count for cell in row]
        assert counts == sorted(counts, reverse=True)


def test_the_age_band_is_worked_out_from_the_date_of_birth_for_those_who_answered(app, client, login_as, seeded):
    from recruit.services.monitoring import age_band

    with app.app_context():
        answered = set(_db.session.scalars(select(MonitoringResponse.pseudonym)))
        people = _db.session.execute(select(Candidate.id, Candidate.date_of_birth, Candidate.submitted_at)).all()
    with app.test_request_context():
        expected = {}
        for candidate_id, born, submitted in people:
            band = age_band(born, submitted.date()) if pseudonym(candidate_id) in answered else None
            expected[band] = expected.get(band, 0) + 1
    login_as("analyst")
    html = client.get("/reports/?characteristic=age_band").get_data(as_text=True)
    funnel = next(t for t in page_tables(html) if t.caption == "Candidates at each stage by age band").body()
    labels = {
        "16_18": "16 to 18",
        "19_24": "19 to 24",
        "25_34": "25 to 34",
        "35_plus": "35 and over",
        None: NOT_ANSWERED,
    }
    exact = 0
    for band, count in expected.items():
        shown = funnel[labels[band]]["Applied"]
        assert shown == (f"{count:,}" if count >= 10 else "<10") or shown == "Hidden"
        exact += shown == f"{count:,}"
    assert exact >= 3
    assert "The age band is worked out from the date of birth on the day the application was sent" in visible_text(html)
