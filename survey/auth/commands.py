"""Account and token management from the command line (no default account exists).

The commands call the same operations as the console pages (`survey.auth.accounts`) and are
written to the audit log as `cli:<OS user>`.
"""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import with_appcontext
from flask_babel import _

from survey.auth import accounts
from survey.auth.accounts import AccountError
from survey.auth.audit import Actor
from survey.database import begin_write
from survey.extensions import db
from survey.models import ROLES, User

STDIN_HELP = "Read the password, one line, from standard input (for scripts)."


def _read_password(from_stdin: bool) -> str:
    """On a terminal the password is asked twice, and asked again until both match;
    scripts give it once on standard input with --password-stdin. Anything else (input
    piped without the option) is refused: a second line would not be a confirmation."""
    if from_stdin:
        password = sys.stdin.read().removesuffix("\n").removesuffix("\r")
        if "\n" in password or "\r" in password:
            # Two lines are not a password and its confirmation here: nothing is created.
            raise click.ClickException(
                _("--password-stdin reads one password: give it once, on one line.")
            )
        return password
    if not sys.stdin.isatty():
        raise click.ClickException(
            _(
                "No terminal to ask for the password twice. A script can give it on standard "
                "input with --password-stdin."
            )
        )
    return click.prompt(
        _("Password"), hide_input=True, confirmation_prompt=_("Repeat the password")
    )


def _find_user(email: str) -> User:
    user = accounts.find_user(email)
    if user is None:
        raise click.ClickException(_("No user with e-mail %(email)s.", email=email))
    return user


def _commit(change):
    """Run an account operation in a write transaction; its refusal becomes the message."""
    begin_write()
    try:
        result = change()
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    return result


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice(ROLES),
    default="viewer",
    show_default=True,
    help="viewer: reads results; analyst: also translates and codes open answers; "
    "admin: also sees contact details, excludes responses, opens and closes the survey and "
    "manages accounts.",
)
@click.option("--password-stdin", is_flag=True, help=STDIN_HELP)
def create_user(email: str, role: str, password_stdin: bool) -> None:
    """Create a working-group account; the password is asked twice on a terminal."""
    try:
        email = accounts.normalised_email(email)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    if accounts.find_user(email) is not None:
        raise click.ClickException(_("A user with e-mail %(email)s already exists.", email=email))
    password = _read_password(password_stdin)
    _commit(lambda: accounts.create_account(Actor.command_line(), email, role, password))
    click.echo(_("Created %(role)s %(email)s.", role=role, email=email))


@click.command("set-role")
@with_appcontext
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
def set_role(email: str, role: str) -> None:
    """Give an account another role (viewer, analyst or admin); it is signed out everywhere
    (its API tokens keep working, with the new role)."""
    user = _find_user(email)
    if not _commit(lambda: accounts.set_role(Actor.command_line(), user, role)):
        click.echo(_("%(email)s already has the role %(role)s.", email=user.email, role=role))
        return
    click.echo(_("%(email)s now has the role %(role)s.", email=user.email, role=role))


@click.command("set-password")
@with_appcontext
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help=STDIN_HELP)
def set_password(email: str, password_stdin: bool) -> None:
    """Give an account a new password (asked twice on a terminal); it is signed out
    everywhere."""
    user = _find_user(email)
    password = _read_password(password_stdin)
    _commit(lambda: accounts.set_password(Actor.command_line(), user, password))
    click.echo(_("New password set for %(email)s; it is signed out everywhere.", email=user.email))


@click.command("disable-user")
@with_appcontext
@click.argument("email")
def disable_user(email: str) -> None:
    """Disable an account: it is signed out everywhere, cannot sign in, and its API tokens
    are refused (until enable-user)."""
    user = _find_user(email)
    _commit(lambda: accounts.disable(Actor.command_line(), user))
    click.echo(_("Disabled %(email)s.", email=user.email))


@click.command("enable-user")
@with_appcontext
@click.argument("email")
def enable_user(email: str) -> None:
    """Enable a disabled account again (its API tokens work again)."""
    user = _find_user(email)
    _commit(lambda: accounts.enable(Actor.command_line(), user))
    click.echo(_("Enabled %(email)s.", email=user.email))


@click.command("create-token")
@with_appcontext
@click.argument("email")
@click.option("--name", default="", help="What the token is for, to tell it apart later.")
def create_token(email: str, name: str) -> None:
    """Create an API token for EMAIL; the token is printed once, alone on the last line."""
    user = _find_user(email)
    token = _commit(lambda: accounts.create_token(Actor.command_line(), user, name))
    click.echo(_("Token for %(email)s (shown once; store it safely):", email=user.email))
    click.echo(token)


@click.command("revoke-token")
@with_appcontext
@click.argument("token")
def revoke_token(token: str) -> None:
    """Revoke a token, given in full or by the first 10 characters shown when listing."""
    tokens = accounts.active_tokens_matching(token)
    if not tokens:
        raise click.ClickException(_("No active token matches."))
    if len(tokens) > 1:
        raise click.ClickException(_("Several tokens share that prefix; give the whole token."))
    found = tokens[0]
    _commit(lambda: accounts.revoke_token(Actor.command_line(), found))
    click.echo(
        _("Revoked token %(prefix)s… of %(email)s.", prefix=found.prefix, email=found.user.email)
    )


@click.command("list-tokens")
@with_appcontext
@click.argument("email")
def list_tokens(email: str) -> None:
    """List a user's tokens by prefix, with their state."""
    for api_token in reversed(accounts.tokens_of(_find_user(email))):
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
        click.echo(f"{line}  {api_token.name}" if api_token.name else line)


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
