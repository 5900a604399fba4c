"""Candidates: check eligibility, apply once, rank placements, follow the application, control their data.

One blueprint, `candidates`, split by step of the journey: `eligibility`, `application` (the sections, check
your answers, submit), `choices` (ranking placements), `monitoring` (the optional equality questions) and
`account` (dashboard, withdraw, your data).
"""

from functools import wraps

from flask import Blueprint, abort, flash, redirect, request, session, url_for
from flask_login import current_user

from ..access import role_required
from ..models import Role
from ..services.candidates import application as application_service
from ..services.candidates import choices as choices_service
from ..services.candidates import eligibility as eligibility_service
from ..services.errors import ServiceError
from .forms import CAMPAIGN_CODE_RE

bp = Blueprint("candidates", __name__)

SESSION_ELIGIBILITY = "eligibility_answers"
SESSION_CAMPAIGN = "campaign_code"
SESSION_PLACEMENT = "apply_for_placement"  # the placement whose "Apply" button started the journey


@bp.before_app_request
def remember_campaign_code():
    """Keep a `?ref=` campaign code from any page, so it survives registering or signing in."""
    ref = request.args.get("ref", "")
    if ref and CAMPAIGN_CODE_RE.fullmatch(ref) and not request.path.startswith("/assets/"):
        session[SESSION_CAMPAIGN] = ref


@bp.before_request
def adopt_answers_given_before_signing_in():
    """Once a candidate is signed in, move the eligibility answers and campaign code from the session to their record."""
    if not (current_user.is_authenticated and current_user.role == Role.CANDIDATE.value and current_user.candidate):
        return
    answers, code = session.get(SESSION_ELIGIBILITY), session.get(SESSION_CAMPAIGN)
    answers = answers if isinstance(answers, dict) else None
    complete = bool(answers and eligibility_service.next_step(answers)[0] == "eligible")
    if complete or code:
        eligibility_service.adopt(current_user.candidate, answers if complete else None, code)
        session.pop(SESSION_CAMPAIGN, None)
        if complete:  # unfinished answers stay, so a signed-in candidate can carry on answering
            session.pop(SESSION_ELIGIBILITY, None)
    placement_id = session.get(SESSION_PLACEMENT)
    if isinstance(placement_id, int) and eligibility_service.is_eligible(current_user.candidate):
        session.pop(SESSION_PLACEMENT, None)
        try:
            placement = choices_service.add_choice(current_user.candidate, placement_id)
        except ServiceError as error:
            flash(error.message, "info")
        else:
            flash(f"{placement.title} ({placement.borough.name}) is in your placement choices", "success")


def candidate_view(*, draft_only: bool = False, eligible_only: bool = False):
    """A view for the signed-in candidate only; it gets their own Candidate row (never anyone else's)."""

    def decorator(view):
        @wraps(view)
        @role_required(Role.CANDIDATE)
        def wrapped(*args, **kwargs):
            candidate = current_user.candidate
            if candidate is None:
                abort(404)
            if eligible_only and not eligibility_service.is_eligible(candidate):
                flash("Answer a few questions to check you can apply first", "info")
                return redirect(url_for("candidates.eligibility_start"))
            if draft_only and not application_service.is_editable(candidate):
                flash("You have already sent your application", "info")
                return redirect(url_for("candidates.dashboard"))
            return view(candidate, *args, **kwargs)

        return wrapped

    return decorator


from . import account, application, choices, eligibility, interviews, monitoring, offers  # noqa: E402,F401  (views register on bp)
