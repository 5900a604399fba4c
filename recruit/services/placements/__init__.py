"""Placements: one validation for the form and CSV, the staff lifecycle, the public listing and bulk files."""

from ...parsing import parse_date
from ...wording import long_date
from ..errors import ServiceError
from .bulk import MAX_ROWS, ImportReport, export_csv, import_csv, template_csv
from .fields import (
    FIELD_NAMES,
    USUAL_MIN_HOURS,
    WageRules,
    pays_london_living_wage,
    validate_placement,
)
from .listing import (
    DISTANCES_KM,
    QUERY_PARAMETERS,
    SORTS,
    ListingQuery,
    Results,
    describe,
    filter_choices,
    get_live,
    parse_listing_args,
    search_live,
)
from .manage import (
    boroughs_by_slug,
    change_status,
    check_values,
    close_expired,
    create_placement,
    duplicate_placement,
    form_values,
    plain_amount,
    staff_page,
    standards_by_reference,
    status_counts,
    update_placement,
    wage_rules,
)

__all__ = [
    "DISTANCES_KM",
    "FIELD_NAMES",
    "MAX_ROWS",
    "QUERY_PARAMETERS",
    "SORTS",
    "USUAL_MIN_HOURS",
    "ServiceError",
    "ImportReport",
    "ListingQuery",
    "Results",
    "WageRules",
    "boroughs_by_slug",
    "change_status",
    "check_values",
    "close_expired",
    "create_placement",
    "describe",
    "duplicate_placement",
    "export_csv",
    "filter_choices",
    "form_values",
    "get_live",
    "import_csv",
    "long_date",
    "parse_date",
    "parse_listing_args",
    "pays_london_living_wage",
    "plain_amount",
    "search_live",
    "standards_by_reference",
    "staff_page",
    "status_counts",
    "template_csv",
    "update_placement",
    "validate_placement",
    "wage_rules",
]
