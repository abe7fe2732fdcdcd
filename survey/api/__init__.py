from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from survey.aggregation import prepare_statistics  # noqa: E402

bp.before_request(prepare_statistics)

from survey.api import views  # noqa: E402, F401
