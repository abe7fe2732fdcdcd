"""Storage under load: respondents saving at the same moment, and the SQLite writer lock."""

from __future__ import annotations

import fcntl
import os
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from sqlalchemy import text

from survey import create_app, database
from survey.extensions import db
from tests.conftest import Respondent, _test_config

ANSWERS = {
    "q1": "public",
    "q2": "yes",
    "q2_role": "board member",
    "q3": "KE",
    "q6": ["government", "business"],
    "q7_government": "1",
    "q7_business": "2",
    "q8": "We ran a reading programme with the city council.",
    "q14_libraries": "1",
}


def test_respondents_finishing_at_the_same_moment_are_all_saved(app, make_respondent):
    people = [make_respondent("ru" if n % 2 else "en") for n in range(12)]

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda person: person.complete(ANSWERS), people))

    assert all(result.status_code == 302 for result in results)
    assert all(result.headers["Location"].endswith("/thanks") for result in results)
    with app.app_context():
        submitted = db.session.scalar(
            text("SELECT count(*) FROM responses WHERE status = 'submitted'")
        )
        partners = db.session.scalar(
            text("SELECT count(*) FROM answers WHERE question = 'q6' AND option = 'government'")
        )
    assert submitted == len(people)
    assert partners == len(people)


def test_a_refused_page_leaves_the_database_free_for_the_next_writer(app, respondent):
    respondent.start()
    respondent.open(1)

    refused = respondent.answer(1, {"q3": "XX"})

    assert refused.status_code == 200  # shown again with the error
    database = app.config["SQLALCHEMY_DATABASE_URI"]
    if database.startswith("sqlite:///"):
        # No process or thread holds the writer lock after the request.
        fd = os.open(f"{database.removeprefix('sqlite:///')}.writer-lock", os.O_WRONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
    # And the next save goes through.
    assert respondent.answer(1, {"q3": "KE"}).status_code == 302


def _drop_connections(uri: str, application_name: str) -> int:
    """What a server restart or a network cut does to the app's pooled connections."""
    plain = uri.split("?")[0].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            (application_name,),
        ).fetchall()
    return len(rows)


@pytest.fixture
def pooled_app(postgres_uri):
    """The app on PostgreSQL, its connections named so that a test can cut them."""
    name = f"pooled-{os.getpid()}"
    config = {**_test_config(postgres_uri), "SQLALCHEMY_ENGINE_OPTIONS": {}}
    config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"] = {"application_name": name}
    app = create_app(config)
    app.config["TEST_APPLICATION_NAME"] = name
    yield app
    with app.app_context():
        db.session.execute(text("DELETE FROM answers"))
        db.session.execute(text("DELETE FROM responses"))
        db.session.commit()
        db.engine.dispose()


def test_a_connection_dropped_while_idle_is_replaced_before_a_respondent_notices(
    pooled_app, postgres_uri, monkeypatch
):
    person = Respondent(pooled_app.test_client())
    person.start()
    assert person.answer(1, {"q1": "academic"}).status_code == 302
    assert _drop_connections(postgres_uri, pooled_app.config["TEST_APPLICATION_NAME"]) >= 1

    # The pooled connection sat idle for longer than the limit: pinged, found dead, replaced.
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.0)
    page = person.open(1)
    assert page.status_code == 200
    assert 'value="academic" checked' in page.get_data(as_text=True)


def test_a_page_saved_just_after_the_connection_dropped_is_saved(
    pooled_app, postgres_uri, monkeypatch
):
    """In steady use reads are not pinged, but a save always is: it carries typed answers."""
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 3600.0)
    person = Respondent(pooled_app.test_client())
    person.start()
    person.open(1)
    assert _drop_connections(postgres_uri, pooled_app.config["TEST_APPLICATION_NAME"]) >= 1
    assert person.answer(1, {"q1": "school", "q2": "no"}).status_code == 302
    with pooled_app.app_context():
        stored = db.session.execute(text("SELECT question, option FROM answers")).all()
    assert sorted(stored) == [("q1", "school"), ("q2", "no")]


def test_two_counts_of_one_request_run_side_by_side_on_postgresql(app):
    """`side_by_side` runs its second count at the same time on a connection of its own
    (PostgreSQL: another server process); on SQLite one after the other, on the same one."""
    from threading import Barrier

    from sqlalchemy import text

    from survey.database import side_by_side
    from survey.extensions import db

    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
        server = "SELECT pg_backend_pid()" if postgres else "SELECT 1"
        # On PostgreSQL each half waits for the other: only halves running at the same time
        # get past the barrier (a timeout fails the test).
        both = Barrier(2, timeout=10) if postgres else None

        def half() -> object:
            if both is not None:
                both.wait()
            return db.session.execute(text(server)).scalar_one()

        here, there = side_by_side(half, half)
        if postgres:
            assert here != there
        else:
            assert here == there == 1
