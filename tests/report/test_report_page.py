"""The report from the results page and from the command line: the same filters as the
dashboard, the language chosen, an optional appendix, progress on the terminal, and nothing
for anonymous visitors."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tests.results.test_dashboard import Page


@pytest.fixture
def people(import_rows):
    return import_rows(
        [
            {"q1": "public", "q2": "yes", "q3": "FR", "q9": "Money was short =SUM(A1)."},
            {"q1": "academic", "q2": "no", "q3": "DE", "q9": "Время, время, время."},
            {"q1": "public", "q2": "yes", "q3": "FR", "q17_email": "private@example.org"},
        ]
    )


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


def test_the_dashboard_links_to_the_report_of_what_it_shows(client, people, viewer):
    page = Page(client.get("/results/?q1=public&compare=q2&sort_q14=mean").get_data(as_text=True))
    href = page.one("a", id="report-link")["href"]
    assert href == "/results/report?q1=public&compare=q2"
    report_page = Page(client.get(href).get_data(as_text=True))
    assert [c["data-value"] for c in report_page.find_all("li") if c.get("data-filter")] == [
        "public"
    ]
    hidden = {
        (i["name"], i["value"]) for i in report_page.find_all("input") if i.get("type") == "hidden"
    }
    assert ("q1", "public") in hidden
    selected = [o["value"] for o in report_page.find_all("option") if "selected" in o.attrs]
    assert selected == ["q2"]

    pdf = client.get("/results/report.pdf?q1=public&compare=q2&language=en")
    assert pdf.status_code == 200
    assert 'filename="survey-report-en-' in pdf.headers["Content-Disposition"]
    text = text_of(pdf.data)
    assert "Question 1: Public / community library" in text  # who the report covers
    assert "Appendix: segments compared (Association member)" in text
    assert "Association member: Yes" in text
    assert "private@example.org" not in text


def test_the_html_report_opens_in_the_browser_with_a_policy_of_its_own(client, people, viewer):
    shown = client.get("/results/report.html?view=1&language=ru")
    assert shown.status_code == 200 and "Content-Disposition" not in shown.headers
    policy = shown.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    document = shown.get_data(as_text=True)
    assert '<html lang="ru">' in document
    # Answers are escaped, never markup.
    assert "Время, время, время." in document and "<script" not in document


def test_anonymous_visitors_are_sent_to_sign_in(client, people):
    for url in ("/results/report", "/results/report.pdf", "/results/report.html"):
        response = client.get(url)
        assert response.status_code == 302 and response.location.startswith("/login")


def test_a_bad_filter_language_or_comparison_gets_400(client, people, viewer):
    assert client.get("/results/report.pdf?q99=x").status_code == 400
    assert client.get("/results/report.pdf?compare=q8").status_code == 400
    assert client.get("/results/report.pdf?language=fr").status_code == 400
    page = client.get("/results/report?q2=maybe")
    assert page.status_code == 400 and "has no option" in page.get_data(as_text=True)


def test_the_command_writes_the_pdf_and_says_how_far_it_is(runner, people, tmp_path):
    out = tmp_path / "report.pdf"
    done = runner.invoke(
        args=[
            "report",
            "--out",
            str(out),
            "--filter",
            "q2=yes",
            "--compare",
            "q3",
            "--group-below",
            "0",
        ]
    )
    assert done.exit_code == 0, done.output
    assert f"Report written to {out}." in done.output
    steps = [line for line in done.stderr.splitlines() if line.startswith("[")]
    assert steps[0] == "[0/5] Counting the results" and steps[-1] == "[5/5] Done"
    text = text_of(out.read_bytes())
    assert "Submitted responses 2" in text and "Only those with: Question 2: Yes" in text
    assert "Appendix: segments compared (Country)" in text and "Country: France" in text
    html = tmp_path / "report.html"
    assert runner.invoke(args=["report", "--out", str(html), "--quiet"]).exit_code == 0
    assert html.read_text(encoding="utf-8").startswith("<!doctype html>")
    refused = runner.invoke(args=["report", "--out", str(out), "--compare", "q8"])
    assert refused.exit_code == 2 and "cannot be compared" in refused.output
