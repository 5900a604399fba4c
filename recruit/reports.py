"""Outreach reports for analysts: London-wide aggregates only, with disclosure control."""

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from .access import borough_scope, report_borough_scope, role_required
from .candidates.forms import OUTREACH_CHANNELS
from .forms import BaseForm
from .models import Role
from .parsing import whole_number
from .services import reports as service

bp = Blueprint("reports", __name__, url_prefix="/reports")
PUBLISHED = ("live", "closed", "filled")
BOROUGH_STAGES = ("suggested", "shortlisted", "interview", "offered", "accepted", "rejected", "withdrawn")


class ReportForm(BaseForm):
    """The report's filters: a GET form (nothing changes, so no CSRF token); the service checks the values."""

    class Meta:
        csrf = False

    cycle = SelectField(
        "Recruitment cycle",
        description="Candidates who chose or were suggested one of its placements. A "
        "closed cycle shows the counts saved when it closed",
        widget=GovSelect(),
        validate_choice=False,
    )
    characteristic = SelectField("Characteristic", widget=GovSelect(), validate_choice=False)
    cross_with = SelectField(
        "Cross with",
        description="Shown only if every group in the crossed table has at least 10 people",
        widget=GovSelect(),
        validate_choice=False,
    )
    stage = SelectField(
        "Stage", description="For the fairness tables and the crossed table", widget=GovSelect(), validate_choice=False
    )
    borough = SelectField(
        "Placement borough",
        description="Counts, at every stage, the candidates who chose a placement in this borough or were suggested one there",
        widget=GovSelect(),
        validate_choice=False,
    )
    round = SelectField("Match round", widget=GovSelect(), validate_choice=False)
    run = SelectField("Match run", widget=GovSelect(), validate_choice=False)

    def set_choices(self, choices: service.FilterChoices) -> None:
        """Fill the drop-downs from the service's lists."""

        def options(first, pairs):
            return ([SelectChoice("", first)] if first else []) + [
                SelectChoice(str(value), label) for value, label in pairs
            ]

        self.cycle.choices = options("Every application still held", choices["cycles"])
        self.characteristic.choices = options(None, choices["characteristics"])
        self.cross_with.choices = options("Do not cross", choices["characteristics"])
        self.stage.choices = options("Every stage", choices["stages"])
        self.borough.choices = options("All of London", choices["boroughs"])
        self.round.choices = options("Any round", [(r, f"Round {r}") for r in choices["rounds"]])
        self.run.choices = options("Any run", choices["runs"])

    def show_errors(self, errors: dict[str, str]) -> None:
        """Put the service's messages on the fields they belong to."""
        for name, message in errors.items():
            self._fields[name].errors = [message]


@bp.route("/")
@role_required(Role.ANALYST, Role.ADMIN, Role.BOROUGH_STAFF)
def index():
    """The diversity funnel, fairness per stage and outreach channels, suppressed; borough staff see their borough's."""
    choices = service.filter_choices()
    scope = report_borough_scope()
    args = request.args.copy()
    if scope:  # borough staff: always their own borough, whatever the address says
        args["borough"] = scope
    form = ReportForm(args)
    form.set_choices(choices)
    if scope:
        del form.borough
    filters, errors = service.parse_filters(args, choices)
    report = None
    if errors:
        form.show_errors(errors)
    else:
        report = service.outreach_report(filters, dict(OUTREACH_CHANNELS))
    from .charts import rate_chart, share_chart

    return render_template(
        "reports/index.html",
        form=form,
        report=report,
        filters=filters,
        share_chart=share_chart,
        rate_chart=rate_chart,
        scope_name=current_user.borough.name if scope else None,
    )


def progress_page(exact_for: str, template: str, **context):
    """Render a cycle's progress (the chosen cycle, else the current one) for a viewer; shared by staff and public pages."""
    from .charts import BAND_COLOURS, NO_BAND, progress_bars, tile_map
    from .services import cycles as cycles_service
    from .services import progress as progress_service

    cycles = cycles_service.list_cycles()
    chosen, error = None, None
    if request.args.get("cycle"):
        cycle_id = whole_number(request.args.get("cycle"))
        chosen = next((c for c in cycles if c.id == cycle_id), None)
        if chosen is None:
            error = "Select a cycle from the list"
    cycle = chosen or (None if error else progress_service.cycle_for_progress(None))
    view = {"cycles": cycles, "cycle": cycle, "error": error, "data": None, **context}
    if cycle is not None:
        data = progress_service.progress(cycle, exact_for)
        bars, bar_height = progress_bars([data.london, *[row for row in data.taking_part]])
        tiles, width, height = tile_map(data.boroughs)
        view.update(
            data=data,
            summary=progress_service.summary_sentences(data),
            bars=bars,
            bar_height=bar_height,
            tiles=tiles,
            map_width=width,
            map_height=height,
            bands=list(BAND_COLOURS.items()),
            no_band=NO_BAND,
            stages=progress_service.PEOPLE_STAGES,
            placement_counts=progress_service.PLACEMENT_COUNTS,
        )
    return render_template(template, **view)


@bp.route("/progress")
@role_required(Role.ADMIN, Role.ANALYST, Role.BOROUGH_STAFF, Role.RECRUITER)
def progress():
    """Progress towards the cycle's targets, London-wide and per borough, as a chart, a table and a map."""
    exact_for = (
        "all" if current_user.role == Role.ADMIN.value else (current_user.borough.slug if current_user.borough else "")
    )
    exact = (
        "Counts of people are exact."
        if exact_for == "all"
        else "Counts of people are exact for your borough; elsewhere, counts under 10 show as <10."
        if exact_for
        else "Counts of people under 10 show as <10."
    )
    return progress_page(
        exact_for, "reports/progress.html", public=False, exact=exact, action=url_for("reports.progress")
    )


@bp.route("/borough")
@role_required(Role.BOROUGH_STAFF, Role.RECRUITER, Role.ADMIN)
def borough():
    """Your borough's published placements with how many candidates are at each stage: counts only, no names."""
    from .services.matching import review_placements, stage_label

    placements = review_placements(borough_scope(), PUBLISHED)
    totals = {stage: sum(counts.get(stage, 0) for _, counts in placements) for stage in BOROUGH_STAGES}
    return render_template(
        "reports/borough.html", placements=placements, totals=totals, stages=BOROUGH_STAGES, stage_label=stage_label
    )
