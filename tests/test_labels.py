"""One name for one thing: the form, the dashboard, a response's page and the exports agree."""

from __future__ import annotations

import re

import pytest

from tests.exports.conftest import download, read_csv, viewer  # noqa: F401 - fixture

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


NOT_RANKED = {"en": "Not ranked", "ru": "Не оценено"}
NOT_CHOSEN = {"en": "— not chosen —", "ru": "— не выбрано —"}
RETIRED = ("No rank", "Not applicable", "N/A", "Без места", "Неприменимо")


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_ranking_item_without_a_rank_has_one_name_on_the_form(make_respondent, lang):
    person = make_respondent(lang)
    person.start()
    html = person.open(5).get_data(as_text=True)
    select = html[html.index('name="q14_libraries"') :]
    select = select[: select.index("</select>")]
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]+)</option>', select)
    assert options[0] == ("", NOT_CHOSEN[lang])
    assert options[-1] == ("na", NOT_RANKED[lang])
    assert f"«{NOT_RANKED[lang]}»" in html or f"“{NOT_RANKED[lang]}”" in html  # the hint
    for retired in RETIRED:
        assert retired not in html


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_same_name_on_the_dashboard_a_responses_page_and_in_the_exports(
    app,
    make_respondent,
    viewer,  # noqa: F811
    tmp_path,
    lang,
):
    import pyreadstat

    make_respondent().complete({"q14_libraries": "1", "q4": "na", "q8": "A story"})
    dashboard = viewer.get(f"/results/?locale={lang}").get_data(as_text=True)
    table = dashboard[dashboard.index('<table class="ranking-table" data-question="q14"') :]
    table = table[: table.index("</thead>")]
    assert f">{NOT_RANKED[lang]}</th>" in table
    uuid = re.search(r'href="/results/responses/([0-9a-f-]{36})"', dashboard).group(1)
    response_page = viewer.get(f"/results/responses/{uuid}?locale={lang}").get_data(as_text=True)
    assert f'<span class="rank">{NOT_RANKED[lang]}</span>' in response_page
    for page in (dashboard, response_page):
        for retired in RETIRED:
            assert retired not in page, retired

    [row] = read_csv(viewer.get(f"/export/responses.csv?labels={lang}").data)
    assert row["q14_business"] == NOT_RANKED[lang]
    assert (
        row["q4"]
        == {"en": "Don't know / not applicable", "ru": "Затрудняюсь ответить / не применимо"}[lang]
    )
    sav = tmp_path / "responses.sav"
    sav.write_bytes(download(viewer, "responses.sav", f"labels={lang}").data)
    _frame, meta = pyreadstat.read_sav(str(sav))
    assert meta.variable_value_labels["q14_business"][99] == NOT_RANKED[lang]
