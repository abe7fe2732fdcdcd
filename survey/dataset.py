"""The merged dataset: one wide row per submitted response, derived from the questionnaire.

The column model is defined once, here, from `survey.questionnaire.QUESTIONS`; the CSV,
XLSX, SPSS and codebook exports and the CSV importer all read it. Nothing in this module
knows about requests: the views and the CLI pass filters and options in.

Column kinds (the `type` column of the codebook):

- ``id``, ``language``, ``timestamp``: the response's public id, language and times;
- ``single``, ``yesno``, ``country``: one column holding the chosen code;
- ``other_text``: the "other (please specify)" text of a choice question;
- ``text``: a free-text answer; ``translation``: its English translation (``*_en``);
- ``flag``: one option of a multiple-choice question: 1 chosen, 0 not, empty = declined;
- ``rank``: one item of a ranking: the rank, ``na`` not ranked, empty = declined;
- ``contact``: a contact detail (personal data, only on an admin's explicit request).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from itertools import groupby
from operator import itemgetter
from typing import Any

from flask_babel import force_locale
from sqlalchemy import bindparam, func, select

from survey.aggregation import Filters
from survey.extensions import db
from survey.i18n import countries
from survey.i18n import lazy_gettext as _l
from survey.models import SUBMITTED, Answer, Response, Translation
from survey.questionnaire import (
    NOT_APPLICABLE,
    QUESTIONS,
    QUESTIONS_BY_CODE,
    ChoiceQuestion,
    ContactQuestion,
    CountryQuestion,
    MultipleChoiceQuestion,
    RankingQuestion,
    TextQuestion,
)

CHUNK_SIZE = 2000
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
TRANSLATION_LANGUAGE = "en"
TRANSLATION_SUFFIX = "_en"
#: Questions whose answers are personal data, exported only when an admin asks.
CONTACT_QUESTIONS = frozenset(q.code for q in QUESTIONS if isinstance(q, ContactQuestion))
#: Column kinds whose cells are free text written by people (neutralised in CSV/XLSX).
TEXT_KINDS = frozenset({"other_text", "text", "translation", "contact"})
#: Column kinds holding option codes (or their labels).
CODE_KINDS = frozenset({"single", "yesno", "country", "language"})

PREFER_NOT_TO_SAY = _l("Prefer not to say")
NOT_APPLICABLE_LABEL = _l("Not applicable")
CHOSEN = _l("Chosen")
NOT_CHOSEN = _l("Not chosen")
META_DESCRIPTIONS = {
    "response_id": _l("Response identifier (kept across exports and imports)"),
    "language": _l("Language the respondent answered in"),
    "started_at": _l("When the respondent started (UTC)"),
    "submitted_at": _l("When the respondent submitted (UTC)"),
}
LANGUAGE_LABELS = {"en": "English", "ru": "Русский"}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    #: Question code (None for the response's own fields).
    question: str | None = None
    #: Option, item or contact part this column is about.
    option: str | None = None

    @property
    def is_text(self) -> bool:
        return self.kind in TEXT_KINDS


def _question_columns(q) -> list[Column]:
    """The wide columns of one question, in the order the export writes them."""
    if isinstance(q, ContactQuestion):
        return [Column(q.field_name(part.code), "contact", q.code, part.code) for part in q.parts]
    if isinstance(q, RankingQuestion):
        return [Column(q.field_name(item.code), "rank", q.code, item.code) for item in q.items]
    if isinstance(q, MultipleChoiceQuestion):
        columns = [
            Column(f"{q.code}_{option.code}", "flag", q.code, option.code)
            for option in q.options
            if not (option.code == "other" and q.other_field)
        ]
        if q.other_field:
            columns += [
                Column(f"{q.code}_other_chosen", "flag", q.code, "other"),
                Column(q.other_field, "other_text", q.code, "other"),
                Column(q.other_field + TRANSLATION_SUFFIX, "translation", q.code, "other"),
            ]
        return columns
    if isinstance(q, ChoiceQuestion):
        columns = [Column(q.code, q.type, q.code)]
        if q.other_field:
            columns += [
                Column(q.other_field, "other_text", q.code, "other"),
                Column(q.other_field + TRANSLATION_SUFFIX, "translation", q.code, "other"),
            ]
        return columns
    if isinstance(q, CountryQuestion):
        return [Column(q.code, "country", q.code)]
    if isinstance(q, TextQuestion):
        return [
            Column(q.code, "text", q.code, ""),
            Column(q.code + TRANSLATION_SUFFIX, "translation", q.code, ""),
        ]
    raise TypeError(f"no export columns defined for question type {q.type!r}")


@cache
def columns(include_contact: bool = False) -> tuple[Column, ...]:
    """Every column of the wide dataset, in order."""
    result = [
        Column("response_id", "id"),
        Column("language", "language"),
        Column("started_at", "timestamp"),
        Column("submitted_at", "timestamp"),
    ]
    for q in QUESTIONS:
        if q.code in CONTACT_QUESTIONS and not include_contact:
            continue
        result += _question_columns(q)
    return tuple(result)


def column_names(include_contact: bool = False) -> list[str]:
    return [column.name for column in columns(include_contact)]


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


# --------------------------------------------------------------------------- labels


def option_labels(column: Column, language: str) -> dict[str, str]:
    """Codes of a code-holding column and their labels in `language` (needs an app context)."""
    with force_locale(language):
        if column.kind == "language":
            return dict(LANGUAGE_LABELS)
        if column.kind == "country":
            return {NOT_APPLICABLE: str(PREFER_NOT_TO_SAY), **dict(countries(language))}
        if column.kind == "rank":
            return {NOT_APPLICABLE: str(NOT_APPLICABLE_LABEL)}
        if column.kind == "flag":
            return {"1": str(CHOSEN), "0": str(NOT_CHOSEN)}
        q = QUESTIONS_BY_CODE.get(column.question or "")
        if column.kind in ("single", "yesno") and isinstance(q, ChoiceQuestion):
            return {option.code: str(option.label) for option in q.options}
    return {}


def subject_label(column: Column, language: str) -> str:
    """What a column is about in `language`: the option, item or contact part, if any."""
    q = QUESTIONS_BY_CODE.get(column.question or "")
    if q is None or column.option in (None, ""):
        return ""
    choices = getattr(q, "options", None) or getattr(q, "items", None) or getattr(q, "parts", ())
    with force_locale(language):
        for option in choices:
            if option.code == column.option:
                return str(option.label)
    return ""


def question_text(column: Column, language: str) -> str:
    with force_locale(language):
        if column.question is None:
            return str(META_DESCRIPTIONS[column.name])
        return str(QUESTIONS_BY_CODE[column.question].text)


# --------------------------------------------------------------------------- filters


def filter_clauses(filters: Filters | None) -> list:
    """WHERE clauses on `Response` for the results' filters (`survey.aggregation.Filters`).

    Options of one question are alternatives, different questions must all hold, as the
    results dashboard documents them.
    """
    if filters is None:
        return []
    result = []
    if filters.language:
        result.append(Response.language == filters.language)
    for code, values in filters.answers:
        chosen = [Answer.question == code, Answer.option.in_(values)]
        if isinstance(QUESTIONS_BY_CODE.get(code), RankingQuestion):
            # For a ranking, an item filter means "ranked it" (an N/A row does not count).
            chosen.append(Answer.rank.is_not(None))
        result.append(Response.id.in_(select(Answer.response_id).where(*chosen)))
    return result


def describe_filters(filters: Filters | None) -> str:
    pairs = filters.to_args() if filters is not None else []
    return " ".join(f"{key}={value}" for key, value in pairs) or "none"


# --------------------------------------------------------------------------- reading

#: (id, uuid, language, started_at, submitted_at): timestamps already formatted as text.
ResponseMeta = tuple[int, str, str, str | None, str | None]
#: (answer id, response id, question, option, rank, text) of one stored answer.
AnswerCells = tuple[int | None, int | None, str, str, int | None, str | None]
_RESPONSE_ID = itemgetter(1)


def _timestamp_text(column, dialect: str):
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
) -> Iterator[tuple[ResponseMeta, Sequence[AnswerCells], Mapping[int, str]]]:
    """Submitted responses in id order, with their answers and English translations.

    Keyset pagination (`id > last`, `chunk_size` responses at a time) and one answer query
    per chunk keep memory flat however many responses there are; answers come ordered by
    response and question. Contact answers are not even read unless asked for.
    """
    connection = db.session.connection()
    dialect = connection.dialect.name
    clauses = filter_clauses(filters)
    started = _timestamp_text(Response.started_at, dialect)
    submitted = _timestamp_text(Response.submitted_at, dialect)
    python_format = dialect not in ("sqlite", "postgresql")
    # The status is checked in Python: with `status = 'submitted'` in the WHERE clause SQLite
    # walks the status index and sorts every chunk instead of following the primary key.
    responses_query = (
        select(Response.id, Response.uuid, Response.language, started, submitted, Response.status)
        .where(Response.id > bindparam("last"), *clauses)
        .order_by(Response.id)
        .limit(chunk_size)
    )
    answers_query = select(
        Answer.id, Answer.response_id, Answer.question, Answer.option, Answer.rank, Answer.text
    ).order_by(Answer.response_id, Answer.question, Answer.option)
    if not include_contact:
        answers_query = answers_query.where(Answer.question.not_in(sorted(CONTACT_QUESTIONS)))
    if clauses:
        # Filtered: the chunk's ids may be far apart, so name them.
        answers_query = answers_query.where(
            Answer.response_id.in_(bindparam("ids", expanding=True))
        )
    else:
        # Unfiltered: the chunk is (nearly) a contiguous range of ids, cheaper than IN (...).
        answers_query = answers_query.where(
            Answer.response_id.between(bindparam("low"), bindparam("high"))
        )
    translations_query = (
        select(Translation.answer_id, Translation.text)
        .join(Answer, Answer.id == Translation.answer_id)
        .where(Translation.language == TRANSLATION_LANGUAGE)
    )
    if clauses:
        translations_query = translations_query.where(
            Answer.response_id.in_(bindparam("ids", expanding=True))
        )
    else:
        translations_query = translations_query.where(
            Answer.response_id.between(bindparam("low"), bindparam("high"))
        )
    last = 0
    while True:
        fetched = connection.execute(responses_query, {"last": last}).all()
        if not fetched:
            return
        last = fetched[-1][0]
        chunk = [row for row in fetched if row[5] == SUBMITTED]
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
        translations = dict(connection.execute(translations_query, params).all())
        for row in chunk:
            meta = tuple(row[:5])
            if python_format:
                meta = (*meta[:3], format_timestamp(meta[3]), format_timestamp(meta[4]))
            yield meta, by_response.get(row[0], ()), translations
        del by_response, chunk, fetched, rows, translations


def iter_long_rows(
    filters: Filters | None = None, include_contact: bool = False, chunk_size: int = CHUNK_SIZE
) -> Iterator[tuple[str, str, str, int | None, str | None]]:
    """(response_id, question, option, rank, text) rows, responses in id order."""
    order = {q.code: position for position, q in enumerate(QUESTIONS)}
    for meta, answers, _translations in iter_responses(filters, include_contact, chunk_size):
        for _id, _response, question, option, rank, text in sorted(
            answers, key=lambda cells: (order.get(cells[2], len(order)), cells[3])
        ):
            yield meta[1], question, option, rank, text


# --------------------------------------------------------------------------- wide rows

_SET, _RANK, _TEXT, _TRANSLATION = range(4)


class RowEncoder:
    """Turns one response's stored answers into the cells of its wide row.

    Cells are None (empty), str (codes, labels, text) or int (ranks, 0/1 flags). With
    `labels`, code cells carry labels in that language instead, and `na` ranks the localised
    "Not applicable"; numbers stay numbers. `escape`, when given, is applied to every text
    cell and label (the CSV export's formula neutralisation), here rather than in a second
    pass over every cell because this runs once per response.
    """

    def __init__(
        self,
        include_contact: bool = False,
        labels: str | None = None,
        escape: Callable[[str], str] | None = None,
    ):
        self.columns = columns(include_contact)
        self.escape = escape
        self.width = len(self.columns)
        self.not_applicable = NOT_APPLICABLE
        if labels:
            with force_locale(labels):
                self.not_applicable = str(NOT_APPLICABLE_LABEL)
        # Per question: cells to fill as soon as the question has any answer (0 / na).
        self.defaults: dict[str, list[tuple[int, Any]]] = defaultdict(list)
        # (question, option) -> [(index, action, value)]; question -> the same for any option.
        self.actions: dict[tuple[str, str], list[tuple[int, int, Any]]] = defaultdict(list)
        self.any_option: dict[str, list[tuple[int, int, Any]]] = defaultdict(list)
        for index, column in enumerate(self.columns):
            kind, code, option = column.kind, column.question, column.option
            if kind in ("single", "yesno", "country"):
                names = option_labels(column, labels) if labels else {}
                for value in option_labels(column, "en"):
                    name = names.get(value, value)
                    self.actions[(code, value)].append(
                        (index, _SET, escape(name) if escape else name)
                    )
                self.any_option[code].append((index, _SET, None))
            elif kind == "flag":
                self.defaults[code].append((index, 0))
                self.actions[(code, option)].append((index, _SET, 1))
            elif kind == "rank":
                self.defaults[code].append((index, self.not_applicable))
                self.actions[(code, option)].append((index, _RANK, None))
            elif kind in ("other_text", "text", "contact"):
                self.actions[(code, option)].append((index, _TEXT, None))
            elif kind == "translation":
                self.actions[(code, option)].append((index, _TRANSLATION, None))
        self.actions = dict(self.actions)
        self.defaults = dict(self.defaults)

    def encode(
        self,
        meta: ResponseMeta,
        answers: Iterable[AnswerCells],
        translations: Mapping[int, str] | None = None,
    ) -> list[Any]:
        """The wide row; `answers` must come grouped by question (as `iter_responses` gives)."""
        row: list[Any] = [None] * self.width
        row[0], row[1], row[2], row[3] = meta[1], meta[2], meta[3] or "", meta[4] or ""
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
                if action == _SET:
                    row[index] = value
                elif action == _RANK:
                    row[index] = rank if rank is not None else not_applicable
                elif action == _TEXT:
                    row[index] = escape(text) if escape and text else text
                elif translations:
                    translation = translations.get(answer_id)
                    row[index] = escape(translation) if escape and translation else translation
        return row


def wide_rows(
    filters: Filters | None = None,
    include_contact: bool = False,
    labels: str | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[list[Any]]:
    encoder = RowEncoder(include_contact, labels)
    for meta, answers, translations in iter_responses(filters, include_contact, chunk_size):
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
)


def codebook_rows(include_contact: bool = True) -> Iterator[tuple[str, ...]]:
    """One row per (column, code); columns without codes get one row with the code empty."""
    for column in columns(include_contact):
        kind = column.kind
        base = (
            column.name,
            column.question or "",
            kind,
            question_text(column, "en"),
            question_text(column, "ru"),
            subject_label(column, "en"),
            subject_label(column, "ru"),
        )
        if kind in CODE_KINDS or kind in ("flag", "rank"):
            english = option_labels(column, "en")
            russian = option_labels(column, "ru")
            if kind == "rank":
                q = QUESTIONS_BY_CODE[column.question]
                for rank in range(1, len(q.items) + 1):
                    yield (*base, str(rank), str(rank), str(rank))
            for code, label in english.items():
                yield (*base, code, label, russian.get(code, label))
        else:
            yield (*base, "", "", "")
