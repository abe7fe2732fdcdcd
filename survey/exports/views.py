"""Download endpoints for the merged dataset: the download page, the streamed CSVs, and the
large files (XLSX, SPSS, Stata) made as background jobs.

All of them require a signed-in working-group member or a bearer token. Contact details are
exported only to an admin who asks with `?include_contact=1`; that access is written to the
access log (and committed) before the first byte is sent — for a job, before its file is.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Response, abort, redirect, render_template, request, stream_with_context, url_for
from flask_login import current_user, login_required

from survey import jobs
from survey.auth.access import bearer_token, record_access
from survey.exports import bp, formats
from survey.exports.formats import FORMATS, HEADERS, SEPARATORS, ExportOptions
from survey.exports.jobs import WRITERS, attachment_name
from survey.exports.options import OptionError, options_from_args, options_to_args
from survey.extensions import csrf
from survey.questionnaire import current_questionnaire
from survey.selection import DATE_RANGE

STREAMED = {
    "responses.csv": formats.wide_csv,
    "answers.csv": formats.long_csv,
    "codebook.csv": formats.codebook_csv,
    "coded_answers.csv": formats.coded_csv,
    "responses.R": formats.r_script,
}


@bp.before_request
def csrf_unless_bearer() -> None:
    """Starting a job is a POST: a browser's carries a CSRF token, a script's a bearer token."""
    if request.method in ("GET", "HEAD", "OPTIONS") or bearer_token(request):
        return
    csrf.protect()


def export_options(name: str, args=None) -> ExportOptions:
    """Options from the query string; 400 for bad values, 403 for contact data."""
    try:
        options = options_from_args(request.args if args is None else args)
    except OptionError as error:
        abort(400, description=str(error))
    if options.include_contact and not current_user.is_admin:
        abort(403)
    return options


def _record_contact_access(name: str, options: ExportOptions) -> None:
    if options.include_contact:
        record_access(current_user.id, current_user.email, "export_contact", options.describe(name))


def _download_headers(name: str, options: ExportOptions) -> dict[str, str]:
    filename = attachment_name(FORMATS[name].filename, options.recoded)
    return {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }


@bp.route("/")
@login_required
def index():
    """The download page: every format, with links and buttons that carry the options."""
    options = export_options("index")
    pairs = options_to_args(options)
    csv_pairs = [(key, value) for key, value in pairs if key != "include_contact"]

    def link(name: str, for_excel: bool = False) -> str:
        chosen = pairs if name != "codebook.csv" else csv_pairs
        if for_excel and not options.bom:
            chosen = [*chosen, ("bom", "1")]
        query = urlencode(chosen)
        return url_for("export.download", name=name) + (f"?{query}" if query else "")

    return render_template(
        "exports/index.html",
        options=options,
        pairs=pairs,
        # The days of submission have fields of their own on the page.
        filter_pairs=[pair for pair in options.filters.to_args() if pair[0] not in DATE_RANGE],
        filters_description=options.filters.describe(),
        questions=[q for q in current_questionnaire().questions if q.asked],
        languages=current_questionnaire_languages(),
        separators=list(SEPARATORS),
        headers=HEADERS,
        job_formats=list(WRITERS),
        link=link,
    )


def current_questionnaire_languages() -> list[str]:
    from flask import current_app

    return list(current_app.config["LANGUAGES"])


@bp.route("/<any(" + ", ".join(f'"{name}"' for name in STREAMED) + "):name>")
@login_required
def download(name: str):
    options = export_options(name)
    _record_contact_access(name, options)
    return Response(
        stream_with_context(STREAMED[name](options)),
        mimetype=FORMATS[name].mimetype,
        headers=_download_headers(name, options),
    )


JOB_NAMES = "<any(" + ", ".join(f'"{name}"' for name in WRITERS) + "):name>"


@bp.get("/" + JOB_NAMES)
@login_required
def job_format(name: str):
    """XLSX, SPSS and Stata files are made in the background: the page starts them."""
    export_options(name)
    query = request.query_string.decode("utf-8", "replace")
    return redirect(url_for("export.index") + (f"?{query}" if query else "") + "#files", 303)


@bp.post("/" + JOB_NAMES)
@login_required
def start_job(name: str):
    """Start making the file (POST, with the options in the form or the query string); the
    browser goes to the job's page, a script gets 202 and the job's status URL."""
    args = request.args.copy()
    for key, value in request.form.items(multi=True):
        if key != "csrf_token":
            args.add(key, value)
    options = export_options(name, args)
    job = jobs.start(
        name,
        {"args": options_to_args(options)},
        current_user.id,
        options.describe(name),
        personal=options.include_contact,
    )
    status_url = url_for("api.job_status", job_uuid=job.uuid)
    page_url = url_for("jobs.show", job_uuid=job.uuid)
    if bearer_token(request):
        return (
            {"id": job.uuid, "status": job.status, "status_url": status_url},
            202,
            {"Location": status_url},
        )
    return redirect(page_url, 303)
