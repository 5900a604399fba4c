"""Accounts: register, confirm an email address, sign in and out, reset a password."""

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from . import ratelimits, sessions
from .access import landing_endpoint
from .forms import BaseForm, email_field, password_field, submit_button
from .passwords import MIN_LENGTH
from .security import safe_next_url
from .services import accounts as service
from .services.errors import ServiceError
from .services.second_factor import required_for as second_factor_required

bp = Blueprint("accounts", __name__)

NEW_PASSWORD_HINT = (
    f"Must be {MIN_LENGTH} characters or more. Three random words together, with spaces or dashes "
    "between them, make a strong password that is easy to remember."
)


class SignInForm(BaseForm):
    email = email_field()
    password = password_field()
    submit = submit_button("Sign in")


class RegisterForm(BaseForm):
    email = email_field(hint="We will send you a link to confirm it. We only use it about your application.")
    password = password_field("Create a password", hint=NEW_PASSWORD_HINT, autocomplete="new-password")
    submit = submit_button("Create account")


class ForgotPasswordForm(BaseForm):
    email = email_field()
    submit = submit_button("Send me a link")


class ResetPasswordForm(BaseForm):
    password = password_field("New password", hint=NEW_PASSWORD_HINT, autocomplete="new-password")
    submit = submit_button("Save new password")


class SignOutForm(BaseForm):
    submit = submit_button("Sign out")


class SignOutEverywhereForm(BaseForm):
    submit = submit_button("Sign out of every device")


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    """Sign in with an email address and password."""
    if current_user.is_authenticated:
        return redirect(url_for(landing_endpoint(current_user)))
    form = SignInForm()
    if form.validate_on_submit():
        tries = ratelimits.take("sign_in", account=form.email.data)
        try:
            user = service.authenticate(form.email.data, form.password.data)
        except ServiceError as error:
            form.show_error(error.message, error.field)
        else:
            tries.give_back()
            sessions.begin(user)
            if second_factor_required(user):
                return redirect(url_for("accounts.second_factor", next=safe_next_url(request.args.get("next"))))
            return redirect(safe_next_url(request.args.get("next")) or url_for(landing_endpoint(user)))
    return render_template("accounts/sign_in.html", form=form)


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Create a candidate account."""
    if current_user.is_authenticated:
        return redirect(url_for(landing_endpoint(current_user)))
    form = RegisterForm()
    if form.validate_on_submit():
        ratelimits.take("register", account=form.email.data)
        try:
            service.register_candidate(form.email.data, form.password.data)
        except ServiceError as error:
            form.show_error(error.message, error.field)
        else:
            # The same page whether or not the address already had an account; the address stays out of the URL.
            return render_template("accounts/check_email.html", email=form.email.data)
    return render_template("accounts/register.html", form=form)


@bp.route("/confirm-email/<token>")
def confirm_email(token: str):
    """Confirm an email address from the link we sent."""
    try:
        service.confirm_email(token)
    except ServiceError as error:
        return render_template("accounts/link_problem.html", message=error.message, purpose="confirm"), 400
    flash(
        "Your email address is confirmed"
        if current_user.is_authenticated
        else "Your email address is confirmed. Sign in to continue.",
        "success",
    )
    return redirect(
        url_for(landing_endpoint(current_user)) if current_user.is_authenticated else url_for("accounts.sign_in")
    )


@bp.route("/confirm-email/resend", methods=["POST"])
@login_required
def resend_confirmation():
    """Send the confirmation email again."""
    form = SignOutForm()  # only its CSRF token is needed
    if form.validate_on_submit():
        ratelimits.take("resend_confirmation", account=current_user.id)
        service.resend_confirmation(current_user)
        flash(f"We have sent a new link to {current_user.email}", "success")
    return redirect(url_for(landing_endpoint(current_user)))


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    """Ask for a password reset link."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        ratelimits.take("forgot_password", account=form.email.data)
        service.request_password_reset(form.email.data)
        return render_template("accounts/reset_sent.html", email=form.email.data)
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from a reset link."""
    try:
        user = service.user_from_token(token, "reset")
    except ServiceError as error:
        return render_template("accounts/link_problem.html", message=error.message), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            service.reset_password(token, form.password.data)
        except ServiceError as error:
            form.show_error(error.message, error.field)
        else:
            flash("Your password has been changed. Sign in with your new password.", "success")
            return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/reset_password.html", form=form, email=user.email)


@bp.route("/sign-out", methods=["GET", "POST"])
def sign_out():
    """Sign out (a POST with a CSRF token; GET shows the button)."""
    form = SignOutForm()
    if not current_user.is_authenticated:
        return redirect(url_for("public.start"))
    if form.validate_on_submit():
        service.sign_out(current_user)
        sessions.end()
        flash("You have signed out", "success")
        return redirect(url_for("accounts.sign_in"))
    return render_template(
        "accounts/sign_out.html",
        form=form,
        everywhere_form=SignOutEverywhereForm(),
        other_sessions=service.other_live_sessions(current_user),
    )


@bp.route("/sign-out/every-device", methods=["POST"])
@login_required
def sign_out_everywhere():
    """End every session of this account, on every device, at once."""
    form = SignOutEverywhereForm()
    if form.validate_on_submit():
        service.sign_out(current_user, everywhere=True)
        sessions.end("signed_out_everywhere")
        flash("You have signed out on every device", "success")
        return redirect(url_for("accounts.sign_in"))
    return redirect(url_for("accounts.sign_out"))


@bp.route("/session/keep-alive", methods=["POST"])
@login_required
def keep_alive():
    """'Stay signed in' from the timeout warning: restart the idle clock."""
    form = SignOutForm()  # only its CSRF token is needed
    if form.validate_on_submit():
        service.keep_session_alive(sessions.current_record())
    if request.accept_mimetypes.best == "application/json":
        return jsonify(expires_in=sessions.seconds_left())
    return redirect(safe_next_url(request.form.get("next")) or url_for(landing_endpoint(current_user)))
