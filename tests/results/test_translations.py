"""The working group translates open answers written in another language, page by page."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from survey.extensions import db
from survey.models import Answer, Response, Translation
from tests.conftest import csrf_token_from

URL = "/results/translations"

RU_ANSWERS = {
    "q1": "other",
    "q1_other": "Библиотека колледжа",
    "q2": "yes",
    "q2_role": "Член правления",
    "q6": ["libraries", "other"],
    "q6_other": "Музеи и архивы",
    "q8": "Вместе с администрацией района провели «Библионочь».",
    "q15": "Привлечение новых читателей.",
    "q17_name": "Ирина Петрова",
    "q17_organization": "Демонстрационная ЦБС",
    "q17_email": "irina.petrova@example.org",
}
EN_ANSWERS = {
    "q2": "yes",
    "q2_role": "Treasurer of the association",
    "q8": "We worked with the city council on a summer reading programme.",
    "q16": ["meetings", "other"],
    "q16_other": "Workshops for councillors",
    "q17_name": "Jane Doe",
    "q17_email": "jane.doe@example.org",
}


@pytest.fixture
def signed_in(make_user, auth):
    user = make_user("translator@example.org", "analyst", password="correct horse battery")
    auth.login("translator@example.org", "correct horse battery")
    return user


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def answer_id(app, question: str, option: str = "") -> int:
    with app.app_context():
        return db.session.scalar(
            select(Answer.id).where(Answer.question == question, Answer.option == option)
        )


def form_fields(body: str) -> list[tuple[str, str]]:
    """The page's form as a browser would post it unchanged (hidden fields and textareas)."""
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', body)
    fields += re.findall(r'<textarea [^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', body)
    return [(name, html.unescape(value)) for name, value in fields]


def post_page(client, url: str, changes: dict[str, str]):
    body = client.get(url).get_data(as_text=True)
    fields = [(name, changes.get(name, value)) for name, value in form_fields(body)]
    from werkzeug.datastructures import MultiDict

    return client.post(url, data=MultiDict(fields))


def test_russian_open_answers_are_listed_for_translation_into_english(
    app, make_respondent, signed_in, client
):
    make_respondent("ru").complete(RU_ANSWERS)
    make_respondent("en").complete(EN_ANSWERS)

    response = client.get(URL)
    assert response.status_code == 200
    body = page_text(response)
    for field in ("q1_other", "q2_role", "q6_other", "q8", "q15"):
        assert RU_ANSWERS[field] in body
    assert EN_ANSWERS["q8"] not in body
    assert EN_ANSWERS["q2_role"] not in body
    assert EN_ANSWERS["q16_other"] not in body
    assert "Original in Russian" in body
    with app.app_context():
        uuid = db.session.scalar(select(Response.uuid).where(Response.language == "ru"))
    assert f'href="/results/responses/{uuid}"' in body


def test_contact_details_never_appear(make_respondent, signed_in, client):
    make_respondent("ru").complete(RU_ANSWERS)
    make_respondent("en").complete(EN_ANSWERS)
    for url in (URL, f"{URL}?show=all", f"{URL}?to=ru", f"{URL}?to=ru&show=all"):
        body = page_text(client.get(url))
        for field in ("q17_name", "q17_organization", "q17_email"):
            for answers in (RU_ANSWERS, EN_ANSWERS):
                if field in answers:
                    assert answers[field] not in body, (url, field)
    assert client.get(f"{URL}?question=q17").status_code == 404


def test_drafts_are_not_listed(make_respondent, signed_in, client):
    make_respondent("ru").complete(
        {"q8": "Черновой ответ, ещё не отправлен."}, action_on_last="next"
    )
    assert "Черновой ответ" not in page_text(client.get(f"{URL}?show=all"))


def test_filter_by_question(make_respondent, signed_in, client):
    make_respondent("ru").complete(RU_ANSWERS)
    body = page_text(client.get(f"{URL}?question=q8"))
    assert RU_ANSWERS["q8"] in body
    assert RU_ANSWERS["q6_other"] not in body
    other = page_text(client.get(f"{URL}?question=q6_other"))
    assert RU_ANSWERS["q6_other"] in other
    assert RU_ANSWERS["q8"] not in other


def test_saving_records_who_and_when_and_shows_it(app, make_respondent, signed_in, client):
    make_respondent("ru").complete(RU_ANSWERS)
    q8 = answer_id(app, "q8")
    before = datetime.now(UTC)

    saved = post_page(client, URL, {f"t-{q8}": "Together with the district council we ran ..."})
    assert saved.status_code == 302

    with app.app_context():
        translation = db.session.scalar(select(Translation).where(Translation.answer_id == q8))
        assert translation.language == "en"
        assert translation.text == "Together with the district council we ran ..."
        assert translation.translated_by_id == signed_in.id
        at = translation.translated_at
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        assert before - timedelta(seconds=1) <= at <= datetime.now(UTC) + timedelta(seconds=1)
        # Only the box that was filled in was saved.
        assert db.session.scalar(select(db.func.count()).select_from(Translation)) == 1

    untranslated = page_text(client.get(URL))
    assert RU_ANSWERS["q8"] not in untranslated
    assert RU_ANSWERS["q6_other"] in untranslated
    everything = page_text(client.get(f"{URL}?show=all"))
    assert RU_ANSWERS["q8"] in everything
    assert "Together with the district council we ran ..." in everything
    assert "Translated by translator@example.org on" in everything


def test_several_translations_are_saved_in_one_post(app, make_respondent, signed_in, client):
    make_respondent("ru").complete(RU_ANSWERS)
    q8, q6 = answer_id(app, "q8"), answer_id(app, "q6", "other")
    response = post_page(client, URL, {f"t-{q8}": "A night at the library", f"t-{q6}": "Museums"})
    assert response.status_code == 302
    with app.app_context():
        stored = dict(db.session.execute(select(Translation.answer_id, Translation.text)).all())
    assert stored == {q8: "A night at the library", q6: "Museums"}


def test_saving_an_empty_translation_deletes_it(app, make_respondent, signed_in, client):
    make_respondent("ru").complete(RU_ANSWERS)
    q8 = answer_id(app, "q8")
    post_page(client, URL, {f"t-{q8}": "A night at the library"})
    response = post_page(client, f"{URL}?show=all", {f"t-{q8}": "   "})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Translation)).all() == []
    assert RU_ANSWERS["q8"] in page_text(client.get(URL))


def test_invalid_translation_is_refused_and_typed_text_kept(
    app, make_respondent, signed_in, client
):
    make_respondent("ru").complete(RU_ANSWERS)
    q8, q6 = answer_id(app, "q8"), answer_id(app, "q6", "other")
    response = post_page(client, URL, {f"t-{q8}": "x" * 5001, f"t-{q6}": "Museums and archives"})
    assert response.status_code == 400
    body = page_text(response)
    assert "Please shorten this answer to 5000 characters or fewer (it has 5001)." in body
    assert "Museums and archives" in body  # the other box keeps what was typed
    assert "x" * 5001 in body
    with app.app_context():
        assert db.session.scalars(select(Translation)).all() == []

    response = post_page(client, URL, {f"t-{q8}": "bad\x00text"})
    assert response.status_code == 400
    assert "contains characters that cannot be stored" in page_text(response)


def test_errors_are_in_the_users_language(app, make_respondent, signed_in, client):
    make_respondent("ru").complete(RU_ANSWERS)
    q8 = answer_id(app, "q8")
    client.get("/locale/ru")
    response = post_page(client, f"{URL}?to=en", {f"t-{q8}": "x" * 5001})
    assert response.status_code == 400
    assert 'lang="ru"' in response.get_data(as_text=True)


def test_another_translators_work_is_not_overwritten_unseen(
    app, make_respondent, make_user, signed_in, client
):
    make_respondent("ru").complete(RU_ANSWERS)
    q8 = answer_id(app, "q8")
    body = client.get(f"{URL}?show=all").get_data(as_text=True)  # page shown: q8 untranslated
    other_translator = app.test_client()
    make_user("second@example.org", "analyst", password="another good password")
    login = other_translator.get("/login").get_data(as_text=True)
    other_translator.post(
        "/login",
        data={
            "email": "second@example.org",
            "password": "another good password",
            "csrf_token": csrf_token_from(login),
        },
    )
    assert post_page(other_translator, URL, {f"t-{q8}": "Theirs"}).status_code == 302

    from werkzeug.datastructures import MultiDict

    # The first translator saves the page they loaded earlier, without touching q8.
    unchanged = MultiDict(form_fields(body))
    assert client.post(f"{URL}?show=all", data=unchanged).status_code == 302
    # …and then types their own version over the stale page.
    changed = MultiDict(
        [(name, "Mine" if name == f"t-{q8}" else value) for name, value in form_fields(body)]
    )
    conflict = client.post(f"{URL}?show=all", data=changed)
    assert conflict.status_code == 400
    assert "Someone else changed this translation" in page_text(conflict)
    with app.app_context():
        assert db.session.scalar(select(Translation.text)) == "Theirs"


def test_russian_speaking_analysts_translate_english_answers_into_russian(
    app, make_respondent, signed_in, client
):
    make_respondent("ru").complete(RU_ANSWERS)
    make_respondent("en").complete(EN_ANSWERS)
    body = page_text(client.get(f"{URL}?to=ru"))
    assert EN_ANSWERS["q8"] in body
    assert EN_ANSWERS["q16_other"] in body
    assert RU_ANSWERS["q8"] not in body

    with app.app_context():
        q8_en = db.session.scalar(
            select(Answer.id).where(Answer.question == "q8", Answer.text == EN_ANSWERS["q8"])
        )
    saved = post_page(client, f"{URL}?to=ru", {f"t-{q8_en}": "Летняя программа чтения"})
    assert saved.status_code == 302
    with app.app_context():
        translation = db.session.scalar(select(Translation))
        assert (translation.answer_id, translation.language) == (q8_en, "ru")
    # An English translation is a separate thing: the English list is unchanged.
    assert RU_ANSWERS["q8"] in page_text(client.get(URL))


def test_answers_are_escaped(make_respondent, signed_in, client):
    make_respondent("ru").complete(
        {"q8": "<script>alert(1)</script>", "q1": "other", "q1_other": "<b>Тюрьма</b>"}
    )
    raw = client.get(URL).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    assert "<b>Тюрьма</b>" not in raw


def test_pages_of_fifty(app, make_respondent, signed_in, client):
    make_respondent("ru").complete(RU_ANSWERS)
    with app.app_context():
        source = db.session.scalar(select(Response))
        for number in range(60):
            extra = Response(language="ru", status="submitted", submitted_at=datetime.now(UTC))
            db.session.add(extra)
            db.session.flush()
            db.session.add(Answer(response_id=extra.id, question="q9", text=f"Ответ №{number}"))
        assert source is not None
        db.session.commit()
    first = page_text(client.get(f"{URL}?question=q9"))
    assert first.count('name="answer"') == 50
    assert "Page 1 of 2" in first
    second = page_text(client.get(f"{URL}?question=q9&page=2"))
    assert second.count('name="answer"') == 10
    assert "Ответ №59" in second


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert client.post(URL, data={}).status_code in (302, 400)


def test_saving_without_csrf_token_is_refused(app, make_respondent, signed_in, client):
    make_respondent("ru").complete(RU_ANSWERS)
    q8 = answer_id(app, "q8")
    response = client.post(URL, data={"answer": str(q8), f"t-{q8}": "No token", f"was-{q8}": ""})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalars(select(Translation)).all() == []


def test_staff_navigation_links_to_translations(signed_in, client):
    body = client.get(URL).get_data(as_text=True)
    assert 'href="/results/translations"' in body
