"""The country question: an ISO 3166-1 alpha-2 code, or "prefer not to say"."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar

from flask_babel import _, force_locale
from sqlalchemy import ColumnElement

from survey.i18n import countries, country_codes, country_name, iso_numeric_codes
from survey.i18n import lazy_gettext as _l
from survey.questionnaire.answers import NOT_APPLICABLE, AnswerRow, Parsed, single_value
from survey.questionnaire.base import ShownAnswer
from survey.questionnaire.choice import ListQuestion, option_entries
from survey.questionnaire.columns import CodeColumn, Column
from survey.questionnaire.figures import Figures, Slot, add_count

if TYPE_CHECKING:
    from survey.questionnaire.answers import FormData, Known, StoredAnswer

PREFER_NOT_TO_SAY = _l("Prefer not to say")
#: Not a number ISO 3166-1 gives to any country.
PREFER_NOT_TO_SAY_NUMBER = 999


@dataclass(frozen=True, kw_only=True, eq=False)
class CountryQuestion(ListQuestion):
    type: ClassVar[str] = "country"
    form_macro: ClassVar[str] = "country"
    segmentable: ClassVar[bool] = True
    groups_small_segments: ClassVar[bool] = True
    on_report_title: ClassVar[bool] = True
    answer_heading: ClassVar[Any] = _l("Country")
    #: Compared side by side, countries are listed most respondents first.
    rows_by_count: ClassVar[bool] = True

    def parse_asked(self, form: FormData, known: Known) -> Parsed:
        value, error = single_value(form, self.code)
        if error or value is None:
            return Parsed(error=error)
        # Case matters: "NA" is Namibia, "na" is "prefer not to say".
        if value != NOT_APPLICABLE and value not in country_codes():
            return Parsed(error=_("Please choose a country from the list."))
        return Parsed([AnswerRow(self.code, value)])

    def to_form(self, rows: Sequence[AnswerRow]) -> dict[str, list[str]]:
        return {self.code: [row.option for row in rows]}

    # ------------------------------------------------------------------ labels

    def option_labels(self, language: str) -> dict[str, str]:
        with force_locale(language):
            return {NOT_APPLICABLE: str(PREFER_NOT_TO_SAY), **dict(countries(language))}

    def option_label(self, code: str, language: str) -> str:
        if code == NOT_APPLICABLE:
            with force_locale(language):
                return str(PREFER_NOT_TO_SAY)
        return country_name(code, language)

    def numeric_codes(self) -> dict[str, int]:
        """ISO 3166-1 numeric codes (Namibia 516), stable across exports and CLDR versions;
        "prefer not to say" is 999."""
        return {NOT_APPLICABLE: PREFER_NOT_TO_SAY_NUMBER, **iso_numeric_codes()}

    def _by_count(self, counts: Mapping[str, int], language: str) -> list[tuple[str, str]]:
        """Most respondents first; ties by name, "prefer not to say" last among them."""
        names = {code: self.option_label(code, language) for code in counts}
        ordered = sorted(
            counts, key=lambda code: (-counts[code], code == NOT_APPLICABLE, names[code])
        )
        return [(code, names[code]) for code in ordered]

    # ------------------------------------------------------------------ results

    def result_entry(self, figures: Figures, answered: int, language: str) -> dict[str, Any]:
        counts = figures.options.get(self.code, {})
        return {
            "percent_base": "answered",
            "options": option_entries(self._by_count(counts, language), counts, answered),
        }

    def segments(self, figures: Mapping[str, Figures], language: str) -> list[tuple[str, str]]:
        return self._by_count({code: segment.total for code, segment in figures.items()}, language)

    def grouped_segments_label(self) -> str:
        return str(_("Other countries"))

    def filter_values(self) -> tuple[str, ...]:
        return _filter_values()

    def filter_schema(self) -> tuple[dict[str, Any], str]:
        schema = {
            "type": "string",
            "enum": list(self.filter_values()),
            "description": "ISO 3166-1 alpha-2 code, or `na` (prefer not to say).",
        }
        return schema, "a country"

    def filter_choices(self, entry: Mapping[str, Any], language: str) -> dict[str, Any] | None:
        """Countries with answers first (most answers first), then every other country."""
        present = [option["code"] for option in entry.get("options", [])]
        with force_locale(language):
            return {
                "options": [(code, self.option_label(code, language)) for code in present],
                "options_label": _("Countries with answers"),
                "more_options": [(c, n) for c, n in countries(language) if c not in present],
                "more_label": _("Other countries"),
            }

    # ------------------------------------------------------------------ one row per response
    # One slot: 0 declined, else 1 + the code's position in `filter_values`.

    def slots(self) -> tuple[Slot, ...]:
        codes = self.filter_values()
        return (Slot(self.code, 1 + len(codes), codes),)

    def slot_values(self, rows: Sequence[AnswerRow]) -> tuple[int, ...] | None:
        if not rows:
            return (0,)
        position = _positions(self.filter_values()).get(rows[0].option)
        return None if len(rows) > 1 or position is None else (1 + position,)

    def add_slot_count(self, slot: int, value: int, count: int, figures: Figures) -> None:
        if value:
            add_count(figures.options[self.code], self.filter_values()[value - 1], count)

    def slot_condition(
        self, columns: Sequence[ColumnElement[Any]], values: Sequence[str]
    ) -> ColumnElement[bool] | None:
        positions = _positions(self.filter_values())
        return columns[0].in_([1 + positions[code] for code in values])

    def slot_segment(self, value: int) -> str | None:
        return self.filter_values()[value - 1] if value else None

    # ------------------------------------------------------------------ the dataset

    def export_columns(self) -> list[Column]:
        return [CodeColumn(self.code, self.type, self.code, None, self)]

    def shown_answer(
        self, rows: Sequence[StoredAnswer], translations: Mapping[int, str], language: str
    ) -> ShownAnswer:
        values = [{"label": self.option_label(row.option, language), "other": None} for row in rows]
        return ShownAnswer(self.answer_macro, values)


@cache
def _filter_values() -> tuple[str, ...]:
    return (*sorted(country_codes()), NOT_APPLICABLE)


@cache
def _positions(codes: tuple[str, ...]) -> dict[str, int]:
    return {code: position for position, code in enumerate(codes)}
