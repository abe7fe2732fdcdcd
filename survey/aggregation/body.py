"""The body of the results (the public JSON contract of `GET /api/results`), built from the
figures of one segment by asking each question for its entry.

    {"total": 82, "in_progress": 3, "languages": {"en": 50, "ru": 32},
     "questions": {"q1": {"type": "single", "text": "...", "answered": 80, "declined": 2,
                          "base": 82, "percent_base": "answered", "other_count": 4,
                          "options": [{"code": "public", "label": "...", "count": 30,
                                       "percent": 37.5}, ...]},
                   "q14": {"type": "ranking", ..., "items": [{"code": "libraries",
                           "by_rank": [31, 16, 14, 15, 1, 0], "na": 5, "mean": 2.21,
                           "first": 31, "n": 77}, ...]}, ...}}

Bases: `declined = base - answered`, where the base is every submitted response matching the
filters, except for follow-up questions, whose base is the respondents eligible for them
(`Question.base`: q2_role those with q2 = yes, q5_budget those with q5 = yes, q7 those who
chose any partner type in q6). Percentages are of the respondents who answered (one
decimal); for multiple choice one respondent may choose several options, so they may add up
to more than 100 (`"percent_base": "respondents"`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from survey.i18n import LANGUAGE_NAMES
from survey.questionnaire import Questionnaire
from survey.questionnaire.figures import Figures
from survey.selection import LANGUAGE


def result_body(
    questionnaire: Questionnaire, figures: Figures, languages: Iterable[str], locale: str
) -> dict[str, Any]:
    """Totals and every question's entry, labels in `locale`."""
    body: dict[str, Any] = {
        "total": figures.total,
        "in_progress": figures.in_progress,
        "languages": {lang: figures.languages.get(lang, 0) for lang in languages},
        "questions": {},
    }
    for lang, count in sorted(figures.languages.items()):
        body["languages"].setdefault(lang, count)
    answered_by_code: dict[str, int] = {}
    for q in questionnaire.questions:
        answered = q.answered(figures)
        answered_by_code[q.code] = answered
        base = q.base(figures, answered_by_code)
        body["questions"][q.code] = {
            "type": q.type,
            "text": str(q.text),
            "answered": answered,
            "declined": max(base - answered, 0),
            "base": base,
            **q.eligibility(),
            **q.result_entry(figures, answered, locale),
        }
    return body


def segment_values(
    questionnaire: Questionnaire,
    compare: str,
    figures: Mapping[str, Figures],
    languages: Iterable[str],
    locale: str,
) -> list[tuple[str, str]]:
    """(value, label) of each segment, in the order they are shown."""
    if compare == LANGUAGE:
        configured = list(languages)
        values = configured + sorted(set(figures) - set(configured))
        return [(value, LANGUAGE_NAMES.get(value, value) or value) for value in values]
    return questionnaire.question(compare).segments(figures, locale)
