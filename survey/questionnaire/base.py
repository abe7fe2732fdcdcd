"""The base of every question type: what a question is, and what each type must say.

A question type owns everything about itself, on the way in and on the way out:

- in: its form fields, validation into long-form rows, rows back into form values, what
  stays valid when an earlier answer changes;
- out: the figures it needs counted and its entry of the results (`result_entry`), how a
  filter on it selects respondents (`filter_condition`), what it can be (a filter, a
  comparison segment, tested in a chi-square), its labels, its columns of the wide dataset
  (`export_columns`), its OpenAPI description, and the macros that show it.

Nothing outside this package decides by a question's type: it asks the question.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy
from flask_babel import _, force_locale
from sqlalchemy import ColumnElement, FromClause
from sqlalchemy import Table as SqlTable

from survey.questionnaire.answers import AnswerRow, FormData, Known, Parsed, StoredAnswer
from survey.questionnaire.figures import OPTION, Figures, Slot

if TYPE_CHECKING:
    from survey.questionnaire.columns import Column


@dataclass(frozen=True)
class Option:
    """One option of a question: its code and its label (results, exports, rankings).

    `form_label`, when given, is what the form says instead: "Other (please specify)" asks
    for words, but the answer is "Other" everywhere else."""

    code: str
    label: str
    form_label: str | None = None

    @property
    def on_form(self) -> str:
        return self.form_label or self.label


@dataclass(frozen=True)
class Condition:
    """A follow-up is asked only when `question` was answered with `option`."""

    question: str
    option: str

    def is_met(self, known: Known) -> bool:
        return any(row.option == self.option for row in known.get(self.question, ()))


@dataclass(frozen=True)
class OpenField:
    """Free text the working group reads, translates and codes: a form field and where its
    text is stored (question, option): `q8` is (q8, ""), `q6_other` is (q6, "other")."""

    field: str
    question: str
    option: str

    @property
    def is_other(self) -> bool:
        return self.option != ""


@dataclass(frozen=True)
class Table:
    """A question's figures as rows of cells (numbers stay numbers), for CSV downloads and
    the report. `kinds` says how each column reads: "text", "count", "percent" (one
    decimal) or "mean" (two decimals)."""

    header: list[str]
    rows: list[list[Any]]
    kinds: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ShownAnswer:
    """One question's answer on a response's page, ready for its macro."""

    macro: str
    values: list[Any]


# Hashing a question would translate its lazy text (eq=False keeps identity semantics).
@dataclass(frozen=True, kw_only=True, eq=False)
class Question:
    code: str
    text: str
    hint: str | None = None
    condition: Condition | None = None
    #: A few words that name it where the whole question is too long: the dashboard's and
    #: the report's contents, a comparison's column headings ("Association member: Yes").
    short: str | None = None

    #: The type's name in the results API, the OpenAPI document and the codebook.
    type: ClassVar[str]
    #: Macros that show it: on the respondent's page (respondent/_questions.html), in the
    #: results and in a comparison (results/_macros.html), on a response's page
    #: (results/_answer_macros.html).
    form_macro: ClassVar[str]
    result_macro: ClassVar[str]
    comparison_macro: ClassVar[str]
    answer_macro: ClassVar[str] = "text_answer"
    #: ?code=option selects respondents.
    filterable: ClassVar[bool] = False
    #: ?compare=code: respondents' answer to it (one option) is their segment.
    segmentable: ClassVar[bool] = False
    #: ?compare=code.option: whether respondents who answered it chose that option (of
    #: several they could choose) is their segment.
    option_segmentable: ClassVar[bool] = False
    #: Compared by it, segments smaller than a threshold are grouped into one (countries).
    groups_small_segments: ClassVar[bool] = False
    #: Summarised on the report's title page beside the languages (where respondents are).
    on_report_title: ClassVar[bool] = False
    #: Tested against the segments with a chi-square test of independence.
    tested: ClassVar[bool] = False
    #: Each of its options tested against the segments (chose it or not: a chi-square test).
    option_tested: ClassVar[bool] = False
    #: Each of its items' ranks tested against the segments (Mann-Whitney U, Kruskal-Wallis).
    rank_tested: ClassVar[bool] = False
    #: Personal data: never shown or exported unless an authorised user asks.
    personal: ClassVar[bool] = False
    #: Its chosen options are cells of the live counters (filters they can serve).
    is_cell: ClassVar[bool] = False
    #: Asked of respondents (on a page); False for questions derived from the answers to
    #: others, such as an open question's coded categories.
    asked: ClassVar[bool] = True
    #: Compared side by side, its options are listed most respondents first.
    rows_by_count: ClassVar[bool] = False
    #: The heading of its answers' column on the dashboard.
    answer_heading: ClassVar[Any] = None
    #: Answered with codes (options, countries, ranks) that mean the same in every language:
    #: two responses with the same codes throughout may be one person answering twice.
    answered_with_codes: ClassVar[bool] = False
    #: Its section of the published report (results/report/_sections.html; "" for none) and
    #: its chart (results/_charts.html; "" for none).
    report_macro: ClassVar[str] = ""
    chart_macro: ClassVar[str] = ""

    # ------------------------------------------------------------------ the form

    def field_names(self, known: Known | None = None) -> list[str]:
        return [self.code]

    def numbered_as(self) -> str | None:
        """The question whose number it shares (None: a number of its own, or a letter after
        the question that opens it)."""
        return None

    def identifying_options(self) -> tuple[str, ...]:
        """Options whose text identifies a person (an e-mail address): two responses giving
        the same are possible duplicates. Only compared, never shown."""
        return ()

    def is_asked(self, known: Known) -> bool:
        return self.condition is None or self.condition.is_met(known)

    def parse(self, form: FormData, known: Known) -> Parsed:
        if not self.is_asked(known):
            return Parsed()
        return self.parse_asked(form, known)

    def parse_asked(self, form: FormData, known: Known) -> Parsed:
        raise NotImplementedError

    def to_form(self, rows: Sequence[AnswerRow]) -> dict[str, list[str]]:
        raise NotImplementedError

    def reconcile(self, rows: Sequence[AnswerRow], known: Known) -> list[AnswerRow]:
        """Stored rows still valid after an earlier answer changed (e.g. q6 for q7)."""
        return list(rows) if self.is_asked(known) else []

    # ------------------------------------------------------------------ labels

    @property
    def short_label(self) -> str:
        """Its short name, or its text when it has none."""
        return str(self.short or self.text)

    def option_labels(self, language: str) -> dict[str, str]:
        """Its option codes and their labels in `language` (empty for free text)."""
        return {}

    def option_label(self, code: str, language: str) -> str:
        return self.option_labels(language).get(code, code)

    def routing(self, language: str) -> str:
        """When it is asked, in words, for the codebook ("" when always)."""
        if self.condition is None:
            return ""
        with force_locale(language):
            return _(
                "Asked only when %(question)s = %(option)s.",
                question=self.condition.question,
                option=self.condition.option,
            )

    def numeric_codes(self) -> dict[str, int]:
        """The number of each option in SPSS and Stata files: 1, 2, … in the options' order."""
        return {code: number for number, code in enumerate(self.option_labels("en"), start=1)}

    def coded_field(self) -> str | None:
        """The open field whose coded categories this question is (None for most)."""
        return None

    def open_fields(self) -> tuple[OpenField, ...]:
        """The free-text fields of its answers that the working group reads and codes."""
        return ()

    # ------------------------------------------------------------------ counting

    @property
    def counted(self) -> frozenset[str]:
        """The figures its results need (survey.questionnaire.figures)."""
        return frozenset({OPTION})

    @property
    def max_rank(self) -> int:
        """The highest rank it can be given (0 for questions that are not ranked)."""
        return 0

    def answered(self, figures: Figures) -> int:
        """Respondents who answered: here one answer row each."""
        return sum(figures.options.get(self.code, {}).values())

    def base(self, figures: Figures, answered: Mapping[str, int]) -> int:
        """Respondents it was asked of: everyone, or those who met its condition."""
        if self.condition is None:
            return figures.total
        return figures.option_count(self.condition.question, self.condition.option)

    def eligibility(self) -> dict[str, Any]:
        """The results' `condition`: the answer that makes a respondent eligible."""
        if self.condition is None:
            return {}
        return {"condition": {"question": self.condition.question, "option": self.condition.option}}

    def result_entry(self, figures: Figures, answered: int, language: str) -> dict[str, Any]:
        """What the results add for this type beyond answered, declined and base."""
        return {}

    def result_schema(self) -> dict[str, Any]:
        """The JSON schema of what `result_entry` adds (OpenAPI)."""
        return {}

    # ------------------------------------------------------------------ one row per response

    def slots(self) -> tuple[Slot, ...]:
        """The whole numbers its answer is summed up in, in the results' table of one row per
        response (`survey.aggregation.by_response`); none for a question that table does not
        count (a coded question's figures come from the codings)."""
        return ()

    def slot_values(self, rows: Sequence[AnswerRow]) -> tuple[int, ...] | None:
        """One response's answer rows to this question as the values of its slots; None when
        they do not fit (an option that is not in the questionnaire any more)."""
        return ()

    def add_slot_count(self, slot: int, value: int, count: int, figures: Figures) -> None:
        """Add `count` respondents whose slot number `slot` holds `value` to the figures: the
        same figures as counting their answer rows (`counted`)."""

    def add_slot_counts(
        self, slot: int, counts: numpy.ndarray, figures: Sequence[Figures | None]
    ) -> None:
        """Every segment's `add_slot_count` at once: `counts[s, value]` respondents of
        segment `s` hold `value` in slot number `slot`, and `figures[s]` are that segment's
        figures (None: in no segment). A type whose slot takes many values adds them up
        with numpy instead (a comparison by country has 125,000 non-zero counts)."""
        for segment, value in zip(*numpy.nonzero(counts), strict=True):
            if (found := figures[segment]) is not None:
                self.add_slot_count(slot, int(value), int(counts[segment, value]), found)

    def slot_condition(
        self, columns: Sequence[ColumnElement[Any]], values: Sequence[str]
    ) -> ColumnElement[bool] | None:
        """The filter ?code=values as a condition on its slot columns (None: the filter is
        applied to the answers instead, `filter_condition`)."""
        return None

    def slot_segment(self, value: int) -> str | None:
        """The comparison segment (option code) of a respondent whose first slot holds
        `value`; None for no answer (in no segment)."""
        return None

    # ------------------------------------------------------------------ filters, segments

    def filter_values(self) -> tuple[str, ...]:
        """The values ?code= accepts, in the order filters list them."""
        return tuple(self.option_labels("en"))

    def filter_condition(
        self, answers: FromClause, values: Sequence[str]
    ) -> list[ColumnElement[bool]]:
        """Conditions on an `answers` row of a respondent whom ?code=values selects."""
        return [answers.c.question == self.code, answers.c.option.in_(values)]

    def filter_schema(self) -> tuple[dict[str, Any], str]:
        """The OpenAPI schema of one filter value, and what a value means."""
        return {"type": "string", "enum": list(self.filter_values())}, f"{self.type} choice"

    def segments(self, figures: Mapping[str, Figures], language: str) -> list[tuple[str, str]]:
        """(value, label) of the segments compared by this question, in display order."""
        labels = self.option_labels(language)
        found = [(code, label) for code, label in labels.items()]
        return found + [(code, code) for code in sorted(set(figures) - set(labels))]

    def filter_choices(self, entry: Mapping[str, Any], language: str) -> dict[str, Any] | None:
        """The dashboard's filter select for it (None: not offered in the form)."""
        return None

    def option_segment(
        self, answers: SqlTable, response_id: ColumnElement[Any], option: str
    ) -> tuple[ColumnElement[Any], list[ColumnElement[bool]]]:
        """For ?compare=code.option: each response's segment ("yes" it chose the option,
        "no" it did not) and the conditions on those in a segment (they answered)."""
        raise NotImplementedError

    def option_segments(self, option: str, language: str) -> list[tuple[str, str]]:
        """(value, label) of the segments of ?compare=code.option, in display order."""
        raise NotImplementedError

    def grouped_segments_label(self) -> str:
        """The name of the segment that groups the smallest ones ("Other countries")."""
        return str(_("Others"))

    def result_table(self, entry: Mapping[str, Any]) -> Table | None:
        """Its entry of the results as a table (a CSV download); None when it has none."""
        return None

    def comparison_table(self, segments: Sequence[Mapping[str, Any]]) -> Table | None:
        """Its entries in the segments side by side as a table; None when it has none."""
        return None

    @property
    def sort_parameter(self) -> str | None:
        """The dashboard's query argument that sorts its table, if it has one."""
        return None

    # ------------------------------------------------------------------ the dataset

    def export_columns(self) -> list[Column]:
        """Its columns of the wide dataset, in the order the export writes them."""
        raise NotImplementedError

    def dropped_reason(self, column: Column, given: str) -> str:
        """Why the web form would not keep an imported value of `column`."""
        if self.condition is not None:
            return _(
                "%(column)s is answered, but it is asked only when %(question)s = %(option)s.",
                column=column.name,
                question=self.condition.question,
                option=self.condition.option,
            )
        return _(
            "%(column)s: the value %(value)s does not fit the other answers.",
            column=column.name,
            value=repr(given),
        )

    # ------------------------------------------------------------------ one response

    def no_answer_note(self, known: Known) -> str | None:
        """What a response's page says when it has no answer to this question (None: the
        question is left off the page)."""
        if self.is_asked(known):
            return str(_("No answer (declined)."))
        return str(_("Not asked (follow-up did not apply)."))

    def shown_answer(
        self, rows: Sequence[StoredAnswer], translations: Mapping[int, str], language: str
    ) -> ShownAnswer:
        """Its answer on a response's page (`translations` by answer id, into `language`)."""
        return ShownAnswer(self.answer_macro, [])
