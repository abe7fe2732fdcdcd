"""Storage under load: respondents saving at the same moment, and the SQLite writer lock."""

from __future__ import annotations

import fcntl
import os
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import text

from survey.extensions import db

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
