"""An open question's coded categories are counted, filtered, compared and exported like any
multiple-choice question (q9 -> q9_code).

Respondents answer question 9 through the web form; the working group's categories and
codings are made with `survey.open_answers.coding` (the pages and the API that do the same
are tested with them). Every expected figure is counted here from what the test coded.
"""

from __future__ import annotations

import io

import pyreadstat
import pytest
from openpyxl import load_workbook

from survey.database import begin_write
from survey.extensions import db
from survey.open_answers import coding
from tests.exports.conftest import download, read_csv, wipe_responses

#: (language, q2 answer, q9 answer, categories coded)
PEOPLE = [
    ("en", "yes", "No money for anything; the budget was cut twice.", ["financing"]),
    ("en", "yes", "The council does not see what a library is for.", ["misunderstanding"]),
    ("en", "no", "Money, and nobody understands our role.", ["financing", "misunderstanding"]),
    ("ru", "yes", "Нет времени: время, время, время.", ["time"]),
    ("ru", "no", "Недостаточно финансирования.", ["financing"]),
    ("en", "no", "Still thinking about it.", []),
    ("en", "yes", None, []),
]
CATEGORIES = {
    "financing": {"en": "Financing", "ru": "Финансирование"},
    "misunderstanding": {"en": "Misunderstanding of the role of libraries"},
    "time": {"ru": "Нехватка времени"},
}


@pytest.fixture
def coded(app, make_respondent):
    for lang, q2, q9, _codes in PEOPLE:
        answers = {"q2": q2, **({"q9": q9} if q9 else {})}
        make_respondent(lang).complete(answers)
    with app.app_context():
        begin_write()
        for code, names in CATEGORIES.items():
            coding.create_category("q9", names, code=code)
        from sqlalchemy import select

        from survey.models import Answer

        for _lang, _q2, q9, codes in PEOPLE:
            if q9:
                answer = db.session.scalar(select(Answer.id).where(Answer.text == q9))
                coding.set_codings("q9", answer, codes, None)
        db.session.commit()
    return PEOPLE


@pytest.fixture
def member(app, make_user, auth):
    make_user("admin@example.org", "admin")
    assert auth.login("admin@example.org").status_code == 302
    return auth.client


def expected(people, keep=lambda person: True):
    chosen = [p for p in people if keep(p)]
    counts = {code: sum(code in p[3] for p in chosen) for code in CATEGORIES}
    coded = sum(1 for p in chosen if p[3])
    answered = sum(1 for p in chosen if p[2])
    return counts, coded, answered - coded


def test_the_coded_question_is_in_the_results_overall_and_by_segment(coded, member):
    body = member.get("/api/results").get_json()
    entry = body["questions"]["q9_code"]
    counts, coded_answers, uncoded = expected(coded)
    assert entry["type"] == "multiple"
    assert entry["coded_from"] == "q9"
    assert (entry["answered"], entry["uncoded"]) == (coded_answers, uncoded)
    assert [o["code"] for o in entry["options"]] == list(CATEGORIES)  # the group's order
    assert {o["code"]: o["count"] for o in entry["options"]} == counts
    financing = next(o for o in entry["options"] if o["code"] == "financing")
    assert financing["percent"] == round(100 * counts["financing"] / coded_answers, 1)
    assert next(o for o in entry["options"] if o["code"] == "time")["label"] == "Нехватка времени"

    compared = member.get("/api/results?compare=q2").get_json()
    for segment in compared["segments"]:
        seg = segment["questions"]["q9_code"]
        counts, coded_answers, _ = expected(coded, lambda p, v=segment["value"]: p[1] == v)
        assert {o["code"]: o["count"] for o in seg["options"]} == counts
        assert seg["answered"] == coded_answers
    assert "q9_code" in compared["tests"]


def test_filtering_by_a_category_selects_the_respondents_whose_answer_has_it(coded, member):
    body = member.get("/api/results?q9_code=misunderstanding").get_json()
    assert body["total"] == sum(1 for p in coded if "misunderstanding" in p[3])
    both = member.get("/api/results?q9_code=time,financing").get_json()
    assert both["total"] == sum(1 for p in coded if {"time", "financing"} & set(p[3]))
    refused = member.get("/api/results?q9_code=nothing")
    assert refused.status_code == 400
    assert "question 9" in refused.get_json()["message"].lower()


def test_every_export_has_a_column_per_category(coded, member, tmp_path):
    rows = read_csv(member.get("/export/responses.csv").data)
    header = list(rows[0])
    start = header.index("q9_ru") + 1  # after the text and its translations
    assert header[start : start + 3] == [f"q9_code_{code}" for code in CATEGORIES]
    by_text = {row["q9"]: row for row in rows}
    for _lang, _q2, q9, codes in coded:
        row = by_text[q9 or ""]
        cells = [row[f"q9_code_{code}"] for code in CATEGORIES]
        if codes:
            assert cells == [str(int(code in codes)) for code in CATEGORIES]
        else:
            assert cells == ["", "", ""]  # not coded (or not answered): empty

    codebook = {
        (r["column"], r["code"]): r for r in read_csv(member.get("/export/codebook.csv").data)
    }
    assert codebook[("q9_code_financing", "1")]["option_en"] == "Financing"
    assert codebook[("q9_code_financing", "1")]["option_ru"] == "Финансирование"
    assert codebook[("q9_code_time", "1")]["option_en"] == "Нехватка времени"

    workbook = load_workbook(io.BytesIO(download(member, "responses.xlsx").data))
    sheet = list(workbook["responses"].iter_rows(values_only=True))
    column = sheet[0].index("q9_code_financing")
    assert sum(row[column] or 0 for row in sheet[1:]) == sum("financing" in p[3] for p in coded)
    workbook.close()

    path = tmp_path / "responses.sav"
    path.write_bytes(download(member, "responses.sav").data)
    frame, meta = pyreadstat.read_sav(str(path))
    assert frame["q9_code_time"].sum() == sum("time" in p[3] for p in coded)
    assert meta.variable_value_labels["q9_code_time"] == {1.0: "Chosen", 0.0: "Not chosen"}

    long = read_csv(member.get("/export/answers.csv").data)
    assert not [row for row in long if row["question"] == "q9_code"]


def test_an_export_imported_back_keeps_its_codings(app, coded, member, tmp_path):
    exported = member.get("/export/responses.csv").data
    wipe_responses(app)
    assert member.get("/api/results").get_json()["questions"]["q9_code"]["answered"] == 0
    source = tmp_path / "responses.csv"
    source.write_bytes(exported)
    result = app.test_cli_runner().invoke(args=["import-csv", str(source)])
    assert result.exit_code == 0, result.output
    assert member.get("/export/responses.csv").data == exported


def test_merging_keeps_every_assignment_and_the_counts_follow(app, coded, member):
    with app.app_context():
        begin_write()
        moved = coding.merge_categories("q9", "misunderstanding", "financing")
        db.session.commit()
    # The respondent coded with both keeps one.
    assert moved == sum(1 for p in coded if "misunderstanding" in p[3] and "financing" not in p[3])
    entry = member.get("/api/results").get_json()["questions"]["q9_code"]
    merged = sum(1 for p in coded if {"financing", "misunderstanding"} & set(p[3]))
    assert {o["code"]: o["count"] for o in entry["options"]} == {
        "financing": merged,
        "time": sum("time" in p[3] for p in coded),
    }
    with app.app_context():
        begin_write()
        with pytest.raises(coding.CodingError):
            coding.create_category("q9", {"en": "Misunderstanding again"}, code="misunderstanding")
        db.session.rollback()


def test_a_retired_category_stays_in_the_figures_but_takes_no_new_answers(app, coded, member):
    with app.app_context():
        begin_write()
        coding.update_category("q9", "time", retired=True)
        db.session.commit()
        from sqlalchemy import select

        from survey.models import Answer

        begin_write()
        answer = db.session.scalar(select(Answer.id).where(Answer.text == coded[5][2]))
        with pytest.raises(coding.CodingError):
            coding.set_codings("q9", answer, ["time"], None)
        db.session.rollback()
    entry = member.get("/api/results").get_json()["questions"]["q9_code"]
    assert {o["code"]: o["count"] for o in entry["options"]}["time"] == 1


def test_the_response_page_shows_its_categories(app, coded, member):
    with app.app_context():
        from sqlalchemy import select

        from survey.models import Answer, Response

        uuid, other = (
            db.session.scalar(select(Response.uuid).join(Answer).where(Answer.text == person[2]))
            for person in (coded[2], coded[5])
        )
    page = member.get(f"/results/responses/{uuid}").get_data(as_text=True)
    section = page[page.index('data-question="q9_code"') :]
    assert "Financing" in section[:2000]
    assert "Misunderstanding of the role of libraries" in section[:2000]
    page = member.get(f"/results/responses/{other}").get_data(as_text=True)
    assert "Not coded yet." in page
