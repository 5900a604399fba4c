"""Placement choices: rank up to 10 live placements across boroughs, with plain forms that need no JavaScript."""

from flask import current_app, flash, redirect, render_template, request, url_for

from ..forms import page_number
from ..security import safe_next_url
from ..services.candidates import CandidateError
from ..services.candidates import application as application_service
from ..services.candidates import choices as service
from . import bp, candidate_view
from .forms import ChoiceForm, ConsiderOtherForm, options


def _page_number() -> int:
    return page_number(request.args.get("page"), last=10_000)


def _back_to_choices():
    """Back to the choices page (keeping its filter), or to a safe page on this site that sent the form."""
    return redirect(safe_next_url(request.form.get("next")) or url_for("candidates.choices", **{
        k: v for k, v in request.args.items() if k in ("borough", "page")}))


@bp.route("/candidates/choices", methods=["GET", "POST"])
@candidate_view(eligible_only=True)
def choices(candidate):
    """The candidate's ranked placements, the live placements they can add, and 'consider me for others'."""
    locked = service.is_locked(candidate)
    form = ConsiderOtherForm(data={"consider_other": {True: "yes", False: "no"}.get(candidate.consider_other_placements)})
    if not locked and form.validate_on_submit():
        try:
            service.set_consider_other(candidate, form.consider_other.data == "yes")
        except CandidateError as error:
            flash(error.message, "info")
        else:
            flash("Your placement choices: saved", "success")
            return redirect(url_for("candidates.task_list" if application_service.is_editable(candidate) else "candidates.dashboard"))
    borough = application_service.borough_by_slug(request.args.get("borough"))
    page, per_page = _page_number(), current_app.config["PAGE_SIZE"]
    vacancies, total = service.live_vacancies(borough.id if borough else None, page, per_page)
    chosen_ids = {p.vacancy_id for p in candidate.preferences}
    borough_filter = options([("", "All boroughs"), *((b.slug, b.name) for b in application_service.all_boroughs())])
    return render_template("candidates/choices.html", form=form, candidate=candidate, locked=locked,
                           vacancies=vacancies, total=total, page=page, pages=max(1, -(-total // per_page)),
                           chosen_ids=chosen_ids, borough=borough, borough_filter=borough_filter,
                           max_choices=service.MAX_CHOICES, action_form=ChoiceForm())


def _change(action):
    form = ChoiceForm()
    if not form.validate_on_submit():
        flash("Select a placement", "info")
        return None
    try:
        return action(form)
    except CandidateError as error:
        flash(error.message, "info")
        return None


@bp.route("/candidates/choices/add", methods=["GET", "POST"])
@candidate_view(eligible_only=True)
def add_choice(candidate):
    """Add a placement (POST `vacancy_id`) to the end of the candidate's list; GET just shows the list."""
    if request.method == "POST":
        vacancy = _change(lambda form: service.add_choice(candidate, form.vacancy))
        if vacancy is not None:
            flash(f"{vacancy.title} ({vacancy.borough.name}) added to your choices as number {len(candidate.preferences)}",
                  "success")
        return _back_to_choices()
    return redirect(url_for("candidates.choices"))


@bp.route("/candidates/choices/remove", methods=["POST"])
@candidate_view(eligible_only=True)
def remove_choice(candidate):
    """Take a placement off the candidate's list."""
    vacancy = _change(lambda form: service.remove_choice(candidate, form.vacancy))
    if vacancy is not None:
        flash(f"{vacancy.title} removed from your choices", "success")
    return _back_to_choices()


@bp.route("/candidates/choices/move", methods=["POST"])
@candidate_view(eligible_only=True)
def move_choice(candidate):
    """Move a placement up or down the candidate's list."""
    vacancy = _change(lambda form: service.move_choice(candidate, form.vacancy, form.direction.data))
    if vacancy is not None:
        rank = next(p.rank for p in candidate.preferences if p.vacancy_id == vacancy.id)
        flash(f"{vacancy.title} is now number {rank}", "success")
    return _back_to_choices()
