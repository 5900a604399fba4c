"""Recruiters: review the suggestions for their borough's placements, name-blind until shortlisting."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovSelect
from wtforms import HiddenField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from ..access import borough_scope, get_in_borough_or_404, role_required
from ..forms import BaseForm, options, radios, strip, submit_button
from ..models import Placement, Role
from ..parsing import whole_number
from ..services import matching as service
from ..services import offers as offers_service
from ..services.errors import ServiceError

bp = Blueprint("recruiters", __name__, url_prefix="/recruiters")
REVIEWERS = (Role.RECRUITER, Role.ADMIN)
FEEDBACK_MAX = 1000

REJECT_REASONS = (
    ("skills", "Their skills do not match the placement closely enough"),
    ("closer_match", "Other candidates were a closer match"),
    ("interview", "Other candidates did better at interview"),
    ("no_reply", "They did not reply, or did not come to the interview"),
    ("other", "Another reason"),
)
BUTTONS = {"shortlist": "Shortlist", "interview": "Invite to interview"}


class DecisionForm(BaseForm):
    """A CSRF token and the version of the suggestion the recruiter saw, for the stage buttons."""

    version = HiddenField()

    def seen_version(self) -> int | None:
        return whole_number(self.version.data)


class _FeedbackForm(DecisionForm):
    feedback = TextAreaField(
        "Feedback for the candidate",
        widget=GovCharacterCount(),
        filters=[strip],
        description="Say what was good about their application and what would make it stronger. We email this to them.",
        validators=[
            DataRequired("Enter feedback for the candidate"),
            Length(max=FEEDBACK_MAX, message=f"Feedback must be {FEEDBACK_MAX:,} characters or fewer"),
        ],
    )
    submit = submit_button("Reject and send feedback")


class RejectForm(_FeedbackForm):
    reason = radios(
        "Why are you not going ahead?",
        REJECT_REASONS,
        "Select the reason for not going ahead",
        hint="This is kept for reporting. The candidate does not see it.",
    )


class GuaranteedRejectForm(_FeedbackForm):
    """Rejecting a guaranteed interview scheme candidate before interview: only for an unmet essential requirement."""

    requirement = radios(
        "Which essential requirement do they not meet?",
        (),
        "Select the essential requirement they do not meet",
        hint="They asked for the guaranteed interview scheme. If they meet every essential "
        "requirement of this placement, you must invite them to interview.",
    )

    def __init__(self, requirements: dict[str, str], **kwargs):
        super().__init__(**kwargs)
        self.requirement.choices = options(tuple(requirements.items()))


class BulkForm(BaseForm):
    """The placement page's checkboxes: each posts "suggestion id:version", so each item checks its own version."""

    selected = SelectMultipleField(validate_choice=False)

    def pairs(self) -> list[tuple[int, int]]:
        return service.parse_selection(self.selected.data or []) or []

    def validate_selected(self, field):
        if service.parse_selection(field.data or []) is None:
            raise ValidationError("Select candidates from the list")


class BulkRejectForm(BulkForm):
    reason = RejectForm.reason
    feedback_template = SelectField(
        "Start from this feedback", choices=options(REJECT_REASONS), widget=GovSelect(), validate_choice=False
    )
    feedback = RejectForm.feedback
    submit = submit_button("Reject and send feedback")


def _suggestion_or_404(suggestion_id: int):
    return service.suggestion_in_borough(suggestion_id, borough_scope()) or abort(404)


@bp.route("/")
@role_required(*REVIEWERS)
def index():
    """Your borough's live placements with how many suggestions each has at each stage."""
    return render_template("recruiters/index.html", placements=service.review_placements(borough_scope()))


@bp.route("/placements/<int:placement_id>")
@role_required(*REVIEWERS)
def placement(placement_id: int):
    """One of your borough's placements with its suggested candidates, name-blind until shortlisted."""
    placement = get_in_borough_or_404(Placement, placement_id)
    return _placement_page(placement, BulkForm())


def _placement_page(placement, form):
    return render_template(
        "recruiters/placement.html", placement=placement, form=form, suggestions=service.suggestion_views(placement)
    )


def _bulk_reject_page(placement, form):
    chosen = [
        service.suggestion_view(suggestion) for suggestion in service.selected_suggestions(placement, form.pairs())
    ]
    return render_template("recruiters/bulk_reject.html", placement=placement, form=form, chosen=chosen)


@bp.route("/placements/<int:placement_id>/bulk", methods=["POST"])
@role_required(*REVIEWERS)
def bulk(placement_id: int):
    """Shortlist the selected suggestions, or go on to reject them with one reason and feedback."""
    placement = get_in_borough_or_404(Placement, placement_id)
    form = BulkForm()
    action = request.form.get("action")
    if not form.validate_on_submit() or not form.pairs():
        if not form.errors:
            form.selected.errors = ["Select at least one candidate"]
        return _placement_page(placement, form)
    if action == "reject":
        reject_form = BulkRejectForm(
            formdata=None,
            data={
                "selected": form.selected.data,
                "feedback_template": "closer_match",
                "feedback": service.FEEDBACK_TEMPLATES["closer_match"],
            },
        )
        return _bulk_reject_page(placement, reject_form)
    try:  # any other button than the two (a forged one) is refused by the service with a message
        outcomes = service.decide_many(placement, form.pairs(), action or "", current_user.id)
    except ServiceError as error:
        form.show_error(error.message, error.field)
        return _placement_page(placement, form)
    return render_template("recruiters/bulk_done.html", placement=placement, outcomes=outcomes, action="shortlist")


@bp.route("/placements/<int:placement_id>/bulk-reject", methods=["POST"])
@role_required(*REVIEWERS)
def bulk_reject(placement_id: int):
    """Reject the selected suggestions with one reason and one feedback text, started from a template."""
    placement = get_in_borough_or_404(Placement, placement_id)
    form = BulkRejectForm()
    if request.form.get("action") == "template":  # fill the feedback box from the chosen template, then edit it
        form.feedback.data = service.FEEDBACK_TEMPLATES.get(form.feedback_template.data, form.feedback.data)
        return _bulk_reject_page(
            placement,
            BulkRejectForm(
                formdata=None,
                data={
                    "selected": form.selected.data,
                    "reason": form.reason.data,
                    "feedback_template": form.feedback_template.data,
                    "feedback": form.feedback.data,
                },
            ),
        )
    if form.validate_on_submit() and form.pairs():
        outcomes = service.decide_many(
            placement,
            form.pairs(),
            "reject",
            current_user.id,
            reason=dict(REJECT_REASONS)[form.reason.data],
            feedback=form.feedback.data,
        )
        return render_template("recruiters/bulk_done.html", placement=placement, outcomes=outcomes, action="reject")
    if not form.pairs():  # the boxes are on the placement page, not this one: the message says so, at the top
        form.selected.errors = []
        form.form_errors.append("Select at least one candidate on the placement page")
    return _bulk_reject_page(placement, form)


@bp.route("/suggestions/<int:suggestion_id>")
@role_required(*REVIEWERS)
def suggestion(suggestion_id: int):
    """One suggestion: why it was made, and what you can do next."""
    found = service.view_suggestion(suggestion_id, borough_scope()) or abort(404)
    return render_template(
        "recruiters/suggestion.html",
        placement=found.placement,
        view=service.suggestion_view(found),
        offer=offers_service.offer_for(found),
        form=DecisionForm(data={"version": found.version}),
        buttons=BUTTONS,
    )


@bp.route("/suggestions/<int:suggestion_id>/<any(shortlist, interview):action>", methods=["POST"])
@role_required(*REVIEWERS)
def decide(suggestion_id: int, action: str):
    """Move a suggestion to its next stage (shortlist, or interview when arranged outside the booked times)."""
    found = _suggestion_or_404(suggestion_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        service.decide(found, action, form.seen_version(), current_user.id)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(f"{service.reference(found.candidate_id)}: {service.stage_label(found.stage)}", "success")
    return redirect(url_for("recruiters.suggestion", suggestion_id=suggestion_id))


@bp.route("/suggestions/<int:suggestion_id>/reject", methods=["GET", "POST"])
@role_required(*REVIEWERS)
def reject(suggestion_id: int):
    """Reject a suggestion with a reason and feedback the candidate is emailed."""
    found = _suggestion_or_404(suggestion_id)
    if "reject" not in service.actions_for(found):
        flash(f"This suggestion is {service.stage_label(found.stage).lower()}, so it cannot be rejected now.", "error")
        return redirect(url_for("recruiters.suggestion", suggestion_id=suggestion_id))
    guaranteed = service.guaranteed.needs_requirement(found)
    if guaranteed:
        form = GuaranteedRejectForm(
            service.guaranteed.essential_requirements(found.placement), data={"version": found.version}
        )
    else:
        form = RejectForm(data={"version": found.version})
    if form.validate_on_submit():
        try:
            service.decide(
                found,
                "reject",
                form.seen_version(),
                current_user.id,
                reason=None if guaranteed else dict(REJECT_REASONS)[form.reason.data],
                feedback=form.feedback.data,
                requirement=form.requirement.data if guaranteed else None,
            )
        except ServiceError as error:
            form.form_errors.append(error.message)
            form.version.data = str(found.version)  # the version now stored: resubmitting is then a deliberate choice
        else:
            flash(
                f"{service.reference(found.candidate_id)}: rejected, and we have emailed them your feedback.", "success"
            )
            return redirect(url_for("recruiters.placement", placement_id=found.placement_id))
    return render_template(
        "recruiters/reject.html",
        placement=found.placement,
        view=service.suggestion_view(found),
        form=form,
        guaranteed=guaranteed,
    )


from . import interviews, offers, scoring  # noqa: E402,F401  (views register on bp)
