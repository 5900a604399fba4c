"""The service layer: what the web layer asks of the database, with no knowledge of requests or forms."""

from typing import Any, cast

from sqlalchemy import CursorResult, Executable

from ..extensions import db


def rows_changed(statement: Executable) -> int:
    """Run an UPDATE or DELETE in the session and return how many rows it changed."""
    # Session.execute is typed as returning Result, but for a DML statement it is a CursorResult, which has rowcount.
    return cast(CursorResult[Any], db.session.execute(statement)).rowcount
