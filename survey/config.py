"""Configuration defaults. Overridden by instance/config.py, then FLASK_* variables."""

from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class DefaultConfig:
    # Filled in by the factory: instance/sqlite file and a generated secret key.
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SECRET_KEY: str | None = None

    LANGUAGES = ("en", "ru")
    BABEL_DEFAULT_LOCALE = "en"
    # Absolute: Flask-Babel resolves relative paths against survey/, not the project root.
    BABEL_TRANSLATION_DIRECTORIES = str(PROJECT_ROOT / "translations")

    # A respondent may keep a page open for a long time; the token lives as long as the session.
    WTF_CSRF_TIME_LIMIT = None
    PERMANENT_SESSION_LIFETIME = timedelta(days=90)
    # The cookie is re-sent only when the session changes: re-signing it on every page view
    # cost about 8 % of a respondent's request and bought nothing over 90 days.
    SESSION_REFRESH_EACH_REQUEST = False
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    # Working-group sessions (not the respondents' resume cookie): refused after this long
    # without a request, and this long after signing in however active (seconds, or a
    # timedelta in instance/config.py). See survey/auth/sessions.py and the README.
    STAFF_SESSION_IDLE_TIMEOUT = 2 * 60 * 60
    STAFF_SESSION_LIFETIME = 8 * 60 * 60
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Set to True behind HTTPS: redirects to https and marks cookies Secure.
    FORCE_HTTPS = False

    # The largest legitimate page is six long answers of 5,000 characters each.
    MAX_CONTENT_LENGTH = 1024 * 1024
    MAX_FORM_PARTS = 200

    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # Sign-in attempts per address (then 429); see survey/auth/throttle.py.
    LOGIN_RATE_LIMIT = "10 per minute;50 per hour"
    # Failed sign-ins of one e-mail, from anywhere, before each further attempt on it waits
    # (0.5 s, doubling, at most LOGIN_MAX_DELAY seconds): a slowdown, never a lockout.
    LOGIN_ACCOUNT_FAILURES = "5 per 15 minutes"
    LOGIN_MAX_DELAY = 3.0

    # New drafts ("Start") per address, then 429; a replayed or double-clicked Start reuses
    # its draft and is not counted. Generous: a library's staff may share one address.
    START_RATE_LIMIT = "30 per minute;300 per hour"

    # The address respondents reach the survey at, e.g. "https://survey.example.org": resume
    # links are built from it, never from the request's Host header. Flask's TRUSTED_HOSTS
    # (a list of host names; others get 400) is the alternative.
    PUBLIC_URL: str | None = None

    # How many reverse proxies in front of the app set X-Forwarded-For / -Proto / -Host
    # (Werkzeug's ProxyFix). 0 (the default) trusts none of these headers: set them only
    # behind a proxy that overwrites them, or any client can choose its address.
    PROXY_FIX_X_FOR = 0
    PROXY_FIX_X_PROTO = 0
    PROXY_FIX_X_HOST = 0

    # Migrate an embedded SQLite database on start so a fresh clone runs without a manual step.
    AUTO_MIGRATE_SQLITE = True

    # The questionnaire this app runs: a Questionnaire, or "package.module:ATTRIBUTE".
    QUESTIONNAIRE = "survey.questionnaire.library_advocacy:QUESTIONNAIRE"

    # A draft started before the survey closed may still be saved and submitted this many
    # seconds after closing (0: not at all). See survey/survey_state.py.
    CLOSING_GRACE = 60 * 60
    # How long an invitation link to a new working-group account stays valid (seconds).
    INVITATION_LIFETIME = 7 * 24 * 60 * 60

    # Serve results from the live counters (table result_counts) when they can; False counts
    # every request from the answers (the counters are kept up to date either way).
    RESULT_COUNTS = True

    #: Background jobs (survey.jobs): the queue ("" = a SQLite file in JOBS_DIR, or
    #: redis://…), who runs them ("embedded" in each web process, or "external":
    #: `flask jobs-worker`), where finished files are kept and for how long.
    JOBS_QUEUE_URI = ""
    JOBS_WORKER = "embedded"
    JOBS_DIR: str | None = None
    JOBS_KEEP_SECONDS = 24 * 60 * 60
    JOBS_HEARTBEAT_SECONDS = 5
    JOBS_STALE_SECONDS = 60
    JOBS_MAX_ATTEMPTS = 3
    #: Modules that register more kinds of job (the exports register theirs themselves).
    JOBS_MODULES: tuple[str, ...] = ()
