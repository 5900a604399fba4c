"""Jinja set-up: project templates first, then the GOV.UK Frontend macro packages."""

import copy
import json
from functools import lru_cache

from flask import Flask, current_app, g
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import BytecodeCache, ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from markupsafe import Markup

from .access import landing_endpoint
from .wording import LONDON, long_date

SERVICE_NAME = "London Digital Apprenticeships"


class _ProcessBytecodeCache(BytecodeCache):
    """Compiled templates kept for the life of the process, shared by every app it creates.

    Jinja keys each entry by template name and a checksum of its source, so an edited template is
    compiled afresh. It matters wherever many apps are made in one process (the test suite makes one
    for each test that needs a fresh database: browser, concurrency and worker tests); a server makes
    one app and loses nothing."""

    def __init__(self):
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        code = self._compiled.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket):
        self._compiled[bucket.key] = bucket.bytecode_to_string()


_BYTECODE_CACHE = _ProcessBytecodeCache()
# The parts of a score, in the glossary's words (the configuration keeps the short names).
COMPONENT_LABELS = {"skills": "Skills", "interest": "Interests", "travel": "Travel", "preference": "Choice order"}


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
            FileSystemLoader(app.template_folder or "templates"),
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
    app.jinja_env.globals["gov_params"] = gov_params
    app.jinja_env.globals["govuk_select"] = govuk_select

    @app.context_processor
    def page_globals():
        return {"service_name": SERVICE_NAME, "csp_nonce": g.get("csp_nonce", "")}

    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.filters["date_time"] = date_time
    app.jinja_env.filters["component_label"] = lambda name: COMPONENT_LABELS.get(
        name, name.replace("_", " ").capitalize()
    )
    app.jinja_env.filters["money"] = lambda value: f"£{value:,.2f}"


def gov_params(field, params: dict | None = None) -> dict:
    """The parameters a field's GOV.UK widget would pass to its macro, for a page that calls the macro itself.

    govuk-frontend-wtf renders each field as a template of its own; on a busy page (the listing's filters) the
    page is quicker calling govukInput, govukSelect or govukCheckboxes directly with the same parameters, so the
    HTML is the same (tests/test_placements.py compares them)."""
    widget = copy.copy(field.widget)
    widget.render = lambda mapped: mapped  # stop where the widget would render its template
    return widget(field, **{**(field.render_kw or {}), "params": params or {}})


def govuk_select(params: dict):
    """govukSelect's HTML for these parameters, remembered: the listing's drop-downs have few distinct states (which
    option is chosen, an error or not), and the macro's cost is per option, every time."""
    return _select_html(json.dumps(params, sort_keys=True, default=str))


@lru_cache(maxsize=512)
def _select_html(params_json: str):
    template = current_app.jinja_env.from_string(
        '{% from "govuk_frontend_jinja/components/select/macro.html" import govukSelect %}{{ govukSelect(params) }}'
    )
    return Markup(template.render(params=json.loads(params_json)))
