"""Checking a sign-in's password with the same work whether or not the account exists.

Checking a password (scrypt) takes about a hundred times longer than finding no account, so
answering an unknown e-mail at once told anyone, in one request, which e-mail addresses
have an account. An unknown e-mail's password is checked against a hash of a random
password instead, made the same way as every new account's.
"""

from __future__ import annotations

import secrets
from functools import cache

from werkzeug.security import check_password_hash, generate_password_hash

from survey.models import User


@cache
def _stand_in_hash() -> str:
    """A hash no password matches, made with the current default method and cost (once per
    process, at the first unknown e-mail)."""
    return generate_password_hash(secrets.token_urlsafe(32))


def verify(user: User | None, password: str) -> bool:
    """Whether `password` is `user`'s; with no user, the same hashing work, then False."""
    if user is None:
        check_password_hash(_stand_in_hash(), password)
        return False
    return user.check_password(password)
