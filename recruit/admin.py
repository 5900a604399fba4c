"""Administration: users, boroughs, the standards catalogue, match runs, retention."""

from flask import Blueprint, render_template

from .access import role_required
from .models import Role

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@role_required(Role.ADMIN)
def index():
    """The admin home page."""
    return render_template("admin/index.html")
