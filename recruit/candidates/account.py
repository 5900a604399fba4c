"""The candidate's account: dashboard, withdraw the application, download or delete their data."""

import json

from flask import Response, flash, redirect, render_template, url_for
from flask_login import current_user

from .. import sessions
from ..services import interviews as interview_service
from ..services import next_steps
from ..services import timeline as timeline_service
from ..services.candidates import application as application_service
from ..services.candidates import choices as choices_service
from ..services.candidates import data as data_service
from ..services.candidates import eligibility as eligibility_service
from ..services.errors import ServiceError
from . import bp, candidate_view, summary
from .forms import ConfirmForm
from .monitoring import answer_rows as monitoring_rows

STAGE_TAGS = {
    "suggested": ("Suggested", "govuk-tag--blue"),
    "shortlisted": ("Shortlisted", "govuk-tag--turquoise"),
    "interview": ("Invited to interview", "govuk-tag--purple"),
    "offered": ("Offered", "govuk-tag--green"),
    "accepted": ("Accepted", "govuk-tag--green"),
    "rejected": ("Not successful", "govuk-tag--red"),
    "withdrawn": ("Withdrawn", "govuk-tag--grey"),
    "closed": ("Placement filled", "govuk-tag--grey"),
}


@bp.route("/candidates/")
@candidate_view()
def dashboard(candidate):
    """The candidate's own application, its status in plain words, suggestions and what happens next."""
    eligible, suggestions = eligibility_service.is_eligible(candidate), application_service.suggestions_for(candidate)
    return render_template(
        "candidates/dashboard.html",
        candidate=candidate,
        eligible=eligible,
        statuses=application_service.task_statuses(candidate),
        suggestions=suggestions,
        stage_tags=STAGE_TAGS,
        interviews=interview_service,
        progress=timeline_service.candidate_progress(candidate, suggestions),
        outcome=application_service.outcome_for(candidate),
        choices_locked=choices_service.is_locked(candidate),
        state=next_steps.for_application(candidate, suggestions, eligible, application_service.round_has_run()),
        next_step=next_steps.for_suggestion,
    )


@bp.route("/candidates/withdraw", methods=["GET", "POST"])
@candidate_view()
def withdraw(candidate):
    """Withdraw the application, after a confirmation page."""
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            application_service.withdraw(candidate)
        except ServiceError as error:
            flash(error.message, "info")
        else:
            flash("You have withdrawn your application", "success")
        return redirect(url_for("candidates.dashboard"))
    if candidate.status != "submitted":
        return redirect(url_for("candidates.dashboard"))
    return render_template(
        "candidates/confirm.html",
        form=form,
        title="Are you sure you want to withdraw your application?",
        body=[
            "Recruiters will stop looking at you for every placement. This includes any you are on the "
            "shortlist for, or had an interview for.",
            "You cannot undo this.",
        ],
        button="Withdraw my application",
        back=url_for("candidates.dashboard"),
        warning=True,
    )


@bp.route("/candidates/your-data")
@candidate_view()
def your_data(candidate):
    """Everything we hold about the candidate, in a readable page."""
    records = data_service.records(current_user)
    answers = records["equality_monitoring"]
    return render_template(
        "candidates/your_data.html",
        candidate=candidate,
        records=records,
        activity=summary.activity(records["events"]),
        stage_tags=STAGE_TAGS,
        status=summary.APPLICATION_STATUS.get(candidate.status, candidate.status.capitalize()),
        equality_rows=monitoring_rows(answers, candidate) if answers else [],
        sections=summary.sections(candidate, return_to=None),
    )


@bp.route("/candidates/your-data.json")
@candidate_view()
def your_data_json(candidate):
    """Everything we hold about the candidate, as a JSON download."""
    body = json.dumps(data_service.export(current_user), indent=2, ensure_ascii=False)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="my-apprenticeship-data.json"'},
    )


@bp.route("/candidates/delete-account", methods=["GET", "POST"])
@candidate_view()
def delete_account(candidate):
    """Delete the account and everything held about the candidate, after a confirmation page."""
    form = ConfirmForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        sessions.end("deleted")
        data_service.delete_account(user)
        flash("Your account and your data have been deleted", "success")
        return redirect(url_for("public.start"))
    return render_template(
        "candidates/confirm.html",
        form=form,
        title="Are you sure you want to delete your account?",
        body=[
            "We will delete your account and your application.",
            "This includes your placement choices, your suggestions and what happened to them, and "
            "your equality answers. It also includes the emails we sent you and the record of what "
            "you did here.",
            "You cannot undo this. You may want to download your data first.",
        ],
        kept=data_service.KEPT_AFTER_DELETION,
        button="Delete my account",
        back=url_for("candidates.your_data"),
        warning=True,
    )
