"""Whether the survey takes responses: open or closed, and its optional schedule.

The state is one row (`SurveyState`): an admin's switch (open or closed) and optional
opening and closing times, in UTC. Respondents may start and submit while the switch is
open and now is within [opens_at, closes_at). Closed means: the welcome page says so (with
the closing date) and no new response starts; a draft keeps what its respondent saved, but
cannot be submitted — except during the grace period.

**Grace period.** A draft started before the survey closed may still be saved and submitted
for `CLOSING_GRACE` seconds after the closing moment (default 3600, one hour; 0: none). A
respondent halfway through the questionnaire when the survey closes (by the schedule or by an
admin) can finish what they started, which the working group would rather count than lose;
an hour is four times the questionnaire's 15 minutes, short enough that the figures settle
soon after closing. Nobody can start during the grace period, and its end is final.

Changing the state (`change_state`) is an admin's act, from the console, `PATCH /api/survey`
or `flask --app survey survey-state`, and is written to the audit log. A plain module: no
request objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from survey.auth.audit import Actor, log
from survey.extensions import db
from survey.models import SurveyState, utcnow

OPEN = "open"
CLOSED = "closed"
#: Times from this year to the last one Python and both databases share.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)


class StateError(ValueError):
    """A change that makes no sense (closing before opening); the message is for the user."""


#: "Leave this as it is" for `change_state`'s keyword arguments (None clears a time).
KEEP: Any = object()


def _utc(value: datetime | None) -> datetime | None:
    """SQLite gives naive datetimes back, which are UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class Schedule:
    """The survey's state as stored, and what follows from it at a given moment."""

    is_open: bool = True
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    #: When the switch was last turned to closed.
    closed_at: datetime | None = None
    changed_at: datetime | None = None

    def accepting(self, now: datetime | None = None) -> bool:
        """Respondents may start and submit now."""
        now = now or utcnow()
        if not self.is_open:
            return False
        if self.opens_at is not None and now < self.opens_at:
            return False
        return self.closes_at is None or now < self.closes_at

    def state(self, now: datetime | None = None) -> str:
        return OPEN if self.accepting(now) else CLOSED

    def closed_since(self, now: datetime | None = None) -> datetime | None:
        """When the survey closed, if it is closed now for a reason other than not having
        opened yet: the earlier of the switch being turned off and the closing time."""
        now = now or utcnow()
        if self.accepting(now):
            return None
        moments = []
        if not self.is_open and self.closed_at is not None:
            moments.append(self.closed_at)
        if self.closes_at is not None and self.closes_at <= now:
            moments.append(self.closes_at)
        return min(moments) if moments else None

    def opens_later(self, now: datetime | None = None) -> datetime | None:
        """When a survey that has not opened yet will open (None if not scheduled so)."""
        now = now or utcnow()
        if self.is_open and self.opens_at is not None and now < self.opens_at:
            return self.opens_at
        return None

    def grace_ends(self, now: datetime | None = None) -> datetime | None:
        """Until when drafts started before closing may still be submitted (None: no grace
        now — the survey is open, never opened, or the period is 0)."""
        since = self.closed_since(now)
        seconds = grace_seconds()
        if since is None or seconds <= 0:
            return None
        return since + timedelta(seconds=seconds)

    def may_continue(self, started_at: datetime | None, now: datetime | None = None) -> bool:
        """A draft started at `started_at` may be saved and submitted now."""
        now = now or utcnow()
        if self.accepting(now):
            return True
        ends = self.grace_ends(now)
        since = self.closed_since(now)
        if ends is None or since is None or started_at is None:
            return False
        started = _utc(started_at)
        return started is not None and started < since and now < ends


@dataclass(frozen=True)
class ClosingNotice:
    """What a respondent is told while the survey does not take responses."""

    #: When it closed (None: it has not opened yet, or was closed with no known moment).
    since: datetime | None
    #: When it opens, if it has not opened yet.
    opens_at: datetime | None
    #: The respondent has a draft...
    has_draft: bool
    #: ... which may still be submitted until this moment (the grace period).
    grace_until: datetime | None


def closing_notice(
    schedule: Schedule, draft_started_at: datetime | None, has_draft: bool
) -> ClosingNotice | None:
    """What to tell a respondent (with or without a draft) now; None while it is open."""
    now = utcnow()
    if schedule.accepting(now):
        return None
    continuing = has_draft and schedule.may_continue(draft_started_at, now)
    return ClosingNotice(
        since=schedule.closed_since(now),
        opens_at=schedule.opens_later(now),
        has_draft=has_draft,
        grace_until=schedule.grace_ends(now) if continuing else None,
    )


def grace_seconds() -> float:
    value = current_app.config.get("CLOSING_GRACE", 3600)
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def current_schedule() -> Schedule:
    """The survey's state (open, with no schedule, until an admin changes it)."""
    row = db.session.get(SurveyState, 1)
    if row is None:
        return Schedule()
    return Schedule(
        is_open=row.is_open,
        opens_at=_utc(row.opens_at),
        closes_at=_utc(row.closes_at),
        closed_at=_utc(row.closed_at),
        changed_at=_utc(row.changed_at),
    )


def parse_time(text: str) -> datetime:
    """An ISO 8601 date and time with its offset (`2027-01-31T18:00:00Z`), as UTC;
    StateError for anything else."""
    try:
        value = datetime.fromisoformat(text.strip().upper())
    except ValueError:
        raise StateError(
            _("“%(value)s” is not a date and time like 2027-01-31T18:00:00Z.", value=text)
        ) from None
    if value.tzinfo is None:
        raise StateError(_("Give the time with its offset from UTC, e.g. 2027-01-31T18:00:00Z."))
    return checked_time(value)


def checked_time(value: datetime) -> datetime:
    """`value` in UTC; StateError outside the years 2000–9998."""
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        utc = EARLIEST - timedelta(days=1)
    if not EARLIEST <= utc < LATEST:
        raise StateError(_("Give a time between the years 2000 and 9998."))
    return utc


def change_state(
    actor: Actor,
    *,
    state: str | None = None,
    opens_at: datetime | None = KEEP,
    closes_at: datetime | None = KEEP,
    now: datetime | None = None,
) -> Schedule:
    """Open or close the survey and/or set its times (None clears one); logged.

    Opening (`state="open"`) opens it now: an opening time still ahead and a closing time
    already past are cleared unless this change sets them. Closing turns the switch off,
    whatever the times say. The caller is in a write transaction and commits.
    """
    now = now or utcnow()
    if state not in (None, OPEN, CLOSED):
        raise StateError(_("The state is “open” or “closed”."))
    before = current_schedule()
    new_opens = before.opens_at if opens_at is KEEP else opens_at
    new_closes = before.closes_at if closes_at is KEEP else closes_at
    is_open, closed_at = before.is_open, before.closed_at
    if state == OPEN:
        is_open = True
        if opens_at is KEEP and new_opens is not None and now < new_opens:
            new_opens = None
        if closes_at is KEEP and new_closes is not None and new_closes <= now:
            new_closes = None
    elif state == CLOSED and is_open:
        is_open, closed_at = False, now
    if new_opens is not None and new_closes is not None and new_closes <= new_opens:
        raise StateError(_("The closing time must come after the opening time."))
    row = db.session.get(SurveyState, 1)
    if row is None:
        row = SurveyState(id=1)
        db.session.add(row)
    row.is_open, row.opens_at, row.closes_at, row.closed_at = (
        is_open,
        new_opens,
        new_closes,
        closed_at,
    )
    row.changed_at, row.changed_by_id = now, actor.user_id
    db.session.flush()
    after = current_schedule()
    log(actor, "survey_state", f"{_describe(before, now)} → {_describe(after, now)}")
    return after


def _describe(schedule: Schedule, now: datetime) -> str:
    """The state for the audit log: "closed (switch open; opens …; closes …)"."""
    from survey.dataset import format_timestamp

    parts = [f"switch {'open' if schedule.is_open else 'closed'}"]
    if schedule.opens_at:
        parts.append(f"opens {format_timestamp(schedule.opens_at)}")
    if schedule.closes_at:
        parts.append(f"closes {format_timestamp(schedule.closes_at)}")
    return f"{schedule.state(now)} ({'; '.join(parts)})"
