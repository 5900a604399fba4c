"""The service layer: what the web layer asks of the database, with no knowledge of requests or forms."""

from typing import Any, cast

from sqlalchemy import CursorResult, Executable, Select, func, select

from ..extensions import db


def rows_changed(statement: Executable) -> int:
    """Run an UPDATE or DELETE in the session and return how many rows it changed."""
    # Session.execute is typed as returning Result, but for a DML statement it is a CursorResult, which has rowcount.
    return cast(CursorResult[Any], db.session.execute(statement)).rowcount


def count_rows(statement: Select[Any]) -> int:
    """How many rows a query returns (for a page's total)."""
    return db.session.execute(select(func.count()).select_from(statement.subquery())).scalar_one()
