"""Fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL tests are skipped when no server answers, except under CI=true, where a missing
server is a failure: CI must prove the production database works.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from survey import create_app
from survey.extensions import db
from survey.i18n import LOCALE_VARIABLES

IN_CI = os.environ.get("CI", "").lower() == "true"
POSTGRES_URI = os.environ.get(
    "SURVEY_TEST_POSTGRES_URI", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = [
    s.strip() for s in os.environ.get("SURVEY_TEST_BACKENDS", "sqlite,postgresql").split(",")
]
TABLES = [
    "survey_state",
    "saved_views",
    "jobs",
    "result_counts",
    "access_log",
    "change_counters",
    "recodes",
    "answer_notes",
    "coding_fields",
    "coder_reviews",
    "coder_codings",
    "codings",
    "coding_categories",
    "translations",
    "answers",
    "api_tokens",
    "users",
    "responses",
]
JOBS_DIR = tempfile.mkdtemp(prefix="survey-test-jobs-")
CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _postgres_schema_uri() -> str:
    """A schema of its own per xdist worker, so parallel workers never share tables."""
    schema = f"test_{_worker()}_{os.getpid()}"
    plain = POSTGRES_URI.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(plain, connect_timeout=3, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            conn.execute(f'CREATE SCHEMA "{schema}"')
    except psycopg.OperationalError as error:
        message = f"PostgreSQL is not reachable at {POSTGRES_URI}: {error}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    separator = "&" if "?" in POSTGRES_URI else "?"
    return f"{POSTGRES_URI}{separator}options=-csearch_path%3D{schema}", schema


def _drop_postgres_schema(schema: str) -> None:
    plain = POSTGRES_URI.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(autouse=True)
def _no_operator_locale(monkeypatch) -> None:
    """The commands speak the operator's language (LC_ALL, LC_MESSAGES, LANG): every test
    starts with none of them set, whatever the developer's terminal says, so commands speak
    English unless a test sets one."""
    for name in LOCALE_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session", params=BACKENDS)
def database_uri(request, tmp_path_factory) -> str:
    """A migrated, empty database for the whole session (migrations run once per backend)."""
    if request.param == "postgresql":
        uri, schema = _postgres_schema_uri()
        request.addfinalizer(lambda: _drop_postgres_schema(schema))
    else:
        uri = f"sqlite:///{tmp_path_factory.mktemp('db') / 'survey.sqlite3'}"
    return _migrated(uri)


@pytest.fixture(scope="module")
def postgres_uri() -> Iterator[str]:
    """A migrated PostgreSQL schema of its own, for what only a database server can show."""
    uri, schema = _postgres_schema_uri()
    yield _migrated(uri)
    _drop_postgres_schema(schema)


def _migrated(uri: str) -> str:
    app = create_app(_test_config(uri))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(directory=app.extensions["migrate"].directory)
        db.engine.dispose()
    return uri


def _test_config(uri: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": uri,
        "AUTO_MIGRATE_SQLITE": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Tests sign in, and start drafts, many times a minute from one address.
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "START_RATE_LIMIT": "100000 per minute",
        # Background jobs run as they are started, inside the request (tests/jobs starts
        # real workers); their files go to a folder of this test process.
        "JOBS_QUEUE_URI": "immediate",
        "JOBS_DIR": JOBS_DIR,
    }


@pytest.fixture
def make_app(database_uri) -> Iterator:
    """`make_app(**settings)`: an app on the test database with some settings changed (another
    questionnaire, say); the database is emptied afterwards."""
    made: list[Flask] = []

    def make(**settings) -> Flask:
        made.append(create_app({**_test_config(database_uri), **settings}))
        return made[-1]

    yield make
    for app in made:
        with app.app_context():
            with db.engine.begin() as conn:
                for table in TABLES:
                    conn.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - fixed table names
            db.engine.dispose()


@pytest.fixture
def app(make_app) -> Flask:
    """The app, with no application context pushed: each request gets its own, as in production.

    Tests that read the database directly use `with app.app_context():`.
    """
    return make_app()


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token_from(html: str) -> str:
    match = CSRF_PATTERN.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


class Respondent:
    """A person answering the questionnaire through the form contract, page by page."""

    def __init__(self, client: FlaskClient, lang: str = "en"):
        self.client = client
        self.lang = lang
        self.token: str | None = None

    def start(self):
        page = self.client.get(f"/{self.lang}/")
        self.token = csrf_token_from(page.get_data(as_text=True))
        return self.client.post(f"/{self.lang}/", data={"csrf_token": self.token, "action": "next"})

    def open(self, number: int):
        response = self.client.get(f"/{self.lang}/page/{number}")
        if response.status_code == 200:
            self.token = csrf_token_from(response.get_data(as_text=True))
        return response

    def complete(self, answers: dict, action_on_last: str = "submit"):
        """Start, then post every page with its share of `answers` (form-contract fields)."""
        from survey.questionnaire import current_questionnaire

        with self.client.application.app_context():
            questionnaire = current_questionnaire()
        pages = questionnaire.pages
        self.start()
        last = None
        for number, page in enumerate(pages, start=1):
            fields = set()
            for question in questionnaire.page_questions(page):
                fields |= set(question.field_names())
            data = {key: value for key, value in answers.items() if key in fields}
            self.open(number)
            action = action_on_last if number == len(pages) else "next"
            last = self.answer(number, data, action=action)
            assert last.status_code == 302, f"page {number} refused {data}"
        return last

    def answer(self, number: int, data=None, action: str = "next", follow: bool = False):
        """Post page `number` with form-contract `data` (a dict or a list of pairs)."""
        return self.client.post(
            f"/{self.lang}/page/{number}",
            data=self._form(number, data, action),
            follow_redirects=follow,
        )

    def switch_language(self, number: int, lang: str, data=None):
        """Press the language button on page `number`, as a browser does: the page answers
        307, and the browser sends the same form to the page in that language."""
        switched = self.answer(number, data, action=f"language:{lang}")
        assert switched.status_code == 307, switched.status_code
        assert switched.location == f"/{lang}/page/{number}"
        self.lang = lang
        # Werkzeug's test client does not send a form body again after a 307.
        return self.client.post(
            switched.location, data=self._form(number, data, f"language:{lang}")
        )

    def _form(self, number: int, data, action: str):
        from werkzeug.datastructures import MultiDict

        if self.token is None:
            self.open(number)
        pairs = list(data.items()) if isinstance(data, dict) else list(data or [])
        flat = []
        for key, value in pairs:
            for item in value if isinstance(value, list | tuple) else [value]:
                flat.append((key, item))
        flat += [("csrf_token", self.token), ("action", action)]
        return MultiDict(flat)


@pytest.fixture
def respondent(client) -> Respondent:
    return Respondent(client)


@pytest.fixture
def make_respondent(app):
    """Each call is another person, in their own browser."""

    def make(lang: str = "en") -> Respondent:
        return Respondent(app.test_client(), lang)

    return make


class AuthActions:
    """Sign working-group members in and out through the login page."""

    def __init__(self, client: FlaskClient):
        self.client = client

    def login(self, email: str = "viewer@example.org", password: str = "correct horse battery"):
        page = self.client.get("/login")
        token = csrf_token_from(page.get_data(as_text=True))
        return self.client.post(
            "/login", data={"email": email, "password": password, "csrf_token": token}
        )

    def logout(self):
        page = self.client.get("/results/")
        token = csrf_token_from(page.get_data(as_text=True))
        return self.client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def make_user(app):
    """Create a working-group account directly; returns the User."""
    from survey.models import User

    def make(
        email: str = "viewer@example.org",
        role: str = "viewer",
        password: str = "correct horse battery",
    ):
        with app.app_context():
            user = User(email=email, role=role)
            user.set_password(password)
            db.session.add(user)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
        return user

    return make


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def make_token(app):
    """Create an API token for a user the way the CLI does; returns the token string."""

    def make(user) -> str:
        runner = app.test_cli_runner()
        result = runner.invoke(args=["create-token", user.email])
        assert result.exit_code == 0, result.output
        return result.output.strip().splitlines()[-1]

    return make


@pytest.fixture
def member(app, make_user):
    """`member(role, email=None)`: a new account with that role, signed in in a browser of its
    own (a test client); the e-mail defaults to ROLE@example.org."""

    def sign_in(role: str = "viewer", email: str | None = None) -> FlaskClient:
        email = email or f"{role}@example.org"
        make_user(email, role)
        client = app.test_client()
        assert AuthActions(client).login(email).status_code == 302
        return client

    return sign_in


def csrf_of(client: FlaskClient, url: str = "/account") -> str:
    """A CSRF token of the client's session, from a page that has a form."""
    return csrf_token_from(client.get(url).get_data(as_text=True))


def responses_in_order(app) -> list[str]:
    """The public ids of every response, in the order they were started."""
    from sqlalchemy import select

    from survey.models import Response

    with app.app_context():
        return list(db.session.scalars(select(Response.uuid).order_by(Response.id)))


@pytest.fixture
def import_rows(runner, tmp_path):
    """`import_rows(rows)`: the rows (dicts of wide-CSV columns, codes) become submitted
    responses through `flask import-csv`; each gets a response_id and, unless it has one, a
    submission time an hour after the previous one from 2026-11-01 09:00 UTC. Returns the
    rows as imported."""

    def import_them(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        start = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
        done = []
        for n, row in enumerate(rows):
            stamp = start + timedelta(hours=n)
            done.append(
                {
                    "response_id": str(uuid.UUID(int=n + 1)),
                    "language": "en",
                    "submitted_at": stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    **row,
                }
            )
        header = list(dict.fromkeys(key for row in done for key in row))
        out = io.StringIO()
        writer = csv.DictWriter(out, header, restval="", lineterminator="\n")
        writer.writeheader()
        writer.writerows(done)
        path = tmp_path / "rows.csv"
        path.write_text(out.getvalue(), encoding="utf-8")
        result = runner.invoke(args=["import-csv", str(path)])
        assert result.exit_code == 0, result.output
        return done

    return import_them


@pytest.fixture
def viewer(make_user, auth):
    make_user("viewer@example.org", "viewer")
    assert auth.login("viewer@example.org").status_code == 302
    return auth
