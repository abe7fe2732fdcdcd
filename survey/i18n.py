"""Language selection, the language switcher and localised reference data (countries)."""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any, TypeGuard
from urllib.parse import unquote, urlsplit

import pytz
from babel import Locale
from babel.core import get_global
from babel.support import NullTranslations
from flask import (
    Flask,
    abort,
    current_app,
    g,
    has_request_context,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import format_date, format_datetime, format_time, get_locale, get_translations
from flask_babel.speaklater import LazyString

# Babel's territory list also holds groupings (EU, UN), codes that ISO 3166-1 reserves but does
# not assign (AC Ascension, CP, CQ, DG, EA, IC, TA, used by other standards) and user-assigned
# codes (AA, QM-QZ, XA-XZ, ZZ; XK for Kosovo is one). A country is a code ISO 3166-1 assigns:
# it has a numeric code (CLDR lists them as territory aliases: 516 -> NA) and is not user-assigned.
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN"})


def _user_assigned(code: str) -> bool:
    return code == "AA" or code == "ZZ" or code[0] == "X" or ("QM" <= code <= "QZ")


@cache
def iso_numeric_codes() -> dict[str, int]:
    """ISO 3166-1 numeric code of each assigned alpha-2 code (NA -> 516, RU -> 643)."""
    numeric: dict[str, int] = {}
    for alias, targets in get_global("territory_aliases").items():
        if alias.isdigit() and len(alias) == 3 and len(targets) == 1 and len(targets[0]) == 2:
            code = targets[0]
            if code not in NOT_COUNTRIES and not _user_assigned(code):
                numeric.setdefault(code, int(alias))
    return numeric


#: Where a command-line program finds the language of its messages, in POSIX order.
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


def languages() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def select_locale() -> str:
    """URL prefix (respondent pages), then ?locale=, then the viewer's choice, then the browser;
    outside a request (the commands), the operator's locale."""
    lang = g.get("lang")
    if lang:
        return lang
    if not has_request_context():
        return command_line_language()
    requested = request.args.get("locale")
    if requested in languages():
        return requested
    chosen = session.get("locale")
    if chosen in languages():
        return chosen
    return best_browser_language()


def command_line_language(environ: Mapping[str, str] | None = None) -> str:
    """The language of the commands (create-user, export, import-csv, seed-demo …).

    A command has no browser to ask, so it speaks the operator's language the way other
    command-line programs do: the first of LC_ALL, LC_MESSAGES and LANG that is set (and
    not empty) decides, so `LC_ALL=C` gives a script English output whatever LANG says.
    `ru_RU.UTF-8` (or `ru_RU`, `ru`) means Russian; a locale with no catalog here (C, POSIX,
    de_DE …) gets the default language. `environ` defaults to the process's environment.
    """
    environ = os.environ if environ is None else environ
    setting = next((environ[name] for name in LOCALE_VARIABLES if environ.get(name)), "")
    locale = setting.partition(".")[0].partition("@")[0]  # ru_RU.UTF-8@euro -> ru_RU
    for candidate in (locale, locale.partition("_")[0]):
        if candidate and candidate in languages():
            return candidate
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def best_browser_language() -> str:
    return (
        request.accept_languages.best_match(languages())
        or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def current_language() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


#: Browsers drop tabs and newlines from a URL, trim spaces and control characters around it
#: and read a backslash as a slash, so any of these can turn a path into `//host`.
_NOT_IN_A_REDIRECT = re.compile(r"[\x00-\x20\x7f\\]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def is_safe_local_path(target: str | None) -> TypeGuard[str]:
    """Whether `target` is a path on this site, safe to redirect a browser to (`?next=`).

    `////evil.example` has no host for `urlsplit`, yet Werkzeug collapses it to
    `//evil.example` and a browser goes there. So: exactly one leading "/", followed by
    anything but "/" or a backslash; no control character, space or backslash anywhere; and
    after percent-decoding (up to three rounds, for doubly encoded input) still one leading
    "/" not followed by "/" or a backslash, and no control character, in case anything on
    the way decodes it.
    """
    if not target or not isinstance(target, str) or _NOT_IN_A_REDIRECT.search(target):
        return False
    seen = target
    for _round in range(4):
        if not seen.startswith("/") or seen[1:2] in ("/", "\\") or _CONTROL.search(seen):
            return False
        decoded = unquote(seen)
        if decoded == seen:
            break
        seen = decoded
    else:
        return False  # still encoded after three rounds: no link of ours looks like that
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def sort_key(text: str) -> str:
    """Alphabetical order that ignores accents and treats ё as е (as Russian dictionaries do).

    й is a letter of its own in Russian, not an accented и, so it keeps its place.
    """
    folded = text.casefold().replace("ё", "е")
    return "".join(ch if ch == "й" else _without_accents(ch) for ch in folded)


def _without_accents(ch: str) -> str:
    decomposed = unicodedata.normalize("NFKD", ch)
    return "".join(part for part in decomposed if not unicodedata.combining(part))


@cache
def countries(language: str) -> tuple[tuple[str, str], ...]:
    """ISO 3166-1 alpha-2 codes with names in `language`, sorted in that language."""
    territories = Locale.parse(language).territories
    pairs = [(code, name) for code, name in territories.items() if code in iso_numeric_codes()]
    return tuple(sorted(pairs, key=lambda pair: sort_key(pair[1])))


@cache
def country_codes() -> frozenset[str]:
    return frozenset(code for code, _name in countries("en"))


def country_name(code: str, language: str) -> str:
    return Locale.parse(language).territories.get(code, code)


def switch_language_url(language: str) -> str:
    """The current page in another language: the URL prefix on respondent pages, else a choice."""
    if request.blueprint == "respondent" and request.endpoint and request.view_args is not None:
        return url_for(request.endpoint, **{**request.view_args, "lang": language})
    query = request.query_string.decode("utf-8", "replace")
    here = request.path + (f"?{query}" if query else "")
    return url_for("choose_locale", language=language, next=here)


def choose_locale(language: str):
    """Remember the viewer's language for the pages that have no language in their URL."""
    if language not in languages():
        abort(404)
    session["locale"] = language
    target = request.args.get("next")
    return redirect(target if is_safe_local_path(target) else url_for("respondent.choose_language"))


@cache
def language_name(code: str) -> str:
    """A language's name in itself ("English", "Русский"), from Babel's locale data."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


class _LanguageNames:
    """`LANGUAGE_NAMES[code]` / `.get(code, default)` for any language code, from Babel."""

    def __getitem__(self, code: str) -> str:
        return language_name(code)

    def get(self, code: str, default: str | None = None) -> str | None:
        try:
            return language_name(code)
        except (ValueError, TypeError):
            return default


LANGUAGE_NAMES = _LanguageNames()


_TRANSLATIONS_BY_LOCALE: dict[Locale, NullTranslations] = {}


def current_translations() -> NullTranslations:
    """Flask-Babel's get_translations(), memoised by locale.

    A page calls gettext for each of its strings, and Flask-Babel finds the locale and its
    catalog anew on every call (a dozen context lookups), which was a fifth of the time of
    rendering a page. The locale Flask-Babel settled on for this request (also under
    force_locale or after refresh) is read where Flask-Babel keeps it; when it is not
    there yet, Flask-Babel's own lookup runs and sets it.
    """
    try:
        locale = g._flask_babel.babel_locale
        return _TRANSLATIONS_BY_LOCALE[locale]
    except (AttributeError, KeyError, RuntimeError):
        pass
    translations = get_translations()
    locale = get_locale()
    if locale is not None:
        # One catalog directory per process (translations/), so the locale is the key.
        _TRANSLATIONS_BY_LOCALE[locale] = translations
    return translations


def gettext(string: str, **variables: Any) -> str:
    """flask_babel.gettext, through `current_translations`."""
    text = current_translations().ugettext(string)
    return text % variables if variables else text


def lazy_gettext(string: str, **variables: Any) -> LazyString:
    """flask_babel.lazy_gettext, through `current_translations`: the questionnaire's labels
    are lazy strings, translated each time a page shows them."""
    return LazyString(gettext, string, **variables)


def install_template_gettext(app: Flask) -> None:
    """Templates' _(), gettext and ngettext through `current_translations` (newstyle, as
    Flask-Babel installs them: %-formatting and autoescaping stay the same)."""
    # Added to the environment by Jinja's i18n extension, which Flask-Babel loads.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: current_translations().ugettext(s),
        ngettext=lambda s, p, n: current_translations().ungettext(s, p, n),
        pgettext=lambda c, s: current_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: current_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )


#: The cookie `survey.js` sets to the browser's time zone (an IANA name, "Europe/Moscow").
TIME_ZONE_COOKIE = "tz"


def select_timezone() -> str | None:
    """The viewer's time zone, as their browser reported it (`TIME_ZONE_COOKIE`); UTC until
    it has, or when it names no zone known here. Times are stored in UTC and shown in it."""
    if not has_request_context():
        return None
    zone = request.cookies.get(TIME_ZONE_COOKIE, "")
    return zone if zone in pytz.all_timezones_set else None


def format_moment(value: datetime | None) -> str:
    """A moment in the viewer's language and time zone, to the minute, with the zone's city
    ("31 January 2027, 21:00 (Moscow)", "(UTC)"): schedules, exclusions, account events."""
    if value is None:
        return ""
    if value.tzinfo is None:  # SQLite gives naive datetimes back, which are UTC
        value = value.replace(tzinfo=UTC)
    return gettext(
        "%(date)s, %(time)s (%(zone)s)",
        date=format_date(value, "long"),
        time=format_time(value, "HH:mm"),
        zone=format_time(value, "VVV"),
    )


def format_short_moment(value: datetime | None) -> str:
    """A moment in the viewer's language and time zone, short (tables)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return format_datetime(value, "short")


def utc_iso(value: datetime | None) -> str:
    """A moment as ISO 8601 in UTC (for `<time datetime>` and the scripts that show it in
    the browser's own zone)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def register(app: Flask) -> None:
    install_template_gettext(app)
    app.add_url_rule("/locale/<language>", "choose_locale", choose_locale)
    app.add_template_global(switch_language_url)
    app.add_template_filter(format_moment, "moment")
    app.add_template_filter(format_short_moment, "short_moment")
    app.add_template_filter(utc_iso, "utc_iso")

    @app.context_processor
    def inject_languages() -> dict:
        return {
            "language_names": {code: language_name(code) for code in languages()},
            "available_languages": languages(),
            "current_language": current_language(),
        }
