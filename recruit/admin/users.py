"""Admin: staff accounts: invite, change role and borough, disable and enable, reset a lost second factor."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from ..access import role_required
from ..forms import BaseForm, page_number, radios, submit_button, text
from ..models import Role, User
from ..placements import pagination
from ..services import admin as service
from ..services import second_factor
from ..services.errors import ServiceError
from . import bp

BOROUGH_HINT = "Only for borough staff and recruiters. Analysts and admins work across London."


def _borough_field():
    return SelectField("Borough", description=BOROUGH_HINT, widget=GovSelect(), validate_choice=False)


class UserRoleForm(BaseForm):
    role = radios("Role", service.STAFF_ROLE_LABELS.items(), "Select the role")
    borough = _borough_field()
    submit = submit_button("Save changes")

    def fill_boroughs(self) -> "UserRoleForm":
        """The borough drop-down's options."""
        self.borough.choices = [SelectChoice("", "No borough")] + [
            SelectChoice(b.slug, b.name) for b in service.list_boroughs()
        ]
        return self


class InviteForm(UserRoleForm):
    email = text(
        "Email address",
        "Enter their email address",
        254,
        "Email address must be 254 characters or fewer",
        hint="We will email them a link to choose their password.",
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    role = radios("Role", service.STAFF_ROLE_LABELS.items(), "Select the role")
    borough = _borough_field()
    submit = submit_button("Send invitation")

    def validate_email(self, field):
        from email_validator import EmailNotValidError, validate_email

        try:
            validate_email(field.data or "", check_deliverability=False)
        except EmailNotValidError:
            from wtforms.validators import StopValidation

            raise StopValidation("Enter an email address in the correct format, like name@example.com") from None


class ActionForm(BaseForm):
    """Only a CSRF token, for the disable, enable and resend buttons."""


def _user_or_404(user_id: int) -> User:
    return service.get_staff_user(user_id) or abort(404)


@bp.route("/users")
@role_required(Role.ADMIN)
def users():
    """Every staff account with its role, borough and status."""
    page = page_number(request.args.get("page"))
    per_page = current_app.config["PAGE_SIZE"]
    rows, total = service.staff_page(page, per_page)
    pages = max(1, -(-total // per_page))
    return render_template(
        "admin/users.html",
        users=rows,
        total=total,
        status=service.user_status,
        roles=service.STAFF_ROLE_LABELS,
        pages=pagination(page, pages, lambda n: url_for("admin.users", page=n)),
    )


@bp.route("/users/invite", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def invite_user():
    """Invite someone to a staff account; they choose their own password from the email."""
    form = InviteForm().fill_boroughs()
    if form.validate_on_submit():
        try:
            user = service.invite_user(form.email.data, form.role.data, form.borough.data)
        except ServiceError as error:
            form.show_error(error.message, error.field)
        else:
            flash(f"Invitation sent to {user.email}", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/invite_user.html", form=form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def user(user_id: int):
    """One staff account: change its role and borough, disable or enable it."""
    found = _user_or_404(user_id)
    data = {"role": found.role, "borough": found.borough.slug if found.borough else ""}
    form = UserRoleForm(data=data if request.method == "GET" else None).fill_boroughs()
    if form.validate_on_submit():
        try:
            service.change_user(found, form.role.data, form.borough.data)
        except ServiceError as error:
            form.show_error(error.message, error.field)
        else:
            flash(f"Changes to {found.email} saved", "success")
            return redirect(url_for("admin.user", user_id=found.id))
    return render_template(
        "admin/user.html",
        user=found,
        form=form,
        action_form=ActionForm(),
        status=service.user_status(found),
        roles=service.STAFF_ROLE_LABELS,
    )


@bp.route("/users/<int:user_id>/<any(disable, enable, resend, 'reset-second-factor'):action>", methods=["POST"])
@role_required(Role.ADMIN)
def user_action(user_id: int, action: str):
    """Disable an account (ending its sessions), enable it again, resend an invitation or reset a second factor."""
    found = _user_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        if action == "resend":
            service.resend_invitation(found)
        elif action == "reset-second-factor":
            second_factor.reset(found)
        else:
            service.set_active(found, action == "enable", current_user.id)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(
            {
                "disable": f"{found.email} is disabled and signed out everywhere",
                "enable": f"{found.email} can sign in again",
                "resend": f"A new invitation has been sent to {found.email}",
                "reset-second-factor": f"{found.email} is signed out everywhere and will set up their second factor "
                "again at their next sign-in",
            }[action],
            "success",
        )
    return redirect(url_for("admin.user", user_id=found.id))
