"""What the dashboard shows, from its query arguments: filters, comparison, every question.

A plain module (no request objects): the view passes the query arguments and the viewer's
language in and renders what comes out. The figures come from `survey.aggregation`; the
questions say how they are shown (their macros) and offered as filters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from babel import Locale
from flask_babel import _, ngettext
from werkzeug.datastructures import MultiDict

from survey import aggregation
from survey.aggregation.timeline import Timeline, submissions_per_day
from survey.database import side_by_side
from survey.i18n import current_language, languages
from survey.open_answers.listing import OpenAnswer, page_of_answers, selected_respondents
from survey.questionnaire import Question, current_questionnaire
from survey.results import charts
from survey.results.formatting import format_day
from survey.selection import (
    DATE_RANGE,
    DEFAULT_GROUP_BELOW,
    LANGUAGE,
    SUBMITTED_FROM,
    FilterError,
    Filters,
    group_below,
    recoded_figures,
)

ANSWERS_ON_DASHBOARD = 10
SORT_ORDERS = ("mean", "first")
#: Query arguments that change the presentation, not which respondents are counted.
PRESENTATION = frozenset(
    {"compare", "fragment", "previous", "page", "locale", "contact", "recoded", "group_below"}
    | {"language", "view"}
)
#: Options of a filter shown as tick boxes; a question with more is a multiple select.
TICK_BOXES = 12


def view_args() -> frozenset[str]:
    return PRESENTATION | set(current_questionnaire().sort_parameters)


def filter_args(args: MultiDict) -> MultiDict:
    """The arguments that select respondents (everything but the presentation ones)."""
    ignored = view_args()
    return MultiDict([(key, value) for key, value in args.items(multi=True) if key not in ignored])


def language_label(code: str) -> str:
    """A language's name in the viewer's language, capitalised ("Russian", "Русский")."""
    try:
        name = Locale.parse(code).get_display_name(current_language()) or code
    except (ValueError, TypeError):
        return code
    return name[:1].upper() + name[1:]


def question_label(question: Question) -> str:
    return _(
        "Question %(number)s: %(text)s",
        number=current_questionnaire().number(question.code),
        text=question.text,
    )


def choice_label(code: str, value: str, language: str) -> str:
    """The label of a filter value in the viewer's language (languages and countries by name)."""
    if code == LANGUAGE:
        return language_label(value)
    question = current_questionnaire().get(code)
    return question.option_label(value, language) if question is not None else value


@dataclass(frozen=True)
class ActiveFilter:
    key: str
    value: str
    question: str
    label: str


def active_filters(args: MultiDict, language: str) -> list[ActiveFilter]:
    questionnaire = current_questionnaire()
    found = []
    for key, value in filter_args(args).items(multi=True):
        if value == "":
            continue
        label = choice_label(key, value, language)
        if key == LANGUAGE:
            name = _("Language of the answers")
        elif key in DATE_RANGE:
            name = _("Submitted from") if key == SUBMITTED_FROM else _("Submitted until")
            label = format_day(value)
        elif key in questionnaire.by_code:
            name = _("Question %(number)s", number=questionnaire.number(key))
        else:
            name = key
        found.append(ActiveFilter(key, value, name, label))
    return found


@dataclass
class DashboardState:
    filters: Filters
    error: str | None
    compare: str | None
    status: int = 200
    #: Figures as recoded ("other" answers counted as the option they were recoded into).
    recoded: bool = False
    #: Compared by country, countries with fewer respondents are one segment (0: none).
    group_below: int = DEFAULT_GROUP_BELOW


def read_state(args: MultiDict) -> DashboardState:
    """Filters and comparison from the query; a bad one is reported and ignored."""
    compare = args.get("compare") or None
    try:
        filters = Filters.from_args(filter_args(args))
        recoded = recoded_figures(args)
        smallest = group_below(args, DEFAULT_GROUP_BELOW)
    except FilterError as error:
        return DashboardState(Filters(), str(error), None, 400)
    if compare is not None:
        try:
            aggregation.check_comparable(compare)
        except FilterError as error:
            return DashboardState(filters, str(error), None, 400, recoded, smallest)
    return DashboardState(filters, None, compare, recoded=recoded, group_below=smallest)


def compare_choices() -> list[tuple[str, str]]:
    """What the results can be compared by, labelled for the form."""
    return [choice for _group, choices in compare_groups() for choice in choices]


def compare_groups() -> list[tuple[str | None, list[tuple[str, str]]]]:
    """The comparisons, in groups for the form: the language and the questions answered with
    one option; then, per question answered with several, its options (chose it or not)."""
    questionnaire = current_questionnaire()
    language = current_language()
    whole = [(LANGUAGE, str(_("Language of the answers")))]
    whole += [(q.code, question_label(q)) for q in questionnaire.where("segmentable")]
    groups: list[tuple[str | None, list[tuple[str, str]]]] = [(None, whole)]
    for question in questionnaire.where("option_segmentable"):
        label = _(
            "Chose or did not choose, in question %(number)s",
            number=questionnaire.number(question.code),
        )
        options = [
            (f"{question.code}.{code}", name)
            for code, name in question.option_labels(language).items()
        ]
        groups.append((str(label), options))
    return groups


def groups_small_segments(compare: str | None) -> bool:
    """Whether the comparison groups its small segments (compared by country)."""
    question = current_questionnaire().get((compare or "").partition(".")[0])
    return question is not None and question.groups_small_segments


def segment_headings(comparison: Mapping[str, Any] | None) -> list[str]:
    """Each segment's column heading: "Association member: Yes"."""
    if not comparison:
        return []
    return [f"{comparison['label']}: {segment['label']}" for segment in comparison["segments"]]


def filter_fields(body: Mapping[str, Any], language: str) -> list[dict[str, Any]]:
    """The filter form: one select per question that offers itself as one."""
    fields: list[dict[str, Any]] = [
        {
            "name": LANGUAGE,
            "label": _("Language of the answers"),
            "options": [(code, language_label(code)) for code in languages()],
        }
    ]
    entries = body.get("questions", {})
    questionnaire = current_questionnaire()
    for question in questionnaire.where("filterable"):
        choices = question.filter_choices(entries.get(question.code, {}), language)
        if choices is not None:
            label = f"{questionnaire.number(question.code)}. {question.short_label}"
            every = len(choices["options"]) + len(choices.get("more_options", []))
            fields.append(
                {
                    "name": question.code,
                    "label": label,
                    "title": str(question.text),
                    "boxes": every <= TICK_BOXES,
                    **choices,
                }
            )
    for field in fields[:1]:
        field.update(boxes=True, title="")
    return fields


def segment_option_rows(segments: list[Mapping[str, Any]], code: str) -> list[dict[str, Any]]:
    """One row per option across all segments: label and each segment's option figures."""
    order: list[str] = []
    labels: dict[str, str] = {}
    for segment in segments:
        for option in segment["questions"].get(code, {}).get("options", []):
            if option["code"] not in labels:
                order.append(option["code"])
                labels[option["code"]] = option["label"]
    rows = []
    for option_code in order:
        cells = []
        for segment in segments:
            options = segment["questions"].get(code, {}).get("options", [])
            cells.append(next((o for o in options if o["code"] == option_code), None))
        total = sum((cell or {}).get("count", 0) for cell in cells)
        rows.append(
            {"code": option_code, "label": labels[option_code], "cells": cells, "total": total}
        )
    if current_questionnaire().question(code).rows_by_count:
        rows.sort(key=lambda row: -row["total"])
    return rows


def segment_item_rows(segments: list[Mapping[str, Any]], code: str) -> list[dict[str, Any]]:
    rows = []
    first = segments[0]["questions"].get(code, {}).get("items", []) if segments else []
    for item in first:
        cells = []
        for segment in segments:
            items = segment["questions"].get(code, {}).get("items", [])
            cells.append(next((i for i in items if i["code"] == item["code"]), None))
        rows.append({"code": item["code"], "label": item["label"], "cells": cells})
    return rows


def asked_of(question: Question, language: str) -> str | None:
    """Whom a follow-up was asked of, for the note under its counts (None: everyone)."""
    if question.condition is None:
        return None
    condition = question.condition
    source = current_questionnaire().question(condition.question)
    return source.option_label(condition.option, language)


#: Up to this many filtered respondents, the open lists look among them by id instead of
#: walking every response newest first (`listing.newest`).
FEW_RESPONDENTS = 5_000


def open_lists(
    filters: Filters, language: str, selected: int
) -> dict[str, tuple[list[OpenAnswer], bool]]:
    """The newest answers of every open field, with whether more follow (`selected`: how
    many respondents the filters select)."""
    among = None
    if filters and selected <= FEW_RESPONDENTS:
        among = selected_respondents(filters, FEW_RESPONDENTS)
    return {
        field.field: page_of_answers(field.field, filters, ANSWERS_ON_DASHBOARD, 0, language, among)
        for field in current_questionnaire().open_fields
    }


def sort_orders(args: MultiDict) -> dict[str, str | None]:
    """The chosen order of each sortable table (by the question's sort parameter)."""
    orders: dict[str, str | None] = {}
    for question in current_questionnaire().questions:
        parameter = question.sort_parameter
        if parameter:
            chosen = args.get(parameter)
            orders[question.code] = chosen if chosen in SORT_ORDERS else None
    return orders


def contents(body: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """The dashboard's contents: (anchor, number, short name) of every question shown."""
    questionnaire = current_questionnaire()
    return [
        (f"result-{q.code}", questionnaire.number(q.code), q.short_label)
        for q in questionnaire.questions
        if q.code in body.get("questions", {})
    ]


def timeline(filters: Filters, state: aggregation.DataState | None = None) -> Timeline:
    return submissions_per_day(filters, list(languages()), state)


def timeline_chart(found: Timeline, framed: bool = True) -> charts.TimeChart:
    """The chart of submissions per day, by language, with the survey's marks."""
    return charts.time_chart(
        str(_("Responses over time")),
        str(_("Submitted responses per day (UTC), by the language they were given in")),
        found.days,
        found.counts,
        {code: language_label(code) for code in found.counts},
        lambda day: format_day(day, "d MMM"),
        [(mark.when.date(), mark.label) for mark in found.marks],
        framed,
    )


def dashboard_context(args: MultiDict, language: str) -> tuple[dict[str, Any], int]:
    state = read_state(args)
    questionnaire = current_questionnaire()
    data = aggregation.data_state()  # once: 0.05 s at a million responses
    body = aggregation.aggregate_results(state.filters, language, state.recoded, data)

    def compared() -> dict[str, Any] | None:
        if not state.compare:
            return None
        return aggregation.compare_segments(
            state.compare, state.filters, language, state.recoded, state.group_below, data
        )

    def listed() -> tuple[dict[str, tuple[list[OpenAnswer], bool]], Timeline]:
        return open_lists(state.filters, language, body["total"]), timeline(state.filters, data)

    # The comparison, and the open lists with the timeline, on two connections at once.
    comparison, (lists, over_time) = side_by_side(compared, listed)
    context = {
        "body": body,
        "comparison": comparison,
        "segment_headings": segment_headings(comparison),
        "compare": state.compare,
        "compared_code": (state.compare or "").partition(".")[0],
        "group_below": state.group_below,
        "groups_small_segments": groups_small_segments(state.compare),
        "timeline": over_time,
        "timeline_chart": timeline_chart,
        "recoded": state.recoded,
        "compare_label": dict(compare_choices()).get(state.compare or "", state.compare),
        "error": state.error,
        "version": data.version,
        "excluded": data.excluded,
        "questions": questionnaire.questions,
        "numbers": questionnaire.numbers,
        "open_lists": lists,
        "sort_orders": sort_orders(args),
        "sort_parameters": questionnaire.sort_parameters,
        "filters": active_filters(args, language) if not state.error else [],
        # What the form shows chosen: the filters as read (q1=a,b ticks a and b).
        "filter_values": MultiDict(state.filters.to_args()),
        "asked_of": asked_of,
        "segment_option_rows": segment_option_rows,
        "segment_item_rows": segment_item_rows,
        "language_label": language_label,
        "language": language,
        "answers_on_dashboard": ANSWERS_ON_DASHBOARD,
    }
    return context, state.status


def update_announcement(total: int, previous: str | None) -> str:
    """What the live region says after the dashboard refreshed itself."""
    try:
        before = int(previous) if previous is not None else None
    except ValueError:
        before = None
    if before is None or total <= before:
        return _("Results updated.")
    added = total - before
    return ngettext("Updated: %(num)d new response", "Updated: %(num)d new responses", added)
