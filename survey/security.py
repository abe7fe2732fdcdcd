"""Security headers and the error pages every audience shares."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

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
STAFF_BLUEPRINTS = frozenset({"auth", "results", "export", "api"})


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

    for hooks, keep in (
        (app.before_request_funcs, False),  # the decorators check: nothing is left to do
        (app.after_request_funcs, True),
        (app.teardown_request_funcs, True),
    ):
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
            413: _("What you sent is too large"),
            429: _("Too many attempts"),
        }
        messages = {
            413: _("Please shorten your answers and try again."),
            429: _("Please wait a minute before trying again."),
        }
        title = titles.get(error.code or 500, _("Something went wrong"))
        message = messages.get(error.code or 500, "")
        return render_template("error.html", title=title, message=message), error.code, headers
