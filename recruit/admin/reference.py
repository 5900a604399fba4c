"""Admin: which boroughs take part and their contact details, the standards catalogue, retention."""

from flask import abort, flash, redirect, render_template, request, url_for
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovCheckboxInput, GovSelect, GovTextArea, GovTextInput
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Regexp, ValidationError

from ..access import role_required
from ..forms import BaseForm, strip, submit_button, text
from ..models import Role
from ..parsing import whole_number
from ..services import admin as service
from ..services.errors import ServiceError
from . import bp

MAX_TERMS, MAX_TERM_LENGTH = 40, 60


class BoroughForm(BaseForm):
    taking_part = BooleanField(
        "This borough takes part in the programme",
        widget=GovCheckboxInput(),
        description="Boroughs that take part can post placements and are shown on the progress pages.",
    )
    contact_email = text(
        "Contact email address (optional)",
        None,
        254,
        "Email address must be 254 characters or fewer",
        hint="Shown to candidates on this borough's placements.",
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    contact_phone = text(
        "Contact phone number (optional)",
        None,
        30,
        "Phone number must be 30 characters or fewer",
        hint="Shown to candidates on this borough's placements. For example, 020 7946 0000",
        render_kw={"autocomplete": "off", "inputmode": "tel"},
    )
    submit = submit_button("Save changes")

    def validate_contact_email(self, field):
        if field.data:
            Email("Enter an email address in the correct format, like apprenticeships@borough.gov.uk")(self, field)

    def validate_contact_phone(self, field):
        digits = sum(ch.isdigit() for ch in field.data or "")
        if field.data and (not all(ch.isdigit() or ch in " +()-" for ch in field.data) or not 10 <= digits <= 15):
            raise ValidationError("Enter a phone number, like 020 7946 0000")


def _whole(low: int, high: int, message: str):
    def check(form, field):
        number = whole_number(field.data, 3)
        if number is None or not low <= number <= high:
            raise ValidationError(message)

    return check


class StandardForm(BaseForm):
    reference = StringField(
        "Reference",
        description="As on the national list of standards, like ST0116",
        widget=GovTextInput(),
        filters=[strip],
        render_kw={"spellcheck": "false"},
        validators=[
            DataRequired("Enter the standard's reference"),
            Regexp(r"^[Ss][Tt][0-9]{4}$", message="Reference must be like ST0116"),
        ],
    )
    title = text("Title", "Enter the title", 120, "Title must be 120 characters or fewer")
    level = SelectField(
        "Level",
        widget=GovSelect(),
        choices=[SelectChoice(str(n), f"Level {n}") for n in range(2, 8)],
        validate_choice=True,
        invalid_choice_message="Select the level, from 2 to 7",
    )
    duration_months = StringField(
        "Typical length in months",
        widget=GovTextInput(),
        filters=[strip],
        render_kw={"inputmode": "numeric"},
        validators=[
            DataRequired("Enter the typical length in months"),
            _whole(12, 72, "Length must be a whole number of months from 12 to 72"),
        ],
    )
    keywords = TextAreaField(
        "Skills terms",
        widget=GovTextArea(),
        filters=[strip],
        description=f"One a line, like SQL or Customer service. Up to {MAX_TERMS}. Staff tick these "
        "on a placement, and matching compares them with candidates' skills.",
        validators=[DataRequired("Enter at least one skills term")],
    )
    summary = TextAreaField(
        "Plain-English summary",
        widget=GovCharacterCount(),
        filters=[strip],
        description="One sentence candidates read when they choose what interests them.",
        validators=[
            DataRequired("Enter a summary"),
            Length(max=300, message="Summary must be 300 characters or fewer"),
        ],
    )
    submit = submit_button("Save standard")

    def validate_keywords(self, field):
        terms = self.terms()
        if len(terms) > MAX_TERMS:
            raise ValidationError(f"Enter {MAX_TERMS} skills terms or fewer")
        if any(len(term) > MAX_TERM_LENGTH for term in terms):
            raise ValidationError(f"Each skills term must be {MAX_TERM_LENGTH} characters or fewer")

    def terms(self) -> list[str]:
        """The skills terms, one a line, without blanks or repeats."""
        return list(dict.fromkeys(line.strip() for line in (self.keywords.data or "").splitlines() if line.strip()))

    def values(self) -> dict:
        """The standard's values for the service."""
        return {
            "title": self.title.data,
            "level": int(self.level.data),
            "duration_months": int(self.duration_months.data),
            "keywords": self.terms(),
            "summary": self.summary.data,
        }


@bp.route("/boroughs")
@role_required(Role.ADMIN)
def boroughs():
    """The 33 boroughs: which take part and their contact details."""
    return render_template("admin/boroughs.html", boroughs=service.list_boroughs())


@bp.route("/boroughs/<slug>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def borough(slug: str):
    """Change whether a borough takes part and how candidates contact it."""
    found = service.borough_by_slug(slug) or abort(404)
    form = BoroughForm(obj=found if request.method == "GET" else None)
    if form.validate_on_submit():
        service.update_borough(
            found, form.taking_part.data, form.contact_email.data or "", form.contact_phone.data or ""
        )
        flash(f"{found.name} saved", "success")
        return redirect(url_for("admin.boroughs"))
    return render_template("admin/borough.html", borough=found, form=form)


@bp.route("/standards")
@role_required(Role.ADMIN)
def standards():
    """The apprenticeship standards catalogue."""
    return render_template("admin/standards.html", standards=service.list_standards())


@bp.route("/standards/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new_standard():
    """Add a standard to the catalogue."""
    form = StandardForm()
    if form.validate_on_submit():
        try:
            standard = service.add_standard(form.reference.data, form.values())
        except ServiceError as error:
            form.show_error(error.message, error.field)
        else:
            flash(f"{standard.reference} {standard.title} added", "success")
            return redirect(url_for("admin.standards"))
    return render_template("admin/standard.html", form=form, standard=None)


@bp.route("/standards/<reference>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def standard(reference: str):
    """Change a standard's title, level, length, skills terms or summary."""
    found = service.standard_by_reference(reference) or abort(404)
    form = StandardForm(
        data={
            "reference": found.reference,
            "title": found.title,
            "level": str(found.level),
            "duration_months": str(found.duration_months),
            "keywords": "\n".join(found.keywords or []),
            "summary": found.summary,
        }
        if request.method == "GET"
        else None
    )
    del form.reference  # a standard's reference never changes
    if form.validate_on_submit():
        service.update_standard(found, form.values())
        flash(f"{found.reference} {found.title} saved", "success")
        return redirect(url_for("admin.standards"))
    return render_template("admin/standard.html", form=form, standard=found)


@bp.route("/retention")
@role_required(Role.ADMIN)
def retention():
    """The retention period in force and what the daily purge deletes next."""
    return render_template("admin/retention.html", status=service.retention_status())
