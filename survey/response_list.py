"""The list of every response (submitted, in progress, excluded), for the working group.

Filtered like the dashboard (`selection.Filters`), by status and source, and by a text in
the open answers (or their translations); sorted by start or submission time; paged with a
keyset cursor rather than OFFSET, so a later page costs what the first one does at any
number of responses. The response page, the bulk exclusion and `GET /api/responses` use it.
A plain module: no request objects.

Paging: the order is (time, id); the cursor is the last row's (time, id), and the next page
is the rows after it in that order, read along the index on (time, id). Drafts have no
submission time: sorted by submission they follow every submitted response (in id order).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, false, func, or_, select, tuple_

from survey.extensions import db
from survey.i18n import lazy_gettext as _l
from survey.models import ANSWERS, DRAFT, EXCLUDED, RESPONSES, SOURCES, SUBMITTED, Translation
from survey.open_answers import is_open_answer
from survey.questionnaire import asked_questionnaire, is_storable
from survey.selection import FilterError, Filters, matching
from survey.text_search import contains_text

#: The orders offered: newest started first (the default), oldest started first, and the
#: same by submission.
SORTS = ("-started", "started", "-submitted", "submitted")
DEFAULT_SORT = "-started"
#: Rows on a page of the list, and the most the API gives at once.
PAGE_SIZE = 50
MOST_PER_PAGE = 500
#: Longest search text.
SEARCH_LIMIT = 200
STATUS_NAMES = (SUBMITTED, DRAFT, EXCLUDED)
#: Statuses, sources and orders as the pages name them.
STATUS_LABELS = {SUBMITTED: _l("Submitted"), DRAFT: _l("In progress"), EXCLUDED: _l("Excluded")}
SOURCE_LABELS = {"web": _l("Web form"), "import": _l("Imported"), "demo": _l("Demo data")}
SORT_LABELS = {
    "-started": _l("Newest started first"),
    "started": _l("Oldest started first"),
    "-submitted": _l("Newest submitted first"),
    "submitted": _l("Oldest submitted first"),
}


@dataclass(frozen=True)
class ListFilters:
    """Which responses to list: the dashboard's filters, a status (None: any), a source
    (web, import, demo) and a text to find in the open answers."""

    filters: Filters = field(default_factory=Filters)
    status: str | None = None
    source: str | None = None
    search: str | None = None

    @classmethod
    def from_args(cls, args: Any) -> ListFilters:
        """From query arguments; FilterError (a message for the user) for bad values."""
        status = _one(args, "status")
        if status is not None and status not in STATUS_NAMES:
            raise FilterError(_("Choose the status submitted, draft or excluded."))
        source = _one(args, "source")
        if source is not None and source not in SOURCES:
            raise FilterError(_("Choose the source web, import or demo."))
        search = _one(args, "q")
        if search is not None:
            search = search.strip() or None
        if search is not None and (len(search) > SEARCH_LIMIT or not is_storable(search)):
            raise FilterError(
                _(
                    "Search for a text of at most %(limit)d characters, without control "
                    "characters.",
                    limit=SEARCH_LIMIT,
                )
            )
        filters = Filters.from_args(args)
        return cls(filters, status, source, search)

    def statuses(self) -> tuple[str, ...] | None:
        return (self.status,) if self.status else None

    def conditions(self, *, only: Sequence[str] | None = None) -> list[ColumnElement[bool]]:
        """Conditions on `responses`; `only`: these statuses, within the chosen one."""
        statuses = self.statuses()
        if only is not None:
            statuses = tuple(s for s in only if statuses is None or s in statuses)
        if statuses == ():
            return [false()]
        r = RESPONSES
        # Correlated: the list walks responses in order and stops after a page.
        found = matching(self.filters, r, statuses=statuses, correlated=True)
        if self.source:
            found.append(r.c.source == self.source)
        if self.search:
            found.append(r.c.id.in_(_responses_writing(self.search)))
        return found

    def to_args(self) -> list[tuple[str, str]]:
        pairs = self.filters.to_args()
        for key, value in (("status", self.status), ("source", self.source), ("q", self.search)):
            if value:
                pairs.append((key, value))
        return pairs

    def describe(self) -> str:
        """For the audit log."""
        return " ".join(f"{key}={value}" for key, value in self.to_args()) or "none"

    def __bool__(self) -> bool:
        return bool(self.filters or self.status or self.source or self.search)


def _one(args: Any, key: str) -> str | None:
    values = [value for value in args.getlist(key) if value != ""]
    if len(values) > 1:
        raise FilterError(_("Give only one value for %(code)s.", code=key))
    return values[0] if values else None


def _responses_writing(text: str) -> Select[Any]:
    """Ids of responses with an open answer (or its translation) containing `text`."""
    a = ANSWERS
    translated = select(Translation.answer_id).where(contains_text(Translation.text, text))
    return select(a.c.response_id).where(
        is_open_answer(), or_(contains_text(a.c.text, text), a.c.id.in_(translated))
    )


# --------------------------------------------------------------------------- cursor


class CursorError(FilterError):
    """A cursor this list did not make (or made for another order)."""


@dataclass(frozen=True)
class Cursor:
    """The last row of a page: its sort, its time (None: a draft sorted by submission)
    and its id."""

    sort: str
    at: datetime | None
    id: int

    def encode(self) -> str:
        stamp = self.at.astimezone(UTC).isoformat() if self.at is not None else ""
        raw = f"{self.sort}|{stamp}|{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str, sort: str) -> Cursor:
        message = _("This page link is out of date: go back to the first page.")
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            name, stamp, number = raw.split("|")
            at = datetime.fromisoformat(stamp) if stamp else None
            cursor = cls(name, at, int(number))
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise CursorError(message) from None
        if cursor.sort != sort or (at is not None and at.tzinfo is None):
            raise CursorError(message)
        if at is None and not sort.endswith("submitted"):
            raise CursorError(message)
        return cursor


# --------------------------------------------------------------------------- the page


@dataclass(frozen=True)
class ListedResponse:
    id: int
    uuid: str
    language: str
    status: str
    started_at: datetime
    submitted_at: datetime | None
    source: str
    excluded_reason: str | None
    #: Questions answered (follow-ups count as questions of their own).
    answered: int = 0


@dataclass(frozen=True)
class ResponsePage:
    responses: list[ListedResponse]
    #: The cursor of the next page, or None on the last one.
    next: str | None


_COLUMNS = (
    RESPONSES.c.id,
    RESPONSES.c.uuid,
    RESPONSES.c.language,
    RESPONSES.c.status,
    RESPONSES.c.started_at,
    RESPONSES.c.submitted_at,
    RESPONSES.c.source,
    RESPONSES.c.excluded_reason,
)


def _utc(value: datetime | None) -> datetime | None:
    """SQLite gives naive datetimes back, which are UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def page_of_responses(
    selection: ListFilters,
    sort: str = DEFAULT_SORT,
    after: str | None = None,
    limit: int = PAGE_SIZE,
) -> ResponsePage:
    """A page of responses in `sort` order after the cursor `after` (from the first when
    None), each with how many questions it answered, and the next page's cursor."""
    if sort not in SORTS:
        raise FilterError(_("Sort by one of: %(sorts)s.", sorts=", ".join(SORTS)))
    cursor = Cursor.decode(after, sort) if after else None
    descending = sort.startswith("-")
    column = RESPONSES.c.submitted_at if sort.endswith("submitted") else RESPONSES.c.started_at
    conditions = selection.conditions()
    rows: list[Any] = []
    if cursor is None or cursor.at is not None:
        rows = _dated(column, conditions, cursor, descending, limit + 1)
    if len(rows) <= limit and column is RESPONSES.c.submitted_at:
        undated_after = cursor.id if cursor is not None and cursor.at is None else None
        rows += _undated(conditions, undated_after, descending, limit + 1 - len(rows))
    more = len(rows) > limit
    listed = _with_answered([_listed(row) for row in rows[:limit]])
    following = None
    if more and listed:
        last = listed[-1]
        at = last.submitted_at if column is RESPONSES.c.submitted_at else last.started_at
        following = Cursor(sort, at, last.id).encode()
    return ResponsePage(listed, following)


def _listed(row: Any) -> ListedResponse:
    return ListedResponse(
        row.id,
        row.uuid,
        row.language,
        row.status,
        _utc(row.started_at) or row.started_at,
        _utc(row.submitted_at),
        row.source,
        row.excluded_reason,
    )


def _with_answered(listed: list[ListedResponse]) -> list[ListedResponse]:
    answered = answered_counts([r.id for r in listed])
    return [replace(r, answered=answered.get(r.id, 0)) for r in listed]


def listed_by_id(response_ids: Sequence[int]) -> dict[int, ListedResponse]:
    """The responses of these ids, as the list shows them."""
    if not response_ids:
        return {}
    query = select(*_COLUMNS).where(RESPONSES.c.id.in_(sorted(set(response_ids))))
    listed = _with_answered([_listed(row) for row in db.session.execute(query)])
    return {r.id: r for r in listed}


def _dated(
    column: Any,
    conditions: list[ColumnElement[bool]],
    cursor: Cursor | None,
    descending: bool,
    limit: int,
) -> list[Any]:
    """Rows with a time in `column`, in (time, id) order, after the cursor."""
    r = RESPONSES
    where = [*conditions, column.is_not(None)]
    if cursor is not None:
        at = cursor.at.astimezone(UTC) if cursor.at is not None else None
        key, last = tuple_(column, r.c.id), tuple_(at, cursor.id)
        where.append(key < last if descending else key > last)
    order = (column.desc(), r.c.id.desc()) if descending else (column.asc(), r.c.id.asc())
    return list(db.session.execute(select(*_COLUMNS).where(*where).order_by(*order).limit(limit)))


def _undated(
    conditions: list[ColumnElement[bool]], after_id: int | None, descending: bool, limit: int
) -> list[Any]:
    """Drafts (no submission time) in id order, after `after_id`."""
    if limit <= 0:
        return []
    r = RESPONSES
    where = [*conditions, r.c.submitted_at.is_(None)]
    if after_id is not None:
        where.append(r.c.id < after_id if descending else r.c.id > after_id)
    order = r.c.id.desc() if descending else r.c.id.asc()
    return list(db.session.execute(select(*_COLUMNS).where(*where).order_by(order).limit(limit)))


def answered_counts(response_ids: Sequence[int]) -> Mapping[int, int]:
    """How many of the questionnaire's questions each response answered (one query)."""
    if not response_ids:
        return {}
    a = ANSWERS
    codes = [q.code for q in asked_questionnaire().questions]
    rows = db.session.execute(
        select(a.c.response_id, func.count(func.distinct(a.c.question)))
        .where(a.c.response_id.in_(list(response_ids)), a.c.question.in_(codes))
        .group_by(a.c.response_id)
    )
    return {response_id: count for response_id, count in rows}


def count_responses(selection: ListFilters) -> int:
    """How many responses the list holds over all its pages."""
    found = db.session.scalar(
        select(func.count()).select_from(RESPONSES).where(*selection.conditions())
    )
    return int(found or 0)


def question_total() -> int:
    """The number of questions a response can answer (follow-ups included)."""
    return len(asked_questionnaire().questions)


def status_counts(submitted: int, drafts: int) -> dict[str, int]:
    """Responses per status, over the whole survey, given the submitted ones and the drafts
    (which the results count already): the excluded ones are counted here, on the status
    index."""
    r = RESPONSES
    excluded = db.session.scalar(select(func.count()).where(r.c.status == EXCLUDED)) or 0
    return {SUBMITTED: submitted, DRAFT: drafts, EXCLUDED: excluded}


def page_size(value: str | None) -> int:
    """`limit=` of the API: 1 … MOST_PER_PAGE (default PAGE_SIZE)."""
    if value is None:
        return PAGE_SIZE
    if not value.isdigit() or not 1 <= int(value) <= MOST_PER_PAGE:
        raise FilterError(
            _("“limit” must be a whole number from 1 to %(most)d.", most=MOST_PER_PAGE)
        )
    return int(value)
