"""The open answers of the filtered respondents, newest first, with their translations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Integer, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY

from survey.extensions import db
from survey.models import ANSWERS, RESPONSES
from survey.open_answers import open_field
from survey.open_answers.translating import translations_for
from survey.questionnaire import OpenField
from survey.selection import Filters, has_answer, matching, probe


@dataclass(frozen=True)
class OpenAnswer:
    answer_id: int
    response_uuid: str
    language: str
    text: str
    submitted_at: datetime | None = None
    translation: str | None = None


def _conditions(
    responses: FromClause, field: OpenField, filters: Filters, correlated: bool
) -> list[ColumnElement[bool]]:
    """Submitted responses of the filtered respondents that answered `field` with text."""
    a = ANSWERS
    wrote = [a.c.question == field.question, a.c.option == field.option]
    wrote += [a.c.text.is_not(None), a.c.text != ""]
    answered = (probe if correlated else has_answer)(a, responses.c.id, wrote)
    return [*matching(filters, responses, correlated=correlated), answered]


def _one_of(column: Any, ids: Sequence[int]) -> ColumnElement[bool]:
    """`column` is one of `ids`: on PostgreSQL one array parameter (thousands of bound
    parameters cost more to compile than the query takes)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("among", list(ids), type_=ARRAY(Integer)))
    return column.in_(ids)


def selected_respondents(filters: Filters, at_most: int) -> list[int] | None:
    """The submitted responses the filters select, if there are at most `at_most` of them
    (None: more), for `newest(among=…)`."""
    r = RESPONSES
    found = list(db.session.scalars(select(r.c.id).where(*matching(filters, r)).limit(at_most + 1)))
    return found if len(found) <= at_most else None


def newest(
    field_name: str,
    filters: Filters,
    limit: int,
    offset: int = 0,
    among: Sequence[int] | None = None,
) -> list[OpenAnswer]:
    """The answers to an open field, newest submission first.

    Joining every answer to the question and sorting them took about 0.2 s per question
    over 100,000 responses (the dashboard shows 11 lists). Here the database reads the
    submitted responses newest first along the (status, submitted_at) index and probes the
    answers index for each, stopping after `limit` hits: a few milliseconds on both SQLite
    and PostgreSQL. Filters that select few respondents make that walk long (every response
    of a million for a coded category and another filter: 0.6 s per list): then the caller
    passes those respondents (`among`, from `selected_respondents`), whose answers are
    found by id.
    """
    field = open_field(field_name)
    r, a = RESPONSES, ANSWERS
    if among is None:
        conditions = _conditions(r, field, filters, correlated=True)
    else:
        conditions = [_one_of(r.c.id, among), *_conditions(r, field, Filters(), True)]
    ids = list(
        db.session.scalars(
            select(r.c.id)
            .where(*conditions)
            .order_by(r.c.submitted_at.desc(), r.c.id.desc())
            .limit(max(0, limit))
            .offset(max(0, offset))
        )
    )
    if not ids:
        return []
    rows = db.session.execute(
        select(a.c.response_id, a.c.id, r.c.uuid, r.c.language, r.c.submitted_at, a.c.text)
        .select_from(a.join(r, r.c.id == a.c.response_id))
        .where(a.c.response_id.in_(ids), a.c.question == field.question, a.c.option == field.option)
    ).all()
    position = {response_id: n for n, response_id in enumerate(ids)}
    return [
        OpenAnswer(row.id, row.uuid, row.language, row.text or "", row.submitted_at)
        for row in sorted(rows, key=lambda row: position[row.response_id])
    ]


def page_of_answers(
    field_name: str,
    filters: Filters,
    limit: int,
    offset: int,
    language: str,
    among: Sequence[int] | None = None,
) -> tuple[list[OpenAnswer], bool]:
    """A page of answers, newest first, with translations into `language`; and whether more
    follow (`among`: see `newest`)."""
    entries = newest(field_name, filters, limit + 1, offset, among)
    more = len(entries) > limit
    entries = entries[:limit]
    wanted = [e.answer_id for e in entries if e.language != language]
    translated = translations_for(wanted, language)
    return [replace(e, translation=translated.get(e.answer_id)) for e in entries], more


def count_answers(field_name: str, filters: Filters) -> int:
    """How many answers `newest` pages through."""
    field = open_field(field_name)
    r = RESPONSES
    found = db.session.scalar(
        select(func.count()).select_from(r).where(*_conditions(r, field, filters, correlated=False))
    )
    return int(found or 0)
