"""The questionnaire, defined once as data.

Each question type knows its form fields (the form contract: field names are question
codes), how to validate a submitted form into long-form answer rows, and how to turn stored
rows back into form values. The respondent pages, the importer, the aggregation and the
exports all read the definitions below.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, NamedTuple, Protocol

from email_validator import EmailNotValidError, validate_email
from flask_babel import _, ngettext

from survey.i18n import country_codes
from survey.i18n import lazy_gettext as _l

SHORT_TEXT_LIMIT = 300
LONG_TEXT_LIMIT = 5000
EMAIL_LIMIT = 254
NOT_APPLICABLE = "na"

# Control characters other than tab and newline have no place in an answer; PostgreSQL
# cannot even store NUL, so both databases reject them the same way here.
_FORBIDDEN_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class FormData(Protocol):
    def getlist(self, key: str) -> list[str]: ...


class AnswerRow(NamedTuple):
    """One stored answer cell: the long form shared by the database, imports and exports."""

    question: str
    option: str = ""
    rank: int | None = None
    text: str | None = None


Known = Mapping[str, Sequence[AnswerRow]]


@dataclass(frozen=True)
class Option:
    code: str
    label: str


@dataclass(frozen=True)
class Condition:
    """A follow-up is asked only when `question` was answered with `option`."""

    question: str
    option: str

    def is_met(self, known: Known) -> bool:
        return any(row.option == self.option for row in known.get(self.question, ()))


@dataclass
class Parsed:
    rows: list[AnswerRow] = field(default_factory=list)
    error: str | None = None


def clean_text(raw: str, limit: int) -> tuple[str, str | None]:
    """Normalise line endings and surrounding space; report forbidden characters and length."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").strip()
    if _FORBIDDEN_CHARACTERS.search(text):
        return text, _("This answer contains characters that cannot be stored. Please retype it.")
    if len(text) > limit:
        return text, ngettext(
            "Please shorten this answer to %(num)d character or fewer (it has %(length)d).",
            "Please shorten this answer to %(num)d characters or fewer (it has %(length)d).",
            limit,
            length=len(text),
        )
    return text, None


def single_value(form: FormData, name: str) -> tuple[str | None, str | None]:
    """The one value of a single-valued field; several values are bad input, not "first wins"."""
    values = [value for value in form.getlist(name) if value != ""]
    if len(values) > 1:
        return None, _("Please give only one answer to this question.")
    return (values[0] if values else None), None


@dataclass(frozen=True, kw_only=True)
class Question:
    code: str
    text: str
    hint: str | None = None
    condition: Condition | None = None

    type: ClassVar[str]
    template: ClassVar[str]

    def field_names(self, known: Known | None = None) -> list[str]:
        return [self.code]

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


@dataclass(frozen=True, kw_only=True)
class TextQuestion(Question):
    limit: int = LONG_TEXT_LIMIT
    type: ClassVar[str] = "text"
    template: ClassVar[str] = "long_text"

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


@dataclass(frozen=True, kw_only=True)
class ShortTextQuestion(TextQuestion):
    limit: int = SHORT_TEXT_LIMIT
    template: ClassVar[str] = "short_text"


@dataclass(frozen=True, kw_only=True)
class ChoiceQuestion(Question):
    options: tuple[Option, ...]
    #: Field that holds the text of the "other" option, when the question has one.
    other_field: str | None = None

    @property
    def option_codes(self) -> tuple[str, ...]:
        return tuple(option.code for option in self.options)

    def field_names(self, known: Known | None = None) -> list[str]:
        return [self.code] + ([self.other_field] if self.other_field else [])

    def _other_text(self, form: FormData) -> Parsed:
        """The "other" specification; allowed to be empty (the choice is still stored)."""
        raw, error = single_value(form, self.other_field or "")
        if error or raw is None:
            return Parsed(error=error)
        text, error = clean_text(raw, SHORT_TEXT_LIMIT)
        return Parsed(rows=[AnswerRow(self.code, "other", text=text or None)], error=error)

    def _option_row(self, code: str, form: FormData) -> Parsed:
        if code == "other" and self.other_field:
            parsed = self._other_text(form)
            return parsed if parsed.rows or parsed.error else Parsed([AnswerRow(self.code, code)])
        return Parsed([AnswerRow(self.code, code)])

    def to_form(self, rows: Sequence[AnswerRow]) -> dict[str, list[str]]:
        values = {self.code: [row.option for row in rows]}
        if self.other_field:
            values[self.other_field] = [row.text for row in rows if row.text]
        return values


@dataclass(frozen=True, kw_only=True)
class SingleChoiceQuestion(ChoiceQuestion):
    type: ClassVar[str] = "single"
    template: ClassVar[str] = "single_choice"

    def parse_asked(self, form: FormData, known: Known) -> Parsed:
        value, error = single_value(form, self.code)
        if error or value is None:
            # Text typed into "other" without choosing it is dropped, as the contract says.
            return Parsed(error=error)
        if value not in self.option_codes:
            return Parsed(error=_("Please choose one of the options listed."))
        return self._option_row(value, form)


@dataclass(frozen=True, kw_only=True)
class YesNoQuestion(SingleChoiceQuestion):
    type: ClassVar[str] = "yesno"
    template: ClassVar[str] = "yes_no"
    options: tuple[Option, ...] = (Option("yes", _l("Yes")), Option("no", _l("No")))


@dataclass(frozen=True, kw_only=True)
class CountryQuestion(Question):
    type: ClassVar[str] = "country"
    template: ClassVar[str] = "country"

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


@dataclass(frozen=True, kw_only=True)
class MultipleChoiceQuestion(ChoiceQuestion):
    type: ClassVar[str] = "multiple"
    template: ClassVar[str] = "multiple_choice"

    def parse_asked(self, form: FormData, known: Known) -> Parsed:
        chosen = [value for value in form.getlist(self.code) if value != ""]
        if any(value not in self.option_codes for value in chosen):
            return Parsed(error=_("Please choose from the options listed."))
        result = Parsed()
        for code in self.option_codes:
            if code in chosen:
                parsed = self._option_row(code, form)
                result.rows += parsed.rows
                result.error = result.error or parsed.error
        return result


@dataclass(frozen=True, kw_only=True)
class RankingQuestion(Question):
    """Rank any subset of items 1..k without gaps; items left unranked are not applicable.

    With `source`, only the options chosen in that multiple-choice question are offered.
    """

    items: tuple[Option, ...]
    source: str | None = None
    type: ClassVar[str] = "ranking"
    template: ClassVar[str] = "ranking"

    @property
    def item_codes(self) -> tuple[str, ...]:
        return tuple(item.code for item in self.items)

    def field_name(self, item: str) -> str:
        return f"{self.code}_{item}"

    def offered_items(self, known: Known) -> list[Option]:
        """Items to rank, with "other" labelled by the respondent's own words when given."""
        if self.source is None:
            return list(self.items)
        chosen = {row.option: row.text for row in known.get(self.source, ())}
        return [
            Option(item.code, chosen[item.code] or item.label)
            for item in self.items
            if item.code in chosen
        ]

    def field_names(self, known: Known | None = None) -> list[str]:
        items = self.items if known is None else self.offered_items(known)
        return [self.field_name(item.code) for item in items]

    def is_asked(self, known: Known) -> bool:
        return super().is_asked(known) and bool(self.offered_items(known))

    def parse_asked(self, form: FormData, known: Known) -> Parsed:
        offered = [item.code for item in self.offered_items(known)]
        allowed = {NOT_APPLICABLE} | {str(rank) for rank in range(1, len(offered) + 1)}
        ranks: dict[str, int | None] = {}
        for item in offered:
            value, error = single_value(form, self.field_name(item))
            if error:
                return Parsed(error=error)
            if value is None:
                continue
            if value not in allowed:
                return Parsed(error=_("Please choose a rank from the list for every item."))
            ranks[item] = None if value == NOT_APPLICABLE else int(value)
        if not ranks:
            return Parsed()
        error = self.rank_error([rank for rank in ranks.values() if rank is not None])
        if error:
            return Parsed(error=error)
        return Parsed([AnswerRow(self.code, item, rank=ranks.get(item)) for item in offered])

    @staticmethod
    def rank_error(given: list[int]) -> str | None:
        duplicates = sorted({rank for rank in given if given.count(rank) > 1})
        if duplicates:
            return ngettext(
                "Each rank can be given to one item only: rank %(ranks)s is used more than once.",
                "Each rank can be given to one item only: ranks %(ranks)s are used more than once.",
                len(duplicates),
                ranks=", ".join(map(str, duplicates)),
            )
        missing = [rank for rank in range(1, len(given) + 1) if rank not in given]
        if missing:
            return ngettext(
                "Ranks must run 1, 2, 3… without gaps: rank %(ranks)s is missing.",
                "Ranks must run 1, 2, 3… without gaps: ranks %(ranks)s are missing.",
                len(missing),
                ranks=", ".join(map(str, missing)),
            )
        return None

    def to_form(self, rows: Sequence[AnswerRow]) -> dict[str, list[str]]:
        return {
            self.field_name(row.option): [NOT_APPLICABLE if row.rank is None else str(row.rank)]
            for row in rows
        }

    def reconcile(self, rows: Sequence[AnswerRow], known: Known) -> list[AnswerRow]:
        """Drop items no longer offered and close the gaps they leave, keeping the order."""
        if not self.is_asked(known):
            return []
        offered = {item.code for item in self.offered_items(known)}
        kept = [row for row in rows if row.option in offered]
        ranked = sorted((row for row in kept if row.rank is not None), key=lambda row: row.rank)
        new_rank = {row.option: position for position, row in enumerate(ranked, start=1)}
        present = {row.option for row in kept}
        if not kept:
            return []
        renumbered = [row._replace(rank=new_rank.get(row.option)) for row in kept]
        renumbered += [AnswerRow(self.code, code) for code in sorted(offered - present)]
        return renumbered


@dataclass(frozen=True, kw_only=True)
class ContactQuestion(Question):
    """Personal data: never shown or exported unless an authorised user asks."""

    parts: tuple[Option, ...]
    type: ClassVar[str] = "contact"
    template: ClassVar[str] = "contact"
    personal: ClassVar[bool] = True

    def field_name(self, part: str) -> str:
        return f"{self.code}_{part}"

    def field_names(self, known: Known | None = None) -> list[str]:
        return [self.field_name(part.code) for part in self.parts]

    def parse_asked(self, form: FormData, known: Known) -> Parsed:
        result = Parsed()
        for part in self.parts:
            raw, error = single_value(form, self.field_name(part.code))
            text, error = clean_text(raw or "", EMAIL_LIMIT) if not error else ("", error)
            if not error and text and part.code == "email":
                text, error = _checked_email(text)
            result.error = result.error or error
            if text and not error:
                result.rows.append(AnswerRow(self.code, part.code, text=text))
        return Parsed(error=result.error) if result.error else result

    def to_form(self, rows: Sequence[AnswerRow]) -> dict[str, list[str]]:
        return {self.field_name(row.option): [row.text or ""] for row in rows}


def _checked_email(text: str) -> tuple[str, str | None]:
    try:
        return validate_email(text, check_deliverability=False).normalized, None
    except EmailNotValidError:
        return text, _("Please enter a valid e-mail address, such as name@example.org.")


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    questions: tuple[str, ...]


PARTNER_TYPES = (
    Option("libraries", _l("Other libraries")),
    Option("government", _l("Government agencies")),
    Option("business", _l("Commercial organisations / businesses")),
    Option("nonprofit", _l("Non-profit organisations")),
    Option("associations", _l("Local, regional or international library associations")),
    Option("other", _l("Other (please specify)")),
)

QUESTIONS: tuple[Question, ...] = (
    SingleChoiceQuestion(
        code="q1",
        text=_l("Please mark the type of library you represent."),
        options=(
            Option("association", _l("Professional union / association")),
            Option("public", _l("Public / community library")),
            Option("national", _l("National library")),
            Option("academic", _l("Academic library")),
            Option("school", _l("School library")),
            Option("other", _l("Other (please specify)")),
        ),
        other_field="q1_other",
    ),
    YesNoQuestion(code="q2", text=_l("Are you a member of a library association?")),
    ShortTextQuestion(
        code="q2_role",
        text=_l("If yes, what is your role in the association?"),
        hint=_l("For example: member, committee member, board member, president."),
        condition=Condition("q2", "yes"),
    ),
    CountryQuestion(code="q3", text=_l("In which country is your library?")),
    SingleChoiceQuestion(
        code="q4",
        text=_l("How many people does your library serve?"),
        options=(
            Option("lt5k", _l("0 – 4,999")),
            Option("5k", _l("5,000 – 24,999")),
            Option("25k", _l("25,000 – 49,999")),
            Option("50k", _l("50,000 – 99,999")),
            Option("100k", _l("100,000 or more")),
            Option("na", _l("Not applicable")),
        ),
    ),
    YesNoQuestion(
        code="q5", text=_l("Does your library organisation have a budget for advocacy efforts?")
    ),
    ShortTextQuestion(
        code="q5_budget",
        text=_l("If so, please give the approximate annual budget allocation for advocacy."),
        hint=_l("An approximate amount with its currency, for example 5,000 EUR."),
        condition=Condition("q5", "yes"),
    ),
    MultipleChoiceQuestion(
        code="q6",
        text=_l(
            "What types of organisations has your library partnered with for advocacy? "
            "Please select all that apply."
        ),
        options=PARTNER_TYPES,
        other_field="q6_other",
    ),
    RankingQuestion(
        code="q7",
        text=_l(
            "Of the organisations that your library partners with, please rank them in order "
            "of who makes the best partners for your advocacy efforts, #1 being the best partner."
        ),
        items=PARTNER_TYPES,
        source="q6",
    ),
    TextQuestion(
        code="q8",
        text=_l(
            "Please give an example of a successful partnership and mention the advocacy "
            "programmes or policies you implemented."
        ),
    ),
    TextQuestion(
        code="q9",
        text=_l(
            "During your experiences partnering on advocacy efforts, please describe any "
            "challenges you have encountered, whether you were able to resolve them, and if "
            "so how."
        ),
    ),
    TextQuestion(
        code="q10",
        text=_l(
            "Please mention important achievements or benefits you realised through your "
            "partnership."
        ),
    ),
    TextQuestion(
        code="q11",
        text=_l(
            "Please describe the work you and your advocacy partner(s) are engaged in. If you "
            "have created advocacy tools, resources or materials, please include links to them "
            "or contact information for accessing them."
        ),
    ),
    YesNoQuestion(
        code="q12",
        text=_l(
            "Do you have support within your library organisation to pursue collaborative "
            "partnerships toward advocacy?"
        ),
    ),
    TextQuestion(
        code="q13", text=_l("How does this support (or lack of support) impact your work?")
    ),
    RankingQuestion(
        code="q14",
        text=_l(
            "Beyond your existing partnerships, please rank which community stakeholders you "
            "would like to partner with on advocacy efforts, #1 being the best potential partner."
        ),
        items=(
            Option("libraries", _l("Other libraries")),
            Option("government", _l("Government agencies")),
            Option("business", _l("Business")),
            Option("nonprofit", _l("Non-governmental organisations (NGOs)")),
            Option("associations", _l("Library associations")),
            Option("other", _l("Others")),
        ),
    ),
    TextQuestion(
        code="q15", text=_l("What would you want this collaboration or partnership to accomplish?")
    ),
    MultipleChoiceQuestion(
        code="q16",
        text=_l(
            "What steps, tools and/or resources would you take to pursue a new collaboration "
            "for advocacy efforts?"
        ),
        hint=_l("Select all that apply."),
        options=(
            Option("meetings", _l("Face-to-face persuasive meetings")),
            Option("focus_groups", _l("Focus group discussions")),
            Option("mou", _l("Partnership agreement (memorandum of understanding, MOU)")),
            Option("statements", _l("Public statements")),
            Option("other", _l("Other (please specify)")),
        ),
        other_field="q16_other",
    ),
    ContactQuestion(
        code="q17",
        text=_l(
            "If you would like to take part in further collaboration, please leave your "
            "contact details."
        ),
        hint=_l(
            "Used only by the working group to contact you; never published or shared with "
            "your answers."
        ),
        parts=(
            Option("name", _l("Name")),
            Option("organization", _l("Organisation")),
            Option("email", _l("E-mail")),
        ),
    ),
)

QUESTIONS_BY_CODE: dict[str, Question] = {question.code: question for question in QUESTIONS}

PAGES: tuple[Page, ...] = (
    Page("library", _l("You and your library"), ("q1", "q2", "q2_role", "q3", "q4")),
    Page("partners", _l("Budget and partners"), ("q5", "q5_budget", "q6")),
    Page("best-partners", _l("Your best partners"), ("q7",)),
    Page("experience", _l("Your experience"), ("q8", "q9", "q10", "q11")),
    Page("support", _l("Support and future partners"), ("q12", "q13", "q14")),
    Page("next-steps", _l("Next steps"), ("q15", "q16", "q17")),
)


def question(code: str) -> Question:
    return QUESTIONS_BY_CODE[code]


def page_questions(page: Page) -> list[Question]:
    return [QUESTIONS_BY_CODE[code] for code in page.questions]


def is_page_asked(page: Page, known: Known) -> bool:
    """A page whose every question is skipped (q7 without partners in q6) is not shown."""
    return any(q.is_asked(known) for q in page_questions(page) if q.condition is None)


def parse_page(
    page: Page, form: FormData, known: Known
) -> tuple[dict[str, list[AnswerRow]], dict[str, str]]:
    """Validate one page of the form contract against what the respondent answered so far."""
    current = dict(known)
    answers: dict[str, list[AnswerRow]] = {}
    errors: dict[str, str] = {}
    for q in page_questions(page):
        parsed = q.parse(form, current)
        if parsed.error:
            errors[q.code] = parsed.error
        answers[q.code] = parsed.rows
        current[q.code] = parsed.rows
    return answers, errors


def rows_by_question(rows: Iterable[AnswerRow]) -> dict[str, list[AnswerRow]]:
    grouped: dict[str, list[AnswerRow]] = {}
    for row in rows:
        grouped.setdefault(row.question, []).append(row)
    return grouped


def form_values(known: Known) -> dict[str, list[str]]:
    """Stored answers as form-contract values, for re-displaying a saved page."""
    values: dict[str, list[str]] = {}
    for code, rows in known.items():
        if code in QUESTIONS_BY_CODE and rows:
            values.update(QUESTIONS_BY_CODE[code].to_form(rows))
    return values


def reconcile_dependents(known: Known) -> dict[str, list[AnswerRow]]:
    """Stored answers after dropping those whose conditions no longer hold."""
    current = {code: list(rows) for code, rows in known.items()}
    for q in QUESTIONS:
        if q.code in current:
            current[q.code] = q.reconcile(current[q.code], current)
    return current
