from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from survey.api import views  # noqa: E402, F401
