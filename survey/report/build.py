"""Building the report: gather the figures, render the document, make the PDF.

`report_html(options)` is the self-contained HTML file (styles inline, charts as inline SVG,
nothing fetched); `report_pdf(options)` the same document through WeasyPrint, with the
vendored Noto Sans, a table of contents with page numbers and page numbers in the footer.
Both run inside an application context (the CLI's, a request's, a job's); neither reads a
request. `progress(done, total, step)` is called as the work advances.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import render_template
from flask_babel import _, force_locale

from survey import aggregation
from survey.aggregation.timeline import submissions_per_day
from survey.i18n import languages
from survey.questionnaire import Question, current_questionnaire
from survey.questionnaire.base import Table
from survey.report import quotations
from survey.results import charts, dashboard
from survey.results.formatting import format_cell
from survey.selection import DEFAULT_GROUP_BELOW, Filters

HERE = Path(__file__).resolve().parent
FONTS = HERE.parent / "static" / "vendor" / "noto-sans"
STYLESHEET = HERE / "report.css"
PDF_STYLESHEET = HERE / "report-pdf.css"
#: Quotations per coded category (one per language first), the categories quoted (the
#: largest), and the quotations of an open field without categories.
QUOTES_PER_CATEGORY = 2
QUOTED_CATEGORIES = 5
QUOTES_UNCODED = 3

Progress = Callable[[int, int, str], None]
#: Counting, the timeline, the comparison, quotations, the document: `progress(done, STEPS,
#: what is being done)` before each, and `progress(STEPS, STEPS, ...)` at the end.
STEPS = 5


@dataclass(frozen=True)
class ReportOptions:
    """What the report covers: the respondents (filters), its language, and the optional
    appendix comparing segments (`compare` as on the dashboard)."""

    filters: Filters = field(default_factory=Filters)
    language: str = "en"
    compare: str | None = None
    group_below: int = DEFAULT_GROUP_BELOW
    recoded: bool = False


def _no_progress(done: int, total: int, step: str) -> None:
    return None


def report_context(options: ReportOptions, progress: Progress | None = None) -> dict[str, Any]:
    """Everything the document shows, counted in the database (nothing per response)."""
    tell = progress or _no_progress
    language = options.language
    questionnaire = current_questionnaire()
    with force_locale(language):
        tell(0, STEPS, str(_("Counting the results")))
        data = aggregation.data_state()
        body = aggregation.aggregate_results(options.filters, language, options.recoded, data)
        tell(1, STEPS, str(_("Counting responses over time")))
        timeline = submissions_per_day(options.filters, list(languages()), data)
        comparison = None
        if options.compare:
            tell(2, STEPS, str(_("Comparing the segments")))
            comparison = aggregation.compare_segments(
                options.compare,
                options.filters,
                language,
                options.recoded,
                options.group_below,
                data,
            )
        tell(3, STEPS, str(_("Choosing quotations")))
        quotes = _quotations(questionnaire.questions, options.filters, language, body)
        shown = [q for q in questionnaire.questions if q.asked and not q.personal]
        derived: dict[str, list[Question]] = {}
        for question in questionnaire.questions:
            source = question.numbered_as()
            if not question.asked and source and not question.personal:
                derived.setdefault(source, []).append(question)
        compared = (options.compare or "").partition(".")[0]
        headings = dashboard.segment_headings(comparison)
        return {
            "options": options,
            "language": language,
            "body": body,
            "questions": shown,
            "title_entries": [
                body["questions"][q.code]
                for q in questionnaire.where("on_report_title")
                if q.code in body["questions"]
            ],
            "derived": derived,
            "numbers": questionnaire.numbers,
            "timeline": timeline,
            "timeline_chart": dashboard.timeline_chart(timeline, framed=False),
            "comparison": comparison,
            "segment_headings": headings,
            "compared_code": compared,
            "labelled_segments": [
                {**segment, "label": heading}
                for segment, heading in zip(
                    comparison["segments"] if comparison else [], headings, strict=True
                )
            ],
            "compared_questions": [
                q for q in questionnaire.questions if not q.personal and q.code != compared
            ],
            "coded_fields": questionnaire.coded_fields,
            "quotes": quotes,
            "filters": dashboard.active_filters(_filter_args(options.filters), language),
            "language_label": dashboard.language_label,
            "choice_label": dashboard.choice_label,
            "generated_at": datetime.now(UTC),
            "charts": charts,
            "segment_rows": segment_rows,
            "quoted_categories": QUOTED_CATEGORIES,
        }


@dataclass(frozen=True)
class SegmentRow:
    """A row of the appendix: its label, and per segment its first figure and the others."""

    label: str
    cells: list[tuple[str, str]]


def segment_rows(table: Table, segments: int) -> tuple[list[str], list[SegmentRow]]:
    """A comparison table with one column per segment instead of one per figure: each cell
    holds the segment's first figure (a count, a mean rank) and, smaller, the rest. Returns
    the names of the figures in each cell and the rows."""
    width = (len(table.header) - 1) // max(segments, 1)
    kinds = table.kinds[1 : 1 + width]
    names = [head.rpartition(" – ")[2] for head in table.header[1 : 1 + width]]
    rows = []
    for row in table.rows:
        cells = []
        for start in range(1, 1 + width * segments, width):
            values = row[start : start + width]
            parts = [
                format_cell(value, kind) + (" %" if kind == "percent" and value is not None else "")
                for value, kind in zip(values, kinds, strict=True)
            ]
            rest = " · ".join(parts[1:]) if any(v is not None for v in values[1:]) else ""
            cells.append((parts[0], rest))
        rows.append(SegmentRow(str(row[0]), cells))
    return names, rows


def _filter_args(filters: Filters) -> Any:
    from werkzeug.datastructures import MultiDict

    return MultiDict(filters.to_args())


def _quotations(
    questions: tuple[Question, ...], filters: Filters, language: str, body: dict[str, Any]
) -> dict[str, Any]:
    """Per open field: {category code: quotes} when it is coded, else the newest quotes."""
    found: dict[str, Any] = {}
    coded = {q.coded_field() for q in questions if q.coded_field()}
    for question in questions:
        if question.personal:
            continue
        for open_field in question.open_fields():
            if open_field.field in coded:
                found[open_field.field] = quotations.per_category(
                    open_field, filters, language, QUOTES_PER_CATEGORY
                )
            else:
                found[open_field.field] = quotations.newest(
                    open_field, filters, language, QUOTES_UNCODED
                )
    return found


def report_html(options: ReportOptions, progress: Progress | None = None) -> str:
    """The report as one self-contained HTML document."""
    tell = progress or _no_progress
    context = report_context(options, progress)
    with force_locale(options.language):
        tell(4, STEPS, str(_("Writing the document")))
        html = _render(context, STYLESHEET.read_text(encoding="utf-8"))
        tell(STEPS, STEPS, str(_("Done")))
    return html


def _render(context: dict[str, Any], stylesheet: str) -> str:
    with force_locale(context["language"]):
        return render_template("report/document.html", stylesheet=stylesheet, **context).lstrip()


def report_pdf(options: ReportOptions, progress: Progress | None = None) -> bytes:
    """The report as a PDF: the same document, paged, in the vendored Noto Sans."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    tell = progress or _no_progress
    context = report_context(options, progress)
    html = _render(context, STYLESHEET.read_text(encoding="utf-8"))
    with force_locale(options.language):
        tell(4, STEPS, str(_("Setting the pages")))
    fonts = FontConfiguration()
    fetcher = _local_fonts_only()
    paged = CSS(string=_pdf_stylesheet(), font_config=fonts, url_fetcher=fetcher)
    document = HTML(string=html, url_fetcher=fetcher, base_url=FONTS.as_uri() + "/")
    pdf = document.write_pdf(stylesheets=[paged], font_config=fonts)
    with force_locale(options.language):
        tell(STEPS, STEPS, str(_("Done")))
    return bytes(pdf or b"")


def _pdf_stylesheet() -> str:
    """The print rules, with the fonts' files as local URLs."""
    faces = "".join(
        f'@font-face {{ font-family: "Report Sans"; src: url("{(FONTS / name).as_uri()}"); '
        f"font-weight: {weight}; font-style: {style}; }}\n"
        for name, weight, style in (
            ("NotoSans-Regular.ttf", 400, "normal"),
            ("NotoSans-Bold.ttf", 700, "normal"),
            ("NotoSans-Italic.ttf", 400, "italic"),
        )
    )
    return faces + PDF_STYLESHEET.read_text(encoding="utf-8")


def _local_fonts_only() -> Any:
    """A WeasyPrint URL fetcher that reads the vendored fonts and nothing else: the document
    is made of respondents' words, and a renderer that fetched URLs would be a way out of
    the server."""
    from weasyprint.urls import URLFetcher

    class LocalFontsOnly(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith(FONTS.as_uri() + "/") and ".." not in url:
                return super().fetch(url, headers)
            raise ValueError(f"the report loads no resources: {url[:80]}")

    return LocalFontsOnly()


def write_report(
    options: ReportOptions, path: Path, kind: str = "pdf", progress: Progress | None = None
) -> None:
    """Write the report to `path` as "pdf" or "html"."""
    if kind == "html":
        path.write_text(report_html(options, progress), encoding="utf-8")
    else:
        path.write_bytes(report_pdf(options, progress))


def report_filename(options: ReportOptions, kind: str) -> str:
    """survey-report-en-2026-12-04.pdf"""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    return f"survey-report-{options.language}-{stamp}.{kind}"


def report_title() -> str:
    return str(_("Library advocacy partnerships survey"))
