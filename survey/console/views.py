"""The console's pages: routes only; the work is done by `survey.survey_state`,
`survey.auth.accounts` and `survey.auth.audit`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

import pytz
from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import _, get_timezone, to_user_timezone
from flask_login import current_user

from survey.auth import accounts, audit
from survey.auth.accounts import AccountError
from survey.auth.audit import Actor, AuditFilters
from survey.console import bp
from survey.database import begin_write
from survey.exports.formats import ExportOptions, csv_chunks
from survey.exports.neutralise import neutralise
from survey.extensions import db
from survey.models import ROLES
from survey.security import public_url
from survey.survey_state import (
    CLOSED,
    OPEN,
    StateError,
    change_state,
    checked_time,
    current_schedule,
    grace_seconds,
)

#: The format of <input type="datetime-local"> (seconds are accepted too).
LOCAL_INPUT = "%Y-%m-%dT%H:%M"


def _actor() -> Actor:
    return Actor.of(current_user)


@bp.get("/")
def index():
    return render_template("console/index.html", schedule=current_schedule())


# --------------------------------------------------------------------------- the survey


def _zone_name() -> str:
    return str(get_timezone())


def _local_input(value: datetime | None) -> str:
    """A UTC moment as the viewer's local time for a datetime-local input."""
    return to_user_timezone(value).strftime(LOCAL_INPUT) if value else ""


def _parse_local(text: str, zone_name: str) -> datetime | None:
    """A datetime-local input in `zone_name` as UTC (None when empty); StateError if bad."""
    text = text.strip()
    if not text:
        return None
    try:
        naive = datetime.fromisoformat(text)
        zone = pytz.timezone(zone_name)
    except (ValueError, pytz.UnknownTimeZoneError):
        raise StateError(_("“%(value)s” is not a date and time.", value=text)) from None
    if naive.tzinfo is not None:
        raise StateError(_("“%(value)s” is not a date and time.", value=text))
    try:
        local = zone.localize(naive, is_dst=None)
    except (pytz.AmbiguousTimeError, pytz.NonExistentTimeError):
        raise StateError(
            _(
                "%(value)s does not exist or happens twice in %(zone)s (a clock change).",
                value=text,
                zone=zone_name,
            )
        ) from None
    return checked_time(local)


@bp.route("/survey", methods=["GET", "POST"])
def survey_state():
    errors: dict[str, str] = {}
    typed: dict[str, str] = {}
    if request.method == "POST":
        action = request.form.get("action")
        if action not in ("open", "close", "schedule"):
            abort(400)
        begin_write()
        try:
            if action == "schedule":
                typed = {key: request.form.get(key, "") for key in ("opens_at", "closes_at")}
                zone = request.form.get("time_zone") or "UTC"
                times: dict[str, Any] = {}
                for key, text in typed.items():
                    try:
                        times[key] = _parse_local(text, zone)
                    except StateError as error:
                        errors[key] = str(error)
                if errors:
                    raise StateError(next(iter(errors.values())))
                change_state(_actor(), **times)
            else:
                change_state(_actor(), state=OPEN if action == "open" else CLOSED)
        except StateError as error:
            db.session.rollback()
            errors.setdefault("form", str(error))
        else:
            db.session.commit()
            flash(_("The survey’s state is saved."))
            return redirect(url_for("console.survey_state"))
    schedule = current_schedule()
    values = {
        "opens_at": typed.get("opens_at", _local_input(schedule.opens_at)),
        "closes_at": typed.get("closes_at", _local_input(schedule.closes_at)),
    }
    return render_template(
        "console/survey.html",
        schedule=schedule,
        values=values,
        errors=errors,
        zone=_zone_name(),
        grace_minutes=round(grace_seconds() / 60),
    ), 400 if errors else 200


# --------------------------------------------------------------------------- accounts


def _render_accounts(errors: dict[str, str] | None = None, typed: dict[str, str] | None = None):
    return render_template(
        "console/accounts.html",
        accounts=accounts.accounts(),
        roles=ROLES,
        role_names=accounts.ROLE_NAMES,
        errors=errors or {},
        typed=typed or {},
    ), 400 if errors else 200


@bp.get("/accounts")
def account_list():
    return _render_accounts()


def _shown_once(user, *, link: str | None = None, password: str | None = None):
    """The page that shows an invitation link or a one-time password, this once."""
    return render_template("console/shown_once.html", user=user, link=link, password=password)


@bp.post("/accounts")
def create_account():
    typed = {key: request.form.get(key, "") for key in ("email", "role", "method")}
    if typed["method"] not in ("invitation", "password"):
        return _render_accounts({"method": _("Choose how the new member signs in.")}, typed)
    begin_write()
    try:
        if typed["method"] == "invitation":
            user, token = accounts.invite(_actor(), typed["email"], typed["role"])
        else:
            user, password = accounts.create_with_one_time_password(
                _actor(), typed["email"], typed["role"]
            )
    except AccountError as error:
        db.session.rollback()
        return _render_accounts({"email": str(error)}, typed)
    db.session.commit()
    if typed["method"] == "invitation":
        return _shown_once(user, link=public_url("auth.invitation", token=token))
    return _shown_once(user, password=password)


@bp.post("/accounts/<int:user_id>")
def change_account(user_id: int):
    user = accounts.account(user_id)
    if user is None:
        abort(404)
    action = request.form.get("action")
    begin_write()
    try:
        if action == "role":
            changed = accounts.set_role(_actor(), user, request.form.get("role", ""))
            role = accounts.ROLE_NAMES.get(user.role, user.role)
            message = _("%(email)s now has the role %(role)s.", email=user.email, role=role)
        elif action == "disable":
            changed = accounts.disable(_actor(), user)
            message = _("Disabled %(email)s.", email=user.email)
        elif action == "enable":
            changed = accounts.enable(_actor(), user)
            message = _("Enabled %(email)s.", email=user.email)
        elif action == "reset_password":
            password = accounts.reset_password(_actor(), user)
            db.session.commit()
            return _shown_once(user, password=password)
        elif action == "invite":
            token = accounts.renew_invitation(_actor(), user)
            db.session.commit()
            return _shown_once(user, link=public_url("auth.invitation", token=token))
        else:
            abort(400)
    except AccountError as error:
        db.session.rollback()
        return _render_accounts({f"account-{user_id}": str(error)})
    db.session.commit()
    if changed:
        flash(message)
    return redirect(url_for("console.account_list"))


# --------------------------------------------------------------------------- audit log


def _audit_filters() -> tuple[AuditFilters, str | None]:
    """The audit page's filters from the query; a message for what could not be read."""
    args = request.args
    action = args.get("action") or None
    error = None
    if action is not None and action not in audit.ACTIONS:
        action, error = None, _("Unknown kind of entry: “%(value)s”.", value=action)
    days: dict[str, date | None] = {}
    for key in ("since", "until"):
        text = (args.get(key) or "").strip()
        try:
            days[key] = date.fromisoformat(text) if text else None
        except ValueError:
            days[key] = None
            error = _("“%(value)s” is not a date like 2027-01-31.", value=text)
    filters = AuditFilters(
        action=action,
        who=(args.get("who") or "").strip() or None,
        text=(args.get("q") or "").strip() or None,
        since=days["since"],
        until=days["until"],
    )
    return filters, error


@bp.get("/audit")
def audit_log():
    filters, error = _audit_filters()
    before = request.args.get("before", "")
    page = audit.entries(filters, int(before) if before.isdigit() else None)
    query = [(key, value) for key, value in request.args.items(multi=True) if key != "before"]
    return render_template(
        "console/audit.html",
        page=page,
        actions=audit.ACTIONS,
        args=request.args,
        error=error,
        csv_url=url_for("console.audit_csv") + (f"?{urlencode(query)}" if query else ""),
        next_url=(
            url_for("console.audit_log") + "?" + urlencode([*query, ("before", page.next_before)])
            if page.next_before
            else None
        ),
    ), 400 if error else 200


@bp.get("/audit.csv")
def audit_csv():
    filters, error = _audit_filters()
    if error:
        abort(400, description=error)
    rows = ([neutralise(cell) for cell in row] for row in audit.csv_rows(filters))
    return Response(
        stream_with_context(csv_chunks(audit.CSV_HEADER, rows, ExportOptions(bom=True))),
        mimetype="text/csv",
        headers={
            "Content-Disposition": 'attachment; filename="survey-audit-log.csv"',
            "Cache-Control": "no-store",
        },
    )
