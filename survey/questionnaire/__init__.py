"""The questionnaire, defined once as data, and the question types that own everything
about themselves (see `base.Question`).

- `answers`: form data in, long-form answer rows out, text cleaning and limits;
- `base`, `choice`, `country`, `ranking`, `text`, `contact`: the question types;
- `columns`: the wide dataset's columns, made by the types;
- `figures`: what the results count, filled by `survey.aggregation`;
- `questionnaire`: a questionnaire (questions and pages) and what follows from it;
- `library_advocacy`: the 17-question questionnaire this app runs by default.

The app runs the questionnaire its configuration names (`QUESTIONNAIRE`: an object or
"module:attribute"); code asks for it, never a module global:

- `asked_questionnaire()`: the questions respondents are asked, and nothing else (the
  respondent pages, validation, imports);
- `current_questionnaire()`: that and the questions derived from the working group's work,
  such as each coded open field's categories (`coded.py`): the results, filters and exports.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, g

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
    is_storable,
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
    "asked_questionnaire",
    "clean_text",
    "is_storable",
    "current_questionnaire",
    "register",
    "rows_by_question",
]

DEFAULT = "survey.questionnaire.library_advocacy:QUESTIONNAIRE"
EXTENSION = "survey_questionnaire"
DERIVE = "survey_questionnaire_derive"


def load(setting: Any) -> Questionnaire:
    """The questionnaire a setting names: a Questionnaire, or "package.module:attribute"."""
    if isinstance(setting, Questionnaire):
        return setting
    module, _sep, attribute = str(setting).partition(":")
    found = getattr(importlib.import_module(module), attribute or "QUESTIONNAIRE")
    if not isinstance(found, Questionnaire):
        raise TypeError(f"{setting!r} is not a Questionnaire")
    return found


def register(app: Flask, derive: Callable[[Questionnaire], Questionnaire] | None = None) -> None:
    """Run the configured questionnaire; `derive` adds the derived questions to it."""
    app.extensions[EXTENSION] = load(app.config.get("QUESTIONNAIRE") or DEFAULT)
    app.extensions[DERIVE] = derive
    app.add_template_global(current_questionnaire)


def asked_questionnaire() -> Questionnaire:
    """The questions the running app asks respondents."""
    questionnaire: Questionnaire = current_app.extensions[EXTENSION]
    return questionnaire


def current_questionnaire() -> Questionnaire:
    """The questions the running app asks and those derived from them (read once per app
    context: the derived ones come from the database)."""
    found: Questionnaire | None = g.get("survey_questionnaire")
    if found is None:
        derive = current_app.extensions.get(DERIVE)
        found = derive(asked_questionnaire()) if derive else asked_questionnaire()
        g.survey_questionnaire = found
    return found
