"""Working-group sessions that the server can end: sign-out, idle and absolute timeouts.

Sessions are signed cookies, so the server keeps nothing per session; a copy of the cookie
taken before signing out used to stay valid for the cookie's 90 days. Now a signed-in
session carries three values next to Flask-Login's user id:

- the account's `session_generation` when it signed in: signing out, a new password,
  another role or disabling the account increments it (`User.session_generation`), and a
  session carrying an older one is refused — on every device, since the account has one;
- when it signed in: refused after `STAFF_SESSION_LIFETIME`, however active;
- when it was last used: refused after `STAFF_SESSION_IDLE_TIMEOUT` without a request.

These are the working group's limits only; a respondent's resume cookie keeps its 90 days
(`PERMANENT_SESSION_LIFETIME`). API tokens are not sessions: they last until revoked.
"""

from __future__ import annotations

import time
from datetime import timedelta

from flask import current_app, g, session
from sqlalchemy import update

from survey.extensions import db
from survey.models import User

GENERATION = "staff_generation"
SIGNED_IN_AT = "staff_signed_in_at"
SEEN_AT = "staff_seen_at"
#: Flask-Login's own keys, removed with ours when a session is refused.
_FLASK_LOGIN_KEYS = ("_user_id", "_fresh", "_id", "_remember", "_remember_seconds")
#: `SEEN_AT` is rewritten (and the cookie sent again) at most this often.
SEEN_RESOLUTION_SECONDS = 60


def now() -> float:
    """Seconds since the epoch (a function, so tests can move the clock)."""
    return time.time()


def _seconds(name: str) -> float:
    value = current_app.config[name]
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def begin(user: User) -> None:
    """Call right after `login_user`: the new session carries the account's generation."""
    moment = int(now())
    session[GENERATION] = user.session_generation
    session[SIGNED_IN_AT] = moment
    session[SEEN_AT] = moment


def is_current(user: User) -> bool:
    """Whether this request's session may still act for `user`; notes the request as use."""
    generation = session.get(GENERATION)
    signed_in_at = session.get(SIGNED_IN_AT)
    seen_at = session.get(SEEN_AT)
    if not isinstance(signed_in_at, int) or not isinstance(seen_at, int):
        return False  # signed in before sessions carried these: sign in again
    if generation != user.session_generation or not user.is_active:
        return False
    moment = now()
    if moment - signed_in_at > _seconds("STAFF_SESSION_LIFETIME"):
        return False
    if moment - seen_at > _seconds("STAFF_SESSION_IDLE_TIMEOUT"):
        return False
    if moment - seen_at >= SEEN_RESOLUTION_SECONDS:
        session[SEEN_AT] = int(moment)
    return True


def forget() -> None:
    """Remove every trace of a signed-in account from this session (the respondent's resume
    token and the language choice stay)."""
    for key in (*_FLASK_LOGIN_KEYS, GENERATION, SIGNED_IN_AT, SEEN_AT):
        session.pop(key, None)
    g.staff_session_ended = True


def end_everywhere(user_id: int) -> None:
    """Sign-out: every session of the account ends, on this device and any other.

    One statement, so two sign-outs at once both count. The caller commits.
    """
    db.session.execute(
        update(User)
        .where(User.id == user_id)
        .values(session_generation=User.session_generation + 1)
        .execution_options(synchronize_session=False)
    )
