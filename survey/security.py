"""Security headers and the error pages every audience shares."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, render_template, request, url_for
from flask_babel import _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError

from survey.extensions import limiter, talisman

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def register_headers(app: Flask) -> None:
    force_https = bool(app.config.get("FORCE_HTTPS"))
    talisman.init_app(
        app,
        content_security_policy=CONTENT_SECURITY_POLICY,
        force_https=force_https,
        strict_transport_security=force_https,
        session_cookie_secure=force_https or app.config.get("SESSION_COOKIE_SECURE", False),
        referrer_policy="same-origin",
        frame_options="DENY",
    )


#: Blueprints whose pages show results, personal data or account state to the working group.
STAFF_BLUEPRINTS = frozenset({"auth", "results", "export", "api", "console"})


def register_no_store(app: Flask) -> None:
    """Working-group pages are never stored by the browser or any cache on the way.

    Results, open answers and, for admins, contact details would otherwise stay in the disk
    cache of a shared computer and come back with the Back button after signing out.
    """

    @app.after_request
    def no_store(response):
        if request.blueprint in STAFF_BLUEPRINTS and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        return response


_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]"})


def public_url(endpoint: str, **values) -> str:
    """An absolute link to give a respondent to keep (their resume link).

    Never built from the request's Host header, which the client chooses: `Host:
    evil.example` once turned resume links into http://evil.example/en/resume/…. The
    configured `PUBLIC_URL` is used; else the Host when Flask checked it against
    `TRUSTED_HOSTS`, or when it is this machine (development); else only the path.
    """
    path = url_for(endpoint, **values)
    base = current_app.config.get("PUBLIC_URL")
    if base:
        return base.rstrip("/") + path
    host = request.host  # with TRUSTED_HOSTS set, Flask refuses (400) any other host
    if current_app.config.get("TRUSTED_HOSTS") or host.rsplit(":", 1)[0] in _LOOPBACK_HOSTS:
        return request.host_url.rstrip("/") + path
    if not current_app.extensions.get("survey_public_url_warned"):
        current_app.extensions["survey_public_url_warned"] = True
        current_app.logger.warning(
            "PUBLIC_URL is not set: resume links show only their path (set FLASK_PUBLIC_URL)"
        )
    return path


def confine_rate_limiter(app: Flask, blueprint: str) -> None:
    """Run Flask-Limiter's request hooks only on the blueprint whose views it limits.

    Flask-Limiter checks every request before it reaches a view, for default and blueprint
    limits. This app has neither: its limits are decorators on the sign-in view, and a
    decorated view checks its own limits. On every other request (a respondent's page) the
    hooks found nothing to do, for about a quarter of a millisecond, a tenth of the page.
    Raises if the hooks are not where this expects them (a Flask-Limiter upgrade).
    """

    def is_limiter_hook(hook) -> bool:
        owner = getattr(hook, "__self__", None) or next(iter(getattr(hook, "args", ())), None)
        return owner is limiter

    # Three dicts of differently typed hooks, handled alike.
    registries: tuple[tuple[dict[Any, list[Any]], bool], ...] = (
        (app.before_request_funcs, False),  # the decorators check: nothing is left to do
        (app.after_request_funcs, True),
        (app.teardown_request_funcs, True),
    )
    for hooks, keep in registries:
        found = [hook for hook in hooks.get(None, []) if is_limiter_hook(hook)]
        if len(found) != 1:
            raise RuntimeError(f"expected one Flask-Limiter hook, found {found!r}")
        hooks[None].remove(found[0])
        if keep:
            hooks.setdefault(blueprint, []).extend(found)


def wants_json() -> bool:
    return request.path.startswith("/api/") or (request.accept_mimetypes.best == "application/json")


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        if wants_json():
            return {"error": "csrf", "message": error.description}, 400
        message = _(
            "Your session has expired or the form was sent from another page. "
            "Please go back, reload the page and try again."
        )
        return render_template("error.html", title=_("Please try again"), message=message), 400

    @app.errorhandler(SecurityError)
    def untrusted_host(error: SecurityError):
        """A Host outside TRUSTED_HOSTS: no URL can be built for it, so no page either."""
        message = _("This address is not served here.")
        return f"{message}\n", 400, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        # The exception's own headers (405: Allow; 401: WWW-Authenticate), not its body's type.
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        if wants_json():
            return {"error": error.name, "message": error.description}, error.code, headers
        titles = {
            400: _("The request could not be understood"),
            401: _("Please sign in"),
            403: _("You do not have access to this page"),
            404: _("Page not found"),
            405: _("This action is not allowed here"),
            410: _("This file is no longer kept"),
            413: _("What you sent is too large"),
            429: _("Too many attempts"),
        }
        messages = {
            410: _("Files made for download are deleted after a while: make it again."),
            413: _("Please shorten your answers and try again."),
            429: _("Please wait a minute before trying again."),
        }
        title = titles.get(error.code or 500, _("Something went wrong"))
        message = messages.get(error.code or 500, "")
        return render_template("error.html", title=title, message=message), error.code, headers
