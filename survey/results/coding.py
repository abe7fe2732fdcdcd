"""The coding view: the working group sorts an open field's answers into its categories.

    GET  /results/coding/                       every open field, with its progress
    GET  /results/coding/<field>                categories, and the answers to code: a list,
                                                or one at a time (?answer=<id>); filters
                                                uncoded=1, category=, lang=, q=
    POST /results/coding/<field>                action=create|update|retire|restore|move|
                                                merge|delete|code|code-one
    GET  /results/coding/<field>/agreement      two coders: Cohen's kappa, disagreements
    POST /results/coding/<field>/agreement      action=coders|reconcile

Anyone signed in reads; changes need the analyst or admin role (403 otherwise). Everything
works without JavaScript; `coding.js` adds the keyboard: number keys tick categories, j/k
(or n/p) next and previous, u the next uncoded answer, s saves. What the page shows comes
from `survey.open_answers.coding`; nothing typed is lost to an error (the page comes back
with it and the reason).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import _, ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from survey.auth.access import require_annotator
from survey.database import begin_write
from survey.extensions import db
from survey.i18n import current_language, languages
from survey.models import Answer, User
from survey.open_answers import coding
from survey.questionnaire import OpenField, asked_questionnaire
from survey.results import bp
from survey.results.open_answers import field_heading, field_label, language_label

PER_PAGE = 25
#: The query arguments of the answers' filters, kept by every link and form of the page.
LISTING_ARGS = ("uncoded", "category", "lang", "q")


def _field(name: str) -> OpenField:
    try:
        return coding.field_of(name)
    except coding.CodingError:
        abort(404)


def _listing_args() -> dict[str, str]:
    return {key: request.args[key] for key in LISTING_ARGS if request.args.get(key)}


def coding_url(field: str, **changes: Any) -> str:
    """The coding page of `field` with the current filters, some changed (None removes)."""
    args: dict[str, Any] = {**_listing_args(), **changes}
    query = urlencode({key: value for key, value in args.items() if value not in (None, "")})
    base = url_for("results.coding_page", field=field)
    return f"{base}?{query}" if query else base


def _page() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


# --------------------------------------------------------------------------- pages


@bp.route("/coding/")
@login_required
def coding_index():
    fields = []
    for field in asked_questionnaire().open_fields:
        answers, coded = coding.coding_progress(field.field)
        fields.append((field, field_label(field.field), answers, coded))
    return render_template("results/coding_index.html", fields=fields)


@bp.route("/categories")
@login_required
def categories():
    """Where the coding page used to be: the same page under its new address."""
    name = request.args.get("question")
    if not name:
        return redirect(url_for("results.coding_index"))
    return redirect(url_for("results.coding_page", field=_field(name).field))


def _conditions() -> coding.Conditions:
    args = request.args
    return coding.Conditions(
        uncoded=args.get("uncoded") == "1",
        category_code=args.get("category") or None,
        language=args.get("lang") if args.get("lang") in languages() else None,
        search=args.get("q") or None,
    )


def _render(field: OpenField, status: int = 200, typed: dict | None = None, error: str = ""):
    language = current_language()
    listing_error = ""
    one = request.args.get("answer", "")
    double = coding.is_double_coded(field.field, current_user)
    neighbours: dict[str, int] = {}
    position = None
    try:
        if one:
            ids = coding.listed_ids(field.field, _conditions(), current_user)
            chosen = int(one) if one.isdigit() and int(one) in ids else None
            position = ids.index(chosen) if chosen is not None else None
            neighbours = _neighbours(field, ids, position)
            listing = coding.answers_to_code(
                field.field, coder=current_user, answer_ids=[chosen] if chosen else []
            )
            listing = coding.Listing(listing.answers, len(ids))
        else:
            listing = coding.answers_to_code(
                field.field,
                _conditions(),
                offset=(_page() - 1) * PER_PAGE,
                limit=PER_PAGE,
                coder=current_user,
            )
    except LookupError:
        listing, listing_error = coding.Listing([], 0), _("There is no such category.")
    except coding.CodingError as refused:
        listing, listing_error = coding.Listing([], 0), str(refused)
    answers = listing.answers
    counts = coding.category_counts(field.field)
    progress = coding.coding_progress(field.field)
    pages = max(1, -(-listing.total // PER_PAGE))
    context = {
        "field": field,
        "heading": field_heading(field.field),
        "fields": [(f.field, field_label(f.field)) for f in asked_questionnaire().open_fields],
        "counts": counts,
        "offered": [c.category for c in counts if not c.category.is_retired],
        "progress": progress,
        "answers": answers,
        "total": listing.total,
        "page": _page(),
        "pages": pages,
        "one": one,
        "position": position,
        "neighbours": neighbours,
        "listing_args": _listing_args(),
        "listing_error": listing_error,
        "language": language,
        # Named in the viewer's language, for sentences ("Name in Russian").
        "languages": [(code, language_label(code)) for code in languages()],
        "language_label": language_label,
        "recode_choices": coding.recode_choices(field.field, language),
        "double": double,
        "setup": coding.coding_setup(field.field),
        "may_code": current_user.may_annotate,
        "typed": typed or {},
        "error": error,
        "coding_url": coding_url,
    }
    return render_template("results/coding.html", **context), status


def _neighbours(field: OpenField, ids: list[int], position: int | None) -> dict[str, int]:
    """The answers before and after the one shown, and the next one not coded yet."""
    if position is None:
        return {}
    found = {}
    if position > 0:
        found["previous"] = ids[position - 1]
    if position + 1 < len(ids):
        found["next"] = ids[position + 1]
    following = ids[position + 1 :] + ids[:position]
    uncoded = coding.uncoded_ids(field.field, following, current_user)
    first = next((answer for answer in following if answer in uncoded), None)
    if first is not None:
        found["uncoded"] = first
    return found


@bp.route("/coding/<field>", methods=["GET", "POST"])
@login_required
def coding_page(field: str):
    found = _field(field)
    if request.method == "GET":
        return _render(found)
    require_annotator()
    begin_write()
    action = request.form.get("action", "")
    handler = ACTIONS.get(action)
    if handler is None:
        abort(400)
    try:
        destination = handler(found)
    except coding.CodingError as error:
        db.session.rollback()
        return _render(found, 400, typed=request.form.to_dict(), error=str(error))
    except LookupError:
        db.session.rollback()
        abort(404)
    db.session.commit()
    return redirect(destination or coding_url(found.field, page=request.args.get("page")))


# --------------------------------------------------------------------------- the actions


def _names() -> dict[str, str]:
    return {code: request.form.get(f"name_{code}", "") for code in languages()}


def _create(field: OpenField) -> str | None:
    category = coding.create_category(
        field.field,
        _names(),
        request.form.get("code", "").strip() or None,
        request.form.get("description", ""),
        current_user,
    )
    flash(_("Category “%(name)s” added.", name=category.name(current_language())))
    return None


def _update(field: OpenField) -> str | None:
    category = coding.update_category(
        field.field, request.form.get("category", ""), _names(), request.form.get("description")
    )
    flash(_("Category “%(name)s” saved.", name=category.name(current_language())))
    return None


def _retire(field: OpenField) -> str | None:
    category = coding.update_category(field.field, request.form.get("category", ""), retired=True)
    flash(
        _(
            "Category “%(name)s” retired: it is no longer offered for coding, and stays in the "
            "results and exports.",
            name=category.name(current_language()),
        )
    )
    return None


def _restore(field: OpenField) -> str | None:
    category = coding.update_category(field.field, request.form.get("category", ""), retired=False)
    flash(
        _(
            "Category “%(name)s” is offered for coding again.",
            name=category.name(current_language()),
        )
    )
    return None


def _move(field: OpenField) -> str | None:
    steps = -1 if request.form.get("direction") == "up" else 1
    coding.move_category(field.field, request.form.get("category", ""), steps)
    return None


def _merge(field: OpenField) -> str | None:
    code, into = request.form.get("category", ""), request.form.get("into", "")
    if not into:
        raise coding.CodingError(_("Choose the category to merge into."))
    moved = coding.merge_categories(field.field, code, into)
    target = coding.category(field.field, into)
    flash(
        ngettext(
            "Merged into “%(name)s”: %(num)d answer moved.",
            "Merged into “%(name)s”: %(num)d answers moved.",
            moved,
            name=target.name(current_language()),
        )
    )
    return None


def _delete(field: OpenField) -> str | None:
    """Delete a category; one that has codings only after a confirmation that says how many."""
    code = request.form.get("category", "")
    found = coding.category(field.field, code)
    count = coding.coding_count(found)
    if count and request.form.get("confirm") != str(count):
        raise coding.CodingError(
            ngettext(
                "“%(name)s” is given to %(num)d answer: deleting it removes that coding too. "
                "Tick the confirmation to delete it, or retire it instead to keep the coding.",
                "“%(name)s” is given to %(num)d answers: deleting it removes those codings too. "
                "Tick the confirmation to delete it, or retire it instead to keep the codings.",
                count,
                name=found.name(current_language()),
            )
        )
    coding.delete_category(field.field, code)
    flash(_("Category “%(name)s” deleted.", name=found.name(current_language())))
    return None


def _ticks(answer_id: int) -> tuple[set[int], set[int]]:
    """(categories ticked when the page was shown, ticked now) of one answer."""
    was = {int(c) for c in request.form.get(f"was-{answer_id}", "").split() if c.isdigit()}
    now = {int(c) for c in request.form.getlist(f"c-{answer_id}") if c.isdigit()}
    return was, now


def _answer_ids() -> list[int]:
    try:
        return [int(value) for value in request.form.getlist("answer")]
    except ValueError:
        abort(400)


def _code(field: OpenField) -> str | None:
    """Save the list: only what changed since the page was shown, notes and recodes too."""
    changed = 0
    added, removed = set(), set()
    double = coding.is_double_coded(field.field, current_user)
    for answer_id in _answer_ids():
        was, now = _ticks(answer_id)
        if double and (was != now or f"reviewed-{answer_id}" in request.form):
            coding.code_independently(field.field, answer_id, now, current_user)
            changed += 1
        added |= {(answer_id, c) for c in now - was}
        removed |= {(answer_id, c) for c in was - now}
        changed += _note_and_recode(field, answer_id)
    if not double:
        changed += coding.change_codings(field.field, added, removed, current_user)
    flash(ngettext("Saved %(num)d change.", "Saved %(num)d changes.", changed))
    return None


def _note_and_recode(field: OpenField, answer_id: int) -> int:
    changed = 0
    if f"note-{answer_id}" in request.form and request.form.get(
        f"note-{answer_id}"
    ) != request.form.get(f"was-note-{answer_id}"):
        coding.set_note(field.field, answer_id, request.form[f"note-{answer_id}"], current_user)
        changed += 1
    if f"recode-{answer_id}" in request.form and request.form.get(
        f"recode-{answer_id}"
    ) != request.form.get(f"was-recode-{answer_id}"):
        coding.set_recode(field.field, answer_id, request.form[f"recode-{answer_id}"], current_user)
        changed += 1
    return changed


def _code_one(field: OpenField) -> str | None:
    """Save one answer, then show the one the coder asked for (next, next uncoded…)."""
    _code(field)
    following = request.form.get("then", "")
    if following.isdigit():
        return coding_url(field.field, answer=following)
    return coding_url(field.field, answer=request.form.get("answer"))


ACTIONS = {
    "create": _create,
    "update": _update,
    "retire": _retire,
    "restore": _restore,
    "move": _move,
    "merge": _merge,
    "delete": _delete,
    "code": _code,
    "code-one": _code_one,
}


# --------------------------------------------------------------------------- two coders


@bp.route("/coding/<field>/agreement", methods=["GET", "POST"])
@login_required
def coding_agreement(field: str):
    found = _field(field)
    error = ""
    status = 200
    if request.method == "POST":
        require_annotator()
        begin_write()
        try:
            _agreement_action(found)
        except coding.CodingError as problem:
            db.session.rollback()
            error, status = str(problem), 400
        else:
            db.session.commit()
            return redirect(url_for("results.coding_agreement", field=found.field))
    setup = coding.coding_setup(found.field)
    result = coding.agreement(found.field) if setup is not None and setup.is_double else None
    members = db.session.scalars(
        select(User).where(User.role.in_(("analyst", "admin"))).order_by(User.email)
    ).all()
    return render_template(
        "results/coding_agreement.html",
        field=found,
        heading=field_heading(found.field),
        setup=setup,
        result=result,
        members=members,
        categories={c.code: c for c in coding.categories(found.field)},
        texts=_texts([d[0] for d in result.disagreements] if result else []),
        language=current_language(),
        error=error,
    ), status


def _texts(answer_ids: list[int]) -> dict[int, str]:
    if not answer_ids:
        return {}
    rows = db.session.execute(select(Answer.id, Answer.text).where(Answer.id.in_(answer_ids)))
    return {answer_id: text or "" for answer_id, text in rows}


def _agreement_action(field: OpenField) -> None:
    action = request.form.get("action")
    if action == "coders":
        ids = [request.form.get("first", ""), request.form.get("second", "")]
        people = [db.session.get(User, int(i)) if i.isdigit() else None for i in ids]
        coding.set_coders(field.field, people[0], people[1])
        flash(_("Saved who codes this question."))
    elif action == "reconcile":
        answer_id = int(request.form.get("answer", "0") or 0)
        codes = request.form.getlist("category")
        coding.set_codings(field.field, answer_id, codes, current_user)
        flash(_("Saved the agreed categories of this answer."))
    else:
        abort(400)
