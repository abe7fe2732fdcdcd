"""`?next=` never sends a browser to another site.

Two endpoints take a `next` address: the language choice of pages without a language in
their URL (`/locale/<lang>?next=`, no sign-in needed) and the sign-in page
(`/login?next=`, followed after a successful sign-in). An attacker who can make a
working-group member follow a link to either must not be able to send them on to a look-alike
site: every way of spelling "another host" falls back to the default page.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.conftest import csrf_token_from

OFF_SITE = [
    "//evil.example",
    "///evil.example",
    "////evil.example",
    "/////evil.example/results/",
    "/\\evil.example",
    "\\/evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    " //evil.example",
    "/ /evil.example",
    "/\x00/evil.example",
    "/%2Fevil.example",
    "/%2fevil.example",
    "%2F%2Fevil.example",
    "/%5Cevil.example",
    "/%5cevil.example",
    "/%09/evil.example",
    "/%0A/evil.example",
    "/%252Fevil.example",
    "/%25252F%25252Fevil.example",
    "javascript:alert(document.domain)",
    "JaVaScRiPt:alert(1)",
    "/javascript:alert(1)//%0a",
    "data:text/html,<script>alert(1)</script>",
    "http://evil.example/",
    "https:evil.example",
    "https:/evil.example",
    "evil.example",
    "@evil.example",
]


def assert_stays_on_site(location: str, expected_path: str) -> None:
    parts = urlsplit(location)
    assert not parts.scheme and not parts.netloc, location
    assert location == expected_path, location


@pytest.mark.parametrize("target", OFF_SITE)
def test_choosing_a_language_never_leaves_the_site(client, target):
    response = client.get("/locale/ru", query_string={"next": target})

    assert response.status_code == 302
    assert_stays_on_site(response.headers["Location"], "/")


@pytest.mark.parametrize("target", OFF_SITE)
def test_signing_in_never_leaves_the_site(client, make_user, target):
    make_user("member@example.org")
    page = client.get("/login", query_string={"next": target})
    response = client.post(
        "/login",
        query_string={"next": target},
        data={
            "email": "member@example.org",
            "password": "correct horse battery",
            "csrf_token": csrf_token_from(page.get_data(as_text=True)),
        },
    )

    assert response.status_code == 302
    assert_stays_on_site(response.headers["Location"], "/results/")


def test_a_member_sent_to_sign_in_comes_back_to_the_page_they_asked_for(client, make_user):
    make_user("member@example.org")
    asked = client.get("/results/?lang=ru&q2=yes")
    assert asked.status_code == 302
    login_url = asked.headers["Location"]
    page = client.get(login_url)
    response = client.post(
        login_url,
        data={
            "email": "member@example.org",
            "password": "correct horse battery",
            "csrf_token": csrf_token_from(page.get_data(as_text=True)),
        },
    )

    assert response.headers["Location"] == "/results/?lang=ru&q2=yes"


def test_the_language_switcher_returns_to_the_same_page(client):
    response = client.get("/locale/ru", query_string={"next": "/results/?compare=q2"})

    assert response.headers["Location"] == "/results/?compare=q2"
