"""The admins' console: the survey's state and schedule, accounts, the audit log.

Every page here needs the admin role (403 for anyone else, the sign-in page for nobody);
every change is a POST with a CSRF token, calls an operation of a plain module
(`survey.survey_state`, `survey.auth.accounts`) and is written to the audit log.
"""

from flask import Blueprint
from flask_login import login_required

from survey.auth.access import require_admin

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates")


@bp.before_request
@login_required
def admins_only() -> None:
    require_admin()


from survey.console import views  # noqa: E402, F401
