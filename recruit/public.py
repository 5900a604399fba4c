"""Public pages: the start page, accessibility statement, privacy notice, cookies, feedback."""

from flask import Blueprint, current_app, render_template, url_for

from .page_cache import shared_page
from .services.candidates.data import KEPT_AFTER_DELETION

bp = Blueprint("public", __name__)


@bp.route("/")
@shared_page
def start():
    """The start page: what the service is, who can apply, Start now."""
    return render_template("public/start.html")


@bp.route("/accessibility")
@shared_page
def accessibility():
    """The accessibility statement."""
    return render_template("public/accessibility.html")


@bp.route("/privacy")
@shared_page
def privacy():
    """The privacy notice."""
    return render_template(
        "public/privacy.html", retention_months=current_app.config["RETENTION_MONTHS"], kept=KEPT_AFTER_DELETION
    )


@bp.route("/cookies")
@shared_page
def cookies():
    """The cookies page: essential cookies only."""
    return render_template("public/cookies.html")


@bp.route("/feedback")
@shared_page
def feedback():
    """How to tell the team what you think."""
    return render_template("public/feedback.html")


@bp.route("/progress")
def progress():
    """The public summary of progress towards the targets: counts only, counts of people under 10 hidden."""
    from .reports import progress_page

    return progress_page("", "reports/progress.html", public=True, action=url_for("public.progress"))


@bp.route("/how-matching-works")
@shared_page
def how_matching_works():
    """The published method, weights and rules, with a worked example computed by the real code now."""
    from matching import REASON_TEXT

    from .services.matching import worked_example

    return render_template(
        "public/how_matching_works.html",
        weights=current_app.config["MATCH_WEIGHTS"],
        reasons=REASON_TEXT.values(),
        example=worked_example(),
        shortlist_factor=current_app.config["SHORTLIST_FACTOR"],
        list_length=current_app.config["MATCH_LIST_LENGTH"],
    )
