"""Outreach reports: disclosure control, the diversity funnel on a known population, fairness, access and axe."""

from datetime import date

import pytest
from sqlalchemy import insert, select

from recruit.extensions import db as _db
from recruit.models import Borough, Candidate, Match, MatchRun, MonitoringResponse, Standard, User, Vacancy, utcnow
from recruit.services import reports
from recruit.services.monitoring import pseudonym
from recruit.services.reports import Filters, suppress

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


def test_shares_are_shown_only_for_visible_cells_of_a_base_of_ten_or_more():
    table = reports.protected_table(["Applied"], ["A", "B", "C"], [[30], [25], [4]])
    shares = [row[0].percent for row in table.rows]
    assert shares[2] is None and shares[1] is None  # 4 is hidden, so 25 is hidden with it: no share for either
    assert shares[0] == pytest.approx(100 * 30 / 59)
    assert [row[0].text for row in table.rows] == ["30", "Hidden", "<10"]  # secondary cells never claim to be small
    small = reports.protected_table(["Applied"], ["A"], [[0]])
    assert small.rows[0][0].percent is None and small.totals[0].text == "<10"


# --- A known population ---

NAME, EMAIL_DOMAIN = "Zebedee", "secret.example"


@pytest.fixture
def population(app):
    """74 applicants with known answers and stages (see the comments), plus one draft who never applied."""
    with app.app_context():
        boroughs = {b.slug: b.id for b in _db.session.scalars(select(Borough))}
        standard = _db.session.scalar(select(Standard.id).limit(1))
        run = MatchRun(algorithm_version="test", weights={}, seed=1, input_hash="x", round=1)
        _db.session.add(run)
        _db.session.flush()
        vacancy_ids = {}
        for slug in ("hackney", "camden"):
            vacancy = Vacancy(borough_id=boroughs[slug], standard_id=standard, status="live", title="Data apprentice",
                              wage_amount=12, hourly_wage=12, hours_per_week=30, start_date=date(2026, 9, 1),
                              closing_date=date(2026, 8, 1), workplace_outward="E8", lat=51.5, lon=-0.05)
            _db.session.add(vacancy)
            _db.session.flush()
            vacancy_ids[slug] = vacancy.id
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
                user.candidate = Candidate(status="submitted", first_name=NAME, last_name=f"Quartermaine{number}",
                                           submitted_at=utcnow(), outreach_channel=channel, campaign_code=campaign)
                _db.session.add(user)
                _db.session.flush()
                candidate_id = user.candidate.id
                if answers is not None:
                    _db.session.add(MonitoringResponse(pseudonym=pseudonym(candidate_id), answers=answers))
                if level:
                    _db.session.add(Match(run_id=run.id, candidate_id=candidate_id, vacancy_id=vacancy_ids[borough],
                                          score=0.5, components={}, explanation={}, stage=stage_of[level]))
                    if level >= 2:  # an earlier rejection elsewhere does not lower how far they got
                        _db.session.add(Match(run_id=run.id, candidate_id=candidate_id,
                                              vacancy_id=vacancy_ids["camden" if borough == "hackney" else "hackney"],
                                              score=0.4, components={}, explanation={}, stage="rejected"))
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
    assert counts["White"] == [30, 20, 15, 10, 5]
    assert counts["Asian or Asian British"] == [25, 20, 0, 0, 0]
    assert counts["Black, Black British, Caribbean or African"] == [12, 12, 12, 0, 0]
    assert counts["Mixed or multiple ethnic groups"] == [0, 0, 0, 0, 0]
    assert counts[reports.NOT_ANSWERED] == [7, 3, 0, 0, 0]
    assert [cell.count for cell in table.totals] == [74, 55, 27, 10, 5]
    white = table.rows[table.labels.index("White")]
    assert white[0].percent == pytest.approx(100 * 30 / 74)
    assert table.extra[table.labels.index("White")] == 53.8  # the London census share
    assert [cell.text for cell in table.totals] == ["74", "55", "27", "10", "<10"]


def test_funnel_by_a_derived_or_unanswered_characteristic(app, population):
    counts, table = _funnel(app, characteristic="sex")
    assert counts["Female"] == [30, 20, 15, 10, 5] and counts["Male"] == [37, 32, 12, 0, 0]
    assert counts[reports.NOT_ANSWERED] == [7, 3, 0, 0, 0]
    counts, _ = _funnel(app, characteristic="disability")  # nobody answered: everyone is "not answered"
    assert counts[reports.NOT_ANSWERED] == [74, 55, 27, 10, 5]


def test_borough_filter_counts_later_stages_at_that_boroughs_placements_only(app, population):
    counts, _ = _funnel(app, borough="camden")
    # White: 5 accepted at Camden, plus 10 (levels 2 and 4) rejected at Camden, so suggested there only.
    assert counts["White"] == [30, 15, 5, 5, 5]
    assert counts["Asian or Asian British"] == [25, 20, 0, 0, 0]


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
    assert "66.7%" in page and "80.0%" in page and "100.0%" in page
    assert "Adverse impact ratio: <strong>0.67</strong>" in page
    assert "possible adverse impact" in page.lower()
    assert "Not enough data" in page  # the empty groups
    assert "Selection from applied to suggested by ethnic group" in page
    assert "Selection from suggested to shortlisted" not in page  # only the chosen stage


def test_fairness_hides_a_rate_that_would_reveal_a_small_count(app, population):
    with app.test_request_context():
        table, _ = reports.funnel(Filters())
        steps = reports.fairness(table, "accepted")
    white = next(row for row in steps[0].rows if row.group == "White")
    assert white.selected.hidden and white.rate is None and "hidden" in white.note
    assert steps[0].ratio is None


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
        channels, campaigns = reports.channel_tables(reports.gather(Filters()), {"social_media": "Social media",
                                                                                 "jobcentre": "Jobcentre"})
    rows = {label: [cell.count for cell in row] for label, row in zip(channels.labels, channels.rows)}
    assert rows["Social media"] == [20, 10, 5, 0, 0] and rows["Jobcentre"] == [15, 10, 10, 10, 5]
    assert rows["Not given"] == [4, 0, 0, 0, 0]
    spring = campaigns.rows[campaigns.labels.index("SPRING26")]
    assert [cell.count for cell in spring] == [35, 20, 0, 0, 0]


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
