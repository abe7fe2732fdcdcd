"""Respondents meet a closed survey: a page in their language with the closing date; nothing
new starts; a draft is kept but cannot be submitted, except during the hour of grace after
closing; reopening lets everyone in again; a schedule opens and closes it by itself.

The admin closes and opens it in the console (or sets times through the API); time moves by
replacing the clock the survey's state is read with.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

import survey.survey_state
from survey.extensions import db
from survey.models import Answer, Response
from tests.conftest import csrf_of

LAST_PAGE = 6


@pytest.fixture
def admin(member):
    return member("admin")


@pytest.fixture
def api(client, app, make_user, make_token):
    """PATCH and GET /api/survey with an admin's token."""
    with app.app_context():
        token = make_token(make_user("script-admin@example.org", "admin"))
    headers = {"Authorization": f"Bearer {token}"}

    class Api:
        def patch(self, body: dict, status: int = 200) -> dict:
            response = client.patch("/api/survey", json=body, headers=headers)
            assert response.status_code == status, response.get_data(as_text=True)
            return response.get_json()

        def get(self) -> dict:
            return client.get("/api/survey", headers=headers).get_json()

    return Api()


@pytest.fixture
def clock(monkeypatch):
    """`clock.move(hours)`: the survey's state is read as if it were that much later."""
    real = survey.survey_state.utcnow

    class Clock:
        def move(self, **delta) -> None:
            moment = real() + timedelta(**delta)
            monkeypatch.setattr(survey.survey_state, "utcnow", lambda: moment)

    return Clock()


def set_state(admin, action: str):
    token = csrf_of(admin, "/console/survey")
    return admin.post("/console/survey", data={"csrf_token": token, "action": action})


def response_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Response))


def statuses(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Response.status).order_by(Response.id)))


def a_draft_on_the_last_page(make_respondent):
    """Someone who answered every page but the last, in their browser."""
    draft = make_respondent("en")
    draft.start()
    for number in range(1, LAST_PAGE):
        draft.open(number)
        assert draft.answer(number, {"q1": "public"} if number == 1 else {}).status_code == 302
    draft.open(LAST_PAGE)
    return draft


@pytest.mark.parametrize(
    ("lang", "title", "closed_on"),
    [("en", "The survey is closed", "It closed on"), ("ru", "Опрос закрыт", "Он закрылся")],
)
def test_a_closed_survey_says_so_in_the_respondents_language_and_starts_nothing(
    app, admin, make_respondent, lang, title, closed_on
):
    assert set_state(admin, "close").status_code == 302
    visitor = make_respondent(lang)
    welcome = visitor.client.get(f"/{lang}/")
    page = welcome.get_data(as_text=True)
    assert welcome.status_code == 200
    assert title in page and closed_on in page
    assert str(datetime.now(UTC).year) in page  # the closing date
    assert 'type="submit"' not in page  # no Start button

    # The question pages say so too, and nothing is started by looking at them.
    first_page = visitor.client.get(f"/{lang}/page/1")
    assert first_page.status_code == 200
    assert title in first_page.get_data(as_text=True)
    assert response_count(app) == 0


def test_no_new_response_starts_while_closed(app, admin, make_respondent):
    visitor = make_respondent("en")
    token = csrf_of(visitor.client, "/en/")  # the welcome page was open before closing
    assert set_state(admin, "close").status_code == 302
    refused = visitor.client.post("/en/", data={"csrf_token": token, "action": "next"})
    assert refused.status_code == 403
    assert "The survey is closed" in refused.get_data(as_text=True)
    # Nor by saving a page without a draft (a lost session), which would start one.
    saved = visitor.client.post(
        "/en/page/1", data={"csrf_token": token, "action": "next", "q1": "public"}
    )
    assert saved.status_code == 403
    assert response_count(app) == 0


def test_after_the_grace_period_a_draft_keeps_its_answers_but_cannot_be_submitted(
    app, admin, make_respondent, clock
):
    draft = a_draft_on_the_last_page(make_respondent)
    assert set_state(admin, "close").status_code == 302
    clock.move(hours=1, minutes=1)

    page = draft.open(LAST_PAGE).get_data(as_text=True)
    assert "can no longer be submitted" in page
    refused = draft.answer(LAST_PAGE, {"q15": "Keep what I typed"}, action="submit")
    assert refused.status_code == 403
    assert "The survey is closed" in refused.get_data(as_text=True)
    assert statuses(app) == ["draft"]
    with app.app_context():  # what was typed on the refused page is kept
        assert db.session.scalar(select(Answer.text).where(Answer.question == "q15")) == (
            "Keep what I typed"
        )

    # Reopened: the same draft is submitted.
    assert set_state(admin, "open").status_code == 302
    draft.open(LAST_PAGE)
    assert draft.answer(LAST_PAGE, {}, action="submit").location == "/en/thanks"
    assert statuses(app) == ["submitted"]


def test_a_draft_started_before_closing_may_be_submitted_within_the_hour(
    app, admin, make_respondent, clock
):
    draft = a_draft_on_the_last_page(make_respondent)
    assert set_state(admin, "close").status_code == 302
    clock.move(minutes=50)
    page = draft.open(LAST_PAGE).get_data(as_text=True)
    assert "You can still finish and submit" in page
    assert draft.answer(LAST_PAGE, {}, action="submit").location == "/en/thanks"
    assert statuses(app) == ["submitted"]
    # Nobody starts during the grace period.
    latecomer = make_respondent("en")
    assert "The survey is closed" in latecomer.client.get("/en/").get_data(as_text=True)


def test_without_a_grace_period_a_draft_is_refused_at_once(app, admin, make_respondent):
    app.config["CLOSING_GRACE"] = 0
    draft = make_respondent("en")
    draft.start()
    draft.open(LAST_PAGE)
    assert set_state(admin, "close").status_code == 302
    assert draft.answer(LAST_PAGE, {}, action="submit").status_code == 403
    assert statuses(app) == ["draft"]


def test_a_schedule_opens_and_closes_the_survey_by_itself(app, api, make_respondent, clock):
    now = datetime.now(UTC).replace(microsecond=0)
    opens, closes = now + timedelta(days=1), now + timedelta(days=8)
    state = api.patch(
        {"opens_at": opens.isoformat().replace("+00:00", "Z"), "closes_at": closes.isoformat()}
    )
    assert state == {
        "state": "closed",
        "opens_at": opens.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "closes_at": closes.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    visitor = make_respondent("ru")
    page = visitor.client.get("/ru/").get_data(as_text=True)
    assert "Опрос ещё не открыт" in page

    clock.move(days=2)
    assert api.get()["state"] == "open"
    visitor.complete({"q1": "school"})
    assert statuses(app) == ["submitted"]

    clock.move(days=9)
    assert api.get()["state"] == "closed"
    closed = make_respondent("en").client.get("/en/").get_data(as_text=True)
    assert "It closed on" in closed
    assert str(closes.year) in closed


def test_the_dashboard_shows_whether_the_survey_is_open(admin, member):
    viewer = member("viewer")
    assert 'data-survey-state="open"' in viewer.get("/results/").get_data(as_text=True)
    set_state(admin, "close")
    page = viewer.get("/results/").get_data(as_text=True)
    assert 'data-survey-state="closed"' in page
    assert "/console/survey" not in page  # only admins get the link to change it
