"""Borough staff: post and manage their own borough's placements."""

from flask import Blueprint, render_template

from .access import role_required
from .models import Role

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.route("/")
@role_required(Role.BOROUGH_STAFF, Role.ADMIN)
def index():
    """The borough staff home page."""
    return render_template("staff/index.html")
