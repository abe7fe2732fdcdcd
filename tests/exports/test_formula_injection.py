"""Answers that look like formulas come out inert in CSV and XLSX (OWASP CSV injection)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.exports.conftest import download, read_csv

FORMULAS = ["=SUM(1+1)", "+1", "-1+1", "@A1", '=HYPERLINK("http://x","y")']


@pytest.fixture
def formula_answers(make_respondent):
    make_respondent("en").complete(
        {
            "q2": "yes",
            "q2_role": FORMULAS[0],
            "q8": FORMULAS[1],
            "q9": FORMULAS[2],
            "q10": FORMULAS[3],
            "q11": FORMULAS[4],
            "q13": "'@already quoted",
            "q14_libraries": "1",
        }
    )


FORMULA_COLUMNS = ["q2_role", "q8", "q9", "q10", "q11"]


def test_csv_prefixes_formula_text_with_an_apostrophe(app, viewer, formula_answers):
    row = read_csv(viewer.get("/export/responses.csv").data)[0]
    for column, formula in zip(FORMULA_COLUMNS, FORMULAS, strict=True):
        assert row[column] == "'" + formula
    # An answer that itself starts with an apostrophe gets one more, so import can undo it.
    assert row["q13"] == "''@already quoted"
    # Numbers the application writes stay numbers.
    assert row["q14_libraries"] == "1"


def test_long_csv_is_neutralised_too(app, viewer, formula_answers):
    rows = read_csv(viewer.get("/export/answers.csv").data)
    texts = {row["question"]: row["text"] for row in rows}
    for column, formula in zip(FORMULA_COLUMNS, FORMULAS, strict=True):
        assert texts[column] == "'" + formula


def test_csv_without_apostrophes_when_asked(app, viewer, formula_answers):
    row = read_csv(viewer.get("/export/responses.csv?formula_safe=0").data)[0]
    for column, formula in zip(FORMULA_COLUMNS, FORMULAS, strict=True):
        assert row[column] == formula
    assert row["q13"] == "'@already quoted"


def test_xlsx_formula_text_is_a_text_cell_as_typed(app, viewer, formula_answers):
    """XLSX cells are typed: text is never run, so it needs (and gets) no apostrophe."""
    workbook = load_workbook(io.BytesIO(download(viewer, "responses.xlsx").data))
    sheet = workbook["responses"]
    header = [cell.value for cell in sheet[1]]
    cells = {name: cell for name, cell in zip(header, sheet[2], strict=False)}
    for column, formula in zip(FORMULA_COLUMNS, FORMULAS, strict=True):
        assert cells[column].data_type == "s"
        assert cells[column].value == formula
    assert cells["q13"].value == "'@already quoted"
    assert cells["q14_libraries"].value == 1
    assert cells["q14_libraries"].data_type == "n"
    workbook.close()
