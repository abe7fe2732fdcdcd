"""Excel users get a workbook with the codebook; SPSS users a labelled .sav file."""

from __future__ import annotations

import io
import math

import pyreadstat
import pytest
from openpyxl import load_workbook

from tests.exports.conftest import ENGLISH_ANSWERS, RUSSIAN_ANSWERS


def test_xlsx_has_responses_and_codebook_sheets(app, viewer, two_responses):
    response = viewer.get("/export/responses.xlsx")
    assert response.status_code == 200
    assert ".xlsx" in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["responses", "codebook"]
    rows = list(workbook["responses"].iter_rows(values_only=True))
    header = rows[0]
    assert header[:4] == ("response_id", "language", "started_at", "submitted_at")
    by_language = {row[1]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert len(by_language) == 2
    ru, en = by_language["ru"], by_language["en"]
    assert ru["q1"] == "other"
    assert ru["q1_other"] == RUSSIAN_ANSWERS["q1_other"]
    assert ru["q8"] == RUSSIAN_ANSWERS["q8"]  # newline and emoji intact
    assert ru["q6_other"] == RUSSIAN_ANSWERS["q6_other"]
    assert ru["q7_government"] == 1
    assert ru["q7_libraries"] == 2
    assert ru["q7_business"] == "na"
    assert ru["q6_business"] == 0
    assert en["q8"] == ENGLISH_ANSWERS["q8"]
    assert en["q5"] is None
    assert en["q6_business"] == 1

    codebook = list(workbook["codebook"].iter_rows(values_only=True))
    assert codebook[0][:3] == ("column", "question", "type")
    assert any(row[0] == "q3" and row[7] == "RU" and row[8] == "Russia" for row in codebook)
    workbook.close()


@pytest.fixture
def sav(viewer, two_responses, tmp_path):
    def download(query: str = ""):
        response = viewer.get(f"/export/responses.sav{query}")
        assert response.status_code == 200
        assert ".sav" in response.headers["Content-Disposition"]
        path = tmp_path / "responses.sav"
        path.write_bytes(response.data)
        return path

    return download


def test_spss_values_and_labels(app, sav):
    path = sav()
    frame, meta = pyreadstat.read_sav(str(path), user_missing=True)
    rows = {row["language"]: row for row in frame.to_dict("records")}
    ru, en = rows["ru"], rows["en"]

    assert ru["q1"] == "other"
    assert ru["q3"] == "RU"
    assert ru["q8"] == RUSSIAN_ANSWERS["q8"]
    assert ru["q7_government"] == 1
    assert ru["q7_libraries"] == 2
    assert ru["q7_business"] == 99  # not applicable, a user-missing value
    assert ru["q6_libraries"] == 1
    assert ru["q6_business"] == 0
    assert en["q5"] == ""
    assert en["q5_budget"] == ""
    assert en["q9_en"] == ""
    assert en["q14_other"] == 1
    assert en["q14_libraries"] == 99
    assert ru["q14_associations"] == 99

    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels["q4"] == "How many people does your library serve?"
    assert "Government agencies" in labels["q6_government"]
    assert meta.variable_value_labels["q4"]["lt5k"] == "0 – 4,999"
    assert meta.variable_value_labels["q2"] == {"yes": "Yes", "no": "No"}
    assert meta.variable_value_labels["q7_government"][99] == "Not ranked"
    assert meta.variable_value_labels["q6_government"] == {1: "Chosen", 0: "Not chosen"}
    assert meta.missing_ranges["q7_government"] == [{"lo": 99.0, "hi": 99.0}]

    # Read as SPSS does by default, N/A is missing: the mean rank ignores it.
    plain, _meta = pyreadstat.read_sav(str(path))
    ranks = plain.set_index("language")["q14_business"]
    assert math.isnan(ranks["ru"])


def test_declined_ranking_is_system_missing(app, sav, make_respondent):
    make_respondent("en").complete({"q1": "school"})
    frame, _meta = pyreadstat.read_sav(str(sav()), user_missing=True)
    declined = frame[frame["q1"] == "school"].iloc[0]
    assert math.isnan(declined["q14_libraries"])
    assert math.isnan(declined["q6_libraries"])


def test_spss_labels_in_russian(app, sav):
    _frame, meta = pyreadstat.read_sav(str(sav("?labels=ru")))
    assert meta.variable_value_labels["q2"] == {"yes": "Да", "no": "Нет"}
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels["q4"] != "How many people does your library serve?"
