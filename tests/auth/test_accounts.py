"""Working-group accounts and API tokens, managed from the command line."""

import pytest
from sqlalchemy import select

from survey.extensions import db
from survey.models import ApiToken, User

RUSSIAN_OPERATOR = {"LANG": "ru_RU.UTF-8"}


def test_create_user_asks_for_the_password_on_stdin_and_stores_only_a_hash(app, runner, auth):
    result = runner.invoke(
        args=["create-user", "Analyst@Example.org", "--role", "admin", "--password-stdin"],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User))
        assert (user.email, user.role) == ("analyst@example.org", "admin")
        assert "a long enough password" not in user.password_hash
    assert auth.login("analyst@example.org", "a long enough password").status_code == 302


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (
            ["create-user", "short@example.org", "--password-stdin"],
            "short\n",
            "at least 10 characters",
        ),
        (
            ["create-user", "not-an-email", "--password-stdin"],
            "long enough password\n",
            "e-mail address",
        ),
        (
            ["create-user", "x@example.org", "--role", "root", "--password-stdin"],
            "long enough password\n",
            "root",
        ),
    ],
)
def test_create_user_refuses_weak_or_malformed_input(runner, args, password, message):
    result = runner.invoke(args=args, input=password)
    assert result.exit_code != 0
    assert message in result.output


def test_a_user_cannot_be_created_twice(runner, make_user):
    make_user("twice@example.org")
    result = runner.invoke(
        args=["create-user", "twice@example.org", "--password-stdin"], input="long enough pw\n"
    )
    assert result.exit_code != 0
    assert "already exists" in result.output


def test_a_token_is_printed_alone_on_the_last_line_stored_hashed_and_revocable(
    app, runner, client, make_user
):
    user = make_user("script@example.org")
    result = runner.invoke(args=["create-token", user.email])
    token = result.output.strip().splitlines()[-1]
    assert result.exit_code == 0 and token.startswith("sv_") and " " not in token
    with app.app_context():
        stored = db.session.scalar(select(ApiToken))
        assert token not in (stored.token_hash, stored.prefix)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/results", headers=headers).status_code == 200

    listing = runner.invoke(args=["list-tokens", user.email])
    assert token[:10] in listing.output and "active" in listing.output
    revoked = runner.invoke(args=["revoke-token", token])
    assert revoked.exit_code == 0, revoked.output
    assert client.get("/api/results", headers=headers).status_code == 401


@pytest.mark.parametrize(
    ("environment", "confirmation"),
    [
        ({}, "Created admin analyst@example.org."),
        ({"LANG": "C"}, "Created admin analyst@example.org."),
        (RUSSIAN_OPERATOR, "Создана учётная запись analyst@example.org с ролью admin."),
    ],
)
def test_create_user_confirms_in_the_operators_language(runner, environment, confirmation):
    result = runner.invoke(
        args=["create-user", "analyst@example.org", "--role", "admin", "--password-stdin"],
        input="a long enough password\n",
        env=environment,
    )
    assert result.exit_code == 0, result.output
    assert confirmation in result.output


def test_a_russian_operator_is_told_in_russian_why_an_account_was_refused(runner, make_user):
    make_user("twice@example.org")
    taken = runner.invoke(
        args=["create-user", "twice@example.org", "--password-stdin"],
        input="long enough pw\n",
        env=RUSSIAN_OPERATOR,
    )
    assert taken.exit_code != 0
    assert "Учётная запись с адресом twice@example.org уже существует." in taken.output
    short = runner.invoke(
        args=["create-user", "short@example.org", "--password-stdin"],
        input="short\n",
        env=RUSSIAN_OPERATOR,
    )
    assert short.exit_code != 0
    assert "Пароль должен содержать не менее 10 символов." in short.output


def test_a_russian_operator_manages_tokens_in_russian(app, runner, make_user):
    user = make_user("script@example.org")
    created = runner.invoke(args=["create-token", user.email], env=RUSSIAN_OPERATOR)
    assert created.exit_code == 0, created.output
    notice, token = created.output.strip().splitlines()
    assert notice == (
        "Токен для script@example.org (показывается только один раз; "
        "сохраните его в надёжном месте):"
    )
    assert token.startswith("sv_")  # still alone on the last line, for scripts

    listing = runner.invoke(args=["list-tokens", user.email], env=RUSSIAN_OPERATOR)
    assert listing.output.endswith("действует\n")
    revoked = runner.invoke(args=["revoke-token", token], env=RUSSIAN_OPERATOR)
    assert f"Токен {token[:10]}… учётной записи script@example.org отозван." in revoked.output
    listing = runner.invoke(args=["list-tokens", user.email], env=RUSSIAN_OPERATOR)
    assert "  отозван " in listing.output
    again = runner.invoke(args=["revoke-token", token], env=RUSSIAN_OPERATOR)
    assert again.exit_code != 0
    assert "Подходящий действующий токен не найден." in again.output


def test_signing_in_is_throttled(app, make_user):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    make_user("slow@example.org")
    client = app.test_client()
    from tests.conftest import AuthActions

    statuses = [
        AuthActions(client).login("slow@example.org", "wrong").status_code for _ in range(5)
    ]
    assert statuses[:3] == [200, 200, 200]
    assert 429 in statuses[3:]


def test_a_wrong_password_says_so_without_revealing_which_part_was_wrong(auth, make_user):
    make_user("known@example.org")
    html = auth.login("known@example.org", "wrong password").get_data(as_text=True)
    assert "The e-mail or password is not correct." in html
    html = auth.login("unknown@example.org", "wrong password").get_data(as_text=True)
    assert "The e-mail or password is not correct." in html


def test_sign_in_sends_back_only_to_local_pages(auth, client, make_user):
    make_user()
    page = client.get("/login?next=https://evil.example/")
    from tests.conftest import csrf_token_from

    response = client.post(
        "/login?next=https://evil.example/",
        data={
            "email": "viewer@example.org",
            "password": "correct horse battery",
            "csrf_token": csrf_token_from(page.get_data(as_text=True)),
        },
    )
    assert response.location == "/results/"
