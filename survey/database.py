"""Engine settings for the embedded SQLite default and for PostgreSQL."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, current_app
from sqlalchemy import event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, SessionTransaction

from survey.extensions import db
from survey.text_search import SQLITE_LOWER, sqlite_lower

First = TypeVar("First")
Second = TypeVar("Second")

SQLITE_BUSY_TIMEOUT_MS = 15_000
WRITE_OPTION = "survey_write"
WRITER_LOCK = "survey_sqlite_writer_lock"


def is_sqlite(uri: str) -> bool:
    return make_url(uri).get_backend_name() == "sqlite"


#: A pooled PostgreSQL connection that sat unused longer than this is pinged before use.
PING_AFTER_IDLE_SECONDS = 10.0
#: Set while `begin_write` checks out its connection, which is then always pinged.
_writing: ContextVar[bool] = ContextVar("survey_writing", default=False)


def engine_options(uri: str, configured: dict[str, Any] | None) -> dict[str, Any]:
    # SQLAlchemy puts a failed statement's parameters into the exception's text, and so into
    # the error log: the answers a respondent typed, their name and e-mail. Never.
    options: dict[str, Any] = {"hide_parameters": True}
    if is_sqlite(uri):
        options["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    else:
        # PostgreSQL compiles a query whose estimated cost is high (the results' counts at a
        # million responses) before running it: 30–80 ms each, more than it saves on
        # queries that take 0.1–0.5 s (measured in bench/README.md). Added to the options
        # the URI may give (which these would otherwise replace).
        given = make_url(uri).query.get("options", "")
        given = " ".join(given) if isinstance(given, tuple) else given
        options["connect_args"] = {"options": f"{given} -c jit=off".strip()}
    options.update(configured or {})
    return options


def register_postgres_pings(app: Flask) -> None:
    """Ping a pooled server connection before use if it sat idle: a restarted server or a
    dropped connection is then found before a request needs it, and a new one is opened.

    SQLAlchemy's `pool_pre_ping` pings at every checkout, one more round trip per request
    (a respondent's page costs three or four). This is the custom pessimistic ping of
    SQLAlchemy's "Dealing with Disconnects", skipped for reads on a connection in steady use:
    such a read fails once if the server went away that very moment, and a reload works.
    Writes (`begin_write`) always ping: they carry what a respondent typed. A local SQLite
    file has nothing to ping.
    """
    if is_sqlite(app.config["SQLALCHEMY_DATABASE_URI"]):
        return
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "checkin")
    def _note_idle(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None:  # just opened
            return
        recent = time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS
        if recent and not _writing.get():
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool discards the connection and checks out another (three tries).
            raise exc.DisconnectionError() from error


def side_by_side(here: Callable[[], First], there: Callable[[], Second]) -> tuple[First, Second]:
    """`here()` in this thread and, at the same time, `there()` in another one with an app
    context, a session and a database connection of its own: two independent counts of one
    request take two of PostgreSQL's processes (and the machine's cores) instead of one after
    the other. Each sees the data as of its own statements, as two statements in a row
    would. On SQLite (one file, nothing to gain) one after the other."""
    if is_sqlite(current_app.config["SQLALCHEMY_DATABASE_URI"]):
        return here(), there()
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def in_its_own_context() -> Second:
        with app.app_context():
            return there()

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="side-by-side") as pool:
        elsewhere = pool.submit(in_its_own_context)
        found = here()
        return found, elsewhere.result()


def begin_read() -> None:
    """Run this request's reads without a transaction (PostgreSQL autocommit).

    For requests that only read, each with one statement: a transaction would only add a
    BEGIN and a ROLLBACK round trip. `begin_write` later in the same request ends this and
    starts a real transaction. SQLite's BEGIN costs no round trip, so it is left as it is.
    """
    session = db.session()
    if session.in_transaction() or db.engine.dialect.name != "postgresql":
        return
    session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


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
        # Case-insensitive search beyond ASCII (`survey.text_search`).
        dbapi_connection.create_function(SQLITE_LOWER, 1, sqlite_lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get(WRITE_OPTION)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    database = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    if database and database != ":memory:":
        # Next to the database, so every app writing to that file shares the lock.
        app.extensions[WRITER_LOCK] = WriterLock(Path(f"{database}.writer-lock"))


class WriterLock:
    """One SQLite write transaction at a time among this app's threads and processes.

    SQLite lets one writer in and makes the others poll, sleeping 1 to 100 ms between tries;
    under load most of a waiting writer's delay is that sleep, long after the lock came free.
    Waiting here instead (a thread lock, then a file lock between gunicorn workers, tried
    every half millisecond) hands the database to the next writer at once. After
    SQLITE_BUSY_TIMEOUT_MS the writer goes on without it and SQLite's own waiting decides.
    """

    POLL_SECONDS = 0.0005

    def __init__(self, path: Path):
        self.path = path
        self._threads = threading.Lock()
        self._fd: int | None = None
        self._pid: int | None = None

    def acquire(self) -> bool:
        deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
        if not self._threads.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
            return False
        try:
            if self._pid != os.getpid():  # a gunicorn worker forked after the file was opened
                self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600)
                self._pid = os.getpid()
            assert self._fd is not None
            while True:
                try:
                    fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return True
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(self.POLL_SECONDS)
        except BaseException:
            self._threads.release()
            raise
        self._threads.release()
        return False

    def release(self) -> None:
        try:
            assert self._fd is not None
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def __del__(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            os.close(self._fd)


@event.listens_for(Session, "after_transaction_end")
def _release_writer_lock(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        lock = session.info.pop(WRITER_LOCK, None)
        if lock is not None:
            lock.release()


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
    lock = current_app.extensions.get(WRITER_LOCK)
    if lock is not None and lock.acquire():
        session.info[WRITER_LOCK] = lock
    writing = _writing.set(True)
    try:
        session.connection(execution_options={WRITE_OPTION: True})
    except BaseException:
        held = session.info.pop(WRITER_LOCK, None)
        if held is not None:
            held.release()
        raise
    finally:
        _writing.reset(writing)


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
