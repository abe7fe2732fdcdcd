from flask import Blueprint, request
from flask_login import current_user

bp = Blueprint("api", __name__, url_prefix="/api")

from survey.aggregation import prepare_statistics  # noqa: E402
from survey.auth.access import bearer_token  # noqa: E402
from survey.extensions import csrf  # noqa: E402

bp.before_request(prepare_statistics)


@bp.before_request
def csrf_unless_bearer() -> None:
    """The API is exempt from the app-wide CSRF check so that scripts with a bearer token
    need no token; a change sent with a session cookie (a browser) must still carry one.
    A request with neither is left to the view, which answers 401."""
    if request.method in ("GET", "HEAD", "OPTIONS") or bearer_token(request):
        return
    if current_user.is_authenticated:
        csrf.protect()


from survey.api import coding, console, views  # noqa: E402, F401
