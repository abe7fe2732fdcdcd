"""Three roles: a viewer reads, an analyst also translates and codes, an admin does everything.

A viewer once could delete an admin's category (with its codings) and overwrite a
translation. Every change now needs the role that allows it; a viewer gets 403 and nothing
changes.
"""

from __future__ import annotations

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from survey import create_app
from survey.extensions import db
from survey.models import AccessLog, Answer, Coding, CodingCategory, Response, Translation, User
from tests.conftest import AuthActions, _test_config, csrf_token_from

RU_Q8 = "Вместе с администрацией района провели «Библионочь»."
EN_Q9 = "Financing is the main challenge; we have not resolved it yet."
ADMINS_TRANSLATION = "Together with the district administration we held a Library Night."
CODING = "/results/coding/q9"


@pytest.fixture
def coded_answers(app, make_respondent, make_user):
    """Two submitted responses; an admin has translated one answer and coded another."""
    make_respondent("ru").complete({"q8": RU_Q8, "q17_name": "Ирина Петрова"})
    make_respondent("en").complete({"q9": EN_Q9})
    make_user("admin@example.org", "admin")
    admin = signed_in_client(app, "admin@example.org")
    q8, q9 = answer_id(app, RU_Q8), answer_id(app, EN_Q9)
    assert post(admin, "/results/translations?to=en", translation_form(q8, ADMINS_TRANSLATION))
    assert post(admin, CODING, {"action": "create", "name_en": "Money", "code": "money"})
    money = category_id(app, "money")
    coding = {"action": "code", "answer": str(q9), f"was-{q9}": "", f"c-{q9}": str(money)}
    assert post(admin, CODING, coding)
    return {"q8": q8, "q9": q9, "money": money}


def signed_in_client(app, email: str):
    client = app.test_client()
    assert AuthActions(client).login(email).status_code == 302
    return client


def post(client, url: str, data: dict):
    """Post a form the way the page does (with the page's CSRF token); returns the response."""
    token = csrf_token_from(client.get("/results/").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def translation_form(answer: int, text_: str, was: str = "") -> dict:
    return {"answer": str(answer), f"t-{answer}": text_, f"was-{answer}": was}


def answer_id(app, text_: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Answer.id).where(Answer.text == text_))


def category_id(app, code: str) -> int | None:
    with app.app_context():
        return db.session.scalar(select(CodingCategory.id).where(CodingCategory.code == code))


def state(app) -> dict:
    """Everything a change could touch."""
    with app.app_context():
        return {
            "translations": db.session.execute(
                select(Translation.answer_id, Translation.text).order_by(Translation.id)
            ).all(),
            "categories": db.session.execute(
                select(CodingCategory.id, CodingCategory.code, CodingCategory.deleted_at).order_by(
                    CodingCategory.id
                )
            ).all(),
            "codings": db.session.execute(select(Coding.answer_id, Coding.category_id)).all(),
            "access_log": db.session.scalar(select(func.count()).select_from(AccessLog)),
        }


def response_uuid(app) -> str:
    with app.app_context():
        return db.session.scalar(select(Response.uuid).where(Response.language == "ru"))


# Every change a signed-in member can make in the browser, and the least role it needs.
CHANGES = {
    "overwrite a translation": (
        "analyst",
        lambda ids: (
            "/results/translations?to=en",
            translation_form(ids["q8"], "Wrong.", was=ADMINS_TRANSLATION),
        ),
    ),
    "translate into Russian": (
        "analyst",
        lambda ids: ("/results/translations?to=ru", translation_form(ids["q9"], "Финансы.")),
    ),
    "create a category": (
        "analyst",
        lambda ids: (CODING, {"action": "create", "name_en": "Staff"}),
    ),
    "delete a category with its codings": (
        "analyst",
        lambda ids: (CODING, {"action": "delete", "category": "money", "confirm": "1"}),
    ),
    "untick a coding": (
        "analyst",
        lambda ids: (
            CODING,
            {"action": "code", "answer": str(ids["q9"]), f"was-{ids['q9']}": str(ids["money"])},
        ),
    ),
    "see contact details": (
        "admin",
        lambda ids: ("/results/responses/{uuid}", {"action": "show_contact"}),
    ),
}
RANK = {"viewer": 0, "analyst": 1, "admin": 2}


@pytest.mark.parametrize("role", ["viewer", "analyst"])
@pytest.mark.parametrize("change", list(CHANGES))
def test_a_change_needs_the_role_that_allows_it(app, coded_answers, make_user, role, change):
    needed, build = CHANGES[change]
    url, data = build(coded_answers)
    url = url.format(uuid=response_uuid(app))
    make_user(f"{role}@example.org", role)
    member = signed_in_client(app, f"{role}@example.org")
    before = state(app)

    response = post(member, url, data)

    if RANK[role] >= RANK[needed]:
        assert response.status_code in (200, 302), response.get_data(as_text=True)[:500]
        assert state(app) != before, f"an {role} may {change}"
    else:
        assert response.status_code == 403
        assert state(app) == before, f"a {role} must not {change}"


def test_a_viewer_still_reads_the_translations_and_the_coding(app, coded_answers, make_user):
    make_user("viewer@example.org", "viewer")
    viewer = signed_in_client(app, "viewer@example.org")

    translations = viewer.get("/results/translations?to=en&show=all")
    coding = viewer.get(CODING)

    assert translations.status_code == 200
    assert ADMINS_TRANSLATION in translations.get_data(as_text=True)
    assert coding.status_code == 200
    assert "Money" in coding.get_data(as_text=True)


def test_the_operator_creates_an_analyst_and_changes_roles(app, runner):
    created = runner.invoke(
        args=["create-user", "analyst@example.org", "--role", "analyst", "--password-stdin"],
        input="a long enough password\n",
    )
    assert created.exit_code == 0, created.output
    assert "Created analyst analyst@example.org." in created.output

    changed = runner.invoke(args=["set-role", "analyst@example.org", "viewer"])
    assert changed.exit_code == 0, changed.output
    assert "analyst@example.org now has the role viewer." in changed.output
    refused = runner.invoke(args=["set-role", "analyst@example.org", "root"])
    assert refused.exit_code != 0
    with app.app_context():
        assert db.session.scalar(select(User.role)) == "viewer"


def test_the_database_refuses_an_unknown_role(app, make_user):
    make_user("someone@example.org", "analyst")
    with app.app_context(), pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE users SET role = 'root'"))
        db.session.commit()


def test_upgrading_keeps_every_account_and_token(tmp_path):
    """On SQLite the role constraint changes without rebuilding `users`, whose removal would
    delete every API token through ON DELETE CASCADE."""
    uri = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    app = create_app(_test_config(uri))
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision="e7a1c4d2b9f0")
        db.session.execute(
            text(
                "INSERT INTO users (id, email, password_hash, role, created_at) "
                "VALUES (1, 'a@x.org', 'h', 'admin', '2026-11-30 12:00:00')"
            )
        )
        db.session.execute(
            text(
                "INSERT INTO api_tokens (user_id, token_hash, prefix, created_at) "
                "VALUES (1, 'hash', 'sv_abc', '2026-11-30 12:00:00')"
            )
        )
        db.session.commit()
        upgrade(directory=directory)
        assert db.session.execute(text("SELECT email, role FROM users")).all() == [
            ("a@x.org", "admin")
        ]
        assert db.session.execute(text("SELECT prefix FROM api_tokens")).all() == [("sv_abc",)]
        db.session.execute(text("UPDATE users SET role = 'analyst'"))
        db.session.commit()
        db.engine.dispose()
