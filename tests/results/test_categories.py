"""The working group codes open answers into categories and sees how many fall in each."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select, text
from werkzeug.datastructures import MultiDict

from survey.extensions import db
from survey.models import Answer, AnswerCategory, Category, Response
from tests.conftest import csrf_token_from

URL = "/results/categories"
Q9 = {
    "en_money": "Financing is the main challenge; we have not resolved it yet.",
    "en_staff": "Lack of money and of trained staff to run joint programmes.",
    "ru_staff": "Не хватает квалифицированных кадров для совместных проектов.",
}


@pytest.fixture(autouse=True)
def clean_categories(app):
    """The shared fixtures empty the original tables; the coding tables are emptied here."""
    yield
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM answer_categories"))
            conn.execute(text("DELETE FROM categories"))
        db.engine.dispose()


@pytest.fixture
def answers(make_respondent):
    make_respondent("en").complete({"q9": Q9["en_money"], "q17_name": "Jane Doe"})
    make_respondent("en").complete({"q9": Q9["en_staff"]})
    make_respondent("ru").complete({"q9": Q9["ru_staff"], "q8": "Библионочь"})
    make_respondent("en").complete({"q8": "Summer reading"})  # no q9


@pytest.fixture
def signed_in(make_user, auth):
    user = make_user("coder@example.org", "analyst")
    auth.login("coder@example.org")
    return user


def body_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def answer_id(app, text_: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Answer.id).where(Answer.text == text_))


def category_id(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Category.id).where(Category.name_en == name))


def create(client, name_en: str, name_ru: str = "", question: str = "q9"):
    token = csrf_token_from(client.get(f"{URL}?question={question}").get_data(as_text=True))
    return client.post(
        f"{URL}?question={question}",
        data={"csrf_token": token, "action": "create", "name_en": name_en, "name_ru": name_ru},
    )


def coding_form(body: str) -> MultiDict:
    """The coding form as a browser would post it unchanged."""
    form = body[body.index('value="code"') :]
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)
    fields += re.findall(r'<input type="checkbox" name="([^"]+)" value="(\d+)" checked', form)
    token = csrf_token_from(body)
    return MultiDict([("csrf_token", token), ("action", "code"), *fields])


def tick(form: MultiDict, answer: int, category: int, on: bool = True) -> MultiDict:
    values = [v for v in form.getlist(f"c-{answer}") if v != str(category)]
    form.setlist(f"c-{answer}", values + ([str(category)] if on else []))
    return form


def counts_on_page(body: str) -> dict[str, int]:
    rows = re.findall(r'<tr data-category="\d+" data-count="(\d+)">\s*<td>([^<]+)<', body)
    return {name.strip(): int(count) for count, name in rows}


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(f"{URL}?question=q9")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_categories_are_created_and_answers_coded(app, answers, signed_in, client):
    assert create(client, "Financing", "Финансирование").status_code == 302
    assert create(client, "Staff and training").status_code == 302
    money, staff = category_id(app, "Financing"), category_id(app, "Staff and training")
    en_money, en_staff = answer_id(app, Q9["en_money"]), answer_id(app, Q9["en_staff"])
    ru_staff = answer_id(app, Q9["ru_staff"])

    page = client.get(f"{URL}?question=q9")
    body = body_of(page)
    assert all(text_ in body for text_ in Q9.values())
    assert "Summer reading" not in body and "Jane Doe" not in body
    assert counts_on_page(body) == {"Financing": 0, "Staff and training": 0}

    form = coding_form(page.get_data(as_text=True))
    for answer, category in ((en_money, money), (en_staff, money), (en_staff, staff)):
        tick(form, answer, category)
    tick(form, ru_staff, staff)
    saved = client.post(f"{URL}?question=q9", data=form)
    assert saved.status_code == 302

    body = body_of(client.get(f"{URL}?question=q9"))
    assert counts_on_page(body) == {"Financing": 2, "Staff and training": 2}
    assert "3 of 3 answers coded." in body
    with app.app_context():
        pairs = set(
            db.session.execute(select(AnswerCategory.answer_id, AnswerCategory.category_id))
        )
    assert pairs == {(en_money, money), (en_staff, money), (en_staff, staff), (ru_staff, staff)}

    # Unticking removes the coding.
    form = tick(
        coding_form(client.get(f"{URL}?question=q9").get_data(as_text=True)),
        en_staff,
        money,
        on=False,
    )
    assert client.post(f"{URL}?question=q9", data=form).status_code == 302
    assert counts_on_page(body_of(client.get(f"{URL}?question=q9"))) == {
        "Staff and training": 2,
        "Financing": 1,
    }


def test_counts_for_the_dashboard_follow_a_filter(app, answers, signed_in, client):
    from survey.open_answers import coding

    create(client, "Financing")
    create(client, "Staff and training")
    money, staff = category_id(app, "Financing"), category_id(app, "Staff and training")
    form = coding_form(client.get(f"{URL}?question=q9").get_data(as_text=True))
    tick(form, answer_id(app, Q9["en_money"]), money)
    tick(form, answer_id(app, Q9["en_staff"]), staff)
    tick(form, answer_id(app, Q9["ru_staff"]), staff)
    client.post(f"{URL}?question=q9", data=form)

    with app.app_context():
        everyone = {c.name_en: c.count for c in coding.category_counts("q9")}
        russian = select(Response.id).where(Response.language == "ru")
        in_russian = {c.name_en: c.count for c in coding.category_counts("q9", russian)}
        assert coding.coding_progress("q9") == (3, 3)
        assert coding.coding_progress("q9", russian) == (1, 1)
    assert everyone == {"Financing": 1, "Staff and training": 2}
    assert in_russian == {"Financing": 0, "Staff and training": 1}


def test_two_coders_do_not_undo_each_others_ticks(app, answers, make_user, signed_in, client):
    create(client, "Financing")
    money = category_id(app, "Financing")
    stale = coding_form(client.get(f"{URL}?question=q9").get_data(as_text=True))

    other = app.test_client()
    make_user("second@example.org", "analyst", password="another good password")
    login = other.get("/login").get_data(as_text=True)
    other.post(
        "/login",
        data={
            "email": "second@example.org",
            "password": "another good password",
            "csrf_token": csrf_token_from(login),
        },
    )
    theirs = coding_form(other.get(f"{URL}?question=q9").get_data(as_text=True))
    other.post(f"{URL}?question=q9", data=tick(theirs, answer_id(app, Q9["en_money"]), money))

    mine = tick(stale, answer_id(app, Q9["en_staff"]), money)
    assert client.post(f"{URL}?question=q9", data=mine).status_code == 302
    assert counts_on_page(body_of(client.get(f"{URL}?question=q9"))) == {"Financing": 2}


def test_duplicate_or_empty_names_are_refused_and_typed_text_kept(app, answers, signed_in, client):
    create(client, "Financing")
    duplicate = create(client, "financing", "Деньги")
    assert duplicate.status_code == 400
    body = body_of(duplicate)
    assert "already has a category called “financing”" in body
    assert 'value="Деньги"' in body
    assert create(client, "   ").status_code == 400
    # The same name may be used for another question.
    assert create(client, "Financing", question="q15").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Category)) == 2


def test_unused_category_can_be_deleted(app, answers, signed_in, client):
    create(client, "Typo categroy")
    page = client.get(f"{URL}?question=q9").get_data(as_text=True)
    response = client.post(
        f"{URL}?question=q9",
        data={
            "csrf_token": csrf_token_from(page),
            "action": "delete",
            "category": str(category_id(app, "Typo categroy")),
        },
    )
    assert response.status_code == 302
    assert counts_on_page(body_of(client.get(f"{URL}?question=q9"))) == {}


def test_russian_names_shown_to_russian_viewers(app, answers, signed_in, client):
    create(client, "Financing", "Финансирование")
    client.get("/locale/ru")
    assert "Финансирование" in body_of(client.get(f"{URL}?question=q9"))


def test_names_and_answers_are_escaped(app, make_respondent, signed_in, client):
    make_respondent("en").complete({"q9": "<script>alert(1)</script>"})
    create(client, "<img src=x onerror=alert(1)>")
    raw = client.get(f"{URL}?question=q9").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in raw
    assert "<img src=x" not in raw
    assert "&lt;img src=x onerror=alert(1)&gt;" in raw


def test_contact_details_cannot_be_coded(signed_in, client):
    assert client.get(f"{URL}?question=q17").status_code == 404
    assert client.get(f"{URL}?question=q3").status_code == 404


def test_posting_without_csrf_token_is_refused(app, answers, signed_in, client):
    response = client.post(f"{URL}?question=q9", data={"action": "create", "name_en": "No token"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalars(select(Category)).all() == []
