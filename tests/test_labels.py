"""One name for one thing: the form, the dashboard, a response's page and the exports agree."""

from __future__ import annotations

import re

import pytest

from tests.exports.conftest import read_csv, viewer  # noqa: F401 - fixture

OTHER = {"en": "Other", "ru": "Другое"}
OTHER_ON_FORM = {"en": "Other (please specify)", "ru": "Другое (уточните)"}


def labels_of(html: str, name: str) -> dict[str, str]:
    return dict(re.findall(rf'<label for="({name}[^"]*)">([^<]+)</label>', html))


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_other_asks_for_words_on_the_form_and_is_other_afterwards(make_respondent, lang):
    person = make_respondent(lang)
    person.start()
    html = person.open(2).get_data(as_text=True)
    assert labels_of(html, "q6")["q6-other"] == OTHER_ON_FORM[lang]
    # Chosen without words, it is ranked as "Other", not as a request to specify.
    person.answer(2, {"q6": ["libraries", "other"]})
    ranking = labels_of(person.open(3).get_data(as_text=True), "q7_")
    assert ranking["q7_other"] == OTHER[lang]
    # With words, the respondent's own.
    person.answer(2, {"q6": ["libraries", "other"], "q6_other": "Friends"})
    assert labels_of(person.open(3).get_data(as_text=True), "q7_")["q7_other"] == "Friends"


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_other_is_other_on_the_dashboard_and_in_the_exports(make_respondent, viewer, lang):  # noqa: F811
    make_respondent().complete({"q1": "other", "q6": ["other"], "q16": ["other"]})
    dashboard = viewer.get(f"/results/?locale={lang}").get_data(as_text=True)
    for code in ("q1", "q6", "q16"):
        row = re.search(
            rf'<tr data-question="{code}" data-option="other".*?<th scope="row">([^<]+)<',
            dashboard,
            re.S,
        )
        assert row and row.group(1).strip() == OTHER[lang], code
    assert OTHER_ON_FORM[lang] not in dashboard
    [row] = read_csv(viewer.get(f"/export/responses.csv?labels={lang}").data)
    assert row["q1"] == OTHER[lang]
