"""Recruiters' interviews: publish interview times for a placement and see who booked, with their adjustments."""

import re
from datetime import time

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput
from wtforms import SelectMultipleField
from wtforms.validators import ValidationError

from ..access import get_in_borough_or_404, role_required
from ..forms import BaseForm, GovDateField, number_field, options, submit_button, text, whole_number_in_range
from ..models import Placement
from ..services import interviews as interview_service
from ..services.errors import ServiceError
from . import REVIEWERS, bp

TIME_RE = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$", re.IGNORECASE)


def parse_clock(value: str | None) -> time | None:
    """A time of day typed as "14:30", "2:30pm", "9am" or "9.15"; None if it is not one."""
    found = TIME_RE.fullmatch((value or "").strip().replace(" ", ""))
    if not found:
        return None
    hour, minute, half = int(found.group(1)), int(found.group(2) or 0), (found.group(3) or "").lower()
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    return time(hour, minute) if hour <= 23 and minute <= 59 else None


class SlotForm(BaseForm):
    day = GovDateField("Date", "Date", "Enter the date of the interview", hint="For example, 9 6 2026")
    start = text(
        "Start time",
        "Enter the start time",
        10,
        "Enter a start time like 14:30 or 2:30pm",
        hint="For example, 14:30 or 2:30pm (London time)",
    )
    minutes = number_field(
        "Length in minutes",
        "From 10 to 240",
        whole_number_in_range(
            "Enter the length in minutes",
            "Length must be a whole number of minutes, like 45",
            "Length must be from 10 to 240 minutes",
            10,
            240,
        ),
    )
    place = text(
        "Address or room (optional)",
        None,
        200,
        "Address or room must be 200 characters or fewer",
        hint="Where to go, for an interview in person",
    )
    video_link = text(
        "Video call link (optional)",
        None,
        500,
        "Video call link must be 500 characters or fewer",
        hint="Starting https://, for an interview by video call",
    )
    capacity = number_field(
        "How many candidates can book this time",
        "From 1 to 10, for a group interview",
        whole_number_in_range(
            "Enter how many candidates can book this time",
            "Enter a whole number, like 1",
            "Enter a number from 1 to 10",
            1,
            10,
        ),
    )
    interviewers = SelectMultipleField(
        "Interviewers",
        description="Each gets the bookings and a calendar file by email",
        widget=GovCheckboxesInput(),
        validate_choice=False,
    )
    submit = submit_button("Publish this time")

    def validate_start(self, field):
        if field.data and parse_clock(field.data) is None:
            raise ValidationError("Enter a start time like 14:30 or 2:30pm")

    def validate_video_link(self, field):
        if field.data and not re.fullmatch(r"https://[^\s<>\"]+\.[^\s<>\"]+", field.data):
            raise ValidationError("Enter a video call link starting https://, like https://meet.example/abc")

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if not self.place.data and not self.video_link.data and not self.place.errors and not self.video_link.errors:
            self.place.errors = [*self.place.errors, "Enter an address or room, or a video call link"]
            return False
        return valid

    def validate_interviewers(self, field):
        if not field.data:
            raise ValidationError("Select at least one interviewer")
        if not all(value.isascii() and value.isdigit() and len(value) <= 9 for value in field.data):
            raise ValidationError("Select at least one interviewer from the list")

    def new_slot(self) -> interview_service.NewSlot:
        """The slot as entered, on a form that validated (so its start is a time of day)."""
        start = parse_clock(self.start.data)
        if start is None:
            raise ValueError("new_slot() is read before the form validated")
        return interview_service.NewSlot(
            day=self.day.entered,
            start=start,
            minutes=int(self.minutes.data),
            place=self.place.data or "",
            video_link=self.video_link.data or "",
            capacity=int(self.capacity.data),
            interviewer_ids=[int(value) for value in self.interviewers.data],
        )


@bp.route("/placements/<int:placement_id>/interviews")
@role_required(*REVIEWERS)
def interviews(placement_id: int):
    """A placement's interview times, who booked each (with their adjustments), and who said no time suits."""
    placement = get_in_borough_or_404(Placement, placement_id)
    return render_template(
        "recruiters/interviews.html",
        placement=placement,
        slots=interview_service.placement_slots(placement),
        requests=interview_service.slot_requests(placement),
        when_text=interview_service.when_text,
        where_text=interview_service.where_text,
    )


@bp.route("/placements/<int:placement_id>/interviews/new", methods=["GET", "POST"])
@role_required(*REVIEWERS)
def new_slot(placement_id: int):
    """Publish an interview time for a placement."""
    placement = get_in_borough_or_404(Placement, placement_id)
    form = SlotForm()
    people = interview_service.interviewer_choices(placement)
    form.interviewers.choices = options([(user.id, user.email) for user in people])
    if form.validate_on_submit():
        try:
            interview_service.create_slot(placement, form.new_slot(), current_user.id)
        except ServiceError as error:
            form.show_errors(error.errors)
        else:
            flash("Interview time published. Shortlisted candidates can book it from their dashboard.", "success")
            return redirect(url_for("recruiters.interviews", placement_id=placement.id))
    return render_template("recruiters/new_slot.html", placement=placement, form=form)
