"""Reference data shipped with the project: the London boroughs and the apprenticeship standards."""

import csv
import json
from functools import cache
from pathlib import Path

from sqlalchemy import select

from .extensions import db
from .models import Borough, Standard

DATA_DIR = Path(__file__).parent / "data"

# One plain-English line per standard, for candidates choosing what interests them.
STANDARD_SUMMARIES = {
    "ST0116": "Design, write and test software that people use every day.",
    "ST0128": "Help build and test software, websites and apps as part of a team.",
    "ST0118": "Turn data into charts, dashboards and reports that help people decide.",
    "ST0795": "Collect, check and tidy data so it can be trusted and used.",
    "ST0505": "Set up and fix computers, software and networks for the people who use them.",
    "ST0120": "Help colleagues and residents get the most from everyday digital tools.",
    "ST0973": "Keep an organisation's IT and phone systems running and solve problems.",
    "ST0127": "Build and look after the networks that connect computers and people.",
    "ST1021": "Protect systems and data from attack, and plan for what to do if one happens.",
    "ST0865": "Watch for security threats and keep systems patched and safe.",
    "ST0122": "Plan and run online campaigns, social media and content that reach people.",
    "ST0117": "Find out what people need and help shape how services and systems change.",
    "ST0825": "Automate how software is built, tested and run in the cloud.",
    "ST1386": "Build the pipelines that move and store data safely and reliably.",
    "ST0129": "Test software to find problems before the people who use it do.",
    "ST1512": "Use automation and AI tools to improve how work gets done, responsibly.",
    "ST0119": "Earn a degree while working across software, data, security and networks.",
}


def read_csv(name: str) -> list[dict]:
    """Rows of a CSV file in recruit/data."""
    with open(DATA_DIR / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@cache
def equality_questions() -> list[dict]:
    """The equality monitoring questions, worded as in the shared data."""
    return json.loads((DATA_DIR / "equality_monitoring.json").read_text(encoding="utf-8"))["questions"]


def seed_reference(reset: bool = False) -> dict:
    """Insert the boroughs and standards that are missing; safe to run again.

    Standards admins have edited keep their edits unless `reset`, which also puts every borough's admin-set
    details back and removes standards admins added (tests use it)."""
    boroughs = {b.ons_code: b for b in db.session.scalars(select(Borough))}
    for row in read_csv("london_boroughs.csv"):
        borough = boroughs.get(row["ons_code"]) or Borough(ons_code=row["ons_code"])
        borough.name, borough.slug = row["name"], row["slug"]
        borough.lat, borough.lon = float(row["lat"]), float(row["lon"])
        if reset:
            borough.taking_part, borough.contact_email, borough.contact_phone = True, "", ""
        db.session.add(borough)
    standards = {s.reference: s for s in db.session.scalars(select(Standard))}
    shipped = read_csv("apprenticeship_standards.csv")
    if reset:
        for extra in set(standards) - {row["reference"] for row in shipped}:
            db.session.delete(standards.pop(extra))
    for row in shipped:
        if row["reference"] in standards and not reset:
            continue
        standard = standards.get(row["reference"]) or Standard(reference=row["reference"])
        standard.title, standard.level = row["title"], int(row["level"])
        standard.duration_months = int(row["typical_duration_months"])
        standard.keywords = [k.strip() for k in row["keywords"].split(";") if k.strip()]
        standard.summary = STANDARD_SUMMARIES.get(row["reference"], "")
        db.session.add(standard)
    db.session.commit()
    return {
        "boroughs": db.session.scalar(select(db.func.count(Borough.id))),
        "standards": db.session.scalar(select(db.func.count(Standard.id))),
    }
