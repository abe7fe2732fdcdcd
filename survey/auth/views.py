from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select

from survey.auth import bp, passwords, sessions, throttle
from survey.auth.forms import LoginForm
from survey.database import begin_write
from survey.extensions import db, limiter
from survey.i18n import is_safe_local_path
from survey.models import User, utcnow


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])  # per address; per account: `throttle`
def login():
    form = LoginForm()
    if form.validate_on_submit():
        email = (form.email.data or "").strip().lower()
        throttle.slow_down(email)  # before the database: no connection is held meanwhile
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        verified = passwords.verify(user, form.password.data or "")  # hashes even for no user
        if verified and user is not None and login_user(user):
            throttle.succeeded(email)
            begin_write()
            user.signed_in_at = utcnow()
            db.session.commit()
            sessions.begin(user)
            if user.password_change_required:
                flash(_("Please choose your own password before you go on."))
                return redirect(url_for("auth.account"))
            target = request.args.get("next")
            return redirect(target if is_safe_local_path(target) else url_for("results.dashboard"))
        throttle.failed(email)
        flash(_("The e-mail or password is not correct."))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out: this session and every other session of the account end (a copy of the
    cookie is worth nothing afterwards)."""
    if current_user.is_authenticated and "_user_id" in session:
        user_id = current_user.id
        begin_write()
        sessions.end_everywhere(user_id)
        db.session.commit()
    logout_user()
    sessions.forget()
    flash(_("You have signed out."))
    return redirect(url_for("auth.login"))
