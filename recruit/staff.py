"""Borough staff: post and manage their own borough's placements, one by one or from a CSV file."""

from datetime import date

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxInput,
    GovFileInput,
    GovSelect,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, HiddenField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from .access import borough_scope, get_in_borough_or_404, require_recent_second_factor, role_required
from .forms import BaseForm, DayMonthYearField, GovCheckboxes, GovRadios, page_number, submit_button
from .models import Placement, Role
from .placements import pagination
from .services import placements as service
from .services.errors import ServiceError

bp = Blueprint("staff", __name__, url_prefix="/staff")
STAFF = (Role.BOROUGH_STAFF, Role.ADMIN)


class PlacementForm(BaseForm):
    borough = SelectField("Borough", widget=GovSelect(), validate_choice=False)
    title = StringField(
        "Title", description="For example, Data analyst apprentice (Housing team)", widget=GovTextInput()
    )
    standard = HiddenField()
    description = TextAreaField(
        "What you will do",
        description="The team, the work and what the apprentice will learn",
        widget=GovCharacterCount(),
    )
    skills = SelectMultipleField(
        "Skills wanted", description="Select all that apply", widget=GovCheckboxes(), validate_choice=False
    )
    skills_text = TextAreaField(
        "Other skills (optional)", description="Anything not in the list, in your own words", widget=GovTextArea()
    )
    wage_amount = StringField("Wage", widget=GovTextInput(), render_kw={"inputmode": "decimal", "spellcheck": "false"})
    wage_unit = RadioField(
        "Is the wage per hour or per year?",
        widget=GovRadios(),
        validate_choice=False,
        choices=[SelectChoice("hour", "Per hour"), SelectChoice("year", "Per year")],
    )
    hours_per_week = StringField(
        "Hours per week",
        description="From 16 to 40. Most apprenticeships are 30 hours a week or more.",
        widget=GovTextInput(),
        render_kw={"inputmode": "numeric"},
    )
    positions = StringField(
        "Number of positions", description="From 1 to 50", widget=GovTextInput(), render_kw={"inputmode": "numeric"}
    )
    start_date = DayMonthYearField("Start date", description="For example, 1 9 2026")
    closing_date = DayMonthYearField(
        "Closing date for applications", description="Must be after today and before the start date"
    )
    workplace_postcode = StringField(
        "Workplace postcode",
        description="In London. We only show the first part, like E8",
        widget=GovTextInput(),
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    training_provider = StringField(
        "Training provider", description="The college or provider that delivers the training", widget=GovTextInput()
    )
    disability_confident = BooleanField("This employer is a Disability Confident employer", widget=GovCheckboxInput())
    resident_priority = BooleanField(
        "Give priority to residents of this borough",
        widget=GovCheckboxInput(),
        description="Candidates who live in the borough are considered first, then "
        "everyone else, each in order of score",
    )
    adjustments_contact = StringField(
        "Interview adjustments contact",
        description="An email address or phone number candidates can use to ask for adjustments",
        widget=GovTextInput(),
    )
    submit = submit_button("Save draft")

    def raw_answers(self) -> dict:
        """The answers as the shared validation reads them."""
        return {name: self[name].data for name in service.FIELD_NAMES}


class StandardForm(BaseForm):
    standard = RadioField(
        "Which apprenticeship standard is this placement for?", widget=GovRadios(), validate_choice=False
    )
    submit = submit_button("Continue")


class ActionForm(BaseForm):
    """Only a CSRF token, for the publish, close, fill and duplicate buttons."""


class ImportForm(BaseForm):
    file = FileField(
        "Upload a CSV file",
        widget=GovFileInput(),
        validators=[FileRequired("Select a CSV file")],
        description=f"Up to {service.MAX_ROWS:,} placements in one file, saved as CSV UTF-8",
    )
    submit = submit_button("Import placements")


def _placement_form(standard, placement: Placement | None = None, **kwargs) -> PlacementForm:
    # Saved answers fill the form only when it is first shown: a posted form shows exactly what was sent.
    data = (
        {}
        if request.method != "GET"
        else service.form_values(placement)
        if placement is not None
        else {"positions": "1"}
    )
    form = PlacementForm(data={**data, "standard": standard.reference}, **kwargs)
    form.skills.choices = [SelectChoice(keyword) for keyword in standard.keywords]
    if current_user.role == Role.ADMIN.value and placement is None:  # a placement never moves between boroughs
        form.borough.choices = [SelectChoice("", "Choose a borough")] + [
            SelectChoice(slug, borough.name) for slug, borough in service.boroughs_by_slug().items()
        ]
    else:
        del form.borough
    return form


def _render_form(form: PlacementForm, standard, placement: Placement | None, change_standard: str) -> str:
    rules = service.wage_rules()
    minimum = f"£{rules.minimum_hourly:,.2f} an hour from {service.long_date(rules.minimum_from)}"
    return render_template(
        "staff/form.html",
        form=form,
        standard=standard,
        placement=placement,
        change_standard=change_standard,
        minimum_wage_text=minimum,
    )


def _chosen_standard(reference: str | None, fallback=None):
    return service.standards_by_reference().get((reference or "").upper(), fallback)


def _standard_form() -> StandardForm:
    form = StandardForm()
    form.standard.choices = [
        SelectChoice(ref, f"{s.title} (level {s.level})") for ref, s in service.standards_by_reference().items()
    ]
    return form


@bp.route("/")
@role_required(*STAFF)
def index():
    """The borough's placements, with their status."""
    page = page_number(request.args.get("page"))
    per_page = current_app.config["PAGE_SIZE"]
    scope = borough_scope()
    placements, total = service.staff_page(page, per_page, scope)
    pages = max(1, -(-total // per_page))
    return render_template(
        "staff/index.html",
        placements=placements,
        total=total,
        today=date.today(),
        counts=service.status_counts(scope),
        page=page,
        pages=pagination(page, pages, lambda n: url_for("staff.index", page=n)),
    )


@bp.route("/placements/new", methods=["GET", "POST"])
@role_required(*STAFF)
def new():
    """Step 1 of a new placement: choose its apprenticeship standard."""
    form = _standard_form()
    if form.validate_on_submit():
        if _chosen_standard(form.standard.data):
            return redirect(url_for("staff.create", standard=form.standard.data))
        form.standard.errors = ["Select the apprenticeship standard"]
    return render_template("staff/standard.html", form=form, back=url_for("staff.index"))


@bp.route("/placements/new/details", methods=["GET", "POST"])
@role_required(*STAFF)
def create():
    """Step 2 of a new placement: its details, saved as a draft."""
    standard = _chosen_standard(request.values.get("standard"))
    if standard is None:
        return redirect(url_for("staff.new"))
    form = _placement_form(standard)
    if form.validate_on_submit():
        try:
            placement = service.create_placement(
                form.raw_answers(), current_user.id, borough_scope(), form.borough.data if "borough" in form else None
            )
        except ServiceError as error:
            form.show_errors(error.errors)
        else:
            flash("Draft saved. Check it, then publish it when it is ready.", "success")
            return redirect(url_for("staff.preview", placement_id=placement.id))
    return _render_form(form, standard, None, url_for("staff.new"))


@bp.route("/placements/<int:placement_id>")
@role_required(*STAFF)
def preview(placement_id: int):
    """See a placement as candidates will, with what can be done to it next."""
    placement = get_in_borough_or_404(Placement, placement_id)
    return render_template("staff/preview.html", placement=placement, action_form=ActionForm(), today=date.today())


@bp.route("/placements/<int:placement_id>/edit", methods=["GET", "POST"])
@role_required(*STAFF)
def edit(placement_id: int):
    """Change a draft or live placement."""
    placement = get_in_borough_or_404(Placement, placement_id)
    if placement.status not in ("draft", "live"):
        flash(f"You cannot change a {placement.status} placement. Duplicate it to post it again.", "error")
        return redirect(url_for("staff.preview", placement_id=placement.id))
    standard = _chosen_standard(request.values.get("standard"), placement.standard)
    form = _placement_form(standard, placement)
    form.submit.label.text = "Save changes"
    if form.validate_on_submit():
        try:
            service.update_placement(placement, form.raw_answers())
        except ServiceError as error:
            form.show_errors(error.errors)
        else:
            flash("Changes saved", "success")
            return redirect(url_for("staff.preview", placement_id=placement.id))
    return _render_form(form, standard, placement, url_for("staff.change_standard", placement_id=placement.id))


@bp.route("/placements/<int:placement_id>/standard", methods=["GET", "POST"])
@role_required(*STAFF)
def change_standard(placement_id: int):
    """Choose a different standard for a placement; nothing is saved until the details are."""
    placement = get_in_borough_or_404(Placement, placement_id)
    form = _standard_form()
    if request.method == "GET":
        form.standard.data = placement.standard.reference
    if form.validate_on_submit():
        if _chosen_standard(form.standard.data):
            return redirect(url_for("staff.edit", placement_id=placement.id, standard=form.standard.data))
        form.standard.errors = ["Select the apprenticeship standard"]
    return render_template("staff/standard.html", form=form, back=url_for("staff.edit", placement_id=placement.id))


@bp.route("/placements/<int:placement_id>/<any(publish, close, fill):action>", methods=["POST"])
@role_required(*STAFF)
def change_status(placement_id: int, action: str):
    """Publish, close or mark a placement filled."""
    placement = get_in_borough_or_404(Placement, placement_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        service.change_status(placement, action)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(
            {
                "publish": "Placement published. Candidates can now find it.",
                "close": "Placement closed",
                "fill": "Placement marked as filled",
            }[action],
            "success",
        )
    return redirect(url_for("staff.preview", placement_id=placement.id))


@bp.route("/placements/<int:placement_id>/duplicate", methods=["POST"])
@role_required(*STAFF)
def duplicate(placement_id: int):
    """Copy a placement into a new draft."""
    placement = get_in_borough_or_404(Placement, placement_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    copy = service.duplicate_placement(placement, current_user.id)
    flash("Copy saved as a draft. Check the dates, then save it.", "success")
    return redirect(url_for("staff.edit", placement_id=copy.id))


@bp.route("/placements.csv")
@role_required(*STAFF)
@require_recent_second_factor()
def export():
    """Download the borough's placements as a CSV file."""
    name = current_user.borough.slug if current_user.borough else "all-boroughs"
    return _csv_response(
        service.export_csv(current_user._get_current_object(), borough_scope()),
        f"placements-{name}-{date.today().isoformat()}.csv",
    )


@bp.route("/placements/import-template.csv")
@role_required(*STAFF)
def import_template():
    """Download an empty import file with the column headings."""
    return _csv_response(service.template_csv(), "placements-template.csv")


def _csv_response(text: str, filename: str) -> Response:
    # A byte order mark lets Excel open the UTF-8 file with the right characters.
    return Response(
        "\ufeff" + text, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@bp.route("/placements/import", methods=["GET", "POST"])
@role_required(*STAFF)
def import_csv():
    """Import placements from a CSV file, as drafts; any bad row means none are imported."""
    form, report = ImportForm(), None
    if form.validate_on_submit():
        try:
            report = service.import_csv(form.file.data.read(), current_user.id, borough_scope())
        except ServiceError as error:
            form.file.errors = [error.message]
        else:
            if not report.errors:
                flash(import_summary(report), "success")
                return redirect(url_for("staff.index"))
            rows = len({e.row for e in report.errors})
            form.file.errors = [
                f"{len(report.errors):,} problem{'s' if len(report.errors) != 1 else ''} in "
                f"{rows:,} row{'s' if rows != 1 else ''}. Nothing was changed. Fix the file and upload it again."
            ]
    return render_template(
        "staff/import.html",
        form=form,
        report=report,
        max_rows=service.MAX_ROWS,
        columns=service.FIELD_NAMES,
        example_date=date(date.today().year + 1, 9, 1).isoformat(),
    )


def _placements(count: int) -> str:
    return f"{count:,} placement{'s' if count != 1 else ''}"


def import_summary(report) -> str:
    """What an import did, in one sentence."""
    parts = [f"{_placements(report.updated)} updated"] if report.updated else []
    parts += (
        [f"{_placements(report.imported)} added as {'drafts' if report.imported != 1 else 'a draft'}"]
        if report.imported
        else []
    )
    parts += [f"{_placements(report.unchanged)} unchanged"] if report.unchanged else []
    return ", ".join(parts) if parts else "Nothing was changed"
