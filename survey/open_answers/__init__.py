"""Open answers: the free text respondents wrote, and what the working group does with it.

Which fields are open is the questionnaire's business (`Question.open_fields`): the text
questions (q8–q11, q13, q15), the follow-ups q2_role and q5_budget, and the "other" texts of
q1, q6 and q16, each addressed by its form field (``q8``, ``q6_other``). Contact details
(q17) are personal data and never an open answer.

- `listing`: the newest answers of a field for the filtered respondents (the dashboard, the
  answers pages), with their translations;
- `translating`: translations by the working group, one per answer and target language;
- `coding`: categories the answers are coded into ("Financing – 11 responses").

Plain modules (no request objects), callable from the CLI and tests.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_

from survey.models import Answer
from survey.questionnaire import OpenField, asked_questionnaire


class UnknownOpenField(LookupError):
    """Not an open field of the questionnaire."""


def open_field(name: str | None) -> OpenField:
    """The open field called `name` (`q8`, `q6_other`, or `q6` for its "other" text)."""
    found = asked_questionnaire().open_field(name)
    if found is None:
        raise UnknownOpenField(name)
    return found


def is_open_answer(fields: tuple[OpenField, ...] | None = None) -> ColumnElement[bool]:
    """SQL condition on `Answer`: the row holds non-empty text of an open field (never q17)."""
    fields = asked_questionnaire().open_fields if fields is None else fields
    return and_(
        Answer.question.in_({f.question for f in fields}),
        or_(*(and_(Answer.question == f.question, Answer.option == f.option) for f in fields)),
        Answer.text.is_not(None),
        Answer.text != "",
    )
