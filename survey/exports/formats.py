"""Writers for the dataset: CSV (streamed), XLSX, SPSS .sav, Stata .dta, the R script and
the codebook.

The CSV writers are generators of text chunks, so the web view streams them and the CLI
writes them to a file. The XLSX, .sav and .dta writers write a file and report progress
(`progress(done, total)`); they run as background jobs (`survey.exports.jobs`) or in the
CLI, and keep memory bounded at any size: XLSX is written row by row (XlsxWriter's
constant-memory mode); .sav and .dta are written by ReadStat (pyreadstat) from a compact
columnar frame (polars: one or two bytes per coded cell, texts as categories).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from flask_babel import force_locale

from survey import dataset
from survey.exports.neutralise import neutralise
from survey.questionnaire.columns import INTEGER, TIMESTAMP, Column
from survey.selection import Filters

BOM = "\ufeff"
LONG_HEADER = ("response_id", "language", "submitted_at", "question", "option", "rank", "text")
#: Rows buffered before a chunk is handed to the web server.
ROWS_PER_CHUNK = 500
#: CSV separators by name (`sep=`): Excel and LibreOffice in many locales use semicolons.
SEPARATORS = {"comma": ",", "semicolon": ";", "tab": "\t"}
#: Header of the wide table: column codes (read back by import-csv) or question texts.
HEADERS = ("codes", "text")
#: Rows per block of the SPSS and Stata frame.
FRAME_BLOCK = 10_000

Progress = Callable[[int, int], None]


def _no_progress(done: int, total: int) -> None:
    return None


@dataclass
class ExportOptions:
    filters: Filters = field(default_factory=Filters)
    labels: str | None = None
    bom: bool = False
    include_contact: bool = False
    #: "Other" answers the working group recoded are exported as the option they were recoded
    #: into (the file's name says so); by default they are exported as given.
    recoded: bool = False
    #: Only these questions' columns (and the response's own); empty = every question.
    questions: tuple[str, ...] = ()
    #: CSV separator name (SEPARATORS).
    separator: str = "comma"
    #: The wide table's header row: "codes" or "text" (question texts, in `labels` or English).
    headers: str = "codes"
    #: CSV only: the leading apostrophe against formula injection (XLSX cells are typed text).
    formula_safe: bool = True
    #: Responses an admin excluded are exported too, each with its `status`; by default only
    #: submitted responses are.
    include_excluded: bool = False

    def describe(self, name: str) -> str:
        """What was exported, for the access log."""
        parts = [name, f"filters: {self.filters.describe()}"]
        if self.questions:
            parts.append(f"questions={','.join(self.questions)}")
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

    def escape(self, text: str) -> str:
        return neutralise(text) if self.formula_safe else text


@dataclass(frozen=True)
class Format:
    name: str
    filename: str
    mimetype: str
    #: Streamed as it is read; the others are made by a background job.
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
    "responses.dta": Format("responses.dta", "responses.dta", "application/x-stata-dta", False),
    "responses.R": Format("responses.R", "responses.R", "text/plain", True),
    "codebook.csv": Format("codebook.csv", "codebook.csv", "text/csv", True),
    "coded_answers.csv": Format("coded_answers.csv", "coded_answers.csv", "text/csv", True),
}


# --------------------------------------------------------------------------- columns


@dataclass(frozen=True)
class Selection:
    """The wide table's columns an export writes, and where each is in an encoded row."""

    columns: tuple[Column, ...]
    positions: tuple[int, ...]

    @classmethod
    def of(cls, options: ExportOptions) -> Selection:
        every = dataset.columns(options.include_contact, options.include_excluded)
        wanted = set(options.questions)
        kept = [
            (position, column)
            for position, column in enumerate(every)
            if not wanted or column.owner is None or _belongs(column, wanted)
        ]
        return cls(tuple(c for _p, c in kept), tuple(p for p, _c in kept))

    def pick(self, row: Sequence[Any]) -> list[Any]:
        return [row[position] for position in self.positions]

    def header(self, options: ExportOptions) -> list[str]:
        if options.headers != "text":
            return [column.name for column in self.columns]
        language = options.labels or "en"
        with force_locale(language):
            return [column.variable_label(language) for column in self.columns]


def _belongs(column: Column, questions: set[str]) -> bool:
    owner = column.owner
    assert owner is not None
    # A coded question (q9_code) goes with the open question it codes (q9).
    return owner.code in questions or owner.numbered_as() in questions


def _wide_rows(
    options: ExportOptions, escape: Callable[[str], str] | None, codes: bool = False
) -> Iterator[list[Any]]:
    """The selected cells of each row; with `codes`, codes whatever `labels` says."""
    selection = Selection.of(options)
    labels = None if codes else options.labels
    encode = dataset.RowEncoder(
        options.include_contact, labels, escape, options.include_excluded
    ).encode
    for meta, answers, translations in dataset.iter_responses(
        options.filters,
        options.include_contact,
        recoded=options.recoded,
        include_excluded=options.include_excluded,
    ):
        yield selection.pick(encode(meta, answers, translations))


def count(options: ExportOptions) -> int:
    return dataset.count_responses(options.filters, options.include_excluded)


# --------------------------------------------------------------------------- CSV


def csv_chunks(
    header: Iterable[str], rows: Iterable[Iterable[Any]], options: ExportOptions
) -> Iterator[str]:
    """CSV text chunks of a header and rows, with the options' separator (and BOM)."""
    buffer = io.StringIO()
    delimiter = SEPARATORS.get(options.separator, ",")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    yield (BOM if options.bom else "") + buffer.getvalue()
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


def wide_csv(options: ExportOptions) -> Iterator[str]:
    """The wide CSV, one row per submitted response, as text chunks."""
    escape = options.escape if options.formula_safe else None
    header = [options.escape(name) for name in Selection.of(options).header(options)]
    return csv_chunks(header, _wide_rows(options, escape), options)


def long_csv(options: ExportOptions) -> Iterator[str]:
    """The long CSV: one row per stored answer cell, with the response's language and time.
    With `labels`, options are their labels in that language (countries their names)."""
    questionnaire = dataset.current_questionnaire()
    labels = options.labels
    option_labels = (
        {q.code: q.option_labels(labels) for q in questionnaire.questions} if labels else {}
    )

    def rows() -> Iterator[tuple[Any, ...]]:
        for meta, question, option, rank, text in dataset.iter_long_rows(
            options.filters,
            options.include_contact,
            recoded=options.recoded,
            include_excluded=options.include_excluded,
        ):
            if labels and option:
                option = options.escape(option_labels.get(question, {}).get(option, option))
            yield (
                meta[1],
                meta[2],
                meta[4] or "",
                question,
                option,
                rank,
                (options.escape(text) if text else text),
                *((meta[5],) if options.include_excluded else ()),
            )

    return csv_chunks((*LONG_HEADER, *_status_column(options)), rows(), options)


def _status_column(options: ExportOptions) -> tuple[str, ...]:
    """The long tables' last column, with excluded responses exported too."""
    return ("status",) if options.include_excluded else ()


def coded_csv(options: ExportOptions) -> Iterator[str]:
    """The long table of codings: one row per (open answer, category)."""
    rows = (
        [options.escape(cell) for cell in row]
        for row in dataset.iter_codings(options.filters, options.include_excluded)
    )
    header = (*dataset.CODED_HEADER, *_status_column(options))
    return csv_chunks(header, rows, options)


def codebook_csv(options: ExportOptions) -> Iterator[str]:
    codebook = dataset.codebook_rows(include_excluded=options.include_excluded)
    rows = ([options.escape(cell) for cell in row] for row in codebook)
    return csv_chunks(dataset.CODEBOOK_HEADER, rows, options)


# --------------------------------------------------------------------------- XLSX


def write_xlsx(
    options: ExportOptions, target: str | Path, progress: Progress = _no_progress
) -> None:
    """A workbook with a "responses" sheet and a "codebook" sheet, written row by row.

    Text cells are typed as text (never a formula, so no apostrophe is needed or added);
    ranks and 0/1 flags are numbers; started_at and submitted_at are Excel dates (UTC).
    """
    import xlsxwriter

    selection = Selection.of(options)
    total = count(options)
    workbook = xlsxwriter.Workbook(
        str(target), {"constant_memory": True, "strings_to_formulas": False}
    )
    try:
        moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        responses = workbook.add_worksheet("responses")
        timestamps = {
            index
            for index, column in enumerate(selection.columns)
            if column.stat_storage == TIMESTAMP
        }
        _write_xlsx_row(responses, 0, selection.header(options), timestamps=set(), moment=moment)
        done = 0
        for done, row in enumerate(_wide_rows(options, None), start=1):
            _write_xlsx_row(responses, done, row, timestamps, moment)
            if done % 1000 == 0:
                progress(done, total)
        progress(done, total)
        codebook = workbook.add_worksheet("codebook")
        _write_xlsx_row(codebook, 0, dataset.CODEBOOK_HEADER, set(), moment)
        for number, entry in enumerate(
            dataset.codebook_rows(include_excluded=options.include_excluded), start=1
        ):
            _write_xlsx_row(codebook, number, entry, set(), moment)
    finally:
        workbook.close()


def _write_xlsx_row(sheet: Any, number: int, row: Sequence[Any], timestamps: set[int], moment: Any):
    for index, value in enumerate(row):
        if value is None or value == "":
            continue
        if index in timestamps:
            sheet.write_datetime(
                number, index, datetime.strptime(value, dataset.TIMESTAMP_FORMAT), moment
            )
        elif isinstance(value, str):
            sheet.write_string(number, index, value)
        else:
            sheet.write_number(number, index, value)


# --------------------------------------------------------------------------- SPSS and Stata


def write_sav(
    options: ExportOptions, target: str | Path, progress: Progress = _no_progress
) -> None:
    """An SPSS file: numeric codes with value labels (declined = system-missing, so SPSS,
    PSPP and haven leave it out), 99 = not ranked declared user-missing, dates as SPSS
    dates, variable labels item first. Labels in English unless `labels=ru`."""
    import pyreadstat

    frame, meta = _stat_frame(options, progress, label_limit=None)
    pyreadstat.write_sav(
        frame,
        str(target),
        column_labels=meta.labels,
        variable_value_labels=meta.value_labels,
        missing_ranges=meta.missing,
        variable_measure=meta.measure,
        row_compress=True,
    )


def write_dta(
    options: ExportOptions, target: str | Path, progress: Progress = _no_progress
) -> None:
    """A Stata 14+ file (UTF-8): numeric codes with value labels, declined = `.`, 99 = not
    ranked (labelled), dates as %tc; variable labels cut to Stata's 80 characters."""
    import pyreadstat

    frame, meta = _stat_frame(options, progress, label_limit=STATA_LABEL_CHARACTERS)
    pyreadstat.write_dta(
        frame,
        str(target),
        column_labels=meta.labels,
        variable_value_labels=meta.value_labels,
        version=14,
    )


SPSS_LABEL_BYTES = 255
STATA_LABEL_CHARACTERS = 80


@dataclass
class StatMeta:
    labels: list[str | None]
    value_labels: dict[str, dict[int | float, str]]
    missing: dict[str, list[Any]]
    measure: dict[str, str]


def _stat_frame(
    options: ExportOptions, progress: Progress, label_limit: int | None
) -> tuple[Any, StatMeta]:
    """The dataset as a polars frame built block by block: integers as Int8/Int16 (with
    nulls), texts as categories, times as datetimes; and the labels to write with it."""
    import polars as pl

    selection = Selection.of(options)
    columns = selection.columns
    language = options.labels or "en"
    converters = [column.stat_converter() for column in columns]
    schema = {column.name: _polars_type(pl, column) for column in columns}
    total = count(options)
    blocks: list[Any] = []
    cells: list[list[Any]] = [[] for _column in columns]
    done = 0

    def flush() -> None:
        blocks.append(pl.DataFrame(dict(zip(schema, cells, strict=True)), schema=schema))
        for values in cells:
            values.clear()

    for done, row in enumerate(_wide_rows(options, None, codes=True), start=1):
        for values, convert, cell in zip(cells, converters, row, strict=True):
            values.append(convert(cell))
        if done % FRAME_BLOCK == 0:
            flush()
            progress(done, total)
    if cells[0] or not blocks:
        flush()
    progress(done, total)
    frame = pl.concat(blocks, rechunk=False)
    blocks.clear()
    meta = StatMeta([], {}, {}, {})
    for column in columns:
        meta.labels.append(_cut_label(column.variable_label(language), label_limit))
        value_labels = column.stat_value_labels(language)
        if value_labels:
            meta.value_labels[column.name] = {code: label for code, label in value_labels.items()}
        if column.stat_missing():
            meta.missing[column.name] = column.stat_missing()
        measure = column.stat_measure()
        if measure:
            meta.measure[column.name] = measure
    return frame, meta


def _polars_type(pl: Any, column: Column) -> Any:
    if column.stat_storage == INTEGER:
        largest = max(column.stat_codes().values(), default=1)
        largest = max(largest, column.owner.max_rank if column.owner is not None else 0)
        return pl.Int8 if largest < 128 else pl.Int16 if largest < 32768 else pl.Int32
    if column.stat_storage == TIMESTAMP:
        return pl.Datetime("us")
    return pl.Categorical


def _cut_label(text: str, characters: int | None) -> str:
    """SPSS keeps 255 bytes of a variable label, Stata 80 characters: cut with an ellipsis."""
    if characters is not None and len(text) > characters:
        return text[: characters - 1] + "…"
    encoded = text.encode("utf-8")
    if len(encoded) > SPSS_LABEL_BYTES:
        text = encoded[: SPSS_LABEL_BYTES - 3].decode("utf-8", "ignore") + "…"
    return text


# --------------------------------------------------------------------------- R


def r_script(options: ExportOptions) -> Iterator[str]:
    """An R script that reads responses.csv (codes, the default export) with the right
    types: codes as factors labelled in `labels` (or English), ranks as integers (na ->
    NA), 0/1 as integers, times as POSIXct; "NA" (Namibia) and "N/A" stay what they are."""
    from survey.exports.r_script import render

    yield render(Selection.of(options).columns, options.labels or "en", options.separator)
