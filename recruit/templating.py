"""Jinja set-up: project templates first, then the GOV.UK Frontend macro packages."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, g
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import BytecodeCache, ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from .access import landing_endpoint

SERVICE_NAME = "London Digital Apprenticeships"


class _ProcessBytecodeCache(BytecodeCache):
    """Compiled templates kept for the life of the process, shared by every app it creates.

    Jinja keys each entry by template name and a checksum of its source, so an edited template is
    compiled afresh. It matters wherever many apps are made in one process (the test suite makes one
    per test); a server makes one app and loses nothing."""

    def __init__(self):
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        code = self._compiled.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket):
        self._compiled[bucket.key] = bucket.bytecode_to_string()


_BYTECODE_CACHE = _ProcessBytecodeCache()
LONDON = ZoneInfo("Europe/London")
# The parts of a score, in the glossary's words (the configuration keeps the short names).
COMPONENT_LABELS = {"skills": "Skills", "interest": "Interests", "travel": "Travel", "preference": "Choice order"}


def long_date(value) -> str:
    """A date as GOV.UK writes it: "2 December 2026" (a datetime is shown on its London day)."""
    if not value:
        return ""
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(LONDON)
    return f"{value.day} {value:%B %Y}"


def date_time(value) -> str:
    """A moment as GOV.UK writes it, in London time: "2 December 2026 at 2:05pm"."""
    if not value:
        return ""
    local = value.astimezone(LONDON) if value.tzinfo is not None else value
    hour = local.hour % 12 or 12
    return f"{long_date(local)} at {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


def configure_templates(app: Flask) -> None:
    """Wire the loaders, the WTForms widget helpers and the globals every page uses."""
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(app.template_folder),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.bytecode_cache = _BYTECODE_CACHE
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)
    app.jinja_env.globals["landing_endpoint"] = landing_endpoint

    @app.context_processor
    def page_globals():
        return {"service_name": SERVICE_NAME, "csp_nonce": g.get("csp_nonce", "")}

    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.filters["date_time"] = date_time
    app.jinja_env.filters["component_label"] = lambda name: COMPONENT_LABELS.get(name, name.replace("_", " ").capitalize())
    app.jinja_env.filters["money"] = lambda value: f"£{value:,.2f}"
