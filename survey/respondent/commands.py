"""`flask --app survey purge-drafts --older-than 30d`: delete drafts abandoned long ago."""

from __future__ import annotations

import re
from datetime import timedelta

import click
from flask import Flask
from flask_babel import _, format_datetime, ngettext
from sqlalchemy import delete, func, select

from survey.database import begin_write
from survey.extensions import db
from survey.models import DRAFT, Response, utcnow

_AGE = re.compile(r"(\d+)\s*([wdhm])")
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}


def parse_age(text: str) -> timedelta:
    """`30d`, `12h`, `90m`, `2w`; refuses anything else, and zero."""
    match = _AGE.fullmatch(text.strip().lower())
    if not match or int(match.group(1)) == 0:
        raise click.BadParameter(
            _("Give an age such as 30d (days), 12h (hours), 90m (minutes) or 2w (weeks).")
        )
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def register(app: Flask) -> None:
    @app.cli.command("purge-drafts")
    @click.option(
        "--older-than",
        "age",
        required=True,
        help="Delete drafts not saved for this long: 30d, 12h, 90m, 2w.",
    )
    @click.option("--dry-run", is_flag=True, help="Only count them.")
    def purge_drafts(age: str, dry_run: bool) -> None:
        """Delete questionnaires never submitted and not saved for longer than an age.

        Their answers go with them. Submitted responses are never touched. A respondent who
        comes back later with their link starts anew, so choose an age longer than anyone
        pauses (the resume cookie lasts 90 days).
        """
        cutoff = utcnow() - parse_age(age)
        stale = (Response.status == DRAFT) & (Response.updated_at < cutoff)
        if dry_run:
            count = db.session.scalar(select(func.count()).select_from(Response).where(stale))
        else:
            begin_write()
            # Checked again row by row as it deletes: a draft saved meanwhile stays.
            count = db.session.connection().execute(delete(Response).where(stale)).rowcount
            db.session.commit()
        when = format_datetime(cutoff, "yyyy-MM-dd HH:mm") + " UTC"
        if dry_run:
            message = ngettext(
                "%(num)d draft was not saved since %(when)s (nothing deleted).",
                "%(num)d drafts were not saved since %(when)s (nothing deleted).",
                count,
                when=when,
            )
        else:
            message = ngettext(
                "Deleted %(num)d draft not saved since %(when)s.",
                "Deleted %(num)d drafts not saved since %(when)s.",
                count,
                when=when,
            )
        click.echo(message)
