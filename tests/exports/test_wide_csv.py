"""An analyst downloads the merged dataset as CSV and reads it with Python's csv module."""

from __future__ import annotations

import pytest

from tests.exports.conftest import ENGLISH_ANSWERS, RUSSIAN_ANSWERS, read_csv

#: What the analyst expects for the Russian respondent, written out from RUSSIAN_ANSWERS.
RUSSIAN_ROW = {
    "language": "ru",
    "q1": "other",
    "q1_other": RUSSIAN_ANSWERS["q1_other"],
    "q1_other_en": "",
    "q2": "yes",
    "q2_role": RUSSIAN_ANSWERS["q2_role"],
    "q3": "RU",
    "q4": "25k",
    "q5": "yes",
    "q5_budget": "'=SUM(1+1)",
    "q6_libraries": "1",
    "q6_government": "1",
    "q6_business": "0",
    "q6_nonprofit": "0",
    "q6_associations": "0",
    "q6_other_chosen": "1",
    "q6_other": RUSSIAN_ANSWERS["q6_other"],
    "q7_libraries": "2",
    "q7_government": "1",
    "q7_business": "na",
    "q7_nonprofit": "na",
    "q7_associations": "na",
    "q7_other": "na",
    "q8": RUSSIAN_ANSWERS["q8"],
    "q8_en": "",
    "q12": "no",
    "q14_libraries": "1",
    "q14_government": "2",
    "q14_business": "na",
    "q14_nonprofit": "3",
    "q14_associations": "na",
    "q14_other": "na",
    "q15": "''=quoted already",
    "q16_meetings": "1",
    "q16_focus_groups": "0",
    "q16_mou": "1",
    "q16_statements": "0",
    "q16_other_chosen": "1",
    "q16_other": RUSSIAN_ANSWERS["q16_other"],
}

#: The English respondent declined q5, q9–q11, q13, q15: those cells stay empty.
ENGLISH_ROW = {
    "language": "en",
    "q1": "public",
    "q1_other": "",
    "q2": "no",
    "q2_role": "",
    "q3": "NA",
    "q4": "na",
    "q5": "",
    "q5_budget": "",
    "q6_libraries": "0",
    "q6_business": "1",
    "q6_other_chosen": "0",
    "q6_other": "",
    "q7_libraries": "na",
    "q7_business": "1",
    "q8": ENGLISH_ANSWERS["q8"],
    "q9": "",
    "q12": "",
    "q14_libraries": "na",
    "q14_other": "1",
    "q16_meetings": "0",
    "q16_statements": "1",
    "q16_other_chosen": "0",
}

WIDE_COLUMNS = [
    "response_id",
    "language",
    "started_at",
    "submitted_at",
    "q1",
    "q1_other",
    "q1_other_en",
    "q1_other_ru",
    "q2",
    "q2_role",
    "q2_role_en",
    "q2_role_ru",
    "q3",
    "q4",
    "q5",
    "q5_budget",
    "q5_budget_en",
    "q5_budget_ru",
    "q6_libraries",
    "q6_government",
    "q6_business",
    "q6_nonprofit",
    "q6_associations",
    "q6_other_chosen",
    "q6_other",
    "q6_other_en",
    "q6_other_ru",
    "q7_libraries",
    "q7_government",
    "q7_business",
    "q7_nonprofit",
    "q7_associations",
    "q7_other",
    "q8",
    "q8_en",
    "q8_ru",
    "q9",
    "q9_en",
    "q9_ru",
    "q10",
    "q10_en",
    "q10_ru",
    "q11",
    "q11_en",
    "q11_ru",
    "q12",
    "q13",
    "q13_en",
    "q13_ru",
    "q14_libraries",
    "q14_government",
    "q14_business",
    "q14_nonprofit",
    "q14_associations",
    "q14_other",
    "q15",
    "q15_en",
    "q15_ru",
    "q16_meetings",
    "q16_focus_groups",
    "q16_mou",
    "q16_statements",
    "q16_other_chosen",
    "q16_other",
    "q16_other_en",
    "q16_other_ru",
]


def by_language(rows):
    return {row["language"]: row for row in rows}


def test_columns_are_the_public_contract_in_order(app, viewer, two_responses):
    body = viewer.get("/export/responses.csv").data
    assert body.split(b"\r\n", 1)[0].decode() == ",".join(WIDE_COLUMNS)


def test_one_row_per_submitted_response_with_codes(app, viewer, two_responses, make_respondent):
    draft = make_respondent("en")
    draft.start()
    draft.answer(1, {"q1": "school"})  # saved but never submitted: not exported

    response = viewer.get("/export/responses.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert ".csv" in response.headers["Content-Disposition"]
    rows = by_language(read_csv(response.data))
    assert len(read_csv(response.data)) == 2
    for column, value in RUSSIAN_ROW.items():
        assert rows["ru"][column] == value, column
    for column, value in ENGLISH_ROW.items():
        assert rows["en"][column] == value, column


def test_timestamps_are_utc_iso_8601_to_the_second(app, viewer, two_responses):
    import re

    for row in read_csv(viewer.get("/export/responses.csv").data):
        for column in ("started_at", "submitted_at"):
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row[column])
        assert row["started_at"] <= row["submitted_at"]


def test_response_id_is_the_public_uuid(app, viewer, two_responses):
    from sqlalchemy import select

    from survey.extensions import db
    from survey.models import Response

    with app.app_context():
        uuids = set(db.session.scalars(select(Response.uuid)))
    exported = {row["response_id"] for row in read_csv(viewer.get("/export/responses.csv").data)}
    assert exported == uuids


def test_bom_for_excel(app, viewer, two_responses):
    plain = viewer.get("/export/responses.csv").data
    with_bom = viewer.get("/export/responses.csv?bom=1").data
    assert not plain.startswith(b"\xef\xbb\xbf")
    assert with_bom.startswith(b"\xef\xbb\xbf")
    rows = by_language(read_csv(with_bom, "utf-8-sig"))
    assert list(rows["ru"])[0] == "response_id"
    assert rows["ru"]["q8"] == RUSSIAN_ANSWERS["q8"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            {
                "q1": "Other",
                "q2": "Yes",
                "q3": "Russia",
                "q7_libraries": "2",
                "q7_business": "Not ranked",
                "q6_business": "0",
            },
        ),
        (
            "ru",
            {
                "q1": "Другое",
                "q2": "Да",
                "q3": "Россия",
                "q7_libraries": "2",
                "q7_business": "Не оценено",
                "q6_business": "0",
            },
        ),
    ],
)
def test_labels_instead_of_codes(app, viewer, two_responses, language, expected):
    rows = by_language(read_csv(viewer.get(f"/export/responses.csv?labels={language}").data))
    for column, value in expected.items():
        assert rows["ru"][column] == value, column
    assert rows["en"]["q3"] == {"en": "Namibia", "ru": "Намибия"}[language]


def test_filters_like_the_results(app, viewer, two_responses):
    ru_only = read_csv(viewer.get("/export/responses.csv?lang=ru").data)
    assert [row["language"] for row in ru_only] == ["ru"]
    members = read_csv(viewer.get("/export/responses.csv?q2=yes").data)
    assert [row["language"] for row in members] == ["ru"]
    business = read_csv(viewer.get("/export/responses.csv?q6=business").data)
    assert [row["language"] for row in business] == ["en"]
    either = read_csv(viewer.get("/export/responses.csv?q6=business&q6=government").data)
    assert sorted(row["language"] for row in either) == ["en", "ru"]
    assert viewer.get("/export/responses.csv?q2=maybe").status_code == 400


def test_ranking_filter_means_ranked_it(app, viewer, two_responses):
    ranked_libraries = read_csv(viewer.get("/export/responses.csv?q14=libraries").data)
    assert [row["language"] for row in ranked_libraries] == ["ru"]
    # Both answered q14 without ranking business (N/A): nobody "ranked business".
    assert read_csv(viewer.get("/export/responses.csv?q14=business").data) == []


def test_translations_fill_the_en_and_ru_columns(app, viewer, two_responses):
    from sqlalchemy import select

    from survey.extensions import db
    from survey.models import Answer, Response, Translation

    with app.app_context():
        answer = db.session.scalar(
            select(Answer).join(Response).where(Response.language == "ru", Answer.question == "q8")
        )
        db.session.add(Translation(answer_id=answer.id, language="en", text="Reading festival"))
        db.session.add(Translation(answer_id=answer.id, language="ru", text="Фестиваль чтения"))
        db.session.commit()

    rows = by_language(read_csv(viewer.get("/export/responses.csv").data))
    assert rows["ru"]["q8_en"] == "Reading festival"
    # Every configured language has its column: the Russian one beside the English one.
    assert rows["ru"]["q8_ru"] == "Фестиваль чтения"
    assert rows["en"]["q8_en"] == rows["en"]["q8_ru"] == ""


def test_long_csv_one_row_per_answer(app, viewer, two_responses):
    rows = read_csv(viewer.get("/export/answers.csv").data)
    assert list(rows[0]) == [
        "response_id",
        "language",
        "submitted_at",
        "question",
        "option",
        "rank",
        "text",
    ]
    wide = by_language(read_csv(viewer.get("/export/responses.csv").data))
    english_id = wide["en"]["response_id"]
    # Each row says the response's language and when it was submitted.
    assert {(row["language"], row["submitted_at"]) for row in rows} == {
        (language, wide[language]["submitted_at"]) for language in ("en", "ru")
    }
    english = {
        (row["question"], row["option"], row["rank"], row["text"])
        for row in rows
        if row["response_id"] == english_id
    }
    assert ("q1", "public", "", "") in english
    assert ("q6", "business", "", "") in english
    assert ("q7", "business", "1", "") in english
    assert ("q8", "", "", ENGLISH_ANSWERS["q8"]) in english
    assert ("q14", "other", "1", "") in english
    assert ("q14", "libraries", "", "") in english
    assert not any(row["question"] == "q17" for row in rows)


def test_codebook_describes_every_column_in_both_languages(app, viewer, two_responses):
    rows = read_csv(viewer.get("/export/codebook.csv").data)
    assert list(rows[0]) == [
        "column",
        "question",
        "type",
        "question_en",
        "question_ru",
        "option_en",
        "option_ru",
        "code",
        "label_en",
        "label_ru",
        "value",
        "asked_when_en",
        "asked_when_ru",
        "description_en",
        "description_ru",
    ]
    described = {row["column"] for row in rows}
    assert set(WIDE_COLUMNS) <= described
    assert {"q17_name", "q17_organization", "q17_email"} <= described
    q4 = {row["code"]: row for row in rows if row["column"] == "q4"}
    assert q4["lt5k"]["label_en"] == "0 – 4,999"
    assert q4["na"]["label_en"] == "Don't know / not applicable"
    assert q4["lt5k"]["question_en"] == "How many people does your library serve?"
    assert q4["lt5k"]["question_ru"] not in ("", q4["lt5k"]["question_en"])
    q7 = {row["code"]: row for row in rows if row["column"] == "q7_government"}
    assert set(q7) == {"1", "2", "3", "4", "5", "6", "na"}
    assert q7["na"]["type"] == "rank"
    assert q7["na"]["option_en"] == "Government agencies"
    flags = {row["code"] for row in rows if row["column"] == "q6_other_chosen"}
    assert flags == {"0", "1"}
    assert {row["type"] for row in rows if row["column"] == "q8_en"} == {"translation"}
