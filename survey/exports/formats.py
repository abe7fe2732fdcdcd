"""Writers for the dataset: wide and long CSV (streamed), XLSX, SPSS .sav and the codebook.

The CSV writers are generators of text chunks, so the web view streams them and the CLI
writes them to a file; the XLSX and .sav writers write a file (openpyxl in write-only mode
and pyreadstat both need one) that is then sent.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from flask_babel import force_locale

from survey import dataset
from survey.aggregation import Filters
from survey.exports.neutralise import neutralise
from survey.i18n import lazy_gettext as _l
from survey.questionnaire import NOT_APPLICABLE

BOM = "\ufeff"
#: The rank SPSS files use for "not applicable", declared a user-missing value.
SPSS_NOT_APPLICABLE = 99
LONG_HEADER = ("response_id", "question", "option", "rank", "text")
#: Rows buffered before a chunk is handed to the web server.
ROWS_PER_CHUNK = 500


@dataclass
class ExportOptions:
    filters: Filters = field(default_factory=Filters)
    labels: str | None = None
    bom: bool = False
    include_contact: bool = False

    def describe(self, name: str) -> str:
        """What was exported, for the access log."""
        parts = [name, f"filters: {dataset.describe_filters(self.filters)}"]
        if self.labels:
            parts.append(f"labels={self.labels}")
        if self.bom:
            parts.append("bom=1")
        if self.include_contact:
            parts.append("include_contact=1")
        return "; ".join(parts)


@dataclass(frozen=True)
class Format:
    name: str
    filename: str
    mimetype: str
    streamed: bool


FORMATS = {
    "responses.csv": Format("responses.csv", "responses.csv", "text/csv", True),
    "answers.csv": Format("answers.csv", "answers.csv", "text/csv", True),
    "responses.xlsx": Format(
        "responses.xlsx",
        "responses.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        False,
    ),
    "responses.sav": Format("responses.sav", "responses.sav", "application/x-spss-sav", False),
    "codebook.csv": Format("codebook.csv", "codebook.csv", "text/csv", True),
}


def _text(cell: Any) -> str:
    return "" if cell is None else str(cell)


def _csv_chunks(header: Iterable[str], rows: Iterable[Iterable[Any]], bom: bool) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    yield (BOM if bom else "") + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
        if count == ROWS_PER_CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            count = 0
    if count:
        yield buffer.getvalue()


def _neutralised_wide_rows(options: ExportOptions) -> Iterator[list[Any]]:
    encode = dataset.RowEncoder(options.include_contact, options.labels, neutralise).encode
    for meta, answers, translations in dataset.iter_responses(
        options.filters, options.include_contact
    ):
        yield encode(meta, answers, translations)


def wide_csv(options: ExportOptions) -> Iterator[str]:
    """The wide CSV, one row per submitted response, as text chunks."""
    header = dataset.column_names(options.include_contact)
    return _csv_chunks(header, _neutralised_wide_rows(options), options.bom)


def long_csv(options: ExportOptions) -> Iterator[str]:
    """The long CSV: one row per stored answer cell."""

    def rows() -> Iterator[tuple[Any, ...]]:
        for response_id, question, option, rank, text in dataset.iter_long_rows(
            options.filters, options.include_contact
        ):
            yield response_id, question, option, rank, neutralise(text) if text else text

    return _csv_chunks(LONG_HEADER, rows(), options.bom)


def codebook_csv(options: ExportOptions) -> Iterator[str]:
    rows = ([neutralise(cell) for cell in row] for row in dataset.codebook_rows())
    return _csv_chunks(dataset.CODEBOOK_HEADER, rows, options.bom)


# --------------------------------------------------------------------------- XLSX


def write_xlsx(options: ExportOptions, target: IO[bytes]) -> None:
    """A workbook with a "responses" sheet and a "codebook" sheet, in write-only mode.

    Every text cell is written with the string data type, so `=...` is never a formula even
    before neutralisation; ranks and 0/1 flags are numbers.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)

    def cells(sheet: Any, values: Iterable[Any]) -> list[Any]:
        result = []
        for value in values:
            if isinstance(value, str):
                cell = WriteOnlyCell(sheet, value=neutralise(value))
                cell.data_type = "s"
                result.append(cell)
            else:
                result.append(value)
        return result

    responses = workbook.create_sheet("responses")
    responses.append(cells(responses, dataset.column_names(options.include_contact)))
    for row in dataset.wide_rows(options.filters, options.include_contact, options.labels):
        responses.append(cells(responses, row))
    codebook = workbook.create_sheet("codebook")
    codebook.append(cells(codebook, dataset.CODEBOOK_HEADER))
    for row in dataset.codebook_rows():
        codebook.append(cells(codebook, row))
    workbook.save(target)


# --------------------------------------------------------------------------- SPSS


def write_sav(options: ExportOptions, path: str) -> None:
    """An SPSS file with variable labels (question text) and value labels (option labels).

    Codes stay codes (string variables with value labels); ranks are numeric with
    99 = not applicable declared user-missing; multiple-choice options are numeric 0/1.
    Labels are in English unless `labels=ru`. SPSS needs the whole table at once, so unlike
    the CSV this export holds the (filtered) dataset in memory while writing.
    """
    import pandas as pd
    import pyreadstat

    language = options.labels or "en"
    all_columns = dataset.columns(options.include_contact)
    data: dict[str, list[Any]] = {column.name: [] for column in all_columns}
    numeric = {column.name for column in all_columns if column.kind in ("rank", "flag")}
    for row in dataset.wide_rows(options.filters, options.include_contact):
        for column, cell in zip(all_columns, row, strict=True):
            if column.name in numeric:
                if cell is None:
                    cell = math.nan
                elif cell == NOT_APPLICABLE:
                    cell = SPSS_NOT_APPLICABLE
                data[column.name].append(float(cell))
            else:
                data[column.name].append("" if cell is None else cell)
    frame = pd.DataFrame(
        {
            name: pd.Series(values, dtype="float64" if name in numeric else "object")
            for name, values in data.items()
        }
    )
    column_labels: dict[str, str] = {}
    value_labels: dict[str, dict[Any, str]] = {}
    missing: dict[str, list[Any]] = {}
    measure: dict[str, str] = {}
    for column in all_columns:
        column_labels[column.name] = _variable_label(column, language)
        labels = dataset.option_labels(column, language)
        if column.kind == "rank":
            value_labels[column.name] = {float(SPSS_NOT_APPLICABLE): labels[NOT_APPLICABLE]}
            missing[column.name] = [SPSS_NOT_APPLICABLE]
            measure[column.name] = "ordinal"
        elif column.kind == "flag":
            value_labels[column.name] = {float(code): label for code, label in labels.items()}
            measure[column.name] = "nominal"
        elif labels:
            value_labels[column.name] = labels
            measure[column.name] = "nominal"
    pyreadstat.write_sav(
        frame,
        path,
        column_labels=column_labels,
        variable_value_labels=value_labels,
        missing_ranges=missing,
        variable_measure=measure,
    )


def _variable_label(column: dataset.Column, language: str) -> str:
    text = dataset.question_text(column, language)
    subject = dataset.subject_label(column, language)
    with force_locale(language):
        if column.kind == "translation":
            text = str(_l("%(question)s [English translation]", question=text))
        elif column.kind == "other_text":
            text = str(_l("%(question)s [other, please specify]", question=text))
    if subject and column.kind not in ("translation", "other_text"):
        text = f"{text} – {subject}"
    # SPSS keeps variable labels up to 256 bytes.
    encoded = text.encode("utf-8")
    if len(encoded) > 255:
        text = encoded[:252].decode("utf-8", "ignore") + "…"
    return text
