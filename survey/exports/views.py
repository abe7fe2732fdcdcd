"""Download endpoints for the merged dataset: the download page and one URL per format.

All of them require a signed-in working-group member or a bearer token. Contact details are
exported only to an admin who asks with `?include_contact=1`; that access is written to the
access log (and committed) before the first byte is sent.
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from urllib.parse import urlencode

from flask import (
    Response,
    abort,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required

from survey.auth.access import record_access
from survey.exports import bp, formats
from survey.exports.formats import FORMATS, ExportOptions
from survey.selection import FilterError, Filters, recoded_figures

LABEL_LANGUAGES = ("en", "ru")
FILE_CHUNK = 64 * 1024


def attachment_name(filename: str, recoded: bool = False) -> str:
    """survey-responses-2026-12-04.csv, or survey-responses-recoded-2026-12-04.csv."""
    stem, _dot, extension = filename.rpartition(".")
    figures = "-recoded" if recoded else ""
    return f"survey-{stem}{figures}-{datetime.now(UTC):%Y-%m-%d}.{extension}"


def export_options(name: str) -> ExportOptions:
    """Options and filters from the query string; 400 for bad values, 403 for contact data."""
    try:
        filters = Filters.from_args(request.args)
        recoded = recoded_figures(request.args)
    except FilterError as error:
        abort(400, description=str(error))
    labels = request.args.get("labels") or None
    if labels is not None and labels not in LABEL_LANGUAGES:
        abort(400, description="labels must be en or ru.")
    options = ExportOptions(
        filters=filters,
        labels=labels,
        bom=request.args.get("bom") == "1",
        include_contact=request.args.get("include_contact") == "1",
        recoded=recoded,
        include_excluded=request.args.get("include_excluded") == "1",
    )
    if options.include_contact:
        if not current_user.is_admin:
            abort(403)
        user_id, email = current_user.id, current_user.email
        record_access(user_id, email, "export_contact", options.describe(name))
    return options


def _download_headers(name: str, options: ExportOptions) -> dict[str, str]:
    filename = attachment_name(FORMATS[name].filename, options.recoded)
    return {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }


def _streamed(name: str, chunks, options: ExportOptions) -> Response:
    return Response(
        stream_with_context(chunks),
        mimetype=FORMATS[name].mimetype,
        headers=_download_headers(name, options),
    )


@bp.route("/")
@login_required
def index():
    """The download page: every format, with links that carry the filters and options."""
    try:
        filters = Filters.from_args(request.args)
    except FilterError as error:
        abort(400, description=str(error))
    filters_pairs = filters.to_args()
    labels = request.args.get("labels") if request.args.get("labels") in LABEL_LANGUAGES else ""
    bom = request.args.get("bom") == "1"
    recoded = request.args.get("recoded") == "1"
    include_contact = current_user.is_admin and request.args.get("include_contact") == "1"
    include_excluded = request.args.get("include_excluded") == "1"

    def link(endpoint: str, for_excel: bool = False) -> str:
        pairs = list(filters_pairs)
        if labels:
            pairs.append(("labels", labels))
        if bom or for_excel:
            pairs.append(("bom", "1"))
        if recoded and endpoint != "export.codebook_csv":
            pairs.append(("recoded", "1"))
        if include_contact and endpoint != "export.codebook_csv":
            pairs.append(("include_contact", "1"))
        if include_excluded:
            pairs.append(("include_excluded", "1"))
        query = urlencode(pairs)
        return url_for(endpoint) + (f"?{query}" if query else "")

    return render_template(
        "exports/index.html",
        filters_description=filters.describe(),
        filters_pairs=filters_pairs,
        labels=labels,
        bom=bom,
        recoded=recoded,
        include_contact=include_contact,
        include_excluded=include_excluded,
        link=link,
    )


@bp.route("/responses.csv")
@login_required
def responses_csv():
    options = export_options("responses.csv")
    return _streamed("responses.csv", formats.wide_csv(options), options)


@bp.route("/answers.csv")
@login_required
def answers_csv():
    options = export_options("answers.csv")
    return _streamed("answers.csv", formats.long_csv(options), options)


@bp.route("/codebook.csv")
@login_required
def codebook_csv():
    options = export_options("codebook.csv")
    return _streamed("codebook.csv", formats.codebook_csv(options), options)


@bp.route("/coded_answers.csv")
@login_required
def coded_answers_csv():
    options = export_options("coded_answers.csv")
    return _streamed("coded_answers.csv", formats.coded_csv(options), options)


@bp.route("/responses.xlsx")
@login_required
def responses_xlsx():
    options = export_options("responses.xlsx")
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - send_file closes it
    formats.write_xlsx(options, handle)
    handle.seek(0)
    return _send(handle, "responses.xlsx", options)


@bp.route("/responses.sav")
@login_required
def responses_sav():
    options = export_options("responses.sav")
    fd, path = tempfile.mkstemp(suffix=".sav")
    os.close(fd)
    try:
        formats.write_sav(options, path)
        handle = open(path, "rb")  # noqa: SIM115 - send_file closes it
    finally:
        os.unlink(path)
    return _send(handle, "responses.sav", options)


def _send(handle, name: str, options: ExportOptions) -> Response:
    """Send a finished temporary file in chunks, closing (and so deleting) it at the end."""

    def chunks():
        try:
            while block := handle.read(FILE_CHUNK):
                yield block
        finally:
            handle.close()

    headers = _download_headers(name, options)
    return Response(chunks(), mimetype=FORMATS[name].mimetype, headers=headers)
