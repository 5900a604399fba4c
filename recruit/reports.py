"""Outreach reports for analysts: London-wide aggregates only, with disclosure control."""

from flask import Blueprint, render_template, request
from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from .access import role_required
from .candidates.forms import OUTREACH_CHANNELS
from .forms import BaseForm
from .models import Role
from .services import reports as service

bp = Blueprint("reports", __name__, url_prefix="/reports")


class ReportForm(BaseForm):
    """The report's filters: a GET form (nothing changes, so no CSRF token); the service checks the values."""

    class Meta:
        csrf = False

    cycle = SelectField("Recruitment cycle", description="A closed cycle shows the counts saved when it closed",
                        widget=GovSelect(), validate_choice=False)
    characteristic = SelectField("Characteristic", widget=GovSelect(), validate_choice=False)
    cross_with = SelectField("Cross with", description="Shown only if every group in the crossed table has at least 10 people",
                             widget=GovSelect(), validate_choice=False)
    stage = SelectField("Stage", description="For the fairness tables and the crossed table", widget=GovSelect(),
                        validate_choice=False)
    borough = SelectField("Placement borough", description="Counts, at every stage, the candidates who chose a placement in this borough or were suggested one there",
                          widget=GovSelect(), validate_choice=False)
    round = SelectField("Match round", widget=GovSelect(), validate_choice=False)
    run = SelectField("Match run", widget=GovSelect(), validate_choice=False)

    def set_choices(self, choices: dict) -> None:
        """Fill the drop-downs from the service's lists."""
        def options(first, pairs):
            return ([SelectChoice("", first)] if first else []) + [SelectChoice(str(value), label) for value, label in pairs]

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
@role_required(Role.ANALYST, Role.ADMIN)
def index():
    """The diversity funnel, fairness per stage and outreach channels, London-wide and suppressed."""
    choices = service.filter_choices()
    form = ReportForm(request.args)
    form.set_choices(choices)
    filters, errors = service.parse_filters(request.args, choices)
    report = None
    if errors:
        form.show_errors(errors)
    else:
        report = service.outreach_report(filters, dict(OUTREACH_CHANNELS))
    return render_template("reports/index.html", form=form, report=report, filters=filters)
