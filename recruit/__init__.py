"""London Digital Apprenticeships: the Flask application factory."""

from flask import Flask

from matching.types import DEFAULT_WEIGHTS

from .config import INSTANCE_PATH, PROJECT_ROOT, load_config


def create_app(config: dict | None = None) -> Flask:
    """Create and configure the app; `config` overrides settings (tests use it)."""
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_PATH),
        static_folder="static",
        static_url_path="/assets",
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.config.update(load_config())
    app.config.update(config or {})
    register_proxies(app)
    # Refuse to start with weights the library would refuse later (e.g. the old "preference" weight).
    DEFAULT_WEIGHTS.from_mapping(app.config["MATCH_WEIGHTS"])
    register_extensions(app)
    register_request_id(app)
    register_templates(app)
    register_security(app)
    register_page_cache(app)
    register_blueprints(app)
    register_operations(app)
    register_errors(app)
    register_cli(app)
    register_tasks(app)
    return app


def register_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES proxies, take the client's address and scheme from the headers they add (and only
    from their entries, so a client cannot forge its address with its own X-Forwarded-For)."""
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]  # how Flask documents adding WSGI middleware


def register_extensions(app: Flask) -> None:
    """Bind the database, migrations, CSRF, sign-in, mail and rate limiting to the app."""
    from flask_login import user_logged_in

    from . import models  # noqa: F401  (the models must be known before migrations and queries)
    from .access import remember_session_generation, session_is_current
    from .extensions import compress, csrf, db, limiter, login_manager, mail, migrate
    from .parsing import whole_number

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    compress.init_app(app)
    from .page_cache import compress_unless_shared

    app.after_request(compress_unless_shared)  # registered first, so it runs last
    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = "Sign in to continue"
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(user_id: str):
        # Only a session the server checked this request (recruit.sessions) signs anyone in: a copied or
        # forged cookie naming a user is not enough.
        from flask import g

        record = g.get("user_session")
        wanted = whole_number(user_id)
        user = record.user if record is not None and record.user_id == wanted else None
        return user if user is not None and session_is_current(user) else None

    user_logged_in.connect(remember_session_generation, app)


def register_request_id(app: Flask) -> None:
    """Give every request an id that logs and error pages quote."""
    from .request_id import init_request_id

    init_request_id(app)


def register_templates(app: Flask) -> None:
    """Find templates in the project and in the GOV.UK Frontend packages; add WTForms widgets."""
    from .templating import configure_templates

    configure_templates(app)


def register_security(app: Flask) -> None:
    """Add the CSP nonce and security headers to every response; check the server-side session on every request."""
    from .security import init_security
    from .sessions import init_sessions

    init_security(app)
    init_sessions(app)


def register_page_cache(app: Flask) -> None:
    """Serve public pages and the API to anonymous visitors from a cache; version static assets."""
    from .page_cache import init_page_cache

    init_page_cache(app)


def register_blueprints(app: Flask) -> None:
    """Mount each audience's blueprint."""
    from . import second_factor  # noqa: F401  (its pages join the accounts blueprint)
    from .accounts import bp as accounts_bp
    from .admin import bp as admin_bp
    from .alerts import bp as alerts_bp
    from .api import bp as api_bp
    from .candidates import bp as candidates_bp
    from .placements import bp as placements_bp
    from .public import bp as public_bp
    from .recruiters import bp as recruiters_bp
    from .reports import bp as reports_bp
    from .staff import bp as staff_bp

    for blueprint in (
        public_bp,
        accounts_bp,
        candidates_bp,
        placements_bp,
        alerts_bp,
        staff_bp,
        recruiters_bp,
        reports_bp,
        admin_bp,
        api_bp,
    ):
        app.register_blueprint(blueprint)


def register_operations(app: Flask) -> None:
    """Health and readiness checks, Prometheus metrics and a JSON log line per request (outermost WSGI layer)."""
    from .operations import init_operations

    init_operations(app)


def register_errors(app: Flask) -> None:
    """Render 4xx and 5xx errors as pages in the service's style."""
    from .errors import init_errors

    init_errors(app)


def register_tasks(app: Flask) -> None:
    """Load the task queue, so that committing a queued email asks a worker to send it."""
    from . import tasks  # noqa: F401  (importing registers the tasks and the commit hook)


def register_cli(app: Flask) -> None:
    """Add the `flask seed`, `flask users`, `flask outbox` and other commands."""
    from .cli import init_cli

    init_cli(app)
