"""Starting a questionnaire cannot be used to flood the database with drafts.

An attack run replayed one "Start" POST: 500 drafts in 2.5 s, and "in progress" on the
dashboard rose to 908; a double-clicked "Start" left an orphan draft. Now a browser's
start is idempotent, new drafts are limited per address, and stale drafts can be purged.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from survey.extensions import db
from survey.models import DRAFT, SUBMITTED, Answer, Response, utcnow
from tests.conftest import Respondent, csrf_token_from


def count(app, status: str = DRAFT) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(Response).where(Response.status == status)
        )


def welcome_form(client) -> tuple[str, str]:
    """Open the welcome page; return its CSRF token and the session cookie as it is then."""
    token = csrf_token_from(client.get("/en/").get_data(as_text=True))
    return token, client.get_cookie("session").value


def test_replaying_the_start_post_makes_one_draft(app):
    browser = app.test_client()
    token, cookie = welcome_form(browser)

    locations = set()
    for _replay in range(20):
        browser.set_cookie("session", cookie)  # the same request, sent again
        response = browser.post("/en/", data={"csrf_token": token, "action": "next"})
        assert response.status_code == 302
        locations.add(response.headers["Location"])

    assert count(app) == 1
    assert locations == {"/en/page/1"}


def test_a_double_clicked_start_continues_one_draft_in_both_answers(app):
    browser = app.test_client()
    token, cookie = welcome_form(browser)
    sessions = []
    for _click in range(2):
        browser.set_cookie("session", cookie)
        browser.post("/en/", data={"csrf_token": token, "action": "next"})
        sessions.append(browser.get_cookie("session").value)

    assert count(app) == 1
    # Whichever answer the browser keeps, it continues the same draft.
    for session_cookie in sessions:
        respondent = Respondent(app.test_client())
        respondent.client.set_cookie("session", session_cookie)
        assert respondent.answer(1, {"q2": "yes"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Answer)) == 1


def test_one_address_cannot_start_drafts_without_end(app):
    app.config["START_RATE_LIMIT"] = "3 per minute"

    def start(address: str) -> int:
        browser = app.test_client()
        environ = {"REMOTE_ADDR": address}
        page = browser.get("/en/", environ_base=environ)
        token = csrf_token_from(page.get_data(as_text=True))
        return browser.post(
            "/en/", data={"csrf_token": token, "action": "next"}, environ_base=environ
        ).status_code

    assert [start("203.0.113.5") for _ in range(4)] == [302, 302, 302, 429]
    assert start("198.51.100.9") == 302, "other respondents are not affected"
    assert count(app) == 4


def test_a_respondent_who_finished_can_start_a_new_questionnaire(app, respondent):
    respondent.complete({"q2": "no"})
    token = csrf_token_from(respondent.client.get("/en/thanks").get_data(as_text=True))
    respondent.client.post("/en/new", data={"csrf_token": token})

    respondent.start()
    respondent.start()

    assert count(app, SUBMITTED) == 1
    assert count(app, DRAFT) == 1


@pytest.fixture
def drafts_of_various_ages(app, make_respondent):
    """A draft abandoned 40 days ago, one saved 10 days ago, and a response submitted 60
    days ago."""
    ages = {}
    for name, days, submit in (("abandoned", 40, False), ("recent", 10, False), ("old", 60, True)):
        person = make_respondent()
        if submit:
            person.complete({"q2": "yes", "q8": "Still counted."})
        else:
            person.start()
            person.answer(1, {"q2": "no"})
        with app.app_context():
            newest = db.session.scalar(select(func.max(Response.id)))
            moment = utcnow() - timedelta(days=days)
            db.session.execute(
                update(Response)
                .where(Response.id == newest)
                .values(started_at=moment, updated_at=moment)
            )
            db.session.commit()
        ages[name] = newest
    return ages


def test_the_operator_purges_drafts_abandoned_for_longer_than_an_age(
    app, runner, drafts_of_various_ages
):
    dry = runner.invoke(args=["purge-drafts", "--older-than", "30d", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "1 draft was not saved since" in dry.output
    assert count(app) == 2

    purged = runner.invoke(args=["purge-drafts", "--older-than", "30d"])

    assert purged.exit_code == 0, purged.output
    assert "Deleted 1 draft not saved since" in purged.output
    with app.app_context():
        left = set(db.session.scalars(select(Response.id)))
        answers = set(db.session.scalars(select(Answer.response_id)))
    ids = drafts_of_various_ages
    assert left == {ids["recent"], ids["old"]}
    assert ids["abandoned"] not in answers, "its answers went with it"
    assert count(app, SUBMITTED) == 1


@pytest.mark.parametrize("age", ["30", "0d", "thirty days", "-5d", ""])
def test_purging_needs_a_clear_age(runner, age):
    result = runner.invoke(args=["purge-drafts", "--older-than", age])
    assert result.exit_code != 0
    assert "Give an age such as 30d" in result.output


def test_the_second_of_two_simultaneous_starts_gets_the_first_ones_draft(app):
    """Two requests with the same prepared token, the second inserting after the first
    committed (PostgreSQL makes it wait for the first, then its insert fails)."""
    from survey.responses import start_response

    with app.app_context():
        first, _token = start_response("en", "the-same-prepared-token")
        db.session.commit()
    with app.app_context():
        second, _token = start_response("en", "the-same-prepared-token")
        db.session.commit()

    assert second.id == first.id
    assert count(app) == 1


def test_a_russian_operator_is_answered_in_russian(app, runner, drafts_of_various_ages):
    purged = runner.invoke(
        args=["purge-drafts", "--older-than", "30d"], env={"LANG": "ru_RU.UTF-8"}
    )
    assert purged.exit_code == 0, purged.output
    assert purged.output.startswith("Удалён 1 черновик, не сохранявшийся с ")
    wrong = runner.invoke(args=["purge-drafts", "--older-than", "месяц"], env={"LANG": "ru_RU"})
    assert "Укажите срок, например 30d (дней)" in wrong.output
