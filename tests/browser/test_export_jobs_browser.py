"""An analyst asks for the XLSX of a few thousand responses: the page shows a progress bar
while the file is made in the background (here by the web workers' embedded job thread, the
default on a fresh machine), then offers the file, which downloads and opens."""

from __future__ import annotations

import time

import pytest
from openpyxl import load_workbook

from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
RESPONSES = 4000


@pytest.fixture(scope="module")
def server(live_server):
    live_server.run_cli(
        "create-user",
        "analyst@example.org",
        "--role",
        "analyst",
        "--password-stdin",
        input=f"{PASSWORD}\n",
    )
    live_server.run_cli("seed-demo", str(RESPONSES), "--drafts", "0")
    return live_server


def sign_in(page, base_url: str) -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=email]", "analyst@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit], form input[type=submit]")
    page.wait_for_url(f"{base_url}/results/")


@pytest.mark.parametrize(
    ("locale", "language", "width"),
    [("en-GB", "en", 360), ("ru-RU", "ru", 1280), ("ru-RU", "ru", 360), ("en-GB", "en", 1280)],
)
def test_the_progress_bar_moves_and_the_file_downloads(
    server, make_page, page_problems, screenshot, tmp_path, locale, language, width
):
    page = make_page(locale=locale, width=width, height=900)
    sign_in(page, server.url)
    page.goto(f"{server.url}/export/?lang=en")
    page.click("form[action='/export/responses.xlsx'] button")
    page.wait_for_url("**/jobs/*")
    progress = page.locator("#job-progress")
    assert progress.is_visible()
    seen: list[tuple[str, str]] = []
    deadline = time.monotonic() + 120
    while not page.locator("#job-download").is_visible():
        state = page.get_attribute("#job", "data-status")
        seen.append((state, progress.get_attribute("value")))
        if (
            state == "running"
            and len(seen) == 1
            or (state == "running" and 0 < int(seen[-1][1]) < 100)
        ):
            screenshot(page, f"export-job-{language}-{width}-running")
        assert time.monotonic() < deadline, seen
        time.sleep(0.2)
    assert any(state in ("queued", "running") for state, _value in seen), seen
    assert progress.get_attribute("value") == "100"
    # The page reads the job's progress from the server while it runs: the bar moved from
    # what it first showed to full (a small file may go from 0 to 100 between two readings).
    assert seen[0][1] != "100", seen
    screenshot(page, f"export-job-{language}-{width}-ready")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert axe_violations(page) == []

    with page.expect_download() as info:
        page.click("#job-download-link")
    download = info.value
    assert download.suggested_filename.startswith("survey-responses-")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    workbook = load_workbook(path, read_only=True)
    rows = list(workbook["responses"].iter_rows(values_only=True))
    workbook.close()
    english = server.query(
        "SELECT count(*) FROM responses WHERE status = 'submitted' AND language = 'en'"
    )
    assert len(rows) - 1 == english[0][0]
    assert page_problems == []
