"""Answers collected elsewhere join the dataset through `flask import-csv`, all or nothing."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import Answer, Response, Translation
from tests.exports.conftest import RUSSIAN_ANSWERS, read_csv, wipe_responses


def count_responses(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Response))


def export(runner, tmp_path, *options: str, name: str = "export.csv") -> bytes:
    out = tmp_path / name
    result = runner.invoke(args=["export", "responses.csv", "--out", str(out), *options])
    assert result.exit_code == 0, result.output
    return out.read_bytes()


def import_file(runner, path, *options: str):
    return runner.invoke(args=["import-csv", str(path), *options])


def write_rows(path, rows: list[dict[str, str]], header: list[str]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode("utf-8"))


def test_round_trip_is_byte_identical(app, viewer, runner, two_responses, tmp_path):
    with app.app_context():
        answer = db.session.scalar(select(Answer).where(Answer.question == "q8"))
        db.session.add(Translation(answer_id=answer.id, language="en", text="=Festival, «ok»"))
        db.session.commit()
    first = viewer.get("/export/responses.csv").data
    assert "Фестиваль чтения,\nвместе с мэрией".encode() in first
    source = tmp_path / "first.csv"
    source.write_bytes(first)

    wipe_responses(app)
    assert count_responses(app) == 0
    result = import_file(runner, source)
    assert result.exit_code == 0, result.output
    assert "Imported 2" in result.output

    assert viewer.get("/export/responses.csv").data == first
    with app.app_context():
        sources = set(db.session.scalars(select(Response.source)))
        assert sources == {"import"}
        translation = db.session.scalar(select(Translation))
        assert translation.text == "=Festival, «ok»"
        assert translation.translated_by_id is None


def test_round_trip_from_the_cli_with_bom(app, runner, two_responses, tmp_path):
    first = export(runner, tmp_path, "--bom")
    assert first.startswith(b"\xef\xbb\xbf")
    source = tmp_path / "first.csv"
    source.write_bytes(first)
    wipe_responses(app)
    assert import_file(runner, source).exit_code == 0
    assert export(runner, tmp_path, "--bom", name="second.csv") == first


def test_importing_twice_does_not_duplicate(app, runner, two_responses, tmp_path):
    source = tmp_path / "export.csv"
    source.write_bytes(export(runner, tmp_path))
    # The responses are already there: every row is recognised and skipped.
    result = import_file(runner, source)
    assert result.exit_code == 0, result.output
    assert "Imported 0" in result.output
    assert "2 already present" in result.output
    assert count_responses(app) == 2


def test_same_id_with_different_answers_is_a_conflict(app, runner, two_responses, tmp_path):
    data = export(runner, tmp_path)
    rows = read_csv(data)
    rows[0]["q4"] = "100k" if rows[0]["q4"] != "100k" else "5k"
    source = tmp_path / "changed.csv"
    write_rows(source, rows, list(rows[0]))
    result = import_file(runner, source)
    assert result.exit_code != 0
    assert "line 2" in result.output
    assert "conflict" in result.output
    assert count_responses(app) == 2


def test_labels_in_russian_import_back_to_the_same_codes(
    app, viewer, runner, two_responses, tmp_path
):
    codes = viewer.get("/export/responses.csv").data
    labelled = viewer.get("/export/responses.csv?labels=ru").data
    assert "Россия".encode() in labelled
    source = tmp_path / "labels.csv"
    source.write_bytes(labelled)
    wipe_responses(app)
    result = import_file(runner, source)
    assert result.exit_code == 0, result.output
    assert viewer.get("/export/responses.csv").data == codes


def typed_up_row(**cells: str) -> dict[str, str]:
    """A paper form typed up: no response id, a few answers, codes and English labels."""
    row = {
        "response_id": "",
        "language": "en",
        "started_at": "2026-11-20T09:00:00Z",
        "submitted_at": "2026-11-20T09:30:00Z",
        "q1": "School library",
        "q2": "yes",
        "q2_role": "Chair",
        "q6_libraries": "1",
        "q6_government": "1",
        "q6_business": "0",
        "q6_nonprofit": "0",
        "q6_associations": "0",
        "q6_other_chosen": "0",
        "q7_libraries": "1",
        "q7_government": "2",
        "q7_business": "",
        "q8": "A story",
    }
    row.update(cells)
    return row


TYPED_UP_HEADER = list(typed_up_row())


def test_a_typed_up_paper_form_is_imported(app, viewer, runner, tmp_path):
    source = tmp_path / "paper.csv"
    write_rows(source, [typed_up_row()], TYPED_UP_HEADER)
    result = import_file(runner, source)
    assert result.exit_code == 0, result.output
    row = read_csv(viewer.get("/export/responses.csv").data)[0]
    assert row["q1"] == "school"
    assert row["q2_role"] == "Chair"
    assert row["q7_libraries"] == "1"
    assert row["q7_government"] == "2"
    assert row["q7_business"] == "na"
    assert row["submitted_at"] == "2026-11-20T09:30:00Z"
    assert len(row["response_id"]) == 36


@pytest.mark.parametrize(
    ("bad_cells", "reason"),
    [
        ({"q1": "museum"}, "q1: unknown code or label 'museum'"),
        ({"q7_libraries": "1", "q7_government": "1"}, "rank 1 is used more than once"),
        ({"q7_business": "3"}, "business is ranked but was not chosen in q6"),
        ({"q2": "no"}, "q2_role is answered, but it is asked only when q2 = yes"),
        ({"q6_libraries": "yes"}, "q6_libraries: 'yes' must be 1, 0 or empty"),
        ({"submitted_at": "20.11.2026"}, "submitted_at"),
        ({"language": "de"}, "language"),
    ],
)
def test_one_bad_row_imports_nothing(app, runner, tmp_path, bad_cells, reason):
    rows = [typed_up_row(), typed_up_row(q8="Line one\nline two"), typed_up_row(**bad_cells)]
    source = tmp_path / "bad.csv"
    write_rows(source, rows, TYPED_UP_HEADER)
    result = import_file(runner, source)
    assert result.exit_code != 0
    # The header is line 1 and the second row spans lines 3-4: the bad row starts on line 5.
    assert "line 5" in result.output
    assert reason in result.output
    assert "nothing was imported" in result.output
    assert count_responses(app) == 0


def test_other_text_follows_the_web_forms_rules(app, viewer, runner, tmp_path):
    """Words in an "other" column mean "other" is chosen, as on the web form."""
    rows = [
        typed_up_row(q1="", q1_other="Prison library"),
        typed_up_row(q6_other="Friends of the library"),
    ]
    header = [*TYPED_UP_HEADER, "q1_other", "q6_other"]
    source = tmp_path / "other.csv"
    write_rows(source, rows, header)
    result = import_file(runner, source)
    assert result.exit_code == 0, result.output
    first, second = read_csv(viewer.get("/export/responses.csv").data)
    assert (first["q1"], first["q1_other"]) == ("other", "Prison library")
    assert (second["q6_other_chosen"], second["q6_other"]) == ("1", "Friends of the library")
    assert second["q6_libraries"] == "1"


def test_other_text_beside_another_choice_is_refused_as_on_the_web_form(app, runner, tmp_path):
    source = tmp_path / "both.csv"
    write_rows(source, [typed_up_row(q1_other="Prison library")], [*TYPED_UP_HEADER, "q1_other"])
    result = import_file(runner, source)
    assert result.exit_code == 1
    assert "line 2: q1: You chose “School library”" in result.output
    assert "Which one do you mean?" in result.output
    assert count_responses(app) == 0


def test_bad_encoding_names_the_line_and_imports_nothing(app, runner, tmp_path):
    source = tmp_path / "latin1.csv"
    good = typed_up_row()
    bad = typed_up_row(q8="Caf\u00e9")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=TYPED_UP_HEADER, lineterminator="\r\n")
    writer.writeheader()
    writer.writerow(good)
    text = buffer.getvalue()
    buffer = io.StringIO()
    csv.DictWriter(buffer, fieldnames=TYPED_UP_HEADER, lineterminator="\r\n").writerow(bad)
    source.write_bytes(text.encode("utf-8") + buffer.getvalue().encode("latin-1"))
    result = import_file(runner, source)
    assert result.exit_code != 0
    assert "line 3" in result.output
    assert "UTF-8" in result.output
    assert count_responses(app) == 0


def test_dry_run_reports_and_writes_nothing(app, runner, tmp_path):
    source = tmp_path / "paper.csv"
    write_rows(source, [typed_up_row(), typed_up_row()], TYPED_UP_HEADER)
    result = import_file(runner, source, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "2 rows would be imported" in result.output
    assert count_responses(app) == 0

    write_rows(source, [typed_up_row(), typed_up_row(q1="museum")], TYPED_UP_HEADER)
    result = import_file(runner, source, "--dry-run")
    assert result.exit_code != 0
    assert "line 3" in result.output
    assert count_responses(app) == 0


def test_unknown_column_is_refused(app, runner, tmp_path):
    source = tmp_path / "other.csv"
    write_rows(
        source, [{"language": "en", "favourite_colour": "blue"}], ["language", "favourite_colour"]
    )
    result = import_file(runner, source)
    assert result.exit_code != 0
    assert "favourite_colour" in result.output


def test_contact_details_are_imported_when_present(app, admin, runner, two_responses, tmp_path):
    first = admin.get("/export/responses.csv?include_contact=1").data
    source = tmp_path / "with-contact.csv"
    source.write_bytes(first)
    wipe_responses(app)
    assert import_file(runner, source).exit_code == 0
    assert admin.get("/export/responses.csv?include_contact=1").data == first
    assert RUSSIAN_ANSWERS["q17_email"].encode() in first


RUSSIAN_OPERATOR = {"LANG": "ru_RU.UTF-8"}


@pytest.mark.parametrize(
    ("rows", "english", "russian"),
    [
        (1, "Imported 1 response;", "Загружена 1 анкета;"),
        (3, "Imported 3 responses;", "Загружены 3 анкеты;"),
        (5, "Imported 5 responses;", "Загружено 5 анкет;"),
        (21, "Imported 21 responses;", "Загружена 21 анкета;"),
    ],
)
def test_the_import_is_counted_in_the_operators_language(
    app, runner, tmp_path, rows, english, russian
):
    source = tmp_path / "paper.csv"
    write_rows(source, [typed_up_row() for _ in range(rows)], TYPED_UP_HEADER)
    result = runner.invoke(args=["import-csv", str(source)], env=RUSSIAN_OPERATOR)
    assert result.exit_code == 0, result.output
    assert f"{russian} уже были в базе и пропущены: 0." in result.output
    # Without response ids every import is new: the same file again, for an English operator.
    result = runner.invoke(args=["import-csv", str(source)], env={"LANG": "C"})
    assert result.exit_code == 0, result.output
    assert f"{english} 0 already present (skipped)." in result.output
    assert count_responses(app) == 2 * rows


def test_a_russian_operator_is_told_in_russian_which_rows_were_rejected(app, runner, tmp_path):
    rows = [
        typed_up_row(),
        typed_up_row(q1="museum"),
        typed_up_row(q7_libraries="1", q7_government="1"),
    ]
    source = tmp_path / "bad.csv"
    write_rows(source, rows, TYPED_UP_HEADER)
    result = runner.invoke(args=["import-csv", str(source)], env=RUSSIAN_OPERATOR)
    assert result.exit_code == 1
    assert f"{source}: строка 3: q1: неизвестный код или подпись 'museum'." in result.output
    # The web form's own message, in Russian as a Russian respondent would read it.
    assert (
        f"{source}: строка 4: q7: Каждое место может занять только один пункт: "
        "место 1 указано несколько раз." in result.output
    )
    assert "Отклонены 2 строки из 3; ничего не загружено." in result.output
    assert count_responses(app) == 0


def test_a_russian_dry_run_says_what_would_be_imported(app, runner, tmp_path):
    source = tmp_path / "paper.csv"
    write_rows(source, [typed_up_row(), typed_up_row()], TYPED_UP_HEADER)
    result = runner.invoke(args=["import-csv", str(source), "--dry-run"], env=RUSSIAN_OPERATOR)
    assert result.exit_code == 0, result.output
    assert (
        "Пробный запуск: можно загрузить 2 строки, уже есть в базе: 0; ничего не записано."
        in result.output
    )
    assert count_responses(app) == 0


def test_a_file_that_cannot_be_read_is_refused_in_russian(app, runner, tmp_path):
    source = tmp_path / "other.csv"
    write_rows(
        source, [{"language": "en", "favourite_colour": "blue"}], ["language", "favourite_colour"]
    )
    result = runner.invoke(args=["import-csv", str(source)], env=RUSSIAN_OPERATOR)
    assert result.exit_code == 1
    assert f"{source}: строка 1: неизвестный столбец favourite_colour;" in result.output
    assert "Ничего не загружено." in result.output
