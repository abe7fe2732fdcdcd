"""A respondent on a phone, in a real browser (Chromium through Playwright, under gunicorn)."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser

PHONE_WIDTH = 360
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


def tab_to(page, selector: str, limit: int = 200) -> None:
    """Press Tab until the element matching `selector` has the keyboard focus."""
    for __ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"Tab never reached {selector}")


def rank_with_keyboard(page, field: str, rank: int | str) -> None:
    """Focus the item's select with Tab and choose a rank with the arrow keys (or End for N/A).

    The options are: no rank, 1…n, not applicable.
    """
    tab_to(page, f'select[name="{field}"]')
    if rank == "na":
        page.keyboard.press("End")
    else:
        page.keyboard.press("Home")
        for __ in range(int(rank)):
            page.keyboard.press("ArrowDown")
    assert page.input_value(f'select[name="{field}"]') == str(rank)


def move_on_with_keyboard(page, action: str = "next", key: str = "Enter") -> None:
    """Tab to the page's button for `action` and press it with Enter or Space."""
    tab_to(page, f'button[name="action"][value="{action}"]')
    with page.expect_navigation():
        page.keyboard.press(key)


def assert_fits_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} scrolls sideways: {width}px wide at 360px"


def capture(page, screenshot, name: str) -> None:
    # The keyboard walk's own pictures; docs/screenshots/ comes from test_pages_browser.py.
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_a_russian_respondent_on_a_phone_ranks_with_the_keyboard_only(
    live_server, make_page, page_problems, screenshot
):
    page = make_page(locale="ru-RU")

    # The browser asks for Russian, so the bare address lands on the Russian questionnaire.
    page.goto(f"{live_server.url}/")
    assert page.url == f"{live_server.url}/ru/"
    assert page.get_attribute("html", "lang") == "ru"
    assert_fits_phone(page)
    capture(page, screenshot, "respondent-ru-welcome")
    move_on_with_keyboard(page)

    # Page 1: library type, membership with the role follow-up, country, size.
    assert page.url.endswith("/ru/page/1")
    page.check("#q1-public")
    page.check("#q2-yes")
    page.fill("#q2_role", "член правления")
    page.select_option("#q3", "KZ")
    page.check("#q4-25k")
    assert_fits_phone(page)
    capture(page, screenshot, "respondent-ru-page-1")
    move_on_with_keyboard(page)

    # Page 2: no advocacy budget; three kinds of partners.
    assert page.url.endswith("/ru/page/2")
    page.check("#q5-no")
    for partner in ("libraries", "government", "associations"):
        page.check(f"#q6-{partner}")
    assert_fits_phone(page)
    capture(page, screenshot, "respondent-ru-page-2")
    move_on_with_keyboard(page, key="Space")

    # Page 3: q7 offers exactly the partners chosen; ranked with the keyboard only.
    assert page.url.endswith("/ru/page/3")
    offered = page.eval_on_selector_all("select[name^=q7_]", "els => els.map(e => e.name)")
    assert offered == ["q7_libraries", "q7_government", "q7_associations"]
    page.focus("body")
    rank_with_keyboard(page, "q7_libraries", 2)
    rank_with_keyboard(page, "q7_government", "na")
    rank_with_keyboard(page, "q7_associations", 1)
    assert_fits_phone(page)
    capture(page, screenshot, "respondent-ru-page-3")
    move_on_with_keyboard(page)

    # Page 4: one example of a partnership.
    assert page.url.endswith("/ru/page/4")
    page.fill("#q8", "Вместе с городской администрацией мы открыли центр чтения для детей.")
    assert_fits_phone(page)
    capture(page, screenshot, "respondent-ru-page-4")
    move_on_with_keyboard(page)

    # Page 5: support, and two future partners ranked with the keyboard only.
    assert page.url.endswith("/ru/page/5")
    page.check("#q12-yes")
    page.focus("body")
    rank_with_keyboard(page, "q14_libraries", 2)
    rank_with_keyboard(page, "q14_nonprofit", 1)
    assert_fits_phone(page)
    capture(page, screenshot, "respondent-ru-page-5")
    move_on_with_keyboard(page, key="Space")

    # Page 6: next steps; submitted with the keyboard.
    assert page.url.endswith("/ru/page/6")
    page.check("#q16-meetings")
    page.check("#q16-mou")
    assert_fits_phone(page)
    capture(page, screenshot, "respondent-ru-page-6")
    move_on_with_keyboard(page, action="submit")

    # The thank-you page offers the nine best practices, in Russian.
    assert page.url.endswith("/ru/thanks")
    practices = page.locator("ol.best-practices > li").all_inner_texts()
    assert len(practices) == 9
    assert all(CYRILLIC.search(text) for text in practices), practices
    assert_fits_phone(page)
    capture(page, screenshot, "respondent-ru-thanks")

    assert page_problems == []

    # The database holds the coded answers that were chosen, in a Russian response.
    [(response_id, language)] = live_server.query(
        "SELECT id, language FROM responses WHERE status = 'submitted'"
    )
    assert language == "ru"
    rows = live_server.query(
        "SELECT question, option, rank, text FROM answers WHERE response_id = ?", response_id
    )
    by_question: dict[str, dict[str, tuple]] = {}
    for question, option, rank, text in rows:
        by_question.setdefault(question, {})[option] = (rank, text)
    assert set(by_question["q1"]) == {"public"}
    assert set(by_question["q2"]) == {"yes"}
    assert by_question["q2_role"] == {"": (None, "член правления")}
    assert set(by_question["q3"]) == {"KZ"}
    assert set(by_question["q4"]) == {"25k"}
    assert set(by_question["q5"]) == {"no"}
    assert set(by_question["q6"]) == {"libraries", "government", "associations"}
    assert {option: rank for option, (rank, _) in by_question["q7"].items()} == {
        "associations": 1,
        "libraries": 2,
        "government": None,
    }
    assert set(by_question["q12"]) == {"yes"}
    # q14 offers all six items: the two ranked ones, the others not applicable.
    assert {option: rank for option, (rank, _) in by_question["q14"].items()} == {
        "nonprofit": 1,
        "libraries": 2,
        "government": None,
        "business": None,
        "associations": None,
        "other": None,
    }
    assert set(by_question["q16"]) == {"meetings", "mou"}
    assert "q5_budget" not in by_question
    assert "q17" not in by_question


IMG_PAYLOAD = "<img src=x onerror=alert(1)>"
SCRIPT_PAYLOAD = "<script>alert(1)</script>"


def test_markup_typed_by_a_respondent_stays_text(live_server, page, page_problems):
    dialogs: list[str] = []

    def on_dialog(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto(f"{live_server.url}/en/")
    move_on_with_keyboard(page)

    page.check("#q1-other")
    page.fill("#q1_other", f"{IMG_PAYLOAD} {SCRIPT_PAYLOAD}")
    move_on_with_keyboard(page)

    # Page 2: the "other" partner's own words label it in q7.
    page.check("#q6-other")
    page.fill("#q6_other", SCRIPT_PAYLOAD)
    move_on_with_keyboard(page)
    assert page.url.endswith("/en/page/3")
    assert page.inner_text('label[for="q7_other"]') == SCRIPT_PAYLOAD

    # Back and forth: every page shows the text as typed, and nothing runs.
    move_on_with_keyboard(page, action="back")
    assert page.input_value("#q6_other") == SCRIPT_PAYLOAD
    move_on_with_keyboard(page, action="back")
    assert page.input_value("#q1_other") == f"{IMG_PAYLOAD} {SCRIPT_PAYLOAD}"
    for __ in range(3):
        move_on_with_keyboard(page)
    assert page.url.endswith("/en/page/4")
    page.fill("#q8", f"{IMG_PAYLOAD}\n{SCRIPT_PAYLOAD}")
    move_on_with_keyboard(page)
    move_on_with_keyboard(page, action="back")
    assert page.input_value("#q8") == f"{IMG_PAYLOAD}\n{SCRIPT_PAYLOAD}"

    assert page.locator("main img, main script").count() == 0
    # Stored as typed: escaping is the templates' job, not the database's.
    assert (f"{IMG_PAYLOAD}\n{SCRIPT_PAYLOAD}",) in live_server.query(
        "SELECT text FROM answers WHERE question = 'q8'"
    )
    page.wait_for_timeout(300)  # an onerror handler would fire asynchronously
    assert dialogs == []
    assert page_problems == []
