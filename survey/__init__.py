"""The library advocacy survey: a Flask application factory."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from survey import database, i18n, questionnaire, security
from survey.config import DefaultConfig
from survey.extensions import babel, csrf, db, limiter, login_manager, migrate
from survey.form_input import SurveyRequest
from survey.jobs import queue as jobs_queue
from survey.open_answers import coding

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


def create_app(
    test_config: Mapping[str, Any] | None = None, instance_path: str | None = None
) -> Flask:
    """Build the app: defaults, then instance/config.py, then FLASK_* variables, then tests."""
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    app.request_class = SurveyRequest
    app.config.from_object(DefaultConfig)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env()
    else:
        app.config.from_mapping(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _ensure_secret_key(app)
    _ensure_database_uri(app)
    questionnaire.register(app, derive=coding.coded_questionnaire)

    _trust_proxies(app)
    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    security.register_error_pages(app)
    security.register_no_store(app)
    database.migrate_embedded_sqlite(app)
    return app


def _ensure_secret_key(app: Flask) -> None:
    """Use the configured key, else one generated once into instance/ (never into the repo)."""
    if app.config.get("SECRET_KEY"):
        return
    app.config["SECRET_KEY"] = read_or_create_key(Path(app.instance_path) / "secret_key")


def read_or_create_key(path: Path) -> str:
    """The key in `path`, created first if missing, safely when processes start together.

    Gunicorn's workers start at the same moment, and each used to create the file when it
    did not exist yet: two of them could write different keys (sessions signed by one worker
    refused by the other) or read the file while it was still empty (an empty key). The key
    is written whole into a private temporary file, which is then linked to `path`: linking
    never replaces an existing file, so the first process wins and the others read its key,
    complete from the moment the name exists.
    """
    if not path.exists():
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret_key.")
        try:
            with os.fdopen(descriptor, "w") as handle:  # mkstemp: mode 0600
                handle.write(secrets.token_hex(32))
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(FileExistsError):  # another process was first
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    key = path.read_text().strip()
    if not key:
        raise RuntimeError(f"{path} is empty: delete it (a new key is made) or set SECRET_KEY")
    return key


def _trust_proxies(app: Flask) -> None:
    """Behind reverse proxies, read the client's address (and scheme, host) from the headers
    the configured number of proxies set: rate limits then count clients, not the proxy."""
    counts = {
        name: int(app.config.get(f"PROXY_FIX_{name.upper()}") or 0)
        for name in ("x_for", "x_proto", "x_host")
    }
    if any(counts.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, **counts)  # type: ignore[method-assign]


def _ensure_database_uri(app: Flask) -> None:
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        path = Path(app.instance_path) / "survey.sqlite3"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = database.engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config.get("SQLALCHEMY_ENGINE_OPTIONS")
    )


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    database.register_sqlite_pragmas(app)
    database.register_postgres_pings(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.register(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    security.register_headers(app)
    jobs_queue.register(app)


def register_blueprints(app: Flask) -> None:
    from survey.api import bp as api_bp
    from survey.auth import bp as auth_bp
    from survey.console import bp as console_bp
    from survey.exports import bp as export_bp
    from survey.jobs.views import bp as jobs_bp
    from survey.respondent import bp as respondent_bp
    from survey.results import bp as results_bp

    app.register_blueprint(respondent_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(results_bp)
    app.register_blueprint(export_bp)
    app.register_blueprint(jobs_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(console_bp)
    # Rate limits are on the sign-in view only (see the function).
    security.confine_rate_limiter(app, auth_bp.name)
    # The API authenticates with bearer tokens and takes no cookies, so CSRF does not apply.
    csrf.exempt(api_bp)
    # Starting an export job takes a bearer token instead of a CSRF token (checked in the
    # blueprint: survey.exports.views.csrf_unless_bearer).
    csrf.exempt(export_bp)


def register_commands(app: Flask) -> None:
    from survey import demo
    from survey.auth import commands as auth_commands
    from survey.console import commands as console_commands
    from survey.exports import commands as export_commands
    from survey.jobs import commands as job_commands
    from survey.report import commands as report_commands
    from survey.respondent import commands as respondent_commands
    from survey.results import commands as result_commands

    auth_commands.register(app)
    console_commands.register(app)
    export_commands.register(app)
    job_commands.register(app)
    respondent_commands.register(app)
    result_commands.register(app)
    report_commands.register(app)
    demo.register(app)
