"""A filter selects the same respondents everywhere: the results API, the dashboard's lists of
open answers and every export.

Twelve people answer through the web form, each writing a question 8 answer that names
them. For each kind of filter — language, single choice, multiple choice (one option, or
either of two), a ranking item ("ranked it": an item marked N/A does not count), a country
(Namibia's `NA` is not "prefer not to say") and two filters together — the test works out
here who should be selected, and checks the API's total, the open-answer pages and the
dashboard, the wide and long CSV, the XLSX and the .sav files.
"""

from __future__ import annotations

import io
import re

import pyreadstat
import pytest
from openpyxl import load_workbook

from tests.exports.conftest import download, read_csv

PEOPLE = [
    ("en", {"q1": "public", "q2": "yes", "q3": "NA", "q6": ["government"], "q14_business": "1"}),
    ("en", {"q1": "public", "q2": "no", "q3": "na", "q6": ["business"], "q14_business": "na"}),
    ("ru", {"q1": "academic", "q2": "yes", "q3": "RU", "q14_business": "2", "q14_libraries": "1"}),
    ("ru", {"q1": "public", "q6": ["government", "business"], "q14_libraries": "1"}),
    ("en", {"q1": "school", "q2": "yes", "q3": "NA", "q14_business": "na", "q14_other": "1"}),
    ("en", {"q2": "no", "q3": "US", "q6": ["libraries"]}),
    ("ru", {"q1": "public", "q2": "yes", "q3": "RU", "q6": ["business"], "q14_business": "1"}),
    ("en", {"q1": "academic", "q3": "NA", "q6": ["government", "libraries"]}),
    ("ru", {"q2": "no", "q14_business": "na", "q14_government": "1"}),
    (
        "en",
        {
            "q1": "public",
            "q2": "yes",
            "q14_business": "3",
            "q14_libraries": "1",
            "q14_nonprofit": "2",
        },
    ),
    ("en", {"q1": "other", "q1_other": "Prison library", "q3": "na"}),
    ("ru", {}),
]


def ranked(answers: dict, item: str) -> bool:
    return answers.get(f"q14_{item}", "na") != "na"


FILTERS = {
    "?lang=ru": lambda lang, a: lang == "ru",
    "?q1=public": lambda lang, a: a.get("q1") == "public",
    "?q2=no": lambda lang, a: a.get("q2") == "no",
    "?q6=government": lambda lang, a: "government" in a.get("q6", []),
    "?q6=government&q6=business": lambda lang, a: bool(
        {"government", "business"} & set(a.get("q6", []))
    ),
    "?q14=business": lambda lang, a: ranked(a, "business"),
    "?q3=NA": lambda lang, a: a.get("q3") == "NA",
    "?q3=na": lambda lang, a: a.get("q3") == "na",
    "?q2=yes&q14=business": lambda lang, a: a.get("q2") == "yes" and ranked(a, "business"),
    "?lang=en&q1=public": lambda lang, a: lang == "en" and a.get("q1") == "public",
}
TEXT = re.compile(r"Answer of person (\d+)")


def person_text(number: int) -> str:
    return f"Answer of person {number}"


@pytest.fixture
def crowd(make_respondent):
    for number, (lang, answers) in enumerate(PEOPLE):
        make_respondent(lang).complete({**answers, "q8": person_text(number)})


@pytest.fixture
def member(app, make_user, auth):
    make_user("admin@example.org", "admin")
    assert auth.login("admin@example.org").status_code == 302
    return auth.client


def people(texts) -> set[int]:
    return {int(match[1]) for text in texts if text for match in TEXT.finditer(str(text))}


def answer_pages(client, query: str) -> set[int]:
    """Every person on the open-answer pages of question 8, following "older answers"."""
    found: set[int] = set()
    url = f"/results/answers/q8{query}"
    while url:
        page = client.get(url)
        assert page.status_code == 200, url
        html = page.get_data(as_text=True)
        found |= people([html])
        older = re.search(r'<a rel="next" href="([^"]+)"', html)
        url = older[1].replace("&amp;", "&") if older else None
    return found


@pytest.mark.parametrize("query", list(FILTERS))
def test_a_filter_selects_the_same_respondents_everywhere(crowd, member, tmp_path, query):
    keep = FILTERS[query]
    expected = {number for number, (lang, a) in enumerate(PEOPLE) if keep(lang, a)}
    assert expected, "every filter selects somebody"
    assert len(expected) < len(PEOPLE), "and leaves somebody out"

    assert member.get(f"/api/results{query}").get_json()["total"] == len(expected)
    assert answer_pages(member, query) == expected
    dashboard = member.get(f"/results/{query}").get_data(as_text=True)
    section = dashboard[dashboard.index('id="result-q8"') : dashboard.index('id="result-q9"')]
    assert people([section]) == expected

    wide = read_csv(member.get(f"/export/responses.csv{query}").data)
    assert people(row["q8"] for row in wide) == expected
    assert len(wide) == len(expected)
    long = read_csv(member.get(f"/export/answers.csv{query}").data)
    assert people(row["text"] for row in long if row["question"] == "q8") == expected
    assert len({row["response_id"] for row in long}) == len(expected)

    workbook = load_workbook(io.BytesIO(download(member, "responses.xlsx", query.lstrip("?")).data))
    rows = list(workbook["responses"].iter_rows(values_only=True))
    column = rows[0].index("q8")
    assert people(row[column] for row in rows[1:]) == expected
    assert len(rows) - 1 == len(expected)
    workbook.close()

    path = tmp_path / "responses.sav"
    path.write_bytes(download(member, "responses.sav", query.lstrip("?")).data)
    frame, _meta = pyreadstat.read_sav(str(path))
    assert people(frame["q8"]) == expected
    assert len(frame) == len(expected)
