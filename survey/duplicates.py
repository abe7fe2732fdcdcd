"""Submitted responses that look like one person answering twice, for an admin to decide.

The 2013 edition ran in two systems, English and Russian, and some people answered in both.
Two kinds of likeness are found, among submitted responses (excluded ones are decided):

- **the same e-mail** in the contact details (`Question.identifying_options`), compared
  without regard to case or surrounding space — never shown here: an admin who wants to see
  it opens a response and asks, which the access log records;
- **the same answers**: every question answered with codes (options, countries, ranks:
  `Question.answered_with_codes`) answered identically, at least `MIN_CODED` of them —
  codes are the same in every language, so an English and a Russian response match.

Both are a GROUP BY in the database. A plain module: no request objects.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String as SqlString
from sqlalchemy import and_, cast, func, literal, or_, select
from sqlalchemy.dialects.postgresql import aggregate_order_by

from survey.extensions import db
from survey.models import ANSWERS, RESPONSES, SUBMITTED
from survey.questionnaire import asked_questionnaire
from survey.response_list import ListedResponse, listed_by_id
from survey.text_search import lowered

#: Questions answered with codes two responses must share (of 10 in this questionnaire),
#: so that two people who answered one or two questions the same are not taken for one.
MIN_CODED = 6
#: Groups listed of each kind.
MOST_GROUPS = 100
SAME_EMAIL = "email"
SAME_ANSWERS = "answers"


@dataclass(frozen=True)
class DuplicateGroup:
    """Responses alike in one way (`kind`: SAME_EMAIL or SAME_ANSWERS), oldest first."""

    kind: str
    responses: list[ListedResponse]


def possible_duplicates() -> list[DuplicateGroup]:
    """Groups of the same e-mail, then groups of the same answers (a pair found both ways
    is listed both times: each is a reason of its own)."""
    groups = [(SAME_EMAIL, ids) for ids in _same_email()]
    groups += [(SAME_ANSWERS, ids) for ids in _same_answers()]
    listed = listed_by_id([i for _kind, ids in groups for i in ids])
    return [DuplicateGroup(kind, [listed[i] for i in ids if i in listed]) for kind, ids in groups]


def _same_email() -> list[list[int]]:
    a, r = ANSWERS, RESPONSES
    pairs = [
        and_(a.c.question == q.code, a.c.option.in_(q.identifying_options()))
        for q in asked_questionnaire().questions
        if q.identifying_options()
    ]
    if not pairs:
        return []
    key = lowered(func.trim(a.c.text))
    given = (
        select(key.label("key"), a.c.response_id.label("rid"))
        .select_from(a.join(r, r.c.id == a.c.response_id))
        .where(
            r.c.status == SUBMITTED, or_(*pairs), a.c.text.is_not(None), func.trim(a.c.text) != ""
        )
        .subquery("given")
    )
    return _grouped(given.c.key, given.c.rid, given)


def _same_answers() -> list[list[int]]:
    a, r = ANSWERS, RESPONSES
    codes = [q.code for q in asked_questionnaire().where("answered_with_codes")]
    if not codes:
        return []
    rank = func.coalesce(cast(a.c.rank, SqlString), literal(""))
    cell = a.c.question + literal("=") + a.c.option + literal("=") + rank
    coded = (
        select(a.c.response_id.label("rid"), a.c.question.label("question"), cell.label("cell"))
        .select_from(a.join(r, r.c.id == a.c.response_id))
        .where(r.c.status == SUBMITTED, a.c.question.in_(codes))
    )
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        rows = coded.subquery("coded")
        joined: Any = func.string_agg(rows.c.cell, aggregate_order_by(literal(";"), rows.c.cell))
    else:
        # SQLite concatenates in the order rows arrive, which this subquery sets.
        rows = coded.order_by(a.c.response_id, cell).subquery("coded")
        joined = func.group_concat(rows.c.cell, ";")
    signatures = (
        select(rows.c.rid.label("rid"), joined.label("key"))
        .group_by(rows.c.rid)
        .having(func.count(func.distinct(rows.c.question)) >= MIN_CODED)
        .subquery("signatures")
    )
    return _grouped(signatures.c.key, signatures.c.rid, signatures)


def _grouped(key: Any, response_id: Any, source: Any) -> list[list[int]]:
    """Response ids sharing a key, the groups with more than one response, oldest group
    first (by its first response), at most MOST_GROUPS."""
    sized = select(
        key.label("key"),
        response_id.label("rid"),
        func.count().over(partition_by=key).label("n"),
        func.min(response_id).over(partition_by=key).label("first"),
    ).subquery("sized")
    rows = db.session.execute(
        select(sized.c.first, sized.c.rid).where(sized.c.n > 1).order_by(sized.c.first, sized.c.rid)
    )
    groups: dict[int, list[int]] = defaultdict(list)
    for first, rid in rows:
        if first in groups or len(groups) < MOST_GROUPS:
            groups[first].append(rid)
    return [sorted(set(ids)) for ids in groups.values()]
