"""Import a wide CSV in this project's own export format as submitted responses.

How answers collected elsewhere (another site, a paper form typed up) join the dataset.
Each row is turned back into form-contract data and validated page by page with
`Questionnaire.parse_page`, the same rules as the web form (q7 offers only what q6
chose, ranks run 1..k without repeats, follow-ups only when their condition holds). Then:

- the whole file is imported or nothing is (one transaction);
- a row whose `response_id` already exists with the same content is skipped (counted), with
  different content it is rejected as a conflict, so importing a file twice adds nothing;
- cells may hold codes or labels in English or Russian (detected per cell), a UTF-8 BOM is
  accepted, the apostrophes the export adds against formula injection are removed again
  (`survey.exports.neutralise.restore`), and `*_en` columns become English translations;
- the imported responses are added to the live result counts in the same transaction.

No request objects here: the CLI command calls `import_csv` inside an app context, so the
reasons for refusing a file or a row are in the operator's language (`i18n.command_line_language`),
the answers' own reasons worded as the web form words them.
"""

from __future__ import annotations

import csv
import io
import uuid as uuid_module
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import current_app
from flask_babel import _, ngettext
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from survey import dataset
from survey.aggregation.counters import count_new_submissions
from survey.database import begin_write
from survey.dataset import format_timestamp, parse_timestamp
from survey.exports.neutralise import restore
from survey.extensions import db
from survey.models import EXCLUDED, SUBMITTED, Answer, Coding, CodingCategory, Response, Translation
from survey.questionnaire import LONG_TEXT_LIMIT, AnswerRow, asked_questionnaire, clean_text
from survey.questionnaire.columns import CellError

LOOKUP_BATCH = 500


#: Times as spreadsheets write them back (all taken as UTC, as the export wrote them).
SPREADSHEET_TIME_FORMATS = (
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
)


def parse_spreadsheet_time(text: str) -> datetime | None:
    """The export's own format, or one of SPREADSHEET_TIME_FORMATS; None for anything else
    (11/24/2026 is refused: day and month could be either way round)."""
    try:
        return parse_timestamp(text)
    except ValueError:
        pass
    value = text.strip().removesuffix("Z").removesuffix("+00:00").strip()
    for pattern in SPREADSHEET_TIME_FORMATS:
        try:
            return datetime.strptime(value, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


class ImportFileError(Exception):
    """The file as a whole cannot be read (encoding, header): nothing is imported."""


@dataclass
class Rejection:
    line: int
    response_id: str
    reason: str

    def __str__(self) -> str:
        if self.response_id:
            return _(
                "line %(line)d (response_id %(response_id)s): %(reason)s",
                line=self.line,
                response_id=self.response_id,
                reason=self.reason,
            )
        return _("line %(line)d: %(reason)s", line=self.line, reason=self.reason)


@dataclass
class ParsedRow:
    line: int
    uuid: str
    language: str
    started_at: datetime
    submitted_at: datetime
    rows: list[AnswerRow]
    #: (question, option, language) -> translation text.
    translations: dict[tuple[str, str, str], str]
    #: (open field, (question, option) of its answer, category code) of each coding.
    codings: list[tuple[str, tuple[str, str], str]] = field(default_factory=list)


@dataclass
class ImportReport:
    rows: int = 0
    imported: int = 0
    skipped: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.rejected


class RowRejected(Exception):
    pass


def _unchanged(text: str) -> str:
    return text


# --------------------------------------------------------------------------- reading


def decode(data: bytes) -> str:
    """UTF-8 text (a BOM is accepted); invalid bytes name the line they are on."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        byte = data[error.start : error.start + 1].hex()
        raise ImportFileError(
            _(
                "line %(line)d: the file is not valid UTF-8 (byte 0x%(byte)s); "
                "save it as UTF-8 (in Excel: 'CSV UTF-8') and try again.",
                line=line,
                byte=byte,
            )
        ) from error


#: Separators a spreadsheet may have saved the file with (Excel and LibreOffice use ";"
#: where the decimal mark is a comma).
SEPARATORS = (",", ";", "\t")
XLSX_MAGIC = b"PK\x03\x04"


def detect_separator(text: str, known: Iterable[str]) -> str:
    """The separator that splits the header into the most known column names."""
    first = text.split("\n", 1)[0]
    names = set(known)

    def score(separator: str) -> int:
        header = next(csv.reader([first], delimiter=separator), [])
        return sum(1 for name in header if name.strip() in names)

    return max(SEPARATORS, key=score)


def read_records(text: str, separator: str = ",") -> Iterable[tuple[int, list[str]]]:
    """CSV records with the line each starts on (a record may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    previous = 0
    try:
        for record in reader:
            start, previous = previous + 1, reader.line_num
            if record:
                yield start, record
    except csv.Error as error:
        raise ImportFileError(
            _(
                "line %(line)d: not a valid CSV file (%(error)s)",
                line=reader.line_num,
                error=error,
            )
        ) from error


def read_xlsx_records(data: bytes) -> Iterable[tuple[int, list[str]]]:
    """The rows of a workbook's "responses" sheet (or its first), cells as the CSV has them:
    numbers as written, dates as 2026-11-24T12:00:00Z, empty cells empty."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - any unreadable workbook
        raise ImportFileError(
            _("the file is not a workbook this program can read (%(error)s).", error=error)
        ) from error
    try:
        names = workbook.sheetnames
        sheet = workbook["responses"] if "responses" in names else workbook[names[0]]
        width = 0
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_xlsx_cell(value) for value in values]
            if number == 1:
                while cells and cells[-1] == "":
                    cells.pop()
                width = len(cells)
            cells = (cells + [""] * width)[:width] if width else cells
            if any(cells):
                yield number, cells
    finally:
        workbook.close()


def _xlsx_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return format_timestamp(value)
    return str(value)


def read_file(data: bytes) -> tuple[Iterable[tuple[int, list[str]]], bool]:
    """The records of a CSV (any of the usual separators) or XLSX file, and whether its
    cells carry the CSV export's apostrophes against formulas (XLSX cells do not)."""
    if data.startswith(XLSX_MAGIC):
        return read_xlsx_records(data), False
    text = decode(data)
    known = [column.name for column in dataset.columns(include_contact=True)]
    return read_records(text, detect_separator(text, known)), True


# --------------------------------------------------------------------------- decoding


class RowDecoder:
    """Turns one CSV record into answer rows validated like the web form."""

    def __init__(self, header: list[str], restore_apostrophes: bool = True):
        known = {column.name: column for column in dataset.columns(include_contact=True)}
        self.restore = restore if restore_apostrophes else _unchanged
        unknown = [name for name in header if name not in known]
        if unknown:
            raise ImportFileError(
                ngettext(
                    "line 1: unknown column %(columns)s; "
                    "the file must be a wide CSV exported by this survey (see the codebook).",
                    "line 1: unknown columns %(columns)s; "
                    "the file must be a wide CSV exported by this survey (see the codebook).",
                    len(unknown),
                    columns=", ".join(unknown),
                )
            )
        duplicates = sorted({name for name in header if header.count(name) > 1})
        if duplicates:
            raise ImportFileError(
                ngettext(
                    "line 1: column %(columns)s appears twice.",
                    "line 1: columns %(columns)s appear twice.",
                    len(duplicates),
                    columns=", ".join(duplicates),
                )
            )
        if "language" not in header:
            raise ImportFileError(_("line 1: the language column is missing."))
        self.header = header
        self.columns = [known[name] for name in header]
        self.questionnaire = asked_questionnaire()
        personal = {q.code for q in self.questionnaire.where("personal")}
        self.has_contact = any(column.question in personal for column in self.columns)
        self.encoder = dataset.RowEncoder(include_contact=True)
        # Every accepted spelling of each column's codes: the code, its labels in any language.
        self.reverse = {column.name: column.reverse_labels() for column in self.columns}
        self.languages = tuple(current_app.config["LANGUAGES"])

    def decode(self, line: int, record: list[str]) -> ParsedRow:
        if len(record) != len(self.header):
            raise RowRejected(
                ngettext(
                    "the row has %(num)d cell but the header has %(header)d.",
                    "the row has %(num)d cells but the header has %(header)d.",
                    len(record),
                    header=len(self.header),
                )
            )
        cells = {name: self.restore(value) for name, value in zip(self.header, record, strict=True)}
        row_uuid = self._uuid(cells.get("response_id", ""))
        language = cells["language"]
        if language not in self.languages:
            raise RowRejected(
                _(
                    "language: %(value)s is not one of %(languages)s.",
                    value=repr(language),
                    languages=", ".join(self.languages),
                )
            )
        submitted_at = self._timestamp(cells, "submitted_at") or datetime.now(UTC).replace(
            microsecond=0
        )
        started_at = self._timestamp(cells, "started_at") or submitted_at
        if started_at > submitted_at:
            raise RowRejected(_("started_at is later than submitted_at."))
        codes = self._codes(cells)
        form = self._form(codes)
        rows = self._validate(form)
        self._check_nothing_dropped(codes, rows)
        translations = self._translations(cells, rows)
        codings = self._codings(cells, rows)
        return ParsedRow(
            line, row_uuid, language, started_at, submitted_at, rows, translations, codings
        )

    @staticmethod
    def _uuid(value: str) -> str:
        if not value:
            return str(uuid_module.uuid4())
        try:
            parsed = uuid_module.UUID(value)
        except ValueError:
            raise RowRejected(
                _("response_id: %(value)s is not a UUID.", value=repr(value))
            ) from None
        if str(parsed) != value:
            raise RowRejected(
                _(
                    "response_id: write %(value)s as %(uuid)s.",
                    value=repr(value),
                    uuid=repr(str(parsed)),
                )
            )
        return value

    @staticmethod
    def _timestamp(cells: Mapping[str, str], name: str) -> datetime | None:
        value = cells.get(name, "")
        if not value:
            return None
        parsed = parse_spreadsheet_time(value)
        if parsed is None:
            raise RowRejected(
                _(
                    "%(column)s: %(value)s is not a UTC time such as 2026-11-24T12:00:00Z "
                    "(2026-11-24 12:00:00 and 24.11.2026 12:00 are fine too).",
                    column=name,
                    value=repr(value),
                )
            )
        return parsed

    def _codes(self, cells: Mapping[str, str]) -> dict[str, str]:
        """Every answer cell with labels turned into codes ("" when the cell is empty)."""
        codes: dict[str, str] = {}
        for column in self.columns:
            value = cells[column.name]
            if not column.is_answer or value == "":
                codes[column.name] = value
                continue
            try:
                codes[column.name] = column.decode(value, self.reverse[column.name])
            except CellError as error:
                raise RowRejected(str(error)) from None
        return codes

    def _form(self, codes: Mapping[str, str]) -> MultiDict:
        """Form-contract data, as the web form would post it."""
        form: MultiDict = MultiDict()
        for column in self.columns:
            value = codes[column.name]
            if column.is_answer and value != "":
                column.add_to_form(form, value)
        return form

    def _validate(self, form: MultiDict) -> list[AnswerRow]:
        known: dict[str, list[AnswerRow]] = {}
        for page in self.questionnaire.pages:
            # The web form's own messages, in the operator's language.
            answers, errors = self.questionnaire.parse_page(page, form, known)
            if errors:
                raise RowRejected(
                    "; ".join(f"{code}: {message}" for code, message in errors.items())
                )
            known.update(answers)
        return [
            row
            for q in self.questionnaire.questions
            if self.has_contact or not q.personal
            for row in known.get(q.code, [])
        ]

    def _check_nothing_dropped(self, codes: Mapping[str, str], rows: list[AnswerRow]) -> None:
        """Every value in the file must survive validation; the web form drops some silently
        (a follow-up whose condition does not hold)."""
        cells = self.encoder.encode(
            (0, "", "", None, None, SUBMITTED),
            [(None, None, r.question, r.option, r.rank, r.text) for r in rows],
        )
        back = dict(zip(self.encoder.columns, cells, strict=True))
        for column in self.columns:
            given = codes[column.name]
            if not column.is_answer or given == "":
                continue
            result = "" if back[column] is None else str(back[column])
            if not column.survives(given, result):
                raise RowRejected(column.dropped_reason(given))

    def _codings(
        self, cells: Mapping[str, str], rows: list[AnswerRow]
    ) -> list[tuple[str, tuple[str, str], str]]:
        """The codings of the row's open answers (1 in a category's column)."""
        with_text = {(row.question, row.option) for row in rows if row.text}
        found = []
        for column in self.columns:
            value = cells[column.name]
            if not column.restores_coding or value == "":
                continue
            try:
                if column.decode(value, {}) == "0":
                    continue
            except CellError as error:
                raise RowRejected(str(error)) from None
            coded, code = column.coding()
            key = (coded.question, coded.option)
            if key not in with_text:
                raise RowRejected(
                    _("%(column)s: coded, but there is no answer to code.", column=column.name)
                )
            found.append((coded.field, key, code))
        return found

    def _translations(
        self, cells: Mapping[str, str], rows: list[AnswerRow]
    ) -> dict[tuple[str, str, str], str]:
        with_text = {(row.question, row.option) for row in rows if row.text}
        result: dict[tuple[str, str, str], str] = {}
        for column in self.columns:
            if not column.translates or not cells[column.name]:
                continue
            key = (column.question, column.option)
            if key not in with_text:
                raise RowRejected(
                    _(
                        "%(column)s has a translation but there is no text to translate.",
                        column=column.name,
                    )
                )
            text, error = clean_text(cells[column.name], LONG_TEXT_LIMIT)
            if error:
                raise RowRejected(f"{column.name}: {error}")
            if text:
                assert column.language is not None
                result[(*key, column.language)] = text
        return result


# --------------------------------------------------------------------------- importing


def import_csv(data: bytes, dry_run: bool = False) -> ImportReport:
    """Validate every row of a wide CSV or XLSX file, then import all of them or none; the
    caller's session commits."""
    if not dry_run:
        begin_write()
    report = ImportReport(dry_run=dry_run)
    found, restore_apostrophes = read_file(data)
    records = iter(found)
    try:
        _line, header = next(records)
    except StopIteration:
        raise ImportFileError(_("the file is empty.")) from None
    decoder = RowDecoder([name.strip() for name in header], restore_apostrophes)
    parsed: list[ParsedRow] = []
    seen: dict[str, int] = {}
    for line, record in records:
        report.rows += 1
        response_id = (
            record[header.index("response_id")]
            if "response_id" in header and len(record) == len(header)
            else ""
        )
        try:
            row = decoder.decode(line, record)
        except RowRejected as rejected:
            report.rejected.append(Rejection(line, response_id, str(rejected)))
            continue
        if row.uuid in seen:
            report.rejected.append(
                Rejection(
                    line,
                    response_id,
                    _("the same response_id is on line %(line)d.", line=seen[row.uuid]),
                )
            )
            continue
        seen[row.uuid] = line
        parsed.append(row)

    new_rows = []
    existing = _existing(row.uuid for row in parsed)
    for row in parsed:
        stored = existing.get(row.uuid)
        if stored is None:
            new_rows.append(row)
        elif _same_content(stored, row, decoder.has_contact):
            report.skipped += 1
        else:
            report.rejected.append(
                Rejection(
                    row.line,
                    row.uuid,
                    _(
                        "conflict: a response with this response_id already exists "
                        "with different answers."
                    ),
                )
            )
    if report.rejected or dry_run:
        report.imported = 0 if report.rejected else len(new_rows)
        db.session.rollback()
        return report
    categories = {
        (category.field, category.code): category.id
        for category in db.session.scalars(
            select(CodingCategory).where(CodingCategory.deleted_at.is_(None))
        )
    }
    for row in new_rows:
        _insert(row, categories)
    db.session.flush()
    count_new_submissions(db.session.connection())
    report.imported = len(new_rows)
    return report


def _existing(uuids: Iterable[str]) -> dict[str, Response]:
    found: dict[str, Response] = {}
    batch: list[str] = []

    def lookup() -> None:
        for response in db.session.scalars(select(Response).where(Response.uuid.in_(batch))):
            found[response.uuid] = response
        batch.clear()

    for value in uuids:
        batch.append(value)
        if len(batch) == LOOKUP_BATCH:
            lookup()
    if batch:
        lookup()
    return found


def _same_content(stored: Response, row: ParsedRow, with_contact: bool) -> bool:
    if (
        stored.status not in (SUBMITTED, EXCLUDED)
        or stored.language != row.language
        or format_timestamp(stored.started_at) != format_timestamp(row.started_at)
        or format_timestamp(stored.submitted_at) != format_timestamp(row.submitted_at)
    ):
        return False
    query = select(Answer.question, Answer.option, Answer.rank, Answer.text).where(
        Answer.response_id == stored.id
    )
    if not with_contact:
        query = query.where(Answer.question.not_in(dataset.personal_questions()))
    answers = {AnswerRow(*cells) for cells in db.session.execute(query)}
    return answers == set(row.rows)


def _insert(row: ParsedRow, categories: Mapping[tuple[str, str], int]) -> int:
    """Add one submitted response with its answers, their translations and codings; returns
    its id. `categories`: the id of each (open field, category code)."""
    response = Response(
        uuid=row.uuid,
        language=row.language,
        status=SUBMITTED,
        started_at=row.started_at,
        updated_at=row.submitted_at,
        submitted_at=row.submitted_at,
        last_page=len(asked_questionnaire().pages),
        source="import",
    )
    db.session.add(response)
    db.session.flush()
    answers = {
        (r.question, r.option): Answer(
            response_id=response.id, question=r.question, option=r.option, rank=r.rank, text=r.text
        )
        for r in row.rows
    }
    db.session.add_all(answers.values())
    if row.translations or row.codings:
        db.session.flush()
    db.session.add_all(
        Coding(
            answer_id=answers[key].id,
            category_id=categories[(field, code)],
            response_id=response.id,
        )
        for field, key, code in row.codings
    )
    if row.translations:
        db.session.add_all(
            Translation(
                answer_id=answers[(question, option)].id,
                language=language,
                text=text,
                translated_by_id=None,
            )
            for (question, option, language), text in row.translations.items()
        )
    return response.id
