"""Coded questions: an open field's answers sorted into the working group's categories.

For every open field with categories (see `survey.open_answers.coding`) the questionnaire the
results see holds a derived multiple-choice question, `<field>_code` (q9_code, q6_other_code),
whose options are the categories: counted on the dashboard and in the API (categories per
coded answer; answers coded and not yet coded), a filter (`?q9_code=financing`: respondents
whose answer was coded so), a row of a comparison, and one 0/1 column per category in the
exports (empty when the answer is not coded or the question not answered). It is never
asked: respondents answer the open field; the codings are the working group's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from flask_babel import _
from sqlalchemy import ColumnElement, FromClause, select

from survey.i18n import lazy_gettext as _l
from survey.models import CATEGORIES, CODINGS
from survey.questionnaire.base import OpenField, Question, ShownAnswer
from survey.questionnaire.choice import ListQuestion, option_entries
from survey.questionnaire.columns import Column, FlagColumn
from survey.questionnaire.figures import CODED, Figures

if TYPE_CHECKING:
    from survey.questionnaire.answers import Known, StoredAnswer

CODE_SUFFIX = "_code"


def coded_code(field: str) -> str:
    """The code of the coded question of an open field (q9 -> q9_code)."""
    return field + CODE_SUFFIX


@dataclass(frozen=True)
class Category:
    """One category as the coded question offers it: its code and its names."""

    code: str
    #: (language, name) pairs; a language without a name falls back to another one.
    names: tuple[tuple[str, str], ...]
    retired: bool = False

    def name(self, language: str) -> str:
        names = dict(self.names)
        return names.get(language) or next(iter(names.values()), "") or self.code


class CodingColumn(FlagColumn):
    """One category of a coded question: 1 the answer is coded into it, 0 coded but not into
    it, empty = not coded. Read back by the importer as codings, not as answers."""

    is_answer = False
    restores_coding = True
    description = _l(
        "1 = the answer was coded into this category, 0 = coded into others; empty = not "
        "coded yet or not answered."
    )

    def coding(self) -> tuple[OpenField, str]:
        """The open field it codes and the category's code."""
        assert isinstance(self.owner, CategoryQuestion) and self.option is not None
        return self.owner.open_field, self.option


@dataclass(frozen=True, kw_only=True, eq=False)
class CategoryQuestion(ListQuestion):
    """The categories an open field's answers were coded into (a multiple choice)."""

    source: Question
    open_field: OpenField
    categories: tuple[Category, ...]
    type: ClassVar[str] = "multiple"
    form_macro: ClassVar[str] = ""
    result_macro: ClassVar[str] = "coded_result"
    answer_macro: ClassVar[str] = "choices_answer"
    asked: ClassVar[bool] = False
    is_cell: ClassVar[bool] = False
    tested: ClassVar[bool] = True
    percent_base: ClassVar[str] = "respondents"
    answer_heading: ClassVar[Any] = _l("Category")
    #: In the report, under the question whose answers it codes.
    report_macro: ClassVar[str] = "coded_report"

    @classmethod
    def of(cls, source: Question, field: OpenField, categories: Sequence[Category]) -> Any:
        text = _l("%(question)s — coded into categories", question=source.text)
        short = _l("%(question)s: categories", question=source.short or source.text)
        return cls(
            code=coded_code(field.field),
            text=text,
            short=short,
            source=source,
            open_field=field,
            categories=tuple(categories),
        )

    def numbered_as(self) -> str | None:
        return self.source.code

    def coded_field(self) -> str | None:
        return self.open_field.field

    # ------------------------------------------------------------------ labels, counting

    def option_labels(self, language: str) -> dict[str, str]:
        return {category.code: category.name(language) for category in self.categories}

    @property
    def counted(self) -> frozenset[str]:
        return frozenset({CODED})

    def answered(self, figures: Figures) -> int:
        """Answers coded into at least one category."""
        return figures.coded_answers.get(self.code, 0)

    def base(self, figures: Figures, answered: Mapping[str, int]) -> int:
        """The answers to code: the open field's answers with a text."""
        field = self.open_field
        if field.is_other:
            return figures.others.get(field.question, 0)
        return figures.option_count(field.question, field.option)

    def result_entry(self, figures: Figures, answered: int, language: str) -> dict[str, Any]:
        counts = figures.coded.get(self.code, {})
        labelled = list(self.option_labels(language).items())
        return {
            "coded_from": self.open_field.field,
            "percent_base": self.percent_base,
            "uncoded": max(self.base(figures, {}) - answered, 0),
            "options": option_entries(labelled, counts, answered),
        }

    def count_heading(self) -> str:
        return str(_("Answers"))

    def result_schema(self) -> dict[str, Any]:
        return {
            **super().result_schema(),
            "coded_from": {"type": "string", "description": "The open field coded."},
            "uncoded": {"type": "integer", "description": "Answers not coded yet."},
        }

    def filter_values(self) -> tuple[str, ...]:
        return tuple(category.code for category in self.categories)

    def filter_condition(
        self, answers: FromClause, values: Sequence[str]
    ) -> list[ColumnElement[bool]]:
        """The respondent's answer to the open field is coded into one of the categories.

        By the coding's response (a response has one answer to the field): the codings find
        the respondents without looking up each coded answer in `answers`."""
        coded = (
            select(CODINGS.c.response_id)
            .join(CATEGORIES, CATEGORIES.c.id == CODINGS.c.category_id)
            .where(CATEGORIES.c.field == self.open_field.field, CATEGORIES.c.code.in_(values))
        )
        return [
            answers.c.question == self.open_field.question,
            answers.c.option == self.open_field.option,
            answers.c.response_id.in_(coded),
        ]

    def filter_choices(self, entry: Mapping[str, Any], language: str) -> dict[str, Any] | None:
        return {"options": list(self.option_labels(language).items())}

    # ------------------------------------------------------------------ the dataset

    def export_columns(self) -> list[Column]:
        return [
            CodingColumn(f"{self.code}_{category.code}", "flag", self.code, category.code, self)
            for category in self.categories
        ]

    def no_answer_note(self, known: Known) -> str | None:
        field = self.open_field
        if not any(
            row.option == field.option and row.text for row in known.get(field.question, ())
        ):
            return None
        return str(_("Not coded yet."))

    def shown_answer(
        self, rows: Sequence[StoredAnswer], translations: Mapping[int, str], language: str
    ) -> ShownAnswer:
        labels = self.option_labels(language)
        values = [{"label": labels.get(row.option, row.option), "other": None} for row in rows]
        return ShownAnswer(self.answer_macro, values)
