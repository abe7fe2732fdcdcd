"""Files come back as users' spreadsheets save them: a semicolon CSV from LibreOffice, a
workbook saved by openpyxl, times typed the way spreadsheets show them. Each imports back
into the same dataset: the export afterwards is byte for byte the export before."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from tests.exports.conftest import download, read_csv, wipe_responses


@pytest.fixture
def soffice(tmp_path):
    """LibreOffice without a window (apt-get install libreoffice-calc-nogui); required in CI."""
    path = shutil.which("soffice")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is required under CI=true")
        pytest.skip("LibreOffice (soffice) is not installed")

    def convert(source, filter_options: str):
        out = tmp_path / "libreoffice"
        result = subprocess.run(
            [
                path,
                f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                "--headless",
                # Opened as a person opens our CSV: comma-separated, UTF-8, default options.
                "--infilter=CSV:44,34,76,1",
                "--convert-to",
                filter_options,
                "--outdir",
                str(out),
                str(source),
            ],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return out / source.name

    return convert


def reimport(app, runner, path) -> None:
    wipe_responses(app)
    result = runner.invoke(args=["import-csv", str(path)])
    assert result.exit_code == 0, result.output
    assert "Imported 2" in result.output


def test_semicolon_csv_saved_by_libreoffice_round_trips(
    app, viewer, runner, two_responses, tmp_path, soffice
):
    first = viewer.get("/export/responses.csv").data
    source = tmp_path / "responses.csv"
    source.write_bytes(first)
    # Saved again as CSV with ";" between fields, as LibreOffice does where the decimal mark
    # is a comma: every text quoted, numbers bare, line feeds, the apostrophes kept.
    saved = soffice(source, "csv:Text - txt - csv (StarCalc):59,34,76,1")
    text = saved.read_text(encoding="utf-8")
    assert text.startswith('"response_id";"language";')
    assert '"\'=SUM(1+1)"' in text

    reimport(app, runner, saved)
    assert viewer.get("/export/responses.csv").data == first


def test_xlsx_saved_by_openpyxl_round_trips(app, viewer, runner, two_responses, tmp_path):
    first_csv = viewer.get("/export/responses.csv").data
    first_xlsx = download(viewer, "responses.xlsx").data
    source = tmp_path / "first.xlsx"
    source.write_bytes(first_xlsx)
    workbook = load_workbook(source)  # opened and saved again, as an analyst's script does
    saved = tmp_path / "saved.xlsx"
    workbook.save(saved)
    workbook.close()

    reimport(app, runner, saved)
    assert viewer.get("/export/responses.csv").data == first_csv
    again = tmp_path / "again.xlsx"
    again.write_bytes(download(viewer, "responses.xlsx").data)
    assert _sheet_values(again) == _sheet_values(source)


def _sheet_values(path):
    workbook = load_workbook(path, read_only=True)
    values = [list(row) for row in workbook["responses"].iter_rows(values_only=True)]
    workbook.close()
    return values


@pytest.mark.parametrize(
    "written",
    ["2026-11-24 12:30:00", "2026-11-24 12:30", "24.11.2026 12:30", "2026/11/24 12:30:00"],
)
def test_times_as_spreadsheets_write_them(app, viewer, runner, tmp_path, written):
    source = tmp_path / "typed.csv"
    source.write_text(f"language;submitted_at;q1\nen;{written};public\n", encoding="utf-8")
    result = runner.invoke(args=["import-csv", str(source)])
    assert result.exit_code == 0, result.output
    row = read_csv(viewer.get("/export/responses.csv").data)[0]
    assert row["submitted_at"] == "2026-11-24T12:30:00Z"


def test_an_ambiguous_date_is_refused_with_the_forms_that_work(app, runner, tmp_path):
    source = tmp_path / "typed.csv"
    source.write_text("language,submitted_at,q1\nen,11/04/2026 12:30,public\n", encoding="utf-8")
    result = runner.invoke(args=["import-csv", str(source)])
    assert result.exit_code == 1
    assert "submitted_at: '11/04/2026 12:30' is not a UTC time" in result.output
    assert "24.11.2026 12:00" in result.output


def test_an_unknown_column_in_a_semicolon_file_is_named_alone(app, runner, tmp_path):
    source = tmp_path / "typed.csv"
    source.write_text("response_id;language;q1;colour\n;en;public;blue\n", encoding="utf-8")
    result = runner.invoke(args=["import-csv", str(source)])
    assert result.exit_code == 1
    assert "unknown column colour;" in result.output
