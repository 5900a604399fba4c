"""Outreach reports: disclosure control, the diversity funnel on a known population, fairness, access and axe."""

from datetime import date

import numpy as np
import pytest

from recruit.extensions import db as _db
from recruit.models import (
    Candidate,
    MatchRun,
    MonitoringResponse,
    Suggestion,
    User,
    utcnow,
)
from recruit.services import reports
from recruit.services.monitoring import pseudonym
from recruit.services.reports import Filters, suppress
from recruit.services.reports.disclosure import HIDDEN_INPUT
from tests.factories import add_placement
from tests.page_checks import visible_text
from tests.page_text import page_tables

pytestmark = pytest.mark.fresh_database  # reports query on connections of their own: they must see each test's commits


H = True  # hidden
V = False  # visible

# --- suppress: hand-made tables ---


def test_counts_under_ten_are_hidden_and_a_column_with_two_hidden_needs_nothing_more():
    hidden, totals = suppress([[50, 3], [40, 4], [30, 20]], totals=[120, 27])
    assert hidden == [[V, H], [V, H], [V, V]]
    assert totals == [V, V]


def test_a_single_hidden_cell_in_a_column_takes_the_next_smallest_with_it():
    # 120 - 50 - 40 would reveal the 7: the smallest visible cell (30) is hidden too.
    hidden, totals = suppress([[50], [40], [7], [30], [45]], totals=[172])
    assert [row[0] for row in hidden] == [V, V, H, H, V]
    assert totals == [V]


def test_secondary_suppression_picks_the_smallest_visible_cell_not_the_first():
    hidden, _ = suppress([[12, 100], [5, 100], [11, 100]], totals=[28, 300])
    assert [row[0] for row in hidden] == [V, H, H]
    assert [row[1] for row in hidden] == [V, V, V]


def test_a_small_total_is_hidden_and_counts_as_one_of_the_hidden_entries():
    # Total 9 is hidden; with only one cell hidden too, nothing can be subtracted: 3 + x = ? is unknown.
    hidden, totals = suppress([[3], [6]], totals=[9])
    assert hidden == [[H], [H]] and totals == [H]
    # One small cell and a large one: the total is visible, so the large cell must go too.
    hidden, totals = suppress([[3], [60]], totals=[63])
    assert hidden == [[H], [H]] and totals == [V]


def test_a_column_whose_only_visible_entry_is_its_total_hides_the_total():
    hidden, totals = suppress([[4]], totals=[12])  # impossible sums aside, a lone hidden cell must not be the total
    assert hidden == [[H]] and totals == [H]


def test_zero_is_hidden_like_any_count_under_ten_and_every_column_ends_with_none_or_two_hidden():
    rows = [[0, 15, 11], [25, 9, 10], [30, 40, 12], [18, 16, 80]]
    hidden, totals = suppress(rows, totals=[sum(c) for c in zip(*rows)])
    for col in range(3):
        count = sum(hidden[r][col] for r in range(len(rows))) + totals[col]
        assert count == 0 or count >= 2
    assert hidden[0][0] and hidden[3][0]  # 0 is hidden, then 18 (the smallest visible) with it


def test_without_totals_only_primary_suppression_applies():
    hidden, totals = suppress([[5, 50]])
    assert hidden == [[H, V]] and totals == []


def test_shares_are_of_those_who_answered_from_shown_counts_only():
    na = reports.NOT_ANSWERED
    table = reports.protected_table("T", ["Applied"], ["A", "B", "C", na], [[30], [15], [4], [20]], not_answered=na)
    # C (4) is hidden, so B, the smallest shown, is hidden with it; 69 applied, 20 did not answer: 49 answered.
    assert [cell.text for cell in (row[0] for row in table.rows)] == ["30", "Hidden", "<10", "20"]
    assert [share.render() if share else None for share in table.shares] == [
        f"{100 * 30 / 49:.1f}%",
        HIDDEN_INPUT,
        HIDDEN_INPUT,
        None,
    ]  # "not answered" is counted apart
    assert table.answered.render() == "49" and table.not_answered_share.render() == f"{100 * 20 / 69:.1f}%"
    assert {cell.row for cell in table.shares[0].inputs} == {"A", "All candidates", na}
    # When the "not answered" count is hidden, the number who answered would reveal it: no share at all.
    table = reports.protected_table("T", ["Applied"], ["A", "B", na], [[30], [25], [4]], not_answered=na)
    assert not table.answered.shown and not any(share.shown for share in table.shares if share)
    small = reports.protected_table("T", ["Applied"], ["A"], [[0]])
    assert not small.shares[0].shown and small.totals[0].text == "<10"


# --- A known population ---

NAME, EMAIL_DOMAIN = "Zebedee", "secret.example"


@pytest.fixture
def population(app):
    """74 applicants with known answers and stages (see the comments), plus one draft who never applied."""
    with app.app_context():
        run = MatchRun(status="published", algorithm_version="test", weights={}, seed=1, input_hash="x", round=1)
        _db.session.add(run)
        _db.session.flush()
        placement_ids = {slug: add_placement(slug).id for slug in ("hackney", "camden")}
        stage_of = {1: "suggested", 2: "shortlisted", 3: "interview", 4: "offered", 5: "accepted"}
        # (how many, answers or None, furthest level, outreach channel, campaign code, placement borough)
        people = [
            (10, {"ethnicity": "white_british", "sex": "female"}, 0, "social_media", "SPRING26", None),
            (5, {"ethnicity": "white_other", "sex": "female"}, 1, "social_media", None, "hackney"),
            (5, {"ethnicity": "white_irish", "sex": "female"}, 2, "social_media", None, "hackney"),
            (5, {"ethnicity": "white_british", "sex": "female"}, 4, "jobcentre", None, "hackney"),
            (5, {"ethnicity": "white_roma", "sex": "female"}, 5, "jobcentre", None, "camden"),
            (5, {"ethnicity": "asian_indian", "sex": "male"}, 0, "jobcentre", "SPRING26", None),
            (20, {"ethnicity": "asian_bangladeshi", "sex": "male"}, 1, "careers_fair", "SPRING26", "camden"),
            (12, {"ethnicity": "black_african", "sex": "male"}, 3, "careers_fair", None, "camden"),
            (3, {"ethnicity": "prefer_not_to_say"}, 1, "other", None, "hackney"),
            (4, None, 0, None, None, None),
        ]
        number = 0
        for count, answers, level, channel, campaign, borough in people:
            for _ in range(count):
                number += 1
                user = User(email=f"{NAME.lower()}{number}@{EMAIL_DOMAIN}", password_hash="x", role="candidate")
                user.candidate = Candidate(
                    status="submitted",
                    first_name=NAME,
                    last_name=f"Quartermaine{number}",
                    submitted_at=utcnow(),
                    outreach_channel=channel,
                    campaign_code=campaign,
                )
                _db.session.add(user)
                _db.session.flush()
                candidate_id = user.candidate.id
                if answers is not None:
                    _db.session.add(MonitoringResponse(pseudonym=pseudonym(candidate_id), answers=answers))
                if level:
                    _db.session.add(
                        Suggestion(
                            run_id=run.id,
                            candidate_id=candidate_id,
                            placement_id=placement_ids[borough],
                            score=0.5,
                            components={},
                            explanation={},
                            stage=stage_of[level],
                        )
                    )
                    if level >= 2:  # an earlier rejection elsewhere does not lower how far they got
                        _db.session.add(
                            Suggestion(
                                run_id=run.id,
                                candidate_id=candidate_id,
                                placement_id=placement_ids["camden" if borough == "hackney" else "hackney"],
                                score=0.4,
                                components={},
                                explanation={},
                                stage="rejected",
                            )
                        )
        draft = User(email=f"draft@{EMAIL_DOMAIN}", password_hash="x", role="candidate")
        draft.candidate = Candidate(status="draft")
        _db.session.add(draft)
        _db.session.commit()
        return {"run": run.id}


def _funnel(app, **filters):
    with app.test_request_context():
        table, _ = reports.funnel(Filters(**filters))
        return {label: [cell.count for cell in row] for label, row in zip(table.labels, table.rows)}, table


def test_funnel_counts_match_the_hand_computed_population(app, population):
    counts, table = _funnel(app)
    assert counts["White"] == [30, 20, 15, 10, 10, 5]
    assert counts["Asian or Asian British"] == [25, 20, 0, 0, 0, 0]
    assert counts["Black, Black British, Caribbean or African"] == [12, 12, 12, 12, 0, 0]
    assert counts["Mixed or multiple ethnic groups"] == [0, 0, 0, 0, 0, 0]
    assert counts[reports.NOT_ANSWERED] == [7, 3, 0, 0, 0, 0]
    assert [cell.count for cell in table.totals] == [74, 55, 27, 22, 10, 5]
    # 7 did not answer: a hidden count, so the number who answered (74 - 7) would reveal it and no share is shown.
    assert not table.answered.shown and not any(share.shown for share in table.shares if share)
    assert table.census[table.labels.index("White")] == 53.8  # the London census share
    assert table.census[table.labels.index(reports.NOT_ANSWERED)] is None
    assert [cell.text for cell in table.totals] == ["74", "55", "27", "22", "10", "<10"]


def test_funnel_by_a_derived_or_unanswered_characteristic(app, population):
    counts, table = _funnel(app, characteristic="sex")
    assert counts["Female"] == [30, 20, 15, 10, 10, 5] and counts["Male"] == [37, 32, 12, 12, 0, 0]
    assert counts[reports.NOT_ANSWERED] == [7, 3, 0, 0, 0, 0]
    counts, _ = _funnel(app, characteristic="disability")  # nobody answered: everyone is "not answered"
    assert counts[reports.NOT_ANSWERED] == [74, 55, 27, 22, 10, 5]


def test_borough_filter_counts_later_stages_at_that_boroughs_placements_only(app, population):
    counts, _ = _funnel(app, borough="camden")
    # White: 5 accepted at Camden, plus 10 (levels 2 and 4) rejected at Camden, so suggested there only. Nobody
    # in this population chose a placement, so Applied in Camden is those suggested one there.
    assert counts["White"] == [15, 15, 5, 5, 5, 5]
    assert counts["Asian or Asian British"] == [20, 20, 0, 0, 0, 0]


def _report_page(client, query="") -> str:
    response = client.get(f"/reports/{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_page_shows_suppressed_counts_and_never_an_individual(client, login_as, population):
    login_as("analyst")
    page = _report_page(client)
    assert "&lt;10" in page
    assert NAME not in page and EMAIL_DOMAIN not in page and "Quartermaine" not in page
    assert "Candidates at each stage by ethnic group" in page
    assert "53.8%" in page  # census benchmark
    assert "Social media" in page and "SPRING26" in page
    assert "Hidden" in page  # campaign codes, shortlisted: 0 and 27 of 27, so the 27 is hidden too


def test_fairness_numbers_and_adverse_impact_flag_in_words(client, login_as, population):
    login_as("admin")
    page = _report_page(client, "?stage=suggested")
    # Applied to suggested: White 20/30, Asian 20/25, Black 12/12 -> ratio 0.67, flagged.
    text = visible_text(page)
    [table] = [t for t in page_tables(page) if t.caption.startswith("Selection from")]
    assert table.caption == "Selection from applied to suggested by ethnic group"  # only the chosen stage
    rows = table.body()
    assert [rows[group]["Selection rate"] for group in ("White", "Asian or Asian British")] == ["66.7%", "80.0%"]
    assert rows["Black, Black British, Caribbean or African"]["Selection rate"] == "100.0%"
    assert rows["Mixed or multiple ethnic groups"]["Selection rate"] == HIDDEN_INPUT  # 0 of 0: hidden counts
    assert (
        "Adverse impact ratio: 0.67, below 0.8: possible adverse impact. Lowest rate: White. Highest rate: "
        "Black, Black British, Caribbean or African. Groups compared: White; Asian or Asian British; "
        "Black, Black British, Caribbean or African."
    ) in text
    assert (
        "Possible adverse impact: the selection rate of White is below 0.8 of the rate of "
        "Black, Black British, Caribbean or African."
    ) in text


def test_fairness_hides_a_rate_that_would_reveal_a_small_count(app, population):
    with app.test_request_context():
        table, _ = reports.funnel(Filters())
        steps = reports.fairness(table, "accepted")
    white = next(row for row in steps[0].rows if row.group == "White")
    assert white.selected.hidden and not white.rate.shown and white.rate.value is None
    assert white.rate.render() == HIDDEN_INPUT and white.p_value.value is None
    assert not steps[0].ratio.shown and "White" not in steps[0].compared


def test_crossing_is_refused_when_any_cell_would_be_under_ten(client, login_as, population):
    login_as("analyst")
    page = _report_page(client, "?characteristic=ethnicity&cross_with=sex")
    assert "We cannot show ethnic group crossed with sex" in page
    assert "fewer than 10 people" in page


def test_crossing_is_shown_when_every_cell_has_ten_or_more(app, client, login_as):
    with app.app_context():
        answers = []
        for care in ("yes", "no", None):
            for ltc in ("yes", "no", None):
                answer = {k: v for k, v in {"care_leaver": care, "long_term_condition": ltc}.items() if v}
                if ltc == "yes":
                    answer["condition_reduces_activity"] = "a_lot"
                answers += [answer] * 10
        for number, answer in enumerate(answers):
            user = User(email=f"x{number}@test.example", password_hash="x", role="candidate")
            user.candidate = Candidate(status="submitted", submitted_at=utcnow())
            _db.session.add(user)
            _db.session.flush()
            if answer:
                _db.session.add(MonitoringResponse(pseudonym=pseudonym(user.candidate.id), answers=answer))
        _db.session.commit()
    login_as("analyst")
    page = _report_page(client, "?characteristic=disability&cross_with=care_leaver")
    assert "Candidates at the applied stage by disability and care leaver" in page
    assert "We cannot show" not in page


def test_form_errors_are_shown_with_gov_uk_messages(client, login_as, population):
    login_as("analyst")
    page = _report_page(client, "?characteristic=shoe_size&round=abc")
    assert "There is a problem" in page and "Select a characteristic from the list" in page
    assert "Select a match round from the list" in page
    page = _report_page(client, "?characteristic=sex&cross_with=sex")
    assert "Select a different characteristic to cross with" in page


def test_outreach_channel_table_counts_and_suppresses(app, population):
    with app.test_request_context():
        channels, campaigns = reports.channel_tables(
            reports.gather(Filters()), {"social_media": "Social media", "jobcentre": "Jobcentre"}
        )
    rows = {label: [cell.count for cell in row] for label, row in zip(channels.labels, channels.rows)}
    assert rows["Social media"] == [20, 10, 5, 0, 0, 0] and rows["Jobcentre"] == [15, 10, 10, 10, 10, 5]
    assert rows["Not given"] == [4, 0, 0, 0, 0, 0]
    spring = campaigns.rows[campaigns.labels.index("SPRING26")]
    assert [cell.count for cell in spring] == [35, 20, 0, 0, 0, 0]


def test_pseudonyms_in_bulk_match_the_monitoring_pseudonym(app):
    with app.test_request_context():
        assert reports.pseudonyms([1, 22, 333]) == [pseudonym(1), pseudonym(22), pseudonym(333)]
    app.config["MONITORING_KEY"] = "k" * 100  # keys longer than a block are hashed first, as HMAC says
    with app.test_request_context():
        assert reports.pseudonyms([7]) == [pseudonym(7)]


# Borough staff see the report limited to their own borough (tests/test_cycles.py and the isolation list in test_staff.py).
@pytest.mark.parametrize("role", ["recruiter", "candidate"])
def test_other_roles_get_403(client, login_as, role):
    login_as(role)
    assert client.get("/reports/").status_code == 403


def test_signed_out_people_are_sent_to_sign_in(client):
    assert client.get("/reports/").status_code in (302, 401)


@pytest.mark.browser
def test_report_page_with_data_and_with_an_error_has_no_axe_violations(page, make_user, browser_sign_in, population):
    from tests.a11y import assert_no_axe_violations

    browser_sign_in(make_user("analyst"))
    page.goto("/reports/?characteristic=ethnicity&cross_with=sex&stage=")
    page.wait_for_selector("table")
    assert_no_axe_violations(page)
    page.goto("/reports/?characteristic=nonsense")
    assert page.locator(".govuk-error-summary").is_visible()
    assert_no_axe_violations(page)
    page.goto("/reports/?borough=croydon")  # nobody chose Croydon: too few people, a message instead
    assert page.get_by_text("Fewer than 10 people match these choices").is_visible()
    assert_no_axe_violations(page)


@pytest.mark.browser
def test_closed_cycle_report_and_its_refusal_have_no_axe_violations(app, page, make_user, browser_sign_in, population):
    from tests.a11y import assert_no_axe_violations

    with app.app_context():
        from recruit.models import RecruitmentCycle
        from recruit.services.cycles import close_cycle

        cycle = RecruitmentCycle(name="Last year", opens_on=date(2025, 1, 1), closes_on=date(2026, 12, 31))
        _db.session.add(cycle)
        _db.session.commit()
        close_cycle(cycle.id, [])
        cycle_id = cycle.id
    browser_sign_in(make_user("analyst"))
    page.goto(f"/reports/?cycle={cycle_id}")
    assert page.get_by_text("Last year is closed.").is_visible()
    assert_no_axe_violations(page)
    page.goto(f"/reports/?cycle={cycle_id}&borough=hackney")
    assert page.locator(".govuk-error-summary").is_visible()
    assert_no_axe_violations(page)


def test_ids_are_parsed_from_the_databases_joined_text_exactly():
    from recruit.services.reports.population import _parse_ids

    assert _parse_ids(b"").tolist() == []
    assert _parse_ids(b"7").tolist() == [7]
    assert _parse_ids(b"1,22,333,4444444,0,10,9223372036854775807").tolist() == [1, 22, 333, 4444444, 0, 10, 2**63 - 1]


def test_join_keys_are_remembered_per_monitoring_key(app):
    from recruit.services.reports.population import _digests, _join_keys, _keys_from_digests

    with app.test_request_context():
        first = _join_keys.of(np.array([5, 3, 5]))
        assert (first == _keys_from_digests(_digests([b"5", b"3", b"5"]))).all()
    app.config["MONITORING_KEY"] = "another-key"
    with app.test_request_context():  # another key: nothing remembered under the old one is used
        assert (_join_keys.of(np.array([5])) == _keys_from_digests(_digests([b"5"]))).all()
        assert not (_join_keys.of(np.array([5])) == first[0]).all()
