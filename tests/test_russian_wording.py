"""The Russian a Russian librarian writes: the review's wordings, where people meet them."""

from __future__ import annotations

import re

import pytest

from survey.extensions import db
from survey.models import Answer, Response, Translation
from tests.conftest import csrf_token_from
from tests.exports.conftest import admin  # noqa: F401 - fixture

TITLE = "Опрос о партнёрстве в продвижении интересов библиотек"


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def russian(make_respondent):
    person = make_respondent("ru")
    person.start()
    person.answer(2, {"q6": ["government", "other"]})
    return person


@pytest.mark.parametrize(
    ("number", "wordings"),
    [
        (
            1,
            [
                "Профессиональная ассоциация (объединение)",
                "Затрудняюсь ответить / не применимо",
                "Состоите ли вы в библиотечной ассоциации?",
            ],
        ),
        (2, ["Органы власти (государственные и муниципальные)", "Другое (уточните)"]),
        (
            3,
            [
                "Расставьте по местам организации, с которыми сотрудничает ваша библиотека: кто "
                "лучше всего помогает продвигать интересы библиотек? (1 — лучший партнёр)",
                "— не выбрано —",
                "Не оценено",
            ],
        ),
        (5, ["Помимо нынешних партнёров: с кем из местного сообщества"]),
        (6, ["Фамилия и имя"]),
    ],
)
def test_the_questions_read_as_reviewed(russian, number, wordings):
    page = text(russian.open(number).text)
    for wording in wordings:
        assert wording in page
    for retired in ("Неприменимо", "Без места", "Профессиональный союз", "Органы государственной"):
        assert retired not in page


def test_the_advocacy_phrase_is_varied_rather_than_repeated_in_every_question(russian):
    questions = " ".join(
        text(re.search(r"<main.*</main>", russian.open(number).text, re.S).group(0))
        for number in range(1, 7)
    )
    # It was in 12 questions; now 5 of the 17 say it, the others say it another way.
    assert len(re.findall(r"интерес\w* библиотек", questions)) == 5
    assert "отстаивая свои интересы" in questions
    assert "в интересах библиотек" in questions


def test_the_welcome_and_thank_you_pages(russian):
    welcome = russian.client.get("/ru/").text
    assert f"<title>Добро пожаловать · {TITLE}</title>" in welcome
    assert "<h1>Партнёрство в продвижении интересов библиотек</h1>" in welcome
    assert "Продолжить заполнение" in welcome
    fresh = russian.client.application.test_client().get("/ru/").text
    assert "Перейти к вопросам" in fresh
    russian.complete({})
    thanks = text(russian.client.get("/ru/thanks").text)
    assert "Коллега тоже хочет ответить с этого устройства?" in thanks
    assert "Начать новую анкету" in thanks


def test_the_working_groups_pages(app, admin, make_respondent):  # noqa: F811
    make_respondent("ru").complete(
        {"q1": "other", "q8": "Фестиваль чтения", "q14_libraries": "1", "q17_name": "Ирина"}
    )
    dashboard = text(admin.get("/results/?locale=ru").text)
    assert "Фильтры и сравнение" in dashboard
    assert "Первых мест" in dashboard
    assert "1-е место" not in dashboard
    refused = text(admin.get("/results/?q2=maybe&locale=ru").text)
    assert "Сбросить фильтры" in refused
    with app.app_context():
        uuid = db.session.query(Response.uuid).scalar()
    page = admin.get(f"/results/responses/{uuid}?locale=ru").text
    shown = admin.post(
        f"/results/responses/{uuid}?locale=ru",
        data={"csrf_token": csrf_token_from(page), "action": "show_contact"},
    )
    assert "Просмотр этих данных записан в журнал доступа." in text(shown.text)
    with app.app_context():
        answer = db.session.query(Answer).filter_by(question="q8").one()
        db.session.add(Translation(answer_id=answer.id, language="en", text="A reading festival"))
        db.session.commit()
    translations = text(admin.get("/results/translations?show=all&locale=ru").text)
    assert "Перевод на английский" in translations
