"""One respondent's whole response, readable, for the working group.

A plain module (no request objects). Personal data (contact details) is only shown when an
authorised user asked for it and the access was logged (`survey.auth.access.record_access`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from survey.extensions import db
from survey.models import CATEGORIES, CODINGS, Answer, Response
from survey.open_answers.translating import translations_for
from survey.questionnaire import AnswerRow, Question, StoredAnswer, current_questionnaire
from survey.questionnaire.base import ShownAnswer
from survey.questionnaire.coded import coded_code


@dataclass(frozen=True)
class ShownQuestion:
    question: Question
    number: str
    answer: ShownAnswer
    #: What to say when there is no answer.
    note: str | None = None


@dataclass(frozen=True)
class PersonalQuestion:
    question: Question
    number: str
    given: bool
    #: (label, value) of each detail, only when asked for.
    details: list[tuple[str, str]] | None


def find_response(uuid: str) -> Response | None:
    """A response of any status (submitted, in progress, excluded) by its public id."""
    return db.session.scalar(select(Response).where(Response.uuid == uuid))


def response_answers(
    response: Response, language: str, show_personal: bool
) -> tuple[list[ShownQuestion], list[PersonalQuestion]]:
    """Every question with its answer in `language`, and the personal ones apart."""
    questionnaire = current_questionnaire()
    rows = [
        StoredAnswer(*row)
        for row in db.session.execute(
            select(Answer.question, Answer.option, Answer.rank, Answer.text, Answer.id)
            .where(Answer.response_id == response.id)
            .order_by(Answer.id)
        )
    ]
    rows += _codings(response.id)
    grouped: dict[str, list[StoredAnswer]] = {}
    for row in rows:
        grouped.setdefault(row.question, []).append(row)
    open_ids = [row.id for row in rows if questionnaire.open_field_of(row.question, row.option)]
    translated = translations_for(open_ids, language) if response.language != language else {}
    known = {
        code: [AnswerRow(r.question, r.option, r.rank, r.text) for r in group]
        for code, group in grouped.items()
    }
    shown, personal = [], []
    for question in questionnaire.questions:
        answers = grouped.get(question.code, [])
        number = questionnaire.number(question.code)
        if question.personal:
            details = None
            if show_personal:
                labels = question.option_labels(language)
                details = [(labels.get(r.option, r.option), r.text or "") for r in answers]
            personal.append(PersonalQuestion(question, number, bool(answers), details))
            continue
        answer = question.shown_answer(answers, translated, language)
        note = None if answers else question.no_answer_note(known)
        if answers or note is not None:
            shown.append(ShownQuestion(question, number, answer, note))
    return shown, personal


def _codings(response_id: int) -> list[StoredAnswer]:
    """Each coding of the response's open answers, as a row of its coded question."""
    rows = db.session.execute(
        select(CODINGS.c.answer_id, CATEGORIES.c.field, CATEGORIES.c.code)
        .select_from(CODINGS.join(CATEGORIES).join(Answer, Answer.id == CODINGS.c.answer_id))
        .where(Answer.response_id == response_id, CATEGORIES.c.deleted_at.is_(None))
        .order_by(CATEGORIES.c.field, CATEGORIES.c.position)
    )
    return [
        StoredAnswer(coded_code(field), code, None, None, answer_id)
        for answer_id, field, code in rows
    ]
