"""`flask --app survey survey-state`: show, open, close or reschedule the survey."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click
from flask import Flask
from flask_babel import gettext as _

from survey.auth.audit import Actor
from survey.database import begin_write
from survey.dataset import format_timestamp
from survey.extensions import db
from survey.survey_state import (
    CLOSED,
    KEEP,
    OPEN,
    Schedule,
    StateError,
    change_state,
    current_schedule,
    parse_time,
)

STATES = {"open": OPEN, "close": CLOSED, "closed": CLOSED}


def _time_option(value: str | None) -> Any:
    """KEEP when not given, None for "none", else the parsed time."""
    if value is None:
        return KEEP
    if value.strip().lower() == "none":
        return None
    try:
        return parse_time(value)
    except StateError as error:
        raise click.BadParameter(str(error)) from None


def describe(schedule: Schedule) -> str:
    """The state for an operator, in their language."""

    def when(value: datetime | None) -> str:
        return format_timestamp(value) if value else _("not set")

    state = _("open") if schedule.accepting() else _("closed")
    lines = [
        _("The survey is %(state)s.", state=state),
        _("Switch: %(switch)s", switch=_("open") if schedule.is_open else _("closed")),
        _("Opens at: %(when)s", when=when(schedule.opens_at)),
        _("Closes at: %(when)s", when=when(schedule.closes_at)),
    ]
    return "\n".join(lines)


def register(app: Flask) -> None:
    @app.cli.command("survey-state")
    @click.argument("state", required=False, type=click.Choice(sorted(STATES)))
    @click.option(
        "--opens-at",
        help="When it opens: 2027-01-10T09:00:00Z (UTC unless an offset is given), or none.",
    )
    @click.option("--closes-at", help="When it closes, the same way, or none.")
    def survey_state_command(
        state: str | None, opens_at: str | None, closes_at: str | None
    ) -> None:
        """Show the survey's state, or open it, close it (STATE) and set its times.

        Opening opens it now: an opening time still ahead and a closing time already past
        are cleared unless given. Closing closes it whatever the times say. Times are UTC
        unless they carry an offset. Written to the audit log as cli:<OS user>.
        """
        if state is None and opens_at is None and closes_at is None:
            click.echo(describe(current_schedule()))
            return
        opens, closes = _time_option(_utc_default(opens_at)), _time_option(_utc_default(closes_at))
        begin_write()
        try:
            schedule = change_state(
                Actor.command_line(),
                state=STATES.get(state or ""),
                opens_at=opens,
                closes_at=closes,
            )
        except StateError as error:
            db.session.rollback()
            raise click.ClickException(str(error)) from None
        db.session.commit()
        click.echo(describe(schedule))


def _utc_default(value: str | None) -> str | None:
    """A time without an offset is UTC on the command line."""
    if value is None or value.strip().lower() == "none":
        return value
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.upper())
    except ValueError:
        return text
    return text + "Z" if parsed.tzinfo is None else text
