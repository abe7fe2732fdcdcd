"""Bad input gets a clear message next to the question, and nothing typed is lost."""

import re

import pytest
from sqlalchemy import select

from survey.extensions import db
from survey.models import Answer, Response
from tests.conftest import csrf_token_from


def error_of(html: str, code: str) -> str:
    """The error message shown inside the question block of `code`."""
    block = re.search(
        rf'id="{code}-question".*?(?=<(?:fieldset|div) id="q|<div class="actions")', html, re.S
    )
    assert block, f"question {code} is not on the page"
    match = re.search(r'<p class="error" id="[^"]+">(.*?)</p>', block.group(0), re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else ""


def stored(app):
    with app.app_context():
        return set(
            db.session.execute(select(Answer.question, Answer.option, Answer.rank, Answer.text))
        )


@pytest.fixture
def on_page(make_respondent):
    """A respondent who has started and can post page N with some data."""

    def post(number, data, lang="en", q6=None):
        person = make_respondent(lang)
        person.start()
        if q6 is not None:
            person.open(2)
            person.answer(2, {"q6": q6})
        person.open(number)
        return person.answer(number, data)

    return post


def test_a_rank_given_twice_is_refused_and_the_other_answers_are_kept(on_page):
    response = on_page(5, {"q14_libraries": "1", "q14_business": "1", "q13": "Kept text"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "rank 1 is used more than once" in error_of(html, "q14")
    assert "Kept text" in html
    assert re.search(
        r'name="q14_business" id="q14_business"[^>]*>.*?value="1" selected', html, re.S
    )


def test_ranks_with_a_gap_are_refused(on_page):
    html = on_page(5, {"q14_libraries": "1", "q14_business": "3"}).get_data(as_text=True)
    assert "rank 2 is missing" in error_of(html, "q14")


def test_a_rank_outside_the_list_is_refused(on_page):
    html = on_page(5, {"q14_libraries": "7"}).get_data(as_text=True)
    assert "Please choose a rank from the list" in error_of(html, "q14")


def test_ranks_in_q7_run_only_up_to_the_number_of_partners_offered(on_page):
    html = on_page(3, {"q7_libraries": "3"}, q6=["libraries", "government"]).get_data(as_text=True)
    assert "Please choose a rank from the list" in error_of(html, "q7")


def test_only_not_applicable_answers_the_ranking_with_every_item_not_applicable(app, on_page):
    assert on_page(5, {"q14_other": "na"}).status_code == 302
    q14 = {(o, r) for q, o, r, _ in stored(app) if q == "q14"}
    assert q14 == {
        (item, None)
        for item in ("libraries", "government", "business", "nonprofit", "associations", "other")
    }


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"q1": "museum"}, "q1"),
        ({"q2": "maybe"}, "q2"),
        ({"q4": "1m"}, "q4"),
        ({"q3": "XX"}, "q3"),
        ({"q3": "ru"}, "q3"),
        ({"q3": "Russia"}, "q3"),
    ],
)
def test_an_unknown_option_or_country_code_is_refused(on_page, data, code):
    response = on_page(1, data)
    assert response.status_code == 200
    assert error_of(response.get_data(as_text=True), code)


def test_an_unknown_option_in_a_multiple_choice_is_refused(on_page):
    html = on_page(2, {"q6": ["libraries", "church"]}).get_data(as_text=True)
    assert "Please choose from the options listed" in error_of(html, "q6")


def test_namibia_and_prefer_not_to_say_are_different_answers(app, make_respondent):
    make_respondent().complete({"q3": "NA"})
    make_respondent().complete({"q3": "na"})
    assert {o for q, o, _r, _t in stored(app) if q == "q3"} == {"NA", "na"}


def test_other_chosen_without_text_is_stored(app, make_respondent):
    make_respondent().complete({"q1": "other", "q6": ["other"], "q16": ["mou", "other"]})
    rows = stored(app)
    assert ("q1", "other", None, None) in rows
    assert ("q6", "other", None, None) in rows
    assert ("q16", "other", None, None) in rows


def test_text_in_other_without_ticking_it_means_other_is_chosen(app, make_respondent):
    """Without JavaScript nothing ticks "other" for the respondent: their words are kept."""
    make_respondent().complete(
        {"q6": ["libraries"], "q6_other": "Friends of the library", "q16_other": "Radio"}
    )
    rows = stored(app)
    assert ("q6", "libraries", None, None) in rows
    assert ("q6", "other", None, "Friends of the library") in rows
    assert ("q16", "other", None, "Radio") in rows
    assert {o for q, o, _r, _t in rows if q == "q16"} == {"other"}


def test_other_text_with_no_choice_in_a_single_choice_means_other(app, make_respondent):
    make_respondent("ru").complete({"q1_other": "Библиотека парламента"})
    assert {(q, o, t) for q, o, _r, t in stored(app) if q == "q1"} == {
        ("q1", "other", "Библиотека парламента")
    }


def test_other_text_beside_another_choice_asks_which_is_meant_and_keeps_both(app, on_page):
    response = on_page(1, {"q1": "public", "q1_other": "Prison library", "q2": "no"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    message = error_of(html, "q1")
    assert "Public / community library" in message
    assert "Which one do you mean?" in message
    assert 'value="public" checked' in html
    assert 'value="Prison library"' in html
    assert stored(app) == set()


def test_the_question_which_is_meant_is_asked_in_russian(on_page):
    html = on_page(1, {"q1": "school", "q1_other": "Тюремная"}, lang="ru").get_data(as_text=True)
    assert "Что вы имеете в виду?" in error_of(html, "q1")


def test_an_other_box_holding_only_spaces_chooses_nothing(app, make_respondent):
    make_respondent().complete({"q1_other": "   ", "q6_other": " ", "q16_other": "\n"})
    assert not {q for q, *_ in stored(app)} & {"q1", "q6", "q16"}


def test_a_follow_up_answered_without_its_condition_is_ignored(app, on_page):
    assert on_page(1, {"q2": "no", "q2_role": "Treasurer"}).status_code == 302
    assert "q2_role" not in {q for q, *_ in stored(app)}


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "name@@example.org"])
def test_an_invalid_email_is_refused_and_the_name_kept(on_page, email):
    html = on_page(6, {"q17_email": email, "q17_name": "Zola"}).get_data(as_text=True)
    assert "valid e-mail address" in error_of(html, "q17")
    assert 'value="Zola"' in html


def test_text_over_the_limit_is_refused_with_the_limit_and_kept(on_page):
    long_text = "x" * 5001
    html = on_page(4, {"q8": long_text}).get_data(as_text=True)
    assert "5000 characters or fewer (it has 5001)" in error_of(html, "q8")
    assert long_text in html


def test_a_short_text_over_its_limit_is_refused(on_page):
    html = on_page(1, {"q2": "yes", "q2_role": "y" * 301}).get_data(as_text=True)
    assert "300 characters or fewer" in error_of(html, "q2_role")


def test_a_nul_byte_gets_the_same_clear_message_on_every_database(app, on_page):
    html = on_page(4, {"q9": "Before\x00after"}).get_data(as_text=True)
    assert "characters that cannot be stored" in error_of(html, "q9")
    assert stored(app) == set()


def test_a_repeated_single_answer_field_is_refused_not_first_wins(app, on_page):
    response = on_page(1, [("q2", "yes"), ("q2", "no")])
    assert "only one answer" in error_of(response.get_data(as_text=True), "q2")
    assert stored(app) == set()


def test_errors_are_listed_at_the_top_with_links_to_the_questions(on_page):
    html = on_page(1, {"q1": "museum", "q3": "XX"}).get_data(as_text=True)
    summary = html[html.index('class="error-summary"') :]
    assert 'href="#q1-question"' in summary
    assert 'href="#q3-question"' in summary


def test_an_expired_csrf_token_shows_the_page_again_with_everything_typed(client):
    client.get("/en/page/1")
    response = client.post(
        "/en/page/1",
        data={"csrf_token": "forged", "q8": "ignored", "q1": "academic", "action": "next"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "press the button again" in html
    assert 'value="academic" checked' in html
    assert csrf_token_from(html) != "forged"


def test_a_missing_csrf_token_on_the_welcome_page_is_a_friendly_page(client):
    response = client.post("/ru/", data={"action": "next"})
    assert response.status_code == 400
    assert "Traceback" not in response.get_data(as_text=True)
    assert '<html lang="ru">' in response.get_data(as_text=True)


def test_a_huge_body_is_refused_with_a_friendly_page(client):
    response = client.post("/en/page/4", data={"q8": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_binary_garbage_does_not_break_the_page(client):
    html = client.get("/en/page/1").get_data(as_text=True)
    token = csrf_token_from(html).encode()
    encoded = b"csrf_token=" + token + b"&q8=%FF%FE%00%81&action=next"
    response = client.post(
        "/en/page/4", data=encoded, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert "cannot be stored" in response.get_data(as_text=True)
    raw = b"csrf_token=" + token + b"&q8=\xff\xfe\x00\x81&action=next"
    response = client.post("/en/page/4", data=raw, content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500


def test_an_unknown_button_is_refused_without_saving(app, on_page):
    response = on_page(1, {"q1": "public", "action": "delete"})
    assert response.status_code == 200
    assert stored(app) == set()


def test_unknown_pages_and_languages_are_not_found(client):
    assert client.get("/en/page/7").status_code == 404
    assert client.get("/en/page/0").status_code == 404
    assert client.get("/de/").status_code == 404


def test_back_on_a_page_with_errors_goes_back_and_keeps_what_was_typed(app, make_respondent):
    person = make_respondent()
    person.start()
    person.answer(1, {"q4": "5k"})
    person.answer(2, {"q5": "yes", "q5_budget": "100 EUR"})
    person.open(4)
    typed = {"q8": "x" * 5001, "q9": "Funding\x00", "q10": "More readers"}
    back = person.answer(4, typed, action="back")
    # Not validated, not blocked: page 3 (q7) is not asked without partners, so page 2.
    assert back.status_code == 302
    assert back.location.endswith("/en/page/2")
    # Nothing became an answer; the answers saved before are intact.
    assert {q for q, *_ in stored(app)} == {"q4", "q5", "q5_budget"}

    # Back on page 4 later, everything typed is there, with what still needs fixing.
    html = person.open(4).get_data(as_text=True)
    assert "x" * 5001 in html
    assert "More readers" in html
    assert "5000 characters or fewer (it has 5001)" in error_of(html, "q8")
    assert "cannot be stored" in error_of(html, "q9")

    # Fixed and sent on: saved as answers, and the typed copy is gone.
    assert person.answer(4, {"q8": "Short", "q10": "More readers"}).status_code == 302
    assert ("q8", "", None, "Short") in stored(app)
    assert "x" * 5001 not in person.open(4).get_data(as_text=True)


def test_back_with_errors_on_the_first_page_returns_to_the_welcome_page(app, make_respondent):
    person = make_respondent("ru")
    person.start()
    person.open(1)
    back = person.answer(1, {"q1": "public", "q1_other": "Тюремная"}, action="back")
    assert back.location.endswith("/ru/")
    html = person.open(1).get_data(as_text=True)
    assert 'value="public" checked' in html and 'value="Тюремная"' in html
    assert "Что вы имеете в виду?" in error_of(html, "q1")


def test_a_page_left_with_errors_is_shown_before_anything_is_sent(app, make_respondent):
    person = make_respondent()
    person.start()
    person.open(5)
    person.answer(5, {"q14_libraries": "1", "q14_business": "1"}, action="back")
    person.open(6)
    sent = person.answer(6, {"q15": "Stable funding"}, action="submit")
    assert sent.location.endswith("/en/page/5")
    html = person.open(5).get_data(as_text=True)
    assert "rank 1 is used more than once" in error_of(html, "q14")
    with app.app_context():
        assert db.session.scalar(select(Response.status)) == "draft"
    # The last page's answers were saved on the way.
    assert ("q15", "", None, "Stable funding") in stored(app)
    person.answer(5, {"q14_libraries": "1", "q14_business": "2"})
    assert person.answer(6, {"q15": "Stable funding"}, action="submit").location.endswith(
        "/en/thanks"
    )
