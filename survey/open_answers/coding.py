"""Coding open answers into categories, as the 2013 analysts did by hand ("Financing – 11").

A plain module (no request objects). Categories belong to one open field (q9, q2_role,
q6_other… see `Questionnaire.open_fields`); an answer may be coded into several of its
field's categories. Counts are computed in the database (GROUP BY).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import _
from sqlalchemy import and_, delete, func, insert, select
from sqlalchemy.sql import Select

from survey.extensions import db
from survey.models import SUBMITTED, Answer, AnswerCategory, Category, Response
from survey.open_answers import UnknownOpenField, is_open_answer, open_field
from survey.open_answers.translating import CHUNK
from survey.questionnaire import SHORT_TEXT_LIMIT, OpenField, clean_text

NAME_LIMIT = 200


class CodingError(ValueError):
    """A category or coding that cannot be stored; the message is for the user."""


@dataclass(frozen=True)
class CategoryCount:
    id: int
    name_en: str
    name_ru: str
    count: int

    def name(self, language: str) -> str:
        return self.name_ru if language == "ru" and self.name_ru else self.name_en


@dataclass(frozen=True)
class CodedAnswer:
    answer_id: int
    text: str
    language: str
    response_uuid: str
    category_ids: frozenset[int]


def _field(question: str) -> OpenField:
    try:
        return open_field(question)
    except UnknownOpenField:
        raise CodingError(f"not an open question: {question}") from None


def _answers_of(field: OpenField) -> Select:
    """Ids of the submitted open answers of one field."""
    return (
        select(Answer.id)
        .join(Response, Response.id == Answer.response_id)
        .where(
            Response.status == SUBMITTED,
            Answer.question == field.question,
            Answer.option == field.option,
            is_open_answer(),
        )
    )


def category_counts(question: str, response_ids_subquery=None) -> list[CategoryCount]:
    """Answers coded into each category of `question`, most first (zero counts included).

    Only submitted responses count. `response_ids_subquery` (a SELECT of response ids, e.g.
    the dashboard's filtered respondents) restricts the count to those responses.
    """
    field = _field(question)
    answers = _answers_of(field).with_only_columns(Answer.id.label("answer_id"))
    if response_ids_subquery is not None:
        answers = answers.where(Answer.response_id.in_(response_ids_subquery))
    coded = answers.subquery()
    counted = (
        select(AnswerCategory.category_id, func.count().label("n"))
        .join(coded, coded.c.answer_id == AnswerCategory.answer_id)
        .group_by(AnswerCategory.category_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            Category.id,
            Category.name_en,
            Category.name_ru,
            func.coalesce(counted.c.n, 0).label("count"),
        )
        .outerjoin(counted, counted.c.category_id == Category.id)
        .where(Category.question == field.field)
        .order_by(func.coalesce(counted.c.n, 0).desc(), Category.name_en)
    )
    return [CategoryCount(*row) for row in rows]


def coding_progress(question: str, response_ids_subquery=None) -> tuple[int, int]:
    """(open answers of `question`, of which coded into at least one category)."""
    field = _field(question)
    query = _answers_of(field)
    if response_ids_subquery is not None:
        query = query.where(Answer.response_id.in_(response_ids_subquery))
    answers = query.subquery()
    total = db.session.scalar(select(func.count()).select_from(answers)) or 0
    coded = (
        db.session.scalar(
            select(func.count(func.distinct(AnswerCategory.answer_id))).join(
                answers, answers.c.id == AnswerCategory.answer_id
            )
        )
        or 0
    )
    return total, coded


def clean_name(raw: str, limit: int = NAME_LIMIT) -> tuple[str, str | None]:
    return clean_text(raw or "", min(limit, SHORT_TEXT_LIMIT))


def create_category(question: str, name_en: str, name_ru: str = "") -> Category:
    """A new category for `question`; CodingError if a name is invalid or already taken."""
    field = _field(question)
    name_en, error = clean_name(name_en)
    if not error and not name_en:
        error = _("Please give the category an English name.")
    name_ru, error_ru = clean_name(name_ru)
    if error or error_ru:
        raise CodingError(error or error_ru)
    taken = db.session.scalar(
        select(Category.id).where(
            Category.question == field.field, func.lower(Category.name_en) == name_en.lower()
        )
    )
    if taken is not None:
        raise CodingError(
            _("This question already has a category called “%(name)s”.", name=name_en)
        )
    category = Category(question=field.field, name_en=name_en, name_ru=name_ru)
    db.session.add(category)
    db.session.flush()
    return category


def delete_category(category_id: int) -> None:
    """Remove a category and its codings."""
    db.session.execute(delete(AnswerCategory).where(AnswerCategory.category_id == category_id))
    db.session.execute(delete(Category).where(Category.id == category_id))


def answers_with_categories(
    question: str, page: int = 1, per_page: int = 50
) -> tuple[list[CodedAnswer], int]:
    """A page of the submitted answers of `question` (oldest first) with their categories."""
    field = _field(question)
    base = _answers_of(field)
    total = db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = db.session.execute(
        base.with_only_columns(Answer.id, Answer.text, Response.language, Response.uuid)
        .order_by(Answer.response_id)
        .limit(per_page)
        .offset((max(1, page) - 1) * per_page)
    ).all()
    coded = codings([row[0] for row in rows])
    return [
        CodedAnswer(answer_id, text or "", language, uuid, frozenset(coded.get(answer_id, ())))
        for answer_id, text, language, uuid in rows
    ], total


def codings(answer_ids: Iterable[int]) -> dict[int, set[int]]:
    """Category ids of each answer that has any."""
    found: dict[int, set[int]] = {}
    ids = sorted(set(answer_ids))
    for start in range(0, len(ids), CHUNK):
        rows = db.session.execute(
            select(AnswerCategory.answer_id, AnswerCategory.category_id).where(
                AnswerCategory.answer_id.in_(ids[start : start + CHUNK])
            )
        )
        for answer_id, category_id in rows:
            found.setdefault(answer_id, set()).add(category_id)
    return found


def change_codings(
    question: str, added: Iterable[tuple[int, int]], removed: Iterable[tuple[int, int]]
) -> None:
    """Apply ticks (answer_id, category_id) added and removed on the coding page.

    Only the changes are applied, so two people coding different answers (or different
    categories of one answer) at the same time do not undo each other's work.
    """
    field = _field(question)
    added, removed = set(added), set(removed)
    answer_ids = {a for a, _c in added | removed}
    category_ids = {c for _a, c in added | removed}
    valid_answers = (
        set(db.session.scalars(_answers_of(field).where(Answer.id.in_(answer_ids))))
        if answer_ids
        else set()
    )
    valid_categories = (
        set(
            db.session.scalars(
                select(Category.id).where(
                    Category.question == field.field, Category.id.in_(category_ids)
                )
            )
        )
        if category_ids
        else set()
    )
    for answer_id, category_id in added | removed:
        if answer_id not in valid_answers or category_id not in valid_categories:
            raise CodingError(f"answer {answer_id} / category {category_id} not in {question}")
    existing = (
        {
            (a, c)
            for a, c in db.session.execute(
                select(AnswerCategory.answer_id, AnswerCategory.category_id).where(
                    AnswerCategory.answer_id.in_(answer_ids)
                )
            )
        }
        if answer_ids
        else set()
    )
    new = [{"answer_id": a, "category_id": c} for a, c in sorted(added - existing)]
    if new:
        db.session.execute(insert(AnswerCategory), new)
    for answer_id, category_id in removed & existing:
        db.session.execute(
            delete(AnswerCategory).where(
                and_(
                    AnswerCategory.answer_id == answer_id,
                    AnswerCategory.category_id == category_id,
                )
            )
        )
