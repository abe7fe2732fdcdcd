"""The responses list, exclusions and the survey's state through the JSON API.

    GET    /api/responses?status=&q=&source=&sort=&limit=&after=&<filters>
           -> {"responses": [{"response_id", "language", "status", "started_at",
               "submitted_at", "answered", "source", "excluded_reason"}], "next": cursor|null}
    POST   /api/responses/<response_id>/exclusion   {"reason": "..."}   (admin) excludes
    DELETE /api/responses/<response_id>/exclusion                       (admin) restores
    GET    /api/survey  -> {"state": "open"|"closed", "opens_at", "closes_at"}
    PATCH  /api/survey  {"state"?, "opens_at"?, "closes_at"?}            (admin)

The same operations as the console pages (`survey.response_list`, `survey.exclusion`,
`survey.survey_state`), with the same roles: anyone signed in (or with a bearer token)
reads; changes need the admin role (403). Times are UTC, ISO 8601 to the second.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import abort, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from survey import exclusion, response_list
from survey.api import bp
from survey.api.openapi import openapi_document
from survey.auth.access import require_admin
from survey.auth.audit import Actor
from survey.database import begin_write
from survey.dataset import format_timestamp
from survey.exclusion import ExclusionError
from survey.extensions import db
from survey.models import DRAFT, EXCLUDED
from survey.response_list import ListedResponse, ListFilters
from survey.results.response_page import find_response
from survey.selection import FilterError
from survey.survey_state import (
    KEEP,
    Schedule,
    StateError,
    change_state,
    current_schedule,
    parse_time,
)

#: The keys PATCH /api/survey takes.
SURVEY_KEYS = ("state", "opens_at", "closes_at")


def _error(message: str, status: int = 400):
    names = {400: "bad_request", 404: "not_found", 409: "conflict"}
    return jsonify({"error": names[status], "message": message}), status


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _stamp(value: datetime | None) -> str | None:
    return format_timestamp(value) if value is not None else None


def response_json(row: ListedResponse) -> dict[str, Any]:
    return {
        "response_id": row.uuid,
        "language": row.language,
        "status": row.status,
        "started_at": _stamp(row.started_at),
        "submitted_at": _stamp(row.submitted_at),
        "answered": row.answered,
        "source": row.source,
        "excluded_reason": row.excluded_reason,
    }


def _refuse_blank_parameters() -> None:
    """A documented parameter given without a value is an error, not "no filter" (as for
    /api/results): a script's unset variable must not silently list everybody."""
    operation = openapi_document()["paths"]["/api/responses"]["get"]
    for parameter in operation["parameters"]:
        name = parameter["name"]
        for value in request.args.getlist(name):
            # Free text may hold commas; a filter's values are separated by them.
            parts = [value] if name in ("q", "after") else value.split(",")
            if any(not part.strip() for part in parts):
                raise FilterError(_("Give a value for %(code)s, or leave it out.", code=name))


@bp.get("/responses")
@login_required
def list_responses():
    try:
        _refuse_blank_parameters()
        for key in ("sort", "after", "limit"):
            if len(request.args.getlist(key)) > 1:
                raise FilterError(_("Give only one value for %(code)s.", code=key))
        selection = ListFilters.from_args(request.args)
        limit = response_list.page_size(request.args.get("limit"))
        page = response_list.page_of_responses(
            selection,
            request.args.get("sort") or response_list.DEFAULT_SORT,
            request.args.get("after"),
            limit,
        )
    except FilterError as error:
        return _error(str(error))
    body = {"responses": [response_json(row) for row in page.responses], "next": page.next}
    return _no_store(jsonify(body))


def _one_response(uuid: str) -> ListedResponse:
    response = find_response(uuid)
    if response is None:
        abort(404, description=_("There is no response with this id."))
    return response_list.listed_by_id([response.id])[response.id]


@bp.post("/responses/<response_id>/exclusion")
@login_required
def exclude_response(response_id: str):
    require_admin()
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or set(body) - {"reason"}:
        return _error(_('Send the reason as a JSON object: {"reason": "…"}.'))
    reason = body.get("reason")
    if not isinstance(reason, str):
        return _error(_('Send the reason as a JSON object: {"reason": "…"}.'))
    row = _one_response(response_id)
    try:
        reason = exclusion.checked_reason(reason)
    except ExclusionError as error:
        return _error(str(error))
    if row.status == DRAFT:
        return _error(_("Only submitted responses can be excluded."), 409)
    if row.status == EXCLUDED:
        if row.excluded_reason == reason:  # the same request again: done already
            return _no_store(jsonify(response_json(row)))
        return _error(_("This response is excluded already, for another reason."), 409)
    begin_write()
    try:
        exclusion.exclude([response_id], reason, Actor.of(current_user))
    except ExclusionError as error:
        db.session.rollback()
        return _error(str(error))
    db.session.commit()
    return _no_store(jsonify(response_json(_one_response(response_id))))


@bp.delete("/responses/<response_id>/exclusion")
@login_required
def restore_response(response_id: str):
    require_admin()
    row = _one_response(response_id)
    if row.status == DRAFT:
        return _error(_("This response is in progress: it was never excluded."), 409)
    if row.status == EXCLUDED:
        begin_write()
        exclusion.restore([response_id], Actor.of(current_user))
        db.session.commit()
        row = _one_response(response_id)
    return _no_store(jsonify(response_json(row)))


def survey_json(schedule: Schedule) -> dict[str, Any]:
    return {
        "state": schedule.state(),
        "opens_at": _stamp(schedule.opens_at),
        "closes_at": _stamp(schedule.closes_at),
    }


@bp.get("/survey")
@login_required
def survey_state():
    return _no_store(jsonify(survey_json(current_schedule())))


@bp.patch("/survey")
@login_required
def change_survey_state():
    require_admin()
    body = request.get_json(silent=True)
    message = _(
        'Send a JSON object with any of "state" ("open" or "closed"), "opens_at" and '
        '"closes_at" (a time like 2027-01-31T18:00:00Z, or null).'
    )
    if not isinstance(body, dict) or not body or set(body) - set(SURVEY_KEYS):
        return _error(message)
    try:
        state = body.get("state")
        if "state" in body and state not in ("open", "closed"):
            raise StateError(message)
        times = {key: _time(body, key, message) for key in ("opens_at", "closes_at")}
        begin_write()
        schedule = change_state(Actor.of(current_user), state=state, **times)
    except StateError as error:
        db.session.rollback()
        return _error(str(error))
    db.session.commit()
    return _no_store(jsonify(survey_json(schedule)))


def _time(body: dict[str, Any], key: str, message: str) -> Any:
    if key not in body:
        return KEEP
    value = body[key]
    if value is None:
        return None
    if not isinstance(value, str):
        raise StateError(message)
    return parse_time(value)
