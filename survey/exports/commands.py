"""CLI: `flask --app survey export FORMAT --out FILE` and `flask --app survey import-csv FILE`."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click
from flask import Flask
from flask_babel import _, ngettext
from werkzeug.datastructures import MultiDict

from survey.auth.access import record_access
from survey.exports.formats import ExportOptions, count
from survey.exports.jobs import WRITERS
from survey.exports.options import OptionError, options_from_args
from survey.exports.views import STREAMED
from survey.extensions import db

#: FORMAT argument of `flask export`: the file names of the web URLs, and short aliases.
FORMAT_ALIASES = {
    "responses.csv": "responses.csv",
    "csv": "responses.csv",
    "answers.csv": "answers.csv",
    "long": "answers.csv",
    "responses.xlsx": "responses.xlsx",
    "xlsx": "responses.xlsx",
    "responses.sav": "responses.sav",
    "sav": "responses.sav",
    "responses.dta": "responses.dta",
    "dta": "responses.dta",
    "responses.R": "responses.R",
    "r": "responses.R",
    "codebook.csv": "codebook.csv",
    "codebook": "codebook.csv",
    "coded_answers.csv": "coded_answers.csv",
    "coded": "coded_answers.csv",
}


def _args(
    pairs: tuple[str, ...], lang: str | None, **options: str | tuple[str, ...] | None
) -> MultiDict:
    """The command's options as the web page's query arguments."""
    args: MultiDict = MultiDict()
    if lang:
        args.add("lang", lang)
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key or not value:
            raise click.BadParameter(
                _("%(pair)s: write filters as QUESTION=OPTION, e.g. q2=yes", pair=repr(pair))
            )
        args.add(key.strip(), value.strip())
    for key, given in options.items():
        for item in given if isinstance(given, tuple) else (given,):
            if item:
                args.add(key, item)
    return args


def register(app: Flask) -> None:
    @app.cli.command("export")
    @click.argument("format_name", metavar="FORMAT", type=click.Choice(sorted(FORMAT_ALIASES)))
    @click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--labels", type=click.Choice(["en", "ru"]), help="Labels instead of codes.")
    @click.option("--bom", is_flag=True, help="Start CSV files with a UTF-8 byte order mark.")
    @click.option("--lang", help="Only responses in this language.")
    @click.option(
        "--filter",
        "filter_pairs",
        multiple=True,
        metavar="QUESTION=OPTION",
        help="Only responses with this answer (repeatable), e.g. --filter q2=yes.",
    )
    @click.option("--since", metavar="YYYY-MM-DD", help="Only responses submitted on or after.")
    @click.option("--until", metavar="YYYY-MM-DD", help="Only responses submitted on or before.")
    @click.option(
        "--questions", metavar="q1,q6,…", help="Only these questions' columns (and the ids)."
    )
    @click.option("--sep", type=click.Choice(["comma", "semicolon", "tab"]), help="CSV separator.")
    @click.option(
        "--headers", type=click.Choice(["codes", "text"]), help="Header row: codes or questions."
    )
    @click.option(
        "--no-formula-safe",
        "unsafe",
        is_flag=True,
        help="CSV: no apostrophe before text that starts like a formula.",
    )
    @click.option(
        "--include-contact",
        is_flag=True,
        help="Include contact details (personal data); the access is logged with your OS user.",
    )
    @click.option(
        "--recoded",
        is_flag=True,
        help='"Other" answers the working group recoded are exported as their new option.',
    )
    @click.option(
        "--include-excluded",
        is_flag=True,
        help="Export the responses an admin excluded too, each with a status column.",
    )
    def export_command(  # noqa: PLR0913 - one parameter per option
        format_name,
        out,
        labels,
        bom,
        lang,
        filter_pairs,
        since,
        until,
        questions,
        sep,
        headers,
        unsafe,
        include_contact,
        recoded,
        include_excluded,
    ):
        """Write the dataset as FORMAT (responses.csv|csv, answers.csv|long, xlsx, sav, dta,
        responses.R|r, codebook.csv|codebook, coded_answers.csv|coded) to --out."""
        name = FORMAT_ALIASES[format_name]
        args = _args(
            filter_pairs,
            lang,
            labels=labels,
            bom="1" if bom else None,
            since=since,
            until=until,
            questions=questions,
            sep=sep,
            headers=headers,
            formula_safe="0" if unsafe else None,
            include_contact="1" if include_contact else None,
            recoded="1" if recoded else None,
            include_excluded="1" if include_excluded else None,
        )
        try:
            options = options_from_args(args)
        except OptionError as error:
            raise click.BadParameter(str(error)) from error
        if include_contact:
            record_access(
                None, f"cli:{getpass.getuser()}", "export_contact", options.describe(name)
            )
        if name in WRITERS:
            _write_with_progress(WRITERS[name], options, out)
        else:
            with out.open("w", encoding="utf-8", newline="") as handle:
                for chunk in STREAMED[name](options):
                    handle.write(chunk)
        click.echo(_("Wrote %(name)s to %(path)s", name=name, path=out))

    @app.cli.command("import-csv")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
    def import_command(path, dry_run):
        """Import a wide CSV in this survey's export format, all rows or none."""
        from survey.importer import ImportFileError, import_csv

        try:
            report = import_csv(path.read_bytes(), dry_run=dry_run)
        except ImportFileError as error:
            db.session.rollback()
            click.echo(f"{path}: {error}", err=True)
            click.echo(_("Nothing was imported."), err=True)
            sys.exit(1)
        for rejection in report.rejected:
            click.echo(f"{path}: {rejection}", err=True)
        if report.rejected:
            db.session.rollback()
            click.echo(
                ngettext(
                    "%(num)d row of %(rows)d rejected; nothing was imported.",
                    "%(num)d rows of %(rows)d rejected; nothing was imported.",
                    len(report.rejected),
                    rows=report.rows,
                ),
                err=True,
            )
            sys.exit(1)
        if dry_run:
            db.session.rollback()
            click.echo(
                ngettext(
                    "Dry run: %(num)d row would be imported, %(skipped)d already present; "
                    "nothing was written.",
                    "Dry run: %(num)d rows would be imported, %(skipped)d already present; "
                    "nothing was written.",
                    report.imported,
                    skipped=report.skipped,
                )
            )
            return
        db.session.commit()
        click.echo(
            ngettext(
                "Imported %(num)d response; %(skipped)d already present (skipped).",
                "Imported %(num)d responses; %(skipped)d already present (skipped).",
                report.imported,
                skipped=report.skipped,
            )
        )


def _write_with_progress(writer, options: ExportOptions, out: Path) -> None:
    """Write a large file with a progress bar on the terminal, to a temporary name first."""
    total = count(options)
    partial = out.with_name(out.name + ".partial")
    with click.progressbar(length=total, label=_("Writing"), file=sys.stderr) as bar:
        shown = 0

        def progress(done: int, _total: int) -> None:
            nonlocal shown
            bar.update(done - shown)
            shown = done

        writer(options, partial, progress)
    partial.replace(out)
