"""Security events recorded: sign-ins that fail or succeed, sign-outs, access denials on staff URLs, a recruiter
viewing a candidate, exports, user and role changes; each with actor, time, target and client address, and never
a password, token or reset link."""

import json

import pytest
from sqlalchemy import select

from recruit.models import AuditEvent
from tests.conftest import TEST_PASSWORD

CLIENT = {"REMOTE_ADDR": "198.51.100.23"}


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": False}


def _events(db, action):
    db.session.expire_all()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def test_sign_ins_and_sign_outs_are_recorded_with_the_client_address(app, db, make_user):
    user = make_user("recruiter")
    client = app.test_client()
    client.post("/sign-in", data={"email": user.email, "password": "wrong-password!"}, environ_base=CLIENT)
    client.post("/sign-in", data={"email": "nobody@example.com", "password": "wrong-password!"}, environ_base=CLIENT)
    client.post("/sign-in", data={"email": user.email, "password": TEST_PASSWORD}, environ_base=CLIENT)
    client.post("/sign-out", environ_base=CLIENT)
    failed = _events(db, "account.sign_in_failed")
    assert [(e.entity_id, e.detail["reason"]) for e in failed] == [
        (user.id, "wrong_password"),
        (None, "unknown_account"),
    ]
    (signed_in,), (signed_out,) = _events(db, "account.signed_in"), _events(db, "account.signed_out")
    for event in (*failed, signed_in, signed_out):
        assert event.client_address == "198.51.100.23" and event.at is not None
    assert signed_in.actor_id == signed_out.actor_id == user.id


def test_access_denials_on_staff_urls_are_recorded(app, db, client, login_as):
    user = login_as("recruiter")
    assert client.get("/staff/", environ_base=CLIENT).status_code == 403
    assert client.get("/recruiters/placements/999999", environ_base=CLIENT).status_code == 404
    denials = _events(db, "access.denied")
    assert [(e.actor_id, e.detail["path"], e.detail["reason"]) for e in denials] == [
        (user.id, "/staff/", "role"),
        (user.id, "/recruiters/placements/999999", "not_found_in_borough"),
    ]
    assert {e.client_address for e in denials} == {"198.51.100.23"}


def test_a_recruiter_viewing_a_candidate_is_recorded(app, db, client, login_as, suggested):
    user = login_as("recruiter", "hackney")
    assert client.get(f"/recruiters/suggestions/{suggested['suggestion'].id}").status_code == 200
    (event,) = _events(db, "candidate.viewed")
    assert (event.actor_id, event.entity_type, event.detail["suggestion_id"]) == (
        user.id,
        "Candidate",
        suggested["suggestion"].id,
    )


def test_exports_are_recorded(app, db, client, login_as):
    user = login_as("borough_staff")
    assert client.get("/staff/placements.csv").status_code == 200
    (event,) = _events(db, "placements.exported")
    assert event.actor_id == user.id and event.detail == {"rows": 0}


def test_no_password_token_or_link_ever_reaches_the_audit_trail(app, db, make_user, runner):
    from tests.emails import last_email, link_in

    client = app.test_client()
    client.post("/register", data={"email": "ada@example.com", "password": "tangerine-bicycle-harbour"})
    client.post("/forgot-password", data={"email": "ada@example.com"})
    link = link_in(last_email(app, "reset_password"))
    client.post(link, data={"password": "marmalade-lantern-quarry"})
    client.post("/sign-in", data={"email": "ada@example.com", "password": "wrong-password-typed"})
    runner.invoke(
        args=["users", "create", "--email", "lead@example.com", "--role", "admin", "--password", "copper-kettle-meadow"]
    )
    runner.invoke(args=["users", "set-role", "--email", "lead@example.com", "--role", "analyst"])
    trail = json.dumps([[e.action, e.entity_type, e.detail] for e in db.session.scalars(select(AuditEvent))])
    for secret in (
        "tangerine-bicycle-harbour",
        "marmalade-lantern-quarry",
        "wrong-password-typed",
        "copper-kettle-meadow",
        link.rsplit("/", 1)[1],
        "reset-password",
        "ada@example.com",
    ):
        assert secret not in trail
    assert {
        "account.registered",
        "account.reset_requested",
        "account.password_reset",
        "account.sign_in_failed",
        "account.staff_created",
        "account.role_changed",
    } <= {e.action for e in db.session.scalars(select(AuditEvent))}
