"""Placement alerts: saved searches whose new matching placements are emailed once a day, with a one-click signed
unsubscribe link that needs no sign-in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from .. import emails
from ..audit import record_event
from ..extensions import db
from ..models import Borough, SavedSearch, Standard, User, utcnow
from ..postcodes import lookup_outward
from .errors import ServiceError as ServiceError  # re-exported: the views catch service.ServiceError
from .placements.listing import ListingQuery, parse_listing_args, search_live

MAX_ALERTS = 20
MAX_PLACEMENTS_IN_EMAIL = 25
ALERT_PARAMETERS = ("borough", "level", "standard", "postcode", "distance", "llw")


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="recruit-alert-unsubscribe")


def unsubscribe_token(alert: SavedSearch) -> str:
    """A signed token naming one alert: whoever holds the email's link can stop that alert, and nothing else."""
    return _serializer().dumps({"alert": alert.id, "user": alert.user_id})


def parse_alert(args: Mapping[str, str]) -> ListingQuery:
    """Check an alert's filters as the listing checks them; at least one is needed."""
    query, errors = parse_listing_args({k: v for k, v in args.items() if k in ALERT_PARAMETERS})
    if not errors and not any((query.borough, query.level is not None, query.standard, query.postcode, query.llw)):
        errors[""] = "Choose at least one thing to look for, like a borough, a level or a postcode"
    if errors:
        raise ServiceError.by_field(errors)
    return query


def create_alert(user: User, args: Mapping[str, str]) -> SavedSearch:
    """Save a search for someone with a confirmed email address."""
    if user.email_confirmed_at is None:
        raise ServiceError.by_field(
            {"": "Confirm your email address first. We sent you a link when you created your account."}
        )
    query = parse_alert(args)
    if (
        db.session.execute(select(func.count(SavedSearch.id)).where(SavedSearch.user_id == user.id)).scalar_one()
        >= MAX_ALERTS
    ):
        raise ServiceError.by_field(
            {"": f"You have {MAX_ALERTS} alerts, the most you can have. Stop one to add another."}
        )
    area = query.postcode.area if query.postcode else None
    alert = SavedSearch(
        user_id=user.id,
        level=query.level,
        llw=query.llw,
        borough_id=db.session.scalar(select(Borough.id).where(Borough.slug == query.borough))
        if query.borough
        else None,
        standard_id=db.session.scalar(select(Standard.id).where(Standard.reference == query.standard))
        if query.standard
        else None,
        outward_postcode=area.outward if area else None,
        lat=area.lat if area else None,
        lon=area.lon if area else None,
        distance_km=int(query.distance) if query.distance else None,
    )
    db.session.add(alert)
    db.session.flush()
    record_event("alert.created", alert)
    db.session.commit()
    return alert


def user_alerts(user: User) -> list[SavedSearch]:
    """Someone's alerts, oldest first."""
    return list(
        db.session.scalars(
            select(SavedSearch)
            .where(SavedSearch.user_id == user.id)
            .options(joinedload(SavedSearch.borough), joinedload(SavedSearch.standard))
            .order_by(SavedSearch.id)
        )
    )


def delete_alert(user: User, alert_id: int) -> bool:
    """Stop one of the user's own alerts; False if they have no such alert."""
    alert = db.session.scalar(select(SavedSearch).where(SavedSearch.id == alert_id, SavedSearch.user_id == user.id))
    if alert is None:
        return False
    record_event("alert.deleted", alert)
    db.session.delete(alert)
    db.session.commit()
    return True


def unsubscribe(token: str) -> bool:
    """Stop the alert a signed link names; True if the link is genuine (even if the alert had already stopped)."""
    try:
        payload = _serializer().loads(token)
    except BadSignature:
        return False
    if not isinstance(payload, dict):
        return False
    alert = db.session.scalar(
        select(SavedSearch).where(SavedSearch.id == payload.get("alert"), SavedSearch.user_id == payload.get("user"))
    )
    if alert is not None:
        record_event("alert.unsubscribed", alert, actor_id=alert.user_id)
        db.session.delete(alert)
        db.session.commit()
    return True


def query_of(alert: SavedSearch) -> ListingQuery:
    """The listing query an alert stands for."""
    from ..postcodes import ParsedPostcode

    postcode = None
    if alert.outward_postcode:
        area = lookup_outward(alert.outward_postcode)
        postcode = ParsedPostcode(alert.outward_postcode, alert.outward_postcode, None, area) if area else None
    return ListingQuery(
        borough=alert.borough.slug if alert.borough else None,
        level=alert.level,
        standard=alert.standard.reference if alert.standard else None,
        llw=alert.llw,
        postcode=postcode,
        distance=float(alert.distance_km) if alert.distance_km else None,
        per_page=MAX_PLACEMENTS_IN_EMAIL,
    )


def describe_alert(alert: SavedSearch) -> str:
    """An alert in words: "Level 3 in Hackney, within 5 km of E8, paying the London Living Wage"."""
    parts = []
    if alert.standard:
        parts.append(f"{alert.standard.title} (level {alert.standard.level})")
    elif alert.level is not None:
        parts.append(f"Level {alert.level} placements")
    else:
        parts.append("Placements")
    if alert.borough:
        parts.append(f"in {alert.borough.name}")
    if alert.outward_postcode:
        parts.append(
            f"within {alert.distance_km} km of {alert.outward_postcode}"
            if alert.distance_km
            else f"near {alert.outward_postcode}"
        )
    if alert.llw:
        parts.append("paying the London Living Wage")
    return " ".join(parts)


@dataclass
class SendReport:
    alerts: int = 0
    emails: int = 0


def send_alerts() -> SendReport:
    """Email each alert's owner the placements published since it was last checked (run once a day)."""
    report = SendReport()
    alerts = db.session.scalars(
        select(SavedSearch)
        .join(User, User.id == SavedSearch.user_id)
        .where(User.active.is_(True), User.email_confirmed_at.is_not(None))
        .options(joinedload(SavedSearch.user), joinedload(SavedSearch.borough), joinedload(SavedSearch.standard))
        .order_by(SavedSearch.id)
    ).all()
    for alert in alerts:
        now = utcnow()
        results = search_live(query_of(alert), published_after=alert.checked_at)
        report.alerts += 1
        if results.total:
            emails.email_placement_alert(alert.user.email, describe_alert(alert), results, unsubscribe_token(alert))
            report.emails += 1
        alert.checked_at = now
        db.session.commit()  # one alert at a time: a crash part-way never sends an alert's email twice
    return report
