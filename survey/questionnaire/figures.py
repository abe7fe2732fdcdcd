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


@dataclass(frozen=True)
class Slot:
    """One small whole number that sums up a response's answer to a question: a column of the
    results' table of one row per response (`survey.aggregation.by_response`).

    0 means "no answer"; values run below `size`. `codes` are the option codes the values
    stand for, in the order the type numbers them: they are part of the table's layout, so
    a questionnaire whose codes change gets a new table.
    """

    name: str
    size: int
    codes: tuple[str, ...] = ()


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

    def add(self, other: Figures, sign: int = 1) -> None:
        """Add (sign 1) or subtract (-1) the figures of another set of respondents."""
        self.total += sign * other.total
        self.in_progress += sign * other.in_progress
        for language, count in other.languages.items():
            self.languages[language] += sign * count
        for question, counts in other.options.items():
            options = self.options[question]
            for option, count in counts.items():
                add_count(options, option, sign * count)
                if not options[option]:
                    del options[option]  # as if never counted: no row of its own
        for question, items in other.ranks.items():
            for item, by_rank in items.items():
                ranks = self.ranks[question][item]
                for rank, count in by_rank.items():
                    ranks[rank] = ranks.get(rank, 0) + sign * count
        for kind in ("respondents", "others", "coded_answers"):
            totals = getattr(self, kind)
            for key, count in getattr(other, kind).items():
                add_count(totals, key, sign * count)
        for question, counts in other.coded.items():
            for code, count in counts.items():
                add_count(self.coded[question], code, sign * count)


def add_count(counts: dict[str, int], key: str, count: int) -> None:
    """counts[key] += count, starting from 0."""
    counts[key] = counts.get(key, 0) + count


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
