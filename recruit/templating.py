"""Jinja set-up: project templates first, then the GOV.UK Frontend macro packages."""

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

    app.jinja_env.filters["long_date"] = lambda d: f"{d.day} {d:%B %Y}" if d else ""
    app.jinja_env.filters["money"] = lambda value: f"£{value:,.2f}"
