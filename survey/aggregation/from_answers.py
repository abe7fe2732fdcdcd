"""Counting the results from the answers: a handful of GROUP BY queries in the database.

Used for every request the live counters cannot serve (several filters, ranked items, a
comparison with an option filter), and whenever the counters are out of step. Nothing loads
responses into Python; nothing here uses request objects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import Select, and_, case, func, literal, null, select, union_all

from survey.extensions import db
from survey.models import (
    ANSWERS,
    CATEGORIES,
    CODINGS,
    DRAFT,
    RECODES,
    RESPONSES,
    STATUSES,
    SUBMITTED,
)
from survey.questionnaire import OTHER, current_questionnaire
from survey.questionnaire.coded import coded_code
from survey.questionnaire.figures import OPTION, OTHER_TEXTS, RANK, RESPONDENTS, Figures
from survey.selection import LANGUAGE, Filters, matching, split_segment

#: Every status but submitted: their answers are in the table but in no figure.
NOT_COUNTED = tuple(status for status in STATUSES if status != SUBMITTED)


def population(
    filters: Filters,
    segment: str | None,
    statuses: Iterable[str],
    *,
    within: Select | Sequence[int] | None = None,
    correlated: bool = False,
) -> Select:
    """Responses matching the filters, with their segment value: SELECT id, seg, status, lang.

    `segment` is None (one segment, ""), "lang" or the code of a segment question, whose
    answer (one option) is the respondent's segment, or `code.option` (whether they chose
    that option: `Question.option_segment`); respondents who did not answer it are in no
    segment. `within`: only these response ids. `correlated`: answer filters and the
    segment's answer as a probe per response (for the few drafts).
    """
    r = RESPONSES
    source: Any = r
    in_segment: list[Any] = []
    code, option = (None, None) if segment is None else split_segment(segment)
    if segment is None:
        seg: Any = literal("")
    elif segment == LANGUAGE:
        seg = r.c.language
    elif option is not None:
        question = current_questionnaire().question(str(code))
        seg, in_segment = question.option_segment(ANSWERS, r.c.id, option)
    elif correlated:
        # The answer looked up per response: a join would read every answer to the question
        # (a million) to find those of 50,000 drafts.
        s = ANSWERS.alias("s")
        seg = (
            select(s.c.option)
            .where(s.c.response_id == r.c.id, s.c.question == segment)
            .limit(1)
            .scalar_subquery()
        )
        in_segment = [seg.is_not(None)]
    else:
        s = ANSWERS.alias("s")
        seg = s.c.option
        source = r.join(s, and_(s.c.response_id == r.c.id, s.c.question == segment))
    return (
        select(r.c.id.label("id"), seg.label("seg"), r.c.status.label("status"), r.c.language)
        .select_from(source)
        .where(
            *matching(filters, r, statuses=tuple(statuses), correlated=correlated),
            *in_segment,
        )
        .where(*(() if within is None else (r.c.id.in_(within),)))
    )


def count_from_answers(
    filters: Filters, segment: str | None, recoded: bool = False
) -> dict[str, Figures]:
    """Every figure, per segment value, in a handful of GROUP BY queries (`_count`)."""
    return _count(filters, segment, recoded)


def recode_difference(filters: Filters, segment: str | None) -> dict[str, Figures]:
    """What counting "other" answers as recoded changes, per segment value: the figures of
    the respondents with a recoded answer as recoded minus as given (they are few)."""
    a, r = ANSWERS, RESPONSES
    # From the recodes (few) to their answers by id (as IN, which SQLite also starts from
    # the recodes: joined, it read every answer, 0.08 s at 100,000 responses); of those
    # respondents, the ones the answer filters select, probed one by one: counting them twice
    # below then needs no filter over every answer it selects (a hash of 100,000 ids per
    # query at a million).
    recoded = select(a.c.response_id).where(a.c.id.in_(select(RECODES.c.answer_id)))
    chosen = matching(Filters(answers=filters.answers), r, statuses=None, correlated=True)
    selected = list(db.session.scalars(select(r.c.id).where(r.c.id.in_(recoded), *chosen)))
    if not selected:
        return {}
    # Only the figures of the questions whose answers were recoded can differ.
    recoded_questions = frozenset(
        db.session.scalars(recoded.with_only_columns(a.c.question).distinct())
    )
    rest = replace(filters, answers=())
    difference = _count(rest, segment, True, within=selected, only=recoded_questions)
    given = _count(rest, segment, False, within=selected, only=recoded_questions)
    for value, as_given in given.items():
        difference.setdefault(value, Figures()).add(as_given, -1)
    return difference


def drafts_per_segment(filters: Filters, segment: str | None) -> dict[str, int]:
    """The drafts (few) matching the filters, per segment value: their `in_progress`."""
    drafts = population(filters, segment, (DRAFT,), correlated=True).subquery("d")
    query = select(drafts.c.seg, func.count()).group_by(drafts.c.seg)
    return {seg: count for seg, count in db.session.execute(query)}


def _count(
    filters: Filters,
    segment: str | None,
    recoded: bool,
    within: Sequence[int] | None = None,
    only: frozenset[str] | None = None,
) -> dict[str, Figures]:
    """Every figure, per segment value, in a handful of GROUP BY queries (`within`: of
    these response ids only; `only`: the figures of these questions only, and no totals).

    `recoded`: "other" answers the working group recoded into one of their question's options
    count as that option (once per respondent) instead of as "other".

    One query per shape: respondents per status and language; rows per (question, option)
    (served by the (question, option, response_id) index); rows per (question, option, rank)
    for rankings; distinct respondents per question for the questions answered with several
    rows; "other" answers that carry a text. Which questions each shape counts is what the
    question types say they need (`Question.counted`).

    Without filters or comparison the answers are counted over the whole table (the index
    alone) minus the answers of drafts and excluded responses (few, found by response), which
    avoids checking every answer row against the set of submitted responses.
    """
    questionnaire = current_questionnaire()
    session = db.session
    everyone = population(filters, segment, (SUBMITTED, DRAFT), within=within).subquery("p")
    totals: Sequence[Any] = []
    if only is None:
        totals = session.execute(
            select(everyone.c.seg, everyone.c.status, everyone.c.language, func.count()).group_by(
                everyone.c.seg, everyone.c.status, everyone.c.language
            )
        ).all()

    def counting(figure: str) -> list[str]:
        """The questions counted for this kind of figure."""
        found = questionnaire.counting(figure)
        return [code for code in found if only is None or code in only]

    a = ANSWERS
    scopes: list[tuple[Any, Any, tuple[Any, ...], int]]
    # The question of an answer, as conditions see it: for a few responses an expression,
    # which no index is looked up by, so that their answers are found by response (SQLite,
    # without statistics, would otherwise read every answer to the questions counted).
    asked: Any = a.c.question if within is None else a.c.question.concat("")
    if segment is not None or within is not None:
        # Segments, or a few responses: join the answers to (response id, segment value) of
        # the population.
        # A few responses: their answers are found by response, and each joins its
        # respondent by id (the list again on the respondents would be checked per answer:
        # 0.08 s for 800 recoded respondents at a million responses).
        submitted = population(filters, segment, (SUBMITTED,)).subquery("p")
        few = () if within is None else (a.c.response_id.in_(within),)
        seg = literal("") if segment is None else submitted.c.seg
        scopes = [(seg, a.join(submitted, submitted.c.id == a.c.response_id), few, 1)]
    elif filters:
        # Filtered: a semi-join (IN) that the database answers with a hash or a probe.
        ids = population(filters, None, (SUBMITTED,)).with_only_columns(RESPONSES.c.id)
        scopes = [(literal(""), a, (a.c.response_id.in_(ids),), 1)]
    else:
        # Drafts and excluded responses are few: the join starts from them and finds their
        # answers by response.
        uncounted = RESPONSES.join(a, a.c.response_id == RESPONSES.c.id)
        scopes = [
            (literal(""), a, (), 1),
            (literal(""), uncounted, (RESPONSES.c.status.in_(NOT_COUNTED),), -1),
        ]

    def run(group_by: Sequence[Any], aggregates: Sequence[Any], where: Sequence[Any]) -> list:
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

    recode: Any = RECODES.c.option
    if recoded and within is not None:
        # A few responses: each answer's recode probed by its key (joined, the planner
        # expects two answers and compares each one with every recode: 0.6 s for 800).
        recode = select(RECODES.c.option).where(RECODES.c.answer_id == a.c.id).scalar_subquery()
    elif recoded:
        scopes = [
            (seg, source.outerjoin(RECODES, RECODES.c.answer_id == a.c.id), where, sign)
            for seg, source, where, sign in scopes
        ]
    if recoded:
        option: Any = func.coalesce(recode, a.c.option)
        answered: Any = func.count(func.distinct(a.c.response_id))
    else:
        option, answered = a.c.option, func.count()
    options = run(
        (a.c.question, option),
        (answered,),
        (asked.in_(counting(OPTION)),),
    )
    # Counts per rank as columns (not GROUP BY rank): the index order serves the grouping.
    highest = questionnaire.max_rank
    rank_columns = [func.count(case((a.c.rank == rank, 1))) for rank in range(1, highest + 1)]
    rank_columns += [
        func.count(case((a.c.rank.is_(None), 1))),
        func.count(case((a.c.rank > highest, 1))),
    ]
    rank_rows = run(
        (a.c.question, a.c.option),
        rank_columns,
        (asked.in_(counting(RANK)),),
    )
    respondents = run(
        (a.c.question,),
        (func.count(func.distinct(a.c.response_id)),),
        (asked.in_(counting(RESPONDENTS)),),
    )
    others = run(
        (a.c.question,),
        (func.count(),),
        (
            asked.in_(counting(OTHER_TEXTS)),
            a.c.option == OTHER,
            a.c.text.is_not(None),
            a.c.text != "",
            *((recode.is_(None),) if recoded else ()),
        ),
    )

    per_segment: dict[str, Figures] = defaultdict(Figures)
    for seg, status, language, count in totals:
        figures = per_segment[seg]
        if status == SUBMITTED:
            figures.total += count
            figures.languages[language] += count
        else:
            figures.in_progress += count
    for seg, question, option, count in options:
        per_segment[seg].options[question][option] = count
    for seg, question, option, *by_rank in rank_rows:
        given = per_segment[seg].ranks[question][option]
        given.update({rank: by_rank[rank - 1] for rank in range(1, highest + 1)})
        given[None] = by_rank[highest]
    for seg, question, count in respondents:
        per_segment[seg].respondents[question] = count
    for seg, question, count in others:
        per_segment[seg].others[question] = count
    return per_segment


def add_codings(per_segment: dict[str, Figures], filters: Filters, segment: str | None) -> None:
    """Add the coded questions' figures (`CODED`): answers per category and coded answers,
    counted from the codings (which change at any time, so they are never live counters)
    of the respondents `population` selects."""
    questionnaire = current_questionnaire()
    fields = {field: coded_code(field) for field in questionnaire.coded_fields}
    if not fields:
        return
    k, c, r = CATEGORIES, CODINGS, RESPONSES
    source: Any = c.join(k, k.c.id == c.c.category_id)
    if segment is None and not filters:
        seg: Any = literal("")
        source = source.join(r, r.c.id == c.c.response_id)
        where = [r.c.status == SUBMITTED]
    else:
        people = population(filters, segment, (SUBMITTED,)).subquery("p")
        seg = people.c.seg
        source = source.join(people, people.c.id == c.c.response_id)
        where = []
    coded = (
        select(seg.label("seg"), k.c.field, k.c.code, c.c.answer_id)
        .select_from(source)
        .where(*where, k.c.deleted_at.is_(None), k.c.field.in_(fields))
        .cte("coded")
    )
    selected = coded.c.seg.is_not(None)
    per_category = select(coded.c.seg, coded.c.field, coded.c.code, func.count())
    per_field = select(
        coded.c.seg, coded.c.field, null(), func.count(func.distinct(coded.c.answer_id))
    )
    both = union_all(
        per_category.where(selected).group_by(coded.c.seg, coded.c.field, coded.c.code),
        per_field.where(selected).group_by(coded.c.seg, coded.c.field),
    )
    for value, field, code, count in db.session.execute(both):
        figures = per_segment[str(value)]
        if code is None:  # the coded answers of the field
            figures.coded_answers[fields[field]] = count
        else:
            figures.coded[fields[field]][code] = count
