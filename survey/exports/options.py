"""Export options from query arguments (the web page, a job's stored arguments) and checks.

The filters are the results' own (`Filters.from_args`: `lang`, `q2=yes`, …), so a link from
the dashboard carries them; the rest are the export's: `labels`, `bom`, `recoded`,
`include_contact`, `include_excluded`, `since`/`until` (dates of submission, YYYY-MM-DD,
both inclusive), `questions` (codes, repeated or comma-separated), `sep` (comma, semicolon,
tab), `headers` (codes, text) and `formula_safe=0`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import current_app
from flask_babel import _

from survey.dataset import Period
from survey.exports.formats import HEADERS, SEPARATORS, ExportOptions
from survey.questionnaire import current_questionnaire
from survey.selection import FilterError, Filters, recoded_figures

#: The export's own query arguments (all others are the results' filters).
OPTION_KEYS = (
    "labels",
    "bom",
    "recoded",
    "include_contact",
    "include_excluded",
    "since",
    "until",
    "questions",
    "sep",
    "headers",
    "formula_safe",
)


class OptionError(ValueError):
    """An option the export does not understand; the message is for the user."""


def options_from_args(args: Any) -> ExportOptions:
    """ExportOptions from a MultiDict of query arguments; OptionError for bad values."""
    filter_args = args.copy()
    for key in OPTION_KEYS:
        filter_args.poplist(key)
    try:
        filters = Filters.from_args(filter_args)
        recoded = recoded_figures(args)
    except FilterError as error:
        raise OptionError(str(error)) from error
    labels = args.get("labels") or None
    if labels is not None and labels not in current_app.config["LANGUAGES"]:
        raise OptionError(
            _("labels must be one of %(languages)s.", languages=", ".join(_languages()))
        )
    separator = args.get("sep") or "comma"
    if separator not in SEPARATORS:
        raise OptionError(_("sep must be comma, semicolon or tab."))
    headers = args.get("headers") or "codes"
    if headers not in HEADERS:
        raise OptionError(_("headers must be codes or text."))
    return ExportOptions(
        filters=filters,
        labels=labels,
        bom=args.get("bom") == "1",
        include_contact=args.get("include_contact") == "1",
        include_excluded=args.get("include_excluded") == "1",
        recoded=recoded,
        period=Period(_day(args, "since"), _day(args, "until", after=True)),
        questions=_questions(args),
        separator=separator,
        headers=headers,
        formula_safe=_formula_safe(args),
    )


def _formula_safe(args: Any) -> bool:
    """On unless turned off; the page's checkbox sends a hidden 0 and, ticked, a 1 after it."""
    values = args.getlist("formula_safe")
    return not values or values[-1] != "0"


def _languages() -> list[str]:
    return list(current_app.config["LANGUAGES"])


def _day(args: Any, key: str, after: bool = False) -> datetime | None:
    """The start of the day (UTC) `key` names; with `after`, of the day after it."""
    value = (args.get(key) or "").strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise OptionError(
            _("%(key)s: %(value)s is not a date such as 2026-11-24.", key=key, value=repr(value))
        ) from None
    start = datetime.combine(day, time(), tzinfo=UTC)
    return start + timedelta(days=1) if after else start


def _questions(args: Any) -> tuple[str, ...]:
    known = {question.code for question in current_questionnaire().questions}
    chosen: list[str] = []
    for raw in args.getlist("questions"):
        for code in (part.strip() for part in raw.split(",")):
            if not code:
                continue
            if code not in known:
                raise OptionError(_("questions: unknown question %(code)s.", code=repr(code)))
            if code not in chosen:
                chosen.append(code)
    return tuple(chosen)


def options_to_args(options: ExportOptions) -> list[tuple[str, str]]:
    """Query arguments that `options_from_args` reads back into the same options."""
    pairs = list(options.filters.to_args())
    if options.labels:
        pairs.append(("labels", options.labels))
    if options.bom:
        pairs.append(("bom", "1"))
    if options.recoded:
        pairs.append(("recoded", "1"))
    if options.include_contact:
        pairs.append(("include_contact", "1"))
    if options.include_excluded:
        pairs.append(("include_excluded", "1"))
    if options.period.since:
        pairs.append(("since", f"{options.period.since:%Y-%m-%d}"))
    if options.period.until:
        pairs.append(("until", f"{options.period.until - timedelta(days=1):%Y-%m-%d}"))
    if options.questions:
        pairs.append(("questions", ",".join(options.questions)))
    if options.separator != "comma":
        pairs.append(("sep", options.separator))
    if options.headers != "codes":
        pairs.append(("headers", options.headers))
    if not options.formula_safe:
        pairs.append(("formula_safe", "0"))
    return pairs
