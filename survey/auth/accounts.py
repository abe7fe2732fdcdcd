"""Working-group accounts and API tokens: the operations the command line and the console
pages share (no request objects; the caller is in a write transaction and commits).

Every change is written to the audit log in the same transaction. A new password, another
role or disabling ends the account's sessions everywhere (`User.session_generation`, by the
model's own listener). An admin cannot take the last active admin away (by demoting or
disabling it): the survey would have nobody left to run it.

New accounts get either a password (the command line), an **invitation** — a link, shown
once, valid for `INVITATION_LIFETIME` seconds (default 7 days), where its owner chooses a
password — or a **one-time password**, shown once, which must be changed at the first
sign-in.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from survey.auth.audit import Actor, log
from survey.extensions import db
from survey.i18n import lazy_gettext as _l
from survey.models import ROLES, ApiToken, User, hash_token, utcnow
from survey.questionnaire import is_storable

MIN_PASSWORD_LENGTH = 10
#: The sign-in form's limit.
MAX_PASSWORD_LENGTH = 1024
TOKEN_PREFIX = "sv_"  # noqa: S105 - a marker, not a secret
#: Characters of a token kept to tell it apart (`ApiToken.prefix`).
SHOWN_PREFIX = 10
TOKEN_NAME_LIMIT = 100
DEFAULT_INVITATION_LIFETIME = 7 * 24 * 60 * 60
ROLE_NAMES = {"viewer": _l("Viewer"), "analyst": _l("Analyst"), "admin": _l("Admin")}


class AccountError(ValueError):
    """Refused: the message is for the user."""


def normalised_email(email: str) -> str:
    """The address as accounts store it (lower case); AccountError if it is not one."""
    text = (email or "").strip()
    if "@" not in text or len(text) > 254:
        raise AccountError(_("Please give an e-mail address."))
    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        raise AccountError(_("Please give an e-mail address.")) from None
    return text.lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def check_password(password: str) -> str:
    """The password if it is acceptable; AccountError saying why not."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            ngettext(
                "The password needs at least %(num)d character.",
                "The password needs at least %(num)d characters.",
                MIN_PASSWORD_LENGTH,
            )
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(
            _("The password can have at most %(num)d characters.", num=MAX_PASSWORD_LENGTH)
        )
    if not is_storable(password):
        raise AccountError(_("The password contains characters that cannot be used."))
    return password


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(_("The role is viewer, analyst or admin."))
    return role


def _new_account(email: str, role: str) -> User:
    email = normalised_email(email)
    _check_role(role)
    if find_user(email) is not None:
        raise AccountError(_("A user with e-mail %(email)s already exists.", email=email))
    user = User(email=email, role=role)
    db.session.add(user)
    return user


def create_account(actor: Actor, email: str, role: str, password: str) -> User:
    """An account with a password its owner chose (the command line)."""
    user = _new_account(email, role)
    user.set_password(check_password(password))
    db.session.flush()
    log(actor, "create_account", f"account {user.email}; role {role}")
    return user


def create_with_one_time_password(actor: Actor, email: str, role: str) -> tuple[User, str]:
    """An account with a generated password, shown once, to be changed at first sign-in."""
    user = _new_account(email, role)
    password = one_time_password()
    user.set_password(password)
    user.password_change_required = True
    db.session.flush()
    log(actor, "create_account", f"account {user.email}; role {role}; one-time password")
    return user, password


def invite(actor: Actor, email: str, role: str) -> tuple[User, str]:
    """An account without a password of its own yet, and its invitation token (for the
    link, shown once)."""
    user = _new_account(email, role)
    user.set_password(secrets.token_urlsafe(32))  # nobody knows it: unusable
    token = _new_invitation(user)
    db.session.flush()
    log(actor, "invite_account", f"account {user.email}; role {role}")
    return user, token


def renew_invitation(actor: Actor, user: User) -> str:
    """A new invitation for an account that has not accepted one (the old link dies)."""
    if not user.is_invited:
        raise AccountError(_("This account has already chosen its password."))
    token = _new_invitation(user)
    log(actor, "invite_account", f"account {user.email}; new invitation")
    return token


def _new_invitation(user: User) -> str:
    token = secrets.token_urlsafe(32)
    user.invitation_hash = hash_token(token)
    user.invitation_expires_at = utcnow() + timedelta(seconds=invitation_lifetime())
    return token


def invitation_lifetime() -> float:
    value = current_app.config.get("INVITATION_LIFETIME", DEFAULT_INVITATION_LIFETIME)
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def invited_user(token: str) -> User | None:
    """The account a valid, unexpired invitation token belongs to."""
    if not token:
        return None
    user = db.session.scalar(select(User).where(User.invitation_hash == hash_token(token)))
    if user is None or user.invitation_expires_at is None or not user.is_active:
        return None
    return None if user.invitation_expired else user


def accept_invitation(token: str, password: str) -> User:
    """Its owner chose a password: the invitation is used up."""
    user = invited_user(token)
    if user is None:
        raise AccountError(_("This invitation is not valid any more. Ask an admin for a new one."))
    user.set_password(check_password(password))
    user.invitation_hash = None
    user.invitation_expires_at = None
    user.password_change_required = False
    log(Actor.of(user), "accept_invitation", f"account {user.email}")
    return user


def one_time_password() -> str:
    return secrets.token_urlsafe(12)


def reset_password(actor: Actor, user: User) -> str:
    """A new one-time password (shown once, to be changed at the next sign-in); every
    session of the account ends."""
    password = one_time_password()
    user.set_password(password)
    user.password_change_required = True
    user.invitation_hash = None
    user.invitation_expires_at = None
    log(actor, "reset_password", f"account {user.email}; one-time password")
    return password


def set_password(actor: Actor, user: User, password: str) -> None:
    """A password the account's owner chose (set-password on the command line)."""
    user.set_password(check_password(password))
    user.password_change_required = False
    user.invitation_hash = None
    user.invitation_expires_at = None
    log(actor, "reset_password", f"account {user.email}")


def change_own_password(user: User, current: str, new: str) -> None:
    """The owner's new password, after proving they know the current one."""
    if not user.check_password(current):
        raise AccountError(_("The current password is not correct."))
    if new == current:
        raise AccountError(_("Choose a password other than the current one."))
    user.set_password(check_password(new))
    user.password_change_required = False
    log(Actor.of(user), "change_password", f"account {user.email}")


def _active_admins(excluding: User) -> int:
    return int(
        db.session.scalar(
            select(func.count()).where(
                User.role == "admin", User.disabled_at.is_(None), User.id != excluding.id
            )
        )
        or 0
    )


def set_role(actor: Actor, user: User, role: str) -> bool:
    """Give the account another role; False when it already had it."""
    _check_role(role)
    if user.role == role:
        return False
    if user.role == "admin" and user.is_active and not _active_admins(user):
        raise AccountError(
            _("%(email)s is the only active admin: make another admin first.", email=user.email)
        )
    log(actor, "change_role", f"account {user.email}; role {user.role} → {role}")
    user.role = role
    return True


def disable(actor: Actor, user: User) -> bool:
    """Disable the account (signed out everywhere, tokens refused); False if it was."""
    if user.disabled_at is not None:
        return False
    if user.role == "admin" and not _active_admins(user):
        raise AccountError(
            _("%(email)s is the only active admin: make another admin first.", email=user.email)
        )
    user.disabled_at = utcnow()
    log(actor, "disable_account", f"account {user.email}")
    return True


def enable(actor: Actor, user: User) -> bool:
    """Enable a disabled account (its tokens work again); False if it was enabled."""
    if user.disabled_at is None:
        return False
    user.disabled_at = None
    log(actor, "enable_account", f"account {user.email}")
    return True


def accounts() -> list[User]:
    """Every account, admins first, then by e-mail."""
    order = {role: position for position, role in enumerate(reversed(ROLES))}
    found = db.session.scalars(select(User)).all()
    return sorted(found, key=lambda user: (order.get(user.role, 9), user.email))


def account(user_id: int) -> User | None:
    return db.session.get(User, user_id)


# --------------------------------------------------------------------------- tokens


def create_token(actor: Actor, user: User, name: str = "") -> str:
    """A new API token of `user`: the token itself is returned once, only its hash kept."""
    name = name.strip()
    if len(name) > TOKEN_NAME_LIMIT or not is_storable(name):
        raise AccountError(
            _(
                "Give the token a name of at most %(num)d characters, without control characters.",
                num=TOKEN_NAME_LIMIT,
            )
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(
        ApiToken(user=user, token_hash=hash_token(token), prefix=token[:SHOWN_PREFIX], name=name)
    )
    detail = f"account {user.email}; token {token[:SHOWN_PREFIX]}…"
    log(actor, "create_token", f"{detail}; {name}" if name else detail)
    return token


def revoke_token(actor: Actor, api_token: ApiToken) -> bool:
    """Revoke a token; False if it already was."""
    if api_token.revoked_at is not None:
        return False
    api_token.revoked_at = utcnow()
    log(actor, "revoke_token", f"account {api_token.user.email}; token {api_token.prefix}…")
    return True


def tokens_of(user: User) -> Sequence[ApiToken]:
    """The account's tokens, newest first (revoked ones too)."""
    return db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    ).all()


def active_tokens_matching(token_or_prefix: str) -> Sequence[ApiToken]:
    """Active tokens given whole, or by the first characters shown when listing."""
    query = select(ApiToken).where(ApiToken.revoked_at.is_(None))
    if len(token_or_prefix) > SHOWN_PREFIX:
        query = query.where(ApiToken.token_hash == hash_token(token_or_prefix))
    else:
        query = query.where(ApiToken.prefix == token_or_prefix)
    return db.session.scalars(query).all()
