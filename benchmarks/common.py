"""Pieces the benchmark scripts share: signing a test client in, the database a script may empty, and filling it
fast with COPY."""

import io
import os
import sys
from collections.abc import Iterable
from types import SimpleNamespace


def sign_in(client, user_id: int) -> None:
    """Sign a Flask test client in as a user, as the tests do: a real server-side session whose second factor is done
    (staff pages refuse anything less), without the deliberately slow password check."""
    from tests.candidate_journey import sign_in as sign_in_test_client

    sign_in_test_client(client, SimpleNamespace(id=user_id))


def postgres_url_or_exit(example: str) -> str:
    """DATABASE_URL, which must name a PostgreSQL database of the script's own (it is emptied and refilled)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        sys.exit(
            "Set DATABASE_URL to a PostgreSQL database of its own (it is emptied), e.g. "
            f"postgresql+psycopg://postgres@127.0.0.1:5432/{example}"
        )
    return url


def copy_lines(connection, table: str, columns: str, lines: Iterable[str]) -> None:
    """COPY tab-separated text lines into a table on a psycopg connection, in 50,000-line blocks."""
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        block = io.StringIO()
        for number, line in enumerate(lines, 1):
            block.write(line)
            if number % 50_000 == 0:
                copy.write(block.getvalue())
                block = io.StringIO()
        copy.write(block.getvalue())
