"""The access and audit log: who did what that matters, when and why (table `access_log`).

Written for contact details shown or exported, responses excluded or restored, accounts and
tokens created or changed, and the survey opened, closed or rescheduled. A change is logged
in the same transaction as the change itself (`log`), so neither exists without the other;
personal data is logged and committed before it is shown or sent (`record_now`).
Admins read it on the audit page, filtered, and download it as CSV (`entries`, `csv_rows`).
A plain module: no request objects.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select

from survey.database import begin_write
from survey.extensions import db
from survey.i18n import lazy_gettext as _l
from survey.models import AccessLog, User, utcnow
from survey.text_search import contains_text

#: Every action the log records, with its name for people.
ACTIONS = {
    "view_contact": _l("Contact details shown"),
    "export_contact": _l("Export with contact details"),
    "exclude_response": _l("Response excluded"),
    "restore_response": _l("Response restored"),
    "survey_state": _l("Survey opened, closed or rescheduled"),
    "create_account": _l("Account created"),
    "invite_account": _l("Invitation sent"),
    "accept_invitation": _l("Invitation accepted"),
    "change_role": _l("Role changed"),
    "reset_password": _l("Password reset"),
    "change_password": _l("Own password changed"),
    "disable_account": _l("Account disabled"),
    "enable_account": _l("Account enabled"),
    "create_token": _l("API token created"),
    "revoke_token": _l("API token revoked"),
}
CSV_HEADER = ("at", "who", "action", "detail")
#: Entries on one page of the audit page.
PAGE_SIZE = 100


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in account, or an operator on the command line (`cli:<OS user>`)."""

    user_id: int | None
    email: str

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(user.id, user.email)

    @classmethod
    def command_line(cls) -> Actor:
        return cls(None, f"cli:{getpass.getuser()}")


def log(actor: Actor, action: str, detail: str = "") -> None:
    """Add an entry to the caller's transaction: it is committed with the change it records."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    db.session.add(
        AccessLog(user_id=actor.user_id, user_email=actor.email, action=action, detail=detail)
    )


def record_now(actor: Actor, action: str, detail: str) -> None:
    """Log that personal data is about to leave, and commit before any of it does: a
    transaction of its own (BEGIN IMMEDIATE on SQLite)."""
    begin_write()
    log(actor, action, detail)
    db.session.commit()


@dataclass(frozen=True)
class AuditFilters:
    """Which entries to show: an action, who (part of the e-mail), a text in the detail, and
    a period of days (inclusive, UTC)."""

    action: str | None = None
    who: str | None = None
    text: str | None = None
    since: date | None = None
    until: date | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        log_ = AccessLog
        found: list[ColumnElement[bool]] = []
        if self.action:
            found.append(log_.action == self.action)
        if self.who:
            found.append(contains_text(log_.user_email, self.who))
        if self.text:
            found.append(contains_text(log_.detail, self.text))
        if self.since:
            found.append(log_.at >= _start_of(self.since))
        if self.until:
            found.append(log_.at < _start_of(self.until + timedelta(days=1)))
        return found


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=utcnow().tzinfo)


def _query(filters: AuditFilters) -> Select[Any]:
    return select(AccessLog).where(*filters.conditions())


@dataclass(frozen=True)
class AuditPage:
    entries: list[AccessLog]
    #: The id to continue from (`before=`), or None on the last page.
    next_before: int | None
    total: int


def entries(filters: AuditFilters, before: int | None = None, limit: int = PAGE_SIZE) -> AuditPage:
    """A page of entries, newest first (keyset on the id: `before` the last one shown)."""
    query = _query(filters)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    if before is not None:
        query = query.where(AccessLog.id < before)
    found = list(db.session.scalars(query.order_by(AccessLog.id.desc()).limit(limit + 1)))
    more = len(found) > limit
    found = found[:limit]
    return AuditPage(found, found[-1].id if more and found else None, total)


def csv_rows(filters: AuditFilters) -> Iterator[tuple[str, str, str, str]]:
    """(at, who, action, detail) of every entry matching, newest first, for the CSV."""
    from survey.dataset import format_timestamp

    query = _query(filters).order_by(AccessLog.id.desc()).execution_options(yield_per=1000)
    for entry in db.session.scalars(query):
        yield format_timestamp(entry.at), entry.user_email, entry.action, entry.detail
