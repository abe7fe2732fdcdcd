from flask import Blueprint

bp = Blueprint("results", __name__, url_prefix="/results", template_folder="templates")

from survey.aggregation import prepare_statistics  # noqa: E402

bp.before_request(prepare_statistics)

from survey.results import translations, views  # noqa: E402, F401
