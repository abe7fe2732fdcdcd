"""A respondent answers the questionnaire page by page, in English or Russian."""

import re

import pytest
from sqlalchemy import select

from survey.extensions import db
from survey.models import Answer, Response
from tests.conftest import csrf_token_from

FULL_ANSWERS = {
    "q1": "other",
    "q1_other": "Parliamentary library",
    "q2": "yes",
    "q2_role": "Board member",
    "q3": "RU",
    "q4": "25k",
    "q5": "yes",
    "q5_budget": "5,000 EUR",
    "q6": ["libraries", "government", "other"],
    "q6_other": "Friends of the library",
    "q7_libraries": "2",
    "q7_government": "1",
    "q7_other": "na",
    "q8": "A joint reading festival with the city council.",
    "q9": "Funding; we solved it with a grant.",
    "q10": "More readers.",
    "q11": "Leaflets: https://example.org/toolkit",
    "q12": "yes",
    "q13": "It makes partnership work possible.",
    "q14_libraries": "1",
    "q14_government": "2",
    "q14_business": "na",
    "q14_nonprofit": "3",
    "q15": "Stable funding.",
    "q16": ["meetings", "mou", "other"],
    "q16_other": "Workshops",
    "q17_name": "Irina Petrova",
    "q17_organization": "Regional library",
    "q17_email": "irina@example.org",
}

EXPECTED_ROWS = {
    ("q1", "other", None, "Parliamentary library"),
    ("q2", "yes", None, None),
    ("q2_role", "", None, "Board member"),
    ("q3", "RU", None, None),
    ("q4", "25k", None, None),
    ("q5", "yes", None, None),
    ("q5_budget", "", None, "5,000 EUR"),
    ("q6", "libraries", None, None),
    ("q6", "government", None, None),
    ("q6", "other", None, "Friends of the library"),
    ("q7", "libraries", 2, None),
    ("q7", "government", 1, None),
    ("q7", "other", None, None),
    ("q8", "", None, "A joint reading festival with the city council."),
    ("q9", "", None, "Funding; we solved it with a grant."),
    ("q10", "", None, "More readers."),
    ("q11", "", None, "Leaflets: https://example.org/toolkit"),
    ("q12", "yes", None, None),
    ("q13", "", None, "It makes partnership work possible."),
    ("q14", "libraries", 1, None),
    ("q14", "government", 2, None),
    ("q14", "business", None, None),
    ("q14", "nonprofit", 3, None),
    ("q14", "associations", None, None),
    ("q14", "other", None, None),
    ("q15", "", None, "Stable funding."),
    ("q16", "meetings", None, None),
    ("q16", "mou", None, None),
    ("q16", "other", None, "Workshops"),
    ("q17", "name", None, "Irina Petrova"),
    ("q17", "organization", None, "Regional library"),
    ("q17", "email", None, "irina@example.org"),
}


def stored_rows(app, language=None):
    with app.app_context():
        query = select(Answer.question, Answer.option, Answer.rank, Answer.text).join(Response)
        if language:
            query = query.where(Response.language == language)
        return set(db.session.execute(query).all())


def responses(app):
    with app.app_context():
        return db.session.scalars(select(Response).order_by(Response.id)).all()


@pytest.mark.parametrize(
    ("header", "expected"), [("ru-RU,ru;q=0.9", "/ru/"), ("en-GB", "/en/"), ("de", "/en/")]
)
def test_the_root_sends_each_browser_to_its_language(client, header, expected):
    response = client.get("/", headers={"Accept-Language": header})
    assert response.status_code == 302
    assert response.location.endswith(expected)


def test_the_welcome_page_explains_purpose_time_and_personal_data(client):
    html = client.get("/en/").get_data(as_text=True)
    assert "15 minutes" in html
    assert "optional" in html
    assert "contact details" in html
    assert '<button type="submit" name="action" value="next"' in html


PRIVACY = {
    "en": "Only the working group sees individual answers; results are published as totals and "
    "anonymous quotations.",
    "ru": "Ответы отдельных участников видит только рабочая группа; результаты публикуются в виде "
    "итоговых цифр и анонимных цитат.",
}


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_one_privacy_statement_on_the_welcome_page_and_in_every_footer(make_respondent, lang):
    person = make_respondent(lang)
    welcome = person.client.get(f"/{lang}/").text
    person.start()
    pages = [welcome, person.open(1).text]
    person.complete({})
    pages.append(person.client.get(f"/{lang}/thanks").text)
    for html in pages:
        footer = html[html.index('<footer class="site-footer">') :]
        assert PRIVACY[lang] in footer
    main = welcome[welcome.index("<main") : welcome.index("</main>")]
    assert PRIVACY[lang] in main
    for html in pages:
        for contradiction in ("only as anonymous totals", "only as totals", "обезличенных итогов"):
            assert contradiction not in html


def test_english_and_russian_respondents_with_the_same_choices_store_identical_codes(
    app, make_respondent
):
    for lang in ("en", "ru"):
        final = make_respondent(lang).complete(FULL_ANSWERS)
        assert final.location.endswith(f"/{lang}/thanks")

    assert stored_rows(app, "en") == EXPECTED_ROWS
    assert stored_rows(app, "ru") == EXPECTED_ROWS
    rows = responses(app)
    assert [(r.language, r.status) for r in rows] == [("en", "submitted"), ("ru", "submitted")]
    assert all(r.submitted_at is not None and r.started_at <= r.submitted_at for r in rows)


def test_every_code_of_the_form_contract_is_a_field_name_or_value(make_respondent):
    person = make_respondent("en")
    person.start()
    pages = []
    person.answer(1, {})
    person.answer(
        2, {"q6": ["libraries", "government", "business", "nonprofit", "associations", "other"]}
    )
    for number in range(1, 7):
        pages.append(person.open(number).get_data(as_text=True))
    html = "\n".join(pages)
    names = set(re.findall(r'name="([^"]+)"', html))
    contract = (
        {"q1", "q1_other", "q2", "q2_role", "q3", "q4", "q5", "q5_budget", "q6", "q6_other"}
        | {f"q{n}" for n in (8, 9, 10, 11, 12, 13, 15, 16)}
        | {"q16_other", "q17_name", "q17_organization", "q17_email", "action"}
        | {f"q7_{item}" for item in ("libraries", "government", "business", "nonprofit")}
        | {f"q7_{item}" for item in ("associations", "other")}
        | {f"q14_{item}" for item in ("libraries", "government", "business", "nonprofit")}
        | {f"q14_{item}" for item in ("associations", "other")}
    )
    assert contract <= names
    values = set(re.findall(r'value="([^"]*)"', html))
    option_codes = {"association", "public", "national", "academic", "school", "other"}
    option_codes |= {"yes", "no", "lt5k", "5k", "25k", "50k", "100k", "na", "RU", "US", "EG"}
    option_codes |= {"libraries", "government", "business", "nonprofit", "associations"}
    option_codes |= {"meetings", "focus_groups", "mou", "statements", "next", "back", "submit"}
    option_codes |= {"1", "2", "3", "4", "5", "6"}
    assert option_codes <= values


def test_pages_show_progress_and_move_on_with_next_and_back(make_respondent):
    person = make_respondent("en")
    assert person.start().location.endswith("/en/page/1")
    html = person.open(1).get_data(as_text=True)
    assert "Page 1 of 6" in html
    assert '<progress max="6" value="1"' in html
    assert person.answer(1, {"q2": "no"}).location.endswith("/en/page/2")
    assert person.answer(2, {}, action="back").location.endswith("/en/page/1")
    assert 'value="no" checked' in person.open(1).get_data(as_text=True)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_page_count_does_not_jump_when_a_page_is_left_out(make_respondent, lang):
    person = make_respondent(lang)
    person.start()
    counts = []
    for number in (1, 2):
        counts.append(re.search(r'<progress max="(\d)" value="(\d)"', person.open(number).text))
        person.answer(number, {})
    # No partner chosen in q6: page 3 (ranking them) is not asked, and the page says so.
    html = person.open(4).get_data(as_text=True)
    counts.append(re.search(r'<progress max="(\d)" value="(\d)"', html))
    assert [match.groups() for match in counts] == [("6", "1"), ("6", "2"), ("6", "4")]
    expected = {
        "en": ("Page 4 of 6", "Page 3 is left out: its questions follow up answers you have"),
        "ru": ("Страница 4 из 6", "Страница 3 пропущена"),
    }[lang]
    assert all(text in html for text in expected)
    assert "left out" not in person.open(2).get_data(as_text=True)


def test_q2_role_and_q5_budget_are_stored_only_when_their_condition_holds(app, make_respondent):
    make_respondent().complete({"q2": "no", "q2_role": "President", "q5": "no", "q5_budget": "1"})
    make_respondent().complete({"q2_role": "Chair", "q5_budget": "2"})
    questions = {row[0] for row in stored_rows(app)}
    assert "q2_role" not in questions
    assert "q5_budget" not in questions


def test_ranking_offers_only_the_partners_chosen_in_q6_with_other_in_the_respondents_words(
    make_respondent,
):
    person = make_respondent()
    person.start()
    person.answer(1, {})
    person.answer(2, {"q6": ["government", "other"], "q6_other": "Local museum"})
    html = person.open(3).get_data(as_text=True)
    assert 'name="q7_government"' in html
    assert 'name="q7_other"' in html
    assert "Local museum" in html
    assert 'name="q7_libraries"' not in html
    # Two items: ranks 1 and 2 only.
    assert '<option value="3"' not in html


def test_the_ranking_page_is_skipped_when_no_partner_was_chosen(app, make_respondent):
    person = make_respondent()
    person.start()
    person.answer(1, {})
    assert person.answer(2, {"q5": "no"}).location.endswith("/en/page/4")
    assert person.answer(4, {}, action="back").location.endswith("/en/page/2")
    assert person.open(3).location.endswith("/en/page/4")
    person.open(4)
    person.answer(4, {"q7_libraries": "1"})
    assert "q7" not in {row[0] for row in stored_rows(app)}


def test_unchoosing_a_partner_in_q6_removes_it_from_the_ranking_and_closes_the_gap(
    app, make_respondent
):
    person = make_respondent()
    person.start()
    person.answer(1, {})
    person.answer(2, {"q6": ["libraries", "government", "business"]})
    person.open(3)
    person.answer(3, {"q7_libraries": "2", "q7_government": "1", "q7_business": "3"})
    person.open(2)
    person.answer(2, {"q6": ["libraries", "business"]})
    ranks = {(o, r) for q, o, r, _t in stored_rows(app) if q == "q7"}
    assert ranks == {("libraries", 1), ("business", 2)}


def test_a_respondent_who_closes_the_browser_finds_every_answer_again(app, make_respondent):
    person = make_respondent("ru")
    person.start()
    person.answer(1, {"q1": "school", "q3": "FM", "q2": "yes", "q2_role": "Секретарь"})
    person.open(2)
    person.answer(2, {"q6": ["libraries"]})
    # Same browser, later: the session cookie brings them back to where they were.
    html = person.open(1).get_data(as_text=True)
    assert 'value="school" checked' in html
    assert 'value="FM" selected' in html
    assert "Секретарь" in html
    welcome = person.client.get("/ru/").get_data(as_text=True)
    assert 'value="next"' in welcome


def test_the_resume_link_restores_the_answers_in_another_browser(app, make_respondent):
    person = make_respondent("en")
    person.start()
    person.answer(1, {"q4": "50k"})
    html = person.open(2).get_data(as_text=True)
    link = re.search(r'href="(http://localhost/en/resume/[^"]+)"', html).group(1)
    assert "it opens the first page you have not saved yet" in html

    other_browser = make_respondent("en")
    landing = other_browser.client.get(link.removeprefix("http://localhost"))
    # Where the respondent left off: page 1 saved, so page 2.
    assert landing.location.endswith("/en/page/2")
    assert 'value="50k" checked' in other_browser.open(1).get_data(as_text=True)


def test_the_resume_link_shown_on_a_page_opens_that_page(app, make_respondent):
    person = make_respondent("ru")
    person.start()
    for number in (1, 2):
        person.answer(number, {"q2": "no"} if number == 1 else {"q5": "no"})
    html = person.open(4).get_data(as_text=True)  # page 3 is left out: no partners
    assert "она откроет первую страницу, которую вы ещё не сохранили" in html
    link = re.search(r'href="http://localhost(/ru/resume/[^"]+)"', html).group(1)
    assert make_respondent("ru").client.get(link).location.endswith("/ru/page/4")
    # Every page saved but not sent: the last page.
    for number in (4, 5, 6):
        person.answer(number, {})
    assert make_respondent("ru").client.get(link).location.endswith("/ru/page/6")


def test_continuing_from_the_welcome_page_opens_where_the_respondent_left_off(make_respondent):
    person = make_respondent()
    person.start()
    person.answer(1, {"q2": "no"})
    person.answer(2, {"q6": ["libraries"]})
    welcome = person.client.get("/en/").text
    assert "Continue my answers" in welcome
    token = csrf_token_from(welcome)
    went = person.client.post("/en/", data={"csrf_token": token, "action": "next"})
    assert went.location.endswith("/en/page/3")


def test_an_unknown_resume_link_says_so_and_offers_a_new_start(client):
    response = client.get("/en/resume/not-a-real-token", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "does not match any response. You can start a new one below." in html
    assert "Start the questionnaire" in html


def test_an_unknown_resume_link_in_a_browser_with_answers_offers_to_continue_them(
    make_respondent,
):
    person = make_respondent()
    person.start()
    person.answer(1, {"q2": "yes"})
    html = person.client.get("/en/resume/not-a-real-token", follow_redirects=True).text
    assert "The answers saved in this browser are still here: you can continue them below." in html
    assert "start a new one" not in html
    assert "Continue my answers" in html


def test_submitting_twice_creates_one_response_and_never_changes_it(app, make_respondent):
    person = make_respondent()
    person.complete({"q15": "First words"})
    replay = person.answer(6, {"q15": "Changed words"}, action="submit")
    assert replay.location.endswith("/en/thanks")
    again = person.answer(1, {"q1": "public"})
    assert again.location.endswith("/en/thanks")
    assert len(responses(app)) == 1
    assert ("q15", "", None, "First words") in stored_rows(app)
    assert "q1" not in {row[0] for row in stored_rows(app)}


def test_the_back_button_after_submitting_lands_on_the_thank_you_page(make_respondent):
    person = make_respondent()
    person.complete({})
    assert person.client.get("/en/page/6").location.endswith("/en/thanks")


def test_the_thank_you_page_offers_the_nine_best_practices(make_respondent):
    person = make_respondent()
    person.complete({})
    html = person.client.get("/en/thanks").get_data(as_text=True)
    assert html.count("<li>", html.index('class="best-practices"')) >= 9
    assert "Set aside a separate budget for advocacy." in html


def test_a_colleague_on_the_same_computer_can_start_a_new_response(app, make_respondent):
    person = make_respondent()
    person.complete({"q2": "yes"})
    page = person.client.get("/en/thanks").get_data(as_text=True)
    person.client.post("/en/new", data={"csrf_token": csrf_token_from(page)})
    person.complete({"q2": "no"})
    assert [r.status for r in responses(app)] == ["submitted", "submitted"]


def test_switching_language_keeps_what_was_typed_on_the_page(app, make_respondent):
    person = make_respondent("en")
    person.start()
    switched = person.switch_language(1, "ru", {"q1": "academic", "q3": "EG"})
    assert switched.location.endswith("/ru/page/1")
    html = person.client.get("/ru/page/1").get_data(as_text=True)
    assert 'lang="ru"' in html
    assert 'value="academic" checked' in html


def test_switching_language_on_a_page_with_an_error_switches_everything_and_stays(
    app, make_respondent
):
    person = make_respondent("en")
    person.start()
    too_long = "x" * 301
    shown = person.switch_language(2, "ru", {"q5": "yes", "q5_budget": too_long})
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert '<html lang="ru">' in html
    assert "Сократите ответ до 300 символов" in html
    assert "Please shorten" not in html
    assert too_long in html
    assert stored_rows(app) == set()

    # Fixed and sent on: the respondent stays in Russian.
    moved_on = person.answer(2, {"q5": "yes", "q5_budget": "500 EUR"})
    assert moved_on.location.endswith("/ru/page/4")
    assert '<html lang="ru">' in person.client.get("/ru/page/4").get_data(as_text=True)
    assert [(r.language, r.last_page) for r in responses(app)] == [("ru", 2)]


def test_a_language_switch_with_an_error_asks_in_the_new_language(make_respondent):
    person = make_respondent("en")
    person.start()
    shown = person.switch_language(1, "ru", {"q1": "public", "q1_other": "Prison", "q3": "FR"})
    html = shown.get_data(as_text=True)
    assert "Что вы имеете в виду?" in html
    assert 'value="public" checked' in html and 'value="Prison"' in html


def test_answers_are_kept_when_the_session_cookie_was_lost_mid_questionnaire(app, client):
    """A page sent without a draft in the session still saves into a new draft."""
    html = client.get("/en/page/1").get_data(as_text=True)
    response = client.post(
        "/en/page/1", data={"csrf_token": csrf_token_from(html), "q4": "100k", "action": "next"}
    )
    assert response.location.endswith("/en/page/2")
    assert ("q4", "100k", None, None) in stored_rows(app)
