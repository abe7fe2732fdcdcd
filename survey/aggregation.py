"""Results of the survey, counted in the database: totals, every question, segments.

A plain module (no request objects): the dashboard, the JSON API and the exports call it.
Only submitted responses count; drafts are reported separately as `in_progress`.

Most requests read live counters (`survey.result_counts`, which take in new submissions
at each read of the results, see `version_info`): no filter or one option of one choice
question, with or without a language, compared by language or (without an option filter) by
a single-choice, yes/no or country question. The counters are used only while they hold
exactly the responses marked counted. Every other request
is a GROUP BY in SQL over the long-form `answers` table joined to the set of responses that
match the filters; nothing loads responses into Python. Both give the same figures.

The body returned by `aggregate_results` is the public JSON contract of `GET /api/results`::

    {"total": 82, "in_progress": 3, "languages": {"en": 50, "ru": 32},
     "questions": {"q1": {"type": "single", "answered": 80, "declined": 2, "base": 82,
                          "percent_base": "answered", "other_count": 4,
                          "options": [{"code": "public", "label": "...", "count": 30,
                                       "percent": 37.5}, ...]},
                   "q14": {"type": "ranking", ..., "items": [{"code": "libraries",
                           "by_rank": [31, 16, 14, 15, 1, 0], "na": 5, "mean": 2.21,
                           "first": 31, "n": 77}, ...]}, ...}}

Bases: `declined = base - answered`, where the base is every submitted response matching the
filters, except for follow-up questions, whose base is the respondents eligible for them:
q2_role those with q2 = yes, q5_budget those with q5 = yes, q7 those who chose any partner
type in q6. Percentages are of the respondents who answered the question (one decimal); for
multiple choice one respondent may choose several options, so they may add up to more than
100 (`"percent_base": "respondents"`).

Results are cached per process, keyed by `data_version()` (read from the database before
counting), the filters, the comparison and the locale, so every gunicorn worker sees a new
submission on its next request.
"""

from __future__ import annotations

import copy
import importlib
import logging
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, case, func, literal, null, or_, select, union_all

from survey import result_counts
from survey.database import begin_write
from survey.extensions import db
from survey.i18n import LANGUAGE_NAMES, country_codes, country_name
from survey.i18n import lazy_gettext as _l
from survey.models import DRAFT, SUBMITTED, Answer, Response
from survey.questionnaire import (
    NOT_APPLICABLE,
    QUESTIONS,
    QUESTIONS_BY_CODE,
    ChoiceQuestion,
    RankingQuestion,
)

ANSWERS = Answer.__table__
RESPONSES = Response.__table__
COUNTS = result_counts.COUNTS

log = logging.getLogger(__name__)
#: Set on the app while the counters disagree with the responses (so that is logged once).
MISMATCH = "survey_result_counts_mismatch"
#: The row of `version_info`'s query that counts submitted responses not counted yet.
UNCOUNTED = "uncounted"

CHOICE_TYPES = ("single", "yesno", "country", "multiple")
#: Questions whose answer is one option: a respondent's segment in a comparison.
SEGMENT_TYPES = ("single", "yesno", "country")
#: Questions tested against the segments with a chi-square test of independence.
TESTED_TYPES = ("single", "yesno")
#: Follow-up questions asked only to some respondents, and who is eligible for them.
#: q2_role and q5_budget follow a condition (q2 = yes, q5 = yes); q7 offers the partner types
#: chosen in q6, so its base is everyone who chose at least one of them.
LANGUAGE_SEGMENT = "lang"
OTHER_TEXT_FIELDS = {
    q.other_field: q.code for q in QUESTIONS if isinstance(q, ChoiceQuestion) and q.other_field
}
COUNTRY_NOT_SAID = _l("Prefer not to say")
MAX_RANK = result_counts.MAX_RANK
#: Expected counts below this make a chi-square p-value untrustworthy (Cochran's rule).
MIN_EXPECTED = 5


class FilterError(ValueError):
    """A filter, comparison or open-answer code that the questionnaire does not know."""


def _codes_of(*types: str) -> tuple[str, ...]:
    return tuple(q.code for q in QUESTIONS if q.type in types)


def _option_codes(code: str) -> tuple[str, ...]:
    question = QUESTIONS_BY_CODE[code]
    if question.type == "country":
        return (*sorted(country_codes()), NOT_APPLICABLE)
    if isinstance(question, RankingQuestion):
        return question.item_codes
    return question.option_codes


FILTER_TYPES = (*CHOICE_TYPES, "ranking")
NOT_FILTERS = frozenset({"compare", "locale", "format", "limit", "offset", "page", "sort"})


@dataclass(frozen=True)
class Filters:
    """Which submitted responses to count: a language and chosen options.

    Options of one question are OR-ed (`?q6=government&q6=business`: chose either), different
    questions AND-ed. For a ranking question, an item means "ranked it" (`?q14=libraries`).
    """

    language: str | None = None
    answers: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @classmethod
    def from_args(cls, args) -> Filters:
        """Filters from query arguments (a MultiDict); unknown codes raise FilterError.

        Keys that are not filters (compare, locale, format, ...) are ignored; empty values
        are ignored; a value may also list several options separated by commas.
        """
        language = None
        languages = [v for v in _values(args, "lang")]
        if len(languages) > 1:
            raise FilterError(_("Give only one language filter (lang)."))
        if languages:
            if languages[0] not in current_app.config["LANGUAGES"]:
                raise FilterError(_("Unknown language: “%(value)s”.", value=languages[0]))
            language = languages[0]
        chosen: dict[str, set[str]] = {}
        for key in args:
            if key == "lang" or key in NOT_FILTERS:
                continue
            question = QUESTIONS_BY_CODE.get(key)
            if question is None:
                if key.startswith("q") and key[1:2].isdigit():
                    raise FilterError(_("Unknown question: “%(value)s”.", value=key))
                continue
            values = _values(args, key)
            if not values:
                continue
            if question.type not in FILTER_TYPES:
                raise FilterError(_("Question %(code)s cannot be used as a filter.", code=key))
            known = set(_option_codes(key))
            for value in values:
                if value not in known:
                    raise FilterError(
                        _("Unknown option for %(code)s: “%(value)s”.", code=key, value=value)
                    )
            chosen.setdefault(key, set()).update(values)
        answers = tuple(
            (q.code, tuple(code for code in _option_codes(q.code) if code in chosen[q.code]))
            for q in QUESTIONS
            if q.code in chosen
        )
        return cls(language=language, answers=answers)

    def to_args(self) -> list[tuple[str, str]]:
        """Query arguments that `from_args` reads back into the same filters."""
        pairs = [("lang", self.language)] if self.language else []
        pairs += [(code, option) for code, options in self.answers for option in options]
        return pairs

    def __bool__(self) -> bool:
        return bool(self.language or self.answers)


def _values(args, key: str) -> list[str]:
    values: list[str] = []
    for raw in args.getlist(key):
        values += [part.strip() for part in raw.split(",") if part.strip()]
    return values


# --------------------------------------------------------------------------- the queries


def _population(filters: Filters, segment: str | None, statuses: Iterable[str]):
    """Responses matching the filters, with their segment value: SELECT id, seg, status, lang."""
    r = RESPONSES
    if segment is None:
        seg = literal("")
        source = r
    elif segment == LANGUAGE_SEGMENT:
        seg = r.c.language
        source = r
    else:
        s = ANSWERS.alias("s")
        seg = s.c.option
        source = r.join(s, and_(s.c.response_id == r.c.id, s.c.question == segment))
    query = select(
        r.c.id.label("id"), seg.label("seg"), r.c.status.label("status"), r.c.language
    ).select_from(source)
    statuses = tuple(statuses)
    query = query.where(
        r.c.status == statuses[0] if len(statuses) == 1 else r.c.status.in_(statuses)
    )
    if filters.language:
        query = query.where(r.c.language == filters.language)
    for code, options in filters.answers:
        f = ANSWERS.alias(f"f_{code}")
        chose = [f.c.question == code, f.c.option.in_(options)]
        if QUESTIONS_BY_CODE[code].type == "ranking":
            chose.append(f.c.rank.is_not(None))  # ranked the item (not N/A)
        query = query.where(r.c.id.in_(select(f.c.response_id).where(*chose)))
    return query


def _new_segment() -> dict[str, Any]:
    return {
        "total": 0,
        "in_progress": 0,
        "languages": defaultdict(int),
        "options": defaultdict(dict),
        "ranks": defaultdict(lambda: defaultdict(dict)),
        "distinct": {},
        "others": {},
    }


def _counts(filters: Filters, segment: str | None) -> dict[str, Any]:
    """Every figure, per segment value: from the live counters when they can serve the
    request and hold exactly the submitted responses, otherwise counted from the answers.

    Per segment value: total, in_progress, languages, options[question][option] (answer rows
    of choice and text questions), ranks[question][item][rank or None], distinct[question]
    (respondents of multiple-choice, ranking and contact questions) and others[question]
    ("other" answers with a text). `RESULT_COUNTS = False` always counts from the answers.
    """
    if current_app.config.get("RESULT_COUNTS", True) and _servable_from_cells(filters, segment):
        counts = _counts_from_cells(filters, segment)
        if counts is not None:
            return counts
    return _counts_from_answers(filters, segment)


def _counts_from_answers(filters: Filters, segment: str | None) -> dict[str, Any]:
    """Every figure, per segment value, in a handful of GROUP BY queries.

    One query per shape: respondents per status and language; rows per (question, option)
    for choice and text questions (served by the (question, option, response_id) index);
    rows per (question, option, rank) for rankings; distinct respondents per question for
    the questions answered with several rows; "other" answers that carry a text.

    Without filters or comparison the answers are counted over the whole table (the index
    alone) minus the drafts' answers (few, found by response), which avoids checking every
    answer row against the set of submitted responses.
    """
    session = db.session
    population = _population(filters, segment, (SUBMITTED, DRAFT)).subquery("p")
    totals = session.execute(
        select(population.c.seg, population.c.status, population.c.language, func.count()).group_by(
            population.c.seg, population.c.status, population.c.language
        )
    ).all()

    a = ANSWERS
    if segment is not None:
        # Segments: join the answers to (response id, segment value) of the population.
        submitted = _population(filters, segment, (SUBMITTED,)).subquery("p")
        scopes = [(submitted.c.seg, a.join(submitted, submitted.c.id == a.c.response_id), (), 1)]
    elif filters:
        # Filtered: a semi-join (IN) that the database answers with a hash or a probe.
        ids = _population(filters, None, (SUBMITTED,)).with_only_columns(RESPONSES.c.id)
        scopes = [(literal(""), a, (a.c.response_id.in_(ids),), 1)]
    else:
        # Drafts are few: the join starts from them and finds their answers by response.
        drafts = RESPONSES.join(a, a.c.response_id == RESPONSES.c.id)
        scopes = [
            (literal(""), a, (), 1),
            (literal(""), drafts, (RESPONSES.c.status == DRAFT,), -1),
        ]

    def run(group_by, aggregates, where) -> list[tuple]:
        """Rows (seg, *group_by, *aggregates) summed over the scopes (drafts subtracted).

        A constant segment is left out of GROUP BY so that the database can aggregate in
        the order of the (question, option, response_id) index instead of sorting. A row
        that only drafts had (all zero once they are subtracted) is left out, as it would be
        with any filter: what only drafts answered is not a result.
        """
        merged: dict[tuple, list[int]] = {}
        for seg, source, conditions, sign in scopes:
            keys = (*group_by,) if segment is None else (seg, *group_by)
            query = (
                select(seg.label("seg"), *group_by, *aggregates)
                .select_from(source)
                .where(*where, *conditions)
                .group_by(*keys)
            )
            for row in session.execute(query):
                key, values = tuple(row[: 1 + len(group_by)]), row[1 + len(group_by) :]
                total = merged.setdefault(key, [0] * len(aggregates))
                for i, value in enumerate(values):
                    total[i] += sign * int(value or 0)
        return [(*key, *values) for key, values in merged.items() if any(values)]

    options = run(
        (a.c.question, a.c.option),
        (func.count(),),
        (a.c.question.in_(_codes_of(*CHOICE_TYPES, "text")),),
    )
    # Counts per rank as columns (not GROUP BY rank): the index order serves the grouping.
    rank_columns = [func.count(case((a.c.rank == rank, 1))) for rank in range(1, MAX_RANK + 1)] + [
        func.count(case((a.c.rank.is_(None), 1))),
        func.count(case((a.c.rank > MAX_RANK, 1))),
    ]
    rank_rows = run(
        (a.c.question, a.c.option),
        rank_columns,
        (a.c.question.in_(_codes_of("ranking")),),
    )
    ranks = []
    for seg, question, option, *by_rank in rank_rows:
        ranks += [
            (seg, question, option, rank, by_rank[rank - 1]) for rank in range(1, MAX_RANK + 1)
        ]
        ranks.append((seg, question, option, None, by_rank[MAX_RANK]))
    distinct = run(
        (a.c.question,),
        (func.count(func.distinct(a.c.response_id)),),
        (a.c.question.in_(_codes_of("multiple", "ranking", "contact")),),
    )
    others = run(
        (a.c.question,),
        (func.count(),),
        (
            a.c.question.in_(tuple(OTHER_TEXT_FIELDS.values())),
            a.c.option == "other",
            a.c.text.is_not(None),
            a.c.text != "",
        ),
    )

    per_segment: dict[str, dict[str, Any]] = defaultdict(_new_segment)
    for seg, status, language, count in totals:
        entry = per_segment[seg]
        if status == SUBMITTED:
            entry["total"] += count
            entry["languages"][language] += count
        else:
            entry["in_progress"] += count
    for seg, question, option, count in options:
        per_segment[seg]["options"][question][option] = count
    for seg, question, option, rank, count in ranks:
        per_segment[seg]["ranks"][question][option][rank] = count
    for seg, question, count in distinct:
        per_segment[seg]["distinct"][question] = count
    for seg, question, count in others:
        per_segment[seg]["others"][question] = count
    return per_segment


def _servable_from_cells(filters: Filters, segment: str | None) -> bool:
    """Whether the counters hold what the request needs.

    They do without filters or with one option of one choice question (`?q6=government`),
    with or without a language; for no comparison or by language; by a single-choice, yes/no
    or country question only without an option filter (its options are cells themselves).
    """
    if len(filters.answers) > 1:
        return False
    if filters.answers:
        code, options = filters.answers[0]
        if QUESTIONS_BY_CODE[code].type not in result_counts.CELL_TYPES or len(options) != 1:
            return False
    if segment is None or segment == LANGUAGE_SEGMENT:
        return True
    return not filters.answers and QUESTIONS_BY_CODE[segment].type in SEGMENT_TYPES


def _counts_from_cells(filters: Filters, segment: str | None) -> dict[str, Any] | None:
    """The figures of `_counts_from_answers`, read from the counters of the cells involved.

    One query reads the counter rows and, in the same snapshot, the number of responses
    marked counted: unless the counters hold exactly that many (rows deleted or a response
    marked counted by hand), this returns None and the caller counts from the answers.
    Drafts are few and not counted in cells: they are counted here per segment.
    """
    c = COUNTS
    everywhere = filters.language or result_counts.ALL
    if filters.answers:
        code, (option,) = filters.answers[0]
    else:
        code = option = result_counts.ALL
    totals = c.c.metric == result_counts.TOTAL
    if segment == LANGUAGE_SEGMENT:
        # Each language's own cells, all of their figures.
        where = [c.c.cell_question == code, c.c.cell_option == option]
        where.append(c.c.lang == filters.language if filters.language else c.c.lang != "")
    else:
        if segment is None:
            where = [c.c.cell_question == code, c.c.cell_option == option]
        else:
            where = [c.c.cell_question == segment]
        # The figures of the cell in the filtered language (all languages: ''), and the
        # totals per language for `languages`.
        where.append(c.c.lang == everywhere if filters.language else or_(c.c.lang == "", totals))
    counters = select(
        c.c.lang, c.c.cell_option, c.c.metric, c.c.question, c.c.option, c.c.rank, c.c.n
    ).where(*where)
    everyone = and_(c.c.cell_question == "", c.c.cell_option == "", c.c.lang == "", totals)
    check = [
        select(*_check_row("counted"), c.c.n).where(everyone),
        # Marked counted: submitted minus new, each counted from an index.
        select(*_check_row("submitted"), func.count()).where(RESPONSES.c.status == SUBMITTED),
        select(*_check_row("new"), func.count()).where(result_counts.not_yet_counted()),
    ]
    rows = db.session.execute(union_all(counters, *check)).all()

    per_segment: dict[str, dict[str, Any]] = defaultdict(_new_segment)
    found = {"counted": 0, "submitted": 0, "new": 0}
    for lang, cell_option, metric, question, option_code, rank, n in rows:
        if metric in found:
            found[metric] = n
            continue
        if not n:
            continue
        if segment is None:
            seg = ""
        elif segment == LANGUAGE_SEGMENT:
            seg = lang
        else:
            seg = cell_option
        entry = per_segment[seg]
        own = segment == LANGUAGE_SEGMENT or lang == everywhere
        if metric == result_counts.TOTAL:
            if lang:
                entry["languages"][lang] += n
            if own:
                entry["total"] = n
        elif not own:
            continue
        elif metric == result_counts.OPTION:
            entry["options"][question][option_code] = n
        elif metric == result_counts.RANK:
            by_rank = entry["ranks"][question][option_code]
            if not by_rank:
                by_rank.update(dict.fromkeys([*range(1, MAX_RANK + 1), None], 0))
            if rank == result_counts.NOT_RANKED:
                by_rank[None] = n
            elif rank <= MAX_RANK:
                by_rank[rank] = n
        elif metric == result_counts.DISTINCT:
            entry["distinct"][question] = n
        elif metric == result_counts.OTHER:
            entry["others"][question] = n
    marked = found["submitted"] - found["new"]
    if found["counted"] != marked:
        _warn_mismatch(found["counted"], marked)
        return None
    current_app.extensions.pop(MISMATCH, None)

    drafts = _population(filters, segment, (DRAFT,)).subquery("d")
    for seg, count in db.session.execute(select(drafts.c.seg, func.count()).group_by(drafts.c.seg)):
        per_segment[seg]["in_progress"] += count
    return per_segment


def _check_row(name: str) -> tuple:
    """Columns lang ... rank of a row that carries a check figure instead of a counter."""
    return (
        literal("").label("lang"),
        literal("").label("cell_option"),
        literal(name).label("metric"),
        literal("").label("question"),
        literal("").label("option"),
        literal(0).label("rank"),
    )


def _warn_mismatch(counted: int, marked: int) -> None:
    """Log once (until the counters agree again) that results are counted the slow way."""
    if current_app.extensions.get(MISMATCH):
        return
    current_app.extensions[MISMATCH] = True
    log.warning(
        "The result counters hold %d responses but %d are marked counted: results are counted "
        "from the answers (slower) until `flask --app survey rebuild-result-counts` is run.",
        counted,
        marked,
    )


# --------------------------------------------------------------------------- the body


def _round(numerator: int, denominator: int, places: int) -> float | None:
    """numerator / denominator rounded half up (as people round), or None for 0 / 0."""
    if not denominator:
        return None
    quantum = Decimal(1).scaleb(-places)
    return float((Decimal(numerator) / Decimal(denominator)).quantize(quantum, ROUND_HALF_UP))


def _percent(count: int, answered: int) -> float:
    return _round(count * 100, answered, 1) if answered else 0.0


def _body(counts: Mapping[str, Any], languages: Iterable[str], locale: str) -> dict[str, Any]:
    total = counts["total"]
    options = counts["options"]
    body: dict[str, Any] = {
        "total": total,
        "in_progress": counts["in_progress"],
        "languages": {lang: counts["languages"].get(lang, 0) for lang in languages},
        "questions": {},
    }
    for lang, count in sorted(counts["languages"].items()):
        body["languages"].setdefault(lang, count)
    answered_by_code: dict[str, int] = {}
    for q in QUESTIONS:
        if q.type in ("single", "yesno", "country", "text"):
            answered = sum(options.get(q.code, {}).values())
        else:
            answered = counts["distinct"].get(q.code, 0)
        answered_by_code[q.code] = answered
        base = _base(q.code, total, options, answered_by_code)
        entry: dict[str, Any] = {
            "type": q.type,
            "text": str(q.text),
            "answered": answered,
            "declined": max(base - answered, 0),
            "base": base,
        }
        if q.condition is not None:
            entry["condition"] = {"question": q.condition.question, "option": q.condition.option}
        if isinstance(q, RankingQuestion) and q.source:
            entry["condition"] = {"question": q.source, "option": None}
        if q.type in CHOICE_TYPES:
            entry.update(_choice(q, options.get(q.code, {}), answered, locale))
            if getattr(q, "other_field", None):
                entry["other_count"] = counts["others"].get(q.code, 0)
        elif q.type == "ranking":
            entry["items"] = _ranking(q, counts["ranks"].get(q.code, {}), answered)
        body["questions"][q.code] = entry
    return body


def _base(code: str, total: int, options: Mapping, answered: Mapping[str, int]) -> int:
    question = QUESTIONS_BY_CODE[code]
    if question.condition is not None:
        return options.get(question.condition.question, {}).get(question.condition.option, 0)
    if isinstance(question, RankingQuestion) and question.source:
        return answered.get(question.source, 0)
    return total


def _choice(q, counts: Mapping[str, int], answered: int, language: str) -> dict[str, Any]:
    if q.type == "country":
        names = {
            code: str(COUNTRY_NOT_SAID) if code == NOT_APPLICABLE else country_name(code, language)
            for code in counts
        }
        ordered = sorted(
            counts, key=lambda code: (-counts[code], code == NOT_APPLICABLE, names[code])
        )
        labelled = [(code, names[code]) for code in ordered]
    else:
        labelled = [(option.code, str(option.label)) for option in q.options]
        labelled += [(code, code) for code in sorted(set(counts) - set(q.option_codes))]
    return {
        "percent_base": "respondents" if q.type == "multiple" else "answered",
        "options": [
            {
                "code": code,
                "label": label,
                "count": counts.get(code, 0),
                "percent": _percent(counts.get(code, 0), answered),
            }
            for code, label in labelled
        ],
    }


def _ranking(q: RankingQuestion, ranks: Mapping[str, Mapping], answered: int) -> list[dict]:
    items = []
    for item in q.items:
        given = ranks.get(item.code, {})
        by_rank = [given.get(rank, 0) for rank in range(1, MAX_RANK + 1)]
        ranked = sum(count for rank, count in given.items() if rank is not None)
        offered = sum(given.values())
        weighted = sum(rank * count for rank, count in given.items() if rank is not None)
        items.append(
            {
                "code": item.code,
                "label": str(item.label),
                "by_rank": by_rank,
                # Answered the ranking but did not rank this item (N/A, or not offered in q7).
                "na": answered - ranked,
                "mean": _round(weighted, ranked, 2),
                "first": by_rank[0],
                "n": ranked,
                # Respondents to whom the item was offered (q7 offers the q6 choices only).
                "offered": offered,
            }
        )
    return items


# --------------------------------------------------------------------------- public API

_cache_lock = threading.Lock()
CACHE_SIZE = 64


def _cached(key: tuple, compute):
    """Per-process LRU on the app, keyed by data_version(): never serves data older than it.

    The version is read before counting, so a submission that lands during the count makes
    the next request miss the cache. Callers get a deep copy they may change freely.
    `RESULTS_CACHE_SIZE = 0` in the configuration turns the cache off.
    """
    size = current_app.config.get("RESULTS_CACHE_SIZE", CACHE_SIZE)
    if not size:
        return compute()
    cache: OrderedDict = current_app.extensions.setdefault("survey_results_cache", OrderedDict())
    with _cache_lock:
        value = cache.get(key)
        if value is not None:
            cache.move_to_end(key)
            return copy.deepcopy(value)
    value = compute()
    with _cache_lock:
        cache[key] = value
        while len(cache) > size:
            cache.popitem(last=False)
    return copy.deepcopy(value)


def _languages() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def aggregate_results(filters: Filters = Filters(), locale: str = "en") -> dict:
    """The body of GET /api/results: totals and every question for the filtered responses."""
    locale = _checked_locale(locale)
    key = ("results", data_version(), filters, locale)

    def compute() -> dict:
        counts = _counts(filters, None)
        with force_locale(locale):
            return _body(counts.get("", _empty()), _languages(), locale)

    return _cached(key, compute)


def _empty() -> dict[str, Any]:
    return {
        "total": 0,
        "in_progress": 0,
        "languages": {},
        "options": {},
        "ranks": {},
        "distinct": {},
        "others": {},
    }


def comparable_questions() -> list[str]:
    """What ?compare= accepts: "lang" and the questions answered with one option."""
    return [LANGUAGE_SEGMENT, *_codes_of(*SEGMENT_TYPES)]


def compare_segments(compare: str, filters: Filters = Filters(), locale: str = "en") -> dict:
    """The results side by side per segment, with chi-square tests of independence.

    Segments are the values of `compare` (a language, or an option of a single-choice, yes/no
    or country question); respondents who did not answer the compared question are in no
    segment. Each segment carries the same body as `aggregate_results`.

    `tests` holds, for every single-choice and yes/no question other than the compared one,
    Pearson's chi-square test of independence between segment and answer
    (scipy.stats.chi2_contingency, which applies Yates' continuity correction to 2 x 2 tables),
    computed on the segments x options table of counts after dropping all-zero rows and
    columns; a question with fewer than two segments or two options left is not tested.
    `reliable` is false when any expected count is below 5 (Cochran's rule: the chi-square
    approximation is not to be trusted with expected counts that small).
    """
    if compare not in comparable_questions():
        raise FilterError(_("Results cannot be compared by “%(code)s”.", code=compare))
    locale = _checked_locale(locale)
    key = ("compare", data_version(), compare, filters, locale)

    def compute() -> dict:
        counts = _counts(filters, compare)
        with force_locale(locale):
            segments = []
            for value, label in _segment_values(compare, counts, locale):
                body = _body(counts.get(value, _empty()), _languages(), locale)
                segments.append({"value": value, "label": label, **body})
            return {"compare": compare, "segments": segments, "tests": _tests(compare, segments)}

    return _cached(key, compute)


def _segment_values(
    compare: str, counts: Mapping[str, Any], language: str
) -> list[tuple[str, str]]:
    if compare == LANGUAGE_SEGMENT:
        values = list(_languages()) + sorted(set(counts) - set(_languages()))
        return [(value, LANGUAGE_NAMES.get(value, value)) for value in values]
    question = QUESTIONS_BY_CODE[compare]
    if question.type == "country":
        names = {
            code: str(COUNTRY_NOT_SAID) if code == NOT_APPLICABLE else country_name(code, language)
            for code in counts
        }
        # Ties in name order, as in the country table, whatever order the database gave.
        ordered = sorted(
            counts, key=lambda code: (-counts[code]["total"], code == NOT_APPLICABLE, names[code])
        )
        return [(code, names[code]) for code in ordered]
    labelled = [(option.code, str(option.label)) for option in question.options]
    return labelled + [(code, code) for code in sorted(set(counts) - set(question.option_codes))]


_statistics_import = threading.Lock()
_statistics_imported = False


def prepare_statistics() -> None:
    """Start importing SciPy's statistics (about a second, 70 MB) in the background, once per
    process: called when a working-group member's request arrives, so the first comparison
    does not wait for it, and workers that only ever serve respondents never load it."""
    global _statistics_imported
    with _statistics_import:
        if _statistics_imported:
            return
        _statistics_imported = True
    threading.Thread(
        target=importlib.import_module, args=("scipy.stats",), name="import-scipy", daemon=True
    ).start()


def _tests(compare: str, segments: list[dict]) -> dict[str, dict]:
    from scipy.stats import chi2_contingency

    tests = {}
    for code in _codes_of(*TESTED_TYPES):
        if code == compare:
            continue
        table = [
            [option["count"] for option in segment["questions"][code]["options"]]
            for segment in segments
        ]
        table = [row for row in table if any(row)]
        columns = [i for i in range(len(table[0]) if table else 0) if any(r[i] for r in table)]
        table = [[row[i] for i in columns] for row in table]
        if len(table) < 2 or len(columns) < 2:
            continue
        result = chi2_contingency(table)
        tests[code] = {
            "chi2": float(result.statistic),
            "dof": int(result.dof),
            "p": float(result.pvalue),
            "reliable": bool(result.expected_freq.min() >= MIN_EXPECTED),
        }
    return tests


def data_version() -> str:
    """A short string that changes whenever a response is started, submitted or removed.

    Used for live polling and as the cache key of the results; see `version_info`.
    """
    return version_info()["version"]


def version_info() -> dict[str, Any]:
    """`{"version": data_version(), "total": submitted responses, "in_progress": drafts}`.

    New submissions are counted into the live counters first. The version holds the number
    of submitted responses *and* of those not counted yet (one submitted after that): a body
    counted from the counters under this version may lack those, but counting them changes
    the version, so a cached body is never served once they are in.
    """
    take_in_new_submissions()
    r = RESPONSES
    latest = func.max(r.c.submitted_at)
    by_status = select(r.c.status, func.count(), latest).group_by(r.c.status)
    uncounted = select(literal(UNCOUNTED), func.count(), null()).where(
        result_counts.not_yet_counted(r)
    )
    rows = db.session.execute(union_all(by_status, uncounted)).all()
    found = {status: (count, latest) for status, count, latest in rows}
    submitted, latest = found.get(SUBMITTED, (0, None))
    drafts = found.get(DRAFT, (0, None))[0]
    waiting = found.get(UNCOUNTED, (0, None))[0]
    stamp = latest.isoformat() if hasattr(latest, "isoformat") else str(latest or "")
    return {
        "version": f"{submitted}.{waiting}.{drafts}.{stamp}",
        "total": submitted,
        "in_progress": drafts,
    }


def take_in_new_submissions() -> None:
    """Take responses submitted since the last read into the counters, in a transaction of
    its own (committed before the results are read). Nothing to do is one index probe."""
    if not result_counts.new_submission_count(db.session.connection()):
        return
    begin_write()
    result_counts.count_new_submissions(db.session.connection())
    db.session.commit()


def open_answers(
    code: str, filters: Filters = Filters(), limit: int = 50, offset: int = 0
) -> list[dict]:
    """Free-text answers to `code`, newest submission first.

    `code` is a text question (q2_role, q5_budget, q8 ... q15) or an "other" field (q1_other,
    q6_other, q16_other). Contact details (q17) are personal data and never returned here.
    """
    question, option = _open_answer_source(code)
    a = ANSWERS
    population = _population(filters, None, (SUBMITTED,)).subquery("p")
    r = RESPONSES
    query = (
        select(a.c.id, r.c.uuid, r.c.language, r.c.submitted_at, a.c.text, a.c.option)
        .select_from(a.join(r, r.c.id == a.c.response_id))
        .where(
            a.c.question == question,
            a.c.option == option,
            a.c.text.is_not(None),
            a.c.text != "",
            a.c.response_id.in_(select(population.c.id)),
        )
        .order_by(r.c.submitted_at.desc(), a.c.id.desc())
        .limit(max(0, int(limit)))
        .offset(max(0, int(offset)))
    )
    return [
        {
            "answer_id": answer_id,
            "response_uuid": uuid,
            "language": language,
            "submitted_at": submitted_at.isoformat() if submitted_at else None,
            "text": text,
            "option": option or None,
        }
        for answer_id, uuid, language, submitted_at, text, option in db.session.execute(query)
    ]


def count_open_answers(code: str, filters: Filters = Filters()) -> int:
    """How many texts `open_answers(code, filters)` pages through."""
    question, option = _open_answer_source(code)
    a = ANSWERS
    population = _population(filters, None, (SUBMITTED,)).subquery("p")
    return db.session.scalar(
        select(func.count())
        .select_from(a)
        .where(
            a.c.question == question,
            a.c.option == option,
            a.c.text.is_not(None),
            a.c.text != "",
            a.c.response_id.in_(select(population.c.id)),
        )
    )


def open_answer_codes() -> list[str]:
    """Codes open_answers accepts: text questions and the "other" fields of choice questions."""
    codes = []
    for q in QUESTIONS:
        if q.type == "text":
            codes.append(q.code)
        elif isinstance(q, ChoiceQuestion) and q.other_field:
            codes.append(q.other_field)
    return codes


def _open_answer_source(code: str) -> tuple[str, str]:
    if code in OTHER_TEXT_FIELDS:
        return OTHER_TEXT_FIELDS[code], "other"
    question = QUESTIONS_BY_CODE.get(code)
    if question is None or question.type != "text":
        raise FilterError(_("There are no open answers for “%(code)s”.", code=code))
    return code, ""


def _checked_locale(locale: str | None) -> str:
    if not locale:
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if locale not in _languages():
        raise FilterError(_("Unknown language: “%(value)s”.", value=locale))
    return locale
