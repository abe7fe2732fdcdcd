"""Writers for the dataset: wide and long CSV (streamed), XLSX, SPSS .sav and the codebook.

The CSV writers are generators of text chunks, so the web view streams them and the CLI
writes them to a file; the XLSX and .sav writers write a file (openpyxl in write-only mode
and pyreadstat both need one) that is then sent.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from survey import dataset
from survey.exports.neutralise import neutralise
from survey.questionnaire.columns import Column
from survey.selection import Filters

BOM = "\ufeff"
LONG_HEADER = ("response_id", "question", "option", "rank", "text")
#: Rows buffered before a chunk is handed to the web server.
ROWS_PER_CHUNK = 500


@dataclass
class ExportOptions:
    filters: Filters = field(default_factory=Filters)
    labels: str | None = None
    bom: bool = False
    include_contact: bool = False
    #: "Other" answers the working group recoded are exported as the option they were recoded
    #: into (the file's name says so); by default they are exported as given.
    recoded: bool = False
    #: Responses an admin excluded are exported too, each row with its `status`; by default
    #: only submitted responses are.
    include_excluded: bool = False

    def describe(self, name: str) -> str:
        """What was exported, for the access log."""
        parts = [name, f"filters: {self.filters.describe()}"]
        if self.recoded:
            parts.append("recoded=1")
        if self.labels:
            parts.append(f"labels={self.labels}")
        if self.bom:
            parts.append("bom=1")
        if self.include_contact:
            parts.append("include_contact=1")
        if self.include_excluded:
            parts.append("include_excluded=1")
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
    "coded_answers.csv": Format("coded_answers.csv", "coded_answers.csv", "text/csv", True),
}


def csv_chunks(header: Iterable[str], rows: Iterable[Iterable[Any]], bom: bool) -> Iterator[str]:
    """CSV text chunks of a header and rows (a BOM first for Excel when `bom`)."""
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
    encode = dataset.RowEncoder(
        options.include_contact, options.labels, neutralise, options.include_excluded
    ).encode
    for meta, answers, translations in dataset.iter_responses(
        options.filters,
        options.include_contact,
        recoded=options.recoded,
        include_excluded=options.include_excluded,
    ):
        yield encode(meta, answers, translations)


def _status_column(options: ExportOptions) -> tuple[str, ...]:
    """The long tables' last column, with excluded responses exported too."""
    return ("status",) if options.include_excluded else ()


def wide_csv(options: ExportOptions) -> Iterator[str]:
    """The wide CSV, one row per submitted response, as text chunks."""
    header = dataset.column_names(options.include_contact, options.include_excluded)
    return csv_chunks(header, _neutralised_wide_rows(options), options.bom)


def long_csv(options: ExportOptions) -> Iterator[str]:
    """The long CSV: one row per stored answer cell."""

    def rows() -> Iterator[tuple[Any, ...]]:
        for response_id, question, option, rank, text, *status in dataset.iter_long_rows(
            options.filters,
            options.include_contact,
            recoded=options.recoded,
            include_excluded=options.include_excluded,
        ):
            yield response_id, question, option, rank, neutralise(text) if text else text, *status

    return csv_chunks((*LONG_HEADER, *_status_column(options)), rows(), options.bom)


def coded_csv(options: ExportOptions) -> Iterator[str]:
    """The long table of codings: one row per (open answer, category)."""
    rows = (
        [neutralise(cell) for cell in row]
        for row in dataset.iter_codings(options.filters, options.include_excluded)
    )
    header = (*dataset.CODED_HEADER, *_status_column(options))
    return csv_chunks(header, rows, options.bom)


def codebook_csv(options: ExportOptions) -> Iterator[str]:
    codebook = dataset.codebook_rows(include_excluded=options.include_excluded)
    rows = ([neutralise(cell) for cell in row] for row in codebook)
    return csv_chunks(dataset.CODEBOOK_HEADER, rows, options.bom)


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
    header = dataset.column_names(options.include_contact, options.include_excluded)
    responses.append(cells(responses, header))
    for wide in dataset.wide_rows(
        options.filters,
        options.include_contact,
        options.labels,
        recoded=options.recoded,
        include_excluded=options.include_excluded,
    ):
        responses.append(cells(responses, wide))
    codebook = workbook.create_sheet("codebook")
    codebook.append(cells(codebook, dataset.CODEBOOK_HEADER))
    for entry in dataset.codebook_rows(include_excluded=options.include_excluded):
        codebook.append(cells(codebook, entry))
    workbook.save(target)


# --------------------------------------------------------------------------- SPSS


def write_sav(options: ExportOptions, path: str) -> None:
    """An SPSS file with variable labels (question text) and value labels (option labels).

    Each column says how it is typed in SPSS (`Column.spss_*`): codes stay codes (string
    variables with value labels); ranks are numeric with 99 = not applicable declared
    user-missing; multiple-choice options are numeric 0/1. Labels are in English unless
    `labels=ru`. SPSS needs the whole table at once, so unlike the CSV this export holds the
    (filtered) dataset in memory while writing.
    """
    import pandas as pd
    import pyreadstat

    language = options.labels or "en"
    all_columns = dataset.columns(options.include_contact, options.include_excluded)
    data: dict[str, list[Any]] = {column.name: [] for column in all_columns}
    for row in dataset.wide_rows(
        options.filters,
        options.include_contact,
        recoded=options.recoded,
        include_excluded=options.include_excluded,
    ):
        for column, cell in zip(all_columns, row, strict=True):
            data[column.name].append(column.spss_cell(cell))
    frame = pd.DataFrame(
        {
            column.name: pd.Series(
                data[column.name], dtype="float64" if column.spss_numeric else "object"
            )
            for column in all_columns
        }
    )
    column_labels: dict[str, str | None] = {}
    value_labels: dict[str, dict[Any, str]] = {}
    missing: dict[str, list[Any]] = {}
    measure: dict[str, str] = {}
    for column in all_columns:
        column_labels[column.name] = _variable_label(column, language)
        labels = column.spss_value_labels(language)
        if labels:
            value_labels[column.name] = labels
        if column.spss_missing():
            missing[column.name] = column.spss_missing()
        kind = column.spss_measure()
        if kind:
            measure[column.name] = kind
    pyreadstat.write_sav(
        frame,
        path,
        column_labels=column_labels,
        variable_value_labels=value_labels,
        missing_ranges=missing,
        variable_measure=measure,
    )


def _variable_label(column: Column, language: str) -> str:
    # SPSS keeps variable labels up to 256 bytes.
    text = column.variable_label(language)
    encoded = text.encode("utf-8")
    if len(encoded) > 255:
        text = encoded[:252].decode("utf-8", "ignore") + "…"
    return text
