"""What the dashboard shows downloads as it is shown: each chart as SVG (the page draws the
PNG from it), each question's table as CSV (and as tab-separated text for Copy), for the
same respondents and segments as the page."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest

from tests.results.test_dashboard import Page

SVG = "{http://www.w3.org/2000/svg}"
ROWS = [
    {"q1": "public", "q2": "yes", "q14_libraries": "1", "q14_business": "2"},
    {"q1": "public", "q2": "no", "q14_libraries": "2", "q14_business": "1"},
    {"q1": "academic", "q2": "yes", "q14_libraries": "1", "q14_business": "na"},
    {"q1": "school", "q2": "yes"},
    {"q2": "no", "q17_email": "secret@example.org", "q17_name": "Secret"},
]


@pytest.fixture
def people(import_rows):
    return import_rows(ROWS)


def links(client, query: str) -> dict[str, dict[str, str]]:
    page = Page(client.get(f"/results/?{query}").get_data(as_text=True))
    found: dict[str, dict[str, str]] = {}
    for box in page.find_all("p"):
        if box.get("data-downloads"):
            code = box["data-downloads"]
            found[code] = {}
    for a in page.find_all("a"):
        if "data-chart-svg" in a.attrs or "data-table-csv" in a.attrs:
            code = a["href"].split("/")[3].split(".")[0]
            found.setdefault(code, {})["svg" if "data-chart-svg" in a.attrs else "csv"] = a["href"]
    return found


def test_each_chart_downloads_as_svg_for_the_filtered_respondents(client, people, viewer):
    found = links(client, "q2=yes&sort_q14=first")
    href = found["q1"]["svg"]
    assert href == "/results/charts/q1.svg?q2=yes"
    response = client.get(href)
    assert response.mimetype == "image/svg+xml"
    assert 'filename="survey-chart-q1-' in response.headers["Content-Disposition"]
    svg = ET.fromstring(response.data)
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    # Three members answered q1: public, academic, school one each.
    assert "1. Type of library" in texts
    for label in ("Public / community library", "Academic library", "School library"):
        assert label in texts
    assert texts.count("1 · 33.3 %") == 3
    # The PNG is drawn from the same file by the page (a button only JavaScript shows).
    page = client.get("/results/?q2=yes").get_data(as_text=True)
    assert 'data-chart-png="/results/charts/q1.svg?q2=yes"' in page
    timeline = client.get("/results/charts/timeline.svg?q2=yes")
    assert ET.fromstring(timeline.data).tag == f"{SVG}svg"


def test_each_table_downloads_as_csv_with_the_figures_of_the_page(client, people, viewer):
    found = links(client, "")
    table = client.get(found["q14"]["csv"])
    assert table.mimetype == "text/csv"
    assert table.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(table.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["Item", "1", "2", "3", "4", "5", "6", "Not ranked", "Mean rank",
                       "#1", "#1 (%)", "n"]  # fmt: skip
    libraries = next(r for r in rows if r[0] == "Other libraries")
    # Ranks 1, 2, 1 from three respondents: mean 1.33, #1 twice, 66.7 % of them.
    assert libraries == ["Other libraries", "2", "1", "0", "0", "0", "0", "0", "1.33", "2",
                         "66.7", "3"]  # fmt: skip
    copied = client.get(found["q14"]["csv"].replace(".csv", ".tsv"))
    assert copied.get_data(as_text=True).splitlines()[0].split("\t")[:3] == ["Item", "1", "2"]


def test_a_comparison_downloads_its_segments_side_by_side(client, people, viewer):
    found = links(client, "compare=q2")
    rows = list(
        csv.reader(
            io.StringIO(client.get(found["q1"]["csv"]).get_data(as_text=True).lstrip("\ufeff"))
        )
    )
    assert rows[0] == [
        "Answer",
        "Association member: Yes – Respondents",
        "Association member: Yes – %",
        "Association member: No – Respondents",
        "Association member: No – %",
    ]
    public = next(r for r in rows if r[0] == "Public / community library")
    assert public == ["Public / community library", "1", "33.3", "1", "100.0"]
    svg = client.get(found["q1"]["svg"]).get_data(as_text=True)
    assert "Association member: Yes (n = 3)" in svg


def test_contact_details_and_unknown_questions_have_nothing_to_download(client, people, viewer):
    for url in ("/results/charts/q17.svg", "/results/tables/q17.csv", "/results/tables/q99.csv",
                "/results/charts/q8.svg"):  # fmt: skip
        assert client.get(url).status_code == 404, url
    assert client.get("/results/tables/q1.csv?q99=x").status_code == 400
    assert "secret@example.org" not in client.get("/results/tables/q1.csv").get_data(as_text=True)


def test_downloads_need_a_signed_in_member(client, people):
    for url in ("/results/charts/q1.svg", "/results/tables/q1.csv", "/results/charts/timeline.svg"):
        assert client.get(url).status_code == 302
