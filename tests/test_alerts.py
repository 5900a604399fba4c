"""Placement alerts: save a search, daily email of new matching placements, one-click signed unsubscribe, the list."""

from datetime import timedelta

import pytest

from recruit.extensions import db as _db
from recruit.models import OutboxEmail, Placement, SavedSearch, utcnow
from tests.factories import make_placement
from tests.page_checks import visible_text
from tests.page_text import error_summary


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": False}


def alerts(app) -> list[SavedSearch]:
    with app.app_context():
        return list(_db.session.scalars(_db.select(SavedSearch).order_by(SavedSearch.id)))


def alert_emails(app) -> list[OutboxEmail]:
    with app.app_context():
        return list(
            _db.session.scalars(
                _db.select(OutboxEmail).where(OutboxEmail.template == "placement_alert").order_by(OutboxEmail.id)
            )
        )


def publish(app, placement_id, when):
    with app.app_context():
        _db.session.get(Placement, placement_id).published_at = when
        _db.session.commit()


def send(runner) -> str:
    result = runner.invoke(args=["alerts", "send"])
    assert result.exit_code == 0, result.output
    return result.output


def test_search_page_offers_an_alert_with_the_same_filters(client, login_as):
    html = client.get("/placements/?borough=hackney&level=3&q=data").get_data(as_text=True)
    assert 'href="/sign-in?next=/alerts/new?borough%3Dhackney%26level%3D3"' in html
    login_as("candidate")
    html = client.get("/placements/?borough=hackney&level=3&q=data").get_data(as_text=True)
    assert 'href="/alerts/new?borough=hackney&amp;level=3"' in html
    form = client.get("/alerts/new?borough=hackney&level=3").get_data(as_text=True)
    assert 'value="hackney" selected' in form


def test_daily_email_lists_new_matching_placements_once_and_unsubscribe_needs_no_sign_in(app, client, login_as, runner):
    user = login_as("candidate")
    assert client.post("/alerts/new", data={"borough": "hackney", "llw": "y"}).status_code == 302
    [alert] = alerts(app)
    assert alert.llw and alert.borough_id
    page = visible_text(client.get("/alerts/").get_data(as_text=True))
    assert "Placements in Hackney paying the London Living Wage" in page
    old = make_placement(app, title="Old placement", wage_amount=15, hourly_wage=15)
    publish(app, old, alert.created_at - timedelta(hours=1))
    new = make_placement(app, title="New Hackney placement", wage_amount=15, hourly_wage=15)
    publish(app, new, utcnow())
    low = make_placement(app, title="Low wage placement")
    publish(app, low, utcnow())
    elsewhere = make_placement(app, borough="camden", title="Camden placement", wage_amount=15, hourly_wage=15)
    publish(app, elsewhere, utcnow())
    assert "queued 1 email" in send(runner)
    [email] = alert_emails(app)
    assert email.recipient == user.email
    assert "New Hackney placement" in email.text_body
    for absent in ("Old placement", "Low wage placement", "Camden placement"):
        assert absent not in email.text_body
    assert "queued 0 email" in send(runner)  # nothing new since: no second email
    from recruit import tasks

    with app.app_context():
        assert tasks.send_placement_alerts_daily.call_local().emails == 0  # the worker's daily run sends no repeat
    newer = make_placement(app, title="Newer Hackney placement", wage_amount=15, hourly_wage=15)
    publish(app, newer, utcnow())
    with app.app_context():
        assert tasks.send_placement_alerts_daily.call_local().emails == 1  # and does send what is new
    assert "Newer Hackney placement" in alert_emails(app)[-1].text_body
    link = next(line for line in email.text_body.splitlines() if "/alerts/unsubscribe/" in line).strip()
    stranger = app.test_client()  # not signed in
    page = visible_text(stranger.get(link.split("http://localhost", 1)[1]).get_data(as_text=True))
    assert "Alert stopped" in page and alerts(app) == []
    assert stranger.get(link.split("http://localhost", 1)[1]).status_code == 200  # a second click still says it stopped


def test_a_forged_or_altered_unsubscribe_link_stops_nothing(app, client, login_as):
    login_as("candidate")
    client.post("/alerts/new", data={"level": "3"})
    [alert] = alerts(app)
    from itsdangerous import URLSafeSerializer

    forged = URLSafeSerializer("wrong-key", salt="recruit-alert-unsubscribe").dumps(
        {"alert": alert.id, "user": alert.user_id}
    )
    response = app.test_client().get(f"/alerts/unsubscribe/{forged}")
    assert response.status_code == 400 and "This link is not valid" in visible_text(response.get_data(as_text=True))
    assert len(alerts(app)) == 1


@pytest.mark.parametrize(
    "data, message",
    [
        ({}, "Choose at least one thing to look for, like a borough, a level or a postcode"),
        ({"borough": "atlantis"}, "Select a borough from the list"),
        ({"postcode": "SW1A 9ZZ9"}, None),
        ({"distance": "5"}, "Enter a postcode to search by distance"),
        ({"level": "9"}, "Select a level from the list"),
    ],
)
def test_alert_form_errors_save_nothing(app, client, login_as, data, message):
    login_as("candidate")
    html = client.post("/alerts/new", data=data).get_data(as_text=True)
    summary = error_summary(html)
    assert summary and (message is None or message in summary)
    assert alerts(app) == []


def test_only_a_confirmed_email_can_have_alerts(app, client, login_as):
    user = login_as("candidate")
    with app.app_context():
        from recruit.models import User

        _db.session.get(User, user.id).email_confirmed_at = None
        _db.session.commit()
    html = client.post("/alerts/new", data={"level": "3"}).get_data(as_text=True)
    assert error_summary(html) == [
        "Confirm your email address first. We sent you a link when you created your account."
    ]
    assert alerts(app) == []


def test_someone_elses_alert_cannot_be_stopped(app, client, login_as, make_user):
    from tests.candidate_journey import sign_in

    login_as("candidate")
    client.post("/alerts/new", data={"level": "3"})
    other = app.test_client()
    sign_in(other, make_user("candidate"))
    [alert] = alerts(app)
    assert other.post(f"/alerts/{alert.id}/stop").status_code == 404
    assert "Level 3 placements" not in visible_text(other.get("/alerts/").get_data(as_text=True))
    assert client.post(f"/alerts/{alert.id}/stop").status_code == 302 and alerts(app) == []


@pytest.mark.fresh_database  # reports query on connections of their own: they must see the test's commits
def test_alert_emails_are_counted_as_an_outreach_channel(app, client, login_as):
    from recruit.candidates.forms import OUTREACH_CHANNELS

    assert ("placement_alert", "An email alert about new placements") in OUTREACH_CHANNELS
    from recruit.services.reports import channel_tables, gather
    from recruit.services.reports.population import Filters

    with app.app_context():  # the report's channel table has a row for it
        channels, _ = channel_tables(gather(Filters()), dict(OUTREACH_CHANNELS))
    assert "An email alert about new placements" in channels.labels
