"""Accounts and tokens in the browser: an admin invites, creates with a one-time password,
changes roles, disables and enables; every member changes their own password and manages
their own API tokens. Nobody else changes anything: a viewer or analyst gets 403 on every
change of the console and of the exclusions. Every change is in the audit log.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

import survey.models
from survey.extensions import db
from survey.models import AccessLog, User
from tests.conftest import AuthActions, csrf_of

PASSWORD = "correct horse battery"


@pytest.fixture
def admin(member):
    return member("admin")


def add_account(admin, email: str, role: str, method: str):
    token = csrf_of(admin, "/console/accounts")
    return admin.post(
        "/console/accounts",
        data={"csrf_token": token, "email": email, "role": role, "method": method},
    )


def account_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def change(admin, app, email: str, action: str, **fields):
    token = csrf_of(admin, "/console/accounts")
    return admin.post(
        f"/console/accounts/{account_id(app, email)}",
        data={"csrf_token": token, "action": action, **fields},
    )


def shown(response, marker: str) -> str:
    """The link or password the page shows once."""
    body = html.unescape(response.get_data(as_text=True))
    match = re.search(rf"{marker}><code>([^<]+)</code>", body)
    assert match, body[-2000:]
    return match.group(1)


def audit(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        entries = db.session.scalars(select(AccessLog).order_by(AccessLog.id)).all()
        return [(e.user_email, e.action, e.detail) for e in entries]


# --------------------------------------------------------------------------- invitations


def test_an_invited_member_chooses_a_password_once_and_is_signed_in(app, admin):
    created = add_account(admin, "New.Member@Example.org", "analyst", "invitation")
    assert created.status_code == 200
    link = shown(created, "data-invitation-link")
    path = link[link.index("/invitation/") :]
    assert "new.member@example.org" in admin.get("/console/accounts").get_data(as_text=True)

    newcomer = app.test_client()
    page = newcomer.get(path)
    assert page.status_code == 200 and "new.member@example.org" in page.get_data(as_text=True)
    token = csrf_of(newcomer, path)
    mismatch = newcomer.post(
        path,
        data={"csrf_token": token, "new_password": PASSWORD, "repeat_password": "other one!!"},
    )
    assert mismatch.status_code == 400
    assert "not the same" in mismatch.get_data(as_text=True)
    short = newcomer.post(
        path, data={"csrf_token": token, "new_password": "short", "repeat_password": "short"}
    )
    assert "at least 10 characters" in short.get_data(as_text=True)
    accepted = newcomer.post(
        path, data={"csrf_token": token, "new_password": PASSWORD, "repeat_password": PASSWORD}
    )
    assert accepted.status_code == 302
    assert newcomer.get("/results/").status_code == 200  # signed in
    # The link works once.
    assert app.test_client().get(path).status_code == 404
    assert AuthActions(app.test_client()).login("new.member@example.org").status_code == 302
    actions = [action for _who, action, _detail in audit(app)]
    assert actions[-2:] == ["invite_account", "accept_invitation"]


def test_an_expired_invitation_is_refused_and_a_new_link_replaces_it(app, admin, monkeypatch):
    first = shown(
        add_account(admin, "late@example.org", "viewer", "invitation"), "data-invitation-link"
    )
    later = survey.models.utcnow() + timedelta(days=8)
    monkeypatch.setattr(survey.models, "utcnow", lambda: later)
    assert app.test_client().get(first[first.index("/invitation/") :]).status_code == 404
    assert "Invitation expired" in admin.get("/console/accounts").get_data(as_text=True)
    monkeypatch.undo()
    renewed = shown(change(admin, app, "late@example.org", "invite"), "data-invitation-link")
    assert renewed != first
    assert app.test_client().get(first[first.index("/invitation/") :]).status_code == 404
    assert app.test_client().get(renewed[renewed.index("/invitation/") :]).status_code == 200


# --------------------------------------------------------------------------- one-time passwords


def test_a_one_time_password_must_be_changed_before_anything_else(app, admin):
    created = add_account(admin, "temp@example.org", "viewer", "password")
    password = shown(created, "data-one-time-password")
    member = app.test_client()
    signed_in = AuthActions(member).login("temp@example.org", password)
    assert signed_in.location == "/account"
    # Every other page leads back to choosing a password; the API says so.
    assert member.get("/results/").location == "/account"
    assert member.get("/export/").location == "/account"
    assert member.get("/api/results").status_code == 403

    token = csrf_of(member, "/account")
    wrong = member.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": "not it at all",
            "new_password": PASSWORD,
            "repeat_password": PASSWORD,
        },
    )
    assert wrong.status_code == 400 and "not correct" in wrong.get_data(as_text=True)
    changed = member.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": password,
            "new_password": PASSWORD,
            "repeat_password": PASSWORD,
        },
    )
    assert changed.status_code == 302
    assert member.get("/results/").status_code == 200  # still signed in, free to go on
    assert AuthActions(app.test_client()).login("temp@example.org", password).status_code == 200


def test_an_admin_resets_a_password_and_the_old_sessions_end(app, admin, member):
    viewer = member("viewer")
    reset = change(admin, app, "viewer@example.org", "reset_password")
    password = shown(reset, "data-one-time-password")
    assert viewer.get("/results/").status_code == 302  # signed out everywhere
    fresh = app.test_client()
    assert AuthActions(fresh).login("viewer@example.org", password).location == "/account"


# --------------------------------------------------------------------------- roles, disabling


def test_an_admin_changes_a_role_and_the_member_is_signed_out(app, admin, member):
    viewer = member("viewer")
    assert change(admin, app, "viewer@example.org", "role", role="analyst").status_code == 302
    assert viewer.get("/results/").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User.role).where(User.email == "viewer@example.org")) == (
            "analyst"
        )
    assert (
        "admin@example.org",
        "change_role",
        "account viewer@example.org; role viewer → analyst",
    ) in audit(app)


def test_a_disabled_member_cannot_sign_in_until_enabled(app, admin, member):
    member("analyst")
    assert change(admin, app, "analyst@example.org", "disable").status_code == 302
    assert AuthActions(app.test_client()).login("analyst@example.org").status_code == 200
    assert change(admin, app, "analyst@example.org", "enable").status_code == 302
    assert AuthActions(app.test_client()).login("analyst@example.org").status_code == 302


def test_the_last_admin_cannot_be_demoted_or_disabled(app, admin):
    for action, fields in (("role", {"role": "viewer"}), ("disable", {})):
        refused = change(admin, app, "admin@example.org", action, **fields)
        assert refused.status_code == 400
        assert "only active admin" in refused.get_data(as_text=True)
    assert admin.get("/console/").status_code == 200


def test_a_bad_new_account_is_refused_with_what_was_typed(admin):
    for email, message in (
        ("not-an-email", "e-mail address"),
        ("admin@example.org", "already exists"),
    ):
        refused = add_account(admin, email, "viewer", "invitation")
        body = refused.get_data(as_text=True)
        assert refused.status_code == 400
        assert message in body and f'value="{email}"' in body


def test_the_command_line_is_in_the_audit_log_too(app, runner):
    created = runner.invoke(
        args=["create-user", "cli@example.org", "--role", "analyst", "--password-stdin"],
        input=f"{PASSWORD}\n",
    )
    assert created.exit_code == 0
    who, action, detail = audit(app)[-1]
    assert who.startswith("cli:") and action == "create_account"
    assert detail == "account cli@example.org; role analyst"


# --------------------------------------------------------------------------- own tokens


@pytest.mark.parametrize("role", ["viewer", "analyst", "admin"])
def test_every_member_creates_and_revokes_their_own_tokens(app, member, role):
    client = member(role)
    token = csrf_of(client, "/account")
    created = client.post("/account/tokens", data={"csrf_token": token, "name": "R script"})
    assert created.status_code == 200
    secret = shown(created, "data-new-token")
    bearer = {"Authorization": f"Bearer {secret}"}
    assert app.test_client().get("/api/results", headers=bearer).status_code == 200
    listing = client.get("/account").get_data(as_text=True)
    assert "R script" in listing and secret[:10] in listing
    assert secret not in listing  # shown once only

    with app.app_context():
        token_id = db.session.scalar(select(survey.models.ApiToken.id))
    revoked = client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 302
    assert app.test_client().get("/api/results", headers=bearer).status_code == 401


def test_nobody_revokes_another_members_token(app, member, make_user, make_token):
    with app.app_context():
        make_token(make_user("other@example.org", "viewer"))
        token_id = db.session.scalar(select(survey.models.ApiToken.id))
    admin = member("admin")
    token = csrf_of(admin, "/account")
    assert (
        admin.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": token}).status_code
        == 404
    )


def test_a_member_changes_their_own_password_in_russian(app, member):
    viewer = member("viewer")
    viewer.get("/locale/ru")
    token = csrf_of(viewer, "/account")
    refused = viewer.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": PASSWORD,
            "new_password": "new long password",
            "repeat_password": "another long password",
        },
    )
    assert refused.status_code == 400
    assert "Пароли не совпадают" in refused.get_data(as_text=True)


# --------------------------------------------------------------------------- 403 everywhere

#: Every change of the console and of exclusions (the form fields do not matter: the role is
#: checked first).
CHANGES = [
    ("post", "/console/survey", {"action": "close"}),
    (
        "post",
        "/console/accounts",
        {"email": "x@example.org", "role": "admin", "method": "password"},
    ),
    ("post", "/console/accounts/{viewer}", {"action": "role", "role": "admin"}),
    ("post", "/console/accounts/{viewer}", {"action": "disable"}),
    ("post", "/console/accounts/{viewer}", {"action": "reset_password"}),
    ("post", "/results/responses/{response}/exclusion", {"action": "exclude", "reason": "x"}),
    ("post", "/results/responses/{response}/exclusion", {"action": "restore"}),
    ("post", "/results/responses/exclude", {"lang": "en", "reason": "x", "confirm": "1"}),
]
READS = [
    "/console/",
    "/console/survey",
    "/console/accounts",
    "/console/audit",
    "/console/audit.csv",
    "/results/responses/duplicates",
]


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_only_admins_change_anything_in_the_console(app, member, make_respondent, role):
    make_respondent("en").complete({"q1": "public"})
    client = member(role)
    ids = {
        "viewer": account_id(app, f"{role}@example.org"),
        "response": db_response(app),
    }
    token = csrf_of(client, "/account")
    before = audit(app)
    for _method, url, fields in CHANGES:
        target = url.format(**ids)
        assert client.post(target, data={"csrf_token": token, **fields}).status_code == 403, target
    for url in READS:
        assert client.get(url).status_code == 403, url
    assert audit(app) == before
    assert client.get("/api/survey").get_json()["state"] == "open"


def db_response(app) -> str:
    with app.app_context():
        return db.session.scalar(select(survey.models.Response.uuid))


def test_signed_out_visitors_are_sent_to_sign_in(client):
    for url in READS:
        assert client.get(url).location.startswith("/login"), url
