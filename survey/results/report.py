"""The report pages: choose the report's language and appendix, download it as PDF or HTML.

Routes only: the document is made by `survey.report.build` from the dashboard's filters
(the same query arguments), which takes no request objects.
"""

from __future__ import annotations

from flask import Response, abort, render_template, request
from flask_login import login_required

from survey.extensions import talisman
from survey.i18n import current_language, languages
from survey.report.build import ReportOptions, report_filename, report_html, report_pdf
from survey.results import bp, dashboard
from survey.results.views import with_filters

#: The HTML report opened in the browser: its own inline styles, nothing else at all.
DOCUMENT_POLICY = {
    "default-src": "'none'",
    "style-src": "'unsafe-inline'",
    "img-src": "data:",
    "base-uri": "'none'",
    "form-action": "'none'",
    "frame-ancestors": "'none'",
}


def report_options() -> ReportOptions:
    """The report the query asks for; 400 with the reason for a bad filter or comparison."""
    state = dashboard.read_state(request.args)
    if state.error:
        abort(400, description=state.error)
    language = request.args.get("language") or current_language()
    if language not in languages():
        abort(400, description=f"language: {language}")
    return ReportOptions(state.filters, language, state.compare, state.group_below, state.recoded)


@bp.get("/report", endpoint="report_page")
@login_required
def report_page():
    """What the report will cover, with its options and the two downloads."""
    state = dashboard.read_state(request.args)
    language = current_language()
    filters = dashboard.active_filters(request.args, language) if not state.error else []
    return render_template(
        "results/report.html",
        error=state.error,
        filters=filters,
        filter_pairs=state.filters.to_args() if not state.error else [],
        recoded=state.recoded,
        compare=state.compare,
        group_below=state.group_below,
        compare_groups=dashboard.compare_groups(),
        languages=[(code, dashboard.language_label(code)) for code in languages()],
        language=language,
        dashboard_url=with_filters("results.dashboard", extra=[("compare", state.compare)]),
    ), (400 if state.error else 200)


@bp.get("/report.pdf")
@login_required
def report_pdf_file():
    options = report_options()
    pdf = report_pdf(options)
    return _download(pdf, "application/pdf", report_filename(options, "pdf"))


@bp.get("/report.html")
@login_required
@talisman(content_security_policy=DOCUMENT_POLICY)
def report_html_file():
    """The self-contained HTML file; `?view=1` opens it in the browser instead."""
    options = report_options()
    html = report_html(options)
    if request.args.get("view") == "1":
        return Response(html, mimetype="text/html")
    return _download(html.encode("utf-8"), "text/html", report_filename(options, "html"))


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(body, mimetype=mimetype, headers=headers)
