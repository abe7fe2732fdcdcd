"""`flask --app survey report --out FILE`: write the published report (PDF or HTML)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask_babel import _

from survey import aggregation
from survey.report.build import ReportOptions, write_report
from survey.selection import DEFAULT_GROUP_BELOW, FilterError, Filters


def register(app: Flask) -> None:
    @app.cli.command("report")
    @click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
    @click.option(
        "--format",
        "kind",
        type=click.Choice(["pdf", "html"]),
        help="PDF (the default, or from --out's .html) or a self-contained HTML file.",
    )
    @click.option("--language", default="en", help="The report's language (en, ru).")
    @click.option("--lang", help="Only responses in this language.")
    @click.option(
        "--filter",
        "filter_pairs",
        multiple=True,
        metavar="QUESTION=OPTION",
        help="Only responses with this answer (repeatable), e.g. --filter q2=yes or "
        "--filter submitted_from=2026-11-01.",
    )
    @click.option("--compare", help="Add an appendix comparing segments, e.g. q2 or q6.government.")
    @click.option(
        "--group-below",
        type=click.IntRange(min=0),
        default=DEFAULT_GROUP_BELOW,
        show_default=True,
        help="Compared by country: countries with fewer respondents are one segment.",
    )
    @click.option("--recoded", is_flag=True, help='"Other" answers as the group recoded them.')
    @click.option("--quiet", is_flag=True, help="No progress lines.")
    def report_command(
        out, kind, language, lang, filter_pairs, compare, group_below, recoded, quiet
    ):
        """Write the report of the survey's results to --out (PDF or HTML), as /results/report
        does for the working group."""
        if language not in current_app.config["LANGUAGES"]:
            raise click.BadParameter(_("Unknown language: “%(value)s”.", value=language))
        try:
            filters = Filters.from_pairs(filter_pairs, lang)
            if compare:
                aggregation.check_comparable(compare)
        except FilterError as error:
            raise click.BadParameter(str(error)) from error
        kind = kind or ("html" if out.suffix.lower() in (".html", ".htm") else "pdf")
        options = ReportOptions(filters, language, compare or None, group_below, recoded)

        def progress(done: int, total: int, step: str) -> None:
            if not quiet:
                click.echo(f"[{done}/{total}] {step}", file=sys.stderr)

        write_report(options, out, kind, progress)
        click.echo(_("Report written to %(path)s.", path=str(out)))
