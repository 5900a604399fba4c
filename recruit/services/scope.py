"""The borough scope a view passes to a service: a borough's id, or None for every borough (admins)."""

from typing import Any, TypeVar

from sqlalchemy import Select

from ..models import Placement

_Row = TypeVar("_Row", bound=tuple[Any, ...])


def in_borough(statement: Select[_Row], model: type[Placement], borough_id: int | None) -> Select[_Row]:
    """Limit a query to one borough's rows (by the placement's borough); None leaves it across every borough."""
    return statement if borough_id is None else statement.where(model.borough_id == borough_id)
