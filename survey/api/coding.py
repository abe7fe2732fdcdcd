"""The coding of open answers through the JSON API, for scripts and other tools.

The same work as the coding pages, with the same roles: anyone signed in (or with a bearer
token) reads; changes need the analyst or admin role. A session cookie's change must carry
the CSRF token (`X-CSRFToken`); a bearer token needs none, since a browser never sends one by
itself.

    GET    /api/coding/<field>/categories
    POST   /api/coding/<field>/categories                 {"code"?, "name": {...}, "description"?}
    PATCH  /api/coding/<field>/categories/<code>          {"name"?, "description"?, "retired"?}
    POST   /api/coding/<field>/categories/<code>/merge    {"into": "<code>"}
    GET    /api/coding/<field>/answers?uncoded=1&category=&lang=&q=&offset=&limit=
    PUT    /api/coding/<field>/answers/<response_id>      {"categories": ["financing", ...]}
"""

from __future__ import annotations

from typing import Any

from flask import abort, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from survey.api import bp
from survey.auth.access import require_annotator
from survey.database import begin_write
from survey.extensions import db
from survey.i18n import languages
from survey.models import CodingCategory
from survey.open_answers import coding

#: Most answers one request lists.
MOST_ANSWERS = 500
# Past any real count of answers, and inside the databases' 64-bit integers.
LAST_OFFSET = 2**31 - 1


ERROR_NAMES = {400: "bad_request", 404: "not_found", 409: "conflict"}


def _error(message: str, status: int = 400):
    return jsonify({"error": ERROR_NAMES[status], "message": message}), status


def _field(field: str) -> str:
    try:
        return coding.field_of(field).field
    except coding.CodingError as error:
        abort(404, description=str(error))


def _one(key: str) -> str | None:
    """A query argument given at most once (ValueError otherwise)."""
    values = request.args.getlist(key)
    if len(values) > 1:
        raise ValueError(_("Give only one value for %(code)s.", code=key))
    return values[0] if values else None


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, description=_("Send a JSON object."))
    return body


def _category_json(category: CodingCategory, count: int) -> dict[str, Any]:
    return {
        "code": category.code,
        "name": dict(category.names),
        "description": category.description,
        "retired": category.is_retired,
        "count": count,
    }


def _given(body: dict[str, Any], key: str, kind: type, message: str) -> Any:
    """The body's `key` if given (None if left out); 400 with `message` if it is of another
    kind. An explicit null is not "left out": it is refused like any other wrong value."""
    if key not in body:
        return None
    value = body[key]
    if not isinstance(value, kind):
        abort(400, description=message)
    return value


def _names(body: dict[str, Any]) -> dict[str, str] | None:
    message = _('“name” must map languages to names, e.g. {"en": "Financing"}.')
    names = _given(body, "name", dict, message)
    if names is not None and not all(isinstance(v, str) for v in names.values()):
        abort(400, description=message)
    return names


def _change(action):
    """Run a change to the coding in a write transaction: 400 with the reason if refused."""
    require_annotator()
    begin_write()
    try:
        result = action()
    except coding.CodingConflict as error:
        db.session.rollback()
        return _error(str(error), 409)
    except coding.CodingError as error:
        db.session.rollback()
        return _error(str(error))
    except LookupError:
        db.session.rollback()
        return _error(_("There is no such category in this question."), 404)
    db.session.commit()
    return result


@bp.get("/coding/<field>/categories")
@login_required
def coding_categories(field: str):
    field = _field(field)
    counts = coding.category_counts(field)
    return jsonify(
        {"field": field, "categories": [_category_json(c.category, c.count) for c in counts]}
    )


@bp.post("/coding/<field>/categories")
@login_required
def create_coding_category(field: str):
    field = _field(field)
    body = _body()
    description = _given(body, "description", str, _("“description” must be text.")) or ""
    code = _given(body, "code", str, _("“code” must be text."))

    def create():
        category = coding.create_category(
            field, _names(body) or {}, code, description, current_user
        )
        return jsonify(_category_json(category, 0)), 201

    return _change(create)


@bp.patch("/coding/<field>/categories/<code>")
@login_required
def change_coding_category(field: str, code: str):
    field = _field(field)
    body = _body()
    description = _given(body, "description", str, _("“description” must be text."))
    retired = _given(body, "retired", bool, _("“retired” must be true or false."))

    def change():
        category = coding.update_category(field, code, _names(body), description, retired)
        return jsonify(_category_json(category, coding.coding_count(category)))

    return _change(change)


@bp.post("/coding/<field>/categories/<code>/merge")
@login_required
def merge_coding_category(field: str, code: str):
    field = _field(field)
    into = _body().get("into")
    if not isinstance(into, str):
        return _error(_('Say which category to merge into: {"into": "code"}.'))

    def merge():
        moved = coding.merge_categories(field, code, into)
        target = coding.category(field, into)
        return jsonify(
            {"moved": moved, "into": _category_json(target, coding.coding_count(target))}
        )

    return _change(merge)


@bp.get("/coding/<field>/answers")
@login_required
def coding_answers(field: str):
    field = _field(field)
    try:
        args = {key: _one(key) for key in ("uncoded", "category", "lang", "q", "offset", "limit")}
    except ValueError as error:
        return _error(str(error))
    if args["uncoded"] not in (None, "0", "1"):
        return _error(_("Write uncoded=1 for the answers not coded yet, or leave it out."))
    if args["lang"] is not None and args["lang"] not in languages():
        return _error(_("Unknown language: “%(value)s”.", value=args["lang"]))
    try:
        offset = int(args["offset"]) if args["offset"] is not None else 0
        limit = int(args["limit"]) if args["limit"] is not None else 100
    except ValueError:
        offset = limit = -1
    if not 0 <= offset <= LAST_OFFSET or not 1 <= limit <= MOST_ANSWERS:
        return _error(_("“offset” and “limit” must be whole numbers (limit up to 500)."))
    try:
        conditions = coding.Conditions(
            uncoded=args["uncoded"] == "1",
            category_code=args["category"] or None,
            language=args["lang"],
            search=args["q"] or None,
        )
    except coding.CodingError as error:
        return _error(str(error))
    try:
        listing = coding.answers_to_code(field, conditions, offset=offset, limit=limit)
    except LookupError:  # no such category: no answer is coded into it
        listing = coding.Listing([], 0)
    codes = {c.id: c.code for c in coding.categories(field)}
    return jsonify(
        {
            "field": field,
            "total": listing.total,
            "answers": [
                {
                    "response_id": answer.response_uuid,
                    "text": answer.text,
                    "language": answer.language,
                    "translations": dict(answer.translations),
                    "categories": sorted(codes[c] for c in answer.category_ids if c in codes),
                }
                for answer in listing.answers
            ],
        }
    )


@bp.put("/coding/<field>/answers/<response_id>")
@login_required
def code_answer(field: str, response_id: str):
    field = _field(field)
    chosen = _body().get("categories")
    if not isinstance(chosen, list) or not all(isinstance(c, str) for c in chosen):
        return _error(_('Send the answer\'s categories as a list of codes: {"categories": [...]}.'))

    def code():
        try:
            answer = coding.answer_of(field, response_id)
        except LookupError:
            abort(404, description=_("This response has no answer to this question."))
        coding.set_codings(field, answer, chosen, current_user)
        ids = coding.codings_of([answer]).get(answer, set())
        codes = {c.id: c.code for c in coding.categories(field)}
        return jsonify({"response_id": response_id, "categories": sorted(codes[c] for c in ids)})

    return _change(code)
