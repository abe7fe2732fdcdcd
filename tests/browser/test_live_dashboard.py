"""A working-group member keeps the dashboard open while responses arrive.

The app runs under gunicorn with two workers; the dashboard is read in Chromium while
another client (plain HTTP, its own cookies) walks the questionnaire and submits. The count
must change on the open page, without a reload, within five seconds.
"""

from __future__ import annotations

import http.cookiejar
import re
import urllib.parse
import urllib.request

import pytest

from survey.questionnaire.library_advocacy import PAGES, QUESTIONNAIRE

pytestmark = pytest.mark.browser

PASSWORD = "live dashboard password"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def submit_over_http(base_url: str, answers: dict, lang: str = "en") -> str:
    """Another respondent, in another client: welcome page, every page, submit."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )

    def fetch(path: str, data: list[tuple[str, str]] | None = None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        with opener.open(base_url + path, data=body, timeout=15) as response:
            return response.geturl(), response.read().decode()

    _url, html = fetch(f"/{lang}/")
    url, html = fetch(f"/{lang}/", [("csrf_token", CSRF.search(html)[1]), ("action", "next")])
    while not url.endswith("/thanks"):
        number = int(re.search(r"/page/(\d+)$", url)[1])
        fields = {
            name
            for code in PAGES[number - 1].questions
            for name in QUESTIONNAIRE.by_code[code].field_names()
        }
        data = [(key, value) for key, value in answers.items() if key in fields]
        action = "submit" if number == len(PAGES) else "next"
        data += [("csrf_token", CSRF.search(html)[1]), ("action", action)]
        url, html = fetch(url.removeprefix(base_url), data)
    return url


def sign_in(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit], form input[type=submit]")
    page.wait_for_url(f"{base_url}/results/")


@pytest.fixture(scope="module")
def server(live_server):
    live_server.run_cli(
        "create-user",
        "viewer@example.org",
        "--role",
        "viewer",
        "--password-stdin",
        input=f"{PASSWORD}\n",
    )
    for n in range(3):
        submit_over_http(live_server.url, {"q1": "public", "q2": "yes" if n else "no", "q3": "FR"})
    return live_server


def test_the_open_dashboard_counts_a_new_submission_without_reloading(
    server, make_page, page_problems, screenshot
):
    from playwright.sync_api import expect

    page = make_page(width=1280, height=900)
    sign_in(page, server.url, "viewer@example.org")
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    page.evaluate("window.stillTheSamePage = true")

    total = page.locator("#total-responses")
    before = int(total.get_attribute("data-total"))
    yes_row = page.locator('tr[data-question="q2"][data-option="yes"]')
    yes_before = int(yes_row.get_attribute("data-count"))

    submit_over_http(server.url, {"q1": "academic", "q2": "yes", "q3": "DE"}, lang="ru")

    expect(total).to_have_text(str(before + 1), timeout=5000)
    expect(yes_row).to_have_attribute("data-count", str(yes_before + 1), timeout=1000)
    expect(page.locator("#live-status")).to_have_text("Updated: 1 new response", timeout=2000)
    assert page.evaluate("window.stillTheSamePage") is True
    assert navigations == []
    assert page_problems == []
    screenshot(page, "live-dashboard-after-update", full_page=False)


def test_a_filtered_dashboard_stays_filtered_when_it_updates(server, make_page, page_problems):
    from playwright.sync_api import expect

    page = make_page(width=1280, height=900)
    sign_in(page, server.url, "viewer@example.org")
    page.goto(f"{server.url}/results/?q2=no")
    total = page.locator("#total-responses")
    before = int(total.get_attribute("data-total"))
    submit_over_http(server.url, {"q2": "yes"})
    submit_over_http(server.url, {"q2": "no"})
    # Only the q2 = no respondent counts here; the body was fetched with the same filter.
    expect(total).to_have_text(str(before + 1), timeout=5000)
    assert page.url.endswith("/results/?q2=no")
    expect(page.locator('li[data-filter="q2"]')).to_have_count(1)
    assert page_problems == []


def test_the_dashboard_fits_a_phone_and_tables_scroll_inside(
    server, make_page, page_problems, screenshot
):
    page = make_page(width=360, height=740)
    sign_in(page, server.url, "viewer@example.org")
    page.goto(f"{server.url}/results/?compare=q2")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width}px wide on a 360px phone"
    screenshot(page, "dashboard-phone-compare")
    assert page_problems == []
