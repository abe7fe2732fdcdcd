"""An analyst codes open answers with the keyboard alone, in English and in Russian, on a
desktop screen and on a phone.

The app runs under gunicorn; respondents answer question 9 over plain HTTP; the categories are
made through the JSON API. In Chromium, the analyst opens the coding view one answer at a
time and only presses keys: number keys tick categories, S saves and shows the next answer,
U jumps to the next answer not coded yet. The codings are then read back through the API.
"""

from __future__ import annotations

import json
import re
import urllib.request

import pytest

from tests.browser.test_live_dashboard import PASSWORD, sign_in, submit_over_http

pytestmark = pytest.mark.browser

ANSWERS = [
    ("en", "Financing is the main challenge; we have not resolved it yet."),
    ("ru", "Недостаток финансирования и времени."),
    ("en", "Time, time, time."),
    ("ru", "Чиновники не понимают, зачем нужна библиотека."),
    ("en", "Nobody in the council understood what a modern library does."),
    ("en", "No money for new books."),
    ("ru", "Нет места для встреч."),
    ("en", "We had no time to meet the partners."),
]
CATEGORIES = [
    ("financing", {"en": "Financing", "ru": "Финансирование"}),
    (
        "misunderstanding",
        {"en": "Misunderstanding of libraries", "ru": "Непонимание роли библиотек"},
    ),
    ("time", {"en": "Lack of time", "ru": "Нехватка времени"}),
]
EMAIL = "analyst@example.org"


def api(server, token: str, method: str, path: str, body=None):
    request = urllib.request.Request(  # noqa: S310 - the test's own http:// server
        server.url + path,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
        return json.loads(response.read())


@pytest.fixture(scope="module")
def coding_server(live_server_factory):
    server = live_server_factory(workers=2)
    for lang, text in ANSWERS:
        submit_over_http(server.url, {"q9": text}, lang)
    server.run_cli("create-user", EMAIL, "--role", "analyst", "--password-stdin", input=PASSWORD)
    token = server.run_cli("create-token", EMAIL).stdout.strip().splitlines()[-1]
    for code, names in CATEGORIES:
        api(server, token, "POST", "/api/coding/q9/categories", {"code": code, "name": names})
    server.token = token
    return server


def categories_of(server) -> dict[str, list[str]]:
    body = api(server, server.token, "GET", "/api/coding/q9/answers")
    return {answer["text"]: answer["categories"] for answer in body["answers"]}


@pytest.mark.parametrize(
    ("locale", "width", "keys"),
    [
        ("en-GB", 1280, [["1"], ["3"]]),
        ("ru-RU", 390, [["1", "3"], ["2"]]),
        ("ru-RU", 1280, [["2"]]),
        ("en-GB", 390, [["1", "2"]]),
    ],
)
def test_an_analyst_codes_with_the_keyboard_alone(
    coding_server, make_page, page_problems, screenshot, locale, width, keys
):
    server = coding_server
    page = make_page(locale=locale, width=width, height=900)
    sign_in(page, server.url, EMAIL)
    before = categories_of(server)
    page.goto(f"{server.url}/results/coding/q9?uncoded=1")
    name = f"coding-{locale[:2]}-{width}"
    screenshot(page, f"{name}-list")
    # One answer at a time, from the list, by the keyboard too.
    link = page.locator("a", has_text=re.compile("one answer at a time|по одному", re.I))
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"answer=\d+"))
    help_text = page.locator(".keyboard-help")
    assert help_text.is_visible()
    if locale.startswith("ru"):
        assert "Клавиши" in help_text.inner_text() or "клавиш" in help_text.inner_text()
    coded = []
    for presses in keys:
        text = page.locator(".coding-item blockquote").first.inner_text()
        for key in presses:
            page.keyboard.press(key)
        screenshot(page, f"{name}-{len(coded) + 1}")
        with page.expect_navigation():
            page.keyboard.press("s")
        coded.append((text, sorted(CATEGORIES[int(k) - 1][0] for k in presses)))
        if len(coded) < len(keys):
            with page.expect_navigation():
                page.keyboard.press("u")
    after = categories_of(server)
    for text, codes in coded:
        assert before[text] == []
        assert after[text] == codes
    progress = page.locator(".coding-progress").first
    assert progress.get_attribute("data-coded") == str(sum(1 for c in after.values() if c))
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page_problems == []
