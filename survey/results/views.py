"""Dashboard pages for the working group: live results, open answers, one full response.

The figures come from `survey.aggregation` (counted in the database); this module only
chooses what to show, in the viewer's language, and never keeps state between requests, so
the live updates work the same with any number of gunicorn workers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from babel import Locale
from flask import abort, render_template, request, url_for
from flask_babel import _, format_datetime, format_decimal, ngettext
from flask_login import current_user, login_required
from sqlalchemy import exists, func, literal, select
from werkzeug.datastructures import MultiDict

from survey import aggregation
from survey.database import begin_write
from survey.extensions import db
from survey.i18n import countries, country_name, current_language, languages
from survey.models import SUBMITTED, AccessLog, Answer, Response, Translation
from survey.questionnaire import (
    QUESTIONS,
    QUESTIONS_BY_CODE,
    ChoiceQuestion,
    ContactQuestion,
    Question,
    RankingQuestion,
)
from survey.responses import stored_answers
from survey.results import bp, charts

#: Open questions whose answers the dashboard lists (in questionnaire order).
OPEN_QUESTIONS = ("q2_role", "q5_budget", "q8", "q9", "q10", "q11", "q13", "q15")
#: Questions offered in the filter form (any choice question), and the language.
FILTER_QUESTIONS = ("q1", "q2", "q3", "q4", "q5", "q6", "q12", "q16")
#: Query arguments that change the presentation, not which respondents are counted.
VIEW_ARGS = frozenset(
    {"compare", "sort_q7", "sort_q14", "fragment", "previous", "page", "locale", "contact"}
)
ANSWERS_ON_DASHBOARD = 10
#: The answers pages continue where the dashboard stops: page 2 starts at the 11th answer.
ANSWERS_PER_PAGE = ANSWERS_ON_DASHBOARD
SORT_ORDERS = ("mean", "first")
#: How the dashboard numbers questions: follow-ups belong to the question that opens them.
DISPLAY_NUMBERS = {
    question.code: (
        f"{question.condition.question[1:]}a" if question.condition else question.code[1:]
    )
    for question in QUESTIONS
}


# --------------------------------------------------------------------------- formatting


@bp.app_template_filter("results_number")
def format_number(value: float | int | None) -> str:
    """A count in the viewer's locale (1,234 / 1 234)."""
    return "–" if value is None else format_decimal(value, format="#,##0")


@bp.app_template_filter("results_percent")
def format_percent(value: float | None) -> str:
    """A percentage with one decimal in the viewer's locale, without the sign."""
    return "–" if value is None else format_decimal(value, format="#,##0.0")


@bp.app_template_filter("results_mean")
def format_mean(value: float | None) -> str:
    """A mean rank with exactly two decimals, as in the report (2.21)."""
    return "–" if value is None else format_decimal(value, format="0.00")


@bp.app_template_filter("results_p")
def format_p(value: float | None) -> str:
    if value is None:
        return "–"
    if value < 0.001:
        return _("p < %(limit)s", limit=format_decimal(0.001, format="0.000"))
    return _("p = %(value)s", value=format_decimal(value, format="0.000"))


@bp.app_template_filter("results_when")
def format_when(value: Any) -> str:
    """When an answer was submitted, in the viewer's locale."""
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    return format_datetime(value, "medium")


@bp.app_template_filter("results_raw")
def raw_number(value: float | int | None) -> str:
    """A machine-readable number for data- attributes (never localised)."""
    if value is None:
        return ""
    return repr(float(value)) if isinstance(value, float) else str(value)


# --------------------------------------------------------------------------- query arguments


def filter_args(args: MultiDict) -> MultiDict:
    """The arguments that select respondents (everything but the presentation ones)."""
    return MultiDict(
        [(key, value) for key, value in args.items(multi=True) if key not in VIEW_ARGS]
    )


def url_with(endpoint: str = "results.dashboard", drop: Iterable[str] = (), **changes: Any) -> str:
    """This page's URL with some query arguments replaced (None removes) or dropped."""
    pairs = [
        (key, value)
        for key, value in request.args.items(multi=True)
        if key not in changes and key not in drop and key not in ("fragment", "previous")
    ]
    pairs += [(key, value) for key, value in changes.items() if value not in (None, "")]
    view_args = request.view_args if endpoint == request.endpoint else {}
    base = url_for(endpoint, **(view_args or {}))
    return f"{base}?{urlencode(pairs)}" if pairs else base


def url_without(key: str, value: str) -> str:
    """The dashboard without one active filter."""
    pairs = [
        (k, v)
        for k, v in request.args.items(multi=True)
        if not (k == key and v == value) and k not in ("fragment", "previous", "page")
    ]
    base = url_for("results.dashboard")
    return f"{base}?{urlencode(pairs)}" if pairs else base


def answers_url(code: str, page: int = 1) -> str:
    """The page listing all answers to an open question, with the dashboard's filters."""
    pairs = list(filter_args(request.args).items(multi=True))
    if page > 1:
        pairs.append(("page", str(page)))
    base = url_for("results.answers", code=code)
    return f"{base}?{urlencode(pairs)}" if pairs else base


@dataclass(frozen=True)
class ActiveFilter:
    key: str
    value: str
    question: str
    label: str
    remove_url: str


def language_label(code: str) -> str:
    """A language's name in the viewer's language, capitalised ("Russian", "Русский")."""
    try:
        name = Locale.parse(code).get_display_name(current_language()) or code
    except (ValueError, TypeError):
        return code
    return name[:1].upper() + name[1:]


def choice_label(code: str, value: str, language: str) -> str:
    """The label of an option in the viewer's language (countries by name)."""
    if code == "lang":
        return language_label(value)
    question = QUESTIONS_BY_CODE.get(code)
    if question is not None and question.type == "country":
        return _("Prefer not to say") if value == "na" else country_name(value, language)
    if isinstance(question, ChoiceQuestion):
        for option in question.options:
            if option.code == value:
                return str(option.label)
    return value


def active_filters(args: MultiDict, language: str) -> list[ActiveFilter]:
    found = []
    for key, value in filter_args(args).items(multi=True):
        if value == "":
            continue
        if key == "lang":
            name = _("Language of the answers")
        elif key in QUESTIONS_BY_CODE:
            name = _("Question %(number)s", number=DISPLAY_NUMBERS[key])
        else:
            name = key
        found.append(
            ActiveFilter(
                key, value, name, choice_label(key, value, language), url_without(key, value)
            )
        )
    return found


# --------------------------------------------------------------------------- open answers


@dataclass(frozen=True)
class OpenAnswer:
    answer_id: int | None
    response_uuid: str | None
    language: str
    text: str
    submitted_at: Any = None
    translation: str | None = None


def _field(entry: Any, *names: str, default: Any = None) -> Any:
    for name in names:
        if isinstance(entry, Mapping) and name in entry:
            return entry[name]
        if not isinstance(entry, Mapping) and hasattr(entry, name):
            return getattr(entry, name)
    return default


def _as_open_answer(entry: Any) -> OpenAnswer:
    """Accept the aggregation's rows as mappings or objects with the usual field names."""
    return OpenAnswer(
        answer_id=_field(entry, "answer_id", "id"),
        response_uuid=_field(entry, "response_id", "response_uuid", "uuid"),
        language=_field(entry, "language", "lang", default=""),
        text=_field(entry, "text", default="") or "",
        submitted_at=_field(entry, "submitted_at"),
    )


def translations_for(answer_ids: list[int], language: str) -> dict[int, str]:
    """Translations of some answers into `language`: the translators' helper when present."""
    if not answer_ids:
        return {}
    try:
        from survey.translations import translations_for as helper
    except ImportError:
        helper = None
    if helper is not None:
        return dict(helper(answer_ids, language))
    rows = db.session.execute(
        select(Translation.answer_id, Translation.text).where(
            Translation.answer_id.in_(answer_ids), Translation.language == language
        )
    )
    return {answer_id: text for answer_id, text in rows}


def load_open_answers(
    code: str, filters: Any, limit: int, offset: int, language: str
) -> tuple[list[OpenAnswer], bool]:
    """A page of answers, newest first, with translations; and whether more follow."""
    entries = newest_open_answers(code, filters, limit + 1, offset)
    more = len(entries) > limit
    entries = entries[:limit]
    wanted = [e.answer_id for e in entries if e.answer_id is not None and e.language != language]
    translated = translations_for(wanted, language)
    return [
        OpenAnswer(**{**e.__dict__, "translation": translated.get(e.answer_id)}) for e in entries
    ], more


def newest_open_answers(code: str, filters: Any, limit: int, offset: int) -> list[OpenAnswer]:
    """The same rows as `aggregation.open_answers`, newest submission first.

    Joining every answer to the question and sorting them took about 0.2 s per question
    over 100,000 responses (the dashboard shows 11 lists). Here the database reads the
    submitted responses newest first along the (status, submitted_at) index and probes the
    answers index for each, stopping after `limit` hits: a few milliseconds on both SQLite
    and PostgreSQL.
    """
    question, option = open_answer_source(code)
    r, a = Response.__table__, Answer.__table__
    ids = list(
        db.session.scalars(
            select(r.c.id)
            .where(*_text_conditions(r, code, filters, probe=_probe))
            .order_by(r.c.submitted_at.desc(), r.c.id.desc())
            .limit(max(0, limit))
            .offset(max(0, offset))
        )
    )
    if not ids:
        return []
    rows = db.session.execute(
        select(a.c.response_id, a.c.id, r.c.uuid, r.c.language, r.c.submitted_at, a.c.text)
        .select_from(a.join(r, r.c.id == a.c.response_id))
        .where(a.c.response_id.in_(ids), a.c.question == question, a.c.option == option)
    ).all()
    position = {response_id: n for n, response_id in enumerate(ids)}
    return [
        OpenAnswer(
            answer_id=row.id,
            response_uuid=row.uuid,
            language=row.language,
            text=row.text or "",
            submitted_at=row.submitted_at,
        )
        for row in sorted(rows, key=lambda row: position[row.response_id])
    ]


def _exists(table, response_id, *conditions):
    return exists().where(table.c.response_id == response_id, *conditions)


def _probe(table, response_id, *conditions):
    """ "This response has such an answer" as a per-row index probe.

    A scalar subquery with LIMIT 1 is one PostgreSQL cannot turn into a semi-join or a hashed
    subplan over every matching answer (it does that to EXISTS), so a LIMIT on the outer query
    stops the walk early; SQLite runs it as the same correlated probe as EXISTS.
    """
    return (
        select(literal(1))
        .select_from(table)
        .where(table.c.response_id == response_id, *conditions)
        .limit(1)
        .scalar_subquery()
        .is_not(None)
    )


def _text_conditions(source, code: str, filters: Any, probe=_exists) -> list:
    """Conditions on responses: submitted, answered `code` with text, and matching `filters`
    as `aggregation.Filters` means them (one language; options of one question OR-ed,
    different questions AND-ed)."""
    question, option = open_answer_source(code)
    a = Answer.__table__
    conditions = [
        source.c.status == SUBMITTED,
        probe(
            a,
            source.c.id,
            a.c.question == question,
            a.c.option == option,
            a.c.text.is_not(None),
            a.c.text != "",
        ),
    ]
    if getattr(filters, "language", None):
        conditions.append(source.c.language == filters.language)
    for filter_code, options in getattr(filters, "answers", ()):
        chosen = a.alias(f"filter_{filter_code}")
        conditions.append(
            probe(
                chosen,
                source.c.id,
                chosen.c.question == filter_code,
                chosen.c.option.in_(list(options)),
            )
        )
    return conditions


def count_open_answers(code: str, filters: Any) -> int:
    r = Response.__table__
    return db.session.scalar(
        select(func.count()).select_from(r).where(*_text_conditions(r, code, filters))
    )


def open_answer_source(code: str) -> tuple[str, str]:
    """Where an open answer is stored: (question, option) — "other" texts sit on option other."""
    question = QUESTIONS_BY_CODE.get(code.removesuffix("_other"))
    if isinstance(question, ChoiceQuestion) and question.other_field == code:
        return question.code, "other"
    if code in QUESTIONS_BY_CODE and QUESTIONS_BY_CODE[code].type == "text":
        return code, ""
    raise aggregation.FilterError(_("There are no open answers for “%(code)s”.", code=code))


# --------------------------------------------------------------------------- dashboard


@dataclass
class DashboardState:
    filters: Any
    error: str | None
    compare: str | None
    status: int = 200


def _unfiltered() -> Any:
    return aggregation.Filters.from_args(MultiDict())


def read_state(args: MultiDict) -> DashboardState:
    """Filters and comparison from the query; a bad one is reported and ignored."""
    compare = args.get("compare") or None
    try:
        filters = aggregation.Filters.from_args(filter_args(args))
    except aggregation.FilterError as error:
        return DashboardState(_unfiltered(), str(error), None, 400)
    if compare is not None and compare not in comparable_codes():
        message = _("Results cannot be compared by “%(code)s”.", code=compare)
        return DashboardState(filters, message, None, 400)
    return DashboardState(filters, None, compare)


def comparable_codes() -> list[str]:
    return [str(code) for code in aggregation.comparable_questions()]


def compare_choices() -> list[tuple[str, str]]:
    """What the results can be compared by, labelled for the form."""
    choices = []
    for code in comparable_codes():
        if code == "lang":
            choices.append((code, _("Language of the answers")))
        elif code in QUESTIONS_BY_CODE:
            question = QUESTIONS_BY_CODE[code]
            choices.append(
                (
                    code,
                    _(
                        "Question %(number)s: %(text)s",
                        number=DISPLAY_NUMBERS[code],
                        text=question.text,
                    ),
                )
            )
    return choices


def filter_fields(body: Mapping[str, Any], language: str) -> list[dict[str, Any]]:
    """The filter form: one select per choice question (countries present in the results)."""
    fields: list[dict[str, Any]] = [
        {
            "name": "lang",
            "label": _("Language of the answers"),
            "options": [(code, choice_label("lang", code, language)) for code in languages()],
        }
    ]
    questions = body.get("questions", {})
    for code in FILTER_QUESTIONS:
        question = QUESTIONS_BY_CODE[code]
        if question.type == "country":
            # Countries with answers first (most answers first), then every other country.
            present = [o["code"] for o in questions.get(code, {}).get("options", [])]
            options = [(c, choice_label(code, c, language)) for c in present]
            fields.append(
                {
                    "name": code,
                    "label": _(
                        "Question %(number)s: %(text)s",
                        number=DISPLAY_NUMBERS[code],
                        text=question.text,
                    ),
                    "options": options,
                    "options_label": _("Countries with answers"),
                    "more_options": [(c, n) for c, n in countries(language) if c not in present],
                    "more_label": _("Other countries"),
                }
            )
            continue
        elif isinstance(question, ChoiceQuestion):
            options = [(o.code, str(o.label)) for o in question.options]
        else:
            continue
        fields.append(
            {
                "name": code,
                "label": _(
                    "Question %(number)s: %(text)s",
                    number=DISPLAY_NUMBERS[code],
                    text=question.text,
                ),
                "options": options,
            }
        )
    return fields


def follow_up_base(question: Question, body: Mapping[str, Any]) -> int | None:
    """How many respondents were asked a follow-up (q2_role: those who answered q2 = yes)."""
    data = body.get("questions", {}).get(question.code, {})
    if "base" in data and (question.condition is not None or getattr(question, "source", None)):
        return data["base"]
    if question.condition is not None:
        source = body.get("questions", {}).get(question.condition.question, {})
        for option in source.get("options", []):
            if option.get("code") == question.condition.option:
                return option.get("count", 0)
        return 0
    if isinstance(question, RankingQuestion) and question.source:
        return body.get("questions", {}).get(question.source, {}).get("answered")
    return None


def other_texts(filters: Any, language: str) -> dict[str, tuple[list[OpenAnswer], bool]]:
    """The "other (please specify)" texts under their option, for q1, q6 and q16."""
    found = {}
    for question in QUESTIONS:
        if isinstance(question, ChoiceQuestion) and question.other_field:
            found[question.code] = load_open_answers(
                question.other_field, filters, ANSWERS_ON_DASHBOARD, 0, language
            )
    return found


def sort_orders(args: MultiDict) -> dict[str, str | None]:
    return {
        question.code: (
            args.get(f"sort_{question.code}")
            if args.get(f"sort_{question.code}") in SORT_ORDERS
            else None
        )
        for question in QUESTIONS
        if isinstance(question, RankingQuestion)
    }


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
    if QUESTIONS_BY_CODE[code].type == "country":
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


def dashboard_context(args: MultiDict, language: str) -> tuple[dict[str, Any], int]:
    state = read_state(args)
    body = aggregation.aggregate_results(state.filters, language)
    comparison = None
    if state.compare:
        comparison = aggregation.compare_segments(state.compare, state.filters, language)
    open_answers = {
        code: load_open_answers(code, state.filters, ANSWERS_ON_DASHBOARD, 0, language)
        for code in OPEN_QUESTIONS
    }
    context = {
        "body": body,
        "comparison": comparison,
        "compare": state.compare,
        "compare_label": dict(compare_choices()).get(state.compare or "", state.compare),
        "error": state.error,
        "version": aggregation.data_version(),
        "questions": [q for q in QUESTIONS],
        "display_numbers": DISPLAY_NUMBERS,
        "open_answers": open_answers,
        "other_texts": other_texts(state.filters, language),
        "sort_orders": sort_orders(args),
        "filters": active_filters(args, language) if not state.error else [],
        "filter_values": filter_args(args),
        "follow_up_base": follow_up_base,
        "segment_option_rows": segment_option_rows,
        "segment_item_rows": segment_item_rows,
        "charts": charts,
        "url_with": url_with,
        "answers_url": answers_url,
        "language_label": language_label,
        "language": language,
        "is_contact": lambda q: isinstance(q, ContactQuestion),
        "open_codes": OPEN_QUESTIONS,
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


@bp.route("/")
@login_required
def dashboard():
    language = current_language()
    context, status = dashboard_context(request.args, language)
    if request.args.get("fragment") == "1":
        context["announcement"] = update_announcement(
            context["body"].get("total", 0), request.args.get("previous")
        )
        return render_template("results/_body.html", **context), status
    context["filter_fields"] = filter_fields(context["body"], language)
    context["compare_choices"] = compare_choices()
    context["version_url"] = url_for("api.version")
    return render_template("results/dashboard.html", **context), status


# --------------------------------------------------------------------------- open answers page


@bp.route("/answers/<code>")
@login_required
def answers(code: str):
    if code not in OPEN_QUESTIONS and code not in {
        q.other_field for q in QUESTIONS if isinstance(q, ChoiceQuestion) and q.other_field
    }:
        abort(404)
    language = current_language()
    state = read_state(request.args)
    page = request.args.get("page", "1")
    number = int(page) if page.isdigit() and int(page) > 0 else 1
    entries, more = load_open_answers(
        code, state.filters, ANSWERS_PER_PAGE, (number - 1) * ANSWERS_PER_PAGE, language
    )
    owner = code.removesuffix("_other")
    question = QUESTIONS_BY_CODE[owner]
    return render_template(
        "results/answers.html",
        code=code,
        question=question,
        is_other=code != owner,
        number=DISPLAY_NUMBERS[owner],
        entries=entries,
        page=number,
        more=more,
        per_page=ANSWERS_PER_PAGE,
        count=(count := count_open_answers(code, state.filters)),
        pages=max(1, -(-count // ANSWERS_PER_PAGE)),
        error=state.error,
        filters=active_filters(request.args, language) if not state.error else [],
        filter_query=urlencode(list(filter_args(request.args).items(multi=True))),
        url_with=url_with,
    ), state.status


# --------------------------------------------------------------------------- one response


@dataclass(frozen=True)
class ShownAnswer:
    question: Question
    number: str
    kind: str
    values: list[Any]
    asked: bool = True


def _describe(question: Question, rows: list, language: str, translations: dict[int, str]):
    """One question's answer, readable: labels, ranked items, or the text."""
    if not rows:
        return []
    if question.type == "country":
        return [choice_label(question.code, rows[0].option, language)]
    if isinstance(question, ChoiceQuestion):
        labels = {o.code: str(o.label) for o in question.options}
        return [{"label": labels.get(row.option, row.option), "other": row.text} for row in rows]
    if isinstance(question, RankingQuestion):
        labels = {o.code: str(o.label) for o in question.items}
        ranked = sorted((r for r in rows if r.rank is not None), key=lambda r: r.rank)
        unranked = [r for r in rows if r.rank is None]
        return [{"rank": r.rank, "label": labels.get(r.option, r.option)} for r in ranked] + [
            {"rank": None, "label": labels.get(r.option, r.option)} for r in unranked
        ]
    return [
        {"text": row.text or "", "translation": translations.get(row.answer_id)} for row in rows
    ]


@dataclass(frozen=True)
class _Row:
    question: str
    option: str
    rank: int | None
    text: str | None
    answer_id: int


def log_contact_access(uuid: str) -> None:
    """Record that the signed-in admin is about to see one response's contact details.

    Loading the user and the response opened a read transaction; end it so the entry gets a
    write transaction of its own (BEGIN IMMEDIATE on SQLite), committed before anything shows.
    """
    user_id, email = current_user.id, current_user.email
    db.session.rollback()
    begin_write()
    db.session.add(AccessLog(user_id=user_id, user_email=email, action="view_contact", detail=uuid))
    db.session.commit()


@bp.route("/responses/<uuid>", methods=["GET", "POST"])
@login_required
def response_detail(uuid: str):
    response = db.session.scalar(
        select(Response).where(Response.uuid == uuid, Response.status == SUBMITTED)
    )
    if response is None:
        abort(404)
    language = current_language()
    show_contact = request.method == "POST" and request.form.get("action") == "show_contact"
    if show_contact and not current_user.is_admin:
        abort(403)
    if show_contact:
        log_contact_access(response.uuid)
    rows = [
        _Row(*row)
        for row in db.session.execute(
            select(Answer.question, Answer.option, Answer.rank, Answer.text, Answer.id)
            .where(Answer.response_id == response.id)
            .order_by(Answer.id)
        )
    ]
    grouped: dict[str, list[_Row]] = {}
    for row in rows:
        grouped.setdefault(row.question, []).append(row)
    text_ids = [
        row.answer_id
        for row in rows
        if QUESTIONS_BY_CODE.get(row.question) is not None
        and QUESTIONS_BY_CODE[row.question].type == "text"
    ]
    translated = translations_for(text_ids, language) if response.language != language else {}
    contact: list[tuple[str, str]] | None = None
    contact_given = bool(grouped.get("q17"))
    if show_contact:
        contact_question = QUESTIONS_BY_CODE["q17"]
        assert isinstance(contact_question, ContactQuestion)
        labels = {part.code: str(part.label) for part in contact_question.parts}
        contact = [
            (labels.get(row.option, row.option), row.text or "") for row in grouped.get("q17", [])
        ]
    known = stored_answers(response)
    shown = []
    for question in QUESTIONS:
        if isinstance(question, ContactQuestion):
            continue
        shown.append(
            ShownAnswer(
                question=question,
                number=DISPLAY_NUMBERS[question.code],
                kind=question.type,
                values=_describe(question, grouped.get(question.code, []), language, translated),
                asked=question.is_asked(known),
            )
        )
    return render_template(
        "results/response.html",
        response=response,
        shown=shown,
        contact=contact,
        contact_given=contact_given,
        contact_question=QUESTIONS_BY_CODE["q17"],
        contact_number=DISPLAY_NUMBERS["q17"],
    )
