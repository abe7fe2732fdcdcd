"""Choice questions: single choice, yes/no and multiple choice, optionally with "other"."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy
from flask_babel import _, force_locale
from sqlalchemy import ColumnElement, Table, case, select

from survey.i18n import lazy_gettext as _l
from survey.questionnaire.answers import (
    OTHER,
    SHORT_TEXT_LIMIT,
    AnswerRow,
    Parsed,
    clean_text,
    single_value,
)
from survey.questionnaire.base import OpenField, Option, Question, ShownAnswer
from survey.questionnaire.base import Table as ResultTable
from survey.questionnaire.columns import (
    CodeColumn,
    Column,
    FlagColumn,
    OtherFlagColumn,
    OtherTextColumn,
    translation_columns,
)
from survey.questionnaire.figures import (
    OPTION,
    OTHER_TEXTS,
    RESPONDENTS,
    Figures,
    Slot,
    add_count,
    percent,
)

if TYPE_CHECKING:
    from survey.questionnaire.answers import FormData, Known, StoredAnswer

OPTION_SCHEMA = {
    "type": "object",
    "required": ["code", "label", "count", "percent"],
    "properties": {
        "code": {"type": "string"},
        "label": {"type": "string"},
        "count": {"type": "integer", "minimum": 0},
        "percent": {
            "type": "number",
            "description": "count / answered × 100, one decimal (0 when nobody answered).",
        },
    },
}


def options_result_schema() -> dict[str, Any]:
    return {
        "percent_base": {
            "type": "string",
            "enum": ["answered", "respondents"],
            "description": (
                "Percentages are of the respondents who answered; `respondents` (multiple "
                "choice) means one respondent may choose several options."
            ),
        },
        "options": {"type": "array", "items": OPTION_SCHEMA},
    }


def segment_heads(segments: Sequence[Mapping[str, Any]], *columns: str) -> list[str]:
    """Column headings of segments side by side: "<segment> – <column>" for each column."""
    return [f"{segment['label']} – {column}" for segment in segments for column in columns]


def option_entries(
    labelled: Sequence[tuple[str, str]], counts: Mapping[str, int], answered: int
) -> list[dict[str, Any]]:
    return [
        {
            "code": code,
            "label": label,
            "count": counts.get(code, 0),
            "percent": percent(counts.get(code, 0), answered),
        }
        for code, label in labelled
    ]


@dataclass(frozen=True, kw_only=True, eq=False)
class ListQuestion(Question):
    """Answered by choosing codes from a list: counted per option, shown as a table of
    options, a filter (chose one of these), a cell of the live counters."""

    result_macro: ClassVar[str] = "choice_result"
    comparison_macro: ClassVar[str] = "choice_comparison"
    answer_macro: ClassVar[str] = "choice_answer"
    filterable: ClassVar[bool] = True
    is_cell: ClassVar[bool] = True
    answered_with_codes: ClassVar[bool] = True
    answer_heading: ClassVar[Any] = _l("Answer")
    #: How its percentages are based (the results' `percent_base`).
    percent_base: ClassVar[str] = "answered"
    report_macro: ClassVar[str] = "choice_report"
    chart_macro: ClassVar[str] = "choice_chart"

    def result_schema(self) -> dict[str, Any]:
        return options_result_schema()

    def count_heading(self) -> str:
        return str(_("Mentions") if self.percent_base == "respondents" else _("Respondents"))

    def result_table(self, entry: Mapping[str, Any]) -> ResultTable | None:
        header = [str(self.answer_heading), self.count_heading(), "%"]
        rows = [
            [option["label"], option["count"], option["percent"]]
            for option in entry.get("options", [])
        ]
        return ResultTable(header, rows, ["text", "count", "percent"])

    def comparison_table(self, segments: Sequence[Mapping[str, Any]]) -> ResultTable | None:
        """One row per option, each segment's count and percent (empty when nobody in the
        segment answered), then the respondents who answered."""
        header = [str(self.answer_heading), *segment_heads(segments, self.count_heading(), "%")]
        entries = [segment["questions"].get(self.code, {}) for segment in segments]
        labels: dict[str, str] = {}
        for entry in entries:
            labels.update({o["code"]: o["label"] for o in entry.get("options", [])})
        rows = []
        for code, label in labels.items():
            row: list[Any] = [label]
            for entry in entries:
                found = next((o for o in entry.get("options", []) if o["code"] == code), None)
                answered = entry.get("answered", 0)
                count = found["count"] if found else 0
                row += [count, (found["percent"] if found else 0.0) if answered else None]
            rows.append(row)
        answered_row: list[Any] = [str(_("Answered"))]
        for entry in entries:
            answered_row += [entry.get("answered", 0), None]
        kinds = ["text", *(["count", "percent"] * len(segments))]
        return ResultTable(header, [*rows, answered_row], kinds)


@dataclass(frozen=True, kw_only=True, eq=False)
class ChoiceQuestion(ListQuestion):
    options: tuple[Option, ...]
    #: Field that holds the text of the "other" option, when the question has one.
    other_field: str | None = None
    #: Longest "other" text.
    other_limit: ClassVar[int] = SHORT_TEXT_LIMIT

    @property
    def option_codes(self) -> tuple[str, ...]:
        return tuple(option.code for option in self.options)

    # ------------------------------------------------------------------ the form

    def field_names(self, known: Known | None = None) -> list[str]:
        return [self.code] + ([self.other_field] if self.other_field else [])

    def _other_text(self, form: FormData) -> Parsed:
        """The "other" specification; allowed to be empty (the choice is still stored)."""
        raw, error = single_value(form, self.other_field or "")
        if error or raw is None:
            return Parsed(error=error)
        text, error = clean_text(raw, self.other_limit)
        return Parsed(rows=[AnswerRow(self.code, OTHER, text=text or None)], error=error)

    def has_other_text(self, form: FormData) -> bool:
        """Words typed into the "other" box: they mean "other" is chosen, ticked or not
        (without JavaScript nothing ticks the box for the respondent)."""
        if not self.other_field:
            return False
        return any(value.strip() for value in form.getlist(self.other_field))

    def _option_row(self, code: str, form: FormData) -> Parsed:
        if code == OTHER and self.other_field:
            parsed = self._other_text(form)
            return parsed if parsed.rows or parsed.error else Parsed([AnswerRow(self.code, code)])
        return Parsed([AnswerRow(self.code, code)])

    def to_form(self, rows: Sequence[AnswerRow]) -> dict[str, list[str]]:
        values = {self.code: [row.option for row in rows]}
        if self.other_field:
            values[self.other_field] = [row.text for row in rows if row.text]
        return values

    # ------------------------------------------------------------------ labels and counting

    def option_labels(self, language: str) -> dict[str, str]:
        with force_locale(language):
            return {option.code: str(option.label) for option in self.options}

    def open_fields(self) -> tuple[OpenField, ...]:
        if not self.other_field:
            return ()
        return (OpenField(self.other_field, self.code, OTHER),)

    @property
    def counted(self) -> frozenset[str]:
        return frozenset({OPTION, OTHER_TEXTS} if self.other_field else {OPTION})

    def _other_text_given(self, row: AnswerRow) -> bool:
        """An "other" answer with words, which `OTHER_TEXTS` counts."""
        return bool(self.other_field) and row.option == OTHER and bool(row.text)

    def result_entry(self, figures: Figures, answered: int, language: str) -> dict[str, Any]:
        counts = figures.options.get(self.code, {})
        labelled = list(self.option_labels(language).items())
        labelled += [(code, code) for code in sorted(set(counts) - set(self.option_codes))]
        entry: dict[str, Any] = {
            "percent_base": self.percent_base,
            "options": option_entries(labelled, counts, answered),
        }
        if self.other_field:
            entry["other_count"] = figures.others.get(self.code, 0)
        return entry

    def result_schema(self) -> dict[str, Any]:
        return {
            **super().result_schema(),
            "other_count": {
                "type": "integer",
                "description": "How many 'other' answers carry a text (texts are not here).",
            },
        }

    def filter_choices(self, entry: Mapping[str, Any], language: str) -> dict[str, Any] | None:
        return {"options": list(self.option_labels(language).items())}

    # ------------------------------------------------------------------ the dataset

    def other_columns(self) -> list[Column]:
        if not self.other_field:
            return []
        return [
            OtherTextColumn(self.other_field, "other_text", self.code, OTHER, self),
            *translation_columns(self, self.other_field, OTHER),
        ]

    def shown_answer(
        self, rows: Sequence[StoredAnswer], translations: Mapping[int, str], language: str
    ) -> ShownAnswer:
        labels = self.option_labels(language)
        values = [{"label": labels.get(row.option, row.option), "other": row.text} for row in rows]
        return ShownAnswer(self.answer_macro, values)


@dataclass(frozen=True, kw_only=True, eq=False)
class SingleChoiceQuestion(ChoiceQuestion):
    type: ClassVar[str] = "single"
    form_macro: ClassVar[str] = "single_choice"
    segmentable: ClassVar[bool] = True
    tested: ClassVar[bool] = True

    def parse_asked(self, form: FormData, known: Known) -> Parsed:
        value, error = single_value(form, self.code)
        if error:
            return Parsed(error=error)
        typed_other = self.has_other_text(form)
        if value is None:
            # Words in the "other" box with nothing chosen: the respondent means "other".
            if not typed_other:
                return Parsed()
            value = OTHER
        if value not in self.option_codes:
            return Parsed(error=_("Please choose one of the options listed."))
        if typed_other and value != OTHER:
            # Both kept on the page: only the respondent knows which one is meant.
            return Parsed(
                error=_(
                    "You chose “%(option)s” and also wrote an answer in the “Other” box. "
                    "Which one do you mean? Choose “Other” to keep your words, or empty the box.",
                    option=next(str(o.label) for o in self.options if o.code == value),
                )
            )
        return self._option_row(value, form)

    # One slot: 0 declined, else 1 + 2 × the option's position + 1 if "other" has words.

    def slots(self) -> tuple[Slot, ...]:
        return (Slot(self.code, 1 + 2 * len(self.options), self.option_codes),)

    def slot_values(self, rows: Sequence[AnswerRow]) -> tuple[int, ...] | None:
        if not rows:
            return (0,)
        if len(rows) > 1 or rows[0].option not in self.option_codes:
            return None
        position = self.option_codes.index(rows[0].option)
        return (1 + 2 * position + self._other_text_given(rows[0]),)

    def add_slot_count(self, slot: int, value: int, count: int, figures: Figures) -> None:
        if value:
            position, words = divmod(value - 1, 2)
            add_count(figures.options[self.code], self.option_codes[position], count)
            if words:
                figures.others[self.code] = figures.others.get(self.code, 0) + count

    def slot_condition(
        self, columns: Sequence[ColumnElement[Any]], values: Sequence[str]
    ) -> ColumnElement[bool] | None:
        positions = [self.option_codes.index(code) for code in values]
        return columns[0].in_([1 + 2 * p + words for p in positions for words in (0, 1)])

    def slot_segment(self, value: int) -> str | None:
        return self.option_codes[(value - 1) // 2] if value else None

    def export_columns(self) -> list[Column]:
        return [CodeColumn(self.code, self.type, self.code, None, self), *self.other_columns()]


@dataclass(frozen=True, kw_only=True, eq=False)
class YesNoQuestion(SingleChoiceQuestion):
    type: ClassVar[str] = "yesno"
    form_macro: ClassVar[str] = "yes_no"
    options: tuple[Option, ...] = (Option("yes", _l("Yes")), Option("no", _l("No")))


@dataclass(frozen=True, kw_only=True, eq=False)
class MultipleChoiceQuestion(ChoiceQuestion):
    type: ClassVar[str] = "multiple"
    form_macro: ClassVar[str] = "multiple_choice"
    answer_macro: ClassVar[str] = "choices_answer"
    percent_base: ClassVar[str] = "respondents"
    option_segmentable: ClassVar[bool] = True
    option_tested: ClassVar[bool] = True

    def parse_asked(self, form: FormData, known: Known) -> Parsed:
        chosen = [value for value in form.getlist(self.code) if value != ""]
        if any(value not in self.option_codes for value in chosen):
            return Parsed(error=_("Please choose from the options listed."))
        if self.has_other_text(form) and OTHER not in chosen:
            # Words in the "other" box mean "other" is chosen, ticked or not.
            chosen.append(OTHER)
        result = Parsed()
        for code in self.option_codes:
            if code in chosen:
                parsed = self._option_row(code, form)
                result.rows += parsed.rows
                result.error = result.error or parsed.error
        return result

    @property
    def counted(self) -> frozenset[str]:
        return super().counted | {RESPONDENTS}

    def answered(self, figures: Figures) -> int:
        return figures.respondents.get(self.code, 0)

    def option_segment(
        self, answers: Table, response_id: ColumnElement[Any], option: str
    ) -> tuple[ColumnElement[Any], list[ColumnElement[bool]]]:
        """ "yes": chose `option`, "no": answered without choosing it; those who declined
        the question are in neither."""
        chose = answers.alias(f"segment_{self.code}_chose")
        answered = answers.alias(f"segment_{self.code}_answered")
        chosen = select(chose.c.response_id).where(
            chose.c.question == self.code, chose.c.option == option
        )
        segment = case((response_id.in_(chosen), "yes"), else_="no")
        anything = select(answered.c.response_id).where(answered.c.question == self.code)
        return segment, [response_id.in_(anything)]

    def option_segments(self, option: str, language: str) -> list[tuple[str, str]]:
        """(value, label) of the two segments of ?compare=code.option."""
        with force_locale(language):
            return [("yes", str(_("Yes"))), ("no", str(_("No")))]

    # One slot: a bit per chosen option, in the options' order, and one more bit when
    # "other" has words.

    @property
    def _words_bit(self) -> int:
        return 1 << len(self.options)

    def slots(self) -> tuple[Slot, ...]:
        return (Slot(self.code, 2 * self._words_bit, self.option_codes),)

    def slot_values(self, rows: Sequence[AnswerRow]) -> tuple[int, ...] | None:
        value = 0
        for row in rows:
            if row.option not in self.option_codes:
                return None
            value |= 1 << self.option_codes.index(row.option)
            if self._other_text_given(row):
                value |= self._words_bit
        return (value,)

    def add_slot_count(self, slot: int, value: int, count: int, figures: Figures) -> None:
        if not value:
            return
        for position, code in enumerate(self.option_codes):
            if value & (1 << position):
                add_count(figures.options[self.code], code, count)
        figures.respondents[self.code] = figures.respondents.get(self.code, 0) + count
        if value & self._words_bit:
            figures.others[self.code] = figures.others.get(self.code, 0) + count

    def add_slot_counts(
        self, slot: int, counts: numpy.ndarray, figures: Sequence[Figures | None]
    ) -> None:
        # A slot takes 2^(options + 1) values: per segment, the respondents who chose each
        # option are the counts times a (value x option) matrix of the values' bits.
        values = numpy.arange(counts.shape[1])
        bits = (values[:, None] >> numpy.arange(len(self.option_codes))) & 1
        whole = counts.astype(numpy.int64)
        chose = (whole @ bits).tolist()
        answered = whole[:, 1:].sum(axis=1).tolist()
        with_words = whole[:, (values & self._words_bit) != 0].sum(axis=1).tolist()
        for segment, found in enumerate(figures):
            if found is None or not answered[segment]:
                continue
            for code, n in zip(self.option_codes, chose[segment], strict=True):
                if n:
                    add_count(found.options[self.code], code, n)
            found.respondents[self.code] = found.respondents.get(self.code, 0) + answered[segment]
            if with_words[segment]:
                found.others[self.code] = found.others.get(self.code, 0) + with_words[segment]

    def slot_condition(
        self, columns: Sequence[ColumnElement[Any]], values: Sequence[str]
    ) -> ColumnElement[bool] | None:
        bits = sum(1 << self.option_codes.index(code) for code in values)
        return columns[0].bitwise_and(bits) != 0

    def export_columns(self) -> list[Column]:
        """One 0/1 column per option ("other" as `<code>_other_chosen`), then its text."""
        columns: list[Column] = []
        for option in self.options:
            if option.code == OTHER and self.other_field:
                continue
            columns.append(
                FlagColumn(f"{self.code}_{option.code}", "flag", self.code, option.code, self)
            )
        if self.other_field:
            chosen = OtherFlagColumn(f"{self.code}_{OTHER}_chosen", "flag", self.code, OTHER, self)
            columns += [chosen, *self.other_columns()]
        return columns
