"""Respondent pages: welcome, the questionnaire pages, resume and thank-you.

Every page is saved server-side as the respondent moves on, so closing the browser loses
nothing; the resume token lives in the session cookie and in a link shown on every page.
"""

from __future__ import annotations

from functools import partial

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import _
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError
from limits import parse_many
from werkzeug.datastructures import MultiDict

from survey.database import begin_read, begin_write
from survey.extensions import db, limiter
from survey.i18n import best_browser_language, languages
from survey.models import Response
from survey.questionnaire import Known, Page, asked_questionnaire
from survey.respondent import bp
from survey.respondent.best_practices import BEST_PRACTICES
from survey.respondent.options import country_options
from survey.responses import (
    Draft,
    find_by_resume_token,
    keep_unsaved,
    save_answers,
    start_response,
    stored_answers,
    submit_response,
)
from survey.security import public_url
from survey.survey_state import ClosingNotice, closing_notice, current_schedule

SESSION_KEY = "response_token"
#: The resume token this browser's next draft will have (see `_prepare_start`).
START_KEY = "start_token"
NAVIGATION_ACTIONS = ("next", "back", "submit")


@bp.before_request
def read_without_transaction() -> None:
    """A respondent's GET reads their response in one statement (see `begin_read`)."""
    if request.method in ("GET", "HEAD"):
        begin_read()


@bp.url_value_preprocessor
def pull_language(_endpoint: str | None, values: dict | None) -> None:
    if values is not None and "lang" in values:
        lang = values.pop("lang")
        if lang not in languages():
            abort(404)
        g.lang = lang


@bp.url_defaults
def add_language(endpoint: str, values: dict) -> None:
    if "lang" not in values and g.get("lang"):
        values["lang"] = g.lang


@bp.route("/")
def choose_language():
    return redirect(url_for("respondent.welcome", lang=best_browser_language()))


@bp.route("/<lang>/", methods=["GET", "POST"])
def welcome():
    if request.method == "POST":
        begin_write()
    response = current_response(with_answers=request.method == "POST")
    has_draft = response is not None and not response.is_submitted
    notice = _closing_notice(response)
    if request.method == "POST":
        if not has_draft:
            if notice is not None:  # closed: nobody starts
                return _closed_page(notice, 403)
            response = _start()
            db.session.commit()
            return redirect(page_url(1))
        assert response is not None
        return redirect(page_url(_where_left_off(response)))
    if notice is not None and not has_draft:
        return _closed_page(notice)
    if not has_draft:
        _prepare_start()
    return render_template(
        "respondent/welcome.html",
        response=response,
        pages=len(asked_questionnaire().pages),
        notice=notice,
    )


@bp.route("/<lang>/page/<int:number>", methods=["GET", "POST"])
def page(number: int):
    questionnaire = asked_questionnaire()
    if not 1 <= number <= len(questionnaire.pages):
        abort(404)
    if request.method == "POST":
        begin_write()
    response = current_response(with_answers=True)
    if response is not None and response.is_submitted:
        return redirect(url_for("respondent.thanks"))
    known = stored_answers(response) if response else {}
    current_page = questionnaire.pages[number - 1]
    if not questionnaire.is_page_asked(current_page, known):
        elsewhere = _neighbour(number, known, 1) or _neighbour(number, known, -1) or 1
        return redirect(page_url(elsewhere))
    if request.method == "GET":
        if response is None:
            notice = _closing_notice(None)
            if notice is not None:  # closed, and nothing started here to show
                return _closed_page(notice)
            _prepare_start()
        unsaved = response.unsaved_pages.get(number) if response else None
        if unsaved is not None:
            # Left with "Back" while it had errors: shown as typed, with its messages.
            typed = MultiDict(unsaved)
            answers, errors = questionnaire.parse_page(current_page, typed, known)
            return _render_page(number, typed, errors, {**known, **answers})
        return _render_page(number, questionnaire.form_values(known), {}, known)
    return _save_page(number, response, known)


def _save_page(number: int, response: Draft | None, known: Known):
    action, target_language = _requested_action()
    if action is None:
        return _render_page(
            number, request.form, {"action": _("Please use the buttons below.")}, known
        )
    if target_language and target_language != g.lang:
        # The same page in the other language takes the same form, so everything switches
        # and stays switched: its address, its messages, where the buttons lead.
        # 307 makes the browser send what was typed again, to that address.
        return redirect(page_url(number, lang=target_language), code=307)
    questionnaire = asked_questionnaire()
    current_page = questionnaire.pages[number - 1]
    answers, errors = questionnaire.parse_page(current_page, request.form, known)
    if errors and action == "back":
        return _keep_unsaved_and_go_back(number, response, known)
    if errors:
        return _render_page(number, request.form, errors, {**known, **answers})
    if response is None:
        # The session was lost (cookies cleared, expired): keep the answers in a new draft,
        # unless the survey is closed (nothing new starts then).
        notice = _closing_notice(None)
        if notice is not None:
            db.session.rollback()
            return _closed_page(notice, 403)
        response = _start()
    saved = save_answers(response, answers, g.lang, number, stored=known)
    if saved is None:  # submitted meanwhile, from another tab
        db.session.rollback()
        return redirect(url_for("respondent.thanks"))
    known = saved
    unsaved_elsewhere = [
        page
        for page in sorted(response.unsaved_pages)
        if page != number and questionnaire.is_page_asked(questionnaire.pages[page - 1], known)
    ]
    if action == "submit" and number == len(questionnaire.pages) and unsaved_elsewhere:
        # A page left with "Back" still holds what was typed there: nothing is sent without it.
        destination = page_url(unsaved_elsewhere[0])
    elif action == "submit" and number == len(questionnaire.pages):
        notice = _closing_notice(response)
        if notice is not None and notice.grace_until is None:
            # Closed: what was typed is saved (the survey may open again), nothing is sent.
            db.session.commit()
            return _closed_page(notice, 403)
        submit_response(response)
        destination = url_for("respondent.thanks")
    elif target_language:  # already on the page in that language: saved, shown again
        destination = page_url(number)
    elif action == "back":
        previous = _neighbour(number, known, step=-1)
        destination = page_url(previous) if previous else url_for("respondent.welcome")
    else:
        destination = page_url(_neighbour(number, known, step=1) or number)
    db.session.commit()
    return redirect(destination)


def _keep_unsaved_and_go_back(number: int, response: Draft | None, known: Known):
    """ "Back" on a page with errors: what was typed there is kept as it is, not validated
    and not saved as answers, and shown again (with its messages) when the respondent
    returns to the page."""
    questionnaire = asked_questionnaire()
    fields = {
        name
        for question in questionnaire.page_questions(questionnaire.pages[number - 1])
        for name in question.field_names()
    }
    if response is None:
        notice = _closing_notice(None)
        if notice is not None:
            db.session.rollback()
            return _closed_page(notice, 403)
        response = _start()
    typed = [(key, value) for key, value in request.form.items(multi=True) if key in fields]
    if not keep_unsaved(response, number, typed):  # submitted meanwhile, from another tab
        db.session.rollback()
        return redirect(url_for("respondent.thanks"))
    db.session.commit()
    previous = _neighbour(number, known, step=-1)
    return redirect(page_url(previous) if previous else url_for("respondent.welcome"))


@bp.route("/<lang>/resume/<token>")
def resume(token: str):
    response = find_by_resume_token(token, with_answers=True)
    if response is None:
        own = current_response()
        if own is not None and not own.is_submitted:
            # The welcome page offers this browser's own answers, not a new start.
            flash(
                _(
                    "This link does not match any response. The answers saved in this "
                    "browser are still here: you can continue them below."
                )
            )
        else:
            flash(_("This link does not match any response. You can start a new one below."))
        return redirect(url_for("respondent.welcome"))
    _remember(token)
    if response.is_submitted:
        return redirect(url_for("respondent.thanks"))
    return redirect(page_url(_where_left_off(response)))


@bp.route("/<lang>/thanks")
def thanks():
    response = current_response()
    if response is None or not response.is_submitted:
        return redirect(url_for("respondent.welcome"))
    return render_template(
        "respondent/thanks.html",
        best_practices=BEST_PRACTICES,
        accepting=current_schedule().accepting(),
    )


@bp.route("/<lang>/new", methods=["POST"])
def start_over():
    """Forget the finished response in this browser (a shared computer), then start again."""
    session.pop(SESSION_KEY, None)
    return redirect(url_for("respondent.welcome"))


@bp.errorhandler(CSRFError)
def csrf_failed(error: CSRFError):
    """Show the page again with everything typed, instead of losing it to an expired token."""
    number = (request.view_args or {}).get("number", 0)
    pages = asked_questionnaire().pages
    if request.endpoint != "respondent.page" or not 1 <= number <= len(pages):
        return render_template(
            "error.html",
            title=_("Please try again"),
            message=_("Your session has expired. Please go back, reload the page and try again."),
        ), 400
    response = current_response()
    known = stored_answers(response) if response else {}
    message = _(
        "For your security this page has to be sent again: your answers are still here. "
        "Please press the button again."
    )
    return _render_page(number, request.form, {"csrf": message}, known, status=400)


def current_response(with_answers: bool = False) -> Draft | None:
    """This browser's response, read once per request (with its answers when asked)."""
    if "response" not in g:
        g.response = find_by_resume_token(session.get(SESSION_KEY), with_answers=with_answers)
    return g.response


def _closing_notice(response: Draft | None) -> ClosingNotice | None:
    """What this respondent is told while the survey is closed (None while it is open)."""
    has_draft = response is not None and not response.is_submitted
    started_at = response.started_at if response is not None else None
    if "schedule" not in g:
        g.schedule = current_schedule()
    return closing_notice(g.schedule, started_at, has_draft)


def _closed_page(notice: ClosingNotice, status: int = 200):
    """The page saying the survey is closed (403 for what it refused: a start, a submit)."""
    return render_template("respondent/closed.html", notice=notice), status


def page_url(number: int, **values) -> str:
    return url_for("respondent.page", number=number, **values)


def _prepare_start() -> None:
    """Choose, before this browser starts, the resume token its draft will have.

    The form that starts a draft ("Start", or saving a page after the session was lost) then
    carries it in the session cookie, so a double click or a replayed POST finds the draft
    the first one made instead of making another (500 drafts in 2.5 s, once).
    """
    if START_KEY not in session:
        session[START_KEY] = Response.new_resume_token()


def _start() -> Draft:
    """This browser's new draft: the one its prepared token already made, else a new one
    (counted against `START_RATE_LIMIT` for the address)."""
    prepared: str | None = session.get(START_KEY)
    response = find_by_resume_token(prepared)
    if response is not None and prepared:
        token = prepared
    else:
        _count_start_or_refuse()
        response, token = start_response(g.lang, prepared)
    session.pop(START_KEY, None)
    _remember(token)
    g.response = response
    return response


def _count_start_or_refuse() -> None:
    """429 once this address started `START_RATE_LIMIT` drafts (a shared store: Redis)."""
    address = get_remote_address()
    refused = False
    for item in parse_many(current_app.config["START_RATE_LIMIT"]):
        refused |= not limiter.limiter.hit(item, "respondent-start", address)
    if refused:
        db.session.rollback()
        abort(429)


def _remember(token: str) -> None:
    session[SESSION_KEY] = token
    session.permanent = True


def _requested_action() -> tuple[str | None, str | None]:
    """The pressed button: a navigation action, or a language to switch to."""
    values = request.form.getlist("action")
    if len(values) != 1:
        return None, None
    action = values[0]
    if action.startswith("language:") and action.removeprefix("language:") in languages():
        return "language", action.removeprefix("language:")
    return (action, None) if action in NAVIGATION_ACTIONS else (None, None)


def _where_left_off(response: Draft) -> int:
    """The first page after those the respondent saved (the last page once all are)."""
    after = _neighbour(response.last_page, stored_answers(response), step=1)
    return after or max(response.last_page, 1)


def _neighbour(number: int, known: Known, step: int) -> int | None:
    """The next (or previous) page that has something to ask, skipping q7 without q6."""
    questionnaire = asked_questionnaire()
    candidate = number + step
    while 1 <= candidate <= len(questionnaire.pages):
        if questionnaire.is_page_asked(questionnaire.pages[candidate - 1], known):
            return candidate
        candidate += step
    return None


def _skipped_before(number: int, known: Known) -> list[int]:
    """Pages just before this one that are not asked (q7's page without partners in q6).

    The count of pages stays the same, "Page 4 of 6" after "Page 2 of 6", and the page
    says why 3 was left out, rather than the total jumping when a page drops out.
    """
    previous = _neighbour(number, known, step=-1) or 0
    return list(range(previous + 1, number))


def _render_page(number: int, values, errors: dict[str, str], known: Known, status: int = 200):
    questionnaire = asked_questionnaire()
    current_page: Page = questionnaire.pages[number - 1]
    if not isinstance(values, MultiDict):
        values = MultiDict([(key, value) for key, items in values.items() for value in items])
    token = session.get(SESSION_KEY)
    html = render_template(
        "respondent/page.html",
        page=current_page,
        number=number,
        is_last=number == len(questionnaire.pages),
        questions=questionnaire.page_questions(current_page),
        known=known,
        values=values,
        errors=errors,
        steps=len(questionnaire.pages),
        skipped=_skipped_before(number, known),
        country_options=partial(country_options, str(g.lang)),
        resume_url=public_url("respondent.resume", token=token) if token else None,
        notice=_closing_notice(g.get("response")),
    )
    return html, status
