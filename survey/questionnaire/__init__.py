"""The questionnaire, defined once as data, and the question types that own everything
about themselves (see `base.Question`).

- `answers`: form data in, long-form answer rows out, text cleaning and limits;
- `base`, `choice`, `country`, `ranking`, `text`, `contact`: the question types;
- `columns`: the wide dataset's columns, made by the types;
- `figures`: what the results count, filled by `survey.aggregation`;
- `questionnaire`: a questionnaire (questions and pages) and what follows from it;
- `library_advocacy`: the 17-question questionnaire this app runs by default.

The app runs the questionnaire its configuration names (`QUESTIONNAIRE`: an object or
"module:attribute"); code asks `current_questionnaire()` for it, never a module global.
"""

from __future__ import annotations

import importlib
from typing import Any

from flask import Flask, current_app

from survey.questionnaire.answers import (
    EMAIL_LIMIT,
    LONG_TEXT_LIMIT,
    NOT_APPLICABLE,
    OTHER,
    SHORT_TEXT_LIMIT,
    AnswerRow,
    Known,
    StoredAnswer,
    clean_text,
    rows_by_question,
)
from survey.questionnaire.base import Condition, OpenField, Option, Question
from survey.questionnaire.questionnaire import Page, Questionnaire

__all__ = [
    "EMAIL_LIMIT",
    "LONG_TEXT_LIMIT",
    "NOT_APPLICABLE",
    "OTHER",
    "SHORT_TEXT_LIMIT",
    "AnswerRow",
    "Condition",
    "Known",
    "OpenField",
    "Option",
    "Page",
    "Question",
    "Questionnaire",
    "StoredAnswer",
    "clean_text",
    "current_questionnaire",
    "register",
    "rows_by_question",
]

DEFAULT = "survey.questionnaire.library_advocacy:QUESTIONNAIRE"
EXTENSION = "survey_questionnaire"


def load(setting: Any) -> Questionnaire:
    """The questionnaire a setting names: a Questionnaire, or "package.module:attribute"."""
    if isinstance(setting, Questionnaire):
        return setting
    module, _sep, attribute = str(setting).partition(":")
    found = getattr(importlib.import_module(module), attribute or "QUESTIONNAIRE")
    if not isinstance(found, Questionnaire):
        raise TypeError(f"{setting!r} is not a Questionnaire")
    return found


def register(app: Flask) -> None:
    app.extensions[EXTENSION] = load(app.config.get("QUESTIONNAIRE") or DEFAULT)
    app.add_template_global(current_questionnaire)


def current_questionnaire() -> Questionnaire:
    """The questionnaire of the running app."""
    questionnaire: Questionnaire = current_app.extensions[EXTENSION]
    return questionnaire
