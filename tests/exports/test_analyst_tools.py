"""Analysts open every export with their own tools — openpyxl and pandas, pyreadstat (SPSS and
Stata), R with haven and the generated R script — and find declined answers missing, codes
labelled with labels that tell them apart, numbers as numbers and times as times."""

from __future__ import annotations

import math
import os
import shutil
import subprocess
from datetime import datetime

import pandas as pd
import pyreadstat
import pytest
from openpyxl import load_workbook

from tests.exports.conftest import ENGLISH_ANSWERS, RUSSIAN_ANSWERS, download

#: The English respondent (ENGLISH_ANSWERS) declined q5 and q12 and did not answer q9.
DECLINED = ("q5", "q12")


@pytest.fixture
def saved(viewer, two_responses, tmp_path):
    """`saved(name, query)`: the export downloaded as the viewer gets it, in a file."""

    def save(name: str, query: str = "") -> str:
        response = download(viewer, name, query)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        path = tmp_path / name
        path.write_bytes(response.data)
        return str(path)

    return save


def rows_by_language(frame: pd.DataFrame, column: str = "language") -> dict[str, dict]:
    return {row[column]: row for row in frame.to_dict("records")}


# --------------------------------------------------------------------------- XLSX


def test_xlsx_in_openpyxl_and_pandas(app, saved):
    path = saved("responses.xlsx")
    workbook = load_workbook(path, read_only=True)
    assert workbook.sheetnames == ["responses", "codebook"]
    rows = list(workbook["responses"].iter_rows(values_only=True))
    header = rows[0]
    assert header[:4] == ("response_id", "language", "started_at", "submitted_at")
    by_language = {row[1]: dict(zip(header, row, strict=False)) for row in rows[1:]}
    ru, en = by_language["ru"], by_language["en"]
    assert isinstance(ru["submitted_at"], datetime)  # a date Excel can calculate with
    assert ru["q8"] == RUSSIAN_ANSWERS["q8"]  # newline and emoji intact
    assert ru["q7_government"] == 1 and ru["q7_libraries"] == 2
    assert ru["q7_business"] == "na"
    assert ru["q6_business"] == 0
    assert en["q3"] == "NA"  # Namibia, a text cell
    for question in DECLINED:
        assert en[question] is None
    codebook = list(workbook["codebook"].iter_rows(values_only=True))
    assert any(row[0] == "q3" and row[7] == "RU" and row[8] == "Russia" for row in codebook)
    workbook.close()

    frame = pd.read_excel(path, sheet_name="responses", keep_default_na=False, na_values=[""])
    en = rows_by_language(frame)["en"]
    assert en["q3"] == "NA"
    assert all(pd.isna(en[question]) for question in DECLINED)


# --------------------------------------------------------------------------- CSV


def test_csv_in_pandas_keeps_namibia_when_read_as_documented(app, saved):
    path = saved("responses.csv")
    # pandas' default reads "NA" (Namibia) as missing: the README and codebook say why not to.
    default = rows_by_language(pd.read_csv(path))
    assert pd.isna(default["en"]["q3"])
    frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
    en, ru = rows_by_language(frame)["en"], rows_by_language(frame)["ru"]
    assert en["q3"] == "NA"
    assert all(pd.isna(en[question]) for question in DECLINED)
    assert ru["q7_business"] == "na" and ru["q7_government"] == "1"


def test_csv_with_semicolons_and_question_texts_as_headers(app, saved):
    frame = pd.read_csv(
        saved("responses.csv", "sep=semicolon&headers=text&questions=q3,q4"),
        sep=";",
        keep_default_na=False,
    )
    assert list(frame.columns)[4:] == [
        "In which country is your library?",
        "How many people does your library serve?",
    ]
    assert sorted(frame.iloc[:, 4]) == ["NA", "RU"]


# --------------------------------------------------------------------------- SPSS


def test_sav_codes_are_numbers_with_labels_and_declined_is_missing(app, saved):
    frame, meta = pyreadstat.read_sav(saved("responses.sav"), user_missing=True)
    labels = meta.variable_value_labels
    language = {code: label for code, label in labels["language"].items()}
    rows = {language[row["language"]]: row for row in frame.to_dict("records")}
    ru, en = rows["Русский"], rows["English"]

    assert labels["q1"][ru["q1"]] == "Other"
    assert labels["q3"][ru["q3"]] == "Russia" and ru["q3"] == 643  # ISO 3166-1 numeric
    assert labels["q3"][en["q3"]] == "Namibia" and en["q3"] == 516
    assert labels["q2"] == {1: "Yes", 2: "No"}
    for question in DECLINED:
        assert math.isnan(en[question])  # system-missing: SPSS, PSPP and haven leave it out
    assert ru["q7_government"] == 1 and ru["q7_libraries"] == 2
    assert ru["q7_business"] == 99  # not ranked, declared user-missing
    assert meta.missing_ranges["q7_government"] == [{"lo": 99.0, "hi": 99.0}]
    assert labels["q7_government"][99] == "Not ranked"
    assert labels["q6_government"] == {1: "Chosen", 0: "Not chosen"}
    assert ru["q8"] == RUSSIAN_ANSWERS["q8"]
    assert isinstance(ru["submitted_at"], datetime)
    assert meta.original_variable_types["submitted_at"].startswith("DATETIME")

    # Read as SPSS reads it, not ranked is missing too: a mean rank leaves it out.
    plain, _meta = pyreadstat.read_sav(saved("responses.sav"))
    assert plain["q14_business"].isna().all()


@pytest.mark.parametrize("language", ["en", "ru"])
def test_sav_labels_are_distinct_in_both_languages(app, saved, language):
    _frame, meta = pyreadstat.read_sav(saved("responses.sav", f"labels={language}"))
    variable_labels = meta.column_names_to_labels
    # Item first: every q7_* and q14_* variable has a label of its own, also in Russian.
    assert len(set(variable_labels.values())) == len(variable_labels)
    for name, value_labels in meta.variable_value_labels.items():
        assert len(set(value_labels.values())) == len(value_labels), name
    if language == "ru":
        assert meta.variable_value_labels["q2"] == {1: "Да", 2: "Нет"}
        assert variable_labels["q7_government"].startswith("Органы власти")


def test_one_long_answer_does_not_widen_every_row(app, viewer, make_respondent, tmp_path):
    long_answer = "Библиотека " * 450  # 4,950 characters, about 9,000 bytes of UTF-8
    make_respondent("ru").complete({"q1": "public", "q8": long_answer})
    for __ in range(3):
        make_respondent("en").complete({"q1": "school", "q8": "Short."})
    path = tmp_path / "responses.sav"
    path.write_bytes(download(viewer, "responses.sav").data)
    frame, meta = pyreadstat.read_sav(str(path))
    assert meta.variable_storage_width["q8"] <= 255
    cut = frame.loc[frame["q8"].str.len() > 10, "q8"].iloc[0]
    assert cut.endswith("…") and long_answer.startswith(cut[:-1])
    assert len(cut.encode("utf-8")) <= 255


# --------------------------------------------------------------------------- Stata


def test_dta_codes_are_numbers_with_labels_and_declined_is_missing(app, saved):
    frame, meta = pyreadstat.read_dta(saved("responses.dta"))
    labels = meta.variable_value_labels
    rows = {labels["language"][row["language"]]: row for row in frame.to_dict("records")}
    ru, en = rows["Русский"], rows["English"]
    assert labels["q3"][en["q3"]] == "Namibia"
    for question in DECLINED:
        assert math.isnan(en[question])
    assert ru["q7_business"] == 99 and labels["q7_business"][99] == "Not ranked"
    assert ru["q8"] == RUSSIAN_ANSWERS["q8"]
    assert isinstance(ru["submitted_at"], datetime)
    # Stata keeps 80 characters of a variable label: the item comes first.
    assert len(set(meta.column_names_to_labels.values())) == len(meta.column_names)
    assert all(len(label) <= 80 for label in meta.column_labels)


# --------------------------------------------------------------------------- R


def r_literal(text: str) -> str:
    from survey.exports.r_script import r_string

    return r_string(text)


@pytest.fixture
def rscript():
    """R with haven (apt-get install r-base-core r-cran-haven); required under CI."""
    path = shutil.which("Rscript")
    ok = (
        path
        and subprocess.run(
            [path, "-e", "library(haven)"], capture_output=True, check=False
        ).returncode
        == 0
    )
    if not ok:
        if os.environ.get("CI") == "true":
            pytest.fail("Rscript with haven is required under CI=true")
        pytest.skip("Rscript with haven is not installed")

    def run(code: str) -> dict[str, str]:
        # An analyst's R runs in a UTF-8 locale (the tests clear the operator's own).
        environment = {**os.environ, "LC_ALL": "C.UTF-8"}
        result = subprocess.run(
            [path, "--vanilla", "-e", code],
            capture_output=True,
            text=True,
            check=False,
            env=environment,
        )
        assert result.returncode == 0, result.stderr
        return dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)

    return run


def test_r_haven_reads_the_sav(app, saved, rscript):
    path = saved("responses.sav")
    q8 = r_literal(RUSSIAN_ANSWERS["q8"])
    found = rscript(
        f"""
        library(haven)
        d <- read_sav("{path}")
        en <- d[as_factor(d$language) == "English", ]
        ru <- d[as_factor(d$language) == "Русский", ]
        cat("q5_declined=", is.na(en$q5), "\\n", sep = "")
        cat("q12_declined=", is.na(en$q12), "\\n", sep = "")
        cat("q3=", as.character(as_factor(en$q3)), "\\n", sep = "")
        cat("q7_business_missing=", is.na(zap_missing(ru$q7_business)), "\\n", sep = "")
        labels <- sapply(names(d), function(n) attr(d[[n]], "label"))
        cat("distinct_labels=", length(unique(labels)) == length(labels), "\\n", sep = "")
        cat("q8=", ru$q8 == {q8}, "\\n", sep = "")
        cat("submitted_class=", class(ru$submitted_at)[1], "\\n", sep = "")
        """
    )
    assert found == {
        "q5_declined": "TRUE",
        "q12_declined": "TRUE",
        "q3": "Namibia",
        "q7_business_missing": "TRUE",
        "distinct_labels": "TRUE",
        "q8": "TRUE",
        "submitted_class": "POSIXct",
    }


def test_r_script_reads_the_csv_with_types_and_labels(app, saved, rscript):
    csv_path = saved("responses.csv")
    script = saved("responses.R")
    q8 = r_literal(ENGLISH_ANSWERS["q8"])
    found = rscript(
        f"""
        source("{script}", encoding = "UTF-8")
        d <- read_responses("{csv_path}")
        en <- d[d$language == "English", ]
        ru <- d[d$language == "Русский", ]
        cat("q3=", as.character(en$q3), "\\n", sep = "")
        cat("q5_declined=", is.na(en$q5), "\\n", sep = "")
        cat("q1=", as.character(ru$q1), "\\n", sep = "")
        cat("rank_class=", class(ru$q7_government), "\\n", sep = "")
        cat("q7_government=", ru$q7_government, "\\n", sep = "")
        cat("q7_business_na=", is.na(ru$q7_business), "\\n", sep = "")
        cat("q8_en_text=", en$q8 == {q8}, "\\n", sep = "")
        cat("submitted_class=", class(ru$submitted_at)[1], "\\n", sep = "")
        cat("label=", attr(d$q4, "label"), "\\n", sep = "")
        """
    )
    assert found == {
        "q3": "Namibia",
        "q5_declined": "TRUE",
        "q1": "Other",
        "rank_class": "integer",
        "q7_government": "1",
        "q7_business_na": "TRUE",
        "q8_en_text": "TRUE",
        "submitted_class": "POSIXct",
        "label": "How many people does your library serve?",
    }
