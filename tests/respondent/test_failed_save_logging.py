"""When saving a page fails inside the database, the error log keeps the respondent's words out.

SQLAlchemy writes a failed statement's parameters into the exception's text, and the
exception is logged: whatever a respondent typed on the page (their name, organisation and
e-mail in q17, their open answers) would land in the server's error log, which is kept and
read by people who may not see personal data.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import event

from survey import create_app
from survey.extensions import db
from tests.conftest import Respondent, _test_config

LAST_PAGE = {
    "q15": "Our partnership with the city archive (secret-open-answer-5150)",
    "q16": ["meetings", "other"],
    "q16_other": "Joint reading club (secret-other-text-7331)",
    "q17_name": "Anna Secretname-Petrova",
    "q17_organization": "Secretorg Regional Library",
    "q17_email": "anna.secret@library.example",
}
PERSONAL = ["secret-open-answer-5150", "secret-other-text-7331", "Secretname", "Secretorg"]


@pytest.fixture
def production_like_app(database_uri):
    """The app as it runs in production: errors are logged and answered with a 500 page."""
    app = create_app({**_test_config(database_uri), "PROPAGATE_EXCEPTIONS": False})
    yield app
    with app.app_context():
        db.engine.dispose()


def _fail_answer_inserts(app, error_class_name: str, message: str) -> None:
    """The database fails the next INSERT of answers, as a dropped connection or a
    constraint would (the driver's own exception, which SQLAlchemy wraps)."""
    with app.app_context():
        engine = db.engine
    dbapi = engine.dialect.loaded_dbapi

    @event.listens_for(engine, "before_cursor_execute")
    def _fail(_conn, _cursor, statement, _parameters, _context, _executemany):
        if statement.lstrip().upper().startswith("INSERT INTO ANSWERS"):
            raise getattr(dbapi, error_class_name)(message)


@pytest.mark.parametrize(
    ("error_class_name", "message"),
    [
        ("OperationalError", "server closed the connection unexpectedly"),
        ("IntegrityError", "duplicate key value violates unique constraint uq_answers_cell"),
    ],
)
def test_a_failed_save_logs_the_failure_but_nothing_the_respondent_typed(
    production_like_app, caplog, error_class_name, message
):
    app = production_like_app
    respondent = Respondent(app.test_client())
    respondent.start()
    respondent.open(6)
    _fail_answer_inserts(app, error_class_name, message)

    with caplog.at_level(logging.DEBUG):
        response = respondent.answer(6, LAST_PAGE, action="submit")

    assert response.status_code == 500
    logged = caplog.text
    assert message in logged, "the failure itself is logged"
    assert "INSERT INTO answers" in logged
    for secret in [*PERSONAL, "anna.secret@library.example"]:
        assert secret not in logged
        assert secret not in response.get_data(as_text=True)
    with app.app_context():
        saved = db.session.execute(db.text("SELECT count(*) FROM answers")).scalar_one()
    assert saved == 0, "nothing of the failed page is kept"
