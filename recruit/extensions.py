"""Flask extensions, created unbound so that create_app() can configure them."""

import json
from typing import TYPE_CHECKING

import orjson
from flask import Flask, current_app
from flask_caching import Cache
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# A naming convention gives every constraint a stable name, so migrations can alter them on any database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# orjson only for the types the standard library writes the same way; anything else (dates, dataclasses, subclasses
# such as enums and numpy floats, integers beyond 64 bits) goes to json.dumps, which writes it or refuses it as before.
_ORJSON_OPTIONS = (
    orjson.OPT_NON_STR_KEYS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)


def json_dumps(value) -> str:
    """A JSON column's text: orjson, several times faster than the standard library (a match round writes and reads
    hundreds of thousands of JSON documents), compact, and with NaN written as null (no database accepts NaN)."""
    try:
        return orjson.dumps(value, option=_ORJSON_OPTIONS).decode()
    except TypeError:
        return json.dumps(value)


def json_loads(text):
    """A JSON column's value, read by orjson (or by the standard library, for NaN an older json.dumps wrote)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def this_app() -> Flask:
    """The application itself rather than the `current_app` proxy, to keep or hand on beyond this context."""
    return current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's own method: Flask types the proxy as the app


db = SQLAlchemy(model_class=Base, engine_options={"json_serializer": json_dumps, "json_deserializer": json_loads})

# The models' base class. Flask-SQLAlchemy builds `db.Model` from `Base` at run time, which type checkers cannot
# follow; they see `Base`, which declares every column the same way.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model


def render_migration_type(kind, obj, autogen_context):
    """Write the project's UTCDateTime as a plain timezone-aware DateTime, so migrations never import the app."""
    if kind == "type" and type(obj).__name__ == "UTCDateTime":
        return "sa.DateTime(timezone=True)"
    if kind == "type" and type(obj).__name__ == "JSON" and "postgresql" in getattr(obj, "_variant_mapping", {}):
        # Alembic writes JSONB's text type unqualified (a NameError in the migration): spell it out.
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return "sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')"
    return False


# Batch mode lets the same migrations alter tables on SQLite, which cannot ALTER most things in place.
migrate = Migrate(compare_type=True, render_as_batch=True, render_item=render_migration_type)
csrf = CSRFProtect()
login_manager = LoginManager()
mail = Mail()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
cache = Cache()  # public pages and the API for anonymous visitors (see page_cache.py)
compress = Compress()
