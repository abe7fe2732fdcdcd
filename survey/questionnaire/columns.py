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
#: Open answers and "other" texts are exported with their translation into this language,
#: in a column named after theirs with this suffix (q8_en, q6_other_en).
TRANSLATION_LANGUAGE = "en"
TRANSLATION_SUFFIX = "_en"
#: The rank SPSS files use for "not ranked", declared a user-missing value.
SPSS_NOT_APPLICABLE = 99

#: A ranking item the respondent did not rank: the same term as on the form and dashboard.
NOT_APPLICABLE_LABEL = _l("Not ranked")
CHOSEN = _l("Chosen")
NOT_CHOSEN = _l("Not chosen")


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

    def __init__(self, labels: str | None, escape: Callable[[str], str] | None):
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


def translation_name(field: str) -> str:
    return field + TRANSLATION_SUFFIX


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

    #: Free text written by people (neutralised against formula injection).
    is_text = False
    #: An answer the importer reads back (not the response's own fields or a translation).
    is_answer = True
    #: Holds the translation of the answer (question, option) rather than an answer.
    translates = False
    #: Holds a coding of an open answer (the importer restores it).
    restores_coding = False
    #: Numeric in SPSS.
    spss_numeric = False

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

    def variable_label(self, language: str) -> str:
        """The SPSS variable label: the question, and what the column is about."""
        text, subject = self.question_text(language), self.subject(language)
        return f"{text} – {subject}" if subject else text

    # ------------------------------------------------------------------ SPSS

    def spss_cell(self, cell: Any) -> Any:
        return "" if cell is None else cell

    def spss_value_labels(self, language: str) -> dict[Any, str]:
        return self.value_labels(language)

    def spss_missing(self) -> list[Any]:
        return []

    def spss_measure(self) -> str | None:
        return "nominal" if self.value_labels("en") else None

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

    spss_numeric = True

    def add_to(self, plan: EncodingPlan, index: int) -> None:
        assert self.question is not None and self.option is not None
        plan.defaults[self.question].append((index, 0))
        plan.actions[(self.question, self.option)].append((index, SET, 1))

    def value_labels(self, language: str) -> dict[str, str]:
        with force_locale(language):
            return {"1": str(CHOSEN), "0": str(NOT_CHOSEN)}

    def spss_cell(self, cell: Any) -> Any:
        return float("nan") if cell is None else float(cell)

    def spss_value_labels(self, language: str) -> dict[Any, str]:
        return {float(code): label for code, label in self.value_labels(language).items()}

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

    spss_numeric = True

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

    def spss_cell(self, cell: Any) -> Any:
        if cell is None:
            return float("nan")
        return float(SPSS_NOT_APPLICABLE if cell == NOT_APPLICABLE else cell)

    def spss_value_labels(self, language: str) -> dict[Any, str]:
        return {float(SPSS_NOT_APPLICABLE): self.value_labels(language)[NOT_APPLICABLE]}

    def spss_missing(self) -> list[Any]:
        return [SPSS_NOT_APPLICABLE]

    def spss_measure(self) -> str | None:
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
                _l("%(question)s [other, please specify]", question=self.question_text(language))
            )


class TranslationColumn(Column):
    """The English translation of the open answer or "other" text before it."""

    is_text = True
    is_answer = False
    translates = True

    def add_to(self, plan: EncodingPlan, index: int) -> None:
        assert self.question is not None and self.option is not None
        plan.actions[(self.question, self.option)].append((index, TRANSLATION, None))

    def variable_label(self, language: str) -> str:
        with force_locale(language):
            return str(
                _l("%(question)s [English translation]", question=self.question_text(language))
            )


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
