"""Second factor pages: set up an authenticator app, enter a code at sign-in and again before sensitive actions."""

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from . import ratelimits, sessions
from .access import landing_endpoint
from .accounts import bp
from .forms import BaseForm, submit_button
from .security import safe_next_url
from .services import second_factor as service
from .services.errors import ServiceError

PENDING_SECRET = "pending_totp_secret"


def code_field(label: str, hint: str) -> StringField:
    return StringField(
        label,
        description=hint,
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter the 6-digit code from your authenticator app"),
            Length(max=20, message="Enter the 6-digit code from your authenticator app"),
        ],
        render_kw={"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "characters"},
    )


class CodeForm(BaseForm):
    code = code_field("Code", "The 6-digit code your authenticator app shows now, or one of your recovery codes.")
    submit = submit_button("Continue")


class SetUpForm(BaseForm):
    code = code_field(
        "Code from your app", "After you scan the QR code or type the key, your app shows a 6-digit code."
    )
    submit = submit_button("Continue")


def _next_page() -> str:
    return safe_next_url(request.args.get("next")) or url_for(landing_endpoint(current_user))


@bp.route("/second-factor", methods=["GET", "POST"])
@login_required
def second_factor():
    """Enter a code from the authenticator app (at sign-in, or again before a sensitive action)."""
    if service.usable_secret(current_user) is None:
        return redirect(url_for("accounts.second_factor_set_up", next=request.args.get("next")))
    form = CodeForm()
    if form.validate_on_submit():
        tries = ratelimits.take("second_factor", account=current_user.id)
        try:
            service.verify(current_user, form.code.data, sessions.current_record())
        except ServiceError as error:
            form.show_error(error.message, "code")
        else:
            tries.give_back()
            sessions.rotate()  # a privilege change: the session id before the code stops working
            return redirect(_next_page())
    return render_template(
        "accounts/second_factor.html",
        form=form,
        again=bool(request.args.get("again")),
        codes_left=service.recovery_codes_left(current_user),
    )


@bp.route("/second-factor/set-up", methods=["GET", "POST"])
@login_required
def second_factor_set_up():
    """Set up an authenticator app: scan the QR code or type the key, then enter a code to prove it works."""
    if service.usable_secret(current_user) is not None:
        return redirect(url_for("accounts.second_factor", next=request.args.get("next")))
    form = SetUpForm()
    enrolment = service.new_enrolment(current_user, session.get(PENDING_SECRET))
    session[PENDING_SECRET] = enrolment.secret
    if form.validate_on_submit():
        tries = ratelimits.take("second_factor", account=current_user.id)
        try:
            codes = service.confirm_enrolment(current_user, enrolment.secret, form.code.data, sessions.current_record())
        except ServiceError as error:
            form.show_error(error.message, "code")
        else:
            tries.give_back()
            session.pop(PENDING_SECRET, None)
            sessions.rotate()
            flash("Your authenticator app is set up", "success")
            return render_template("accounts/recovery_codes.html", codes=codes, next_page=_next_page())
    return render_template("accounts/second_factor_set_up.html", form=form, enrolment=enrolment)
