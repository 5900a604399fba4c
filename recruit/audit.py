"""The audit trail: who did what to which record, when. Ids only, never personal data."""

from flask import has_request_context, request
from flask_login import current_user

from .extensions import db
from .models import AuditEvent


def record_event(action: str, entity, *, actor_id: int | None = None, **detail) -> AuditEvent:
    """Add an audit event to the caller's transaction (the caller commits)."""
    if actor_id is None and current_user and getattr(current_user, "is_authenticated", False):
        actor_id = current_user.id
    event = AuditEvent(
        action=action,
        entity_type=type(entity).__name__,
        entity_id=getattr(entity, "id", None),
        borough_id=getattr(entity, "borough_id", None),
        actor_id=actor_id,
        client_address=(request.remote_addr or "")[:45] or None if has_request_context() else None,
        detail=detail,
    )
    db.session.add(event)
    return event


def record_denial(reason: str) -> None:
    """Record that the signed-in user was refused a staff URL; committed at once, as the request ends in an error."""
    from flask import request

    from .models import User

    user = current_user._get_current_object() if getattr(current_user, "is_authenticated", False) else User()
    record_event(
        "access.denied",
        user,
        actor_id=getattr(user, "id", None),
        reason=reason,
        method=request.method,
        path=request.path[:200],
    )
    db.session.commit()
