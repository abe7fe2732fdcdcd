"""The working group codes open answers into categories in the coding view, and the counts
appear wherever a multiple-choice question's do.

The 2013 report sorted question 9's answers by hand ("Financing – 11 responses",
"Misunderstanding of the role of libraries – 10", "Lack of time – 7"…). Here respondents
write such answers through the web form, an analyst creates the report's categories and
codes the answers through the coding page, as a browser would post it, and the dashboard,
the API, the exports and the codebook must show exactly the counts assigned, overall and per
q2 segment. Expected figures are counted here from what the test coded.
"""

from __future__ import annotations

import html
import io
import re

import pyreadstat
import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from survey.extensions import db
from survey.models import Answer, CodingCategory
from tests.conftest import AuthActions, csrf_token_from
from tests.exports.conftest import download, read_csv

URL = "/results/coding/q9"
#: The report's categories (code, English name, Russian name).
CATEGORIES = [
    ("financing", "Financing", "Финансирование"),
    ("misunderstanding", "Misunderstanding of the role of libraries", ""),
    ("time", "Lack of time", "Нехватка времени"),
    ("place", "The lack of a meeting place", ""),
    ("bureaucracy", "Bureaucracy, imperfect laws", "Бюрократия, несовершенство законов"),
]
#: Answers in the report's words: (language, q2, q9, categories).
ANSWERS = [
    ("en", "yes", "Financing is the main challenge; we have not resolved it yet.", ["financing"]),
    (
        "en",
        "yes",
        "Lack of funds and of understanding of what libraries do.",
        ["financing", "misunderstanding"],
    ),
    ("en", "no", "Time, time, time.", ["time"]),
    ("ru", "yes", "Нет места для встреч с партнёрами.", ["place"]),
    ("ru", "no", "Бюрократия и несовершенство законов.", ["bureaucracy"]),
    ("en", "no", "Decision makers do not see the role of the library.", ["misunderstanding"]),
    ("en", "yes", "Money. We solved it with a small grant.", ["financing"]),
    ("ru", "yes", "Недостаток финансирования и времени.", ["financing", "time"]),
    ("en", "no", "It is difficult to preserve the materials in humid climates.", []),
]


@pytest.fixture
def q9_answers(make_respondent):
    for lang, q2, q9, _codes in ANSWERS:
        make_respondent(lang).complete({"q2": q2, "q9": q9})
    return ANSWERS


@pytest.fixture
def analyst(app, make_user):
    make_user("analyst@example.org", "analyst")
    client = app.test_client()
    assert AuthActions(client).login("analyst@example.org").status_code == 302
    return client


@pytest.fixture
def viewer(app, make_user):
    make_user("viewer@example.org", "viewer")
    client = app.test_client()
    assert AuthActions(client).login("viewer@example.org").status_code == 302
    return client


def body_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def post(client, url: str, **fields):
    page = client.get(url).get_data(as_text=True)
    data = MultiDict({"csrf_token": csrf_token_from(page)})
    for key, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            data.add(key, item)
    return client.post(url, data=data)


def create(client, code: str, name_en: str, name_ru: str = "", url: str = URL):
    return post(client, url, action="create", code=code, name_en=name_en, name_ru=name_ru)


def answer_ids(app) -> dict[str, int]:
    with app.app_context():
        return dict(db.session.execute(select(Answer.text, Answer.id)).all())


def category_ids(app, field: str = "q9") -> dict[str, int]:
    with app.app_context():
        return dict(
            db.session.execute(
                select(CodingCategory.code, CodingCategory.id).where(CodingCategory.field == field)
            ).all()
        )


def coding_form(page: str) -> MultiDict:
    """The list's coding form as a browser would post it unchanged."""
    form = page[page.index('name="action" value="code"') :]
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)
    fields += re.findall(r'<input type="checkbox" name="(c-\d+)" value="(\d+)"[^>]* checked', form)
    return MultiDict([("csrf_token", csrf_token_from(page)), ("action", "code"), *fields])


def code_through_the_page(app, client, coded: list[tuple[str, list[str]]], url: str = URL):
    """Tick each answer's categories on the coding page and save it."""
    form = coding_form(client.get(url).get_data(as_text=True))
    ids, categories = answer_ids(app), category_ids(app)
    for text, codes in coded:
        answer = ids[text]
        form.setlist(f"c-{answer}", [str(categories[code]) for code in codes])
    response = client.post(url, data=form)
    assert response.status_code == 302, body_of(response)


def ticked(page: str, answer: int) -> set[int]:
    """The categories ticked for an answer on a coding page."""
    boxes = re.findall(rf'<input type="checkbox" name="c-{answer}" value="(\d+)"([^>]*)>', page)
    return {int(value) for value, rest in boxes if "checked" in rest}


def expected_counts(answers, keep=lambda answer: True) -> dict[str, int]:
    return {code: sum(code in a[3] for a in answers if keep(a)) for code, *_names in CATEGORIES}


def dashboard_counts(page: str, code: str = "q9_code") -> dict[str, int]:
    rows = re.findall(rf'data-question="{code}" data-option="([a-z_]+)" data-count="(\d+)"', page)
    return {option: int(count) for option, count in rows}


# --------------------------------------------------------------------------- the report


def test_the_reports_q9_categories_are_coded_and_counted_everywhere(
    app, q9_answers, analyst, tmp_path
):
    for code, name_en, name_ru in CATEGORIES:
        assert create(analyst, code, name_en, name_ru).status_code == 302
    code_through_the_page(app, analyst, [(a[2], a[3]) for a in q9_answers])
    expected = expected_counts(q9_answers)
    coded = sum(1 for a in q9_answers if a[3])

    page = body_of(analyst.get(URL))
    assert f"{coded} of {len(q9_answers)} answers coded." in page
    listed = dict(re.findall(r'<tr data-category="([a-z_]+)" data-count="(\d+)"', page))
    assert {k: int(v) for k, v in listed.items()} == expected
    assert list(listed) == [code for code, *_ in CATEGORIES]  # the group's order, not by count

    assert dashboard_counts(body_of(analyst.get("/results/"))) == expected
    entry = analyst.get("/api/results").get_json()["questions"]["q9_code"]
    assert {o["code"]: o["count"] for o in entry["options"]} == expected
    assert (entry["answered"], entry["uncoded"]) == (coded, len(q9_answers) - coded)

    for segment in analyst.get("/api/results?compare=q2").get_json()["segments"]:
        counts = {o["code"]: o["count"] for o in segment["questions"]["q9_code"]["options"]}
        assert counts == expected_counts(q9_answers, lambda a, v=segment["value"]: a[1] == v)
    compared = body_of(analyst.get("/results/?compare=q2"))
    for value in ("yes", "no"):
        cells = re.findall(
            rf'data-segment="{value}" data-question="q9_code" data-option="([a-z_]+)" '
            r'data-count="(\d+)"',
            compared,
        )
        assert {k: int(v) for k, v in cells} == expected_counts(
            q9_answers, lambda a, v=value: a[1] == v
        )

    rows = read_csv(analyst.get("/export/responses.csv").data)
    assert {
        code: sum(row[f"q9_code_{code}"] == "1" for row in rows) for code in expected
    } == expected
    workbook = load_workbook(io.BytesIO(download(analyst, "responses.xlsx").data))
    sheet = list(workbook["responses"].iter_rows(values_only=True))
    for code, count in expected.items():
        column = sheet[0].index(f"q9_code_{code}")
        assert sum(row[column] or 0 for row in sheet[1:]) == count
    workbook.close()
    path = tmp_path / "responses.sav"
    path.write_bytes(download(analyst, "responses.sav").data)
    frame, _meta = pyreadstat.read_sav(str(path))
    assert {code: int(frame[f"q9_code_{code}"].sum()) for code in expected} == expected
    codebook = read_csv(analyst.get("/export/codebook.csv").data)
    named = {r["column"]: r["option_en"] for r in codebook if r["column"].startswith("q9_code_")}
    assert named == {f"q9_code_{code}": name for code, name, _ru in CATEGORIES}
    long = read_csv(analyst.get("/export/coded_answers.csv").data)
    assert len(long) == sum(len(a[3]) for a in q9_answers)
    assert {row["coder"] for row in long} == {"analyst@example.org"}

    # Merging keeps every assignment; an answer that had both keeps one.
    merged = post(analyst, URL, action="merge", category="time", into="financing")
    assert merged.status_code == 302
    both = {"financing", "time"}
    after = dict(expected, financing=sum(1 for a in q9_answers if both & set(a[3])))
    del after["time"]
    entry = analyst.get("/api/results").get_json()["questions"]["q9_code"]
    assert {o["code"]: o["count"] for o in entry["options"]} == after
    assert dashboard_counts(body_of(analyst.get("/results/"))) == after


# --------------------------------------------------------------------------- managing


def test_categories_are_renamed_described_ordered_retired_and_deleted(app, q9_answers, analyst):
    create(analyst, "", "", "Финансирование")  # a Russian name is enough
    create(analyst, "time", "Lack of time")
    create(analyst, "misc", "Miscellaneous")
    codes = list(category_ids(app))
    assert codes[0] == "finansirovanie"  # made from the name

    duplicate = create(analyst, "", "LACK OF TIME", "Нет времени")
    assert duplicate.status_code == 400
    page = body_of(duplicate)
    assert "already has a category called “LACK OF TIME”" in page
    assert 'value="Нет времени"' in page  # what was typed is kept

    post(analyst, URL, action="update", category="finansirovanie", name_en="Financing",
         name_ru="Финансирование", description="Money, budgets, grants")  # fmt: skip
    post(analyst, URL, action="move", category="misc", direction="up")
    page = body_of(analyst.get(URL))
    order = re.findall(r'<tr data-category="([a-z_]+)"', page)
    assert order == ["finansirovanie", "misc", "time"]
    assert "Money, budgets, grants" in page

    code_through_the_page(app, analyst, [(ANSWERS[2][2], ["time"]), (ANSWERS[0][2], ["misc"])])
    post(analyst, URL, action="retire", category="time")
    page = body_of(analyst.get(URL))
    time_id = category_ids(app)["time"]
    # Retired: no longer offered for new answers, still counted and shown where it was given.
    boxes = re.findall(rf'type="checkbox" name="c-(\d+)" value="{time_id}"', page)
    assert boxes == [str(answer_ids(app)[ANSWERS[2][2]])]
    assert (
        analyst.get("/api/results").get_json()["questions"]["q9_code"]["options"][2]["count"] == 1
    )

    refused = post(analyst, URL, action="delete", category="misc")
    assert refused.status_code == 400
    assert "is given to 1 answer" in body_of(refused)
    assert post(analyst, URL, action="delete", category="misc", confirm="1").status_code == 302
    assert "misc" not in [
        o["code"] for o in analyst.get("/api/results").get_json()["questions"]["q9_code"]["options"]
    ]
    again = create(analyst, "misc", "Miscellaneous again")
    assert again.status_code == 400
    assert "never reused" in body_of(again)


def test_coding_one_answer_at_a_time_with_a_note(app, q9_answers, analyst):
    create(analyst, "financing", "Financing")
    ids = answer_ids(app)
    first, second = ids[q9_answers[0][2]], ids[q9_answers[1][2]]
    page = body_of(analyst.get(f"{URL}?answer={first}"))
    assert q9_answers[0][2] in page and q9_answers[1][2] not in page
    assert f"Answer 1 of {len(q9_answers)}" in page
    financing = category_ids(app)["financing"]
    saved = post(
        analyst,
        f"{URL}?answer={first}",
        action="code-one",
        answer=str(first),
        then=str(second),
        **{f"c-{first}": str(financing), f"note-{first}": "Clear case."},
    )
    assert saved.status_code == 302
    assert saved.location.endswith(f"answer={second}")
    page = body_of(analyst.get(f"{URL}?answer={first}"))
    assert "Clear case." in page
    uncoded = body_of(analyst.get(f"{URL}?uncoded=1"))
    assert q9_answers[0][2] not in uncoded and q9_answers[1][2] in uncoded
    # "Next answer not coded yet" skips the one just coded.
    last = ids[q9_answers[-1][2]]
    page = body_of(analyst.get(f"{URL}?answer={last}"))
    assert re.search(rf'href="[^"]*answer={second}"[^>]*data-shortcut="u"', page)


def test_a_search_with_control_characters_is_explained_not_a_server_error(app, q9_answers, analyst):
    page = analyst.get(f"{URL}?q=fin%00ance")
    assert page.status_code == 200
    assert "The search text contains control characters" in body_of(page)
    found = body_of(analyst.get(f"{URL}?q={q9_answers[0][2][:12]}"))
    assert q9_answers[0][2] in found


def test_a_viewer_reads_the_coding_but_changes_nothing(app, q9_answers, analyst, viewer):
    create(analyst, "financing", "Financing")
    page = body_of(viewer.get(URL))
    assert "Financing" in page
    for fields in (
        {"action": "create", "name_en": "Viewer's"},
        {"action": "update", "category": "financing", "name_en": "Renamed"},
        {"action": "retire", "category": "financing"},
        {"action": "delete", "category": "financing"},
        {"action": "merge", "category": "financing", "into": "financing"},
        {"action": "code"},
    ):
        assert post(viewer, URL, **fields).status_code == 403, fields
    assert category_ids(app) == {"financing": category_ids(app)["financing"]}


# --------------------------------------------------------------------------- recoding other


def test_recoded_other_answers_change_the_recoded_figures_only(
    app, make_respondent, analyst, tmp_path
):
    make_respondent("en").complete({"q6": ["other"], "q6_other": "City council"})
    make_respondent("ru").complete(
        {"q6": ["libraries", "other"], "q6_other": "Другие библиотеки района"}
    )
    make_respondent("en").complete({"q6": ["other"], "q6_other": "Friends of the Library"})
    ids = answer_ids(app)
    url = "/results/coding/q6_other"
    page = analyst.get(url).get_data(as_text=True)
    data = MultiDict({"csrf_token": csrf_token_from(page), "action": "code"})
    for text, option in (("City council", "government"), ("Другие библиотеки района", "libraries")):
        data.add("answer", str(ids[text]))
        data.add(f"recode-{ids[text]}", option)
        data.add(f"was-recode-{ids[text]}", "")
    assert analyst.post(url, data=data).status_code == 302

    def q6(query: str = "") -> dict[str, int]:
        body = analyst.get(f"/api/results{query}").get_json()
        return {o["code"]: o["count"] for o in body["questions"]["q6"]["options"]}

    given, recoded = q6(), q6("?recoded=1")
    assert (given["government"], given["libraries"], given["other"]) == (0, 1, 3)
    # The second respondent chose libraries already: counted once.
    assert (recoded["government"], recoded["libraries"], recoded["other"]) == (1, 1, 1)
    assert analyst.get("/api/results?recoded=1").get_json()["figures"] == "recoded"
    assert "figures" not in analyst.get("/api/results").get_json()
    assert dashboard_counts(body_of(analyst.get("/results/?recoded=1")), "q6")["government"] == 1
    assert dashboard_counts(body_of(analyst.get("/results/")), "q6")["government"] == 0
    assert "Figures as recoded" in body_of(analyst.get("/results/?recoded=1"))

    as_given = read_csv(analyst.get("/export/responses.csv").data)
    as_recoded_response = analyst.get("/export/responses.csv?recoded=1")
    assert "recoded" in as_recoded_response.headers["Content-Disposition"]
    as_recoded = read_csv(as_recoded_response.data)
    assert sum(row["q6_government"] == "1" for row in as_given) == 0
    assert sum(row["q6_government"] == "1" for row in as_recoded) == 1
    assert sum(row["q6_other_chosen"] == "1" for row in as_recoded) == 1
    assert [row["q6_other"] for row in as_given if row["q6_other"]] == [
        "City council", "Другие библиотеки района", "Friends of the Library"
    ]  # fmt: skip


# --------------------------------------------------------------------------- two coders


def cohen_kappa(a: list[int], b: list[int]) -> float:
    """Cohen's kappa of two raters' 0/1 decisions, from its definition."""
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    p_a, p_b = sum(a) / n, sum(b) / n
    chance = p_a * p_b + (1 - p_a) * (1 - p_b)
    return (observed - chance) / (1 - chance)


def test_two_coders_code_independently_and_their_kappa_is_shown(app, q9_answers, make_user):
    admin = app.test_client()
    make_user("admin@example.org", "admin")
    AuthActions(admin).login("admin@example.org")
    coders = []
    for email in ("first@example.org", "second@example.org"):
        user = make_user(email, "analyst")
        client = app.test_client()
        AuthActions(client).login(email)
        coders.append((user, client))
    for code in ("financing", "time"):
        create(admin, code, code.title())
    agreement_url = "/results/coding/q9/agreement"
    assert post(admin, agreement_url, action="coders", first=str(coders[0][0].id),
                second=str(coders[1][0].id)).status_code == 302  # fmt: skip

    texts = [a[2] for a in q9_answers[:6]]
    first = {texts[0]: ["financing"], texts[1]: ["financing"], texts[2]: ["time"],
             texts[3]: [], texts[4]: ["time"], texts[5]: ["financing", "time"]}  # fmt: skip
    second = {texts[0]: ["financing"], texts[1]: [], texts[2]: ["time"],
              texts[3]: ["time"], texts[4]: ["time"], texts[5]: ["financing"]}  # fmt: skip
    ids, categories = answer_ids(app), category_ids(app)
    for (_user, client), ticks in zip(coders, (first, second), strict=True):
        page = client.get(URL).get_data(as_text=True)
        assert "independently" in page
        form = coding_form(page)
        for text, codes in ticks.items():
            form.setlist(f"c-{ids[text]}", [str(categories[c]) for c in codes])
            form.add(f"reviewed-{ids[text]}", "1")
        assert client.post(URL, data=form).status_code == 302
    # Each sees only their own ticks; what both chose counts, the rest waits for agreement.
    for (_user, client), ticks in zip(coders, (first, second), strict=True):
        answer = ids[texts[1]]
        page = client.get(f"{URL}?answer={answer}").get_data(as_text=True)
        assert ticked(page, answer) == {categories[c] for c in ticks[texts[1]]}
    agreed = [t for t in texts if first[t] == second[t]]
    entry = admin.get("/api/results").get_json()["questions"]["q9_code"]
    assert entry["answered"] == len([t for t in agreed if first[t]])
    assert {o["code"]: o["count"] for o in entry["options"]} == {
        code: sum(code in first[t] for t in agreed) for code in ("financing", "time")
    }

    page = body_of(admin.get(agreement_url))
    shown = dict(re.findall(r'data-category="([a-z]*)" data-kappa="([^"]*)"', page))
    for code in ("financing", "time"):
        a = [int(code in first[t]) for t in texts]
        b = [int(code in second[t]) for t in texts]
        assert float(shown[code]) == pytest.approx(cohen_kappa(a, b))
    pooled_a = [int(c in first[t]) for c in ("financing", "time") for t in texts]
    pooled_b = [int(c in second[t]) for c in ("financing", "time") for t in texts]
    assert float(shown[""]) == pytest.approx(cohen_kappa(pooled_a, pooled_b))
    assert 'data-answers="6"' in page

    # Reconciling one disagreement makes it count.
    assert post(admin, agreement_url, action="reconcile", answer=str(ids[texts[1]]),
                category=["financing"]).status_code == 302  # fmt: skip
    reconciled = admin.get("/api/results").get_json()["questions"]["q9_code"]
    assert reconciled["answered"] == entry["answered"] + 1
