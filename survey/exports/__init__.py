from flask import Blueprint

bp = Blueprint("export", __name__, url_prefix="/export", template_folder="templates")

from survey.exports import jobs, views  # noqa: E402, F401
