"""Panel scoring: a placement's interview criteria, and each interviewer's scores, blind until they submit."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovRadioInput
from wtforms import RadioField, TextAreaField

from ..access import get_in_borough_or_404, role_required
from ..forms import BaseForm, options, strip, submit_button, text
from ..models import Placement
from ..services import matching as matching_service
from ..services import scoring as service
from ..services.errors import ServiceError
from . import REVIEWERS, _suggestion_or_404, bp


class CriteriaForm(BaseForm):
    submit = submit_button("Save criteria")

    def titles(self) -> list[str]:
        return [getattr(self, f"criterion_{i}").data or "" for i in range(1, service.MAX_CRITERIA + 1)]


for _i in range(1, service.MAX_CRITERIA + 1):
    setattr(
        CriteriaForm,
        f"criterion_{_i}",
        text(
            f"Criterion {_i}" + ("" if _i <= service.MIN_CRITERIA else " (optional)"),
            None,
            1000,
            "Each criterion must be 150 characters or fewer",
        ),
    )


def score_form(criteria):
    """A form with a 1-to-4 score and an evidence box for each criterion."""

    class ScoreForm(BaseForm):
        submit = submit_button("Submit your scores")

    for criterion in criteria:
        setattr(
            ScoreForm,
            f"score_{criterion.id}",
            RadioField(
                criterion.title, choices=options(service.SCALE.items()), widget=GovRadioInput(), validate_choice=False
            ),
        )
        setattr(
            ScoreForm,
            f"evidence_{criterion.id}",
            TextAreaField(
                f"Evidence for your score for “{criterion.title}”",
                widget=GovCharacterCount(),
                filters=[strip],
                description="What they said or did that shows it",
            ),
        )
    return ScoreForm()


@bp.route("/placements/<int:placement_id>/criteria", methods=["GET", "POST"])
@role_required(*REVIEWERS)
def criteria(placement_id: int):
    """The 3 to 6 things interviewers score for this placement, started from its standard's template."""
    placement = get_in_borough_or_404(Placement, placement_id)
    current = service.criteria_for(placement)
    # Prefilled only on the first view: a posted form is read as posted (an empty box removes a criterion).
    form = (
        CriteriaForm()
        if request.method == "POST"
        else CriteriaForm(data={f"criterion_{c.position}": c.title for c in current})
    )
    if form.validate_on_submit():
        try:
            service.update_criteria(placement, form.titles(), current_user.id)
        except ServiceError as error:
            form.show_errors(error.errors)
        else:
            flash("Interview criteria saved", "success")
            return redirect(url_for("recruiters.placement", placement_id=placement.id))
    return render_template(
        "recruiters/criteria.html", placement=placement, form=form, locked=service.scores_exist(placement)
    )


@bp.route("/suggestions/<int:suggestion_id>/scores", methods=["GET", "POST"])
@role_required(*REVIEWERS)
def scores(suggestion_id: int):
    """Score a candidate's interview; once you have, see every interviewer's scores, the spread and the mean."""
    found = _suggestion_or_404(suggestion_id)
    criteria_list = service.criteria_for(found.placement)
    form = score_form(criteria_list)
    if form.validate_on_submit():
        answers = {c.id: (form[f"score_{c.id}"].data, form[f"evidence_{c.id}"].data) for c in criteria_list}
        try:
            service.submit_scores(found, current_user.id, answers)
        except ServiceError as error:
            form.show_errors(error.errors)
        else:
            flash("Your scores are saved. You can now see the other interviewers' scores.", "success")
            return redirect(url_for("recruiters.scores", suggestion_id=suggestion_id))
    submitted = service.has_submitted(found, current_user.id)
    rows = service.summary(found) if submitted else []
    return render_template(
        "recruiters/scores.html",
        placement=found.placement,
        view=matching_service.suggestion_view(found),
        form=form,
        criteria=criteria_list,
        submitted=submitted,
        rows=rows,
        overall=service.overall_mean(rows),
        others=service.interviewer_count(found),
        can_score=found.stage in service.SCORING_STAGES,
        decisions=service.decision_scores(found) if submitted else [],
        scale=service.SCALE,
        stage_label=matching_service.stage_label,
    )
