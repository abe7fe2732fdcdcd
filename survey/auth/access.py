"""Who may see results (signed-in working-group members, or scripts with a bearer token),
and the access log of who obtained personal data."""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import _
from flask_login import current_user
from sqlalchemy import select

from survey.auth import audit, sessions
from survey.extensions import db, login_manager
from survey.i18n import lazy_gettext as _l
from survey.models import ApiToken, User, hash_token

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please sign in to see this page.")
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The account of a signed-in session, unless the session has ended (see `sessions`)."""
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not sessions.is_current(user):
        sessions.forget()
        return None
    return user


@login_manager.request_loader
def load_user_from_bearer_token(req) -> User | None:
    token = bearer_token(req)
    if not token:
        return None
    api_token = db.session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None)
        )
    )
    if api_token is None or not api_token.user.is_active:
        return None
    return api_token.user


def bearer_token(req) -> str | None:
    scheme, _sep, token = req.headers.get("Authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def wants_status_code() -> bool:
    """Scripts (the API, or any request that sent a token) get 401 rather than a login page."""
    return request.path.startswith("/api/") or "Authorization" in request.headers


@login_manager.unauthorized_handler
def unauthorized():
    if wants_status_code():
        return (
            {"error": "unauthorized", "message": "Sign in or send Authorization: Bearer TOKEN."},
            401,
            {"WWW-Authenticate": 'Bearer realm="survey"'},
        )
    if g.get("staff_session_ended"):
        flash(_("Your session has ended. Please sign in again."))
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def require_annotator() -> None:
    """Changing translations or codings needs the analyst or admin role: 403 otherwise.

    Call it at the top of the branch that changes data, after `login_required` ran.
    """
    if not current_user.is_authenticated:
        abort(401)
    if not current_user.may_annotate:
        abort(403)


def require_admin() -> None:
    """Excluding responses, opening and closing the survey, managing accounts and reading
    the audit log need the admin role: 403 otherwise (401 when not signed in)."""
    if not current_user.is_authenticated:
        abort(401)
    if not current_user.is_admin:
        abort(403)


def record_access(user_id: int | None, email: str, action: str, detail: str) -> None:
    """Write who obtained personal data (contact details) to the access log, and commit
    before any of it leaves: a transaction of its own (BEGIN IMMEDIATE on SQLite)."""
    audit.record_now(audit.Actor(user_id, email), action, detail)
