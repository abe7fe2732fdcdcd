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
from survey.models import CodingCategory
from survey.open_answers import coding

#: Most answers one request lists.
MOST_ANSWERS = 500


def _error(message: str, status: int = 400):
    return jsonify(
        {"error": "bad_request" if status == 400 else "not_found", "message": message}
    ), status


def _field(field: str) -> str:
    try:
        return coding.field_of(field).field
    except coding.CodingError as error:
        abort(404, description=str(error))


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


def _names(body: dict[str, Any]) -> dict[str, str] | None:
    names = body.get("name")
    if names is None:
        return None
    if not isinstance(names, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in names.items()
    ):
        abort(400, description=_('“name” must map languages to names, e.g. {"en": "Financing"}.'))
    return names


def _change(action):
    """Run a change to the coding in a write transaction: 400 with the reason if refused."""
    require_annotator()
    begin_write()
    try:
        result = action()
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
    description = body.get("description", "")
    code = body.get("code")
    if not isinstance(description, str) or not (code is None or isinstance(code, str)):
        return _error(_("“code” and “description” must be text."))

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
    description, retired = body.get("description"), body.get("retired")
    if not (description is None or isinstance(description, str)):
        return _error(_("“description” must be text."))
    if not (retired is None or isinstance(retired, bool)):
        return _error(_("“retired” must be true or false."))

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
    args = request.args
    try:
        offset = max(0, int(args.get("offset", 0)))
        limit = min(MOST_ANSWERS, max(1, int(args.get("limit", 100))))
    except ValueError:
        return _error(_("“offset” and “limit” must be whole numbers."))
    try:
        conditions = coding.Conditions(
            uncoded=args.get("uncoded") == "1",
            category_code=args.get("category") or None,
            language=args.get("lang") or None,
            search=args.get("q") or None,
        )
        listing = coding.answers_to_code(field, conditions, offset=offset, limit=limit)
    except LookupError:
        return _error(_("There is no such category in this question."))
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
