"""The working group translates open answers (coding them: `survey.results.coding`).

`GET /results/translations?to=en&question=q8&show=all&page=2` lists open answers of submitted
responses written in another language than `to`, grouped by question, each original beside a
box for its translation. One form holds the whole page: a POST saves every box whose text
changed since the page was shown, all or nothing, so nothing typed is lost to an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from urllib.parse import urlencode

from babel import Locale
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import _, format_datetime, ngettext
from flask_login import current_user, login_required

from survey.auth.access import require_annotator
from survey.database import begin_write
from survey.extensions import db
from survey.i18n import current_language, language_name, languages
from survey.open_answers import UnknownOpenField, open_field
from survey.open_answers import translating as ops
from survey.questionnaire import asked_questionnaire
from survey.results import bp

PER_PAGE = 50
SHOW_CHOICES = ("untranslated", "all")


@dataclass
class Group:
    field: str
    heading: str
    items: list[ops.PendingAnswer]


def field_heading(name: str) -> str:
    questionnaire = asked_questionnaire()
    field = open_field(name)
    question = questionnaire.question(field.question)
    number = questionnaire.number(field.question)
    if field.is_other:
        return _(
            "Question %(number)s, “other” answers: %(question)s",
            number=number,
            question=question.text,
        )
    return _("Question %(number)s: %(question)s", number=number, question=question.text)


def field_label(name: str) -> str:
    field = open_field(name)
    number = asked_questionnaire().number(field.question)
    if field.is_other:
        return _("Question %(number)s (other)", number=number)
    return _("Question %(number)s", number=number)


def language_label(code: str) -> str:
    """A language's name in the viewer's language, for use inside a sentence."""
    return Locale.parse(code).get_display_name(current_language()) or code


def _normalise(text: str) -> str:
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _state() -> dict:
    target = request.args.get("to") or current_app.config["BABEL_DEFAULT_LOCALE"]
    if target not in languages():
        abort(404)
    field = _requested_field()
    show = request.args.get("show", "untranslated")
    if show not in SHOW_CHOICES:
        show = "untranslated"
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    return {"to": target, "question": field, "show": show, "page": page}


def _requested_field() -> str | None:
    """The open field of `?question=` (q8, q6_other or q6), None without; 404 if unknown."""
    name = request.args.get("question") or None
    if name is None:
        return None
    try:
        return open_field(name).field
    except UnknownOpenField:
        abort(404)


def page_url(state: dict, **changes) -> str:
    args = {**state, **changes}
    query = {k: v for k, v in args.items() if v and not (k == "page" and v == 1)}
    return f"{url_for('results.translations')}?{urlencode(query)}"


def group(items: list[ops.PendingAnswer]) -> list[Group]:
    groups: list[Group] = []
    for item in items:
        if not groups or groups[-1].field != item.field:
            groups.append(Group(item.field, field_heading(item.field), []))
        groups[-1].items.append(item)
    return groups


def _render(state, items, total, pages, typed=None, errors=None, status=200, progress=None):
    progress = ops.progress(state["to"]) if progress is None else progress
    return (
        render_template(
            "results/translations.html",
            state=state,
            groups=group(items),
            total=total,
            pages=pages,
            typed=typed or {},
            errors=errors or {},
            progress=progress,
            fields=[
                (f.field, field_label(f.field), progress.get(f.field, (0, 0)))
                for f in asked_questionnaire().open_fields
            ],
            languages=[(code, language_name(code)) for code in languages()],
            language_label=language_label,
            page_url=lambda **changes: page_url(state, **changes),
            when=lambda value: format_datetime(value, "medium") if value else "",
        ),
        status,
    )


def write_on_post(view):
    """POSTs write: start the write transaction before signing in reads the user's row."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if request.method == "POST":
            begin_write()
        return view(*args, **kwargs)

    return wrapper


@bp.route("/translations", methods=["GET", "POST"])
@write_on_post
@login_required
def translations():
    if request.method == "POST":
        require_annotator()
        return save()
    state = _state()
    listing = ops.pending_answers(
        state["to"],
        state["question"],
        untranslated_only=state["show"] == "untranslated",
        page=state["page"],
        per_page=PER_PAGE,
    )
    return _render(state, listing.items, listing.total, listing.pages, progress=listing.counts)


def save():
    state = _state()
    try:
        ids = [int(value) for value in request.form.getlist("answer")]
    except ValueError:
        abort(400)
    items = {item.answer_id: item for item in ops.answers_by_id(ids, state["to"])}
    if len(items) != len(set(ids)):
        abort(400)
    typed = {answer_id: request.form.get(f"t-{answer_id}", "") for answer_id in ids}
    errors: dict[int, str] = {}
    changes: dict[int, str] = {}
    for answer_id in ids:
        new = _normalise(typed[answer_id])
        was = _normalise(request.form.get(f"was-{answer_id}", ""))
        if new == was:
            continue
        stored = items[answer_id].translation
        current = _normalise(stored.text if stored else "")
        if current == new:
            continue
        if current != was:
            errors[answer_id] = _(
                "Someone else changed this translation while you were editing it. Their "
                "version is shown below the box; your text is still in the box. Save again "
                "to replace theirs."
            )
            continue
        cleaned, error = ops.clean_translation(new)
        if error:
            errors[answer_id] = error
        else:
            changes[answer_id] = cleaned
    ordered = sorted(items.values(), key=lambda item: ids.index(item.answer_id))
    if errors:
        db.session.rollback()
        return _render(state, ordered, len(ordered), 1, typed, errors, status=400)
    for answer_id, text in changes.items():
        ops.save_translation(answer_id, state["to"], text, current_user)
    db.session.commit()
    if changes:
        flash(ngettext("Saved %(num)d translation.", "Saved %(num)d translations.", len(changes)))
    else:
        flash(_("Nothing to save: no translation was changed."))
    return redirect(page_url(state))
