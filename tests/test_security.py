"""Protocol details the attack run found missing: `Allow` on 405, `no-store` on staff pages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey.extensions import db
from survey.models import Response


@pytest.mark.parametrize(
    ("method", "url", "allowed"),
    [
        ("POST", "/en/thanks", {"GET", "HEAD", "OPTIONS"}),
        ("GET", "/en/new", {"POST", "OPTIONS"}),
        ("PUT", "/results/translations", {"GET", "HEAD", "OPTIONS", "POST"}),
        ("DELETE", "/api/results", {"GET", "HEAD", "OPTIONS"}),
        ("POST", "/export/responses.csv", {"GET", "HEAD", "OPTIONS"}),
    ],
)
def test_a_method_not_allowed_says_which_are(client, method, url, allowed):
    response = client.open(url, method=method)

    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == allowed


@pytest.fixture
def signed_in_admin(client, auth, make_user, make_respondent):
    make_respondent("en").complete({"q2": "yes", "q8": "A partnership with the archive."})
    make_user("admin@example.org", "admin")
    assert auth.login("admin@example.org").status_code == 302
    return client


STAFF_PAGES = [
    "/results/",
    "/results/?compare=q2",
    "/results/answers/q8",
    "/results/translations",
    "/results/coding/",
    "/results/coding/q9",
    "/results/coding/q9/agreement",
    "/export/",
    "/api/results",
    "/api/version",
    "/api/coding/q9/categories",
    "/api/coding/q9/answers",
]


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_working_group_pages_are_never_stored_by_the_browser(app, signed_in_admin, url):
    response = signed_in_admin.get(url)

    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]


def test_a_response_with_its_contact_details_is_never_stored(app, signed_in_admin, auth):
    with app.app_context():
        uuid = db.session.scalar(select(Response.uuid))
    page = signed_in_admin.get(f"/results/responses/{uuid}")
    assert "no-store" in page.headers["Cache-Control"]
    from tests.conftest import csrf_token_from

    token = csrf_token_from(page.get_data(as_text=True))
    shown = signed_in_admin.post(
        f"/results/responses/{uuid}", data={"csrf_token": token, "action": "show_contact"}
    )
    assert shown.status_code == 200
    assert "no-store" in shown.headers["Cache-Control"]


def test_the_sign_in_page_is_never_stored(client):
    assert "no-store" in client.get("/login").headers["Cache-Control"]
