"""Configuration, secrets and security headers."""

from survey import create_app


def test_a_secret_key_is_generated_into_the_instance_folder_once(tmp_path, monkeypatch):
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}", "SECRET_KEY": None}
    first = create_app(config, instance_path=str(tmp_path))
    key_file = tmp_path / "secret_key"
    assert key_file.exists()
    assert len(first.config["SECRET_KEY"]) >= 64
    assert key_file.stat().st_mode & 0o077 == 0
    again = create_app(config, instance_path=str(tmp_path))
    assert again.config["SECRET_KEY"] == first.config["SECRET_KEY"]


def test_configuration_comes_from_flask_prefixed_environment_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("FLASK_SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path / 'env.sqlite3'}")
    monkeypatch.setenv("FLASK_SECRET_KEY", "from-the-environment")
    app = create_app(instance_path=str(tmp_path))
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("env.sqlite3")
    # The embedded database is migrated on start: a fresh clone needs no manual step.
    assert (tmp_path / "env.sqlite3").exists()
    assert app.test_client().get("/en/page/1").status_code == 200


def test_pages_carry_security_headers(client):
    response = client.get("/en/")
    csp = response.headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_the_session_cookie_is_http_only_and_same_site(client):
    client.get("/en/page/1")
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_no_page_loads_anything_from_another_host(client):
    html = client.get("/en/page/1").get_data(as_text=True)
    assert "https://" not in html.split("<body")[0]
    assert "//cdn" not in html
