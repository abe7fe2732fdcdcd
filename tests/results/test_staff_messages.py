"""Messages to the working group name a question by its number and text, not by its code."""

from __future__ import annotations

import re

import pytest

from tests.exports.conftest import viewer  # noqa: F401 - fixture


def filter_error(html: str) -> str:
    found = re.search(r"data-filter-error>.*?<p>(.*?)</p>", html, re.S)
    assert found, "no filter error on the page"
    return found.group(1)


@pytest.mark.parametrize(
    ("query", "russian", "english"),
    [
        (
            "q2=maybe",
            "В вопросе 2 («Состоите ли вы в библиотечной ассоциации?») нет варианта "
            "ответа «maybe».",
            "Question 2 (“Are you a member of a library association?”) has no option “maybe”.",
        ),
        ("compare=q9", "Сравнивать результаты по вопросу 9 («", "compared by question 9 (“"),
        ("q9=x", "Фильтровать по вопросу 9 («", "filtered by question 9 (“"),
    ],
)
def test_a_bad_filter_names_the_question_by_number_and_text(viewer, query, russian, english):  # noqa: F811
    for locale, expected in (("ru", russian), ("en", english)):
        response = viewer.get(f"/results/?{query}&locale={locale}")
        assert response.status_code == 400
        message = filter_error(response.get_data(as_text=True))
        assert expected in message
        assert not re.search(r"\bq\d+\b", message.replace("maybe", "")), message
