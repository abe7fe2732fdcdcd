from flask import Blueprint

bp = Blueprint("results", __name__, url_prefix="/results", template_folder="templates")

from survey.aggregation import prepare_statistics  # noqa: E402
from survey.results import formatting  # noqa: E402

bp.before_request(prepare_statistics)
formatting.register(bp)

from survey.results import coding, open_answers, report, responses, views  # noqa: E402, F401
