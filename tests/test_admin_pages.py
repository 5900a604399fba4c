"""Admin pages: users (invite, role, disable), boroughs, standards, retention and the audit log; every change audited."""

from datetime import UTC, date, datetime, timedelta

import pytest

from recruit.extensions import db as _db
from recruit.models import AuditEvent, Borough, OutboxEmail, Standard, User
from tests.candidate_journey import sign_in
from tests.conftest import current_code
from tests.factories import make_placement
from tests.page_checks import visible_text
from tests.page_text import error_summary


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": False}


@pytest.fixture
def admin(login_as):
    return login_as("admin", None)


def actions(app) -> list[str]:
    with app.app_context():
        return list(_db.session.scalars(_db.select(AuditEvent.action).order_by(AuditEvent.id)))


def user_row(app, email):
    from sqlalchemy.orm import joinedload

    with app.app_context():
        return _db.session.scalar(_db.select(User).options(joinedload(User.borough)).where(User.email == email))


# --- users --------------------------------------------------------------------------------------------------------


def test_invite_emails_a_single_use_link_and_the_invitee_sets_their_password(app, client, admin):
    response = client.post(
        "/admin/users/invite", data={"email": "New.Person@Camden.example", "role": "borough_staff", "borough": "camden"}
    )
    assert response.status_code == 302
    assert "Invitation sent to new.person@camden.example" in visible_text(
        client.get(response.location).get_data(as_text=True)
    )
    invited = user_row(app, "new.person@camden.example")
    assert invited.role == "borough_staff" and invited.email_confirmed_at is None and invited.active
    with app.app_context():
        email = _db.session.scalar(_db.select(OutboxEmail).where(OutboxEmail.template == "staff_invitation"))
    assert email.recipient == "new.person@camden.example" and "borough staff for Camden" in email.text_body
    link = next(line for line in email.text_body.splitlines() if "/reset-password/" in line).strip()
    path = link.split("http://localhost", 1)[1]
    stranger = app.test_client()
    assert "new.person@camden.example" in visible_text(stranger.get(path).get_data(as_text=True))
    assert stranger.post(path, data={"password": "a long new password 2026"}).status_code == 302
    assert user_row(app, "new.person@camden.example").email_confirmed_at is not None
    assert stranger.get(path).status_code == 400  # the link works once only
    assert "account.invited" in actions(app) and "account.password_reset" in actions(app)


@pytest.mark.parametrize(
    "data, message",
    [
        ({"email": "", "role": "analyst"}, "Enter their email address"),
        (
            {"email": "not-an-email", "role": "analyst"},
            "Enter an email address in the correct format, like name@example.com",
        ),
        ({"email": "a@b.example"}, "Select the role"),
        ({"email": "a@b.example", "role": "candidate"}, "Select the role"),
        ({"email": "a@b.example", "role": "recruiter", "borough": ""}, "Select the borough they work for"),
        ({"email": "a@b.example", "role": "recruiter", "borough": "atlantis"}, "Select the borough they work for"),
    ],
)
def test_invite_form_errors(app, client, admin, data, message):
    html = client.post("/admin/users/invite", data=data).get_data(as_text=True)
    assert message in error_summary(html) and visible_text(html).count(message) == 2
    assert user_row(app, "a@b.example") is None


def test_inviting_an_existing_address_changes_nothing(app, client, admin, make_user):
    make_user("analyst", None, email="taken@test.example")
    html = client.post("/admin/users/invite", data={"email": "TAKEN@test.example", "role": "admin"}).get_data(
        as_text=True
    )
    assert error_summary(html) == ["A user with this email address already exists"]
    assert user_row(app, "taken@test.example").role == "analyst"
    with app.app_context():
        assert _db.session.scalar(_db.select(_db.func.count(OutboxEmail.id))) == 0


def test_change_role_and_borough_is_audited(app, client, admin, make_user):
    staff = make_user("borough_staff", "hackney")
    assert client.post(f"/admin/users/{staff.id}", data={"role": "recruiter", "borough": "lambeth"}).status_code == 302
    changed = user_row(app, staff.email)
    assert changed.role == "recruiter" and changed.borough.slug == "lambeth"
    with app.app_context():
        event = _db.session.scalar(_db.select(AuditEvent).where(AuditEvent.action == "account.role_changed"))
        assert (
            event.detail
            == {
                "old_role": "borough_staff",
                "new_role": "recruiter",
                "old_borough": "hackney",
                "new_borough": "lambeth",
            }
            and event.actor_id == admin.id
        )
    client.post(f"/admin/users/{staff.id}", data={"role": "analyst", "borough": "lambeth"})
    assert user_row(app, staff.email).borough is None  # analysts work across London


def test_disabling_ends_every_session_and_stays_ended_after_enabling(app, client, admin, make_user):
    staff = make_user("borough_staff", "hackney")
    theirs = app.test_client()
    sign_in(theirs, staff)
    assert theirs.get("/staff/").status_code == 200
    response = client.post(f"/admin/users/{staff.id}/disable")
    assert "is disabled and signed out everywhere" in visible_text(client.get(response.location).get_data(as_text=True))
    assert theirs.get("/staff/").status_code == 302  # signed out: sent to sign in
    client.post(f"/admin/users/{staff.id}/enable")
    assert user_row(app, staff.email).active
    assert theirs.get("/staff/").status_code == 302  # the old session does not come back
    again = app.test_client()
    response = again.post("/sign-in", data={"email": staff.email, "password": "correct-horse-battery-staple"})
    if "/second-factor" in response.headers.get("Location", ""):  # staff pass their second factor, as in the browser
        again.post(response.headers["Location"], data={"code": current_code(app, staff)})
    assert again.get("/staff/").status_code == 200
    assert actions(app)[-3:-1] == ["account.disabled", "account.enabled"] or "account.disabled" in actions(app)


def test_resetting_a_lost_second_factor_signs_them_out_and_they_set_it_up_again(app, client, admin, make_user):
    staff = make_user("recruiter", "hackney")
    theirs = app.test_client()
    sign_in(theirs, staff)
    assert theirs.get("/recruiters/").status_code == 200
    page = visible_text(client.get(f"/admin/users/{staff.id}").get_data(as_text=True))
    assert "Second factor\nSet up on " in page
    response = client.post(f"/admin/users/{staff.id}/reset-second-factor")
    page = visible_text(client.get(response.location).get_data(as_text=True))
    assert "will set up their second factor again at their next sign-in" in page
    assert "Second factor\nNot set up yet: they set it up at their next sign-in" in page
    assert "Reset second factor" not in page  # nothing left to reset
    assert theirs.get("/recruiters/").status_code == 302  # the old session has ended
    assert user_row(app, staff.email).totp_secret is None
    assert "account.second_factor_reset" in actions(app)
    again = app.test_client()
    response = again.post("/sign-in", data={"email": staff.email, "password": "correct-horse-battery-staple"})
    assert again.get("/recruiters/").status_code == 302  # not in until a new second factor is set up
    set_up = visible_text(again.get(response.location, follow_redirects=True).get_data(as_text=True)).split("\n")
    assert "Set up your authenticator app" in set_up


def test_the_last_admin_cannot_be_disabled_or_demoted(app, client, admin, make_user):
    html = client.post(f"/admin/users/{admin.id}", data={"role": "analyst"}).get_data(as_text=True)
    assert error_summary(html) == ["You cannot change the role of the last admin. Make someone else an admin first."]
    other = make_user("admin", None)
    response = client.post(f"/admin/users/{admin.id}/disable", follow_redirects=True)
    assert "You cannot disable your own account" in visible_text(response.get_data(as_text=True))
    client.post(f"/admin/users/{other.id}/disable")
    assert not user_row(app, other.email).active
    client.post(f"/admin/users/{other.id}/enable")
    client.post(f"/admin/users/{admin.id}", data={"role": "analyst"})
    assert user_row(app, admin.email).role == "analyst"  # allowed: another admin is active
    from recruit.services.accounts import ServiceError
    from recruit.services.admin import set_active

    with app.test_request_context():  # the last admin, disabled by anyone else (or a script), is refused too
        last = _db.session.get(User, other.id)
        with pytest.raises(ServiceError, match="You cannot disable the last admin"):
            set_active(last, False, actor_id=admin.id)
        _db.session.rollback()
    assert user_row(app, other.email).active


def test_candidates_are_not_staff_accounts_here(app, client, admin, make_user):
    candidate = make_user("candidate")
    assert client.get(f"/admin/users/{candidate.id}").status_code == 404
    assert client.post(f"/admin/users/{candidate.id}/disable").status_code == 404
    assert candidate.email not in visible_text(client.get("/admin/users").get_data(as_text=True))


# --- boroughs and standards -----------------------------------------------------------------------------------------


def test_borough_contact_details_are_shown_to_candidates_on_its_placements(app, client, admin):
    placement = make_placement(app, borough="hackney")
    response = client.post(
        "/admin/boroughs/hackney",
        data={"taking_part": "y", "contact_email": "Jobs@Hackney.example", "contact_phone": "020 7946 0000"},
    )
    assert response.status_code == 302
    page = visible_text(app.test_client().get(f"/placements/{placement}").get_data(as_text=True))
    assert "jobs@hackney.example" in page and "020 7946 0000" in page
    assert "borough.updated" in actions(app)


@pytest.mark.parametrize(
    "data, message",
    [
        (
            {"contact_email": "nope"},
            "Enter an email address in the correct format, like apprenticeships@borough.gov.uk",
        ),
        ({"contact_phone": "call me"}, "Enter a phone number, like 020 7946 0000"),
        ({"contact_phone": "123"}, "Enter a phone number, like 020 7946 0000"),
    ],
)
def test_borough_form_errors(app, client, admin, data, message):
    html = client.post("/admin/boroughs/hackney", data={"taking_part": "y", **data}).get_data(as_text=True)
    assert error_summary(html) == [message]
    with app.app_context():
        assert _db.session.scalar(_db.select(Borough.contact_email).where(Borough.slug == "hackney")) == ""


def test_a_borough_not_taking_part_cannot_post_placements(app, client, admin, login_as):
    client.post("/admin/boroughs/camden", data={"contact_email": ""})  # the box unticked: not taking part
    staff_client = app.test_client()
    from tests.placement_form import CREATE_URL, form_data

    sign_in(staff_client, login_as("borough_staff", "camden"))
    html = staff_client.post(CREATE_URL, data=form_data()).get_data(as_text=True)
    assert "Camden is not taking part in the programme" in visible_text(html)


def test_add_and_edit_a_standard(app, client, admin):
    data = {
        "reference": "st9999",
        "title": "Robot wrangler",
        "level": "4",
        "duration_months": "18",
        "keywords": "Python\nRobots\n\nPython",
        "summary": "Look after robots.",
    }
    assert client.post("/admin/standards/new", data=data).status_code == 302
    with app.app_context():
        standard = _db.session.scalar(_db.select(Standard).where(Standard.reference == "ST9999"))
        assert (standard.level, standard.keywords, standard.summary) == (4, ["Python", "Robots"], "Look after robots.")
    client.post("/admin/standards/ST9999", data={**data, "level": "5", "summary": "Look after robots well."})
    with app.app_context():
        assert _db.session.scalar(_db.select(Standard.level).where(Standard.reference == "ST9999")) == 5
    assert actions(app) == ["standard.added", "standard.updated"]
    html = client.post("/admin/standards/new", data=data).get_data(as_text=True)
    assert error_summary(html) == ["ST9999 is already in the catalogue. Change it instead."]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"reference": "9999"}, "Reference must be like ST0116"),
        ({"level": "9"}, "Select the level, from 2 to 7"),
        ({"duration_months": "6"}, "Length must be a whole number of months from 12 to 72"),
        ({"keywords": ""}, "Enter at least one skills term"),
        ({"keywords": "x" * 61}, "Each skills term must be 60 characters or fewer"),
        ({"summary": "y" * 301}, "Summary must be 300 characters or fewer"),
    ],
)
def test_standard_form_errors(app, client, admin, change, message):
    data = {
        "reference": "ST9998",
        "title": "T",
        "level": "3",
        "duration_months": "12",
        "keywords": "SQL",
        "summary": "S",
        **change,
    }
    html = client.post("/admin/standards/new", data=data).get_data(as_text=True)
    assert message in error_summary(html)
    with app.app_context():
        assert _db.session.scalar(_db.select(Standard).where(Standard.reference == "ST9998")) is None


# --- retention and the audit log ------------------------------------------------------------------------------------


def test_retention_shows_the_period_and_the_next_date_an_application_falls_due(app, client, admin, make_user):
    from tests.factories import make_candidate

    closed = make_placement(app, status="closed", closing_date=date.today() - timedelta(days=10))
    make_candidate(app, make_user, [closed])
    page = " ".join(visible_text(client.get("/admin/retention").get_data(as_text=True)).split())
    assert "Retention period in force 6 months" in page and "Due for deletion now 0 applications" in page
    from recruit.services.candidates.data import months_before

    due = date.today() + timedelta(days=1)
    while months_before(due, 6) <= date.today() - timedelta(days=10):
        due += timedelta(days=1)
    assert f"Next date an application falls due {due.day} {due:%B %Y}" in page


def test_audit_log_filters_pages_and_downloads_with_formulas_neutralised(app, client, admin, make_user):
    for number in range(55):
        client.post("/admin/boroughs/hackney", data={"taking_part": "y", "contact_phone": f"020 7946 {number:04d}"})
    client.post("/admin/users/invite", data={"email": "=cmd@evil.example", "role": "analyst"})
    page = visible_text(client.get("/admin/audit?action=borough.updated").get_data(as_text=True))
    assert "55 events" in page and page.count("account.invited") == 1  # in the filter's list, in no row
    second = visible_text(client.get("/admin/audit?action=borough.updated&page=2").get_data(as_text=True))
    assert second.count("borough.updated") == 5 + 1  # five rows and the option in the filter
    csv = client.get("/admin/audit.csv?action=account.invited").get_data(as_text=True)
    lines = csv.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("id,when_utc,who,action") and len(lines) == 2
    assert admin.email in lines[1] and ",account.invited," in lines[1]
    invited = user_row(app, "=cmd@evil.example")
    assert invited is not None
    who = visible_text(
        client.get(f"/admin/audit?who={admin.email}&entity_type=User&entity_id={invited.id}").get_data(as_text=True)
    )
    assert "1 event" in who
    with app.app_context():  # an actor whose email starts like a formula is written as text in the CSV
        _db.session.get(User, admin.id).email = "=HYPERLINK(1)@x.example"
        _db.session.commit()
    csv = client.get("/admin/audit.csv?action=account.invited").get_data(as_text=True)
    assert ",'=HYPERLINK(1)@x.example," in csv


def test_audit_date_filters_take_dates_written_as_their_hints_show(client, admin):
    client.post("/admin/boroughs/hackney", data={"taking_part": "y", "contact_phone": "020 7946 0001"})
    page = visible_text(client.get("/admin/audit").get_data(as_text=True))
    assert "For example, 1 9 2026" in page and "For example, 30 9 2026" in page
    today = datetime.now(UTC).date()  # the log's days are UTC days
    yesterday = today - timedelta(days=1)

    def events(date_from: date, date_to: date) -> str:
        query = (
            f"action=borough.updated&date_from={date_from.day} {date_from.month} {date_from.year}"
            f"&date_to={date_to.day} {date_to.month} {date_to.year}"
        )
        return visible_text(client.get(f"/admin/audit?{query}").get_data(as_text=True))

    assert "1 event." in events(today, today) and "0 events." in events(yesterday, yesterday)


@pytest.mark.parametrize(
    "query, message",
    [
        # one text box: the example is the one its hint gives, written as GOV.UK writes dates (day, month, year)
        ("date_from=2026-02-30", "From date must be a real date, like 1 9 2026"),
        ("date_to=31 2 2026", "To date must be a real date, like 30 9 2026"),
        ("date_from=2026-09-02&date_to=2026-09-01", "To date must be the same as or after the from date"),
        ("entity_id=abc", "Record number must be a whole number, like 42"),
        ("action=nothing.like.this", "Select an action from the list"),
    ],
)
def test_audit_filter_errors(client, admin, query, message):
    html = client.get(f"/admin/audit?{query}").get_data(as_text=True)
    assert any(line.startswith(message) for line in error_summary(html))
    assert client.get(f"/admin/audit.csv?{query}").status_code == 302


@pytest.mark.parametrize("role", ["candidate", "borough_staff", "recruiter", "analyst"])
def test_only_admins_reach_admin_pages(app, client, login_as, role):
    login_as(role, "hackney")
    for path in (
        "/admin/users",
        "/admin/users/invite",
        "/admin/boroughs",
        "/admin/boroughs/hackney",
        "/admin/standards",
        "/admin/standards/new",
        "/admin/standards/ST0116",
        "/admin/retention",
        "/admin/audit",
        "/admin/audit.csv",
        "/admin/cycles",
        "/admin/cycles/new",
    ):
        assert client.get(path).status_code == 403, path
    assert client.post("/admin/users/invite", data={"email": "x@y.example", "role": "admin"}).status_code == 403
    assert user_row(app, "x@y.example") is None


@pytest.mark.fresh_database  # concurrent requests on their own connections must see the test's commits
def test_two_admins_disabling_each_other_at_once_leave_one_admin(app, make_user):
    """Real threads on the real database (PostgreSQL in CI): the last active admin can never be removed."""
    import threading

    from recruit.services.accounts import ServiceError
    from recruit.services.admin import set_active

    for _attempt in range(3):
        first, second = make_user("admin", None), make_user("admin", None)
        barrier, outcomes = threading.Barrier(2), []

        def disable(actor, target, barrier=barrier, outcomes=outcomes):
            with app.test_request_context():
                user = _db.session.get(User, target.id)
                barrier.wait()
                try:
                    set_active(user, False, actor_id=actor.id)
                    outcomes.append("disabled")
                except ServiceError as error:
                    outcomes.append(error.message)
                finally:
                    _db.session.remove()

        threads = [threading.Thread(target=disable, args=pair) for pair in ((first, second), (second, first))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(outcomes) == ["You cannot disable the last admin. Make someone else an admin first.", "disabled"]
        with app.app_context():
            assert (
                _db.session.scalar(
                    _db.select(_db.func.count(User.id)).where(User.role == "admin", User.active.is_(True))
                )
                == 1
            )
            _db.session.execute(_db.delete(User))
            _db.session.commit()
