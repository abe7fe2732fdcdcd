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


#: Fewer respondents than this in a segment make a rank test's p-value untrustworthy (its
#: normal or chi-square approximation); the same threshold as Cochran's rule above.
MIN_RANKED = 5
MANN_WHITNEY = "mann_whitney_u"
KRUSKAL_WALLIS = "kruskal_wallis"


def rank_tests(
    questionnaire: Questionnaire, compare: str, segments: Sequence[dict[str, Any]]
) -> dict[str, dict[str, dict[str, Any]]]:
    """Do the segments rank an item differently? Per item of every ranking question.

    The ranks the item was given in each segment (respondents who did not rank it are left
    out) are compared with `scipy.stats.mannwhitneyu(x, y, alternative="two-sided")` for two
    segments and `scipy.stats.kruskal` for more; segments where nobody ranked the item are
    left out, and an item left with fewer than two segments (or the same rank everywhere)
    is not tested. `reliable` is false when a segment has fewer than 5 respondents who
    ranked the item.
    """
    import numpy as np
    from scipy.stats import kruskal, mannwhitneyu

    tests: dict[str, dict[str, dict[str, Any]]] = {}
    for question in questionnaire.where("rank_tested"):
        if question.code == compare:
            continue
        found = {}
        for position, item in enumerate(_first_items(segments, question.code)):
            samples = []
            given: set[int] = (
                set()
            )  # the ranks given anywhere, read off the counts (not the samples)
            for segment in segments:
                by_rank = segment["questions"][question.code]["items"][position]["by_rank"]
                if any(by_rank):
                    samples.append(np.repeat(np.arange(1, len(by_rank) + 1), by_rank))
                    given.update(rank for rank, n in enumerate(by_rank) if n)
            if len(samples) < 2 or len(given) < 2:
                continue
            if len(samples) == 2:
                result, name = mannwhitneyu(*samples, alternative="two-sided"), MANN_WHITNEY
            else:
                result, name = kruskal(*samples), KRUSKAL_WALLIS
            found[item] = {
                "test": name,
                "statistic": float(result.statistic),
                "p": float(result.pvalue),
                "reliable": min(len(sample) for sample in samples) >= MIN_RANKED,
            }
        if found:
            tests[question.code] = found
    return tests


def option_tests(
    questionnaire: Questionnaire, compare: str, segments: Sequence[dict[str, Any]]
) -> dict[str, dict[str, dict[str, Any]]]:
    """Do the segments choose an option equally often? Per option of every question whose
    respondents may choose several options (so one table of all options would count some
    respondents more than once).

    For each option a segments x (chose it, answered without choosing it) table goes to
    `scipy.stats.chi2_contingency` (Yates' correction: these tables are 2 x 2 for two
    segments), after leaving out segments where nobody answered; an option that everybody
    or nobody chose is not tested. `reliable` as for `chi_square_tests`.
    """
    from scipy.stats import chi2_contingency

    compared = compare.partition(".")[0]
    tests: dict[str, dict[str, dict[str, Any]]] = {}
    for question in questionnaire.where("option_tested"):
        if question.code == compared:
            continue
        found = {}
        entries = [segment["questions"][question.code] for segment in segments]
        entries = [entry for entry in entries if entry["answered"]]
        for position, option in enumerate(entries[0]["options"] if entries else []):
            table = [[entry["options"][position]["count"], entry["answered"]] for entry in entries]
            table = [[chose, answered - chose] for chose, answered in table]
            if len(table) < 2 or not all(any(column) for column in zip(*table, strict=True)):
                continue
            result = chi2_contingency(table)
            found[option["code"]] = {
                "chi2": float(result.statistic),
                "dof": int(result.dof),
                "p": float(result.pvalue),
                "reliable": bool(result.expected_freq.min() >= MIN_EXPECTED),
            }
        if found:
            tests[question.code] = found
    return tests


def _first_items(segments: Sequence[dict[str, Any]], code: str) -> list[str]:
    """The item codes of a ranking question, in the order every segment lists them."""
    if not segments:
        return []
    return [item["code"] for item in segments[0]["questions"][code]["items"]]
