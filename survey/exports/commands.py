"""CLI: `flask --app survey export FORMAT --out FILE` and `flask --app survey import-csv FILE`."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click
from flask import Flask
from flask_babel import _, ngettext

from survey.auth.access import record_access
from survey.exports import formats
from survey.exports.formats import ExportOptions
from survey.extensions import db
from survey.selection import FilterError, Filters

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
    "codebook.csv": "codebook.csv",
    "codebook": "codebook.csv",
    "coded_answers.csv": "coded_answers.csv",
    "coded": "coded_answers.csv",
}


def _filters(pairs: tuple[str, ...], lang: str | None) -> Filters:
    try:
        return Filters.from_pairs(pairs, lang)
    except FilterError as error:
        raise click.BadParameter(str(error)) from error


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
    def export_command(
        format_name,
        out,
        labels,
        bom,
        lang,
        filter_pairs,
        include_contact,
        recoded,
        include_excluded,
    ):
        """Write the dataset as FORMAT (responses.csv|csv, answers.csv|long, xlsx, sav,
        codebook.csv|codebook, coded_answers.csv|coded) to --out."""
        name = FORMAT_ALIASES[format_name]
        options = ExportOptions(
            filters=_filters(filter_pairs, lang),
            labels=labels,
            bom=bom,
            include_contact=include_contact,
            recoded=recoded,
            include_excluded=include_excluded,
        )
        if include_contact:
            record_access(
                None, f"cli:{getpass.getuser()}", "export_contact", options.describe(name)
            )
        if name == "responses.xlsx":
            with out.open("wb") as handle:
                formats.write_xlsx(options, handle)
        elif name == "responses.sav":
            formats.write_sav(options, str(out))
        else:
            writer = {
                "responses.csv": formats.wide_csv,
                "answers.csv": formats.long_csv,
                "codebook.csv": formats.codebook_csv,
                "coded_answers.csv": formats.coded_csv,
            }[name]
            with out.open("w", encoding="utf-8", newline="") as handle:
                for chunk in writer(options):
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
