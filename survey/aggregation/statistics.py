"""Tests of independence between the segments of a comparison and the answers to a question.

SciPy does the statistics; importing it takes about a second and 70 MB, so a worker starts
importing it in the background when a working-group member's request arrives
(`prepare_statistics`), and workers that only ever serve respondents never load it.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Sequence
from typing import Any

from survey.questionnaire import Questionnaire

#: Expected counts below this make a chi-square p-value untrustworthy (Cochran's rule).
MIN_EXPECTED = 5

_statistics_import = threading.Lock()
_statistics_imported = False


def prepare_statistics() -> None:
    """Start importing SciPy's statistics in the background, once per process."""
    global _statistics_imported
    with _statistics_import:
        if _statistics_imported:
            return
        _statistics_imported = True
    threading.Thread(
        target=importlib.import_module, args=("scipy.stats",), name="import-scipy", daemon=True
    ).start()


def chi_square_tests(
    questionnaire: Questionnaire, compare: str, segments: Sequence[dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Pearson's chi-square test of independence between segment and answer, for every
    tested question other than the compared one.

    `scipy.stats.chi2_contingency` (Yates' continuity correction on 2 x 2 tables) on the
    segments x options table of counts, after dropping all-zero rows and columns; a question
    with fewer than two segments or two options left is not tested. `reliable` is false when
    any expected count is below 5 (Cochran's rule).
    """
    from scipy.stats import chi2_contingency

    tests = {}
    for question in questionnaire.where("tested"):
        if question.code == compare:
            continue
        table = [
            [option["count"] for option in segment["questions"][question.code]["options"]]
            for segment in segments
        ]
        table = [row for row in table if any(row)]
        columns = [i for i in range(len(table[0]) if table else 0) if any(r[i] for r in table)]
        table = [[row[i] for i in columns] for row in table]
        if len(table) < 2 or len(columns) < 2:
            continue
        result = chi2_contingency(table)
        tests[question.code] = {
            "chi2": float(result.statistic),
            "dof": int(result.dof),
            "p": float(result.pvalue),
            "reliable": bool(result.expected_freq.min() >= MIN_EXPECTED),
        }
    return tests
