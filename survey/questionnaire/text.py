"""Text questions: a short or a long open answer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from survey.questionnaire.answers import (
    LONG_TEXT_LIMIT,
    SHORT_TEXT_LIMIT,
    AnswerRow,
    Parsed,
    clean_text,
    single_value,
)
from survey.questionnaire.base import OpenField, Question, ShownAnswer
from survey.questionnaire.columns import (
    Column,
    TextColumn,
    translation_columns,
)
from survey.questionnaire.figures import Figures, Slot, add_count

if TYPE_CHECKING:
    from survey.questionnaire.answers import FormData, Known, StoredAnswer


@dataclass(frozen=True, kw_only=True, eq=False)
class TextQuestion(Question):
    limit: int = LONG_TEXT_LIMIT
    type: ClassVar[str] = "text"
    form_macro: ClassVar[str] = "long_text"
    result_macro: ClassVar[str] = "open_result"
    comparison_macro: ClassVar[str] = "open_comparison"
    report_macro: ClassVar[str] = "open_report"
    answer_macro: ClassVar[str] = "text_answer"

    def parse_asked(self, form: FormData, known: Known) -> Parsed:
        raw, error = single_value(form, self.code)
        if raw is None:
            return Parsed(error=error)
        text, error = clean_text(raw, self.limit)
        if error:
            return Parsed(error=error)
        return Parsed(rows=[AnswerRow(self.code, text=text)] if text else [])

    def to_form(self, rows: Sequence[AnswerRow]) -> dict[str, list[str]]:
        return {self.code: [row.text or "" for row in rows]}

    def open_fields(self) -> tuple[OpenField, ...]:
        return (OpenField(self.code, self.code, ""),)

    # One slot: 1 when answered (text answers are one row with an empty option).

    def slots(self) -> tuple[Slot, ...]:
        return (Slot(self.code, 2),)

    def slot_values(self, rows: Sequence[AnswerRow]) -> tuple[int, ...] | None:
        if any(row.option != "" for row in rows) or len(rows) > 1:
            return None
        return (len(rows),)

    def add_slot_count(self, slot: int, value: int, count: int, figures: Figures) -> None:
        if value:
            add_count(figures.options[self.code], "", count)

    def export_columns(self) -> list[Column]:
        return [
            TextColumn(self.code, "text", self.code, "", self),
            *translation_columns(self, self.code, ""),
        ]

    def shown_answer(
        self, rows: Sequence[StoredAnswer], translations: Mapping[int, str], language: str
    ) -> ShownAnswer:
        values = [{"text": row.text or "", "translation": translations.get(row.id)} for row in rows]
        return ShownAnswer(self.answer_macro, values)


@dataclass(frozen=True, kw_only=True, eq=False)
class ShortTextQuestion(TextQuestion):
    limit: int = SHORT_TEXT_LIMIT
    form_macro: ClassVar[str] = "short_text"
