"""Candidates: check eligibility, apply once, rank placements, follow the application."""

from flask import Blueprint, render_template

from .access import role_required
from .models import Role

bp = Blueprint("candidates", __name__)


@bp.route("/apply/eligibility")
def eligibility_start():
    """Start the eligibility check (no account needed)."""
    return render_template("candidates/eligibility_start.html")


@bp.route("/candidates/")
@role_required(Role.CANDIDATE)
def dashboard():
    """The candidate's own application and its status."""
    return render_template("candidates/dashboard.html")
