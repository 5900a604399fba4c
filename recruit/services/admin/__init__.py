"""Administration use cases: staff accounts, boroughs, the standards catalogue, retention and the audit log."""

from ..errors import ServiceError
from .audit_log import (
    DATE_EXAMPLES,
    AuditFilters,
    AuditPage,
    audit_choices,
    audit_csv,
    audit_page,
    describe_detail,
    parse_audit_filters,
)
from .catalogue import (
    add_standard,
    borough_by_slug,
    list_boroughs,
    list_standards,
    retention_status,
    standard_by_reference,
    update_borough,
    update_standard,
)
from .users import (
    STAFF_ROLE_LABELS,
    change_user,
    get_staff_user,
    invite_user,
    resend_invitation,
    set_active,
    staff_page,
    user_status,
)

__all__ = [
    "DATE_EXAMPLES",
    "STAFF_ROLE_LABELS",
    "AuditFilters",
    "AuditPage",
    "ServiceError",
    "add_standard",
    "audit_choices",
    "audit_csv",
    "audit_page",
    "borough_by_slug",
    "change_user",
    "describe_detail",
    "get_staff_user",
    "invite_user",
    "list_boroughs",
    "list_standards",
    "parse_audit_filters",
    "resend_invitation",
    "retention_status",
    "set_active",
    "staff_page",
    "standard_by_reference",
    "update_borough",
    "update_standard",
    "user_status",
]
