"""Placement choices: rank up to 10 live placements across boroughs, with plain forms that need no JavaScript."""

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for

from ..forms import options
from ..security import safe_next_url
from ..services.candidates import application as application_service
from ..services.candidates import choices as service
from ..services.errors import ServiceError
from ..services.placements import listing
from . import bp, candidate_view
from .forms import ChoiceForm, ConsiderOtherForm

FILTERS = ("q", "borough", "page")


def _filters_in_use() -> dict[str, Any]:
    """The choices page's filters as the candidate set them."""
    return {k: v for k, v in request.args.items() if k in FILTERS}


def _back_to_choices():
    """Back to the choices page (keeping its filter), or to a safe page on this site that sent the form."""
    return redirect(safe_next_url(request.form.get("next")) or url_for("candidates.choices", **_filters_in_use()))


@bp.route("/candidates/choices", methods=["GET", "POST"])
@candidate_view(eligible_only=True)
def choices(candidate):
    """The candidate's ranked placements, the live placements they can add, and 'consider me for others'."""
    locked = service.is_locked(candidate)
    form = ConsiderOtherForm(
        data={"consider_other": {True: "yes", False: "no"}.get(candidate.consider_other_placements)}
    )
    if not locked and form.validate_on_submit():
        try:
            service.set_consider_other(candidate, form.consider_other.data == "yes")
        except ServiceError as error:
            flash(error.message, "info")
        else:
            flash("Your placement choices: saved", "success")
            return redirect(
                url_for(
                    "candidates.task_list" if application_service.is_editable(candidate) else "candidates.dashboard"
                )
            )
    # The same keyword and borough search as the public listing; a filter that is wrong is dropped and explained.
    query, filter_errors = listing.parse_listing_args(
        {k: v for k, v in request.args.items() if k in FILTERS}, default_per_page=current_app.config["PAGE_SIZE"]
    )
    for name in filter_errors:
        setattr(query, name, listing.ListingQuery.__dataclass_fields__[name].default)
    results = listing.search_live(query)
    borough = application_service.borough_by_slug(query.borough)
    borough_filter = options([("", "All boroughs"), *((b.slug, b.name) for b in application_service.all_boroughs())])
    return render_template(
        "candidates/choices.html",
        form=form,
        candidate=candidate,
        locked=locked,
        placements=[placement for placement, _ in results.items],
        total=results.total,
        page=results.page,
        pages=results.pages,
        chosen_ids={p.placement_id for p in candidate.choices},
        borough=borough,
        keywords=query.q,
        filter_errors=filter_errors,
        borough_filter=borough_filter,
        max_choices=service.MAX_CHOICES,
        action_form=ChoiceForm(),
    )


def _change(action):
    form = ChoiceForm()
    if not form.validate_on_submit():
        flash("Select a placement", "info")
        return None
    try:
        return action(form)
    except ServiceError as error:
        flash(error.message, "info")
        return None


@bp.route("/candidates/choices/add", methods=["GET", "POST"])
@candidate_view(eligible_only=True)
def add_choice(candidate):
    """Add a placement (POST `placement_id`) to the end of the candidate's list; GET just shows the list."""
    if request.method == "POST":
        placement = _change(lambda form: service.add_choice(candidate, form.placement))
        if placement is not None:
            flash(
                f"{placement.title} ({placement.borough.name}) added to your choices as number {len(candidate.choices)}",
                "success",
            )
        return _back_to_choices()
    return redirect(url_for("candidates.choices"))


@bp.route("/candidates/choices/remove", methods=["POST"])
@candidate_view(eligible_only=True)
def remove_choice(candidate):
    """Take a placement off the candidate's list."""
    placement = _change(lambda form: service.remove_choice(candidate, form.placement))
    if placement is not None:
        flash(f"{placement.title} removed from your choices", "success")
    return _back_to_choices()


@bp.route("/candidates/choices/move", methods=["POST"])
@candidate_view(eligible_only=True)
def move_choice(candidate):
    """Move a placement up or down the candidate's list."""
    placement = _change(lambda form: service.move_choice(candidate, form.placement, form.direction.data))
    if placement is not None:
        rank = next(p.rank for p in candidate.choices if p.placement_id == placement.id)
        flash(f"{placement.title} is now number {rank}", "success")
    return _back_to_choices()
