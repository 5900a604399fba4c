"""Admin: recruitment cycles: create, change, set borough targets, close."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import role_required
from ..candidates.forms import OUTREACH_CHANNELS
from ..forms import BaseForm, DayMonthYearField, submit_button, text
from ..models import Role
from ..services import cycles as service
from ..services.admin import list_boroughs
from ..services.errors import ServiceError
from . import bp


class CycleForm(BaseForm):
    name = text("Name", None, 80, "Name must be 80 characters or fewer", hint="For example, 2026 to 2027")
    opens_on = DayMonthYearField("Opening date", description="For example, 1 9 2026")
    closes_on = DayMonthYearField("Closing date", description="For example, 31 8 2027")
    target = text(
        "London-wide target",
        None,
        20,
        service.TARGET_MESSAGE,
        hint="How many apprenticeships should start in this cycle, across London. From 0 to 10,000.",
        render_kw={"inputmode": "numeric"},
    )
    submit = submit_button("Save cycle")

    def raw(self) -> dict:
        return {name: self[name].data for name in ("name", "opens_on", "closes_on", "target")}


class TargetsForm(BaseForm):
    """A CSRF token; the boxes, one per borough, are read from the request and checked by the service."""

    submit = submit_button("Save borough targets")


def _cycle_or_404(cycle_id: int):
    return service.get_cycle(cycle_id) or abort(404)


@bp.route("/cycles")
@role_required(Role.ADMIN)
def cycles():
    """Every recruitment cycle, newest first."""
    return render_template("admin/cycles.html", cycles=service.list_cycles(), current=service.current_cycle())


@bp.route("/cycles/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new_cycle():
    """Start a new cycle: name, dates, London-wide target."""
    form = CycleForm()
    if form.validate_on_submit():
        try:
            cycle = service.create_cycle(form.raw())
        except ServiceError as error:
            form.show_errors(error.errors)
        else:
            flash(f"{cycle.name} saved. You can now set each borough's target.", "success")
            return redirect(url_for("admin.cycle", cycle_id=cycle.id))
    return render_template("admin/cycle_form.html", form=form, cycle=None)


@bp.route("/cycles/<int:cycle_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_cycle(cycle_id: int):
    """Change an open cycle's name, dates or London-wide target."""
    cycle = _cycle_or_404(cycle_id)
    if cycle.closed_at is not None:
        flash("This cycle is closed, so it cannot be changed", "error")
        return redirect(url_for("admin.cycle", cycle_id=cycle.id))
    data = {
        "name": cycle.name,
        "opens_on": cycle.opens_on,
        "closes_on": cycle.closes_on,
        "target": str(cycle.target or 0),
    }
    form = CycleForm(data=data if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            service.update_cycle(cycle, form.raw())
        except ServiceError as error:
            form.show_errors(error.errors)
        else:
            flash(f"{cycle.name} saved", "success")
            return redirect(url_for("admin.cycle", cycle_id=cycle.id))
    return render_template("admin/cycle_form.html", form=form, cycle=cycle)


@bp.route("/cycles/<int:cycle_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def cycle(cycle_id: int):
    """One cycle: its dates and target, each borough's own target, and closing it."""
    cycle = _cycle_or_404(cycle_id)
    form, errors = TargetsForm(), {}
    targets = {slug: str(target) for slug, target in service.borough_target_slugs(cycle).items()}
    if form.validate_on_submit():
        entered = {key: value for key, value in request.form.items() if key not in ("csrf_token", "submit")}
        try:
            service.set_borough_targets(cycle, entered)
        except ServiceError as error:
            errors = error.errors
            targets = entered
        else:
            flash("Borough targets saved", "success")
            return redirect(url_for("admin.cycle", cycle_id=cycle.id))
    if "" in errors:  # about the whole cycle, not one borough
        form.form_errors.append(errors.pop(""))
    return render_template(
        "admin/cycle.html",
        cycle=cycle,
        form=form,
        errors=errors,
        targets=targets,
        boroughs=list_boroughs(),
        close_form=TargetsForm(),
    )


@bp.route("/cycles/<int:cycle_id>/close", methods=["POST"])
@role_required(Role.ADMIN)
def close_cycle(cycle_id: int):
    """Close a cycle; its figures then stay as they were."""
    cycle = _cycle_or_404(cycle_id)
    if not TargetsForm().validate_on_submit():
        abort(400)
    try:
        service.close_cycle(cycle.id, [key for key, _ in OUTREACH_CHANNELS], current_user.id)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(f"{cycle.name} is closed. Its figures are kept as they stand.", "success")
    return redirect(url_for("admin.cycle", cycle_id=cycle.id))
