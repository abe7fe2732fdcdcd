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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select

from survey.aggregation import Filters
from survey.extensions import db
from survey.i18n import countries
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

    Options of one question are alternatives, different questions must all hold, exactly as
    the results dashboard counts them.
    """
    if filters is None:
        return []
    result = []
    if filters.language:
        result.append(Response.language == filters.language)
    for code, values in filters.answers:
        result.append(
            Response.id.in_(
                select(Answer.response_id).where(Answer.question == code, Answer.option.in_(values))
            )
        )
    return result


def describe_filters(filters: Filters | None) -> str:
    pairs = filters.to_args() if filters is not None else []
    return " ".join(f"{key}={value}" for key, value in pairs) or "none"


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class StoredResponse:
    id: int
    uuid: str
    language: str
    started_at: datetime | None
    submitted_at: datetime | None


#: (question, option, rank, text, English translation) of one stored answer.
AnswerCells = tuple[str, str, int | None, str | None, str | None]


def iter_responses(
    filters: Filters | None = None,
    include_contact: bool = False,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[tuple[StoredResponse, Sequence[AnswerCells]]]:
    """Submitted responses in id order with their answers, one chunk of ids at a time.

    Keyset pagination (`id > last`) and one answer query per chunk keep memory flat
    however many responses there are. Contact answers are not even read unless asked for.
    """
    clauses = filter_clauses(filters)
    last = 0
    while True:
        chunk = db.session.execute(
            select(
                Response.id,
                Response.uuid,
                Response.language,
                Response.started_at,
                Response.submitted_at,
            )
            .where(Response.status == SUBMITTED, Response.id > last, *clauses)
            .order_by(Response.id)
            .limit(chunk_size)
        ).all()
        if not chunk:
            return
        ids = [row[0] for row in chunk]
        query = (
            select(Answer.response_id, Answer.question, Answer.option, Answer.rank, Answer.text)
            .add_columns(Translation.text)
            .outerjoin(
                Translation,
                and_(
                    Translation.answer_id == Answer.id,
                    Translation.language == TRANSLATION_LANGUAGE,
                ),
            )
            .where(Answer.response_id.in_(ids))
        )
        if not include_contact:
            query = query.where(Answer.question.not_in(sorted(CONTACT_QUESTIONS)))
        grouped: dict[int, list[AnswerCells]] = defaultdict(list)
        for response_id, *cells in db.session.execute(query):
            grouped[response_id].append(tuple(cells))
        for row in chunk:
            yield StoredResponse(*row), grouped.get(row[0], ())
        last = ids[-1]
        del grouped, chunk


def iter_long_rows(
    filters: Filters | None = None, include_contact: bool = False, chunk_size: int = CHUNK_SIZE
) -> Iterator[tuple[str, str, str, int | None, str | None]]:
    """(response_id, question, option, rank, text) rows, responses in id order."""
    order = {q.code: position for position, q in enumerate(QUESTIONS)}
    for response, answers in iter_responses(filters, include_contact, chunk_size):
        for question, option, rank, text, _translation in sorted(
            answers, key=lambda cells: (order.get(cells[0], len(order)), cells[1])
        ):
            yield response.uuid, question, option, rank, text


# --------------------------------------------------------------------------- wide rows


class RowEncoder:
    """Turns one response's stored answers into the cells of its wide row.

    Cells are None (empty), str (codes, labels, text) or int (ranks, 0/1 flags). With
    `labels`, code cells carry labels in that language instead, and `na` ranks the localised
    "Not applicable"; numbers stay numbers.
    """

    def __init__(self, include_contact: bool = False, labels: str | None = None):
        self.columns = columns(include_contact)
        self.width = len(self.columns)
        self.text_indexes = [i for i, c in enumerate(self.columns) if c.is_text]
        self.not_applicable = NOT_APPLICABLE
        if labels:
            with force_locale(labels):
                self.not_applicable = str(NOT_APPLICABLE_LABEL)
        # Per question: cells to fill as soon as the question has any answer (0 / na).
        self.defaults: dict[str, list[tuple[int, Any]]] = defaultdict(list)
        # (question, option) -> [(index, action)] and question -> [(index, action)].
        self.by_option: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
        self.by_question: dict[str, list[tuple[int, str]]] = defaultdict(list)
        self.labels: dict[int, dict[str, str]] = {}
        for index, column in enumerate(self.columns):
            kind, code = column.kind, column.question
            if kind in ("single", "yesno", "country"):
                self.by_question[code].append((index, "code"))
                if labels:
                    self.labels[index] = option_labels(column, labels)
            elif kind == "flag":
                self.defaults[code].append((index, 0))
                self.by_option[(code, column.option)].append((index, "flag"))
            elif kind == "rank":
                self.defaults[code].append((index, self.not_applicable))
                self.by_option[(code, column.option)].append((index, "rank"))
            elif kind in ("other_text", "text", "contact"):
                self.by_option[(code, column.option)].append((index, "text"))
            elif kind == "translation":
                self.by_option[(code, column.option)].append((index, "translation"))

    def encode(self, response: StoredResponse, answers: Iterable[AnswerCells]) -> list[Any]:
        row: list[Any] = [None] * self.width
        row[0] = response.uuid
        row[1] = response.language
        row[2] = format_timestamp(response.started_at)
        row[3] = format_timestamp(response.submitted_at)
        seen: set[str] = set()
        for question, option, rank, text, translation in answers:
            if question not in seen:
                seen.add(question)
                for index, value in self.defaults.get(question, ()):
                    row[index] = value
            for index, _action in self.by_question.get(question, ()):
                labels = self.labels.get(index)
                row[index] = labels.get(option, option) if labels else option
            for index, action in self.by_option.get((question, option), ()):
                if action == "flag":
                    row[index] = 1
                elif action == "rank":
                    row[index] = rank if rank is not None else self.not_applicable
                elif action == "text":
                    row[index] = text
                else:
                    row[index] = translation
        return row


def wide_rows(
    filters: Filters | None = None,
    include_contact: bool = False,
    labels: str | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[list[Any]]:
    encoder = RowEncoder(include_contact, labels)
    for response, answers in iter_responses(filters, include_contact, chunk_size):
        yield encoder.encode(response, answers)


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
