"""JSON API for scripts and live dashboards: results, a cheap version, the OpenAPI document.

Every endpoint but the OpenAPI document needs a signed-in session or
`Authorization: Bearer TOKEN` (`flask --app survey create-token EMAIL`); anonymous
requests get 401 JSON from the login manager's unauthorized handler.
"""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import login_required

from survey import aggregation
from survey.api import bp
from survey.api.openapi import openapi_document
from survey.selection import FilterError, Filters, group_below, recoded_figures


def _bad_request(message: str):
    return jsonify({"error": "bad_request", "message": message}), 400


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/results")
@login_required
def results():
    """Totals and every question, filtered (?lang=ru&q2=yes) and optionally compared."""
    try:
        _refuse_empty_parameters("/api/results")
        filters = Filters.from_args(request.args)
        locale = _single(request.args, "locale") or current_app.config["BABEL_DEFAULT_LOCALE"]
        compare = _single(request.args, "compare")
        recoded = recoded_figures(request.args)
        smallest = group_below(request.args)
        if compare:
            body = aggregation.compare_segments(compare, filters, locale, recoded, smallest)
        else:
            body = aggregation.aggregate_results(filters, locale, recoded)
    except FilterError as error:
        return _bad_request(str(error))
    return _no_store(jsonify(body))


@bp.get("/version")
@login_required
def version():
    """A value that changes with every submission: poll it, refetch results when it changes."""
    return _no_store(jsonify(aggregation.version_info()))


@bp.get("/jobs/<job_uuid>")
@login_required
def job_status(job_uuid: str):
    """A background job of the caller's (a large export): status, progress, its file's URL."""
    from survey.jobs.views import status_of, visible_job

    return _no_store(jsonify(status_of(visible_job(job_uuid))))


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


def _refuse_empty_parameters(path: str) -> None:
    """A documented parameter given without a value is an error here, not "no filter".

    The dashboard's filter form sends empty values for the filters left open, and
    `Filters` ignores them; but a script that sends `q14=` (an unset variable, say) would
    silently get the results of everybody instead of a segment.
    """
    for key in _documented_parameters(path):
        for value in request.args.getlist(key):
            # Also "q3= " or "q6=government,": Filters drops blank parts as well.
            if any(not part.strip() for part in value.split(",")):
                raise FilterError(_("Give a value for %(code)s, or leave it out.", code=key))


def _documented_parameters(path: str) -> list[str]:
    """The parameters the OpenAPI document lists for GET `path` (this app's questionnaire)."""
    operation = openapi_document()["paths"][path]["get"]
    return [parameter["name"] for parameter in operation.get("parameters", [])]


def _single(args, key: str) -> str | None:
    values = [value for value in args.getlist(key) if value != ""]
    if len(values) > 1:
        raise FilterError(_("Give only one value for %(code)s.", code=key))
    return values[0] if values else None
