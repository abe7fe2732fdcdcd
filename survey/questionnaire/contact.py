"""Contact details: personal data, never shown or exported unless an authorised user asks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from email_validator import EmailNotValidError, validate_email
from flask_babel import _, force_locale

from survey.questionnaire.answers import (
    EMAIL_LIMIT,
    AnswerRow,
    Parsed,
    Problem,
    clean_text,
    single_value,
)
from survey.questionnaire.base import Option, Question
from survey.questionnaire.columns import Column, TextColumn
from survey.questionnaire.figures import RESPONDENTS, Figures, Slot

if TYPE_CHECKING:
    from survey.questionnaire.answers import FormData, Known


@dataclass(frozen=True)
class ContactPart(Option):
    """One detail asked for: its input type (`email` is validated) and browser autofill."""

    autocomplete: str = "on"
    input_type: str = "text"


@dataclass(frozen=True, kw_only=True, eq=False)
class ContactQuestion(Question):
    parts: tuple[ContactPart, ...]
    limit: int = EMAIL_LIMIT
    type: ClassVar[str] = "contact"
    form_macro: ClassVar[str] = "contact"
    result_macro: ClassVar[str] = "contact_result"
    comparison_macro: ClassVar[str] = "contact_result"
    personal: ClassVar[bool] = True

    def field_name(self, part: str) -> str:
        return f"{self.code}_{part}"

    def identifying_options(self) -> tuple[str, ...]:
        return tuple(part.code for part in self.parts if part.input_type == "email")

    def field_names(self, known: Known | None = None) -> list[str]:
        return [self.field_name(part.code) for part in self.parts]

    def parse_asked(self, form: FormData, known: Known) -> Parsed:
        result = Parsed()
        for part in self.parts:
            name = self.field_name(part.code)
            raw, error = single_value(form, name)
            text, error = clean_text(raw or "", self.limit) if not error else ("", error)
            if not error and text and part.input_type == "email":
                text, error = _checked_email(text)
            if error and not result.error:
                # The message is about this detail: only its input is marked invalid.
                result.error = Problem(error, fields=[name])
            if text and not error:
                result.rows.append(AnswerRow(self.code, part.code, text=text))
        return Parsed(error=result.error) if result.error else result

    def to_form(self, rows: Sequence[AnswerRow]) -> dict[str, list[str]]:
        return {self.field_name(row.option): [row.text or ""] for row in rows}

    def option_labels(self, language: str) -> dict[str, str]:
        with force_locale(language):
            return {part.code: str(part.label) for part in self.parts}

    @property
    def counted(self) -> frozenset[str]:
        return frozenset({RESPONDENTS})

    def answered(self, figures: Figures) -> int:
        return figures.respondents.get(self.code, 0)

    # One slot: 1 when any detail was given (only ever counted).

    def slots(self) -> tuple[Slot, ...]:
        return (Slot(self.code, 2),)

    def slot_values(self, rows: Sequence[AnswerRow]) -> tuple[int, ...] | None:
        return (int(bool(rows)),)

    def add_slot_count(self, slot: int, value: int, count: int, figures: Figures) -> None:
        if value:
            figures.respondents[self.code] = figures.respondents.get(self.code, 0) + count

    def export_columns(self) -> list[Column]:
        return [
            TextColumn(self.field_name(part.code), "contact", self.code, part.code, self)
            for part in self.parts
        ]


def _checked_email(text: str) -> tuple[str, str | None]:
    try:
        return validate_email(text, check_deliverability=False).normalized, None
    except EmailNotValidError:
        return text, _("Please enter a valid e-mail address, such as name@example.org.")
