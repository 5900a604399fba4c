"""Security baseline: headers, CSP without unsafe-inline, no-store when signed in, CSRF, limits, no 500s."""

import re

import pytest


def test_every_response_has_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    html = response.get_data(as_text=True)
    # every inline script carries this response's nonce, so the CSP lets it run
    inline_scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline_scripts and all(f'nonce="{nonce}"' in attrs for attrs in inline_scripts)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers  # only in production
    # A fresh nonce for every page rendered. A public page served again from the page cache keeps the nonce its
    # scripts were rendered with (tests/test_page_cache.py checks header and page agree); no other page shares it.
    rendered = [client.get("/sign-in"), client.get("/sign-in"), client.get("/cookies")]
    nonces = {re.search(r"'nonce-([^']+)'", r.headers["Content-Security-Policy"]).group(1) for r in rendered}
    assert len(nonces | {nonce}) == 4


def test_nonce_is_unique_and_errors_carry_headers_too(client):
    response = client.get("/missing")
    assert response.status_code == 404 and "Content-Security-Policy" in response.headers


def test_signed_in_pages_are_not_cached_but_public_ones_may_be(client, login_as):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    login_as("candidate")
    assert client.get("/candidates/").headers["Cache-Control"] == "no-store"


def test_production_adds_hsts_and_secure_cookies(database_url, _schema, monkeypatch):
    from recruit import create_app

    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 32)
    monkeypatch.setenv("MONITORING_KEY", "m" * 32)
    monkeypatch.setenv("DATABASE_URL", database_url)
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] and not app.debug
    response = app.test_client().get("/")
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
    cookie_config = (app.config["SESSION_COOKIE_HTTPONLY"], app.config["SESSION_COOKIE_SAMESITE"])
    assert cookie_config == (True, "Lax")


def test_production_refuses_to_start_without_secrets(monkeypatch):
    from recruit import create_app

    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("MONITORING_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY and MONITORING_KEY must be set"):
        create_app()


def test_development_generates_secrets_once_and_keeps_them(tmp_path, monkeypatch):
    import recruit.config as config

    monkeypatch.setattr(config, "INSTANCE_PATH", tmp_path)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("MONITORING_KEY", raising=False)
    monkeypatch.delenv("APP_ENV", raising=False)
    monkeypatch.delenv("FLASK_ENV", raising=False)
    first, second = config.load_config(), config.load_config()
    assert first["SECRET_KEY"] == second["SECRET_KEY"] and first["MONITORING_KEY"] == second["MONITORING_KEY"]
    assert first["SECRET_KEY"] != first["MONITORING_KEY"] and len(first["SECRET_KEY"]) == 64
    assert (tmp_path / "secrets.json").stat().st_mode & 0o077 == 0


def test_forms_refuse_posts_without_a_csrf_token(client):
    response = client.post("/sign-in", data={"email": "a@example.com", "password": "whatever-long-password"})
    assert response.status_code == 400
    assert "Sorry, there is a problem with your request" in response.get_data(as_text=True)


def test_huge_bodies_and_wrong_methods_are_4xx_pages(client):
    assert client.post("/sign-in", data={"email": "x" * (3 * 1024 * 1024)}).status_code == 413
    assert client.delete("/").status_code == 405
    assert client.put("/sign-in").status_code in (400, 405)


def test_static_assets_are_served_under_assets(client):
    for path in (
        "/assets/css/main.css",
        "/assets/js/govuk-frontend.min.js",
        "/assets/js/app.js",
        "/assets/images/favicon.svg",
    ):
        with client.get(path) as response:  # closes the file handle send_file opened
            assert response.status_code == 200, path
            assert len(response.get_data()) > 100


@pytest.mark.fresh_database  # it adds a route: an app of its own
def test_an_unexpected_error_shows_the_styled_500_page_without_details(app):
    @app.route("/boom-for-test")
    def boom():
        raise RuntimeError("secret internal detail")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/boom-for-test")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in html and "secret internal detail" not in html
    assert "Traceback" not in html


def test_every_response_carries_a_fresh_request_id(client):
    first, second = client.get("/"), client.get("/no-such-page")
    ids = [response.headers.get("X-Request-Id", "") for response in (first, second)]
    assert all(len(value) == 32 for value in ids) and ids[0] != ids[1]
    # A client cannot choose the id (it would let them forge log lines) unless a trusted proxy is configured.
    assert client.get("/", headers={"X-Request-Id": "forged-id-123"}).headers["X-Request-Id"] != "forged-id-123"
