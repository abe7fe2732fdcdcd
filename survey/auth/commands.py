"""Account and token management from the command line (no default account exists)."""

from __future__ import annotations

import secrets
import sys

import click
from flask import Flask
from flask.cli import with_appcontext
from flask_babel import _, ngettext
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import ROLES, ApiToken, User, hash_token, utcnow

MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "sv_"  # noqa: S105 - a marker, not a secret


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt(
            _("Password"), hide_input=True, confirmation_prompt=_("Repeat the password")
        )
    # Scripts pipe the password in: one line, no echo to worry about.
    return sys.stdin.readline().rstrip("\r\n")


def _check_password_length(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.ClickException(
            ngettext(
                "The password needs at least %(num)d character.",
                "The password needs at least %(num)d characters.",
                MIN_PASSWORD_LENGTH,
            )
        )


def _find_user(email: str) -> User:
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise click.ClickException(_("No user with e-mail %(email)s.", email=email))
    return user


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice(ROLES),
    default="viewer",
    show_default=True,
    help="viewer: reads results; analyst: also translates and codes open answers; "
    "admin: also sees contact details.",
)
def create_user(email: str, role: str) -> None:
    """Create a working-group account; the password is asked twice (or read from stdin)."""
    email = email.strip().lower()
    if "@" not in email:
        raise click.ClickException(_("Please give an e-mail address."))
    if db.session.scalar(select(User).where(func.lower(User.email) == email)):
        raise click.ClickException(_("A user with e-mail %(email)s already exists.", email=email))
    password = _read_password()
    _check_password_length(password)
    user = User(email=email, role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(_("Created %(role)s %(email)s.", role=role, email=email))


@click.command("set-role")
@with_appcontext
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
def set_role(email: str, role: str) -> None:
    """Give an account another role (viewer, analyst or admin); it is signed out everywhere
    (its API tokens keep working, with the new role)."""
    user = _find_user(email)
    if user.role == role:
        click.echo(_("%(email)s already has the role %(role)s.", email=user.email, role=role))
        return
    user.role = role
    db.session.commit()
    click.echo(_("%(email)s now has the role %(role)s.", email=user.email, role=role))


@click.command("set-password")
@with_appcontext
@click.argument("email")
def set_password(email: str) -> None:
    """Give an account a new password (asked twice, or read from stdin); it is signed out
    everywhere."""
    user = _find_user(email)
    password = _read_password()
    _check_password_length(password)
    user.set_password(password)
    db.session.commit()
    click.echo(_("New password set for %(email)s; it is signed out everywhere.", email=user.email))


@click.command("disable-user")
@with_appcontext
@click.argument("email")
def disable_user(email: str) -> None:
    """Disable an account: it is signed out everywhere, cannot sign in, and its API tokens
    are refused (until enable-user)."""
    user = _find_user(email)
    if user.disabled_at is None:
        user.disabled_at = utcnow()
        db.session.commit()
    click.echo(_("Disabled %(email)s.", email=user.email))


@click.command("enable-user")
@with_appcontext
@click.argument("email")
def enable_user(email: str) -> None:
    """Enable a disabled account again (its API tokens work again)."""
    user = _find_user(email)
    if user.disabled_at is not None:
        user.disabled_at = None
        db.session.commit()
    click.echo(_("Enabled %(email)s.", email=user.email))


@click.command("create-token")
@with_appcontext
@click.argument("email")
def create_token(email: str) -> None:
    """Create an API token for EMAIL; the token is printed once, alone on the last line."""
    user = _find_user(email)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=hash_token(token), prefix=token[:10]))
    db.session.commit()
    click.echo(_("Token for %(email)s (shown once; store it safely):", email=user.email))
    click.echo(token)


@click.command("revoke-token")
@with_appcontext
@click.argument("token")
def revoke_token(token: str) -> None:
    """Revoke a token, given in full or by the first 10 characters shown when listing."""
    query = select(ApiToken).where(ApiToken.revoked_at.is_(None))
    if len(token) > 10:
        query = query.where(ApiToken.token_hash == hash_token(token))
    else:
        query = query.where(ApiToken.prefix == token)
    tokens = db.session.scalars(query).all()
    if not tokens:
        raise click.ClickException(_("No active token matches."))
    if len(tokens) > 1:
        raise click.ClickException(_("Several tokens share that prefix; give the whole token."))
    tokens[0].revoked_at = utcnow()
    db.session.commit()
    click.echo(
        _(
            "Revoked token %(prefix)s… of %(email)s.",
            prefix=tokens[0].prefix,
            email=tokens[0].user.email,
        )
    )


@click.command("list-tokens")
@with_appcontext
@click.argument("email")
def list_tokens(email: str) -> None:
    """List a user's tokens by prefix, with their state."""
    for api_token in _find_user(email).tokens:
        prefix, created = api_token.prefix, f"{api_token.created_at:%Y-%m-%d}"
        if api_token.is_active:
            line = _("%(prefix)s  created %(created)s  active", prefix=prefix, created=created)
        else:
            line = _(
                "%(prefix)s  created %(created)s  revoked %(revoked)s",
                prefix=prefix,
                created=created,
                revoked=f"{api_token.revoked_at:%Y-%m-%d}",
            )
        click.echo(line)


def register(app: Flask) -> None:
    for command in (
        create_user,
        set_role,
        set_password,
        disable_user,
        enable_user,
        create_token,
        revoke_token,
        list_tokens,
    ):
        app.cli.add_command(command)
