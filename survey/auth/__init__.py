from flask import Blueprint

bp = Blueprint("auth", __name__, template_folder="templates")

from survey.auth import access, account_views, views  # noqa: E402, F401
