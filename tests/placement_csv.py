"""A borough's placements as a CSV file, made and uploaded as staff would (the bulk import's tests and the first-time
user's journey share it)."""

import csv
import io
from datetime import date, timedelta

from recruit.services.placements import FIELD_NAMES

TODAY = date.today()
IMPORT_URL = "/staff/placements/import"


def row(**overrides) -> dict:
    """One valid placement as a CSV row, with any column changed."""
    values = {
        "title": "Data analyst apprentice",
        "standard": "ST0118",
        "description": "Dashboards for the housing team.",
        "skills": "SQL;Excel",
        "skills_text": "",
        "wage_amount": "23000",
        "wage_unit": "year",
        "hours_per_week": "35",
        "positions": "1",
        "start_date": (TODAY + timedelta(days=100)).isoformat(),
        "closing_date": (TODAY + timedelta(days=30)).strftime("%d/%m/%Y"),
        "workplace_postcode": "E8 1DY",
        "training_provider": "City College",
        "disability_confident": "yes",
        "resident_priority": "no",
        "adjustments_contact": "jobs@hackney.example",
    }
    values.update(overrides)
    return values


def csv_bytes(rows, header=FIELD_NAMES, encoding="utf-8") -> bytes:
    """The rows as a CSV file's bytes, with a header line."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(header), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def upload(client, data: bytes, filename="placements.csv"):
    """Post a file as a browser does. The body is built here: the test client's own encoder spools a big file to a
    temporary file that it never closes (a ResourceWarning, an error under pytest's warnings-as-errors)."""
    body = (
        (
            f'--B\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            f"Content-Type: text/csv\r\n\r\n"
        ).encode()
        + data
        + b"\r\n--B--\r\n"
    )
    return client.post(IMPORT_URL, data=body, content_type="multipart/form-data; boundary=B")
