"""Charts are drawn only from what the tables show: a hidden cell or rate is never drawn, and each says it in words."""

import re

import pytest

from recruit.charts import ABBREVIATIONS, LONDON_TILES, rate_chart, share_chart
from recruit.services.reports.disclosure import protected_table
from recruit.services.reports.outreach import FairnessRow, Transition
from tests.page_checks import visible_text


def test_hidden_shares_are_never_drawn_and_visible_ones_are_to_scale():
    table = protected_table("T", ["Applied", "Suggested"], ["A", "B", "C"], [[50, 30], [4, 4], [30, 20]])
    table.census = [40.0, 35.0, 25.0]
    chart = share_chart(table)
    for bar, share in zip(chart.bars, table.shares):
        if share.shown:
            assert (
                bar.text == share.render()
                and abs(bar.width - 100 * share.value * chart.ticks[-1][0] / chart.ticks[-1][1]) < 1e-9
            )
        else:
            assert bar.width is None and bar.text == "not shown"
    assert [bar.width is None for bar in chart.bars] == [not share.shown for share in table.shares]
    assert any(bar.width is None for bar in chart.bars)  # B's 4 is under 10: never drawn
    assert any("not drawn" in sentence for sentence in chart.summary)


def test_rates_hidden_by_the_table_are_not_drawn():
    from recruit.services.reports.disclosure import Cell, Statistic

    def row(group, selected, total, rate, interval):
        cells = (selected, total)
        return FairnessRow(
            group,
            selected,
            total,
            Statistic.of(lambda: rate, cells),
            Statistic.of(lambda: interval, cells, "interval"),
            Statistic.of(lambda: 0.5, cells, "p"),
        )

    rows = [
        row("A", Cell(20, False), Cell(50, False), 0.4, (0.27, 0.54)),
        row("B", Cell(5, True), Cell(30, False), 0.17, (0.07, 0.34)),
        row("C", Cell(30, False), Cell(40, False), 0.75, (0.6, 0.86)),
    ]
    transition = Transition(
        "Applied", "Suggested", "caption", rows, Statistic(None, ()), Statistic(None, ()), "A", "C", ["A", "C"]
    )
    points, height, summary = rate_chart(transition)
    assert [p.drawn for p in points] == [True, False, True] and height == 3 * 28
    assert points[1].text.startswith("Not shown")
    assert (
        summary[0] == "From applied to suggested, the selection rate is lowest for A (40.0%) and highest for C (75.0%)."
    )
    assert summary[1] == "Their 95% intervals do not overlap."


def test_the_tile_map_has_every_borough_once_with_unique_labels():
    assert len(LONDON_TILES) == 33 and len(set(LONDON_TILES.values())) == 33
    assert set(ABBREVIATIONS) == set(LONDON_TILES) and len(set(ABBREVIATIONS.values())) == 33


@pytest.mark.fresh_database  # the report page queries on connections of its own
def test_report_page_draws_exactly_the_shares_its_table_shows(app, client, login_as, make_user):
    from recruit.extensions import db
    from recruit.models import MonitoringResponse
    from recruit.services.monitoring import pseudonym
    from tests.factories import make_candidate, make_placement

    placement = make_placement(app)
    people = [make_candidate(app, make_user, [placement]) for _ in range(36)]
    with app.app_context():
        for number, person in enumerate(people[:24]):  # the last 12 do not answer
            db.session.add(
                MonitoringResponse(
                    pseudonym=pseudonym(person.id),
                    answers={"ethnicity": "white_british" if number < 12 else "asian_indian"},
                )
            )
        db.session.commit()
    login_as("analyst", None)
    html = client.get("/reports/").get_data(as_text=True)
    figure = html.split('id="shares-title"', 1)[1].split("</svg>", 1)[0]
    drawn = dict(re.findall(r"<title>([^<]+), Applied: ([0-9.]+%)</title>", figure))
    assert drawn == {"White": "50.0%", "Asian or Asian British": "50.0%"}
    page = visible_text(html)
    assert "The largest group at the applied stage is White: 50.0%." in page
