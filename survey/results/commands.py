"""`flask --app survey rebuild-result-counts`: recount the live results from scratch."""

from __future__ import annotations

import time

import click
from flask import Flask
from flask_babel import format_decimal, ngettext

from survey.aggregation.counters import rebuild_result_counts
from survey.database import begin_write
from survey.extensions import db


def register(app: Flask) -> None:
    @app.cli.command("rebuild-result-counts")
    def rebuild_command() -> None:
        """Recount the live results from every submitted response, in one transaction.

        For operators: after responses were added or removed other than through the survey,
        an import or seed-demo (the results are then counted from the answers, more slowly,
        and the log says so). Readers of the results see the old counters until it commits.
        """
        began = time.perf_counter()
        begin_write()
        connection = db.session.connection()
        total = rebuild_result_counts(connection)
        db.session.commit()
        click.echo(
            ngettext(
                "Result counts rebuilt from %(num)d submitted response in %(seconds)s s.",
                "Result counts rebuilt from %(num)d submitted responses in %(seconds)s s.",
                total,
                seconds=format_decimal(time.perf_counter() - began, "0.0"),  # 1.2 s, 1,2 с
            )
        )
