"""Translations of open answers by the working group, one per answer and target language.

Used by the translations page, the dashboard and the exports. Plain module (no request
objects); the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime

from sqlalchemy import and_, case, func, select

from survey.extensions import db
from survey.models import SUBMITTED, Answer, Response, Translation, User, utcnow
from survey.open_answers import UnknownOpenField, is_open_answer, open_field
from survey.questionnaire import LONG_TEXT_LIMIT, OpenField, asked_questionnaire, clean_text

#: Largest number of ids sent in one IN (...) list (SQLite allows 32,766 parameters).
CHUNK = 5_000


class TranslationError(ValueError):
    """A translation that cannot be stored (too long, control characters, wrong answer)."""


@dataclass(frozen=True)
class TranslationInfo:
    text: str
    translated_by: str | None  # the translator's e-mail, None if the account is gone
    translated_at: datetime


@dataclass(frozen=True)
class PendingAnswer:
    """An open answer to translate, with its current translation into the target language."""

    answer_id: int
    field: str
    text: str
    language: str  # the respondent's language: the language of the original
    response_uuid: str
    submitted_at: datetime | None
    translation: TranslationInfo | None


@dataclass(frozen=True)
class PendingPage:
    items: list[PendingAnswer]
    total: int
    page: int
    per_page: int
    #: Per open field: (answers to translate into the language, of which translated).
    counts: dict[str, tuple[int, int]] = dataclass_field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def field_of(question: str, option: str) -> str | None:
    """The open field an answer row belongs to, None if it is not an open answer."""
    found = asked_questionnaire().open_field_of(question, option)
    return found.field if found else None


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    unique = sorted({int(i) for i in ids})
    for start in range(0, len(unique), CHUNK):
        yield unique[start : start + CHUNK]


def translations_for(answer_ids: Iterable[int], language: str) -> dict[int, str]:
    """Translated text into `language` for those of `answer_ids` that have one."""
    found: dict[int, str] = {}
    for chunk in _chunks(answer_ids):
        rows = db.session.execute(
            select(Translation.answer_id, Translation.text).where(
                Translation.answer_id.in_(chunk), Translation.language == language
            )
        )
        found.update({answer_id: text for answer_id, text in rows})
    return found


def _pending_query(language: str, field: OpenField | None):
    fields = asked_questionnaire().open_fields
    field_order = case(
        *(
            (and_(Answer.question == f.question, Answer.option == f.option), position)
            for position, f in enumerate(fields)
        ),
        else_=len(fields),
    )
    query = (
        select(Answer.id)
        .join(Response, Response.id == Answer.response_id)
        .outerjoin(
            Translation,
            and_(Translation.answer_id == Answer.id, Translation.language == language),
        )
        .where(Response.status == SUBMITTED, Response.language != language, is_open_answer())
    )
    if field is not None:
        query = query.where(Answer.question == field.question, Answer.option == field.option)
    return query, field_order


def pending_answers(
    language: str,
    field: str | None = None,
    untranslated_only: bool = True,
    page: int = 1,
    per_page: int = 50,
) -> PendingPage:
    """Open answers of submitted responses not written in `language`, to translate into it.

    In questionnaire order (by field), then in order of arrival; `field` limits them to one
    field. Counted per field first (GROUP BY), then each field's slice of the page is read
    along the (question, option, response_id) index.
    """
    try:
        chosen = open_field(field) if field else None
    except UnknownOpenField:
        raise TranslationError(f"not an open question: {field}") from None
    counts = progress(language)
    fields = [chosen] if chosen else list(asked_questionnaire().open_fields)
    page = max(1, page)
    skip, wanted = (page - 1) * per_page, per_page
    total, items = 0, []
    for current in fields:
        all_count, translated = counts.get(current.field, (0, 0))
        available = all_count - translated if untranslated_only else all_count
        total += available
        if wanted <= 0 or available <= skip:
            skip = max(0, skip - available)
            continue
        query, _order = _pending_query(language, current)
        if untranslated_only:
            query = query.where(Translation.id.is_(None))
        slice_ = _items(query.order_by(Answer.response_id).limit(wanted).offset(skip))
        items += slice_
        wanted -= len(slice_)
        skip = 0
    return PendingPage(items, total, page, per_page, counts)


def answers_by_id(answer_ids: Iterable[int], language: str) -> list[PendingAnswer]:
    """Those of `answer_ids` translatable into `language`, as listed by `pending_answers`."""
    items: list[PendingAnswer] = []
    for chunk in _chunks(answer_ids):
        query, field_order = _pending_query(language, None)
        items += _items(query.where(Answer.id.in_(chunk)).order_by(field_order, Answer.id))
    return items


def _items(query) -> list[PendingAnswer]:
    rows = db.session.execute(
        query.with_only_columns(
            Answer.id,
            Answer.question,
            Answer.option,
            Answer.text,
            Response.language,
            Response.uuid,
            Response.submitted_at,
            Translation.text,
            User.email,
            Translation.translated_at,
        ).outerjoin(User, User.id == Translation.translated_by_id)
    )
    return [
        PendingAnswer(
            answer_id=answer_id,
            field=field_of(question, option) or question,
            text=text,
            language=lang,
            response_uuid=uuid,
            submitted_at=submitted_at,
            translation=(
                TranslationInfo(translated, email, at) if translated is not None else None
            ),
        )
        for (
            answer_id,
            question,
            option,
            text,
            lang,
            uuid,
            submitted_at,
            translated,
            email,
            at,
        ) in rows
    ]


def progress(language: str) -> dict[str, tuple[int, int]]:
    """Per open field: (answers to translate into `language`, of which translated)."""
    query, _order = _pending_query(language, None)
    rows = db.session.execute(
        query.with_only_columns(
            Answer.question, Answer.option, func.count(Answer.id), func.count(Translation.id)
        ).group_by(Answer.question, Answer.option)
    )
    counts = {}
    for question, option, total, translated in rows:
        name = field_of(question, option)
        if name:
            counts[name] = (total, translated)
    return counts


def clean_translation(raw: str) -> tuple[str, str | None]:
    """The text to store and an error message (in the current locale), as for answers."""
    return clean_text(raw or "", LONG_TEXT_LIMIT)


def save_translation(
    answer: Answer | int, language: str, text: str, user: User | None
) -> Translation | None:
    """Store (or replace) the translation of `answer` into `language`, by `user`, now.

    An empty text deletes the translation and returns None. Raises TranslationError when the
    text cannot be stored or the answer is not an open answer in another language. The caller
    commits (after `survey.database.begin_write()` on SQLite).
    """
    answer_id = answer if isinstance(answer, int) else answer.id
    cleaned, error = clean_translation(text)
    if error:
        raise TranslationError(error)
    if not answers_by_id([answer_id], language):
        raise TranslationError(f"answer {answer_id} cannot be translated into {language}")
    existing = db.session.scalar(
        select(Translation).where(
            Translation.answer_id == answer_id, Translation.language == language
        )
    )
    if not cleaned:
        if existing is not None:
            db.session.delete(existing)
            db.session.flush()
        return None
    if existing is None:
        existing = Translation(answer_id=answer_id, language=language, text=cleaned)
        db.session.add(existing)
    existing.text = cleaned
    existing.translated_by_id = user.id if user is not None else None
    existing.translated_at = utcnow()
    db.session.flush()
    return existing
