"""The application: a task list of sections, each saved on its own, then check your answers and send."""

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from ..forms import options
from ..services.candidates import application as service
from ..services.candidates.skills import statements_by_pathway, taxonomy
from ..services.errors import ServiceError
from . import bp, candidate_view, summary
from .forms import (
    AboutYouForm,
    DeclarationForm,
    HomeBoroughForm,
    HowYouHeardForm,
    InterestsForm,
    QualificationsForm,
    SupportForm,
    WhenYouCanWorkForm,
    WhereYouLiveForm,
    skills_form,
)


def _returning_to_check() -> bool:
    return request.args.get("return") == "check"


def _after_save():
    """Back to the check page if the candidate came from there, else to the task list."""
    return redirect(url_for("candidates.check_answers" if _returning_to_check() else "candidates.task_list"))


def _about_you(candidate):
    return AboutYouForm(obj=candidate)


def _where_you_live(candidate):
    return WhereYouLiveForm(
        data={
            "postcode": candidate.outward_postcode or "",
            "travel_km": str(candidate.travel_km) if candidate.travel_km else "",
        }
    )


def _when_you_can_work(candidate):
    return WhenYouCanWorkForm(
        data={
            "hours_per_week": str(candidate.hours_per_week) if candidate.hours_per_week else "",
            "available_from": candidate.available_from,
        }
    )


def _skills(candidate):
    groups, pathways = taxonomy(), statements_by_pathway()
    chosen = set(candidate.skills or [])
    stated = set(candidate.statements or [])
    data = {f"skills_{g.key}": [s for s in g.skills if s in chosen] for g in groups}
    data.update({f"statements_{key}": [s.id for s in items if s.id in stated] for key, _, items in pathways})
    form = skills_form(groups, pathways)(data={**data, "skills_text": candidate.skills_text or ""})
    form.groups, form.pathways = groups, pathways
    return form


def _interests(candidate):
    form = InterestsForm(data={"interests": list(candidate.interests or [])})
    form.standards = service.standards()
    form.interests.choices = options((s.reference, f"{s.title} (level {s.level})") for s in form.standards)
    return form


def _qualifications(candidate):
    quals = candidate.qualifications or {}
    return QualificationsForm(
        data={
            key: str(quals[key])
            for key in ("highest_level", "english_maths", "digital", "digital_level")
            if key in quals
        }
    )


def _support(candidate):
    chosen = (
        "yes" if candidate.guaranteed_interview else ("no" if candidate.interview_adjustments is not None else None)
    )
    return SupportForm(
        data={"interview_adjustments": candidate.interview_adjustments or "", "guaranteed_interview": chosen}
    )


def _how_you_heard(candidate):
    return HowYouHeardForm(
        data={"outreach_channel": candidate.outreach_channel, "campaign_code": candidate.campaign_code or ""}
    )


SECTION_FORMS = {
    "about-you": _about_you,
    "where-you-live": _where_you_live,
    "when-you-can-work": _when_you_can_work,
    "skills": _skills,
    "interests": _interests,
    "qualifications": _qualifications,
    "support": _support,
    "how-you-heard": _how_you_heard,
}


@bp.route("/candidates/application")
@candidate_view(draft_only=True, eligible_only=True)
def task_list(candidate):
    """The application's sections and whether each is done."""
    statuses = service.task_statuses(candidate)
    return render_template(
        "candidates/task_list.html",
        candidate=candidate,
        statuses=statuses,
        done=sum(1 for _, complete in statuses if complete),
        all_done=all(c for _, c in statuses),
    )


@bp.route("/candidates/application/<key>", methods=["GET", "POST"])
@candidate_view(draft_only=True, eligible_only=True)
def section(candidate, key: str):
    """One section of the application; it is saved as soon as it is valid."""
    this_section = service.section(key)
    if key not in SECTION_FORMS or this_section is None:
        abort(404)
    form = SECTION_FORMS[key](candidate)
    if form.validate_on_submit():
        try:
            service.save_section(candidate, key, form.values())
        except ServiceError as error:
            form.show_error(error.message, error.field)
        else:
            if key == "where-you-live":
                return redirect(
                    url_for(
                        "candidates.home_borough", **summary.return_query("check" if _returning_to_check() else None)
                    )
                )
            flash(f"{this_section.title}: saved", "success")
            return _after_save()
    return render_template(
        f"candidates/sections/{key.replace('-', '_')}.html",
        form=form,
        candidate=candidate,
        section=this_section,
        back=_back_url(),
    )


def _back_url() -> str:
    return url_for("candidates.check_answers" if _returning_to_check() else "candidates.task_list")


@bp.route("/candidates/application/where-you-live/borough", methods=["GET", "POST"])
@candidate_view(draft_only=True, eligible_only=True)
def home_borough(candidate):
    """Confirm the home borough suggested from the postcode, choose another, or say outside London."""
    if not candidate.outward_postcode:
        return redirect(url_for("candidates.section", key="where-you-live"))
    suggested = service.suggested_borough(candidate)
    boroughs = service.all_boroughs()
    current = None
    if candidate.lives_outside_london:
        current = "outside"
    elif candidate.home_borough_id:
        current = "suggested" if suggested and suggested.id == candidate.home_borough_id else "other"
    form = HomeBoroughForm(
        data={"home": current, "other_borough": candidate.home_borough.slug if current == "other" else ""}
    )
    form.home.choices = options(
        ([("suggested", suggested.name)] if suggested else [])
        + [
            ("other", "Another London borough" if suggested else "A London borough"),
            ("outside", "I live outside London"),
        ]
    )
    form.other_borough.choices = options([("", "Choose a borough"), *((b.slug, b.name) for b in boroughs)])
    if form.validate_on_submit():
        chosen = {"suggested": suggested, "other": service.borough_by_slug(form.other_borough.data), "outside": None}[
            form.home.data
        ]
        try:
            service.confirm_home_borough(candidate, chosen)
        except ServiceError as error:
            form.show_error(error.message, error.field)
        else:
            flash("Where you live: saved", "success")
            return _after_save()
    return render_template(
        "candidates/sections/home_borough.html",
        form=form,
        suggested=suggested,
        candidate=candidate,
        back=url_for("candidates.section", key="where-you-live", **dict[str, Any](request.args)),
    )


@bp.route("/candidates/application/check", methods=["GET", "POST"])
@candidate_view(draft_only=True, eligible_only=True)
def check_answers(candidate):
    """Check your answers, make the declaration and send the application."""
    form = DeclarationForm()
    problems = []
    if form.validate_on_submit():
        try:
            service.submit(candidate)
        except service.SubmissionBlockedError as error:
            problems = error.problems
        except ServiceError as error:
            problems = [(error.message, "main-content")]
        else:
            return redirect(url_for("candidates.application_sent"))
    elif request.method == "POST":
        problems = (
            [(form.declaration.errors[0], "declaration")]
            if form.declaration.errors
            else [("Something went wrong. Try again.", "main-content")]
        )
    if request.method == "GET":
        problems = [p for p in service.submission_problems(candidate)]
    return render_template(
        "candidates/check_answers.html",
        declaration_form=form,
        candidate=candidate,
        sections=summary.sections(candidate),
        problems=problems,
        show_errors=request.method == "POST",
    )


@bp.route("/candidates/application/sent")
@candidate_view()
def application_sent(candidate):
    """The confirmation page: the application has arrived, and what happens next."""
    if candidate.submitted_at is None:
        return redirect(url_for("candidates.task_list"))
    return render_template("candidates/sent.html", candidate=candidate)
