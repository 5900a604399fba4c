"""The public listing of live placements: search, filter, sort, and one placement's page."""

from typing import Any

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSelect, GovTextInput
from werkzeug.routing import BuildError
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from .forms import BaseForm
from .models import Role
from .page_cache import shared_page
from .services import placements as service
from .wording import level_text, wage_text

bp = Blueprint("placements", __name__, url_prefix="/placements")


class SearchForm(BaseForm):
    """The listing's filters: a GET form (nothing changes, so no CSRF token); the service checks the values."""

    class Meta:
        csrf = False

    q = StringField("Keywords", description="For example, data or cyber", widget=GovTextInput())
    postcode = StringField(
        "Postcode",
        description="A London postcode, like E8 1DY, or the first part, like E8",
        widget=GovTextInput(),
        render_kw={"autocomplete": "postal-code", "spellcheck": "false"},
    )
    distance = SelectField("Distance from the postcode", widget=GovSelect(), validate_choice=False)
    borough = SelectField("Borough", widget=GovSelect(), validate_choice=False)
    level = SelectField("Level", widget=GovSelect(), validate_choice=False)
    standard = SelectField("Apprenticeship", widget=GovSelect(), validate_choice=False)
    llw = BooleanField(
        "Only show placements that pay the London Living Wage",
        widget=GovCheckboxInput(),
        false_values=("", "no", "false", "0", "off"),
    )
    sort = SelectField("Sort by", widget=GovSelect(), validate_choice=False)

    def set_choices(self, choices: dict) -> None:
        """Fill the drop-downs from the reference data."""
        self.distance.choices = [SelectChoice("", "Any distance")] + [
            SelectChoice(str(km), f"Within {km} km") for km in service.DISTANCES_KM
        ]
        self.borough.choices = [SelectChoice("", "Any borough")] + [
            SelectChoice(slug, name) for slug, name in choices["boroughs"]
        ]
        self.level.choices = [SelectChoice("", "Any level")] + [
            SelectChoice(str(level), f"Level {level}") for level in choices["levels"]
        ]
        self.standard.choices = [SelectChoice("", "Any apprenticeship")] + [
            SelectChoice(ref, label) for ref, label in choices["standards"]
        ]
        if "sort" in self:  # the alert form shares these filters but has no order
            self.sort.choices = [SelectChoice(value, label) for value, label in service.SORTS.items()]


class AddChoiceForm(BaseForm):
    """Only its CSRF token: the candidate adds this placement to their choices."""


def pagination(page: int, pages: int, url_for_page) -> dict | None:
    """Parameters for govukPagination: previous, next, first, last and the pages around the current one."""
    if pages <= 1:
        return None
    shown = {1, pages, page - 1, page, page + 1}
    items: list[dict[str, Any]] = []
    last = 0
    for number in sorted(n for n in shown if 1 <= n <= pages):
        if number - last > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": url_for_page(number), "current": number == page})
        last = number
    params: dict[str, Any] = {"items": items, "landmarkLabel": "Results pages"}
    if page > 1:
        params["previous"] = {"href": url_for_page(min(page - 1, pages))}
    if page < pages:
        params["next"] = {"href": url_for_page(page + 1)}
    return params


@bp.app_template_global()
def endpoint_url(endpoint: str, **values) -> str | None:
    """The URL of an endpoint, or None if this build does not have it (yet)."""
    if endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


@bp.app_template_filter("pays_llw")
def pays_llw(placement) -> bool:
    """Whether a placement pays the configured London Living Wage."""
    return service.pays_london_living_wage(placement.hourly_wage, service.wage_rules())


# The wording helpers as template filters (recruit/wording.py holds them, for services and emails too).
bp.app_template_filter("wage_text")(wage_text)
bp.app_template_filter("level_text")(level_text)


@bp.route("/")
@shared_page
def search():
    """Search and filter live placements."""
    form = SearchForm(request.args)
    form.set_choices(service.filter_choices())
    query, errors = service.parse_listing_args(request.args, default_per_page=current_app.config["PAGE_SIZE"])
    results = None
    if errors:
        form.show_errors(errors)
    else:
        results = service.search_live(query)
    args: dict[str, Any] = {
        key: value for key, value in request.args.items() if key in service.QUERY_PARAMETERS and key != "page" and value
    }

    def page_url(number: int) -> str:
        return url_for("placements.search", **args, page=number)

    pages = pagination(query.page, results.pages, page_url) if results else None
    alert_url = url_for(
        "alerts.new", **{key: value for key, value in args.items() if key not in ("q", "sort", "per_page")}
    )
    return render_template(
        "placements/search.html",
        form=form,
        query=query,
        results=results,
        pages=pages,
        page_url=page_url,
        filtered=bool(args),
        alert_url=alert_url,
    )


@bp.route("/<int:placement_id>")
@shared_page
def detail(placement_id: int):
    """One live placement, with everything a candidate needs to decide."""
    placement = service.get_live(placement_id)
    if placement is None:
        abort(404)
    is_candidate = current_user.is_authenticated and current_user.role == Role.CANDIDATE.value
    # Only a candidate gets the form: its CSRF token would give every visitor a session (and no cached page).
    return render_template(
        "placements/detail.html",
        placement=placement,
        is_candidate=is_candidate,
        choice_form=AddChoiceForm() if is_candidate else None,
    )
