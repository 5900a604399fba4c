"""Charts are drawn only from what the tables show: a hidden cell or rate is never drawn, and each says it in words."""

import re

from recruit.charts import LONDON_TILES, ABBREVIATIONS, rate_chart, share_chart
from recruit.services.reports.disclosure import protected_table
from recruit.services.reports.outreach import FairnessRow, Transition
from tests.page_text import visible_text


def test_hidden_shares_are_never_drawn_and_visible_ones_are_to_scale():
    table = protected_table(["Applied", "Suggested"], ["A", "B", "C"], [[50, 30], [40, 4], [30, 20]])
    chart = share_chart(table, [40.0, 35.0, 25.0])
    drawn = {(group.label, bar.stage): bar for group in chart.groups for bar in group.bars}
    for (label, stage), bar in drawn.items():
        row = table.labels.index(label)
        cell = table.rows[row][table.columns.index(stage)]
        if cell.percent is None:
            assert bar.width is None and bar.text == "not shown"
        else:
            assert abs(bar.width - cell.percent * 330 / chart.scale_max) < 1e-9
    assert drawn[("B", "Suggested")].width is None  # 4 is under 10
    # a second cell is hidden too, or B could be worked out from the total
    assert sum(drawn[(label, "Suggested")].width is None for label in "ABC") == 2
    assert any("not drawn" in sentence for sentence in chart.summary)
    assert "The largest group of people who applied is A: 41.7%." in chart.summary


def test_rates_hidden_by_the_table_are_not_drawn():
    from recruit.services.reports.disclosure import Cell

    rows = [FairnessRow("A", Cell(20, False), Cell(50, False), 0.4, (0.27, 0.54), 0.5, ""),
            FairnessRow("B", Cell(5, True), Cell(30, False), None, None, None, "hidden: it would reveal a count under 10"),
            FairnessRow("C", Cell(30, False), Cell(40, False), 0.75, (0.6, 0.86), 0.01, "")]
    points, height, summary = rate_chart(Transition("Applied", "Suggested", rows, None, "A", "C", True))
    assert [p.drawn for p in points] == [True, False, True] and height == 3 * 28
    assert points[1].text.startswith("hidden")
    assert summary[0] == "From applied to suggested, the selection rate is lowest for A (40.0%) and highest for C (75.0%)."
    assert summary[1] == "Their 95% intervals do not overlap."


def test_the_tile_map_has_every_borough_once_with_unique_labels():
    assert len(LONDON_TILES) == 33 and len(set(LONDON_TILES.values())) == 33
    assert set(ABBREVIATIONS) == set(LONDON_TILES) and len(set(ABBREVIATIONS.values())) == 33


def test_report_page_draws_exactly_the_shares_its_table_shows(app, client, login_as, make_user):
    from matching_data import make_candidate

    from tests.test_vacancies import make_vacancy

    vacancy = make_vacancy(app)
    for _ in range(12):
        make_candidate(app, make_user, [vacancy])
    login_as("analyst", None)
    html = client.get("/reports/").get_data(as_text=True)
    figure = html.split('id="shares-title"', 1)[1].split("</svg>", 1)[0]
    drawn = re.findall(r"<title>([^<]+): ([0-9.]+%)</title>", figure)
    table = html.split("Candidates at each stage by ethnic group", 1)[1].split("</table>", 1)[0]
    shares = re.findall(r"<th scope=\"row\" class=\"govuk-table__header\">([^<]+)</th>\s*<td[^>]*>[^<]*</td>\s*<td[^>]*>([0-9.]+%)</td>", table)
    assert [(label.split(",")[0], share) for label, share in drawn if ", Applied" in label] == shares
    assert "Not answered or prefer not to say, Applied: 100.0%" in figure
    page = visible_text(html)
    assert "The largest group of people who applied is Not answered or prefer not to say: 100.0%." in page
