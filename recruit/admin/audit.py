"""Admin: the audit log, filtered, paginated and downloadable as CSV."""

from datetime import date
from typing import Any

from flask import Response, redirect, render_template, request, url_for
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovTextInput
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice

from ..access import role_required
from ..forms import BaseForm, page_number
from ..models import Role
from ..placements import pagination
from ..services import admin as service
from . import bp

PER_PAGE = 50
FILTERS = ("who", "action", "entity_type", "entity_id", "date_from", "date_to")


class AuditFilterForm(BaseForm):
    """A GET form (nothing changes, so no CSRF token); the service checks the values."""

    class Meta:
        csrf = False

    who = StringField(
        "Who", description="Part of their email address", widget=GovTextInput(), render_kw={"spellcheck": "false"}
    )
    action = SelectField("What", widget=GovSelect(), validate_choice=False)
    entity_type = SelectField("Record type", widget=GovSelect(), validate_choice=False)
    entity_id = StringField("Record number", widget=GovTextInput(), render_kw={"inputmode": "numeric"})
    date_from = StringField(
        "From", description=f"For example, {service.DATE_EXAMPLES['date_from']}", widget=GovTextInput()
    )
    date_to = StringField("To", description=f"For example, {service.DATE_EXAMPLES['date_to']}", widget=GovTextInput())


@bp.route("/audit")
@role_required(Role.ADMIN)
def audit():
    """Who did what to which record, when: filtered and paginated, newest first."""
    filters, errors = service.parse_audit_filters(request.args)
    page = page_number(request.args.get("page"))
    result = service.audit_page(filters, page, PER_PAGE) if not errors else None
    form = AuditFilterForm(request.args)
    actions, types = service.audit_choices()
    form.action.choices = [SelectChoice("", "Any action")] + [SelectChoice(a, a) for a in actions]
    form.entity_type.choices = [SelectChoice("", "Any record type")] + [SelectChoice(t, t) for t in types]
    form.show_errors(errors)
    args: dict[str, Any] = {key: value for key in FILTERS if (value := request.args.get(key, "").strip())}
    pages = None
    if result:
        pages = pagination(page, max(1, -(-result.total // PER_PAGE)), lambda n: url_for("admin.audit", **args, page=n))
    return render_template(
        "admin/audit.html",
        form=form,
        result=result,
        pages=pages,
        describe=service.describe_detail,
        csv_url=url_for("admin.audit_csv", **args),
    )


@bp.route("/audit.csv")
@role_required(Role.ADMIN)
def audit_csv():
    """The filtered audit log as a CSV file (formula-like cells written as text)."""
    filters, errors = service.parse_audit_filters(request.args)
    if errors:  # the page shows what is wrong with the filters
        as_given: dict[str, Any] = {key: request.args.get(key, "") for key in FILTERS}
        return redirect(url_for("admin.audit", **as_given))
    text = service.audit_csv(filters)
    return Response(
        "\ufeff" + text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="audit-log-{date.today().isoformat()}.csv"'},
    )
