"""Second factor for every staff role: set up with a QR code drawn here or a typed key, 10 single-use recovery
codes stored hashed, codes never replayed, rate limited, asked again before sensitive actions, reset by an admin,
and the demo secret refused in production."""

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select, update

from recruit.models import AuditEvent, RecoveryCode, UserSession, utcnow
from recruit.services.second_factor import DEMO_SECRET
from tests.candidate_journey import sign_in
from tests.conftest import TEST_PASSWORD, current_code
from tests.page_checks import visible_words

STAFF_LANDINGS = {"borough_staff": "/staff/", "recruiter": "/recruiters/", "analyst": "/reports/", "admin": "/admin/"}


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": False}


def _password_step(client, user):
    response = client.post("/sign-in", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    return response


@pytest.mark.fresh_database  # the analyst lands on the reports, which reports query on connections of their own: they must see the test's commits
@pytest.mark.parametrize("role", list(STAFF_LANDINGS))
def test_every_staff_role_sets_up_a_second_factor_at_first_sign_in(app, db, client, make_user, role):
    user = make_user(
        role, "hackney" if role in ("borough_staff", "recruiter") else None, totp_secret=None, totp_enabled_at=None
    )
    _password_step(client, user)
    assert client.get(STAFF_LANDINGS[role]).location.startswith("/second-factor")
    page = client.get("/second-factor/set-up").get_data(as_text=True)
    text = visible_words(page)
    assert "Set up your authenticator app" in text and "<svg" in page and "http" not in page.split("<svg", 1)[1][:200]
    key = re.search(r'id="totp-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    wrong = client.post("/second-factor/set-up", data={"code": "000000"})
    assert "Enter the 6-digit code your app shows now" in visible_words(wrong.get_data(as_text=True))
    done = client.post("/second-factor/set-up", data={"code": pyotp.TOTP(key).now()})
    codes = re.findall(r"<code>([A-Z0-9-]+)</code>", done.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "We will not show them again" in visible_words(done.get_data(as_text=True))
    assert client.get(STAFF_LANDINGS[role]).status_code == 200
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not {c.replace("-", "") for c in codes} & set(stored)


def test_candidates_need_no_second_factor(app, client, make_user):
    user = make_user("candidate")
    assert _password_step(client, user).location == "/candidates/"


def test_until_the_code_is_entered_no_staff_page_opens(app, client, make_user):
    user = make_user("recruiter")
    _password_step(client, user)
    for path in ("/recruiters/", "/staff/", "/admin/", "/reports/", "/recruiters/placements/1"):
        assert client.get(path).location.startswith("/second-factor"), path
    sign_in(client, user, second_factor_done=False)  # the test fixture without the second factor: refused too
    assert client.get("/recruiters/").location.startswith("/second-factor")


def test_a_code_cannot_be_used_twice(app, make_user):
    user = make_user("recruiter")
    code = current_code(app, user)
    first, second = app.test_client(), app.test_client()
    _password_step(first, user)
    assert first.post("/second-factor", data={"code": code}).location == "/recruiters/"
    _password_step(second, user)
    replay = second.post("/second-factor", data={"code": code})
    assert replay.status_code == 200 and "Enter the 6-digit code your app shows now" in visible_words(
        replay.get_data(as_text=True)
    )


def test_a_recovery_code_works_once(app, db, client, make_user):
    user = make_user("admin", None, totp_secret=None, totp_enabled_at=None)
    _password_step(client, user)
    page = client.get("/second-factor/set-up").get_data(as_text=True)
    key = re.search(r'id="totp-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    codes = re.findall(
        r"<code>([A-Z0-9-]+)</code>",
        client.post("/second-factor/set-up", data={"code": pyotp.TOTP(key).now()}).get_data(as_text=True),
    )
    for attempt, expected in ((codes[0], "/admin/"), (codes[0].lower(), None)):
        other = app.test_client()
        _password_step(other, user)
        response = other.post("/second-factor", data={"code": attempt})
        assert (response.location if response.status_code == 302 else None) == expected
    assert "You have 9 left" in visible_words(other.get("/second-factor").get_data(as_text=True))


def test_codes_are_rate_limited(app, client, make_user):
    user = make_user("recruiter")
    _password_step(client, user)
    for _ in range(5):
        assert client.post("/second-factor", data={"code": "123456"}).status_code == 200
    assert client.post("/second-factor", data={"code": current_code(app, user)}).status_code == 429
    failures = app.extensions["sqlalchemy"].session
    with app.app_context():
        assert (
            len(failures.scalars(select(AuditEvent).where(AuditEvent.action == "account.second_factor_failed")).all())
            == 5
        )


def test_sensitive_actions_ask_for_a_code_again_after_fifteen_minutes(app, db, client, login_as):
    user = login_as("borough_staff")
    assert client.get("/staff/placements.csv").status_code == 200
    db.session.execute(update(UserSession).values(second_factor_at=utcnow() - timedelta(minutes=16)))
    db.session.commit()
    response = client.get("/staff/placements.csv")
    assert response.location.startswith("/second-factor") and "again=1" in response.location
    text = visible_words(client.get(response.location).get_data(as_text=True))
    assert "This action needs a recent code, to make sure it is you." in text
    back = client.post(response.location, data={"code": current_code(app, user)})
    assert back.location == "/staff/placements.csv" and client.get(back.location).status_code == 200


@pytest.mark.fresh_database  # staff land on the reports, which reports query on connections of their own: they must see the test's commits
def test_passing_the_second_factor_gives_the_session_a_new_id(app, client, make_user):
    user = make_user("analyst", None)
    _password_step(client, user)
    before = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", before)
    client.post("/second-factor", data={"code": current_code(app, user)})
    assert client.get("/reports/").status_code == 200
    assert thief.get("/reports/").status_code == 302  # the pre-code cookie does not carry the new privilege


def test_an_admin_resets_a_lost_second_factor_from_the_command_line(app, db, runner, make_user):
    user = make_user("recruiter")
    client = app.test_client()
    _password_step(client, user)
    client.post("/second-factor", data={"code": current_code(app, user)})
    result = runner.invoke(args=["users", "reset-second-factor", "--email", user.email])
    assert result.exit_code == 0 and "set it up again" in result.output
    assert client.get("/recruiters/").status_code == 302  # signed out everywhere
    _password_step(client, user)
    assert client.get("/second-factor").location.startswith("/second-factor/set-up")
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "account.second_factor_reset"))


def test_the_demo_secret_works_in_development_and_is_refused_in_production(app, db, make_user, runner):
    user = make_user("admin", None, totp_secret=DEMO_SECRET)
    client = app.test_client()
    _password_step(client, user)
    assert client.post("/second-factor", data={"code": pyotp.TOTP(DEMO_SECRET).now()}).location == "/admin/"
    assert runner.invoke(args=["users", "demo-code"]).output.strip() == pyotp.TOTP(DEMO_SECRET).now()
    app.config["PRODUCTION"] = True
    production = app.test_client()
    _password_step(production, user)
    assert production.get("/second-factor").location.startswith("/second-factor/set-up")
    assert runner.invoke(args=["users", "demo-code"]).exit_code != 0


def test_a_candidate_may_choose_a_second_factor_and_is_then_asked_for_it(app, client, make_user):
    user = make_user("candidate")
    _password_step(client, user)
    dashboard = visible_words(client.get("/candidates/").get_data(as_text=True))
    assert "Make your account safer with an authenticator app (optional)" in dashboard
    page = client.get("/second-factor/set-up").get_data(as_text=True)
    key = re.search(r'id="totp-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    client.post("/second-factor/set-up", data={"code": pyotp.TOTP(key).now()})
    assert "authenticator app (optional)" not in visible_words(client.get("/candidates/").get_data(as_text=True))
    later = app.test_client()
    assert _password_step(later, user).location.startswith("/second-factor")
    assert later.get("/candidates/").location.startswith("/second-factor")
