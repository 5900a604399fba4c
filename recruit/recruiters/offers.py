"""Recruiters' offers: make an offer with its terms and a date to answer by, and record the day the apprentice starts."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from ..access import role_required
from ..forms import GovDateField, submit_button, text
from ..services import matching as matching_service
from ..services import offers as service
from ..services.errors import ServiceError
from . import REVIEWERS, DecisionForm, _suggestion_or_404, bp


class OfferForm(DecisionForm):
    respond_by = GovDateField(
        "Date to answer by",
        "Date to answer by",
        "Enter the date the candidate must answer by",
        hint="We suggest 5 working days from today. The candidate can answer until 11:59pm that day.",
    )
    start_date = GovDateField("Start date", "Start date", "Enter the start date")
    contact = text(
        "Contact for the candidate",
        "Enter who the candidate should contact",
        254,
        "Contact must be 254 characters or fewer",
        hint="A name and an email address or phone number",
    )
    submit = submit_button("Make the offer")


class StartForm(DecisionForm):
    started_on = GovDateField(
        "Date they started", "Date they started", "Enter the date they started", hint="For example, 1 9 2026"
    )
    submit = submit_button("Record the start date")


@bp.route("/suggestions/<int:suggestion_id>/offer", methods=["GET", "POST"])
@role_required(*REVIEWERS)
def offer(suggestion_id: int):
    """Offer the candidate a position, with the terms in the letter and the date to answer by."""
    found = _suggestion_or_404(suggestion_id)
    if "offer" not in matching_service.actions_for(found):
        flash(
            f"This suggestion is {matching_service.stage_label(found.stage).lower()}, so you cannot make an offer now.",
            "error",
        )
        return redirect(url_for("recruiters.suggestion", suggestion_id=suggestion_id))
    terms = service.default_terms(found, current_user.email)
    form = OfferForm(
        data={
            "version": found.version,
            "respond_by": terms.respond_by,
            "start_date": terms.start_date,
            "contact": terms.contact,
        }
    )
    if form.validate_on_submit():
        try:
            service.make_offer(
                found,
                form.seen_version(),
                current_user.id,
                service.OfferTerms(form.respond_by.entered, form.start_date.entered, form.contact.data),
            )
        except ServiceError as error:
            form.show_errors(error.errors)
            form.version.data = str(found.version)  # the version now stored: resubmitting is then a deliberate choice
        else:
            flash(
                f"{matching_service.reference(found.candidate_id)}: offer made. We have emailed them the letter.",
                "success",
            )
            return redirect(url_for("recruiters.suggestion", suggestion_id=suggestion_id))
    return render_template(
        "recruiters/offer.html", placement=found.placement, view=matching_service.suggestion_view(found), form=form
    )


@bp.route("/suggestions/<int:suggestion_id>/start", methods=["GET", "POST"])
@role_required(*REVIEWERS)
def start(suggestion_id: int):
    """Record the day an apprentice who accepted started; the placement is filled when every position has."""
    found = _suggestion_or_404(suggestion_id)
    form = StartForm(data={"version": found.version})
    if form.validate_on_submit():
        try:
            service.record_start(found, form.started_on.entered, current_user.id)
        except ServiceError as error:
            form.show_errors(error.errors)
        else:
            flash(f"{matching_service.reference(found.candidate_id)}: start date recorded.", "success")
            return redirect(url_for("recruiters.suggestion", suggestion_id=suggestion_id))
    return render_template(
        "recruiters/start.html",
        placement=found.placement,
        view=matching_service.suggestion_view(found),
        form=form,
        offer=service.offer_for(found),
    )
