"""The responses list, excluding and restoring responses, possible duplicates.

    GET  /results/responses                     every response, filtered, searched, paged
    POST /results/responses/<uuid>/exclusion    action=exclude (reason) | restore   (admin)
    GET  /results/responses/exclude             what a bulk exclusion would do    (admin)
    POST /results/responses/exclude             confirm=1 excludes it              (admin)
    GET  /results/responses/duplicates          possible duplicates                (admin)

Routes only: the list is `survey.response_list`, the changes `survey.exclusion`, the
duplicates `survey.duplicates`. Anyone signed in reads the list; every change needs the
admin role (403 otherwise) and is a POST with a CSRF token.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import _, ngettext
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from survey import aggregation, duplicates, exclusion, response_list
from survey.auth.access import require_admin
from survey.auth.audit import Actor
from survey.database import begin_write
from survey.exclusion import ExclusionError
from survey.extensions import db
from survey.i18n import current_language
from survey.models import SOURCES
from survey.response_list import SORTS, ListFilters
from survey.results import bp, dashboard, response_page
from survey.results.views import render_response
from survey.selection import FilterError, Filters

#: Query arguments of the list that are not filters.
LIST_ONLY = ("sort", "after")
#: Most response ids one bulk exclusion takes by list.
MOST_IDS = 10_000
_ID_SEPARATORS = re.compile(r"[\s,;]+")


@bp.context_processor
def names() -> dict:
    return {
        "status_names": response_list.STATUS_LABELS,
        "source_names": response_list.SOURCE_LABELS,
        "sort_names": response_list.SORT_LABELS,
    }


def _selection(args: MultiDict) -> tuple[ListFilters, str, str | None]:
    """The list's filters, order and error (then everything is listed)."""
    sort = args.get("sort") or response_list.DEFAULT_SORT
    if sort not in SORTS:
        message = _("Unknown order: “%(value)s”.", value=sort)
        return ListFilters(), response_list.DEFAULT_SORT, message
    try:
        return ListFilters.from_args(args), sort, None
    except FilterError as error:
        return ListFilters(), sort, str(error)


def _list_url(selection: ListFilters, **extra: str) -> str:
    pairs = [*selection.to_args(), *((k, v) for k, v in extra.items() if v)]
    base = url_for("results.responses")
    return f"{base}?{urlencode(pairs)}" if pairs else base


@bp.get("/responses")
@login_required
def responses():
    selection, sort, error = _selection(request.args)
    after = request.args.get("after") if not error else None
    try:
        page = response_list.page_of_responses(selection, sort, after)
    except FilterError as cursor_error:  # an out-of-date page link: the first page
        error, after = str(cursor_error), None
        page = response_list.page_of_responses(selection, sort)
    language = current_language()
    chosen_sort = sort if sort != response_list.DEFAULT_SORT else ""
    # The unfiltered results (cached under the data version) count the submitted responses
    # and the drafts already: only the excluded ones are left to count.
    everyone = aggregation.aggregate_results(Filters(), language)
    counts = response_list.status_counts(everyone["total"], everyone["in_progress"])
    return render_template(
        "results/responses.html",
        page=page,
        total=response_list.count_responses(selection) if selection else sum(counts.values()),
        counts=counts,
        questions=response_list.question_total(),
        selection=selection,
        sort=sort,
        sorts=SORTS,
        sources=SOURCES,
        error=error,
        # The dashboard's filter form, its countries with answers first.
        filter_fields=dashboard.filter_fields(everyone, language),
        filter_values=MultiDict(selection.filters.to_args()),
        next_url=_list_url(selection, sort=chosen_sort, after=page.next) if page.next else None,
        first_url=_list_url(selection, sort=chosen_sort) if after else None,
        bulk_url=(
            f"{url_for('results.bulk_exclude')}?{urlencode(selection.to_args())}"
            if selection
            else None
        ),
    ), 400 if error else 200


# --------------------------------------------------------------------------- one response


@bp.post("/responses/<uuid>/exclusion")
@login_required
def response_exclusion(uuid: str):
    require_admin()
    response = response_page.find_response(uuid)
    if response is None:
        abort(404)
    action = request.form.get("action")
    if action not in ("exclude", "restore"):
        abort(400)
    reason = request.form.get("reason", "")
    begin_write()
    actor = Actor.of(current_user)
    try:
        if action == "exclude":
            changed = exclusion.exclude([uuid], reason, actor)
        else:
            changed = exclusion.restore([uuid], actor)
    except ExclusionError as error:
        db.session.rollback()
        return render_response(response, reason_error=str(error), typed_reason=reason), 400
    db.session.commit()
    if action == "exclude":
        done = _("The response is excluded from every figure and export.")
        flash(done if changed else _("Only submitted responses can be excluded."))
    else:
        flash(_("The response counts again.") if changed else _("The response was not excluded."))
    return redirect(url_for("results.response_detail", uuid=uuid))


# --------------------------------------------------------------------------- many


def _ids_from(form: MultiDict) -> list[str]:
    ids = form.getlist("id")
    for text in form.getlist("ids"):
        ids += [part for part in _ID_SEPARATORS.split(text) if part]
    return list(dict.fromkeys(ids))


@bp.route("/responses/exclude", methods=["GET", "POST"])
@login_required
def bulk_exclude():
    """Exclude a list of responses (by id) or every submitted response the list's filters
    select, after a confirmation that says how many."""
    require_admin()
    form = request.form if request.method == "POST" else request.args
    selection, _sort, error = _selection(form)
    ids = _ids_from(form)
    by_ids = bool(ids) or not selection
    found = exclusion.ExcludableIds([], [], [])
    count = 0
    if len(ids) > MOST_IDS:
        error = _("Give at most %(num)d response ids at once.", num=MOST_IDS)
    elif by_ids:
        found = exclusion.excludable_by_ids(ids)
        count = len(found.submitted)
    elif not error:
        count = exclusion.excludable_count(selection)
    confirmed = request.method == "POST" and form.get("confirm") == "1" and count and not error
    if confirmed and form.get("expected") != str(count):
        error = _("The number of responses has changed meanwhile: check it again.")
    elif confirmed:
        begin_write()
        actor = Actor.of(current_user)
        try:
            if by_ids:
                changed = exclusion.exclude(
                    found.submitted, form.get("reason", ""), actor, "by ids"
                )
            else:
                changed = exclusion.exclude_matching(selection, form.get("reason", ""), actor)
        except ExclusionError as refused:
            db.session.rollback()
            error = str(refused)
        else:
            db.session.commit()
            flash(
                ngettext("%(num)d response excluded.", "%(num)d responses excluded.", len(changed))
            )
            return redirect(url_for("results.responses", status="excluded"))
    language = current_language()
    return render_template(
        "results/bulk_exclude.html",
        selection=selection,
        by_ids=by_ids,
        ids=ids,
        found=found,
        count=count,
        reason=form.get("reason", ""),
        error=error,
        filters=dashboard.active_filters(MultiDict(selection.filters.to_args()), language),
        list_url=_list_url(selection),
    ), 400 if error and request.method == "POST" else 200


@bp.get("/responses/duplicates", endpoint="duplicates")
@login_required
def duplicates_page():
    require_admin()
    return render_template(
        "results/duplicates.html",
        groups=duplicates.possible_duplicates(),
        min_coded=duplicates.MIN_CODED,
        questions=response_list.question_total(),
    )
