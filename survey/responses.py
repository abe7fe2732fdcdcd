"""Operations on responses: start, save a page, submit. No request objects here.

Respondents' pages are the busiest requests of the application, so these functions use
SQLAlchemy Core statements on the session's connection (same transaction as the rest of
the request) and a small `Draft` value instead of ORM objects: the unit of work and object
loading cost more than the statements themselves. The statements are built once, with
bound parameters: building one and working out its cache key took about 0.1 ms, as much
as running it. The caller commits once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from survey.extensions import db
from survey.models import ANSWERS, DRAFT, RESPONSES, SUBMITTED, Response, hash_token, utcnow
from survey.questionnaire import AnswerRow, asked_questionnaire, rows_by_question

_DRAFT_COLUMNS = (
    RESPONSES.c.id,
    RESPONSES.c.status,
    RESPONSES.c.language,
    RESPONSES.c.last_page,
    RESPONSES.c.unsaved,
    RESPONSES.c.started_at,
)
_ANSWER_COLUMNS = (ANSWERS.c.question, ANSWERS.c.option, ANSWERS.c.rank, ANSWERS.c.text)
_BY_TOKEN = RESPONSES.c.resume_token_hash == bindparam("token_hash")
_FIND = select(*_DRAFT_COLUMNS).where(_BY_TOKEN)
_FIND_WITH_ANSWERS = (
    select(*_DRAFT_COLUMNS, *_ANSWER_COLUMNS)
    .select_from(RESPONSES.outerjoin(ANSWERS, ANSWERS.c.response_id == RESPONSES.c.id))
    .where(_BY_TOKEN)
    .order_by(ANSWERS.c.id)
)
_ANSWERS_OF = (
    select(*_ANSWER_COLUMNS)
    .where(ANSWERS.c.response_id == bindparam("response_id"))
    .order_by(ANSWERS.c.id)
)
_INSERT_RESPONSE = insert(RESPONSES)
_INSERT_ANSWERS = insert(ANSWERS)
# Only while a draft: see `save_answers` and `submit_response`.
_THIS_DRAFT = (RESPONSES.c.id == bindparam("response_id"), RESPONSES.c.status == DRAFT)
_SAVE_DRAFT = (
    update(RESPONSES)
    .where(*_THIS_DRAFT)
    .values(
        language=bindparam("new_language"),
        last_page=bindparam("new_last_page"),
        unsaved=bindparam("new_unsaved"),
        updated_at=bindparam("saved_at"),
    )
)
_KEEP_UNSAVED = (
    update(RESPONSES)
    .where(*_THIS_DRAFT)
    .values(unsaved=bindparam("new_unsaved"), updated_at=bindparam("saved_at"))
)
_SUBMIT = (
    update(RESPONSES)
    .where(*_THIS_DRAFT)
    .values(status=SUBMITTED, submitted_at=bindparam("saved_at"), updated_at=bindparam("saved_at"))
)
_DELETE_ANSWERS = delete(ANSWERS).where(
    ANSWERS.c.response_id == bindparam("response_id"),
    ANSWERS.c.question.in_(bindparam("questions", expanding=True)),
)


@dataclass(slots=True)
class Draft:
    """The part of a response row that the respondent's pages read and change."""

    id: int
    status: str
    language: str
    last_page: int
    #: What was typed on pages left with errors (`keep_unsaved`), as stored: JSON or None.
    unsaved: str | None = None
    #: When the respondent started (whether a closed survey's grace period covers them).
    started_at: datetime | None = None
    #: Its answers when they were read with it (`find_by_resume_token(..., with_answers=True)`).
    answers: dict[str, list[AnswerRow]] | None = None

    @property
    def is_submitted(self) -> bool:
        """Sent by the respondent: submitted, or since excluded by the working group (which
        the respondent is never told; their page is the thank-you page either way)."""
        return self.status != DRAFT

    @property
    def unsaved_pages(self) -> dict[int, list[tuple[str, str]]]:
        """Page number -> the (field, value) pairs typed there and not saved."""
        if not self.unsaved:
            return {}
        pages = json.loads(self.unsaved)
        return {int(page): [(key, value) for key, value in pairs] for page, pairs in pages.items()}

    def _unsaved_with(self, page: int, pairs: list[tuple[str, str]] | None) -> str | None:
        pages = self.unsaved_pages
        if pairs is None:
            pages.pop(page, None)
        else:
            pages[page] = pairs
        if not pages:
            return None
        return json.dumps({str(number): kept for number, kept in sorted(pages.items())})


def _connection() -> Connection:
    return db.session.connection()


def start_response(language: str, token: str | None = None) -> tuple[Draft, str]:
    """A new draft and the resume token that identifies it (only its hash is stored).

    With a `token` already used (a double-clicked "Start": two requests at once with the
    same token), its response instead: the unique key on the token's hash makes the second
    insert fail, inside a savepoint, once the first one committed.
    """
    token = token or Response.new_resume_token()
    connection = _connection()
    now = utcnow()
    row = {
        "language": language,
        "resume_token_hash": hash_token(token),
        "status": DRAFT,
        "started_at": now,
        "updated_at": now,
    }
    try:
        with connection.begin_nested():
            result = connection.execute(_INSERT_RESPONSE, row)
    except IntegrityError:
        existing = find_by_resume_token(token)
        if existing is None:
            raise
        return existing, token
    inserted = result.inserted_primary_key
    assert inserted is not None
    (response_id,) = inserted
    draft = Draft(id=response_id, status=DRAFT, language=language, last_page=0, started_at=now)
    return draft, token


def find_by_resume_token(token: str | None, with_answers: bool = False) -> Draft | None:
    """The response of this resume token; `with_answers` reads its answers in the same query
    (a page view needs both, and a round trip to the database costs more than the join)."""
    if not token:
        return None
    parameters = {"token_hash": hash_token(token)}
    if not with_answers:
        row = _connection().execute(_FIND, parameters).first()
        return Draft(*row) if row else None
    rows = _connection().execute(_FIND_WITH_ANSWERS, parameters).all()
    if not rows:
        return None
    width = len(_DRAFT_COLUMNS)
    answers = rows_by_question(AnswerRow(*row[width:]) for row in rows if row[width] is not None)
    draft = Draft(*rows[0][:width])
    draft.answers = answers
    return draft


def stored_answers(response: Draft | Response) -> dict[str, list[AnswerRow]]:
    known = response.answers if isinstance(response, Draft) else None
    if known is not None:
        return {code: list(rows) for code, rows in known.items()}
    rows = _connection().execute(_ANSWERS_OF, {"response_id": response.id})
    return rows_by_question(AnswerRow(*row) for row in rows)


def save_answers(
    response: Draft,
    answers: Mapping[str, Sequence[AnswerRow]],
    language: str,
    page: int,
    stored: Mapping[str, Sequence[AnswerRow]] | None = None,
) -> dict[str, list[AnswerRow]] | None:
    """Replace the answers to the given questions; a replayed save gives the same rows.

    `stored` is what the caller already read with `stored_answers` (read again if omitted).
    Returns every answer of the response as it now stands, or None when the response was
    submitted in the meantime (another tab): a submitted response never changes.
    """
    # The draft row first, and only while it is a draft: on PostgreSQL this waits for a
    # submission of the same response in progress, and then changes nothing, so answers are
    # never replaced after the submission counted them. What was typed on the page and kept
    # unsaved before is replaced by the answers.
    last_page = max(response.last_page, page)
    unsaved = response._unsaved_with(page, None) if response.unsaved else None
    still_draft = _connection().execute(
        _SAVE_DRAFT,
        {
            "response_id": response.id,
            "new_language": language,
            "new_last_page": last_page,
            "new_unsaved": unsaved,
            "saved_at": utcnow(),
        },
    )
    if still_draft.rowcount != 1:
        response.status = SUBMITTED
        return None
    response.language = language
    response.last_page = last_page
    response.unsaved = unsaved
    if stored is None:
        stored = stored_answers(response)
    known = {code: list(rows) for code, rows in stored.items()}
    known.update({code: list(rows) for code, rows in answers.items()})
    reconciled = asked_questionnaire().reconcile_dependents(known)
    changed = {
        code
        for code in set(known) | set(reconciled)
        if code in answers or known.get(code, []) != reconciled.get(code, [])
    }
    _replace_rows(
        response.id, changed, [row for code in changed for row in reconciled.get(code, [])]
    )
    response.answers = {code: list(rows) for code, rows in reconciled.items()}
    return reconciled


def keep_unsaved(response: Draft, page: int, pairs: Iterable[tuple[str, str]]) -> bool:
    """Keep what was typed on `page` as it is, without validating it (the respondent left a
    page that has errors with "Back"); False when the response was submitted meanwhile.

    The answers stay as they were; the page shows these values again until it is saved.
    """
    unsaved = response._unsaved_with(page, list(pairs))
    kept = _connection().execute(
        _KEEP_UNSAVED, {"response_id": response.id, "new_unsaved": unsaved, "saved_at": utcnow()}
    )
    if kept.rowcount != 1:
        response.status = SUBMITTED
        return False
    response.unsaved = unsaved
    return True


def _replace_rows(response_id: int, questions: set[str], rows: list[AnswerRow]) -> None:
    connection = _connection()
    if questions:
        connection.execute(
            _DELETE_ANSWERS, {"response_id": response_id, "questions": sorted(questions)}
        )
    if rows:
        connection.execute(
            _INSERT_ANSWERS,
            [
                {
                    "response_id": response_id,
                    "question": r.question,
                    "option": r.option,
                    "rank": r.rank,
                    "text": r.text,
                }
                for r in rows
            ],
        )


def submit_response(response: Draft) -> bool:
    """Mark a draft submitted; False when it already was (a double click, a replayed POST).

    The live result counts take it in at the next read of the results
    (`survey.aggregation.counters.count_new_submissions`), so submitting costs no more than
    saving a page.
    """
    now: datetime = utcnow()
    result = _connection().execute(_SUBMIT, {"response_id": response.id, "saved_at": now})
    response.status = SUBMITTED
    return result.rowcount == 1
