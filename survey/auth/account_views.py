"""Every member's own account: their password and API tokens; accepting an invitation.

Routes only; the work is done by `survey.auth.accounts`. A token is shown once, in the page
that answers the POST that created it (never in a redirect's cookie).
"""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import _
from flask_login import current_user, login_required, login_user

from survey.auth import accounts, bp, sessions
from survey.auth.access import bearer_token
from survey.auth.accounts import AccountError
from survey.auth.audit import Actor
from survey.auth.forms import AcceptInvitationForm, ChangePasswordForm, NewTokenForm
from survey.database import begin_write
from survey.extensions import db
from survey.models import ApiToken, User
from survey.security import STAFF_BLUEPRINTS

#: What a member who must change their one-time password may still open.
BEFORE_NEW_PASSWORD = frozenset({"auth.account", "auth.change_password", "auth.logout"})


@bp.before_app_request
def new_password_first():
    """A member signed in with a one-time password chooses their own before anything else."""
    if request.blueprint not in STAFF_BLUEPRINTS or request.endpoint in BEFORE_NEW_PASSWORD:
        return None
    if bearer_token(request) or not current_user.is_authenticated:
        return None
    if not current_user.password_change_required:
        return None
    if request.path.startswith("/api/"):
        message = _("Choose your own password before using the survey.")
        return jsonify({"error": "password_change_required", "message": message}), 403
    flash(_("Please choose your own password before you go on."))
    return redirect(url_for("auth.account"))


def _render(
    password_form: ChangePasswordForm | None = None,
    token_form: NewTokenForm | None = None,
    new_token: str | None = None,
    status: int = 200,
):
    return render_template(
        "auth/account.html",
        password_form=password_form or ChangePasswordForm(),
        token_form=token_form or NewTokenForm(),
        tokens=accounts.tokens_of(current_user),
        new_token=new_token,
        role_name=accounts.ROLE_NAMES.get(current_user.role, current_user.role),
    ), status


@bp.get("/account")
@login_required
def account():
    return _render()


@bp.post("/account/password")
@login_required
def change_password():
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return _render(password_form=form, status=400)
    user: User = current_user._get_current_object()
    begin_write()
    try:
        accounts.change_own_password(
            user, form.current_password.data or "", form.new_password.data or ""
        )
    except AccountError as error:
        db.session.rollback()
        form.current_password.errors = [*form.current_password.errors, str(error)]
        return _render(password_form=form, status=400)
    db.session.commit()
    # Every other session of the account has ended; this one carries the new generation.
    sessions.begin(user)
    flash(_("Your password is changed. Your other sessions have been signed out."))
    return redirect(url_for("auth.account"))


@bp.post("/account/tokens")
@login_required
def create_token():
    form = NewTokenForm()
    if not form.validate_on_submit():
        return _render(token_form=form, status=400)
    user: User = current_user._get_current_object()
    begin_write()
    try:
        token = accounts.create_token(Actor.of(user), user, form.name.data or "")
    except AccountError as error:
        db.session.rollback()
        form.name.errors = [*form.name.errors, str(error)]
        return _render(token_form=form, status=400)
    db.session.commit()
    return _render(new_token=token)


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    api_token = db.session.get(ApiToken, token_id)
    if api_token is None or api_token.user_id != current_user.id:
        abort(404)
    begin_write()
    if accounts.revoke_token(Actor.of(current_user), api_token):
        flash(_("Revoked token %(prefix)s….", prefix=api_token.prefix))
    db.session.commit()
    return redirect(url_for("auth.account"))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def invitation(token: str):
    """The invited member chooses a password, and is signed in."""
    user = accounts.invited_user(token)
    if user is None:
        return render_template("auth/invitation.html", form=None), 404
    form = AcceptInvitationForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("auth/invitation.html", form=form, email=user.email), status
    begin_write()
    try:
        user = accounts.accept_invitation(token, form.new_password.data or "")
    except AccountError as error:
        db.session.rollback()
        form.new_password.errors = [*form.new_password.errors, str(error)]
        return render_template("auth/invitation.html", form=form, email=user.email), 400
    db.session.commit()
    if login_user(user):
        sessions.begin(user)
    flash(_("Welcome! Your password is set."))
    return redirect(url_for("results.dashboard"))
