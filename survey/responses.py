"""Operations on responses: start, save a page, submit. No request objects here.

Each function changes the session's objects; the caller commits once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import delete, select, update

from survey.extensions import db
from survey.models import DRAFT, SUBMITTED, Answer, Response, hash_token, utcnow
from survey.questionnaire import AnswerRow, reconcile_dependents, rows_by_question


def start_response(language: str) -> tuple[Response, str]:
    """A new draft and the resume token that identifies it (only its hash is stored)."""
    token = Response.new_resume_token()
    response = Response(language=language, resume_token_hash=hash_token(token), status=DRAFT)
    db.session.add(response)
    db.session.flush()
    return response, token


def find_by_resume_token(token: str | None) -> Response | None:
    if not token:
        return None
    return db.session.scalar(
        select(Response).where(Response.resume_token_hash == hash_token(token))
    )


def stored_answers(response: Response) -> dict[str, list[AnswerRow]]:
    rows = db.session.execute(
        select(Answer.question, Answer.option, Answer.rank, Answer.text)
        .where(Answer.response_id == response.id)
        .order_by(Answer.id)
    )
    return rows_by_question(AnswerRow(*row) for row in rows)


def save_answers(
    response: Response,
    answers: Mapping[str, Sequence[AnswerRow]],
    language: str,
    page: int,
    stored: Mapping[str, Sequence[AnswerRow]] | None = None,
) -> dict[str, list[AnswerRow]]:
    """Replace the answers to the given questions; a replayed save gives the same rows.

    `stored` is what the caller already read with `stored_answers` (read again if omitted).
    Returns every answer of the response as it now stands.
    """
    if stored is None:
        stored = stored_answers(response)
    known = {code: list(rows) for code, rows in stored.items()}
    known.update({code: list(rows) for code, rows in answers.items()})
    reconciled = reconcile_dependents(known)
    changed = {
        code
        for code in set(known) | set(reconciled)
        if code in answers or known.get(code, []) != reconciled.get(code, [])
    }
    _replace_rows(response, changed, (row for code in changed for row in reconciled.get(code, [])))
    response.language = language
    response.last_page = max(response.last_page, page)
    response.updated_at = utcnow()
    return reconciled


def _replace_rows(response: Response, questions: set[str], rows: Iterable[AnswerRow]) -> None:
    if questions:
        db.session.execute(
            delete(Answer).where(
                Answer.response_id == response.id, Answer.question.in_(sorted(questions))
            )
        )
    db.session.add_all(
        Answer(
            response_id=response.id, question=r.question, option=r.option, rank=r.rank, text=r.text
        )
        for r in rows
    )


def submit_response(response: Response) -> bool:
    """Mark a draft submitted; False when it already was (a double click, a replayed POST)."""
    result = db.session.execute(
        update(Response)
        .where(Response.id == response.id, Response.status == DRAFT)
        .values(status=SUBMITTED, submitted_at=utcnow(), updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(response)
    return result.rowcount == 1
