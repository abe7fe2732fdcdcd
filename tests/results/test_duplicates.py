"""An admin looks for people who answered twice — once in English, once in Russian, as in
2013 — and decides which response to exclude."""

from __future__ import annotations

import html

import pytest

from tests.conftest import csrf_of, responses_in_order

#: The same person's answers: choices, a country and ranks, which mean the same in any
#: language; the open answers differ (one English, one Russian).
CODES = {
    "q1": "public",
    "q2": "yes",
    "q3": "KZ",
    "q4": "25k",
    "q5": "no",
    "q6": ["libraries", "government"],
    "q7_libraries": "2",
    "q7_government": "1",
    "q12": "yes",
    "q14_libraries": "1",
    "q14_business": "2",
}


@pytest.fixture
def admin(member):
    return member("admin")


def groups(admin) -> list[tuple[str, list[str]]]:
    page = html.unescape(admin.get("/results/responses/duplicates").get_data(as_text=True))
    found = []
    for section in page.split("data-duplicate-kind=")[1:]:
        kind = section.split('"')[1]
        ids = [part.split('"')[0] for part in section.split('data-response="')[1:]]
        found.append((kind, ids))
    return found


def test_the_same_answers_in_english_and_russian_are_a_possible_duplicate(
    app, admin, make_respondent
):
    make_respondent("en").complete({**CODES, "q8": "We ran a reading festival."})
    make_respondent("en").complete({**CODES, "q4": "5k"})  # one answer differs: not the same
    make_respondent("ru").complete({**CODES, "q8": "Провели фестиваль чтения."})
    make_respondent("en").complete({"q1": "public", "q2": "yes"})  # too few answers to tell
    make_respondent("ru").complete({"q1": "public", "q2": "yes"})
    english, _other, russian, _few, _few_too = responses_in_order(app)
    assert groups(admin) == [("answers", [english, russian])]


def test_the_same_e_mail_is_a_possible_duplicate_without_showing_it(app, admin, make_respondent):
    make_respondent("en").complete({"q1": "public", "q17_email": "Irina@Example.org"})
    make_respondent("ru").complete({"q1": "school", "q17_email": " irina@example.org "})
    make_respondent("en").complete({"q1": "public", "q17_email": "someone.else@example.org"})
    first, second, _third = responses_in_order(app)
    assert groups(admin) == [("email", [first, second])]
    page = admin.get("/results/responses/duplicates").get_data(as_text=True)
    assert "irina@example.org" not in page.lower()


def test_an_excluded_duplicate_is_no_longer_listed(app, admin, make_respondent):
    make_respondent("en").complete(CODES)
    make_respondent("ru").complete(CODES)
    first, second = responses_in_order(app)
    token = csrf_of(admin, "/results/responses/duplicates")
    confirm = admin.post(
        "/results/responses/exclude",
        data={"csrf_token": token, "id": second, "by": "ids", "reason": f"Duplicate of {first}"},
    )
    assert 'data-confirm-count="1"' in confirm.get_data(as_text=True)
    done = admin.post(
        "/results/responses/exclude",
        data={
            "csrf_token": token,
            "ids": second,
            "by": "ids",
            "reason": f"Duplicate of {first}",
            "expected": "1",
            "confirm": "1",
        },
    )
    assert done.status_code == 302
    assert groups(admin) == []
    assert f"Duplicate of {first}" in admin.get(f"/results/responses/{second}").get_data(
        as_text=True
    )
