"""The candidate's interviews: choose, change or cancel a time, download it for a calendar, or say none suits."""

from flask import Response, flash, redirect, render_template, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovRadioInput
from wtforms import RadioField, TextAreaField
from wtforms.validators import Length, ValidationError

from ..access import own_suggestion_or_404
from ..forms import BaseForm, options, strip, submit_button
from ..services import interviews as service
from ..services.errors import ServiceError
from . import bp, candidate_view
from .forms import ConfirmForm

MESSAGE_MAX = 500


class BookForm(BaseForm):
    slot = RadioField("Choose an interview time", widget=GovRadioInput(), validate_choice=False)
    submit = submit_button("Book this time")

    def validate_slot(self, field):
        if not (field.data and field.data.isascii() and field.data.isdigit() and len(field.data) <= 9):
            raise ValidationError("Select an interview time")


class NoTimeForm(BaseForm):
    message = TextAreaField(
        "When could you come? (optional)",
        widget=GovCharacterCount(),
        filters=[strip],
        description="For example, any weekday after 3pm, or not on Fridays",
        validators=[Length(max=MESSAGE_MAX, message=f"Your message must be {MESSAGE_MAX} characters or fewer")],
    )
    submit = submit_button("Tell the borough")


def _booking_page(suggestion, form):
    slots = service.bookable_slots(suggestion)
    form.slot.choices = options([(slot.id, service.when_text(slot)) for slot in slots])
    return render_template(
        "candidates/interview.html",
        suggestion=suggestion,
        form=form,
        slots=slots,
        booking=service.live_booking(suggestion),
        can_book=service.can_book(suggestion),
        interviews=service,
    )


@bp.route("/candidates/suggestions/<int:suggestion_id>/interview", methods=["GET", "POST"])
@candidate_view()
def interview(candidate, suggestion_id: int):
    """Choose an interview time (or change it), see the one booked, and what happens next."""
    suggestion = own_suggestion_or_404(candidate, suggestion_id)
    form = BookForm()
    if form.validate_on_submit():
        try:
            booking = service.book(suggestion, int(form.slot.data), current_user.id)
        except ServiceError as error:
            form.show_error(error.message, error.field)
        else:
            flash(
                f"Your interview is booked for {service.when_text(booking.slot)}. We have emailed you the details.",
                "success",
            )
            return redirect(url_for("candidates.interview", suggestion_id=suggestion.id))
    return _booking_page(suggestion, form)


@bp.route("/candidates/suggestions/<int:suggestion_id>/interview/cancel", methods=["GET", "POST"])
@candidate_view()
def cancel_interview(candidate, suggestion_id: int):
    """Cancel the booked interview, after a confirmation page."""
    suggestion = own_suggestion_or_404(candidate, suggestion_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            service.cancel(suggestion, current_user.id)
        except ServiceError as error:
            flash(error.message, "info")
        else:
            flash("Your interview is cancelled. You can choose another time.", "success")
        return redirect(url_for("candidates.interview", suggestion_id=suggestion.id))
    booking = service.live_booking(suggestion)
    if booking is None:
        return redirect(url_for("candidates.interview", suggestion_id=suggestion.id))
    back = url_for("candidates.interview", suggestion_id=suggestion.id)
    return render_template(
        "candidates/confirm.html",
        form=form,
        title="Are you sure you want to cancel your interview?",
        body=[
            f"{suggestion.placement.title}: {service.when_text(booking.slot)}.",
            "You stay on the shortlist: the borough still wants to interview you. You can choose another time if one is free.",
        ],
        button="Cancel my interview",
        back=back,
        warning=False,
    )


@bp.route("/candidates/suggestions/<int:suggestion_id>/interview/no-time-suits", methods=["GET", "POST"])
@candidate_view()
def no_time_suits(candidate, suggestion_id: int):
    """Tell the borough that none of the interview times suits, and when would."""
    suggestion = own_suggestion_or_404(candidate, suggestion_id)
    form = NoTimeForm()
    if form.validate_on_submit():
        try:
            service.tell_no_time_suits(suggestion, form.message.data or "", current_user.id)
        except ServiceError as error:
            form.show_error(error.message, error.field)
        else:
            flash(f"We have told {suggestion.placement.borough.name}. They will add a time or contact you.", "success")
            return redirect(url_for("candidates.interview", suggestion_id=suggestion.id))
    return render_template("candidates/no_time_suits.html", suggestion=suggestion, form=form)


@bp.route("/candidates/suggestions/<int:suggestion_id>/interview.ics")
@candidate_view()
def interview_calendar(candidate, suggestion_id: int):
    """The booked interview as a calendar file."""
    suggestion = own_suggestion_or_404(candidate, suggestion_id)
    booking = service.live_booking(suggestion)
    if booking is None:
        return redirect(url_for("candidates.interview", suggestion_id=suggestion.id))
    return Response(
        service.calendar_file(booking),
        mimetype="text/calendar",
        headers={"Content-Disposition": 'attachment; filename="interview.ics"'},
    )
