"""Slowing down password guessing without letting anyone lock an account out (OWASP).

Two defences, both kept in Flask-Limiter's storage (Redis in production, so every worker
shares them):

- **Per address** (`LOGIN_RATE_LIMIT`, on the view): an address that posts too many sign-ins
  gets 429, whichever e-mails it tries. Behind a reverse proxy the address is the client's
  only when `PROXY_FIX_X_FOR` says how many proxies to trust.
- **Per account, a slowdown, never a refusal**: after `LOGIN_ACCOUNT_FAILURES` failed
  sign-ins of one e-mail (from anywhere, known account or not), every further attempt on
  it waits before its password is checked — 0.5 s, doubling, at most `LOGIN_MAX_DELAY` —
  until the window ends or someone signs in. An attacker elsewhere slows the account's
  owner down by a few seconds but cannot stop a correct sign-in, which a per-e-mail limit
  (429 after ten failures, as before) let anyone do.
"""

from __future__ import annotations

import hashlib
import logging
import time

from flask import current_app
from limits import parse

from survey.extensions import limiter

log = logging.getLogger(__name__)
FIRST_DELAY_SECONDS = 0.5


def _key(email: str) -> str:
    # Hashed: the limiter's storage (Redis) holds no e-mail addresses.
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return f"survey/login-failures/{digest}"


def _window() -> tuple[int, int]:
    item = parse(current_app.config["LOGIN_ACCOUNT_FAILURES"])
    return item.amount, item.get_expiry()


def delay_for(failures: int) -> float:
    """Seconds to wait before checking a password after `failures` recent failures."""
    allowed, _expiry = _window()
    if failures < allowed:
        return 0.0
    ceiling = float(current_app.config["LOGIN_MAX_DELAY"])
    return min(ceiling, FIRST_DELAY_SECONDS * 2 ** min(failures - allowed, 16))


def slow_down(email: str) -> None:
    """Wait as long as this e-mail's recent failures ask for (before checking the password)."""
    try:
        failures = limiter.storage.get(_key(email))
    except Exception:  # the storage is down: sign-in goes on, as Flask-Limiter's does
        log.warning("login slowdown: the rate-limit storage did not answer", exc_info=True)
        return
    seconds = delay_for(failures)
    if seconds > 0:
        time.sleep(seconds)


def failed(email: str) -> None:
    """Count a failed sign-in of this e-mail."""
    _allowed, expiry = _window()
    try:
        limiter.storage.incr(_key(email), expiry)
    except Exception:
        log.warning("login slowdown: the rate-limit storage did not answer", exc_info=True)


def succeeded(email: str) -> None:
    """The owner signed in: their account is no longer slowed down."""
    try:
        limiter.storage.clear(_key(email))
    except Exception:
        log.warning("login slowdown: the rate-limit storage did not answer", exc_info=True)
