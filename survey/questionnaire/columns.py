"""The columns of the wide dataset, as the question types make them.

Each question type lists its columns (`Question.export_columns`); a column knows how its
cells are written (`add_to`, an entry in the row encoder's plan), labelled (`value_labels`,
the codebook's codes), typed in SPSS, and read back by the importer (`decode`,
`add_to_form`). The exports, the codebook and the importer only iterate columns.

`kind` is the column's type in the codebook (public): ``id``, ``language``, ``timestamp``,
``single``, ``yesno``, ``country``, ``flag``, ``rank``, ``text``, ``other_text``,
``translation``, ``contact``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import current_app
from flask_babel import _, force_locale

from survey.i18n import language_name
from survey.i18n import lazy_gettext as _l
from survey.questionnaire.answers import NOT_APPLICABLE

if TYPE_CHECKING:
    from survey.questionnaire.base import OpenField, Question

#: Cell-filling actions of the row encoder.
SET, RANK, TEXT, TRANSLATION = range(4)
#: Open answers and "other" texts are exported with their translation into each configured
#: language, in a column named after theirs with the language as suffix (q8_en, q8_ru).
TRANSLATION_LANGUAGE = "en"
#: The rank SPSS and Stata files use for "not ranked" (in SPSS a user-missing value).
SPSS_NOT_APPLICABLE = 99
#: Text in SPSS and Stata files is cut to this many bytes (SPSS's short strings, which every
#: version shows whole): one long answer would otherwise widen its variable for every row.
#: The whole text is in the CSV and XLSX files.
STAT_TEXT_BYTES = 255
CUT_MARK = "…"

#: A ranking item the respondent did not rank: the same term as on the form and dashboard.
NOT_APPLICABLE_LABEL = _l("Not ranked")
CHOSEN = _l("Chosen")
NOT_CHOSEN = _l("Not chosen")
#: The storage of a column in SPSS and Stata files.
INTEGER, STRING, TIMESTAMP = "integer", "string", "timestamp"


def short_text(text: str | None) -> str | None:
    """Text cut to STAT_TEXT_BYTES of UTF-8 (on a character boundary, ending in …)."""
    if not text:
        return None
    encoded = text.encode("utf-8")
    if len(encoded) <= STAT_TEXT_BYTES:
        return text
    room = STAT_TEXT_BYTES - len(CUT_MARK.encode("utf-8"))
    return encoded[:room].decode("utf-8", "ignore") + CUT_MARK


class CellError(ValueError):
    """A cell of an imported file that does not fit its column; the message is for the user."""


class EncodingPlan:
    """What the row encoder does with each stored answer, filled in by the columns.

    `defaults[question]`: cells set as soon as a question has any answer (0, na);
    `actions[(question, option)]`: (index, action, value) for that answer row;
    `any_option[question]`: cells that take an option code the questionnaire does not list.
    With `labels`, code cells carry labels in that language; `escape` is applied to every
    text cell and label (the CSV export's formula neutralisation).
    """

    def __init__(
        self,
        labels: str | None,
        escape: Callable[[str], str] | None,
    ):
        self.labels = labels
        self.escape = escape
        self.not_applicable = NOT_APPLICABLE
        if labels:
            with force_locale(labels):
                self.not_applicable = str(NOT_APPLICABLE_LABEL)
        self.defaults: dict[str, list[tuple[int, Any]]] = defaultdict(list)
        self.actions: dict[tuple[str, str], list[tuple[int, int, Any]]] = defaultdict(list)
        self.any_option: dict[str, list[tuple[int, int, Any]]] = defaultdict(list)

    def label(self, text: str) -> str:
        return self.escape(text) if self.escape else text


def translation_name(field: str, language: str) -> str:
    return f"{field}_{language}"


def label_languages() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


@dataclass(frozen=True)
class Column:
    """One column of the wide dataset."""

    name: str
    kind: str
    #: Question code (None for the response's own fields).
    question: str | None = None
    #: Option, item or contact part this column is about.
    option: str | None = None
    #: The question that made it (None for the response's own fields).
    owner: Question | None = field(default=None, compare=False, hash=False, repr=False)
    #: The language of a translation column (None for the others).
    language: str | None = None

    #: Free text written by people (neutralised against formula injection).
    is_text = False
    #: An answer the importer reads back (not the response's own fields or a translation).
    is_answer = True
    #: Holds the translation of the answer (question, option) rather than an answer.
    translates = False
    #: Holds a coding of an open answer (the importer restores it).
    restores_coding = False
    #: Its CSV cells are numbers (0/1, ranks; `na` for not ranked), not codes.
    numeric_cells = False

    # ------------------------------------------------------------------ writing

    def add_to(self, plan: EncodingPlan, index: int) -> None:
        """Tell the row encoder how this column's cell is filled."""

    # ------------------------------------------------------------------ labels

    def value_labels(self, language: str) -> dict[str, str]:
        """The codes this column holds and their labels in `language` ({} for free text)."""
        return {}

    def question_text(self, language: str) -> str:
        assert self.owner is not None
        with force_locale(language):
            return str(self.owner.text)

    def subject(self, language: str) -> str:
        """What the column is about in `language`: the option, item or contact part."""
        if self.owner is None or not self.option:
            return ""
        return self.owner.option_labels(language).get(self.option, "")

    def codebook_codes(self) -> list[tuple[str, str, str]]:
        """(code, English label, Russian label) rows of the codebook; one empty row if none."""
        english, russian = self.value_labels("en"), self.value_labels("ru")
        if not english:
            return [("", "", "")]
        return [(code, label, russian.get(code, label)) for code, label in english.items()]

    def codebook_value(self, code: str) -> str:
        """The number a code has in SPSS and Stata files, as codebook text ("" if none)."""
        number = self.stat_codes().get(code)
        return "" if number is None else str(number)

    def variable_label(self, language: str) -> str:
        """The SPSS and Stata variable label: what the column is about first (labels are
        cut at 255 bytes in SPSS and 80 characters in Stata), then the question."""
        text, subject = self.question_text(language), self.subject(language)
        return f"{subject} – {text}" if subject else text

    #: The column's type and its empty cells, in words (the codebook's description).
    description = _l("Free text as the respondent typed it; empty = not answered.")

    def describe(self, language: str) -> str:
        with force_locale(language):
            return str(self.description)

    def routing(self, language: str) -> str:
        return self.owner.routing(language) if self.owner is not None else ""

    # ------------------------------------------------------------------ SPSS and Stata

    #: How SPSS and Stata files store it: INTEGER (codes with value labels, 0/1, ranks;
    #: declined = system-missing), STRING or TIMESTAMP.
    stat_storage = STRING

    def stat_converter(self) -> Callable[[Any], Any]:
        """Wide cell -> the value SPSS and Stata files hold (None = system-missing)."""
        return short_text

    def stat_value_labels(self, language: str) -> dict[int, str]:
        return {}

    def stat_missing(self) -> list[int]:
        """Values declared user-missing in SPSS."""
        return []

    def stat_measure(self) -> str | None:
        return "nominal" if self.stat_storage == INTEGER else None

    def stat_codes(self) -> dict[str, int]:
        """The number standing for each code in SPSS and Stata files ({} if not coded)."""
        return {}

    # ------------------------------------------------------------------ reading back

    def decode(self, value: str, reverse: Mapping[str, str]) -> str:
        """The code of a non-empty imported cell (labels in any language accepted)."""
        return value

    def reverse_labels(self) -> dict[str, str]:
        """Every accepted spelling of a code: the code itself and its labels."""
        mapping: dict[str, str] = {}
        for language in reversed(label_languages()):
            for code, label in self.value_labels(language).items():
                mapping[label] = code
        for code in self.value_labels("en"):
            mapping[code] = code
        return mapping

    def add_to_form(self, form: Any, code: str) -> None:
        """Put a decoded cell into form-contract data, as the web form would post it."""
        form.add(self.name, code)

    def survives(self, given: str, result: str) -> bool:
        """Whether the value read is still there after the web form's validation."""
        return result == given

    def dropped_reason(self, given: str) -> str:
        assert self.owner is not None
        return self.owner.dropped_reason(self, given)

    def coding(self) -> tuple[OpenField, str]:
        """For a column that `restores_coding`: the open field and the category's code."""
        raise TypeError(f"{self.name} holds no coding")


class CodeColumn(Column):
    """One column holding the chosen code of a single-choice, yes/no or country question."""

    description = _l(
        "The code of the option chosen (labels in the rows below; a number in SPSS and Stata "
        "files); empty = not answered. Country codes are ISO 3166-1: NA is Namibia, so read "
        'the file with keep_default_na=False (pandas) or na.strings = "" (R).'
    )

    def add_to(self, plan: EncodingPlan, index: int) -> None:
        assert self.question is not None
        names = self.value_labels(plan.labels) if plan.labels else {}
        for code in self.value_labels("en"):
            plan.actions[(self.question, code)].append(
                (index, SET, plan.label(names.get(code, code)))
            )
        plan.any_option[self.question].append((index, SET, None))

    def value_labels(self, language: str) -> dict[str, str]:
        assert self.owner is not None
        return self.owner.option_labels(language)

    stat_storage = INTEGER

    def stat_codes(self) -> dict[str, int]:
        assert self.owner is not None
        return self.owner.numeric_codes()

    def stat_converter(self) -> Callable[[Any], Any]:
        return self.stat_codes().get

    def stat_value_labels(self, language: str) -> dict[int, str]:
        numbers = self.stat_codes()
        return {numbers[code]: label for code, label in self.value_labels(language).items()}

    def decode(self, value: str, reverse: Mapping[str, str]) -> str:
        code = reverse.get(value)
        if code is None:
            raise CellError(
                _(
                    "%(column)s: unknown code or label %(value)s.",
                    column=self.name,
                    value=repr(value),
                )
            )
        return code


class FlagColumn(Column):
    """One option of a multiple-choice question: 1 chosen, 0 not, empty = declined."""

    description = _l("1 = chosen, 0 = not chosen; empty = the question was not answered.")
    numeric_cells = True

    stat_storage = INTEGER

    def add_to(self, plan: EncodingPlan, index: int) -> None:
        assert self.question is not None and self.option is not None
        plan.defaults[self.question].append((index, 0))
        plan.actions[(self.question, self.option)].append((index, SET, 1))

    def value_labels(self, language: str) -> dict[str, str]:
        with force_locale(language):
            return {"1": str(CHOSEN), "0": str(NOT_CHOSEN)}

    def stat_codes(self) -> dict[str, int]:
        return {"1": 1, "0": 0}

    def stat_converter(self) -> Callable[[Any], Any]:
        return _same

    def stat_value_labels(self, language: str) -> dict[int, str]:
        return {int(code): label for code, label in self.value_labels(language).items()}

    def decode(self, value: str, reverse: Mapping[str, str]) -> str:
        if value not in ("0", "1"):
            raise CellError(
                _(
                    "%(column)s: %(value)s must be 1, 0 or empty.",
                    column=self.name,
                    value=repr(value),
                )
            )
        return value

    def add_to_form(self, form: Any, code: str) -> None:
        if code == "1":
            form.add(self.question, self.option)

    def survives(self, given: str, result: str) -> bool:
        # All options 0: the question was not answered.
        return result == given or (given == "0" and result == "")


class OtherFlagColumn(FlagColumn):
    """The "other" option of a multiple-choice question that has an "other" text."""

    def survives(self, given: str, result: str) -> bool:
        # Text in the "other" box means "other" is chosen, as on the web form, so a 0 beside
        # words in the text column comes back as 1: nothing the file says is lost.
        return super().survives(given, result) or (given == "0" and result == "1")


class RankColumn(Column):
    """One item of a ranking: the rank, `na` not ranked, empty = declined."""

    description = _l(
        "The rank given to this item (1 = first); na = not ranked, or not offered; empty = "
        "the question was not answered. In SPSS and Stata files na is 99 (user-missing in "
        "SPSS), so the variable stays numeric."
    )
    numeric_cells = True

    stat_storage = INTEGER

    @property
    def ranks(self) -> int:
        assert self.owner is not None
        return self.owner.max_rank

    def add_to(self, plan: EncodingPlan, index: int) -> None:
        assert self.question is not None and self.option is not None
        plan.defaults[self.question].append((index, plan.not_applicable))
        plan.actions[(self.question, self.option)].append((index, RANK, None))

    def value_labels(self, language: str) -> dict[str, str]:
        with force_locale(language):
            return {NOT_APPLICABLE: str(NOT_APPLICABLE_LABEL)}

    def codebook_codes(self) -> list[tuple[str, str, str]]:
        ranks = [(str(rank),) * 3 for rank in range(1, self.ranks + 1)]
        return ranks + super().codebook_codes()

    def stat_codes(self) -> dict[str, int]:
        return {NOT_APPLICABLE: SPSS_NOT_APPLICABLE}

    def stat_converter(self) -> Callable[[Any], Any]:
        def rank(cell: Any) -> Any:
            return SPSS_NOT_APPLICABLE if cell == NOT_APPLICABLE else cell

        return rank

    def stat_value_labels(self, language: str) -> dict[int, str]:
        return {SPSS_NOT_APPLICABLE: self.value_labels(language)[NOT_APPLICABLE]}

    def stat_missing(self) -> list[int]:
        return [SPSS_NOT_APPLICABLE]

    def stat_measure(self) -> str | None:
        return "ordinal"

    def decode(self, value: str, reverse: Mapping[str, str]) -> str:
        code = reverse.get(value, value)
        if code != NOT_APPLICABLE and not (code.isascii() and code.isdigit()):
            raise CellError(
                _(
                    "%(column)s: %(value)s must be a rank, na or empty.",
                    column=self.name,
                    value=repr(value),
                )
            )
        return code if code == NOT_APPLICABLE else str(int(code))


class TextColumn(Column):
    """Free text: an open answer, an "other" text, a contact detail."""

    is_text = True

    def add_to(self, plan: EncodingPlan, index: int) -> None:
        assert self.question is not None and self.option is not None
        plan.actions[(self.question, self.option)].append((index, TEXT, None))

    def survives(self, given: str, result: str) -> bool:
        return bool(result)


class OtherTextColumn(TextColumn):
    """The "other (please specify)" text of a choice question."""

    def variable_label(self, language: str) -> str:
        with force_locale(language):
            return str(
                _l("Other (please specify): %(question)s", question=self.question_text(language))
            )


class TranslationColumn(Column):
    """The translation into `language` of the open answer or "other" text before it."""

    description = _l(
        "The working group's translation of the text column before it; empty until "
        "translated (and for texts written in this language)."
    )

    is_text = True
    is_answer = False
    translates = True

    def add_to(self, plan: EncodingPlan, index: int) -> None:
        assert self.question is not None and self.option is not None
        plan.actions[(self.question, self.option)].append((index, TRANSLATION, self.language))

    def variable_label(self, language: str) -> str:
        assert self.language is not None
        with force_locale(language):
            return str(
                _l(
                    "Translation into %(language)s: %(question)s",
                    language=language_name(self.language),
                    question=self.question_text(language),
                )
            )


def translation_columns(owner: Question, field_name: str, option: str) -> list[Column]:
    """The translation columns of an open field, one per configured language (q8_en, q8_ru)."""
    return [
        TranslationColumn(
            translation_name(field_name, language),
            "translation",
            owner.code,
            option,
            owner,
            language,
        )
        for language in label_languages()
    ]


META_DESCRIPTIONS = {
    "response_id": _l("Response identifier (kept across exports and imports)"),
    "language": _l("Language the respondent answered in"),
    "started_at": _l("When the respondent started (UTC)"),
    "submitted_at": _l("When the respondent submitted (UTC)"),
    "status": _l("Whether the response counts: submitted, or excluded by the working group"),
}
#: The status column's codes (exported with `include_excluded` only).
STATUS_LABELS = {"submitted": _l("Submitted"), "excluded": _l("Excluded")}


class MetaColumn(Column):
    """The response's own fields: its id, language and times (filled by the encoder)."""

    description = _l(
        "Always filled; times are UTC, ISO 8601 (dates and times in SPSS, Stata, XLSX)."
    )

    is_answer = False

    def question_text(self, language: str) -> str:
        with force_locale(language):
            return str(META_DESCRIPTIONS[self.name])

    def value_labels(self, language: str) -> dict[str, str]:
        if self.kind == "status":
            with force_locale(language):
                return {code: str(label) for code, label in STATUS_LABELS.items()}
        if self.kind != "language":
            return {}
        return {code: language_name(code) for code in label_languages()}

    @property
    def stat_storage(self) -> str:  # type: ignore[override]
        kinds = {"language": INTEGER, "status": INTEGER, "timestamp": TIMESTAMP}
        return kinds.get(self.kind, STRING)

    def stat_codes(self) -> dict[str, int]:
        if self.kind == "status":
            return {code: number for number, code in enumerate(STATUS_LABELS, start=1)}
        if self.kind != "language":
            return {}
        return {code: number for number, code in enumerate(label_languages(), start=1)}

    def stat_converter(self) -> Callable[[Any], Any]:
        if self.kind in ("language", "status"):
            return self.stat_codes().get
        if self.kind == "timestamp":
            return _timestamp
        return _same

    def stat_value_labels(self, language: str) -> dict[int, str]:
        numbers = self.stat_codes()
        return {numbers[code]: label for code, label in self.value_labels(language).items()}


def _same(cell: Any) -> Any:
    return cell


def _timestamp(cell: Any) -> datetime | None:
    """An exported time (2026-11-24T12:00:00Z) as a naive UTC datetime (SPSS has no zones)."""
    if not cell:
        return None
    return datetime.strptime(cell, "%Y-%m-%dT%H:%M:%SZ")


def meta_columns() -> tuple[Column, ...]:
    return (
        MetaColumn("response_id", "id"),
        MetaColumn("language", "language"),
        MetaColumn("started_at", "timestamp"),
        MetaColumn("submitted_at", "timestamp"),
    )


#: After `submitted_at` when excluded responses are exported too (`include_excluded`).
STATUS_COLUMN = MetaColumn("status", "status")


def encoding_plan(
    columns: Iterable[Column], labels: str | None, escape: Callable[[str], str] | None
) -> EncodingPlan:
    plan = EncodingPlan(labels, escape)
    for index, column in enumerate(columns):
        column.add_to(plan, index)
    plan.defaults = dict(plan.defaults)
    plan.actions = dict(plan.actions)
    plan.any_option = dict(plan.any_option)
    return plan
