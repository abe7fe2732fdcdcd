"""The merged dataset: one wide row per submitted response, its long form and its codebook.

The columns are the question types' own (`Questionnaire.export_columns`, see
`survey.questionnaire.columns`); the CSV, XLSX, SPSS and codebook exports and the CSV
importer all read them. Nothing in this module knows about requests: the views and the CLI
pass filters and options in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import bindparam, func, select

from survey.extensions import db
from survey.models import (
    CATEGORIES,
    CODINGS,
    EXCLUDED,
    RECODES,
    RESPONSES,
    SUBMITTED,
    Answer,
    Response,
    Translation,
    User,
)
from survey.questionnaire import current_questionnaire
from survey.questionnaire.coded import coded_code
from survey.questionnaire.columns import (
    RANK,
    SET,
    STATUS_COLUMN,
    TEXT,
    Column,
    encoding_plan,
    label_languages,
)
from survey.selection import Filters, matching

CHUNK_SIZE = 2000
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
#: Where the status column goes: after response_id, language, started_at, submitted_at.
STATUS_POSITION = 4


def columns(include_contact: bool = False, include_excluded: bool = False) -> tuple[Column, ...]:
    """Every column of the wide dataset, in order; with excluded responses, their `status`
    after `submitted_at`."""
    found = current_questionnaire().export_columns(include_contact)
    if not include_excluded:
        return found
    return (*found[:STATUS_POSITION], STATUS_COLUMN, *found[STATUS_POSITION:])


def column_names(include_contact: bool = False, include_excluded: bool = False) -> list[str]:
    return [column.name for column in columns(include_contact, include_excluded)]


def statuses(include_excluded: bool) -> tuple[str, ...]:
    """The responses an export holds: submitted ones, and excluded ones when asked."""
    return (SUBMITTED, EXCLUDED) if include_excluded else (SUBMITTED,)


def personal_questions() -> list[str]:
    """Codes of the questions whose answers are personal data (exported only when asked)."""
    return [q.code for q in current_questionnaire().where("personal")]


# --------------------------------------------------------------------------- formats


def format_timestamp(value: datetime | None) -> str:
    """ISO 8601 in UTC to the second; SQLite gives back naive datetimes, which are UTC."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


def parse_timestamp(text: str) -> datetime:
    """The inverse of `format_timestamp`; raises ValueError for anything else."""
    return datetime.strptime(text, TIMESTAMP_FORMAT).replace(tzinfo=UTC)


# --------------------------------------------------------------------------- reading

#: (id, uuid, language, started_at, submitted_at, status): timestamps formatted as text.
ResponseMeta = tuple[int, str, str, str | None, str | None, str]
#: (answer id, language) -> the answer's translation into that language.
Translations = Mapping[tuple[int, str], str]
#: (answer id, response id, question, option, rank, text) of one stored answer.
AnswerCells = tuple[int | None, int | None, str, str, int | None, str | None]
_RESPONSE_ID = itemgetter(1)


def _timestamp_text(column: Any, dialect: str) -> Any:
    """The timestamp formatted in the database (`format_timestamp`'s format), much faster
    than formatting 200,000 datetimes in Python."""
    if dialect == "sqlite":
        # Stored as UTC text without an offset ("2026-11-24 12:00:00.123456").
        return func.strftime("%Y-%m-%dT%H:%M:%SZ", column)
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", column), 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
    return column


def iter_responses(
    filters: Filters | None = None,
    include_contact: bool = False,
    chunk_size: int = CHUNK_SIZE,
    include_codings: bool = True,
    recoded: bool = False,
    include_excluded: bool = False,
) -> Iterator[tuple[ResponseMeta, Sequence[AnswerCells], Translations]]:
    """Submitted responses (and excluded ones with `include_excluded`) in id order, with
    their answers and their translations into each configured language (keyed by answer id
    and language).

    Keyset pagination (`id > last`, `chunk_size` responses at a time) and one answer query
    per chunk keep memory flat however many responses there are; answers come ordered by
    response and question. Personal answers are not even read unless asked for. With
    `include_codings`, each coding of an open answer follows the answers as a row of its
    coded question (q9_code, option: the category's code). With `recoded`, an "other"
    answer the working group recoded comes as the option it was recoded into.
    """
    connection = db.session.connection()
    dialect = connection.dialect.name
    # The status is checked in Python: with `status = 'submitted'` in the WHERE clause SQLite
    # walks the status index and sorts every chunk instead of following the primary key.
    clauses = matching(filters or Filters(), RESPONSES, statuses=None)
    started = _timestamp_text(Response.started_at, dialect)
    submitted = _timestamp_text(Response.submitted_at, dialect)
    python_format = dialect not in ("sqlite", "postgresql")
    responses_query = (
        select(Response.id, Response.uuid, Response.language, started, submitted, Response.status)
        .where(Response.id > bindparam("last"), *clauses)
        .order_by(Response.id)
        .limit(chunk_size)
    )
    option: Any = func.coalesce(RECODES.c.option, Answer.option) if recoded else Answer.option
    answers_query = select(
        Answer.id, Answer.response_id, Answer.question, option, Answer.rank, Answer.text
    ).order_by(Answer.response_id, Answer.question, option)
    if recoded:
        answers_query = answers_query.outerjoin(RECODES, RECODES.c.answer_id == Answer.id)
    if not include_contact:
        answers_query = answers_query.where(Answer.question.not_in(personal_questions()))
    translations_query = (
        select(Translation.answer_id, Translation.language, Translation.text)
        .join(Answer, Answer.id == Translation.answer_id)
        .where(Translation.language.in_(label_languages()))
    )
    if clauses:
        # Filtered: the chunk's ids may be far apart, so name them.
        in_chunk = Answer.response_id.in_(bindparam("ids", expanding=True))
    else:
        # Unfiltered: the chunk is (nearly) a contiguous range of ids, cheaper than IN (...).
        in_chunk = Answer.response_id.between(bindparam("low"), bindparam("high"))
    answers_query = answers_query.where(in_chunk)
    translations_query = translations_query.where(in_chunk)
    questionnaire = current_questionnaire()
    coded_fields = questionnaire.coded_fields if include_codings else ()
    coded_questions = {f.question for f in questionnaire.open_fields if f.field in coded_fields}
    # By the ids of the chunk's open answers, on the codings' primary key: a join on the
    # chunk's range lets PostgreSQL, with statistics older than a bulk of new codings, walk
    # every coding once per chunk (21 s instead of 5 s for 100,000 responses).
    codings_query = (
        select(CODINGS.c.answer_id, CATEGORIES.c.field, CATEGORIES.c.code)
        .select_from(CODINGS.join(CATEGORIES))
        .where(
            CODINGS.c.answer_id.in_(bindparam("answers", expanding=True)),
            CATEGORIES.c.deleted_at.is_(None),
            CATEGORIES.c.field.in_(coded_fields),
        )
        .order_by(CODINGS.c.answer_id, CATEGORIES.c.field, CATEGORIES.c.position)
    )
    wanted = statuses(include_excluded)
    last = 0
    while True:
        fetched = connection.execute(responses_query, {"last": last}).all()
        if not fetched:
            return
        last = fetched[-1][0]
        chunk = [row for row in fetched if row[5] in wanted]
        if not chunk:
            continue
        ids = [row[0] for row in chunk]
        params = {"ids": ids} if clauses else {"low": ids[0], "high": ids[-1]}
        # Plain DB-API tuples: SQLAlchemy's Row objects cost more than the query itself here
        # (the columns are integers and text, which need no conversion).
        result = connection.execute(answers_query, params)
        rows = result.cursor.fetchall()
        result.close()
        by_response = {
            response_id: list(group) for response_id, group in groupby(rows, key=_RESPONSE_ID)
        }
        open_answers = {row[0]: row[1] for row in rows if row[2] in coded_questions}
        if open_answers:
            codings = connection.execute(codings_query, {"answers": list(open_answers)})
            for answer_id, field, code in codings:
                response_id = open_answers[answer_id]
                cells = (answer_id, response_id, coded_code(field), code, None, None)
                by_response.setdefault(response_id, []).append(cells)
        translations = {
            (answer_id, language): text
            for answer_id, language, text in connection.execute(translations_query, params)
        }
        for row in chunk:
            meta = tuple(row[:6])
            if python_format:
                meta = (*meta[:3], format_timestamp(meta[3]), format_timestamp(meta[4]), meta[5])
            yield meta, by_response.get(row[0], ()), translations
        del by_response, chunk, fetched, rows, translations


def iter_long_rows(
    filters: Filters | None = None,
    include_contact: bool = False,
    chunk_size: int = CHUNK_SIZE,
    recoded: bool = False,
    include_excluded: bool = False,
) -> Iterator[tuple[ResponseMeta, str, str, int | None, str | None]]:
    """(response, question, option, rank, text) rows, responses in id order (the response's
    status is its meta's last item)."""
    questions = current_questionnaire().questions
    order = {q.code: position for position, q in enumerate(questions)}
    chunks = iter_responses(filters, include_contact, chunk_size, False, recoded, include_excluded)
    for meta, answers, _translations in chunks:
        for _id, _response, question, option, rank, text in sorted(
            answers, key=lambda cells: (order.get(cells[2], len(order)), cells[3])
        ):
            yield meta, question, option, rank, text


def count_responses(filters: Filters | None = None, include_excluded: bool = False) -> int:
    """How many responses the filters select (for progress bars)."""
    wanted = statuses(include_excluded)
    clauses = matching(filters or Filters(), RESPONSES, statuses=wanted)
    return db.session.scalar(select(func.count()).select_from(RESPONSES).where(*clauses)) or 0


# --------------------------------------------------------------------------- wide rows


class RowEncoder:
    """Turns one response's stored answers into the cells of its wide row.

    Cells are None (empty), str (codes, labels, text) or int (ranks, 0/1 flags). With
    `labels`, code cells carry labels in that language instead, and `na` ranks the localised
    "Not ranked"; numbers stay numbers. `escape`, when given, is applied to every text
    cell and label (the CSV export's formula neutralisation), here rather than in a second
    pass over every cell because this runs once per response. Each column says how its cell
    is filled (`Column.add_to`), once, before the first row.
    """

    def __init__(
        self,
        include_contact: bool = False,
        labels: str | None = None,
        escape: Callable[[str], str] | None = None,
        include_excluded: bool = False,
    ):
        self.columns = columns(include_contact, include_excluded)
        self.include_status = include_excluded
        self.width = len(self.columns)
        plan = encoding_plan(self.columns, labels, escape)
        self.escape = escape
        self.not_applicable = plan.not_applicable
        self.defaults = plan.defaults
        self.actions = plan.actions
        self.any_option = plan.any_option

    def encode(
        self,
        meta: ResponseMeta,
        answers: Iterable[AnswerCells],
        translations: Translations | None = None,
    ) -> list[Any]:
        """The wide row; `answers` must come grouped by question (as `iter_responses` gives)."""
        row: list[Any] = [None] * self.width
        row[0], row[1], row[2], row[3] = meta[1], meta[2], meta[3] or "", meta[4] or ""
        if self.include_status:
            row[STATUS_POSITION] = meta[5]
        actions, defaults = self.actions, self.defaults
        not_applicable = self.not_applicable
        escape = self.escape
        previous = None
        for answer_id, _response, question, option, rank, text in answers:
            if question != previous:
                previous = question
                for index, value in defaults.get(question, ()):
                    row[index] = value
            todo = actions.get((question, option))
            if todo is None:
                # A code the questionnaire does not list (should not happen): keep it as is.
                for index, _action, _value in self.any_option.get(question, ()):
                    row[index] = escape(option) if escape else option
                continue
            for index, action, value in todo:
                if action == SET:
                    row[index] = value
                elif action == RANK:
                    row[index] = rank if rank is not None else not_applicable
                elif action == TEXT:
                    row[index] = escape(text) if escape and text else text
                elif translations and answer_id is not None:
                    translation = translations.get((answer_id, value))
                    row[index] = escape(translation) if escape and translation else translation
        return row


def wide_rows(
    filters: Filters | None = None,
    include_contact: bool = False,
    labels: str | None = None,
    chunk_size: int = CHUNK_SIZE,
    recoded: bool = False,
    include_excluded: bool = False,
) -> Iterator[list[Any]]:
    encoder = RowEncoder(include_contact, labels, include_excluded=include_excluded)
    chunks = iter_responses(
        filters,
        include_contact,
        chunk_size,
        recoded=recoded,
        include_excluded=include_excluded,
    )
    for meta, answers, translations in chunks:
        yield encoder.encode(meta, answers, translations)


# --------------------------------------------------------------------------- codebook

CODEBOOK_HEADER = (
    "column",
    "question",
    "type",
    "question_en",
    "question_ru",
    "option_en",
    "option_ru",
    "code",
    "label_en",
    "label_ru",
    "value",
    "asked_when_en",
    "asked_when_ru",
    "description_en",
    "description_ru",
)


def codebook_rows(
    include_contact: bool = True, include_excluded: bool = False
) -> Iterator[tuple[str, ...]]:
    """One row per (column, code); columns without codes get one row with the code empty."""
    for column in columns(include_contact, include_excluded):
        base = (
            column.name,
            column.question or "",
            column.kind,
            column.question_text("en"),
            column.question_text("ru"),
            column.subject("en"),
            column.subject("ru"),
        )
        about = (
            column.routing("en"),
            column.routing("ru"),
            column.describe("en"),
            column.describe("ru"),
        )
        for code, english, russian in column.codebook_codes():
            yield (*base, code, english, russian, column.codebook_value(code), *about)


# --------------------------------------------------------------------------- codings

CODED_HEADER = ("response_id", "field", "category", "coder", "coded_at")


def iter_codings(
    filters: Filters | None = None, include_excluded: bool = False
) -> Iterator[tuple[str, ...]]:
    """(response_id, open field, category code, coder's e-mail, coded_at) of every coding of a
    submitted response's open answer, responses in id order (the long `coded_answers.csv`);
    with `include_excluded`, excluded responses' too, each row ending with the status."""
    connection = db.session.connection()
    query = (
        select(
            Response.uuid,
            CATEGORIES.c.field,
            CATEGORIES.c.code,
            User.email,
            _timestamp_text(CODINGS.c.coded_at, connection.dialect.name),
            Response.status,
        )
        .select_from(
            CODINGS.join(CATEGORIES)
            .join(Answer, Answer.id == CODINGS.c.answer_id)
            .join(Response, Response.id == Answer.response_id)
            .outerjoin(User, User.id == CODINGS.c.coded_by_id)
        )
        .where(
            *matching(filters or Filters(), RESPONSES, statuses=statuses(include_excluded)),
            CATEGORIES.c.deleted_at.is_(None),
        )
        .order_by(Response.id, CATEGORIES.c.field, CATEGORIES.c.position)
        .execution_options(yield_per=CHUNK_SIZE)
    )
    for uuid, field, code, email, coded_at, status in connection.execute(query):
        stamp = coded_at if isinstance(coded_at, str) else format_timestamp(coded_at)
        yield uuid, field, code, email or "", stamp, *((status,) if include_excluded else ())
