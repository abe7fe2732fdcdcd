"""Shared helpers for the benchmarks: a gunicorn server, fresh databases, seeding, figures.

Typical use::

    from bench.common import fresh_postgres_database, seed, start_server

    uri = fresh_postgres_database("bench_results")
    with start_server(uri, workers=4) as server:   # migrates PostgreSQL first
        seed(uri, 1000)                             # flask --app survey seed-demo 1000
        ...  # HTTP requests against server.base_url
        print(server.rss_kb())                      # memory of master + workers

Run the scripts from the project root as modules (`python -m bench.load_responses`) or
as files (`python bench/load_responses.py`); both work.

The server runs `gunicorn "survey:create_app(instance_path=TMP)"` with the configuration
passed as `FLASK_*` environment variables (`app.config.from_prefixed_env()` reads them).
Beware: that function JSON-parses every value, so `FLASK_X=123` becomes an int and
`FLASK_X=true` a bool; pass dict options (e.g. `SQLALCHEMY_ENGINE_OPTIONS`) as JSON text.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_ADMIN_DSN = os.environ.get(
    "SURVEY_BENCH_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
)
POSTGRES_URI_TEMPLATE = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


# --------------------------------------------------------------------------- environment


def app_env(database_uri: str, extra: Mapping[str, Any] | None = None) -> dict[str, str]:
    """The environment for the app (server or CLI): the database, a random secret key.

    `extra` maps config names (with or without the FLASK_ prefix) to values; non-strings are
    JSON-encoded, since `from_prefixed_env` JSON-decodes every value.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        # Do not let the caller's own FLASK_* settings leak into a benchmark.
        if not key.startswith("FLASK_")
    }
    env["FLASK_SQLALCHEMY_DATABASE_URI"] = database_uri
    # A prefix that keeps the value a string whatever JSON makes of hex digits.
    env["FLASK_SECRET_KEY"] = "bench-" + secrets.token_hex(32)
    # A load generator starts every respondent's draft from one address.
    env["FLASK_START_RATE_LIMIT"] = "1000000 per minute"
    for key, value in (extra or {}).items():
        name = key if key.startswith("FLASK_") else f"FLASK_{key}"
        env[name] = value if isinstance(value, str) else json.dumps(value)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    return env


def run_flask(
    database_uri: str,
    *args: str,
    extra_env: Mapping[str, Any] | None = None,
    input: str | None = None,
    check: bool = True,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    """Run `flask --app survey ARGS…` against the database; output captured as text."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "survey", *args],
        cwd=ROOT,
        env=app_env(database_uri, extra_env),
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise RuntimeError(
            f"flask {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout}\n{result.stderr}"
        )
    return result


def is_postgres(database_uri: str) -> bool:
    return database_uri.startswith("postgresql")


def migrate(database_uri: str) -> None:
    """`flask --app survey db upgrade` (SQLite also migrates itself when the server starts)."""
    run_flask(database_uri, "db", "upgrade")


# --------------------------------------------------------------------------- databases


def fresh_postgres_database(name: str) -> str:
    """Drop and create database NAME on 127.0.0.1:5432; returns its SQLAlchemy URI (empty)."""
    _administer_database(name, "DROP DATABASE IF EXISTS {} WITH (FORCE)", "CREATE DATABASE {}")
    return POSTGRES_URI_TEMPLATE.format(name=name)


def drop_postgres_database(name: str) -> None:
    """Drop database NAME on 127.0.0.1:5432 if it exists (closing its connections)."""
    _administer_database(name, "DROP DATABASE IF EXISTS {} WITH (FORCE)")


def _administer_database(name: str, *statements: str) -> None:
    """Run each statement with `{}` replaced by NAME, quoted, as the server's administrator."""
    import psycopg
    from psycopg import sql

    if not name.replace("_", "").isalnum():
        raise ValueError(f"unsafe database name: {name!r}")
    with psycopg.connect(POSTGRES_ADMIN_DSN, autocommit=True, connect_timeout=5) as conn:
        for statement in statements:
            conn.execute(sql.SQL(statement).format(sql.Identifier(name)))


def fresh_sqlite_uri(tmpdir: str | os.PathLike[str]) -> str:
    """A SQLite URI for a new file `survey.sqlite3` in tmpdir (removed if it existed)."""
    path = Path(tmpdir) / "survey.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def seed(database_uri: str, n: int, *args: str) -> str:
    """`flask --app survey seed-demo N [ARGS…]` (migrates first); returns its output."""
    migrate(database_uri)
    return run_flask(database_uri, "seed-demo", str(n), *args).stdout


def scalar(database_uri: str, query: str) -> Any:
    """The first column of the first row of a SQL query, straight from the database."""
    if is_postgres(database_uri):
        import psycopg

        dsn = database_uri.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn) as conn:
            row = conn.execute(query).fetchone()  # type: ignore[arg-type]
    else:
        import sqlite3

        path = database_uri.removeprefix("sqlite:///")
        with sqlite3.connect(path) as conn:
            row = conn.execute(query).fetchone()
    return row[0] if row else None


def execute(database_uri: str, statements: list[str]) -> None:
    """Run SQL statements straight on the database, in one transaction."""
    if is_postgres(database_uri):
        import psycopg

        dsn = database_uri.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn) as conn:
            for statement in statements:
                conn.execute(statement)  # type: ignore[arg-type]
        return
    import sqlite3

    with sqlite3.connect(database_uri.removeprefix("sqlite:///")) as conn:
        for statement in statements:
            conn.execute(statement)


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A running gunicorn serving the app. Use as a context manager or call `stop()`."""

    def __init__(self, process: subprocess.Popen, port: int, workdir: Path, owns_workdir: bool):
        self.process = process
        self.port = port
        self.host = "127.0.0.1"
        self.base_url = f"http://127.0.0.1:{port}"
        self.workdir = workdir
        self.log_path = workdir / "gunicorn.log"
        self._owns_workdir = owns_workdir

    @property
    def pid(self) -> int:
        """The gunicorn master's pid."""
        return self.process.pid

    def worker_pids(self) -> list[int]:
        """Pids of the master's current children (the workers)."""
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def rss_kb(self) -> dict[int, int]:
        """Resident memory (kB) of the master and every worker, by pid."""
        return {pid: rss_kb(pid) for pid in [self.pid, *self.worker_pids()]}

    def cpu_seconds(self) -> float:
        """CPU seconds used so far by the master and the current workers."""
        return cpu_seconds([self.pid, *self.worker_pids()])

    def log(self, tail: int | None = None) -> str:
        """The gunicorn error log (its last `tail` characters when given)."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return text[-tail:] if tail else text

    def errors_in_log(self) -> list[str]:
        """Log lines that report an error (tracebacks, 'database is locked', worker timeouts)."""
        markers = ("Traceback", "Error", "error", "locked", "WORKER TIMEOUT", "Exception")
        return [line for line in self.log().splitlines() if any(m in line for m in markers)]

    def stop(self, timeout: float = 15) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._owns_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_server(
    database_uri: str,
    workers: int = 4,
    port: int | None = None,
    threads: int = 1,
    *,
    extra_env: Mapping[str, Any] | None = None,
    workdir: str | os.PathLike[str] | None = None,
    startup_timeout: float = 60,
    worker_timeout: int = 60,
) -> Server:
    """Start gunicorn on 127.0.0.1:PORT and wait until GET /en/ answers 200.

    PostgreSQL is migrated first (`flask db upgrade`); SQLite migrates itself on start.
    `threads > 1` gives gthread workers. The gunicorn log (errors only) is in
    `server.log_path`; the working directory is removed on `stop()` unless given.
    """
    if is_postgres(database_uri):
        run_flask(database_uri, "db", "upgrade", extra_env=extra_env)
    owns_workdir = workdir is None
    work = Path(workdir or tempfile.mkdtemp(prefix="survey-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    return start_gunicorn(
        # The work directory is the instance path: nothing lands in the project's instance/.
        f"survey:create_app(instance_path={str(work)!r})",
        ["--pythonpath", str(ROOT)],
        cwd=work,
        env=app_env(database_uri, extra_env),
        workdir=work,
        owns_workdir=owns_workdir,
        ready_path="/en/",
        workers=workers,
        threads=threads,
        port=port,
        startup_timeout=startup_timeout,
        worker_timeout=worker_timeout,
    )


def start_gunicorn(
    wsgi_app: str,
    options: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    workdir: Path,
    owns_workdir: bool,
    ready_path: str,
    workers: int,
    threads: int,
    port: int | None = None,
    startup_timeout: float = 60,
    python: str | os.PathLike[str] = sys.executable,
    worker_timeout: int = 60,
) -> Server:
    """gunicorn serving `wsgi_app` on 127.0.0.1, once every worker is up and GET `ready_path`
    answers 200; its error log is `workdir`/gunicorn.log. `python` is the interpreter whose
    gunicorn runs (the reference's lives in a virtualenv of its own). Ours and the reference
    start here, so both run under exactly the same server settings."""
    port = port or free_port()
    command = [
        str(python),
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        str(worker_timeout),
        "--graceful-timeout",
        "5",
        "--log-level",
        "warning",
        "--error-logfile",
        str(workdir / "gunicorn.log"),
        *options,
        wsgi_app,
    ]
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = Server(process, port, workdir, owns_workdir)
    deadline = time.monotonic() + startup_timeout
    while True:
        if process.poll() is not None:
            log = server.log(tail=4000)
            server.stop()
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{log}")
        # Every worker imports the app before serving; wait for all of them to be up.
        if _answers(server, ready_path) and len(server.worker_pids()) >= workers:
            return server
        if time.monotonic() > deadline:
            log = server.log(tail=4000)
            server.stop()
            raise RuntimeError(f"gunicorn did not answer within {startup_timeout}s:\n{log}")
        time.sleep(0.1)


def _answers(server: Server, path: str) -> bool:
    conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    try:
        conn.request("GET", path)
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def rss_kb(pid: int) -> int:
    """Resident set size of a process in kB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pids: Iterable[int]) -> float:
    """User + system CPU time consumed so far by the given processes (gone ones count 0)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / ticks


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, summed over cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    ticks = os.sysconf("SC_CLK_TCK")
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / ticks, sum(values[:8]) / ticks


def postgres_backend_pids(database_uri: str) -> list[int]:
    """Pids of the PostgreSQL server processes connected to the URI's database."""
    import psycopg

    name = database_uri.rsplit("/", 1)[1].split("?")[0]
    with psycopg.connect(POSTGRES_ADMIN_DSN, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchall()
    return [row[0] for row in rows]


# --------------------------------------------------------------------------- figures


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0–100) with linear interpolation between closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * p / 100
    low = math.floor(position)
    high = math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def format_table(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], markdown: bool = False
) -> str:
    """A plain aligned table, or a Markdown one. Floats get 1 decimal unless pre-formatted."""
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    numeric = [all(_is_number(r[i]) for r in cells) and cells for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        parts = [
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ]
        return "| " + " | ".join(parts) + " |" if markdown else "  ".join(parts).rstrip()

    out = [line([str(h) for h in headers])]
    if markdown:
        out.append(
            "|"
            + "|".join(
                ("-" * (w + 1) + ":" if n else "-" * (w + 2))
                for w, n in zip(widths, numeric, strict=True)
            )
            + "|"
        )
    else:
        out.append("  ".join("-" * w for w in widths))
    out += [line(row) for row in cells]
    return "\n".join(out)


def print_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], markdown: bool = False):
    print(format_table(headers, list(rows), markdown=markdown), flush=True)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "–" if math.isnan(value) else f"{value:.1f}"
    return str(value)


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return text == "–"
    return True
