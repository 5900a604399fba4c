"""The candidate's answers as plain-English rows, for "Check your answers" and "Your data"."""

from typing import Any

from flask import url_for

from ..services.candidates import application as service
from ..services.candidates.skills import statements
from .forms import ENGLISH_MATHS, OUTREACH_CHANNELS, QUALIFICATION_LEVELS

LEVELS = dict(QUALIFICATION_LEVELS)


def return_query(page: str | None) -> dict[str, Any]:
    """The query that brings the candidate back to `page` after a change (`return` is a Python keyword)."""
    return {"return": page} if page else {}


def _date(value) -> str:
    return f"{value.day} {value:%B %Y}" if value else "Not given"


def _rows(candidate, key: str) -> list[tuple[str, list[str], str | None]]:
    """(question, answer lines, change link anchor) for one section; "" links to the section's page itself, None to nothing."""
    c = candidate
    if key == "about-you":
        return [
            ("Name", [" ".join(filter(None, [c.first_name, c.last_name])) or "Not given"], "first_name"),
            ("Preferred name", [c.preferred_name or "Not given"], "preferred_name"),
            ("Email address", [c.user.email], None),
            ("Phone number", [c.phone or "Not given"], "phone"),
            ("Date of birth", [_date(c.date_of_birth)], "date_of_birth-day"),
        ]
    if key == "where-you-live":
        borough = (
            c.home_borough.name if c.home_borough else ("Outside London" if c.lives_outside_london else "Not confirmed")
        )
        return [
            ("Postcode area", [c.outward_postcode or "Not given"], "postcode"),
            ("Home borough", [borough], "borough"),
            ("How far you can travel", [f"{c.travel_km} km" if c.travel_km else "Not given"], "travel_km"),
        ]
    if key == "when-you-can-work":
        return [
            ("Hours a week", [f"{c.hours_per_week} hours" if c.hours_per_week else "Not given"], "hours_per_week"),
            ("Earliest start date", [_date(c.available_from)], "available_from-day"),
        ]
    if key == "skills":
        said = {s.id: s.text for s in statements()}
        return [
            (
                "Things you have done or enjoy",
                [said[i] for i in (c.statements or []) if i in said] or ["None selected"],
                "",
            ),
            ("Technical skills", [", ".join(c.skills) if c.skills else "None selected"], ""),
            ("Something you have made, fixed or learned", [c.skills_text or "Not given"], "skills_text"),
        ]
    if key == "interests":
        titles = {s.reference: f"{s.title} (level {s.level})" for s in service.standards()}
        return [
            (
                "Jobs that interest you",
                [titles.get(ref, ref) for ref in c.interests] or ["No jobs selected"],
                "interests",
            )
        ]
    if key == "qualifications":
        q = c.qualifications or {}
        digital = {
            "yes": "Yes" + (f": {LEVELS.get(str(q.get('digital_level')), '')}" if q.get("digital_level") else ""),
            "no": "No",
        }.get(str(q.get("digital")), "Not given")
        return [
            ("Highest qualification", [LEVELS.get(str(q.get("highest_level")), "Not given")], "highest_level"),
            ("English and maths", [dict(ENGLISH_MATHS).get(str(q.get("english_maths")), "Not given")], "english_maths"),
            ("Digital qualification", [digital], "digital"),
        ]
    if key == "support":
        adjustments = {None: "Not answered yet", "": "No adjustments needed"}.get(
            c.interview_adjustments, c.interview_adjustments
        )
        return [
            ("Adjustments at interview", [adjustments], "interview_adjustments"),
            ("Guaranteed interview scheme", ["Yes" if c.guaranteed_interview else "No"], "guaranteed_interview"),
        ]
    if key == "how-you-heard":
        return [
            (
                "How you heard about us",
                [dict(OUTREACH_CHANNELS).get(c.outreach_channel, "Not given")],
                "outreach_channel",
            ),
            ("Campaign code", [c.campaign_code or "Not given"], "campaign_code"),
        ]
    if key == "choices":
        chosen = [f"{p.rank}. {p.placement.title}, {p.placement.borough.name}" for p in c.choices]
        return [
            ("Placements you chose", chosen or ["No placements chosen yet"], ""),
            (
                "Consider you for other placements",
                [{True: "Yes", False: "No"}.get(c.consider_other_placements, "Not answered yet")],
                "consider_other",
            ),
        ]
    return []


def sections(candidate, return_to: str | None = "check") -> list[dict]:
    """Every section with its rows and the link to change it (coming back to `return_to`)."""
    result = []
    for section, done in service.task_statuses(candidate):
        if section.key == "choices":
            change = url_for("candidates.choices")
        else:
            change = url_for("candidates.section", key=section.key, **return_query(return_to))
        rows = []
        for label, lines, anchor in _rows(candidate, section.key):
            href = None
            if anchor == "borough":
                href = url_for("candidates.home_borough", **return_query(return_to))
            elif anchor is not None:
                href = f"{change}#{anchor}" if anchor else change
            rows.append({"label": label, "lines": lines, "href": href})
        result.append({"key": section.key, "title": section.title, "complete": done, "rows": rows})
    return result


# What each recorded action means, as the candidate would say it. Actions added later read as the fallback.
ACTIVITY = {
    "account.registered": "You created your account",
    "account.email_confirmed": "You confirmed your email address",
    "account.signed_in": "You signed in",
    "account.reset_requested": "You asked to reset your password",
    "account.password_reset": "You changed your password",
    "candidate.eligibility_checked": "You checked you can apply",
    "application.section_saved": "You saved a section of your application",
    "application.submitted": "You sent your application",
    "application.withdrawn": "You withdrew your application",
    "choice.added": "You added a placement to your choices",
    "choice.removed": "You removed a placement from your choices",
    "choice.moved": "You changed the order of your choices",
    "choice.consider_other": "You told us whether to consider you for other placements",
}
ACTIVITY_FALLBACK = "Your account or application was updated"


def activity(events) -> list[dict]:
    """Each recorded event as a time and a sentence (never the internal action code)."""
    return [{"at": event.at, "text": ACTIVITY.get(event.action, ACTIVITY_FALLBACK)} for event in events]


APPLICATION_STATUS = {"draft": "Not sent yet", "submitted": "Sent", "withdrawn": "Withdrawn"}
