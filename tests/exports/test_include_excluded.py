"""Excluded responses are in no export unless asked for; then every format has them, with a
status column (the wide table right after submitted_at, the long tables at the end)."""

from __future__ import annotations

import csv
import io

import pyreadstat
import pytest
from openpyxl import load_workbook

from tests.conftest import csrf_of, responses_in_order
from tests.exports.conftest import ENGLISH_ANSWERS, RUSSIAN_ANSWERS, download


@pytest.fixture
def one_excluded(app, make_respondent, member):
    make_respondent("ru").complete(RUSSIAN_ANSWERS)
    make_respondent("en").complete(ENGLISH_ANSWERS)
    russian, english = responses_in_order(app)
    admin = member("admin")
    token = csrf_of(admin, f"/results/responses/{russian}")
    assert (
        admin.post(
            f"/results/responses/{russian}/exclusion",
            data={"csrf_token": token, "action": "exclude", "reason": "Test"},
        ).status_code
        == 302
    )
    return admin, {russian: "excluded", english: "submitted"}


def rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_every_format_leaves_them_out_by_default_and_marks_them_when_asked(one_excluded, tmp_path):
    admin, status = one_excluded
    english = next(uuid for uuid, s in status.items() if s == "submitted")

    wide = rows(admin.get("/export/responses.csv").data)
    assert [r["response_id"] for r in wide] == [english] and "status" not in wide[0]
    both = admin.get("/export/responses.csv?include_excluded=1").data
    header = both.decode().splitlines()[0].split(",")
    assert header[:5] == ["response_id", "language", "started_at", "submitted_at", "status"]
    assert {r["response_id"]: r["status"] for r in rows(both)} == status

    long = rows(admin.get("/export/answers.csv?include_excluded=1").data)
    assert {r["response_id"]: r["status"] for r in long} == status
    assert "status" not in rows(admin.get("/export/answers.csv").data)[0]

    sheet = load_workbook(io.BytesIO(download(admin, "responses.xlsx", "include_excluded=1").data))
    table = list(sheet["responses"].iter_rows(values_only=True))
    assert table[0][4] == "status"
    assert {row[0]: row[4] for row in table[1:]} == status

    path = tmp_path / "both.sav"
    path.write_bytes(download(admin, "responses.sav", "include_excluded=1").data)
    frame, meta = pyreadstat.read_sav(str(path))
    # A numeric code with value labels, as the language is.
    labels = meta.variable_value_labels["status"]
    assert sorted(labels.values()) == ["Excluded", "Submitted"]
    named = {
        uuid: labels[code] for uuid, code in zip(frame["response_id"], frame["status"], strict=True)
    }
    assert named == {uuid: s.capitalize() for uuid, s in status.items()}

    codebook = rows(admin.get("/export/codebook.csv?include_excluded=1").data)
    assert [(r["code"], r["label_ru"]) for r in codebook if r["column"] == "status"] == [
        ("submitted", "Отправлена"),
        ("excluded", "Исключена"),
    ]
    assert all(r["column"] != "status" for r in rows(admin.get("/export/codebook.csv").data))


def test_the_command_line_has_the_same_option(app, one_excluded, runner, tmp_path):
    _admin, status = one_excluded
    out = tmp_path / "all.csv"
    done = runner.invoke(args=["export", "csv", "--out", str(out), "--include-excluded"])
    assert done.exit_code == 0, done.output
    assert {r["response_id"]: r["status"] for r in rows(out.read_bytes())} == status
