"""`flask export FORMAT --out FILE` writes the same files as the download page."""

from __future__ import annotations

import io

import pyreadstat
import pytest
from openpyxl import load_workbook

from tests.exports.conftest import read_csv


@pytest.mark.parametrize(
    ("format_name", "url"),
    [
        ("responses.csv", "/export/responses.csv"),
        ("csv", "/export/responses.csv"),
        ("long", "/export/answers.csv"),
        ("answers.csv", "/export/answers.csv"),
        ("codebook", "/export/codebook.csv"),
    ],
)
def test_cli_csv_matches_the_web_download(
    app, viewer, runner, two_responses, tmp_path, format_name, url
):
    out = tmp_path / "out.csv"
    result = runner.invoke(args=["export", format_name, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == viewer.get(url).data


def test_cli_options_filters_labels_and_bom(app, viewer, runner, two_responses, tmp_path):
    out = tmp_path / "out.csv"
    args = ["export", "csv", "--out", str(out), "--labels", "ru", "--bom", "--lang", "ru"]
    result = runner.invoke(args=[*args, "--filter", "q2=yes", "--filter", "q6=government"])
    assert result.exit_code == 0, result.output
    body = out.read_bytes()
    assert (
        body
        == viewer.get("/export/responses.csv?labels=ru&bom=1&lang=ru&q2=yes&q6=government").data
    )
    rows = read_csv(body, "utf-8-sig")
    assert [row["q2"] for row in rows] == ["Да"]


def test_cli_bad_filter_is_a_usage_error(app, runner, tmp_path):
    result = runner.invoke(args=["export", "csv", "--out", str(tmp_path / "x"), "--filter", "q2"])
    assert result.exit_code == 2
    result = runner.invoke(
        args=["export", "csv", "--out", str(tmp_path / "x"), "--filter", "q2=maybe"]
    )
    assert result.exit_code == 2


def test_cli_xlsx_and_sav(app, runner, two_responses, tmp_path):
    xlsx = tmp_path / "out.xlsx"
    assert runner.invoke(args=["export", "xlsx", "--out", str(xlsx)]).exit_code == 0
    workbook = load_workbook(io.BytesIO(xlsx.read_bytes()))
    assert workbook.sheetnames == ["responses", "codebook"]
    assert workbook["responses"].max_row == 3
    workbook.close()
    sav = tmp_path / "out.sav"
    assert runner.invoke(args=["export", "sav", "--out", str(sav)]).exit_code == 0
    frame, _meta = pyreadstat.read_sav(str(sav), apply_value_formats=True)
    assert sorted(frame["language"]) == ["English", "Русский"]


@pytest.mark.parametrize(
    ("environment", "confirmation"),
    [
        ({}, "Wrote responses.csv to {out}"),
        ({"LANG": "C.UTF-8"}, "Wrote responses.csv to {out}"),
        ({"LANG": "ru_RU.UTF-8"}, "Выгрузка responses.csv записана в {out}"),
    ],
)
def test_cli_confirms_in_the_operators_language_and_the_file_stays_the_same(
    app, viewer, runner, two_responses, tmp_path, environment, confirmation
):
    out = tmp_path / "out.csv"
    result = runner.invoke(args=["export", "csv", "--out", str(out)], env=environment)
    assert result.exit_code == 0, result.output
    assert confirmation.format(out=out) in result.output
    # The operator's language is only in the messages: the file is the web download.
    assert out.read_bytes() == viewer.get("/export/responses.csv").data


def test_cli_bad_filter_is_explained_in_russian_to_a_russian_operator(app, runner, tmp_path):
    result = runner.invoke(
        args=["export", "csv", "--out", str(tmp_path / "x"), "--filter", "q2"],
        env={"LANG": "ru_RU.UTF-8"},
    )
    assert result.exit_code == 2
    assert "'q2': фильтр записывается в виде QUESTION=OPTION, например q2=yes" in result.output
