"""The borough scope a view passes to a service: a borough's id, or None for every borough (admins)."""

from sqlalchemy import Select


def in_borough(statement: Select, model, borough_id: int | None) -> Select:
    """Limit a query to one borough's rows; None leaves it across every borough."""
    return statement if borough_id is None else statement.where(model.borough_id == borough_id)
