"""The published report: the whole survey as one document, in English or Russian, as PDF
(WeasyPrint) or as a self-contained HTML file.

A plain package (no request objects): `build.report_html`, `report_pdf` and `write_report`
take the questionnaire's filters, the language and an optional comparison, and report their
progress to an optional callback, so the CLI (`flask --app survey report`), the web download
and a background job all make the same document.
"""
