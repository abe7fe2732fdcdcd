"""A questionnaire: its questions in order, its pages, and what follows from them.

The app runs one questionnaire, given by its configuration (`QUESTIONNAIRE`, default the
17-question one in `survey.questionnaire.library_advocacy`); everything else asks it, through
`survey.questionnaire.current_questionnaire()`, which questions there are and what they can
be, so a new question is one entry in a definition and a new type one class.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

from survey.questionnaire.answers import AnswerRow, FormData, Known
from survey.questionnaire.base import OpenField, Question
from survey.questionnaire.columns import Column, meta_columns


class DemoAnswers(Protocol):
    def respondent(self, language: str) -> list[tuple[str, str, int | None, str | None]]: ...


#: Follow-ups are numbered after the question that opens them: 2a, 2b …
LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True, eq=False)
class Page:
    slug: str
    title: str
    questions: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Questionnaire:
    """The questions in order and the pages that ask them (each question on one page)."""

    questions: tuple[Question, ...]
    pages: tuple[Page, ...]
    #: Makes plausible answers for `seed-demo` from a random source: an object whose
    #: `respondent(language)` returns one respondent's (question, option, rank, text) rows.
    demo: Callable[[random.Random], DemoAnswers] | None = None

    def __post_init__(self) -> None:
        codes = [q.code for q in self.questions]
        on_pages = [code for page in self.pages for code in page.questions]
        if len(set(codes)) != len(codes):
            raise ValueError("question codes must be unique")
        if sorted(on_pages) != sorted(q.code for q in self.questions if q.asked):
            raise ValueError("every question asked must be on exactly one page")
        for q in self.questions:
            if q.condition is not None and q.condition.question not in codes:
                raise ValueError(f"{q.code}: condition on unknown question")

    # ------------------------------------------------------------------ looking up

    @cached_property
    def by_code(self) -> dict[str, Question]:
        return {q.code: q for q in self.questions}

    def question(self, code: str) -> Question:
        return self.by_code[code]

    def get(self, code: str) -> Question | None:
        return self.by_code.get(code)

    def __iter__(self):
        return iter(self.questions)

    @cached_property
    def numbers(self) -> dict[str, str]:
        """How questions are numbered for people: 1, 2, … and follow-ups after the question
        that opens them (q2_role is 2a)."""
        numbers: dict[str, str] = {}
        main = 0
        follow_ups: dict[str, int] = {}
        for q in self.questions:
            shared = q.numbered_as()
            if shared is not None:
                numbers[q.code] = numbers[shared]
            elif q.condition is None:
                main += 1
                numbers[q.code] = str(main)
            else:
                parent = q.condition.question
                follow_ups[parent] = follow_ups.get(parent, 0) + 1
                numbers[q.code] = numbers[parent] + LETTERS[follow_ups[parent] - 1]
        return numbers

    def number(self, code: str) -> str:
        return self.numbers[code]

    def with_derived(self, derived: Iterable[Question]) -> Questionnaire:
        """This questionnaire with questions derived from others (not asked), each right
        after the question it is derived from (`numbered_as`)."""
        after: dict[str, list[Question]] = {}
        for question in derived:
            source = question.numbered_as()
            if source not in self.by_code:
                raise ValueError(f"{question.code}: derived from unknown {source}")
            after.setdefault(source, []).append(question)
        questions = [q for own in self.questions for q in (own, *after.get(own.code, ()))]
        return Questionnaire(tuple(questions), self.pages, self.demo)

    # ------------------------------------------------------------------ what they can be

    def where(self, capability: str) -> tuple[Question, ...]:
        """The questions that have a capability (`filterable`, `segmentable`, `tested`,
        `personal`, `is_cell`), in questionnaire order."""
        return tuple(q for q in self.questions if getattr(q, capability))

    def counting(self, figure: str) -> tuple[str, ...]:
        """Codes of the questions whose results need a figure (survey.questionnaire.figures)."""
        return tuple(q.code for q in self.questions if figure in q.counted)

    @cached_property
    def max_rank(self) -> int:
        """The highest rank any question can be given."""
        return max((q.max_rank for q in self.questions), default=0)

    @cached_property
    def open_fields(self) -> tuple[OpenField, ...]:
        """Free text the working group reads, translates and codes, in questionnaire order
        (q1_other, q2_role, q5_budget, q6_other, q8 … q15, q16_other); never contact details."""
        return tuple(field for q in self.questions for field in q.open_fields())

    def open_field(self, name: str | None) -> OpenField | None:
        """The open field called `name` (`q8`, `q6_other`, or `q6` for its "other" text)."""
        if not name:
            return None
        for field in self.open_fields:
            if field.field == name or (field.is_other and field.question == name):
                return field
        return None

    def open_field_of(self, question: str, option: str) -> OpenField | None:
        for field in self.open_fields:
            if field.question == question and field.option == option:
                return field
        return None

    @cached_property
    def coded_fields(self) -> tuple[str, ...]:
        """The open fields whose answers are coded into categories (see `coded.py`)."""
        return tuple(field for q in self.questions if (field := q.coded_field()))

    @cached_property
    def sort_parameters(self) -> tuple[str, ...]:
        """Query arguments that sort a question's table on the dashboard."""
        return tuple(q.sort_parameter for q in self.questions if q.sort_parameter)

    def export_columns(self, include_contact: bool = False) -> tuple[Column, ...]:
        """Every column of the wide dataset, in order; personal data only when asked for."""
        return self._columns[include_contact]

    @cached_property
    def _columns(self) -> dict[bool, tuple[Column, ...]]:
        def columns(include_contact: bool) -> tuple[Column, ...]:
            found = list(meta_columns())
            for q in self.questions:
                if include_contact or not q.personal:
                    found += q.export_columns()
            return tuple(found)

        return {False: columns(False), True: columns(True)}

    # ------------------------------------------------------------------ pages

    def page_questions(self, page: Page) -> list[Question]:
        return [self.by_code[code] for code in page.questions]

    def page_of(self, code: str) -> int:
        """The number of the page that asks a question (1, 2, …)."""
        for number, page in enumerate(self.pages, start=1):
            if code in page.questions:
                return number
        raise KeyError(code)

    def is_page_asked(self, page: Page, known: Known) -> bool:
        """A page whose every question is skipped (q7 without partners in q6) is not shown."""
        return any(q.is_asked(known) for q in self.page_questions(page) if q.condition is None)

    def parse_page(
        self, page: Page, form: FormData, known: Known
    ) -> tuple[dict[str, list[AnswerRow]], dict[str, str]]:
        """Validate one page of the form contract against what the respondent answered so far."""
        current = dict(known)
        answers: dict[str, list[AnswerRow]] = {}
        errors: dict[str, str] = {}
        for q in self.page_questions(page):
            parsed = q.parse(form, current)
            if parsed.error:
                errors[q.code] = parsed.error
            answers[q.code] = parsed.rows
            current[q.code] = parsed.rows
        return answers, errors

    def form_values(self, known: Known) -> dict[str, list[str]]:
        """Stored answers as form-contract values, for re-displaying a saved page."""
        values: dict[str, list[str]] = {}
        for code, rows in known.items():
            if code in self.by_code and rows:
                values.update(self.by_code[code].to_form(rows))
        return values

    def reconcile_dependents(self, known: Known) -> dict[str, list[AnswerRow]]:
        """Stored answers after dropping those whose conditions no longer hold."""
        current = {code: list(rows) for code, rows in known.items()}
        for q in self.questions:
            if q.code in current:
                current[q.code] = q.reconcile(current[q.code], current)
        return current

    def ordered_rows(self, rows: Iterable[AnswerRow]) -> list[AnswerRow]:
        """Answer rows in questionnaire order."""
        position = {q.code: n for n, q in enumerate(self.questions)}
        return sorted(rows, key=lambda row: position.get(row.question, len(position)))
