"""Export options from query arguments (the web page, a job's stored arguments) and checks.

The filters are the results' own (`Filters.from_args`: `lang`, `q2=yes`, …), so a link from
the dashboard carries them; the rest are the export's: `labels`, `bom`, `recoded`,
`include_contact`, `include_excluded`, `questions` (codes, repeated or comma-separated),
`sep` (comma, semicolon, tab), `headers` (codes, text) and `formula_safe=0`. The days of
submission are the results' filter (`submitted_from`, `submitted_to`, both inclusive); `since`
and `until` are other names for them.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import _

from survey.exports.formats import HEADERS, SEPARATORS, ExportOptions
from survey.questionnaire import current_questionnaire
from survey.selection import SUBMITTED_FROM, SUBMITTED_TO, FilterError, Filters, recoded_figures

#: The export's own query arguments (all others are the results' filters).
OPTION_KEYS = (
    "labels",
    "bom",
    "recoded",
    "include_contact",
    "include_excluded",
    "questions",
    "sep",
    "headers",
    "formula_safe",
)


#: Other names of the results' submission-day filters (the CLI's --since and --until).
DATE_ALIASES = {"since": SUBMITTED_FROM, "until": SUBMITTED_TO}


class OptionError(ValueError):
    """An option the export does not understand; the message is for the user."""


def options_from_args(args: Any) -> ExportOptions:
    """ExportOptions from a MultiDict of query arguments; OptionError for bad values."""
    filter_args = args.copy()
    for key in OPTION_KEYS:
        filter_args.poplist(key)
    for alias, key in DATE_ALIASES.items():
        given = filter_args.poplist(alias)
        if given and filter_args.getlist(key):
            raise OptionError(_("Give %(key)s once (%(alias)s is the same).", key=key, alias=alias))
        filter_args.setlist(key, filter_args.getlist(key) or given)
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
    if options.questions:
        pairs.append(("questions", ",".join(options.questions)))
    if options.separator != "comma":
        pairs.append(("sep", options.separator))
    if options.headers != "codes":
        pairs.append(("headers", options.headers))
    if not options.formula_safe:
        pairs.append(("formula_safe", "0"))
    return pairs
