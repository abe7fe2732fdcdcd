"""A member names the dashboard's filters and comparison; the whole working group sees the
saved views. Saving and deleting change what everyone sees: analysts and admins may, viewers
may not (403, the project's rule that a viewer only reads), and each needs the CSRF token.
"""

from __future__ import annotations

import pytest

from tests.conftest import AuthActions, csrf_token_from
from tests.results.test_dashboard import Page


@pytest.fixture
def members(app, make_user):
    """A signed-in browser per role: viewer, two analysts, admin."""
    browsers = {}
    for email, role in (
        ("viewer@example.org", "viewer"),
        ("ana@example.org", "analyst"),
        ("boris@example.org", "analyst"),
        ("admin@example.org", "admin"),
    ):
        make_user(email, role)
        client = app.test_client()
        assert AuthActions(client).login(email).status_code == 302
        browsers[email.split("@")[0]] = client
    return browsers


def save(client, name: str, query: str, with_token: bool = True):
    page = client.get(f"/results/?{query}" if query else "/results/")
    data = {"name": name, "query": query}
    if with_token:
        data["csrf_token"] = csrf_token_from(page.get_data(as_text=True))
    return client.post("/results/views", data=data)


def listed(client) -> dict[str, str]:
    page = Page(client.get("/results/").get_data(as_text=True))
    return {
        item["data-view"]: next(
            a["href"] for a in page.find_all("a") if a.text == item["data-view"]
        )
        for item in page.find_all("li")
        if item.get("data-view")
    }


def test_an_analyst_saves_a_view_that_everyone_opens(members):
    saved = save(members["ana"], "Members by country", "q2=yes&compare=q3&group_below=5")
    assert saved.status_code == 302
    assert saved.location == "/results/?q2=yes&compare=q3&group_below=5"
    for who in ("viewer", "boris", "admin"):
        assert listed(members[who]) == {
            "Members by country": "/results/?q2=yes&compare=q3&group_below=5"
        }
    # A view keeps the filters as read: several values, dates; the page's sorting does not.
    save(members["ana"], "Two types", "q1=public,academic&submitted_from=2026-11-01&sort_q14=first")
    assert listed(members["viewer"])["Two types"] == (
        "/results/?q1=public&q1=academic&submitted_from=2026-11-01"
    )


def test_a_viewer_cannot_save_or_delete_and_nobody_without_the_token(members, app):
    assert save(members["viewer"], "Mine", "q2=yes").status_code == 403
    assert save(members["ana"], "No token", "q2=yes", with_token=False).status_code == 400
    assert listed(members["admin"]) == {}
    save(members["ana"], "Kept", "q2=no")
    view_id = _view_id(app, "Kept")
    page = members["viewer"].get("/results/").get_data(as_text=True)
    token = csrf_token_from(page)
    refused = members["viewer"].post(f"/results/views/{view_id}/delete", data={"csrf_token": token})
    assert refused.status_code == 403
    assert "Kept" in listed(members["admin"])


def test_only_the_author_or_an_admin_deletes_a_view(members, app):
    save(members["ana"], "Ana's", "q2=yes")
    view_id = _view_id(app, "Ana's")

    def delete(who: str):
        token = csrf_token_from(members[who].get("/results/").get_data(as_text=True))
        return members[who].post(
            f"/results/views/{view_id}/delete", data={"csrf_token": token, "back": "q2=yes"}
        )

    assert delete("boris").status_code == 403
    page = Page(members["boris"].get("/results/").get_data(as_text=True))
    assert not [f for f in page.find_all("form") if f.get("action", "").endswith("/delete")]
    deleted = delete("admin")
    assert deleted.status_code == 302 and deleted.location == "/results/?q2=yes"
    assert listed(members["ana"]) == {}
    assert delete("admin").status_code == 404


def test_a_name_taken_or_missing_or_a_bad_filter_is_explained_and_kept(members):
    save(members["ana"], "Members", "q2=yes")
    again = save(members["boris"], "members", "q2=no")
    assert again.status_code == 400
    page = Page(again.get_data(as_text=True))
    assert "There is already a view called “members”." in page.one("p", id="view-name-error").text
    assert page.one("input", id="view-name")["value"] == "members"
    assert "open" in page.one("details", id="views-panel").attrs
    assert save(members["boris"], "   ", "q2=no").status_code == 400
    bad = save(members["boris"], "Broken", "q99=yes")
    assert bad.status_code == 400 and "no question “q99”" in bad.get_data(as_text=True)
    assert set(listed(members["viewer"])) == {"Members"}


def _view_id(app, name: str) -> int:
    from sqlalchemy import select

    from survey.extensions import db
    from survey.models import SavedView

    with app.app_context():
        return int(db.session.scalar(select(SavedView.id).where(SavedView.name == name)))
