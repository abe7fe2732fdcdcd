"""Dashboard pages for the working group: live results, open answers, one full response.

Routes only: what a page shows is worked out by `survey.results.dashboard`,
`survey.open_answers.listing` and `survey.results.response_page`, which take no request
objects. No state is kept between requests, so the live updates work the same with any
number of gunicorn workers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from flask import Response as HTTPResponse
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import _
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from survey import aggregation
from survey.auth.access import record_access
from survey.database import begin_write
from survey.exclusion import REASON_LIMIT
from survey.exports.neutralise import neutralise
from survey.extensions import db
from survey.i18n import current_language
from survey.models import Response
from survey.open_answers.listing import count_answers, page_of_answers
from survey.questionnaire import current_questionnaire
from survey.results import bp, charts, dashboard, response_page, saved_views
from survey.survey_state import current_schedule

ANSWERS_PER_PAGE = dashboard.ANSWERS_ON_DASHBOARD
#: Arguments of this page that a link to another page never carries.
TRANSIENT = ("fragment", "previous")


# --------------------------------------------------------------------------- links


def url_with(endpoint: str = "results.dashboard", drop: Iterable[str] = (), **changes: Any) -> str:
    """This page's URL with some query arguments replaced (None removes) or dropped."""
    pairs = [
        (key, value)
        for key, value in request.args.items(multi=True)
        if key not in changes and key not in drop and key not in TRANSIENT
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
        if not (k == key and v == value) and k not in (*TRANSIENT, "page")
    ]
    base = url_for("results.dashboard")
    return f"{base}?{urlencode(pairs)}" if pairs else base


def with_filters(
    endpoint: str,
    args: MultiDict | None = None,
    extra: Iterable[tuple[str, str | None]] = (),
    **values: Any,
) -> str:
    """A page of `endpoint` for the dashboard's respondents: its filters and "figures as
    recoded" (never an empty value), e.g. the export page for "Export these results";
    `extra` adds arguments (those without a value are left out)."""
    args = request.args if args is None else args
    pairs = [(k, v) for k, v in dashboard.filter_args(args).items(multi=True) if v != ""]
    if args.get("recoded") == "1":
        pairs.append(("recoded", "1"))
    pairs += [(key, value) for key, value in extra if value]
    base = url_for(endpoint, **values)
    return f"{base}?{urlencode(pairs)}" if pairs else base


def results_url(endpoint: str, **values: Any) -> str:
    """A download of what the dashboard shows (a chart, a table): `endpoint` with the
    dashboard's filters, comparison and figures, without its sorting or paging."""
    skipped = {*TRANSIENT, "page", *current_questionnaire().sort_parameters}
    pairs = [(k, v) for k, v in request.args.items(multi=True) if k not in skipped and v != ""]
    base = url_for(endpoint, **values)
    return f"{base}?{urlencode(pairs)}" if pairs else base


def clean_url() -> str | None:
    """This page's URL without empty query arguments, when it has any (None otherwise): the
    filter form sends every field, chosen or not."""
    pairs = list(request.args.items(multi=True))
    kept = [(key, value) for key, value in pairs if value.strip() != ""]
    if len(kept) == len(pairs):
        return None
    base = url_for(request.endpoint or "results.dashboard", **(request.view_args or {}))
    return f"{base}?{urlencode(kept)}" if kept else base


def answers_url(field: str, page: int = 1) -> str:
    """The page listing all answers to an open field, with the dashboard's filters."""
    pairs = list(dashboard.filter_args(request.args).items(multi=True))
    if page > 1:
        pairs.append(("page", str(page)))
    base = url_for("results.answers", code=field)
    return f"{base}?{urlencode(pairs)}" if pairs else base


# --------------------------------------------------------------------------- pages


@bp.route("/", endpoint="dashboard")
@login_required
def dashboard_page():
    cleaned = clean_url()
    if cleaned is not None:
        return redirect(cleaned)
    return render_dashboard(request.args)


def render_dashboard(
    args: MultiDict, view_error: str | None = None, view_name: str = ""
) -> tuple[str, int]:
    language = current_language()
    context, status = dashboard.dashboard_context(args, language)
    context.update(
        charts=charts,
        url_with=url_with,
        url_without=url_without,
        answers_url=answers_url,
        with_filters=with_filters,
        results_url=results_url,
        choice_label=dashboard.choice_label,
    )
    if args.get("fragment") == "1":
        context["announcement"] = dashboard.update_announcement(
            context["body"].get("total", 0), args.get("previous")
        )
        return render_template("results/_body.html", **context), status
    context.update(
        schedule=current_schedule(),
        filter_fields=dashboard.filter_fields(context["body"], language),
        compare_groups=dashboard.compare_groups(),
        version_url=url_for("api.version"),
        contents=dashboard.contents(context["body"]),
        saved_views=saved_views.saved_views(),
        may_delete_view=lambda view: saved_views.may_delete(view, current_user),
        view_query=urlencode(list(args.items(multi=True))),
        view_error=view_error,
        view_name=view_name,
    )
    return render_template("results/dashboard.html", **context), (400 if view_error else status)


# --------------------------------------------------------------------------- saved views


@bp.post("/views")
@login_required
def save_view():
    """Save the dashboard's filters and comparison (`query`) under a name."""
    if not current_user.may_annotate:
        abort(403)
    args = MultiDict(
        [(k, v) for k, v in MultiDict(_parsed(request.form.get("query", ""))).items(multi=True)]
    )
    name = request.form.get("name", "")
    try:
        begin_write()
        view = saved_views.save_view(name, args, current_user)
    except saved_views.SavedViewError as error:
        db.session.rollback()
        return render_dashboard(args, str(error), name)
    db.session.commit()
    flash(_("View “%(name)s” saved: everyone in the working group can open it.", name=view.name))
    return redirect(_dashboard_url(view.query))


@bp.post("/views/<int:view_id>/delete")
@login_required
def delete_view(view_id: int):
    if not current_user.may_annotate:
        abort(403)
    try:
        begin_write()
        saved_views.delete_view(view_id, current_user)
    except LookupError:
        db.session.rollback()
        abort(404)
    except PermissionError:
        db.session.rollback()
        abort(403)
    db.session.commit()
    flash(_("The view was deleted."))
    return redirect(_dashboard_url(request.form.get("back", "")))


def _parsed(query: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(query, keep_blank_values=False)


def _dashboard_url(query: str) -> str:
    pairs = [(k, v) for k, v in _parsed(query) if k not in TRANSIENT]
    base = url_for("results.dashboard")
    return f"{base}?{urlencode(pairs)}" if pairs else base


# --------------------------------------------------------------------------- downloads


def _download_name(stem: str, extension: str) -> str:
    return f"survey-{stem}-{datetime.now(UTC):%Y-%m-%d}.{extension}"


def _results_for(code: str) -> tuple[Any, dict[str, Any], dict[str, Any] | None, list[str]]:
    """The question `code` and its figures for the dashboard's filters and comparison."""
    question = current_questionnaire().get(code)
    state = dashboard.read_state(request.args)
    if question is None or question.personal or state.error:
        abort(404 if not state.error else 400, description=state.error)
    language = current_language()
    data = aggregation.data_state()
    body = aggregation.aggregate_results(state.filters, language, state.recoded, data)
    if code not in body["questions"]:
        abort(404)
    comparison = None
    if state.compare:
        comparison = aggregation.compare_segments(
            state.compare, state.filters, language, state.recoded, state.group_below, data
        )
    return question, body["questions"][code], comparison, dashboard.segment_headings(comparison)


@bp.get("/charts/<code>.svg")
@login_required
def chart_svg(code: str):
    """One question's chart as an SVG file (segments side by side with ?compare)."""
    question, entry, comparison, headings = _results_for(code)
    if not question.chart_macro:
        abort(404)
    compared = comparison is not None and comparison["compare"].partition(".")[0] != code
    svg = render_template(
        "results/chart.svg",
        question=question,
        title=f"{current_questionnaire().number(code)}. {question.short_label}",
        entry=entry,
        segments=comparison["segments"] if compared and comparison else [],
        headings=headings if compared else [],
        charts=charts,
    )
    return _attachment(svg, "image/svg+xml", _download_name(f"chart-{code}", "svg"))


@bp.get("/charts/timeline.svg")
@login_required
def timeline_svg():
    state = dashboard.read_state(request.args)
    if state.error:
        abort(400, description=state.error)
    found = dashboard.timeline(state.filters, aggregation.data_state())
    svg = render_template("results/timeline.svg", chart=dashboard.timeline_chart(found))
    return _attachment(svg, "image/svg+xml", _download_name("responses-over-time", "svg"))


@bp.get("/tables/<code>.<any(csv, tsv):kind>")
@login_required
def table_file(code: str, kind: str):
    """One question's table as CSV (for a spreadsheet, with a byte order mark) or as TSV
    (what the dashboard's Copy button puts on the clipboard)."""
    question, entry, comparison, headings = _results_for(code)
    compared = comparison is not None and comparison["compare"].partition(".")[0] != code
    if compared and comparison:
        segments = [
            {**segment, "label": heading}
            for segment, heading in zip(comparison["segments"], headings, strict=True)
        ]
        table = question.comparison_table(segments)
    else:
        table = question.result_table(entry)
    if table is None:
        abort(404)
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t" if kind == "tsv" else ",", lineterminator="\r\n")
    for row in [table.header, *table.rows]:
        writer.writerow([neutralise(cell) if isinstance(cell, str) else cell for cell in row])
    if kind == "tsv":
        return HTTPResponse(out.getvalue(), mimetype="text/tab-separated-values")
    name = _download_name(f"table-{code}", "csv")
    return _attachment("\ufeff" + out.getvalue(), "text/csv", name)


def _attachment(body: str, mimetype: str, filename: str) -> HTTPResponse:
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return HTTPResponse(body, mimetype=mimetype, headers=headers)


@bp.route("/answers/<code>")
@login_required
def answers(code: str):
    questionnaire = current_questionnaire()
    field = questionnaire.open_field(code)
    if field is None or field.field != code:
        abort(404)
    language = current_language()
    state = dashboard.read_state(request.args)
    page = request.args.get("page", "1")
    number = int(page) if page.isdigit() and int(page) > 0 else 1
    entries, more = page_of_answers(
        code, state.filters, ANSWERS_PER_PAGE, (number - 1) * ANSWERS_PER_PAGE, language
    )
    count = count_answers(code, state.filters)
    return render_template(
        "results/answers.html",
        question=questionnaire.question(field.question),
        is_other=field.is_other,
        number=questionnaire.number(field.question),
        entries=entries,
        page=number,
        more=more,
        per_page=ANSWERS_PER_PAGE,
        count=count,
        pages=max(1, -(-count // ANSWERS_PER_PAGE)),
        error=state.error,
        filters=dashboard.active_filters(request.args, language) if not state.error else [],
        filter_query=urlencode(list(dashboard.filter_args(request.args).items(multi=True))),
        url_with=url_with,
    ), state.status


@bp.route("/responses/<uuid>", methods=["GET", "POST"])
@login_required
def response_detail(uuid: str):
    response = response_page.find_response(uuid)
    if response is None:
        abort(404)
    show_contact = request.method == "POST" and request.form.get("action") == "show_contact"
    if show_contact and not current_user.is_admin:
        abort(403)
    if show_contact:
        record_access(current_user.id, current_user.email, "view_contact", response.uuid)
    return render_response(response, show_contact=show_contact)


def render_response(
    response: Response,
    show_contact: bool = False,
    reason_error: str | None = None,
    typed_reason: str = "",
) -> str:
    """One response's page (any status), with what an admin may do with it."""
    shown, personal = response_page.response_answers(response, current_language(), show_contact)
    return render_template(
        "results/response.html",
        response=response,
        shown=shown,
        personal=personal,
        reason_error=reason_error,
        typed_reason=typed_reason,
        reason_limit=REASON_LIMIT,
    )
