"""A working-group session ends when it should, and then nothing can revive it.

Sessions are signed cookies. Before, a copy of the cookie taken before signing out (from a
shared computer, a proxy log, a stolen laptop's browser profile) kept working for the
cookie's 90 days. Now signing out, a new password, another role or disabling the account
ends every session of that account, and a session also ends after a while without use and a
while after signing in, however busy.
"""

from __future__ import annotations

import pytest

from tests.conftest import AuthActions, csrf_token_from

HOUR = 3600


def signed_in(app, email: str = "member@example.org"):
    client = app.test_client()
    assert AuthActions(client).login(email).status_code == 302
    return client


def copy_of_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def browser_with_cookie(app, value: str):
    client = app.test_client()
    client.set_cookie("session", value)
    return client


def assert_signed_out(client) -> None:
    page = client.get("/results/")
    assert page.status_code == 302
    assert page.headers["Location"].startswith("/login")
    api = client.get("/api/results")
    assert api.status_code == 401
    assert api.get_json()["error"] == "unauthorized"


def test_a_cookie_copied_before_signing_out_is_worth_nothing_afterwards(app, make_user):
    make_user("member@example.org", "admin")
    member = signed_in(app)
    copied = copy_of_cookie(member)
    assert browser_with_cookie(app, copied).get("/results/").status_code == 200

    assert AuthActions(member).logout().status_code == 302

    assert_signed_out(browser_with_cookie(app, copied))
    assert_signed_out(member)


def test_signing_out_signs_the_account_out_on_every_device(app, make_user):
    make_user("member@example.org")
    laptop, phone = signed_in(app), signed_in(app)

    AuthActions(laptop).logout()

    assert_signed_out(phone)
    assert signed_in(app).get("/results/").status_code == 200, "signing in again works"


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (["set-password", "member@example.org"], "a brand new password\n"),
        (["set-role", "member@example.org", "viewer"], None),
        (["disable-user", "member@example.org"], None),
    ],
    ids=["new password", "new role", "disabled"],
)
def test_an_account_change_ends_its_sessions(app, runner, make_user, args, stdin):
    make_user("member@example.org", "analyst")
    member = signed_in(app)
    copied = copy_of_cookie(member)

    result = runner.invoke(args=args, input=stdin)
    assert result.exit_code == 0, result.output

    assert_signed_out(member)
    assert_signed_out(browser_with_cookie(app, copied))


def test_a_disabled_account_cannot_sign_in_nor_use_its_tokens(app, runner, make_user, make_token):
    user = make_user("member@example.org")
    with app.app_context():
        token = make_token(user)
    bearer = {"Authorization": f"Bearer {token}"}
    script, browser = app.test_client(), app.test_client()
    assert script.get("/api/results", headers=bearer).status_code == 200

    runner.invoke(args=["disable-user", "member@example.org"])

    assert AuthActions(browser).login("member@example.org").status_code == 200
    assert script.get("/api/results", headers=bearer).status_code == 401
    runner.invoke(args=["enable-user", "member@example.org"])
    assert script.get("/api/results", headers=bearer).status_code == 200
    assert AuthActions(browser).login("member@example.org").status_code == 302


@pytest.fixture
def clock(monkeypatch):
    """The sessions' clock, moved by hand: `clock.advance(seconds)`."""
    from survey.auth import sessions

    class Clock:
        now = 1_900_000_000.0

        def advance(self, seconds: float) -> None:
            self.now += seconds

    clock = Clock()
    monkeypatch.setattr(sessions, "now", lambda: clock.now)
    return clock


def test_a_session_left_alone_ends_after_the_idle_timeout(app, make_user, clock):
    app.config.update(STAFF_SESSION_IDLE_TIMEOUT=2 * HOUR, STAFF_SESSION_LIFETIME=8 * HOUR)
    make_user("member@example.org")
    member = signed_in(app)

    for _hour in range(3):  # in use: every 110 minutes, for over five hours
        clock.advance(110 * 60)
        assert member.get("/results/").status_code == 200
    clock.advance(2 * HOUR + 1)

    ended = member.get("/results/", follow_redirects=True)
    assert "Your session has ended. Please sign in again." in ended.get_data(as_text=True)
    assert_signed_out(member)


def test_a_session_ends_after_its_lifetime_however_busy(app, make_user, clock):
    app.config.update(STAFF_SESSION_IDLE_TIMEOUT=2 * HOUR, STAFF_SESSION_LIFETIME=8 * HOUR)
    make_user("member@example.org")
    member = signed_in(app)

    for _half_hour in range(15):  # 7.5 hours of work
        clock.advance(HOUR / 2)
        assert member.get("/api/version").status_code == 200
    clock.advance(HOUR / 2 + 1)

    assert_signed_out(member)


def test_a_respondents_resume_cookie_is_not_a_working_group_session(respondent, clock):
    respondent.start()
    respondent.answer(1, {"q2": "no"})
    clock.advance(30 * 24 * HOUR)

    page = respondent.client.get("/en/page/1")

    assert page.status_code == 200
    assert 'value="no" checked' in page.get_data(as_text=True)


def test_signing_out_twice_or_without_a_session_is_harmless(client, make_user):
    make_user("member@example.org")
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
