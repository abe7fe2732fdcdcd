"""An admin, in Chromium, in English and Russian, on a 390 px phone and a 1280 px screen:
finds a test response in the responses list by its words, excludes it with a reason (the
dashboard counts one response fewer and one excluded more), then closes the survey in the
console (respondents meet the closed page) and opens it again. axe-core finds no violation
on any page met, nothing scrolls sideways on the phone, nothing is logged to the console.
Screenshots: test-artifacts/screenshots/console-LANG-WIDTH-STEP.png.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser

PASSWORD = "console test password"
ADMIN = "console-admin@example.org"
LOCALES = {"en": "en-GB", "ru": "ru-RU"}
HEIGHTS = {390: 844, 1280: 900}
SIZES = [(lang, width) for lang in ("en", "ru") for width in (390, 1280)]
SUBMITTED_BY_SEED = 40

WIDE_ELEMENTS = """(width) => [...document.querySelectorAll("body *")]
    .filter(e => e.getBoundingClientRect().right > width + 1)
    .slice(0, 8)
    .map(e => `${e.tagName}.${e.className} ${e.textContent.trim().slice(0, 40)}`)"""

WORDS = {
    "exclude": {"en": "Exclude this response", "ru": "Исключить анкету"},
    "close": {"en": "Close the survey now", "ru": "Закрыть опрос сейчас"},
    "open": {"en": "Open the survey now", "ru": "Открыть опрос сейчас"},
    "closed": {"en": "The survey is closed", "ru": "Опрос закрыт"},
}


@pytest.fixture(scope="module")
def server(live_server):
    live_server.run_cli("seed-demo", str(SUBMITTED_BY_SEED), "--seed", "13", "--drafts", "0")
    live_server.run_cli("create-user", ADMIN, "--role", "admin", "--password-stdin", input=PASSWORD)
    return live_server


def check(page, width: int) -> None:
    """No axe-core violation; nothing wider than the window."""
    assert axe_violations(page) == []
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} scrolls sideways at {width}px: " + str(
        page.evaluate(WIDE_ELEMENTS, width)
    )


def press(page, action: str) -> None:
    with page.expect_navigation():
        page.click(f'main button[name="action"][value="{action}"]')


def submit_a_test_response(make_page, base_url: str, lang: str, words: str) -> None:
    """A respondent answers q8 with `words` and submits, skipping everything else."""
    page = make_page(locale=LOCALES[lang], width=1280, height=900)
    page.goto(f"{base_url}/{lang}/")
    press(page, "next")
    while page.locator("#q8").count() == 0:
        press(page, "next")
    page.fill("#q8", words)
    while page.locator('main button[value="submit"]').count() == 0:
        press(page, "next")
    press(page, "submit")
    assert page.url.endswith(f"/{lang}/thanks")


def dashboard_totals(page, base_url: str) -> tuple[int, int]:
    page.goto(f"{base_url}/results/")
    submitted = int(page.get_attribute("#total-responses", "data-total"))
    excluded = int(page.get_attribute(".excluded-total", "data-excluded"))
    return submitted, excluded


@pytest.mark.parametrize(("lang", "width"), SIZES)
def test_an_admin_excludes_a_test_response_and_closes_the_survey(
    server, make_page, page_problems, screenshot, lang, width
):
    words = f"TEST please ignore {lang} {width}"
    submit_a_test_response(make_page, server.url, lang, words)
    # What the database holds, read independently of the pages under test.
    [(counted_before,)] = server.query("SELECT count(*) FROM responses WHERE status = 'submitted'")
    [(excluded_before,)] = server.query("SELECT count(*) FROM responses WHERE status = 'excluded'")

    page = make_page(locale=LOCALES[lang], width=width, height=HEIGHTS[width])
    name = f"console-{lang}-{width}"

    def look(step: str) -> None:
        check(page, width)
        screenshot(page, f"{name}-{step}")

    page.goto(f"{server.url}/login")
    page.fill("input[name=email]", ADMIN)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form input[type=submit], form button[type=submit]")
    assert dashboard_totals(page, server.url) == (counted_before, excluded_before)

    # The console's overview, then the responses list searched for the test's words.
    with page.expect_navigation():
        page.click(".staff-nav a[href$='/console/']")
    look("overview")
    with page.expect_navigation():
        page.click(".console-cards a[href$='/results/responses']")
    if not page.is_visible("#filter-q"):
        page.click(".filter-panel summary")
    page.fill("#filter-q", words)
    with page.expect_navigation():
        page.click(".filter-form button[type=submit]")
    look("responses-found")
    rows = page.locator("tr[data-response]")
    assert rows.count() == 1
    assert rows.first.get_attribute("data-status") == "submitted"

    # Its page: excluded with a reason.
    with page.expect_navigation():
        rows.first.locator("th a").click()
    page.click(".exclusion-form summary")
    page.fill("#reason", "Test answer" if lang == "en" else "Тестовый ответ")
    look("response-to-exclude")
    with page.expect_navigation():
        page.click(f"button:has-text('{WORDS['exclude'][lang]}')")
    assert page.locator("[data-excluded]").is_visible()
    look("response-excluded")
    [(status, reason)] = server.query(
        "SELECT r.status, r.excluded_reason FROM responses r JOIN answers a "
        "ON a.response_id = r.id WHERE a.question = 'q8' AND a.text = ?",
        words,
    )
    assert status == "excluded"
    assert reason == ("Test answer" if lang == "en" else "Тестовый ответ")
    assert dashboard_totals(page, server.url) == (counted_before - 1, excluded_before + 1)
    look("dashboard")

    # The list of excluded responses shows it with its reason.
    page.goto(f"{server.url}/results/responses?status=excluded")
    assert page.locator("tr[data-response]").count() == excluded_before + 1
    look("responses-excluded")

    # Closing the survey: respondents meet the closed page in their language.
    page.goto(f"{server.url}/console/")
    with page.expect_navigation():
        page.click(".console-nav a[href$='/console/survey']")
    assert page.locator('[data-survey-state="open"]').count() == 1
    look("survey-open")
    with page.expect_navigation():
        page.click(f"button:has-text('{WORDS['close'][lang]}')")
    assert page.locator('[data-survey-state="closed"]').count() == 1
    look("survey-closed")
    respondent = make_page(locale=LOCALES[lang], width=width, height=HEIGHTS[width])
    respondent.goto(f"{server.url}/{lang}/")
    assert respondent.locator("h1").inner_text() == WORDS["closed"][lang]
    check(respondent, width)
    screenshot(respondent, f"{name}-respondent-closed")

    # And open again.
    with page.expect_navigation():
        page.click(f"button:has-text('{WORDS['open'][lang]}')")
    assert page.locator('[data-survey-state="open"]').count() == 1
    respondent.reload()
    assert respondent.locator("h1").inner_text() != WORDS["closed"][lang]
    assert page_problems == []
