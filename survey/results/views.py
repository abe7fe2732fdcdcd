"""Dashboard pages for the working group: live results, open answers, one full response.

Routes only: what a page shows is worked out by `survey.results.dashboard`,
`survey.open_answers.listing` and `survey.results.response_page`, which take no request
objects. No state is kept between requests, so the live updates work the same with any
number of gunicorn workers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from flask import abort, render_template, request, url_for
from flask_login import current_user, login_required

from survey.auth.access import record_access
from survey.exclusion import REASON_LIMIT
from survey.i18n import current_language
from survey.models import Response
from survey.open_answers.listing import count_answers, page_of_answers
from survey.questionnaire import current_questionnaire
from survey.results import bp, charts, dashboard, response_page
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
    language = current_language()
    context, status = dashboard.dashboard_context(request.args, language)
    context.update(
        charts=charts, url_with=url_with, url_without=url_without, answers_url=answers_url
    )
    if request.args.get("fragment") == "1":
        context["announcement"] = dashboard.update_announcement(
            context["body"].get("total", 0), request.args.get("previous")
        )
        return render_template("results/_body.html", **context), status
    context["schedule"] = current_schedule()
    context["filter_fields"] = dashboard.filter_fields(context["body"], language)
    context["compare_choices"] = dashboard.compare_choices()
    context["version_url"] = url_for("api.version")
    return render_template("results/dashboard.html", **context), status


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
