"""Every respondent page and every staff page, in Chromium, in English and Russian, on a
360 px phone and a 1280 px screen: axe-core finds no violation, nothing scrolls sideways,
nothing is logged to the console. Their screenshots, test-artifacts/screenshots/
respondent-LANG-WIDTH-PAGE.png and staff-LANG-WIDTH-PAGE.png, also refresh the pictures the
README shows (docs/screenshots/) with SURVEY_UPDATE_SCREENSHOTS=1.

Then what a person meets on the way: the focus on the error summary after a failed
submit, the tab order, Enter meaning "Next", the language switch on a page with an error,
the form without JavaScript, Back on a page with errors, the styled buttons and the header.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser

PASSWORD = "pages test password"
ADMIN = "admin@example.org"
LOCALES = {"en": "en-GB", "ru": "ru-RU"}
HEIGHTS = {360: 740, 1280: 900}
SIZES = [(lang, width) for lang in ("en", "ru") for width in (360, 1280)]
#: Long staff pages are pictured down to here.
STAFF_SCREENSHOT_HEIGHT = 2200


@pytest.fixture(scope="module")
def server(live_server):
    live_server.run_cli("seed-demo", "60", "--seed", "16", "--drafts", "2")
    live_server.run_cli("create-user", ADMIN, "--role", "admin", "--password-stdin", input=PASSWORD)
    return live_server


WIDE_ELEMENTS = """() => [...document.querySelectorAll("body *")]
    .filter(e => e.getBoundingClientRect().right > 361)
    .slice(0, 8)
    .map(e => `${e.tagName}.${e.className} ${e.textContent.trim().slice(0, 40)}`)"""


def check(page, width: int) -> None:
    """No axe-core violation; on a phone, nothing wider than the screen."""
    assert axe_violations(page) == []
    if width == 360:
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= 360, f"{page.url} scrolls sideways: {scroll}px at 360px: " + str(
            page.evaluate(WIDE_ELEMENTS)
        )


def press(page, action: str) -> None:
    with page.expect_navigation():
        page.click(f'main button[name="action"][value="{action}"]')


def sign_in(page, base_url: str) -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=email]", ADMIN)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form input[type=submit], form button[type=submit]")
    assert page.url.endswith("/results/")


# --------------------------------------------------------------------------- every page


@pytest.mark.parametrize(("lang", "width"), SIZES)
def test_every_respondent_page(server, make_page, page_problems, screenshot, lang, width):
    page = make_page(locale=LOCALES[lang], width=width, height=HEIGHTS[width])
    name = f"respondent-{lang}-{width}"

    def look(what: str) -> None:
        check(page, width)
        screenshot(page, f"{name}-{what}")

    page.goto(f"{server.url}/{lang}/")
    look("welcome")
    press(page, "next")

    page.check("#q1-academic")
    page.check("#q2-yes")
    page.fill("#q2_role", "Board member" if lang == "en" else "Член правления")
    page.select_option("#q3", "KZ")
    page.check("#q4-50k")
    look("page-1")
    press(page, "next")

    page.check("#q5-yes")
    page.fill("#q5_budget", "5,000 EUR")
    for partner in ("libraries", "government", "nonprofit"):
        page.check(f"#q6-{partner}")
    page.fill("#q6_other", "Friends of the library" if lang == "en" else "Друзья библиотеки")
    look("page-2")
    press(page, "next")

    page.select_option("#q7_government", "1")
    page.select_option("#q7_libraries", "2")
    page.select_option("#q7_other", "na")
    look("page-3")
    press(page, "next")

    page.fill(
        "#q8",
        "A reading festival with the city council."
        if lang == "en"
        else "Фестиваль чтения вместе с мэрией.",
    )
    look("page-4")
    press(page, "next")

    page.check("#q12-yes")
    page.select_option("#q14_libraries", "1")
    page.select_option("#q14_nonprofit", "2")
    look("page-5")
    # A failed submit: two items given rank 1.
    page.select_option("#q14_nonprofit", "1")
    press(page, "next")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    look("page-5-errors")
    page.select_option("#q14_nonprofit", "2")
    press(page, "next")

    page.check("#q16-meetings")
    page.fill("#q17_organization", "Regional library" if lang == "en" else "Областная библиотека")
    look("page-6")
    page.fill("#q17_email", "not an address")
    press(page, "submit")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    look("page-6-errors")
    page.fill("#q17_email", "")
    press(page, "submit")

    assert page.url.endswith(f"/{lang}/thanks")
    look("thanks")

    # A resume link that matches nothing, and a page that does not exist.
    page.goto(f"{server.url}/{lang}/resume/no-such-link")
    check(page, width)
    page.goto(f"{server.url}/{lang}/page/99")
    check(page, width)
    assert [problem for problem in page_problems if "/page/99" not in problem] == []


@pytest.mark.parametrize(("lang", "width"), SIZES)
def test_every_staff_page(server, make_page, page_problems, screenshot, lang, width):
    page = make_page(locale=LOCALES[lang], width=width, height=HEIGHTS[width])
    name = f"staff-{lang}-{width}"

    def look(what: str, whole: bool = False) -> None:
        check(page, width)
        screenshot(page, f"{name}-{what}", max_height=None if whole else STAFF_SCREENSHOT_HEIGHT)

    page.goto(f"{server.url}/login")
    look("sign-in", whole=True)
    sign_in(page, server.url)
    look("dashboard")
    if width == 1280:
        screenshot(page, f"{name}-dashboard-ranking", element="#result-q14")
    page.goto(f"{server.url}/results/?compare=q2")
    look("dashboard-compare")
    page.goto(f"{server.url}/results/?q2=maybe")
    check(page, width)
    page.goto(f"{server.url}/results/answers/q8")
    look("answers")
    # The page of a response that left contact details (seed-demo gives about one in seven).
    [(uuid,)] = server.query(
        "SELECT r.uuid FROM responses r JOIN answers a ON a.response_id = r.id "
        "WHERE r.status = 'submitted' AND a.question = 'q17' ORDER BY r.id LIMIT 1"
    )
    page.goto(f"{server.url}/results/responses/{uuid}")
    check(page, width)
    with page.expect_navigation():
        page.click("form button[value=show_contact]")  # an admin asks for the contact details
    look("response")
    page.goto(f"{server.url}/results/translations")
    look("translations")
    page.goto(f"{server.url}/results/coding/")
    look("coding-index")
    page.goto(f"{server.url}/results/coding/q9")
    check(page, width)
    if page.locator("tr[data-category]").count() == 0:  # the first of these runs codes some
        page.fill("#name_en", "Financing")
        page.fill("#name_ru", "Финансирование")
        with page.expect_navigation():
            page.click("form.category-create button")
        for box in page.locator("form.coding-form input[type=checkbox]").all()[:3]:
            box.check()
        with page.expect_navigation():
            page.click("form.coding-form button[type=submit]")
    look("coding")
    page.click("main a[href*='answer=']")
    look("coding-one-answer")
    page.goto(f"{server.url}/results/coding/q9/agreement")
    look("coding-agreement")
    page.goto(f"{server.url}/export/")
    look("export", whole=True)
    # The refused filter is answered 400, which Chromium logs; nothing else is logged.
    assert [problem for problem in page_problems if "?q2=maybe" not in problem] == []


# --------------------------------------------------------------------------- on the way


@pytest.mark.parametrize("width", [360, 1280])
def test_the_language_switcher_comes_first_when_tabbing(server, make_page, page_problems, width):
    page = make_page(width=width, height=HEIGHTS[width])
    page.goto(f"{server.url}/en/")
    press(page, "next")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.outerHTML")
    assert 'value="language:ru"' in focused, focused
    # And it is the first thing in the header's line, right of (or above) the title.
    switcher = page.locator(".language-switcher").bounding_box()
    title = page.locator(".site-title").bounding_box()
    assert switcher["y"] < title["y"] + title["height"]
    assert page_problems == []


def test_enter_in_a_text_field_means_next_not_a_language(server, make_page, page_problems):
    page = make_page(width=1280, height=900)
    page.goto(f"{server.url}/en/")
    press(page, "next")
    page.check("#q2-yes")
    page.fill("#q2_role", "Treasurer")
    page.focus("#q2_role")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/en/page/2")
    assert page_problems == []


def test_switching_language_on_a_page_with_an_error_switches_everything(
    server, make_page, page_problems
):
    page = make_page(width=1280, height=900)
    page.goto(f"{server.url}/en/")
    press(page, "next")
    press(page, "next")
    page.check("#q5-yes")
    # Longer than the field takes when typed: as a paste from elsewhere might be.
    page.evaluate("document.getElementById('q5_budget').removeAttribute('maxlength')")
    page.fill("#q5_budget", "x" * 301)
    with page.expect_navigation():
        page.click('header button[value="language:ru"]')
    assert page.url.endswith("/ru/page/2")
    assert page.get_attribute("html", "lang") == "ru"
    assert "Сократите ответ до 300 символов" in page.inner_text("#q5_budget-question")
    assert page.input_value("#q5_budget") == "x" * 301
    page.fill("#q5_budget", "500 EUR")
    press(page, "next")
    assert page.url.endswith("/ru/page/4")
    assert page.get_attribute("html", "lang") == "ru"
    assert page_problems == []


@pytest.fixture
def no_script_page(browser, page_problems):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    yield context.new_page()
    context.close()


def test_without_javascript_words_typed_in_other_are_kept(server, no_script_page):
    page = no_script_page
    page.goto(f"{server.url}/en/")
    press(page, "next")
    page.fill("#q1_other", "Prison library")
    press(page, "next")
    page.check("#q6-libraries")
    page.fill("#q6_other", "Friends of the library")
    assert not page.is_checked("#q6-other")  # nothing ticks it without JavaScript
    press(page, "next")
    # q7 offers what the words made a choice, by the respondent's words.
    assert page.inner_text('label[for="q7_other"]') == "Friends of the library"
    press(page, "back")
    assert page.is_checked("#q6-other")
    press(page, "back")
    assert page.is_checked("#q1-other")
    assert page.input_value("#q1_other") == "Prison library"

    # Another option chosen as well: the page asks which one is meant, and keeps both.
    page.check("#q1-school")
    press(page, "next")
    assert page.url.endswith("/en/page/1")
    assert "Which one do you mean?" in page.inner_text("#error-summary")
    assert page.is_checked("#q1-school")
    assert page.input_value("#q1_other") == "Prison library"


def test_back_on_a_page_with_errors_keeps_what_was_typed(server, no_script_page):
    page = no_script_page
    page.goto(f"{server.url}/en/")
    press(page, "next")
    press(page, "next")
    press(page, "next")
    assert page.url.endswith("/en/page/4")
    page.evaluate("document.getElementById('q8').removeAttribute('maxlength')")
    page.fill("#q8", "y" * 5001)
    page.fill("#q9", "Funding")
    press(page, "back")
    assert page.url.endswith("/en/page/2")
    press(page, "next")
    assert page.url.endswith("/en/page/4")
    assert page.input_value("#q8") == "y" * 5001
    assert page.input_value("#q9") == "Funding"
    assert page.get_attribute("#q8", "aria-invalid") == "true"
    assert re.match(r"1 answer to check", page.title())


def test_buttons_are_styled_and_the_header_is_as_wide_as_the_page(server, make_page, page_problems):
    page = make_page(locale="ru-RU", width=1280, height=900)
    page.goto(f"{server.url}/login")
    style = page.eval_on_selector(
        "form input[type=submit]",
        "e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).borderTopWidth]",
    )
    assert style == ["rgb(31, 95, 153)", "2px"]
    sign_in(page, server.url)
    for path in ("/results/", "/export/", "/results/translations"):
        page.goto(server.url + path)
        header = page.locator(".site-header .wrap").first.bounding_box()
        main = page.locator("main").bounding_box()
        assert abs(header["width"] - main["width"]) < 1, path
        assert abs(header["x"] - main["x"]) < 1, path
    page.goto(f"{server.url}/export/")
    apply = page.eval_on_selector(
        "form.export-options button",
        "e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).borderTopColor]",
    )
    assert apply == ["rgb(255, 255, 255)", "rgb(31, 95, 153)"]
    assert page_problems == []


@pytest.mark.parametrize("path", ["/ru/", "/login", "/results/", "/export/", "/ru/page/1"])
def test_in_russian_at_1280_px_the_switcher_stays_on_the_titles_line(
    server, make_page, page_problems, path
):
    page = make_page(locale="ru-RU", width=1280, height=900)
    if path.startswith(("/results", "/export")):
        sign_in(page, server.url)
    elif path == "/ru/page/1":
        page.goto(f"{server.url}/ru/")
        press(page, "next")
    page.goto(server.url + path)
    switcher = page.locator(".language-switcher").bounding_box()
    title = page.locator(".site-title").bounding_box()
    assert switcher["y"] < title["y"] + title["height"], path
    assert switcher["x"] > title["x"] + title["width"] - 1, path
    assert page_problems == []


def test_the_thank_you_page_keeps_the_switcher_on_the_titles_line(server, make_page):
    page = make_page(locale="ru-RU", width=1280, height=900)
    page.goto(f"{server.url}/ru/")
    for __ in range(5):
        press(page, "next")
    press(page, "submit")
    assert page.url.endswith("/ru/thanks")
    switcher = page.locator(".language-switcher").bounding_box()
    title = page.locator(".site-title").bounding_box()
    assert switcher["y"] < title["y"] + title["height"]
