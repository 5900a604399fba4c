"""The public listing and placement pages: filters, sorting, distance, pagination, and what is never shown."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from recruit.extensions import db as _db
from recruit.models import Borough, Standard, Vacancy

TODAY = date.today()


def make_vacancy(app, borough="hackney", standard="ST0116", outward="E8", status="live", **fields):
    """Insert a placement directly (the staff journey is tested in test_staff.py); returns its id."""
    from recruit.postcodes import lookup_outward

    area = lookup_outward(outward)
    with app.app_context():
        values = dict(
            title="Software developer apprentice", description="Build services for residents.", skills=["git"],
            skills_text="", wage_amount=Decimal("10.00"), wage_unit="hour", hourly_wage=Decimal("10.00"),
            hours_per_week=37, positions=1, start_date=TODAY + timedelta(days=90), closing_date=TODAY + timedelta(days=30),
            workplace_outward=area.outward, lat=area.lat, lon=area.lon, training_provider="City College",
            adjustments_contact="jobs@hackney.example", status=status,
        )
        values.update(fields)
        vacancy = Vacancy(borough=_db.session.scalar(_db.select(Borough).where(Borough.slug == borough)),
                          standard=_db.session.scalar(_db.select(Standard).where(Standard.reference == standard)), **values)
        _db.session.add(vacancy)
        _db.session.commit()
        return vacancy.id


def test_listing_shows_live_placements_with_borough_wage_hours_and_closing_date(app, client):
    make_vacancy(app, title="Cloud apprentice")
    html = client.get("/placements/").get_data(as_text=True)
    assert "Cloud apprentice" in html
    assert "Hackney" in html and "£10.00 an hour" in html and "37 a week" in html
    assert (TODAY + timedelta(days=30)).strftime("%B %Y") in html
