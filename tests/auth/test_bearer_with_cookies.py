"""An API client that keeps cookies (a `requests.Session`) is served by its bearer token.

Such a client gets a session cookie holding only a CSRF token as soon as it opens one HTML
page. Flask-Login's "strong" session protection treated that session as stolen and signed
the request out before the bearer token was read: 401.
"""

from __future__ import annotations


def test_a_bearer_token_works_next_to_a_session_cookie_without_a_sign_in(
    app, make_user, make_token
):
    user = make_user("script@example.org")
    with app.app_context():
        token = make_token(user)
    script = app.test_client()
    script.get("/login")  # an HTML page: the cookie jar now holds a CSRF-only session
    assert script.get_cookie("session") is not None

    for url in ("/api/results", "/api/version", "/export/codebook.csv"):
        response = script.get(url, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, url


def test_a_session_made_in_another_browser_is_still_refused(app, make_user):
    """Strong protection stays for signed-in sessions: a cookie replayed from another
    address and browser is signed out."""
    make_user("member@example.org")
    from tests.conftest import AuthActions

    member = app.test_client()
    assert AuthActions(member).login("member@example.org").status_code == 302
    cookie = member.get_cookie("session").value

    elsewhere = app.test_client()
    elsewhere.set_cookie("session", cookie)
    response = elsewhere.get(
        "/results/",
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
        headers={"User-Agent": "Another browser/1.0"},
    )

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
