"""Browser-test fixtures: the app under gunicorn, driven by Playwright and /usr/bin/chromium.

Fixtures (mark the tests `@pytest.mark.browser`):

- `live_server_factory(workers=2, database_uri=None, extra_env=None)` (module scope) starts
  gunicorn serving the app, waits until it answers and returns a `LiveServer`; every server
  started is stopped when the module ends. By default the database is a new SQLite file in
  a temporary directory (also the instance path); pass a PostgreSQL `database_uri` to use
  that instead (it is migrated with `flask db upgrade` first). `extra_env` adds config
  values (names with or without `FLASK_`; non-strings are JSON-encoded).
- `live_server` (module scope): `live_server_factory(workers=2)`.
- `LiveServer` has `.url` (base URL, no trailing slash), `.database_uri`,
  `.run_cli(*args, input=None, check=True)` which runs `flask --app survey ARGS…` against the
  same database and configuration and returns the `CompletedProcess` (text output; a
  non-zero exit fails the test when `check`), `.query(sql, *params)` which returns the rows
  of a SQL query on the SQLite database, and `.log()` (gunicorn's error log).
- `browser` (session scope): Playwright's Chromium, headless. When /usr/bin/chromium is
  missing the test is skipped, or fails under `CI=true`.
- `make_page(locale="en-GB", width=360, height=740)`: a new page in a context of its own
  (own cookies) at phone width; every page's console errors, uncaught exceptions and
  Content-Security-Policy violations are collected in `page_problems` (a list of strings).
- `page`: `make_page()` — English, 360×740.
- `screenshot(page, name, max_height=None, element=None)`: a full-page PNG (its top
  `max_height` pixels, or the element matching the `element` selector, when given) in
  `test-artifacts/screenshots/NAME.png` (gitignored); with SURVEY_UPDATE_SCREENSHOTS=1 also
  copied to `docs/screenshots/` when the README shows that picture; returns the path.
- `axe_violations(page)`: what the vendored axe-core finds wrong on the page, as strings
  (an empty list when nothing).

Example::

    @pytest.mark.browser
    def test_dashboard(live_server, page, page_problems, screenshot):
        live_server.run_cli("seed-demo", "50")
        page.goto(f"{live_server.url}/results/")
        screenshot(page, "dashboard")
        assert page_problems == []
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"
IN_CI = os.environ.get("CI", "").lower() == "true"


class LiveServer:
    def __init__(self, url: str, database_uri: str, env: dict[str, str], workdir: Path):
        self.url = url
        self.database_uri = database_uri
        self.env = env
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def app_spec(self) -> str:
        return f"survey:create_app(instance_path={str(self.workdir)!r})"

    def run_cli(
        self,
        *args: str,
        input: str | None = None,  # noqa: A002 - as subprocess.run
        check: bool = True,
        timeout: float = 300,
    ) -> subprocess.CompletedProcess[str]:
        """`flask --app survey ARGS…` against this server's database and configuration."""
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", self.app_spec, *args],
            cwd=ROOT,
            env=self.env,
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            pytest.fail(
                f"flask {' '.join(args)} exited with {result.returncode}:\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result

    def query(self, sql: str, *params: Any) -> list[tuple]:
        """Rows of a SQL query, read straight from the SQLite database file."""
        if not self.database_uri.startswith("sqlite:///"):
            raise NotImplementedError("query() reads SQLite; use run_cli or psycopg")
        path = self.database_uri.removeprefix("sqlite:///")
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            return conn.execute(sql, params).fetchall()

    def log(self) -> str:
        try:
            return (self.workdir / "gunicorn.log").read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _app_env(database_uri: str, extra: Mapping[str, Any] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env["FLASK_SQLALCHEMY_DATABASE_URI"] = database_uri
    # Prefixed so that from_prefixed_env's JSON parsing always leaves it a string.
    env["FLASK_SECRET_KEY"] = "browser-test-" + secrets.token_hex(16)
    for key, value in (extra or {}).items():
        name = key if key.startswith("FLASK_") else f"FLASK_{key}"
        env[name] = value if isinstance(value, str) else json.dumps(value)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _answers(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/en/")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def start_live_server(
    workdir: Path,
    workers: int = 2,
    database_uri: str | None = None,
    extra_env: Mapping[str, Any] | None = None,
) -> LiveServer:
    database_uri = database_uri or f"sqlite:///{workdir / 'survey.sqlite3'}"
    port = _free_port()
    server = LiveServer(
        f"http://127.0.0.1:{port}", database_uri, _app_env(database_uri, extra_env), workdir
    )
    if not database_uri.startswith("sqlite"):
        server.run_cli("db", "upgrade")
    server.process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--pythonpath",
            str(ROOT),
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
            "--error-logfile",
            str(workdir / "gunicorn.log"),
            server.app_spec,
        ],
        cwd=workdir,
        env=server.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not _answers(port):
        if server.process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            pytest.fail(f"gunicorn did not start:\n{server.log()[-4000:]}")
        time.sleep(0.1)
    return server


@pytest.fixture(scope="module")
def live_server_factory(tmp_path_factory) -> Iterator:
    servers: list[LiveServer] = []

    def factory(
        workers: int = 2,
        database_uri: str | None = None,
        extra_env: Mapping[str, Any] | None = None,
    ) -> LiveServer:
        workdir = tmp_path_factory.mktemp("live-server")
        server = start_live_server(workdir, workers, database_uri, extra_env)
        servers.append(server)
        return server

    yield factory
    for server in servers:
        server.stop()


@pytest.fixture(scope="module")
def live_server(live_server_factory) -> LiveServer:
    return live_server_factory(workers=2)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: install it with `apt-get install -y chromium`"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page_problems() -> list[str]:
    """Console errors, uncaught exceptions and CSP violations of every page made by make_page."""
    return []


@pytest.fixture
def make_page(browser, page_problems) -> Iterator:
    contexts = []

    def make(locale: str = "en-GB", width: int = 360, height: int = 740):
        context = browser.new_context(locale=locale, viewport={"width": width, "height": height})
        context.set_default_timeout(15_000)
        contexts.append(context)
        new_page = context.new_page()

        def on_console(message) -> None:
            # Chromium reports Content-Security-Policy violations as console errors too.
            if message.type == "error":
                where = message.location.get("url", "")
                page_problems.append(f"console error: {message.text} ({where})")

        new_page.on("console", on_console)
        new_page.on("pageerror", lambda error: page_problems.append(f"page error: {error}"))
        return new_page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(make_page):
    return make_page()


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(
        page,
        name: str,
        full_page: bool = True,
        max_height: int | None = None,
        element: str | None = None,
    ) -> Path:
        """A PNG of the page (its top `max_height` pixels when given, or one `element`);
        with SURVEY_UPDATE_SCREENSHOTS=1 also copied to docs/screenshots/."""
        path = SCREENSHOTS / f"{name}.png"
        if element is not None:
            page.locator(element).screenshot(path=str(path))
        elif max_height is not None:
            # A window that tall, so that what sticks to its bottom (a save bar) is pictured
            # there, not halfway down as a full-page picture would put it.
            viewport = page.viewport_size
            height = page.evaluate("document.documentElement.scrollHeight")
            page.set_viewport_size({"width": viewport["width"], "height": min(height, max_height)})
            page.screenshot(path=str(path))
            page.set_viewport_size(viewport)
        else:
            page.screenshot(path=str(path), full_page=full_page)
        if os.environ.get("SURVEY_UPDATE_SCREENSHOTS") == "1" and name in readme_pictures():
            DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, DOCS_SCREENSHOTS / path.name)
        return path

    return take


def readme_pictures() -> set[str]:
    """The screenshots the README shows: only those are kept in the repository (the rest of
    a run's pictures stay in test-artifacts/, which is not)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return set(re.findall(r"docs/screenshots/([\w-]+)\.png", readme))


AXE_SCRIPT = "/static/vendor/axe-core/axe.min.js"


def axe_violations(page) -> list[str]:
    """What axe-core (vendored, survey/static/vendor/axe-core/) finds wrong on the page as
    it is now, every rule axe runs by default (WCAG 2.x A/AA and best practices).

    The script is the app's own static file, so the page's Content-Security-Policy allows it.
    """
    origin = page.evaluate("location.origin")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=origin + AXE_SCRIPT)
    found = page.evaluate(
        """async () => {
            const results = await axe.run(document, {resultTypes: ["violations"]});
            return results.violations.map(v =>
                `${v.id} (${v.impact}): ${v.help} — ` +
                v.nodes.map(n => n.target.join(" ") + " " + n.failureSummary).join(" | "));
        }"""
    )
    return [f"{page.url}: {violation}" for violation in found]
