"""Flask extensions, created unbound and bound to the app in the factory."""

from flask import session
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


class StaffLoginManager(LoginManager):
    """Flask-Login, whose "strong" session protection guards signed-in sessions only.

    Strong protection signs a request out when its session was made from another address or
    browser, and it did so for a session with nobody signed in too (one holding only a CSRF
    token, as any API client with a cookie jar has after one HTML page): the request was
    then anonymous before the request loader could read its `Authorization: Bearer` token,
    and got 401. With nobody signed in there is nothing to protect.
    """

    def _session_protection_failed(self) -> bool:
        if "_user_id" not in session:
            return False
        return super()._session_protection_failed()


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()
login_manager = StaffLoginManager()
# No default limits: limits are declared on the views that need them (login).
limiter = Limiter(key_func=get_remote_address, default_limits=[])
talisman = Talisman()
