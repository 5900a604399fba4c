"""The service layer: what the web layer asks of the database, with no knowledge of requests or forms."""

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar, cast

from sqlalchemy import CursorResult, Executable, Select, func, select

from ..extensions import db
from .errors import ServiceError

Params = ParamSpec("Params")
Result = TypeVar("Result")


def rows_changed(statement: Executable) -> int:
    """Run an UPDATE or DELETE in the session and return how many rows it changed."""
    # Session.execute is typed as returning Result, but for a DML statement it is a CursorResult, which has rowcount.
    return cast(CursorResult[Any], db.session.execute(statement)).rowcount


def count_rows(statement: Select[Any]) -> int:
    """How many rows a query returns (for a page's total)."""
    return db.session.execute(select(func.count()).select_from(statement.subquery())).scalar_one()


def rolled_back_on_error(function: Callable[Params, Result]) -> Callable[Params, Result]:
    """Give back the row locks and any half-made change when the person has something to fix (a ServiceError)."""

    @wraps(function)
    def wrapped(*args: Params.args, **kwargs: Params.kwargs) -> Result:
        try:
            return function(*args, **kwargs)
        except ServiceError:
            db.session.rollback()
            raise

    return wrapped
