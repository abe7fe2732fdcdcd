"""The dashboard filters as the API does — several answers of one question, a range of
submission days, ranked items — keeps its URLs clean, and its "Export these results" link
exports exactly the respondents it shows.

Twelve respondents are imported, one submitted per hour from 1 November 2026 09:00 UTC and
then a day apart; who matches each filter is worked out here from the rows.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest

from tests.results.test_dashboard import Page

ROWS = [
    {"q1": "public", "q2": "yes", "q14_libraries": "1", "q14_business": "na"},
    {"q1": "academic", "q2": "no", "q14_libraries": "na", "q14_business": "1"},
    {"q1": "school", "q2": "yes"},
    {"q1": "public", "q2": "no", "q14_libraries": "2", "q14_business": "1"},
    {"q1": "national", "q2": "yes", "language": "ru"},
    {"q1": "academic", "q2": "yes", "q14_libraries": "1"},
    {"q1": "other", "q1_other": "Prison library", "q2": "no"},
    {"q2": "yes", "language": "ru", "q14_business": "1"},
    {"q1": "public"},
    {"q1": "academic", "q2": "no"},
    {"q1": "school", "q2": "no", "language": "ru"},
    {"q1": "public", "q2": "yes", "q14_libraries": "2", "q14_business": "1"},
]


def day(row) -> str:
    return row["submitted_at"][:10]


@pytest.fixture
def people(import_rows):
    for n, row in enumerate(ROWS):
        # Two a day: 1, 1, 2, 2, 3, 3 … November.
        row["submitted_at"] = f"2026-11-{1 + n // 2:02d}T{9 + n % 2 * 12:02d}:30:00Z"
    return import_rows(ROWS)


FILTERS = {
    "q1=public&q1=academic": lambda r: r.get("q1") in ("public", "academic"),
    "q1=public,academic&q2=yes": lambda r: (
        r.get("q1") in ("public", "academic") and r.get("q2") == "yes"
    ),
    "submitted_from=2026-11-02&submitted_to=2026-11-04": lambda r: (
        "2026-11-02" <= day(r) <= "2026-11-04"
    ),
    "submitted_to=2026-11-01": lambda r: day(r) <= "2026-11-01",
    "submitted_from=2026-11-05&lang=ru": lambda r: (
        day(r) >= "2026-11-05" and r.get("language") == "ru"
    ),
    "q14=libraries&q14=business": lambda r: any(
        r.get(f"q14_{i}", "na") != "na" for i in ("libraries", "business")
    ),
}


@pytest.mark.parametrize("query", FILTERS)
def test_the_page_and_the_api_select_the_same_respondents(client, people, viewer, query):
    expected = sum(1 for row in people if FILTERS[query](row))
    page = Page(client.get(f"/results/?{query}").get_data(as_text=True))
    assert page.one("dd", id="total-responses")["data-total"] == str(expected)
    body = client.get(f"/api/results?{query}").get_json()
    assert body["total"] == expected
    # The form shows what is chosen: ticked boxes, the days.
    for key, _sep, value in (pair.partition("=") for pair in query.split("&")):
        for one in value.split(","):
            if key.startswith("submitted"):
                assert page.one("input", name=key)["value"] == one
            else:
                box = page.one("input", name=key, value=one)
                assert "checked" in box.attrs


def test_the_date_range_is_shown_and_explained_when_wrong(client, people, viewer):
    page = Page(client.get("/results/?submitted_from=2026-11-02").get_data(as_text=True))
    chip = page.one("li", data_filter="submitted_from")
    assert "Submitted from" in chip.text and "Nov 2, 2026" in chip.text
    for query, message in (
        ("submitted_from=2026-11-31", "is not a date"),
        ("submitted_to=yesterday", "write it as YYYY-MM-DD"),
        ("submitted_from=2026-11-05&submitted_to=2026-11-01", "must not be after"),
    ):
        response = client.get(f"/results/?{query}")
        assert response.status_code == 400 and message in response.get_data(as_text=True)
        api = client.get(f"/api/results?{query}")
        assert api.status_code == 400 and message in api.get_json()["message"]
    russian = client.get("/results/?submitted_to=yesterday", headers={"Accept-Language": "ru"})
    assert "ГГГГ-ММ-ДД" in russian.get_data(as_text=True)


def test_empty_fields_of_the_filter_form_leave_the_url(client, people, viewer):
    sent = client.get("/results/?lang=&q1=public&q2=&submitted_from=&compare=&group_below=10")
    assert sent.status_code == 302
    assert sent.location == "/results/?q1=public&group_below=10"
    nothing = client.get("/results/?lang=&compare=")
    assert nothing.location == "/results/"
    assert client.get("/results/?q1=public").status_code == 200


@pytest.mark.parametrize("query", ["q1=public&q1=academic&submitted_from=2026-11-02", "lang=ru"])
def test_the_export_link_exports_the_respondents_the_page_shows(client, people, viewer, query):
    page = Page(client.get(f"/results/?{query}&compare=q2&sort_q14=first").get_data(as_text=True))
    shown = int(page.one("dd", id="total-responses")["data-total"])
    export_page = client.get(page.one("a", id="export-link")["href"])
    assert export_page.status_code == 200
    links = Page(export_page.get_data(as_text=True)).find_all("a")
    csv_link = next(a["href"] for a in links if a["href"].startswith("/export/responses.csv"))
    exported = list(csv.DictReader(io.StringIO(client.get(csv_link).get_data(as_text=True))))
    assert len(exported) == shown
    first = datetime.fromisoformat("2026-11-02T00:00:00+00:00")
    for row in exported:
        if "q1=" in query:
            assert row["q1"] in ("public", "academic")
            assert datetime.fromisoformat(row["submitted_at"].replace("Z", "+00:00")) >= first
        else:
            assert row["language"] == "ru"


def test_the_exports_since_and_until_are_the_same_days_of_submission(client, people, viewer):
    """The export's own names for the days (`since`, `until`; the CLI's --since, --until)
    select what the results' `submitted_from` and `submitted_to` select; both at once is a 400."""
    expected = sorted(r["response_id"] for r in people if "2026-11-02" <= day(r) <= "2026-11-04")

    def exported(query: str) -> list[str]:
        body = client.get(f"/export/responses.csv?{query}").get_data(as_text=True)
        return sorted(row["response_id"] for row in csv.DictReader(io.StringIO(body)))

    assert exported("since=2026-11-02&until=2026-11-04") == expected
    assert exported("submitted_from=2026-11-02&submitted_to=2026-11-04") == expected
    both = client.get("/export/responses.csv?since=2026-11-02&submitted_from=2026-11-03")
    assert both.status_code == 400
    page = Page(client.get("/export/?since=2026-11-02").get_data(as_text=True))
    assert page.one("input", id="submitted_from")["value"] == "2026-11-02"
