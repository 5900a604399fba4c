"""Outreach reports for analysts: London-wide aggregates only, with disclosure control."""

from flask import Blueprint, render_template

from .access import role_required
from .models import Role

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.route("/")
@role_required(Role.ANALYST, Role.ADMIN)
def index():
    """The analyst home page."""
    return render_template("reports/index.html")
