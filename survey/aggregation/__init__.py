"""Results of the survey, counted in the database: totals, every question, segments.

A plain package (no request objects): the dashboard, the JSON API and the exports call it.
Only submitted responses count; drafts are reported separately as `in_progress`.

- `counters`: the live counters (table `result_counts`), written as submissions are taken
  in and read for most requests;
- `from_answers`: counting from the answers (GROUP BY), for every other request;
- `body`: the results body, each question's entry made by its type;
- `statistics`: chi-square tests between segments;
- `cache`: per-process results under the data version.

The counters are used only while they hold exactly the responses marked counted; both paths
give the same figures.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, literal, null, select, union_all

from survey.aggregation import by_response, counters, from_answers
from survey.aggregation.body import result_body, segment_values
from survey.aggregation.cache import cached
from survey.aggregation.statistics import (
    chi_square_tests,
    option_tests,
    prepare_statistics,
    rank_tests,
)
from survey.changes import EXCLUSIONS
from survey.database import begin_write, side_by_side
from survey.extensions import db
from survey.models import DRAFT, EXCLUDED, RESPONSES, STATUSES, SUBMITTED, ChangeCounter
from survey.open_answers.coding import VERSION as CODING
from survey.questionnaire import Questionnaire, current_questionnaire
from survey.questionnaire.figures import Figures
from survey.selection import LANGUAGE, FilterError, Filters, question_reference, split_segment

#: The results' `figures` when "other" answers count as the option they were recoded into.
RECODED = "recoded"

__all__ = [
    "aggregate_results",
    "comparable_questions",
    "compare_segments",
    "DataState",
    "data_state",
    "prepare_statistics",
    "take_in_new_submissions",
    "version_info",
]

#: The row of `version_info`'s query that counts submitted responses not counted yet.
UNCOUNTED = "uncounted"


def count(
    filters: Filters, segment: str | None, recoded: bool, state: DataState
) -> dict[str, Figures]:
    """Every figure, per segment value: from the live counters when they can serve the
    request, else from the results' rows (one per response), else from the answers (each
    only while it holds exactly the responses marked counted). `RESULT_COUNTS = False`
    always counts from the answers, `RESULT_ROWS = False` leaves out the rows. `state` (read
    once per request) says how many responses the rows must hold. The counters and the rows
    hold the answers as given: figures `recoded` add the difference recoding
    makes for the few respondents with a recoded answer."""
    config = current_app.config
    if not config.get("RESULT_COUNTS", True):
        return _from_answers(filters, segment, recoded)
    rows = serving_rows(filters, segment, state)
    servable = counters.servable(filters, segment)
    if not servable and rows is None:
        return _from_answers(filters, segment, recoded)

    def add_codings(found: dict[str, Figures]) -> None:
        """The codings of the selected respondents: through their rows where there are some
        (0.07 s at a million responses), else through their answers (0.15–0.25 s)."""
        if rows is not None:
            by_response.add_codings(rows, found, filters, segment)
        else:
            from_answers.add_codings(found, filters, segment)

    # Each half runs on a connection of its own (`side_by_side`), so they should take about
    # as long: the codings go beside the counters' one short query, and into the other half
    # beside the rows' long scan, unless that half also works out what recoding changes.
    codings_besides = not servable and not recoded

    def counted() -> dict[str, Figures] | None:
        """The figures of the live counters or of the rows."""
        found = counters.read(filters, segment) if servable else None
        if found is None and rows is not None:
            found = by_response.count(rows, filters, segment)
        if found is not None and not codings_besides:
            add_codings(found)
        return found

    def besides() -> dict[str, Figures]:
        """What is in neither the counters nor the rows: the drafts per segment, what
        recoding changes, and the codings when the rows are counted."""
        found: dict[str, Figures] = defaultdict(Figures)
        if codings_besides:
            add_codings(found)
        for value, drafts in from_answers.drafts_per_segment(filters, segment).items():
            found[value].in_progress += drafts
        if recoded:
            for value, difference in from_answers.recode_difference(filters, segment).items():
                found[value].add(difference)
        return found

    figures, more = side_by_side(counted, besides)
    if figures is None:  # the counters are out of step, and there are no rows
        return _from_answers(filters, segment, recoded)
    for value, added in more.items():
        figures.setdefault(value, Figures()).add(added)
    return figures


def serving_rows(
    filters: Filters, segment: str | None, state: DataState
) -> by_response.Layout | None:
    """The results' rows, when they hold every counted response and can select this request
    (none with `RESULT_COUNTS` or `RESULT_ROWS` off)."""
    config = current_app.config
    if not (config.get("RESULT_COUNTS", True) and config.get("RESULT_ROWS", True)):
        return None
    rows = by_response.usable(state.submitted - state.uncounted)
    if rows is None or not by_response.serves(rows, filters, segment):
        return None
    return rows


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while figures are counted and a body is built.

    A comparison by country at a million responses makes some 144,000 groups into several
    hundred thousand short-lived objects, none of them in a reference cycle (reference counting
    frees them); each collection the allocations set off walked them all: 0.25 s of 1.4 s.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _from_answers(filters: Filters, segment: str | None, recoded: bool) -> dict[str, Figures]:
    """Every figure counted from the answers and the codings (the slow, always right path)."""
    figures = from_answers.count_from_answers(filters, segment, recoded)
    from_answers.add_codings(figures, filters, segment)
    return figures


def _languages() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def _checked_locale(locale: str | None) -> str:
    if not locale:
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    if locale not in _languages():
        raise FilterError(_("Unknown language: “%(value)s”.", value=locale))
    return locale


def aggregate_results(
    filters: Filters | None = None,
    locale: str = "en",
    recoded: bool = False,
    state: DataState | None = None,
) -> dict[str, Any]:
    """The body of GET /api/results: totals and every question for the filtered responses
    (`recoded`: "other" answers counted as the option the working group recoded them into,
    and the body says so with `"figures": "recoded"`). `state`: `data_state()`, when the
    caller has read it already."""
    filters = filters or Filters()
    locale = _checked_locale(locale)
    questionnaire = current_questionnaire()
    state = state or data_state()
    key = ("results", state.version, filters, locale, recoded)

    @_cycle_collector_paused()
    def compute() -> dict[str, Any]:
        figures = count(filters, None, recoded, state).get("", Figures())
        with force_locale(locale):
            body = result_body(questionnaire, figures, _languages(), locale)
        return {**body, "figures": RECODED} if recoded else body

    return cached(key, compute)


def comparable_questions(questionnaire: Questionnaire | None = None) -> list[str]:
    """What ?compare= accepts: "lang", the questions answered with one option, and each
    option of the questions answered with several (`q6.government`)."""
    questionnaire = questionnaire or current_questionnaire()
    found = [LANGUAGE, *(q.code for q in questionnaire.where("segmentable"))]
    for question in questionnaire.where("option_segmentable"):
        found += [f"{question.code}.{option}" for option in question.filter_values()]
    return found


def check_comparable(compare: str) -> None:
    """FilterError unless ?compare= accepts `compare`."""
    if compare in comparable_questions():
        return
    code, option = split_segment(compare)
    question = current_questionnaire().get(code)
    if question is None:
        raise FilterError(_("Results cannot be compared by “%(value)s”.", value=compare))
    if option is not None and question.option_segmentable:
        raise FilterError(
            _(
                "Question %(number)s (“%(text)s”) has no option “%(value)s”.",
                value=option,
                **question_reference(question),
            )
        )
    raise FilterError(
        _(
            "Results cannot be compared by question %(number)s (“%(text)s”): only questions "
            "answered with one option divide respondents into segments.",
            **question_reference(question),
        )
    )


def compare_label(compare: str, locale: str) -> str:
    """The compared question in a few words ("Association member"; for one option of a
    question answered with several, "Partners for advocacy: Government agencies")."""
    if compare == LANGUAGE:
        with force_locale(locale):
            return str(_("Language of the answers"))
    code, option = split_segment(compare)
    question = current_questionnaire().question(code)
    with force_locale(locale):
        if option is None:
            return question.short_label
        return f"{question.short_label}: {question.option_label(option, locale)}"


#: Grouped small segments have this value (never an option code: those have no "*").
GROUPED = "*"


def compare_segments(
    compare: str,
    filters: Filters | None = None,
    locale: str = "en",
    recoded: bool = False,
    group_below: int = 0,
    state: DataState | None = None,
) -> dict[str, Any]:
    """The results side by side per segment, with tests of the differences between them.

    Segments are the values of `compare` (a language, an option of a segment question, or
    chose / did not choose one option of a question answered with several); respondents who
    did not answer the compared question are in no segment. Compared by a question whose
    small segments are grouped (`Question.groups_small_segments`: countries), segments of
    fewer than `group_below` respondents are one segment (value "*", its members in
    `grouped`). Each segment carries the same body as `aggregate_results`; `tests` holds a
    chi-square test per tested question other than the compared one
    (`statistics.chi_square_tests`), `rank_tests` a rank test per ranking item and
    `option_tests` a chi-square test per option of questions answered with several options.
    `state`: `data_state()`, when the caller has read it already.
    """
    filters = filters or Filters()
    questionnaire = current_questionnaire()
    check_comparable(compare)
    locale = _checked_locale(locale)
    code, option = split_segment(compare)
    question = questionnaire.get(code)
    if question is None or not question.groups_small_segments:
        group_below = 0
    state = state or data_state()
    key = ("compare", state.version, compare, filters, locale, recoded, group_below)

    @_cycle_collector_paused()
    def compute() -> dict[str, Any]:
        figures = count(filters, compare, recoded, state)
        with force_locale(locale):
            if option is not None and question is not None:
                values = question.option_segments(option, locale)
            else:
                values = segment_values(questionnaire, compare, figures, _languages(), locale)
            if group_below > 0 and question is not None:
                values, grouped = group_small_segments(values, figures, group_below)
                if grouped:
                    values.append((GROUPED, question.grouped_segments_label()))
            segments = []
            for value, label in values:
                segment = figures.get(value, Figures())
                body = result_body(questionnaire, segment, _languages(), locale)
                segments.append({"value": value, "label": label, **body})
                if value == GROUPED:
                    segments[-1]["grouped"] = grouped
            found: dict[str, Any] = {
                "compare": compare,
                "label": compare_label(compare, locale),
                "segments": segments,
                "tests": chi_square_tests(questionnaire, compare, segments),
                "rank_tests": rank_tests(questionnaire, compare, segments),
                "option_tests": option_tests(questionnaire, compare, segments),
            }
            if group_below > 0:
                found["group_below"] = group_below
            return {**found, "figures": RECODED} if recoded else found

    return cached(key, compute)


def group_small_segments(
    values: list[tuple[str, str]], figures: dict[str, Figures], smallest: int
) -> tuple[list[tuple[str, str]], list[str]]:
    """The segments of at least `smallest` respondents, and the values of the others, whose
    figures are added up under `GROUPED` in `figures`."""
    kept, grouped = [], []
    together = Figures()
    for value, label in values:
        segment = figures.get(value)
        if segment is None or segment.total >= smallest:
            kept.append((value, label))
            continue
        grouped.append(value)
        together.add(segment)
    if grouped:
        figures[GROUPED] = together
    return kept, grouped


@dataclass(frozen=True)
class DataState:
    """What the data holds at one moment: its version and how many responses of each kind."""

    #: A short string that changes whenever a response is started, submitted, excluded,
    #: restored or removed, or the coding changes (see `data_state`).
    version: str
    submitted: int
    drafts: int
    excluded: int
    #: Submitted responses not counted into the live counters yet.
    uncounted: int

    def public(self) -> dict[str, Any]:
        """The body of GET /api/version."""
        return {
            "version": self.version,
            "total": self.submitted,
            "in_progress": self.drafts,
            "excluded": self.excluded,
        }


def version_info() -> dict[str, Any]:
    """`{"version": the data's version, "total": submitted responses, "in_progress": drafts,
    "excluded": excluded responses}`."""
    return data_state().public()


def data_state() -> DataState:
    """The data's version and counts, in one query (read it once per request: about 0.05 s
    at a million responses).

    New submissions are counted into the live counters first. The version holds the number
    of submitted responses *and* of those not counted yet (one submitted after that): a body
    counted from the counters under this version may lack those, but counting them changes
    the version, so a cached body is never served once they are in. It also holds the
    change counters of the coding and of exclusions, so excluding and restoring responses
    (which may leave every count as it was: one excluded, another restored) changes it too.
    """
    take_in_new_submissions()
    r = RESPONSES
    # Per status, a count and the latest submission, each from an index (the count's alone,
    # the latest one entry): a fifth of the time of one GROUP BY status, which reads the whole
    # table at a million responses.
    by_status = [
        select(
            literal(status),
            select(func.count()).where(r.c.status == status).scalar_subquery(),
            select(func.max(r.c.submitted_at)).where(r.c.status == status).scalar_subquery(),
        )
        for status in STATUSES
    ]
    uncounted = select(literal(UNCOUNTED), func.count(), null()).where(counters.not_yet_counted(r))
    changes = select(ChangeCounter.name, ChangeCounter.value, null()).where(
        ChangeCounter.name.in_([CODING, EXCLUSIONS])
    )
    rows = db.session.execute(union_all(*by_status, uncounted, changes)).all()
    found = {status: (number, last) for status, number, last in rows}
    submitted, last = found.get(SUBMITTED, (0, None))
    drafts = found.get(DRAFT, (0, None))[0]
    excluded = found.get(EXCLUDED, (0, None))[0]
    waiting = found.get(UNCOUNTED, (0, None))[0]
    coded = found.get(CODING, (0, None))[0]
    exclusions = found.get(EXCLUSIONS, (0, None))[0]
    stamp = last.isoformat() if hasattr(last, "isoformat") else str(last or "")
    return DataState(
        version=f"{submitted}.{waiting}.{drafts}.{excluded}.{exclusions}.{coded}.{stamp}",
        submitted=submitted,
        drafts=drafts,
        excluded=excluded,
        uncounted=waiting,
    )


def take_in_new_submissions() -> None:
    """Take responses submitted since the last read into the counters, in a transaction of
    its own (committed before the results are read). Nothing to do is one index probe."""
    if not counters.new_submission_count(db.session.connection()):
        return
    begin_write()
    counters.count_new_submissions(db.session.connection())
    db.session.commit()
