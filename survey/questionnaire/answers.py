"""Answers as every question type reads and writes them: form data in, long-form rows out.

A stored answer is an `AnswerRow` (question, option, rank, text): the long form shared by
the database, the importer and the exports. Text is cleaned the same way everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from flask_babel import _, ngettext

#: Short answers and "other (please specify)" texts.
SHORT_TEXT_LIMIT = 300
#: Open answers.
LONG_TEXT_LIMIT = 5000
#: Contact details (the longest valid e-mail address).
EMAIL_LIMIT = 254
#: A ranking item not ranked, and "prefer not to say" for a country.
NOT_APPLICABLE = "na"
#: The option of a choice question whose answer carries the respondent's own words.
OTHER = "other"

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


class StoredAnswer(NamedTuple):
    """An answer row as stored, with its id (translations and codings refer to it)."""

    question: str
    option: str
    rank: int | None
    text: str | None
    id: int


#: What a respondent answered so far, by question code.
Known = Mapping[str, Sequence[AnswerRow]]


class Problem(str):
    """An error message that is about some of a question's fields only (by default it is
    about all of them): the form marks just those invalid."""

    fields: tuple[str, ...]

    def __new__(cls, message: str, fields: Sequence[str] = ()) -> Problem:
        problem = super().__new__(cls, message)
        problem.fields = tuple(fields)
        return problem


@dataclass
class Parsed:
    rows: list[AnswerRow] = field(default_factory=list)
    error: str | None = None


def is_storable(text: str) -> bool:
    """False for text with a control character neither database stores the same way."""
    return not _FORBIDDEN_CHARACTERS.search(text)


#: The space trimmed around a text: what `\s` means in the API's JSON Schema patterns
#: (ECMAScript), less the control characters \v and \f, which are refused anywhere.
#: Python's own `str.strip()` also trims \x1c–\x1f and NEL (\x85): a name ending in one was
#: taken without it, where the document says such text is refused (control characters) or
#: kept (NEL).
SPACE = (
    " \t\n\r\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)


def clean_text(raw: str, limit: int) -> tuple[str, str | None]:
    """Normalise line endings and surrounding space; report forbidden characters and length."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").strip(SPACE)
    if not is_storable(text):
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


def rows_by_question(rows: Iterable[AnswerRow]) -> dict[str, list[AnswerRow]]:
    grouped: dict[str, list[AnswerRow]] = {}
    for row in rows:
        grouped.setdefault(row.question, []).append(row)
    return grouped
