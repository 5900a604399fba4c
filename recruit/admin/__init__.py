"""Administration: users, boroughs, the standards catalogue, retention, the audit log, cycles and match runs."""

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from wtforms import StringField
from wtforms.validators import Length, Optional, Regexp

from ..access import role_required
from ..candidates.forms import radios
from ..forms import BaseForm, submit_button
from ..models import Role
from ..services import matching as service

bp = Blueprint("admin", __name__, url_prefix="/admin")

ROUNDS = (("1", "Round 1: suggest candidates to every live placement"),
          ("2", "Round 2: match the candidates left without a suggestion to the places left"))


class MatchRunForm(BaseForm):
    round = radios("Which round do you want to run?", ROUNDS, "Select round 1 or round 2",
                   hint="Run round 1 when applications close. Run round 2 once recruiters have turned candidates "
                        "down, or when placements still have room.")
    seed = StringField("Tie-break seed (optional)", widget=GovTextInput(),
                       description="A whole number, like 20250901. Leave it empty for a random one. "
                                   "The same seed and the same data give the same suggestions.",
                       validators=[Optional(), Length(max=18, message="The seed must be 18 digits or fewer"),
                                   Regexp(r"^[0-9]+$", message="The seed must be a whole number, like 20250901")],
                       render_kw={"inputmode": "numeric", "spellcheck": "false", "autocomplete": "off"})
    submit = submit_button("Run matching")


@bp.route("/")
@role_required(Role.ADMIN)
def index():
    """The admin home page."""
    return render_template("admin/index.html")


@bp.route("/match-runs", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def match_runs():
    """Every match run, newest first, and the form that starts a new one."""
    form = MatchRunForm()
    if form.validate_on_submit():
        try:
            run = service.run_match(int(form.round.data), int(form.seed.data) if form.seed.data else None,
                                    actor_id=current_user.id)
        except service.MatchError as error:
            field = form._fields.get(error.field or "")
            (field.errors if field is not None else form.form_errors).append(error.message)
        else:
            flash(run.note or f"Match run {run.id} made {run.match_count} suggestion(s).",
                  "info" if run.note else "success")
            return redirect(url_for("admin.match_run", run_id=run.id))
    runs = service.runs()
    return render_template("admin/match_runs.html", form=form, runs=runs, creators=service.run_creators(runs))


@bp.route("/match-runs/<int:run_id>")
@role_required(Role.ADMIN)
def match_run(run_id: int):
    """One run's provenance: who, when, version, weights, seed, input hash, counts, duration, note."""
    run = service.get_run(run_id) or abort(404)
    return render_template("admin/match_run.html", run=run, creators=service.run_creators([run]))


@bp.route("/match-runs/<int:run_id>/export.json")
@role_required(Role.ADMIN)
def export_match_run(run_id: int):
    """Download a run's instance and assignment with pseudonymous ids, for `python -m matching check`."""
    data = service.export_run(run_id) or abort(404)
    return Response(json.dumps(data, indent=1, sort_keys=True), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="match-run-{run_id}.json"'})


from . import audit, cycles, reference, users  # noqa: E402,F401  (their views register on bp)
