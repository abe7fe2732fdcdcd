"""What is counted for the results: the figures of one set of respondents (a segment).

Counting (from the answers or from the live counters, `survey.aggregation`) fills these in
the database; each question type says which figures it needs (`Question.counted`) and turns
them into its entry of the results (`Question.result_entry`). The metric names are also the
`metric` column of the live counters (table `result_counts`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

#: Answer rows per (question, option): a chosen option, a text answer (option "").
OPTION = "option"
#: Answer rows per (ranking question, item, rank); rank None is "not ranked".
RANK = "rank"
#: Respondents who answered a question stored in several rows.
RESPONDENTS = "distinct"
#: "Other" answers that carry a text.
OTHER_TEXTS = "other"
#: Open answers coded into each of the working group's categories (never a live counter:
#: codings change at any time, so they are always counted from the codings).
CODED = "coded"


def _ranks() -> defaultdict[str, defaultdict[str, dict[int | None, int]]]:
    return defaultdict(lambda: defaultdict(dict))


@dataclass
class Figures:
    """The counts of one segment of submitted responses (and of its drafts)."""

    total: int = 0
    in_progress: int = 0
    languages: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    #: question -> option -> answer rows
    options: defaultdict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    #: question -> item -> rank (None: not ranked) -> respondents
    ranks: defaultdict[str, defaultdict[str, dict[int | None, int]]] = field(default_factory=_ranks)
    #: question -> respondents who answered it
    respondents: dict[str, int] = field(default_factory=dict)
    #: question -> "other" answers with a text
    others: dict[str, int] = field(default_factory=dict)
    #: coded question -> category -> answers coded into it
    coded: defaultdict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    #: coded question -> answers coded into at least one category
    coded_answers: dict[str, int] = field(default_factory=dict)

    def option_count(self, question: str, option: str) -> int:
        return self.options.get(question, {}).get(option, 0)

    def add(self, other: Figures) -> None:
        """Add the figures of another, disjoint, set of respondents (segments grouped)."""
        self.total += other.total
        self.in_progress += other.in_progress
        for language, count in other.languages.items():
            self.languages[language] += count
        for mine, theirs in ((self.options, other.options), (self.coded, other.coded)):
            for question, counts in theirs.items():
                _add_counts(mine[question], counts)
        for question, items in other.ranks.items():
            for item, by_rank in items.items():
                _add_counts(self.ranks[question][item], by_rank)
        for own, added in (
            (self.respondents, other.respondents),
            (self.others, other.others),
            (self.coded_answers, other.coded_answers),
        ):
            _add_counts(own, added)


def _add_counts(into: dict[Any, int], counts: dict[Any, int]) -> None:
    for key, count in counts.items():
        into[key] = into.get(key, 0) + count


def rounded(numerator: int, denominator: int, places: int) -> float | None:
    """numerator / denominator rounded half up (as people round), or None for 0 / 0."""
    if not denominator:
        return None
    quantum = Decimal(1).scaleb(-places)
    return float((Decimal(numerator) / Decimal(denominator)).quantize(quantum, ROUND_HALF_UP))


def percent(count: int, answered: int) -> float:
    """count / answered × 100, one decimal; 0 when nobody answered."""
    value = rounded(count * 100, answered, 1)
    return 0.0 if value is None else value
