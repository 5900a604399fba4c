"""The staff placement form as borough staff fill it in, and the placements it leaves (the placement, cycle, admin
and page-cache tests share it)."""

from datetime import date, timedelta

from recruit.extensions import db
from recruit.models import Placement

TODAY = date.today()
START = TODAY + timedelta(days=120)
CLOSING = TODAY + timedelta(days=30)
CREATE_URL = "/staff/placements/new/details?standard=ST0116"


def date_boxes(value: date) -> list[str]:
    """A date as the day, month and year boxes of a GOV.UK date input."""
    return [str(value.day), str(value.month), str(value.year)]


def form_data(**overrides) -> dict:
    """A complete, valid staff form for a Software developer placement; an override of None leaves the answer out."""
    data = {
        "standard": "ST0116",
        "title": "Software developer apprentice (Housing)",
        "description": "Build and improve the housing repairs service.",
        "skills": ["git", "SQL"],
        "skills_text": "Curiosity",
        "wage_amount": "9.50",
        "wage_unit": "hour",
        "hours_per_week": "37",
        "positions": "2",
        "start_date": date_boxes(START),
        "closing_date": date_boxes(CLOSING),
        "workplace_postcode": "E8 1DY",
        "training_provider": "City College London",
        "disability_confident": "y",
        "adjustments_contact": "apprenticeships@hackney.example",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def placements(app) -> list[Placement]:
    """Every placement, oldest first."""
    with app.app_context():
        return list(db.session.scalars(db.select(Placement).order_by(Placement.id)))
