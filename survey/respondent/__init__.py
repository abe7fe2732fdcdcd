from flask import Blueprint

bp = Blueprint("respondent", __name__, template_folder="templates")

from survey.respondent import views  # noqa: E402, F401
