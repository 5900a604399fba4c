"""Administration: users, boroughs, the standards catalogue, retention, the audit log, cycles and match runs."""

import json

from flask import Blueprint, Response, abort, flash, make_response, redirect, render_template, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from wtforms import StringField
from wtforms.validators import Length, Optional, Regexp

from ..access import require_recent_second_factor, role_required
from ..forms import BaseForm, radios, submit_button
from ..models import Role, RunStatus
from ..services import matching as service
from ..services import tasks as task_service
from ..services.errors import ServiceError

bp = Blueprint("admin", __name__, url_prefix="/admin")

ROUNDS = (
    ("1", "Round 1: suggest candidates to every live placement"),
    ("2", "Round 2: match the candidates left without a suggestion to the places left"),
)


class MatchRunForm(BaseForm):
    round = radios(
        "Which round do you want to run?",
        ROUNDS,
        "Select round 1 or round 2",
        hint="Run round 1 when applications close. Run round 2 once recruiters have turned candidates "
        "down, or when placements still have room.",
    )
    seed = StringField(
        "Tie-break seed (optional)",
        widget=GovTextInput(),
        description="A whole number, like 20250901. Leave it empty for a random one. "
        "The same seed and the same data give the same suggestions.",
        validators=[
            Optional(),
            Regexp(r"^[0-9]+$", message="The seed must be a whole number, like 20250901"),
            Length(max=18, message="The seed must be 18 digits or fewer"),
        ],
        render_kw={"inputmode": "numeric", "spellcheck": "false", "autocomplete": "off"},
    )
    submit = submit_button("Run matching")


class PublishForm(BaseForm):
    submit = submit_button("Publish this run")


PROGRESS_REFRESH_SECONDS = 2


@bp.route("/")
@role_required(Role.ADMIN)
def index():
    """The admin home page."""
    return render_template("admin/index.html")


@bp.route("/match-runs", methods=["GET", "POST"])
@role_required(Role.ADMIN)
@require_recent_second_factor(methods={"POST"})
def match_runs():
    """Every match run, newest first, and the form that starts a new one on a worker."""
    form = MatchRunForm()
    if form.validate_on_submit():
        try:
            run = service.start_run(
                int(form.round.data), int(form.seed.data) if form.seed.data else None, actor_id=current_user.id
            )
        except ServiceError as error:
            form.show_error(error.message, error.field)
        else:
            return redirect(url_for("admin.match_run", run_id=run.id))
    runs = service.runs()
    return render_template("admin/match_runs.html", form=form, runs=runs, creators=service.run_creators(runs))


@bp.route("/match-runs/<int:run_id>")
@role_required(Role.ADMIN)
def match_run(run_id: int):
    """One run: its progress while a worker computes it, then its preview (or what was published), with provenance."""
    run = service.get_run(run_id) or abort(404)
    running = run.status == RunStatus.RUNNING.value
    response = make_response(
        render_template(
            "admin/match_run.html",
            run=run,
            creators=service.run_creators([run]),
            running=running,
            refresh_seconds=PROGRESS_REFRESH_SECONDS,
            preview=service.preview_summary(run) if not running else None,
            refusal=service.publish_refusal(run) if run.status == RunStatus.PREVIEW.value else None,
            rates=service.outcomes.selection_rates(run.id),
        )
    )
    if running:
        # An HTTP Refresh header reloads the page with or without JavaScript (and, unlike a meta refresh, leaves
        # the page itself free of a timed change that assistive technology would announce).
        response.headers["Refresh"] = str(PROGRESS_REFRESH_SECONDS)
    return response


@bp.route("/match-runs/<int:run_id>/publish", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def publish_match_run(run_id: int):
    """Confirm, then publish a preview: recruiters and candidates see its suggestions, and candidates are emailed."""
    run = service.get_run(run_id) or abort(404)
    form = PublishForm()
    if form.validate_on_submit():
        try:
            run, published_now = service.publish_run(run_id, current_user.id)
        except ServiceError as error:
            form.show_error(error.message)
        else:
            flash(
                f"Run {run.id} is published: recruiters can see its {run.suggestion_count} suggestion(s), and we are "
                "emailing each candidate suggested."
                if published_now
                else f"Run {run.id} was already published.",
                "success",
            )
            return redirect(url_for("admin.match_run", run_id=run.id))
    elif run.status == RunStatus.PUBLISHED.value:
        flash(f"Run {run.id} was already published.", "info")
        return redirect(url_for("admin.match_run", run_id=run.id))
    return render_template("admin/publish.html", run=run, form=form, refusal=service.publish_refusal(run))


@bp.route("/tasks")
@role_required(Role.ADMIN)
def tasks():
    """Background tasks that failed after every retry, with their errors, newest first."""
    return render_template("admin/tasks.html", failures=task_service.failures())


@bp.route("/match-runs/<int:run_id>/export.json")
@role_required(Role.ADMIN)
@require_recent_second_factor()
def export_match_run(run_id: int):
    """Download a run's instance and assignment with pseudonymous ids, for `python -m matching check`."""
    data = service.export_run(run_id) or abort(404)
    return Response(
        json.dumps(data, indent=1, sort_keys=True),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="match-run-{run_id}.json"'},
    )


from . import audit, cycles, reference, users  # noqa: E402,F401  (their views register on bp)
