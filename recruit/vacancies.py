"""The public listing of live placements."""

from flask import Blueprint, render_template

bp = Blueprint("vacancies", __name__, url_prefix="/placements")


@bp.route("/")
def search():
    """Search and filter live placements."""
    return render_template("vacancies/search.html")
