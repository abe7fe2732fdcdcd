"""Which responses to count, list or export: filters, their errors, and the one function that
turns filters into SQL (`matching`).

The results, the API, the dashboard's open-answer lists, the response pages and every export
select respondents here, so a filter means the same everywhere. A plain module (no request
objects): the views and the CLI read filters from their arguments with `Filters.from_args`.

- `lang=ru`: respondents who answered in Russian;
- `q2=yes`, `q6=government&q6=business` (or `q6=government,business`): chose one of these
  options; options of one question are OR-ed, different questions AND-ed;
- `q3=NA`: a country (`na` is "prefer not to say", `NA` Namibia);
- `q14=libraries`: ranked the item (an item marked N/A does not count);
- `submitted_from=2026-11-01&submitted_to=2026-11-30`: submitted on these days (inclusive,
  UTC calendar days; either end may be left out).

Which questions are filters and what a value means is the question type's business
(`Question.filterable`, `filter_values`, `filter_condition`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, FromClause, Table, exists, literal, select
from werkzeug.datastructures import MultiDict

from survey.models import ANSWERS, RESPONSES, SUBMITTED
from survey.questionnaire import Question, current_questionnaire

LANGUAGE = "lang"
#: The submission date range: first and last day, inclusive (UTC calendar days).
SUBMITTED_FROM = "submitted_from"
SUBMITTED_TO = "submitted_to"
DATE_RANGE = (SUBMITTED_FROM, SUBMITTED_TO)
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
#: Query arguments that are never filters (presentation, paging, API options).
NOT_FILTERS = frozenset(
    {"compare", "locale", "format", "limit", "offset", "page", "sort", "recoded", "group_below"}
)
#: Longest question text quoted in a message.
QUOTED_TEXT = 80


class FilterError(ValueError):
    """A filter or comparison the questionnaire does not know; the message is for the user."""


def question_reference(question: Question) -> dict[str, str]:
    """A question as people know it, for messages: `number` and (the start of) its `text`."""
    text = str(question.text)
    if len(text) > QUOTED_TEXT:
        text = text[: QUOTED_TEXT - 1].rstrip() + "…"
    return {"number": current_questionnaire().number(question.code), "text": text}


@dataclass(frozen=True)
class Filters:
    """Which submitted responses to count: a language, chosen options, submission days.

    `answers` holds (question code, option codes) in questionnaire order, the options in the
    question's order, so equal filters are equal values (they key the results cache).
    `submitted_from` and `submitted_to` are the first and last day (inclusive, UTC).
    """

    language: str | None = None
    answers: tuple[tuple[str, tuple[str, ...]], ...] = ()
    submitted_from: date | None = None
    submitted_to: date | None = None

    @classmethod
    def from_args(cls, args: Any) -> Filters:
        """Filters from query arguments (a MultiDict); FilterError for what is not known.

        Keys that are not filters (compare, locale, format, ...) and empty values are
        ignored; a value may also list several options separated by commas.
        """
        questionnaire = current_questionnaire()
        languages = _values(args, LANGUAGE)
        if len(languages) > 1:
            raise FilterError(_("Choose only one language of the answers."))
        if languages and languages[0] not in current_app.config["LANGUAGES"]:
            raise FilterError(_("Unknown language: “%(value)s”.", value=languages[0]))
        first, last = (_day(args, key) for key in DATE_RANGE)
        if first and last and first > last:
            raise FilterError(
                _("The first day of the submission dates must not be after the last day.")
            )
        chosen: dict[str, set[str]] = {}
        for key in args:
            if key in (LANGUAGE, *DATE_RANGE) or key in NOT_FILTERS:
                continue
            question = questionnaire.get(key)
            if question is None:
                if _looks_like_a_question(key):
                    raise FilterError(_("This survey has no question “%(value)s”.", value=key))
                continue
            values = _values(args, key)
            if not values:
                continue
            if not question.filterable:
                raise FilterError(
                    _(
                        "Results cannot be filtered by question %(number)s (“%(text)s”): only "
                        "answers chosen from a list can be filters.",
                        **question_reference(question),
                    )
                )
            known = set(question.filter_values())
            for value in values:
                if value not in known:
                    raise FilterError(
                        _(
                            "Question %(number)s (“%(text)s”) has no option “%(value)s”.",
                            value=value,
                            **question_reference(question),
                        )
                    )
            chosen.setdefault(key, set()).update(values)
        answers = tuple(
            (q.code, tuple(code for code in q.filter_values() if code in chosen[q.code]))
            for q in questionnaire.questions
            if q.code in chosen
        )
        language = languages[0] if languages else None
        return cls(language, answers, first, last)

    @classmethod
    def from_pairs(cls, pairs: Iterable[str], language: str | None = None) -> Filters:
        """Filters from a command line's `QUESTION=OPTION` pairs (and `--lang`); FilterError
        for a pair that is not one or a filter that is not known."""
        args = MultiDict([(LANGUAGE, language)] if language else [])
        for pair in pairs:
            key, sep, value = pair.partition("=")
            if not sep or not key.strip() or not value.strip():
                raise FilterError(
                    _("%(pair)s: write filters as QUESTION=OPTION, e.g. q2=yes", pair=repr(pair))
                )
            args.add(key.strip(), value.strip())
        return cls.from_args(args)

    def to_args(self) -> list[tuple[str, str]]:
        """Query arguments that `from_args` reads back into the same filters."""
        pairs = [(LANGUAGE, self.language)] if self.language else []
        pairs += [(code, option) for code, options in self.answers for option in options]
        for key, day in zip(DATE_RANGE, self.submission_days, strict=True):
            if day is not None:
                pairs.append((key, day.isoformat()))
        return pairs

    @property
    def submission_days(self) -> tuple[date | None, date | None]:
        return self.submitted_from, self.submitted_to

    def describe(self) -> str:
        """The filters as query arguments, for the access log ("none" without filters)."""
        return " ".join(f"{key}={value}" for key, value in self.to_args()) or "none"

    def __bool__(self) -> bool:
        return bool(self.language or self.answers or any(self.submission_days))


#: ?compare=q6.government: segments by one option of a question answered with several.
OPTION_SEGMENT = "."


def split_segment(compare: str) -> tuple[str, str | None]:
    """("q2", None) for ?compare=q2; ("q6", "government") for ?compare=q6.government."""
    code, _dot, option = compare.partition(OPTION_SEGMENT)
    return code, option or None


def recoded_figures(args: Any) -> bool:
    """`?recoded=1`: count "other" answers as the option the working group recoded them into
    (the default, `0`, counts them as given)."""
    values = args.getlist("recoded")
    if any(value not in ("0", "1") for value in values) or len(values) > 1:
        raise FilterError(_("Write recoded=1 for figures as recoded, or leave it out."))
    return values == ["1"]


#: ?group_below=N: compared by country, countries with fewer respondents are one segment.
GROUP_BELOW = "group_below"
#: The dashboard's and the report's threshold when none is given (the API groups nothing).
DEFAULT_GROUP_BELOW = 10
MAX_GROUP_BELOW = 1_000_000


def group_below(args: Any, default: int = 0) -> int:
    """?group_below=N (0: no grouping); FilterError for anything but one whole number."""
    values = [value for value in args.getlist(GROUP_BELOW) if value != ""]
    if not values:
        return default
    if len(values) > 1 or not values[0].isascii() or not values[0].isdigit():
        raise FilterError(
            _("Write the smallest group of respondents as a whole number, such as 10.")
        )
    return min(int(values[0]), MAX_GROUP_BELOW)


def _values(args: Any, key: str) -> list[str]:
    values: list[str] = []
    for raw in args.getlist(key):
        values += [part.strip() for part in raw.split(",") if part.strip()]
    return values


def _day(args: Any, key: str) -> date | None:
    """A day given as YYYY-MM-DD (one value); FilterError in the user's words otherwise."""
    values = _values(args, key)
    if not values:
        return None
    if len(values) > 1:
        raise FilterError(_("Give only one value for %(code)s.", code=key))
    try:
        if DAY.fullmatch(values[0]):
            return date.fromisoformat(values[0])
    except ValueError:
        pass
    raise FilterError(
        _("“%(value)s” is not a date: write it as YYYY-MM-DD, e.g. 2026-11-30.", value=values[0])
    )


def start_of_day(day: date) -> datetime:
    """Midnight UTC at the start of `day`."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def _looks_like_a_question(key: str) -> bool:
    """`q99`: meant as a question, so an unknown one is an error rather than ignored."""
    return key.startswith("q") and key[1:2].isdigit()


# --------------------------------------------------------------------------- SQL


def matching(
    filters: Filters,
    responses: FromClause = RESPONSES,
    *,
    statuses: Sequence[str] | None = (SUBMITTED,),
    correlated: bool = False,
) -> list[ColumnElement[bool]]:
    """Conditions on `responses` (the table or an alias) that select what the filters select.

    `statuses`: the response statuses to keep (None: any; the caller checks). Each answer
    filter is `id IN (SELECT response_id FROM answers WHERE …)` on the answers index, or with
    `correlated` a probe of that index per response, which lets a query that walks responses
    in some order stop after a LIMIT (the newest open answers).
    """
    conditions: list[ColumnElement[bool]] = []
    if statuses is not None:
        statuses = tuple(statuses)
        status = responses.c.status
        conditions.append(status == statuses[0] if len(statuses) == 1 else status.in_(statuses))
    if filters.language:
        conditions.append(responses.c.language == filters.language)
    if filters.submitted_from:
        conditions.append(responses.c.submitted_at >= start_of_day(filters.submitted_from))
    if filters.submitted_to and filters.submitted_to < date.max:
        next_day = filters.submitted_to + timedelta(days=1)
        conditions.append(responses.c.submitted_at < start_of_day(next_day))
    questionnaire = current_questionnaire()
    for code, options in filters.answers:
        chose = ANSWERS.alias(f"filter_{code}")
        condition = questionnaire.question(code).filter_condition(chose, options)
        if correlated:
            conditions.append(probe(chose, responses.c.id, condition))
        else:
            conditions.append(responses.c.id.in_(select(chose.c.response_id).where(*condition)))
    return conditions


def probe(
    answers: Table | FromClause, response_id: Any, conditions: Iterable[ColumnElement[bool]]
) -> ColumnElement[bool]:
    """ "This response has such an answer" as a per-row index probe.

    A scalar subquery with LIMIT 1 is one PostgreSQL cannot turn into a semi-join or a hashed
    subplan over every matching answer (it does that to EXISTS), so a LIMIT on the outer
    query stops the walk early; SQLite runs it as the same correlated probe as EXISTS.
    """
    return (
        select(literal(1))
        .select_from(answers)
        .where(answers.c.response_id == response_id, *conditions)
        .limit(1)
        .scalar_subquery()
        .is_not(None)
    )


def has_answer(
    answers: Table | FromClause, response_id: Any, conditions: Iterable[ColumnElement[bool]]
) -> ColumnElement[bool]:
    """EXISTS (an answer of this response meeting the conditions)."""
    return exists().where(answers.c.response_id == response_id, *conditions)
