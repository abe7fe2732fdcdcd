"""Password guessing is slowed down per address and per account; nobody can lock anyone out.

An attack run sent 12 wrong passwords for admin@ from one address; the real admin's correct
password then got 429 from another: a per-e-mail limit is a lockout anyone can trigger.
And behind the README's reverse proxy every client shared the proxy's address.
Following OWASP: a hard limit per address, and per account a slowdown, never a refusal.
"""

from __future__ import annotations

import time

import pytest

from survey import create_app
from survey.extensions import db
from tests.conftest import _test_config, csrf_token_from

ATTACKER, OWNER = "203.0.113.66", "198.51.100.7"
PRODUCTION_LIMITS = {
    "LOGIN_RATE_LIMIT": "10 per minute;50 per hour",
    "LOGIN_ACCOUNT_FAILURES": "5 per 15 minutes",
    "LOGIN_MAX_DELAY": 3.0,
}


@pytest.fixture
def waits(monkeypatch) -> list[float]:
    """Waits of a tenth of a second or more are recorded instead of slept."""
    recorded: list[float] = []
    real_sleep = time.sleep

    def sleep(seconds: float) -> None:
        if seconds >= 0.1:
            recorded.append(seconds)
        else:
            real_sleep(seconds)

    monkeypatch.setattr(time, "sleep", sleep)
    return recorded


def sign_in(client, email: str, password: str, headers=None, address: str | None = None):
    environ = {"REMOTE_ADDR": address} if address else {}
    page = client.get("/login", headers=headers, environ_base=environ)
    return client.post(
        "/login",
        data={
            "email": email,
            "password": password,
            "csrf_token": csrf_token_from(page.get_data(as_text=True)),
        },
        headers=headers,
        environ_base=environ,
    )


def test_an_attacker_elsewhere_cannot_lock_out_a_correct_sign_in(app, make_user, waits):
    app.config.update(PRODUCTION_LIMITS)
    make_user("admin@example.org", "admin", password="the real admin password")
    attacker = app.test_client()

    guesses = [
        sign_in(attacker, "admin@example.org", f"guess {n}", address=ATTACKER).status_code
        for n in range(12)
    ]
    owner = sign_in(
        app.test_client(), "admin@example.org", "the real admin password", address=OWNER
    )

    assert guesses[:10] == [200] * 10, "wrong passwords are answered as such"
    assert guesses[10:] == [429, 429], "then the attacker's address is refused"
    assert owner.status_code == 302, "the owner signs in from elsewhere"
    assert owner.headers["Location"] == "/results/"
    assert waits and max(waits) <= 3.0, "the account was slowed down, not locked"


def test_an_accounts_failures_slow_it_down_until_its_owner_signs_in(app, make_user, waits):
    app.config.update({**PRODUCTION_LIMITS, "LOGIN_RATE_LIMIT": "1000 per minute"})
    make_user("member@example.org", password="correct horse battery")
    addresses = (f"192.0.2.{n}" for n in range(1, 100))  # a guesser with many addresses

    for _attempt in range(5):
        sign_in(app.test_client(), "member@example.org", "wrong", address=next(addresses))
    assert waits == [], "a few typing mistakes cost nothing"
    for _attempt in range(5):
        sign_in(app.test_client(), "member@example.org", "wrong", address=next(addresses))
    assert waits == [0.5, 1.0, 2.0, 3.0, 3.0], "then each guess waits longer, up to 3 s"

    signed_in = sign_in(app.test_client(), "member@example.org", "correct horse battery")
    assert signed_in.status_code == 302
    waits.clear()
    sign_in(app.test_client(), "member@example.org", "one more typo")
    assert waits == [], "after the owner signed in, the count starts again"


def test_unknown_emails_are_slowed_down_alike(app, waits):
    """Otherwise the slowdown itself would tell which e-mails have an account."""
    app.config.update({**PRODUCTION_LIMITS, "LOGIN_RATE_LIMIT": "1000 per minute"})
    for _attempt in range(6):
        assert sign_in(app.test_client(), "nobody@example.org", "guess").status_code == 200
    assert waits == [0.5]


def test_one_address_is_limited_whatever_emails_it_tries(app, make_user, waits):
    app.config.update(PRODUCTION_LIMITS)
    client = app.test_client()
    statuses = [
        sign_in(client, f"person{n}@example.org", "guess", address=ATTACKER).status_code
        for n in range(11)
    ]
    assert statuses == [200] * 10 + [429]


@pytest.fixture
def app_behind_proxy(app, database_uri):
    """The app as deployed behind one reverse proxy that sets X-Forwarded-For."""
    proxied = create_app({**_test_config(database_uri), **PRODUCTION_LIMITS, "PROXY_FIX_X_FOR": 1})
    yield proxied
    with proxied.app_context():
        db.engine.dispose()


def test_behind_a_proxy_the_forwarded_client_address_is_what_is_limited(app_behind_proxy, waits):
    client = app_behind_proxy.test_client()
    proxy = "127.0.0.1"

    def through_proxy(client_address: str) -> int:
        headers = {"X-Forwarded-For": client_address}
        return sign_in(client, "x@example.org", "guess", headers, address=proxy).status_code

    assert [through_proxy(ATTACKER) for _ in range(11)] == [200] * 10 + [429]
    assert through_proxy(OWNER) == 200, "another client behind the same proxy is not limited"


def test_without_a_configured_proxy_a_forged_forwarded_header_changes_nothing(app, waits):
    app.config.update(PRODUCTION_LIMITS)
    client = app.test_client()
    statuses = [
        sign_in(
            client, "x@example.org", "guess", {"X-Forwarded-For": f"10.0.0.{n}"}, address=ATTACKER
        ).status_code
        for n in range(11)
    ]
    assert statuses[-1] == 429
