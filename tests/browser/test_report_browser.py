"""A member finds their way through the results, compares segments, saves a view and downloads
a chart, in Chromium, in English and Russian, at 1280 px and on a 390 px phone.

The contents list (a column beside the results on a wide screen, a menu on a phone) takes
the reader to a question; the filter form compares by association membership; the columns
are headed "Association member: Yes" with their n; the view is saved and opened from the
list; the chart downloads as SVG and as PNG (drawn in the page); nothing scrolls sideways on
the phone, axe-core finds nothing, and nothing is logged to the console.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser

PASSWORD = "report test password"
ANALYST = "analyst@example.org"
LOCALES = {"en": "en-GB", "ru": "ru-RU"}
HEIGHTS = {390: 844, 1280: 900}
SIZES = [(lang, width) for lang in ("en", "ru") for width in (1280, 390)]
WORDS = {
    "en": {"member": "Association member: Yes", "q14": "Desired partners, ranked"},
    "ru": {"member": "Член ассоциации: Да", "q14": "Желаемые партнёры (по местам)"},
}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def server(live_server):
    live_server.run_cli("seed-demo", "120", "--seed", "23", "--drafts", "2")
    live_server.run_cli(
        "create-user", ANALYST, "--role", "analyst", "--password-stdin", input=PASSWORD
    )
    return live_server


def sign_in(page, base_url: str) -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=email]", ANALYST)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form input[type=submit], form button[type=submit]")


def fits(page, width: int) -> None:
    assert axe_violations(page) == []
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} scrolls sideways: {scroll}px at {width}px"


@pytest.mark.parametrize(("lang", "width"), SIZES)
def test_contents_comparison_saved_view_and_chart_download(
    server, make_page, page_problems, screenshot, lang, width, tmp_path
):
    page = make_page(locale=LOCALES[lang], width=width, height=HEIGHTS[width])
    name = f"report-{lang}-{width}"
    words = WORDS[lang]
    sign_in(page, server.url)
    assert page.url.endswith("/results/")
    fits(page, width)
    screenshot(page, f"{name}-dashboard", max_height=1800)

    # The contents: beside the results on a wide screen, a menu to open on a phone.
    contents = page.locator("#contents-menu")
    if width == 1280:
        assert contents.evaluate("e => e.open")
    else:
        assert not contents.evaluate("e => e.open")
        page.click("#contents-menu > summary")
        screenshot(page, f"{name}-contents-menu", full_page=False)
    link = page.locator("#contents-menu a[href='#result-q14']")
    assert words["q14"] in link.inner_text()
    link.click()
    page.wait_for_function("location.hash === '#result-q14'")
    heading = page.locator("#result-q14 h2")
    assert heading.inner_text().startswith("14.")
    box = heading.bounding_box()
    assert box is not None and 0 <= box["y"] < HEIGHTS[width] / 2
    if width == 390:
        assert not contents.evaluate("e => e.open"), "the menu closes once a question is chosen"
    screenshot(page, f"{name}-jumped-to-q14", full_page=False)

    # A comparison chosen in the filter form.
    page.goto(f"{server.url}/results/")
    page.click("#filter-panel > summary")
    page.select_option("#filter-compare", "q2")
    with page.expect_navigation():
        page.click("#filter-panel button[type=submit]")
    assert page.url.endswith("/results/?compare=q2&group_below=10")
    heads = page.locator("#result-q1 th.segment-head").all_inner_texts()
    assert any(head.startswith(words["member"]) and "n =" in head for head in heads), heads
    fits(page, width)
    if width == 390:
        hint = page.locator("#result-q14 .scroll-hint").first
        assert hint.is_visible(), "a phone is told that the table scrolls sideways"
    screenshot(page, f"{name}-compare", max_height=2200)
    page.locator("#result-q14").screenshot(path=str(tmp_path / "q14.png"))

    # A saved view, listed for the group and opened from the list.
    view = f"Members {lang} {width}"
    page.click("#views-panel > summary")
    page.fill("#view-name", view)
    with page.expect_navigation():
        page.click(".save-view-form button[type=submit]")
    page.click("#views-panel > summary")
    link = page.locator(f"#views-panel li[data-view='{view}'] a")
    assert link.get_attribute("href") == "/results/?compare=q2"
    screenshot(page, f"{name}-saved-view", max_height=1400)
    page.goto(f"{server.url}/results/?q1=public")
    page.click("#views-panel > summary")
    with page.expect_navigation():
        page.locator(f"#views-panel li[data-view='{view}'] a").click()
    assert page.url.endswith("/results/?compare=q2")

    # The chart of question 1 as SVG, then as PNG drawn from it in the page.
    downloads = page.locator("p[data-downloads='q1']")
    downloads.scroll_into_view_if_needed()
    with page.expect_download() as svg:
        downloads.locator("a[data-chart-svg]").click()
    assert svg.value.suggested_filename.startswith("survey-chart-q1-")
    saved = tmp_path / "chart.svg"
    svg.value.save_as(saved)
    assert saved.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    with page.expect_download() as png:
        downloads.locator("button[data-chart-png]").click()
    assert png.value.suggested_filename == "survey-chart-q1.png"
    drawn = tmp_path / "chart.png"
    png.value.save_as(drawn)
    assert drawn.read_bytes().startswith(PNG_SIGNATURE)
    screenshot(page, f"{name}-downloads", full_page=False)
    assert page_problems == []


@pytest.mark.parametrize(("lang", "width"), SIZES)
def test_the_html_report_reads_on_a_phone_and_passes_axe(
    server, make_page, page_problems, screenshot, lang, width
):
    page = make_page(locale=LOCALES[lang], width=width, height=HEIGHTS[width])
    sign_in(page, server.url)

    # The file forbids every script (its own policy); axe is let in by serving it without one.
    def without_policy(route):
        response = route.fetch()
        headers = {
            k: v for k, v in response.headers.items() if k.lower() != "content-security-policy"
        }
        route.fulfill(response=response, headers=headers)

    page.route("**/results/report.html*", without_policy)
    page.goto(f"{server.url}/results/report.html?view=1&language={lang}&compare=q2")
    assert page.locator("main section.question").count() >= 15
    fits(page, width)
    screenshot(page, f"report-{lang}-{width}-html-file", max_height=1800)
    assert page_problems == []
