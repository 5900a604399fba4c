"""Placement alerts: save a search, see and stop your alerts, and stop one from the email without signing in."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .forms import BaseForm, submit_button
from .placements import SearchForm
from .services import alerts as service
from .services import placements as listing
from .services.errors import ServiceError

bp = Blueprint("alerts", __name__, url_prefix="/alerts")


class AlertForm(BaseForm):
    """The listing's filters (but keywords and order: an alert is about new placements), posted to save an alert."""

    borough = SearchForm.borough
    level = SearchForm.level
    standard = SearchForm.standard
    postcode = SearchForm.postcode
    distance = SearchForm.distance
    llw = SearchForm.llw
    submit = submit_button("Save alert")
    set_choices = SearchForm.set_choices


def _alert_form(data=None) -> AlertForm:
    form = AlertForm(data=data) if data is not None else AlertForm()
    form.set_choices(listing.filter_choices())
    return form


@bp.route("/")
@login_required
def index():
    """Your placement alerts, with a button to stop each."""
    return render_template(
        "alerts/index.html",
        alerts=service.user_alerts(current_user),
        describe=service.describe_alert,
        stop_form=_alert_form({}),
        confirmed=current_user.email_confirmed_at is not None,
        maximum=service.MAX_ALERTS,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Save a search as an alert: we email you new placements that match it once a day."""
    form = _alert_form(
        {key: value for key, value in request.args.items() if key in service.ALERT_PARAMETERS}
        if request.method == "GET"
        else None
    )
    if form.validate_on_submit():
        try:
            service.create_alert(current_user, request.form)
        except ServiceError as error:
            form.show_errors(error.errors)
        else:
            flash("Alert saved. We will email you once a day when new placements match it.", "success")
            return redirect(url_for("alerts.index"))
    return render_template("alerts/new.html", form=form, confirmed=current_user.email_confirmed_at is not None)


@bp.route("/<int:alert_id>/stop", methods=["POST"])
@login_required
def stop(alert_id: int):
    """Stop one of your alerts."""
    if not _alert_form({}).validate_on_submit():
        abort(400)
    if not service.delete_alert(current_user, alert_id):
        abort(404)
    flash("Alert stopped. We will not email you about it again.", "success")
    return redirect(url_for("alerts.index"))


@bp.route("/unsubscribe/<token>")
def unsubscribe(token: str):
    """Stop an alert from the link in its email: one click, no sign-in."""
    if not service.unsubscribe(token[:500]):
        return render_template(
            "accounts/link_problem.html",
            message="This link is not valid. Check you copied the whole link from the email.",
        ), 400
    return render_template("alerts/unsubscribed.html")
