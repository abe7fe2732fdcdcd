"""Engine settings for the embedded SQLite default and for PostgreSQL."""

from __future__ import annotations

import fcntl
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import make_url

from survey.extensions import db

SQLITE_BUSY_TIMEOUT_MS = 15_000
WRITE_OPTION = "survey_write"


def is_sqlite(uri: str) -> bool:
    return make_url(uri).get_backend_name() == "sqlite"


def engine_options(uri: str, configured: dict[str, Any] | None) -> dict[str, Any]:
    options: dict[str, Any] = {"pool_pre_ping": True}
    if is_sqlite(uri):
        options["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    options.update(configured or {})
    return options


def register_sqlite_pragmas(app: Flask) -> None:
    """WAL and a busy timeout; writes start with BEGIN IMMEDIATE so they never fail mid-way.

    A deferred transaction that reads and then writes can get SQLITE_BUSY whatever the
    timeout, so views that write ask for a write transaction up front (`begin_write`).
    """
    if not is_sqlite(app.config["SQLALCHEMY_DATABASE_URI"]):
        return
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get(WRITE_OPTION)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def begin_write() -> None:
    """Start the request's transaction as a write transaction (BEGIN IMMEDIATE on SQLite).

    Call at the start of a unit of work that will write. A read-only transaction already
    open (signing in reads the user, say) is ended first: SQLite cannot turn a deferred
    transaction into an immediate one, and ending a transaction that changed nothing is free.
    """
    session = db.session()
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("begin_write() must come before the first change")
        session.commit()
    session.connection(execution_options={WRITE_OPTION: True})


def migrate_embedded_sqlite(app: Flask) -> None:
    """Bring an embedded SQLite database to the latest schema on start.

    PostgreSQL is migrated explicitly (`flask db upgrade`) as part of a deployment.
    """
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if not (app.config.get("AUTO_MIGRATE_SQLITE") and is_sqlite(uri)):
        return
    if make_url(uri).database in (None, "", ":memory:"):
        return
    directory = app.extensions["migrate"].directory
    if not (Path(directory) / "env.py").exists():
        return
    from flask_migrate import upgrade

    with _instance_lock(app), app.app_context():
        upgrade(directory=directory)


@contextmanager
def _instance_lock(app: Flask):
    """Serialise migrations between gunicorn workers starting at the same moment."""
    lock_path = Path(app.instance_path) / ".migrate.lock"
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
