"""Sessions the server can end: copied cookies stop working at sign-out, reset, role change and disabling;
idle and absolute timeouts by role, explained on the next page; a fresh session id at sign-in."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from recruit.models import AuditEvent, User, UserSession, utcnow
from tests.conftest import TEST_PASSWORD, current_code
from tests.page_checks import visible_words

NEW_PASSWORD = "tangerine-bicycle-harbour"


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": False}


def _sign_in_by_form(app, user, password=TEST_PASSWORD):
    client = app.test_client()
    response = client.post("/sign-in", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    if response.location.startswith("/second-factor"):  # staff
        assert client.post(response.location, data={"code": current_code(app, user)}).status_code == 302
    return client


def _copy_of(app, client):
    """Another client carrying an exact copy of `client`'s session cookie (the attacker's copy)."""
    thief = app.test_client()
    cookie = client.get_cookie("session")
    thief.set_cookie("session", cookie.value)
    return thief


def _session_id(client) -> str:
    with client.session_transaction() as session:
        return session.get("sid")


def test_a_copied_cookie_stops_working_when_its_owner_signs_out(app, make_user):
    user = make_user("recruiter")
    owner = _sign_in_by_form(app, user)
    thief = _copy_of(app, owner)
    assert thief.get("/recruiters/").status_code == 200  # the copy works while the session is live
    owner.post("/sign-out")
    response = thief.get("/recruiters/")
    assert response.status_code == 302 and "/sign-in" in response.location
    assert owner.get("/recruiters/").status_code == 302


def test_a_reset_password_ends_an_attackers_session_on_a_pre_registered_account(app, db):
    # The attacker registers the victim's address first and signs in with the password they chose.
    attacker = app.test_client()
    attacker.post("/register", data={"email": "victim@example.com", "password": "attackers-own-password"})
    attacker.post("/sign-in", data={"email": "victim@example.com", "password": "attackers-own-password"})
    assert attacker.get("/candidates/").status_code == 200
    copy = _copy_of(app, attacker)
    # The victim resets the password from the email only they receive.
    victim = app.test_client()
    victim.post("/forgot-password", data={"email": "victim@example.com"})
    from tests.emails import last_email, link_in

    assert victim.post(link_in(last_email(app, "reset_password")), data={"password": NEW_PASSWORD}).status_code == 302
    for client in (attacker, copy):
        response = client.get("/candidates/")
        assert response.status_code == 302 and "/sign-in" in response.location
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.password_reset"))
    assert event.detail["sessions_ended"] == 1


def test_sign_out_of_every_device_ends_every_session(app, make_user):
    user = make_user("candidate")
    phone, laptop = _sign_in_by_form(app, user), _sign_in_by_form(app, user)
    page = visible_words(laptop.get("/sign-out").get_data(as_text=True))
    assert "Your account is also signed in on 1 other device or browser." in page
    response = laptop.post("/sign-out/every-device", follow_redirects=True)
    assert "You have signed out on every device" in visible_words(response.get_data(as_text=True))
    for client in (phone, laptop):
        assert client.get("/candidates/").status_code == 302


def test_signing_in_always_gives_a_new_session_id(app, make_user):
    """A session id planted before sign-in (session fixation) is never the one used afterwards."""
    user = make_user("candidate")
    client = app.test_client()
    with client.session_transaction() as session:
        session["sid"] = "planted-by-an-attacker"
        session["_user_id"] = str(user.id)
    assert client.get("/candidates/").status_code == 302  # a forged cookie naming the user opens nothing
    client.post("/sign-in", data={"email": user.email, "password": TEST_PASSWORD})
    first = _session_id(client)
    assert first and first != "planted-by-an-attacker"
    client.post("/sign-out")
    client.post("/sign-in", data={"email": user.email, "password": TEST_PASSWORD})
    assert _session_id(client) not in (first, None)


def test_the_database_holds_only_a_digest_of_the_session_id(app, db, make_user):
    client = _sign_in_by_form(app, make_user("candidate"))
    stored = db.session.scalar(select(UserSession.token_hash))
    assert _session_id(client) not in stored and len(stored) == 64


def _age_session(db, **fields):
    db.session.execute(update(UserSession).values(**fields))
    db.session.commit()


@pytest.mark.parametrize(
    "role, idle_minutes, landing", [("recruiter", 30, "/recruiters/"), ("candidate", 60, "/candidates/")]
)
def test_idle_sessions_end_after_the_roles_limit_and_the_next_page_explains(
    app, db, make_user, role, idle_minutes, landing
):
    client = _sign_in_by_form(app, make_user(role))
    _age_session(db, last_seen_at=utcnow() - timedelta(minutes=idle_minutes - 1))
    assert client.get(landing).status_code == 200  # just inside the limit: still signed in, and the clock restarts
    _age_session(db, last_seen_at=utcnow() - timedelta(minutes=idle_minutes, seconds=1))
    response = client.get(landing, follow_redirects=True)
    text = visible_words(response.get_data(as_text=True))
    assert f"You have been signed out because you did not do anything for {idle_minutes} minutes." in text
    assert "Anything you saved has not been lost." in text and "Sign in" in text
    assert db.session.scalar(select(UserSession.ended_reason)) == "idle"


def test_sessions_end_twelve_hours_after_sign_in_however_busy(app, db, make_user):
    client = _sign_in_by_form(app, make_user("candidate"))
    _age_session(db, created_at=utcnow() - timedelta(hours=12, seconds=1), last_seen_at=utcnow())
    text = visible_words(client.get("/candidates/", follow_redirects=True).get_data(as_text=True))
    assert "You have been signed out because you were signed in for 12 hours." in text


def test_any_action_does_not_renew_the_absolute_limit(app, db, make_user):
    client = _sign_in_by_form(app, make_user("candidate"))
    _age_session(
        db, created_at=utcnow() - timedelta(hours=11, minutes=59), last_seen_at=utcnow() - timedelta(minutes=5)
    )
    client.post("/session/keep-alive")
    created = db.session.scalar(select(UserSession.created_at))
    assert utcnow() - created > timedelta(hours=11, minutes=58)


def test_stay_signed_in_restarts_the_idle_clock(app, db, make_user):
    client = _sign_in_by_form(app, make_user("recruiter"))
    _age_session(db, last_seen_at=utcnow() - timedelta(minutes=29))
    response = client.post("/session/keep-alive", headers={"Accept": "application/json"})
    assert 29 * 60 < response.get_json()["expires_in"] <= 30 * 60
    db.session.expire_all()
    assert utcnow() - db.session.scalar(select(UserSession.last_seen_at)) < timedelta(seconds=5)


def test_pages_carry_the_time_left_for_the_timeout_warning(app, make_user):
    client = _sign_in_by_form(app, make_user("recruiter"))
    html = client.get("/recruiters/").get_data(as_text=True)
    assert 30 * 60 - 60 < int(re.search(r'data-expires-in="(\d+)"', html).group(1)) <= 30 * 60
    assert "You’re about to be signed out" not in visible_words(html)  # hidden until JavaScript opens it
    assert "data-expires-in" not in app.test_client().get("/").get_data(as_text=True)


def test_role_change_and_disabling_end_sessions_at_once(app, db, make_user, runner):
    staff, other = make_user("borough_staff"), make_user("recruiter")
    staff_client, other_client = _sign_in_by_form(app, staff), _sign_in_by_form(app, other)
    result = runner.invoke(
        args=["users", "set-role", "--email", staff.email, "--role", "recruiter", "--borough", "camden"]
    )
    assert result.exit_code == 0, result.output
    assert staff_client.get("/staff/").status_code == 302
    result = runner.invoke(args=["users", "disable", "--email", other.email])
    assert result.exit_code == 0, result.output
    assert other_client.get("/recruiters/").status_code == 302
    assert _sign_in_by_form(app, staff).get("/recruiters/").status_code == 200  # the new role, in a new session
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert "account.role_changed" in actions and "account.disabled" in actions
    assert db.session.scalar(select(User.active).where(User.email == other.email)) is False


def test_production_uses_a_host_only_secure_cookie(database_url, _schema, monkeypatch, make_user):
    from recruit import create_app
    from recruit.extensions import db

    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 32)
    monkeypatch.setenv("MONITORING_KEY", "m" * 32)
    monkeypatch.setenv("DATABASE_URL", database_url)
    app = create_app({"WTF_CSRF_ENABLED": False})
    user = make_user("candidate")
    client = app.test_client()
    response = client.post(
        "/sign-in", data={"email": user.email, "password": TEST_PASSWORD}, base_url="https://localhost"
    )
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    assert "Secure" in cookie and "Path=/" in cookie and "HttpOnly" in cookie and "Domain" not in cookie
    with app.app_context():  # this second app's connections are closed here, not left to the garbage collector
        db.session.remove()
        db.engine.dispose()
