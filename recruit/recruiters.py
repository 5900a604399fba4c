"""Recruiters: review suggested matches for their borough's placements, name-blind until shortlisting."""

from flask import Blueprint, render_template

from .access import role_required
from .models import Role

bp = Blueprint("recruiters", __name__, url_prefix="/recruiters")


@bp.route("/")
@role_required(Role.RECRUITER, Role.ADMIN)
def index():
    """The recruiter home page."""
    return render_template("recruiters/index.html")
