"""Writing many rows at once in the caller's transaction: COPY on PostgreSQL, batched executemany elsewhere."""

from collections.abc import Iterable
from itertools import chain, islice

from sqlalchemy import insert

from .extensions import db

SQLITE_BATCH = 2000  # rows per executemany, so a generator of rows is never held in memory whole


def _defaults(table, given: set[str]) -> dict:
    """Values for the columns the rows leave out that have a Python-side default (COPY does not apply them)."""
    values = {}
    for column in table.columns:
        default = column.default
        if column.name in given or default is None or default.is_sequence or default.is_clause_element:
            continue
        values[column.name] = default.arg(None) if default.is_callable else default.arg
    return values


def insert_rows(model, rows: Iterable[dict]) -> int:
    """Insert rows (dicts keyed by column name, every row with the same keys); returns how many. Columns the rows
    leave out take their defaults, worked out once for all the rows (one timestamp for a batch written together).

    Rows may come from a generator: on PostgreSQL each is streamed to COPY as it is made, so the database stores
    rows while Python is still building the next ones."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    table = model.__table__
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        count = 0
        batch = [first, *islice(rows, SQLITE_BATCH - 1)]
        while batch:
            db.session.execute(insert(table), batch)
            count += len(batch)
            batch = list(islice(rows, SQLITE_BATCH))
        return count
    db.session.flush()  # COPY goes round the session: anything pending must reach the database first
    given = list(first)
    defaults = _defaults(table, set(given))
    columns = [table.c[name] for name in (*given, *defaults)]
    # The conversions SQLAlchemy applies to bound values (JSON, UTC datetimes), looked up once per column.
    processors = [column.type.bind_processor(connection.dialect) for column in columns]
    fixed = [
        process(value) if process and value is not None else value
        for process, value in zip(processors[len(given) :], defaults.values())
    ]
    processors = processors[: len(given)]
    quote = connection.dialect.identifier_preparer
    statement = f"COPY {quote.format_table(table)} ({', '.join(quote.quote(c.name) for c in columns)}) FROM STDIN"
    count = 0
    driver = connection.connection.driver_connection
    assert driver is not None, "a connection in use has its driver's connection"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in chain([first], rows):
            copy.write_row(
                [
                    process(row[name]) if process and row[name] is not None else row[name]
                    for name, process in zip(given, processors)
                ]
                + fixed
            )
            count += 1
    return count
