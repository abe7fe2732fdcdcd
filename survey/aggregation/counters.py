"""The live counters of the results (table `result_counts`): kept up to date, and read.

Counting the results from the answers takes seconds at 100,000 responses. Instead, the
figures of submitted responses are added to counters kept per *cell*, and the results read
the few hundred counter rows of the cells a request needs. A cell is the set of submitted
responses in one language (`lang`, '' for every language) that chose one option of a
question whose options are cells (`Question.is_cell`: single choice, yes/no, country,
multiple choice; `cell_question`/`cell_option`, both '' for all responses). For every
submitted response the cells are (its language and '') x (all responses, and each option it
chose). Ranked items are not cells.

Each cell holds exactly the figures `from_answers` counts for that set of responses
(`survey.questionnaire.figures`), for the questions that need them (`Question.counted`):

- ``total``: the responses;
- ``option``: answer rows per (question, option);
- ``rank``: rows per (ranking question, item, rank), with rank 0 for N/A (NULL in
  `answers`) and `beyond` (the questionnaire's highest rank + 1) for ranks outside, which
  are counted nowhere but whose item is still listed;
- ``distinct``: respondents who answered a question stored in several rows;
- ``other``: "other" answers with a non-empty text, per question.

Writing. Responses are counted when the results are read, not when they are submitted: a
submission only sets `status`, and `count_new_submissions` (called before every read of the
results) adds every submitted response whose `counted` flag is still false, marking it
counted in the same transaction. One submission touches some 500 counter rows; a batch of
them touches each row once, so a respondent's submit costs nothing extra and the counting is
shared by everything submitted since the last read. The flag and the counters change
together, so the counters always hold exactly the responses marked counted.

`add_result_counts` adds the figures of given responses in one INSERT ... SELECT ... GROUP BY
... ON CONFLICT DO UPDATE SET n = n + excluded.n computed from `answers` in the database, in
the caller's transaction; with no ids it counts every submitted response, which is how
`rebuild_result_counts` starts from scratch. The statement groups by integer codes rather
than by the six short strings of the key: every (question, option) in scope is numbered in a
small CTE, the figures are grouped on one integer per (cell, figure) and decoded at the end.
A full recount is a GROUP BY over some 11 million (cell, figure) pairs at 100,000 responses;
on one integer SQLite does it in about 13 s instead of 43 s (it aggregates by sorting), and
PostgreSQL picks a hash aggregate (9 s instead of 68 s).

Reading. `servable` says whether the counters hold what a request needs (no filter or one
option of a cell question, with or without a language; no comparison, by language, or by a
segment question without an option filter); `read` returns the figures per segment, or None
when the counters do not hold exactly the responses marked counted (then the caller counts
from the answers, and a warning is logged once). Nothing here uses request objects.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy import (
    Connection,
    Integer,
    and_,
    bindparam,
    case,
    delete,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    union,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql import Select

from survey.aggregation import by_response
from survey.extensions import db
from survey.models import ANSWERS, RESPONSES, RESULT_COUNTS, SUBMITTED
from survey.questionnaire import (
    OTHER,
    Questionnaire,
    asked_questionnaire,
    current_questionnaire,
)
from survey.questionnaire.figures import OPTION, OTHER_TEXTS, RANK, RESPONDENTS, Figures
from survey.selection import LANGUAGE, Filters

COUNTS = RESULT_COUNTS

#: lang, cell_question and cell_option of the cell of all responses.
ALL = ""
TOTAL = "total"
METRICS = (TOTAL, OPTION, RANK, RESPONDENTS, OTHER_TEXTS)
#: `rank` of an item marked N/A (ranks outside 1..max rank are stored as max rank + 1).
NOT_RANKED = 0
#: The key of a counter, in the order of the primary key (and of every upsert, so concurrent
#: submissions lock rows in the same order and cannot deadlock on PostgreSQL).
KEY = ("cell_question", "cell_option", "lang", "metric", "question", "option", "rank")
#: Response ids per statement on SQLite, where each statement binds them eight times.
SQLITE_BATCH = 500
#: Up to this many responses PostgreSQL may count them in nested loops over the indexes
#: (twice as fast for 5 to 20 of them at 100,000; hash joins win from about 500).
PLANNED_BY_ID = 300
#: PostgreSQL advisory lock taken by whoever counts, so that counting runs one at a time.
COUNTING_LOCK = 0x5E_C0_0C

# A figure's code: (key number * metrics + metric) * rank buckets + rank bucket; a cell's
# code times CELL_FACTOR plus a figure's code numbers one (cell, figure) pair.
CELL_FACTOR = 1_000_000_000
#: Set on the app while the counters disagree with the responses (so that is logged once).
MISMATCH = "survey_result_counts_mismatch"

log = logging.getLogger(__name__)


def beyond(questionnaire: Questionnaire) -> int:
    """The `rank` stored for a rank above the questionnaire's highest (none in valid data)."""
    return questionnaire.max_rank + 1


ResponseIds = Sequence[int] | None


def not_yet_counted(responses=RESPONSES):
    """Submitted and not counted yet (index `ix_responses_new_submissions`)."""
    return and_(responses.c.status == SUBMITTED, responses.c.counted == false())


def new_submission_count(connection: Connection) -> int:
    """Submitted responses not counted yet, counted in an index that holds (next to) none.

    A count rather than EXISTS: for EXISTS PostgreSQL expects to find a row early in the
    table (drafts are not counted either) and reads all of it when there is none.
    """
    return connection.execute(select(func.count()).where(not_yet_counted())).scalar_one()


def count_new_submissions(connection: Connection, *, writers_locked_out: bool = False) -> int:
    """Add every submitted response not counted yet to the counters; returns how many.

    Runs in the caller's transaction, which must be a write transaction (`begin_write`) on
    SQLite. There writers take turns, so the responses counted are the ones marked. On
    PostgreSQL whoever counts holds an advisory lock until commit (a second reader waits,
    then finds nothing left), and the responses are marked counted first (UPDATE ...
    RETURNING) and exactly those ids are counted: a response submitted meanwhile waits for
    the next call instead of being counted by one statement and not marked by the other.
    `writers_locked_out` says the caller's lock keeps everyone else from changing
    `responses` (seed-demo): then one condition selects them, twice as fast as 100,000 ids.
    """
    if connection.dialect.name == "postgresql":
        lock_counting(connection)
        if writers_locked_out:
            ids = _new_ids(connection)
            counted = _count_new_by_condition(connection)
        else:
            marked = connection.execute(_mark(not_yet_counted()).returning(RESPONSES.c.id))
            ids = marked.scalars().all()
            add_result_counts(connection, ids)
            counted = len(ids)
    else:
        ids = _new_ids(connection)
        if len(ids) > SQLITE_BATCH:
            counted = _count_new_by_condition(connection)
        else:
            # SQLite plans the condition badly for a few responses (57 ms for one at
            # 100,000); by their ids it reads their answers through the response_id index.
            add_result_counts(connection, ids)
            counted = connection.execute(_mark(RESPONSES.c.id.in_(ids))).rowcount
    # The same responses get their rows in the results' table, in the same transaction.
    by_response.add_rows(connection, ids)
    return counted


def _new_ids(connection: Connection) -> Sequence[int]:
    return connection.execute(select(RESPONSES.c.id).where(not_yet_counted())).scalars().all()


def _count_new_by_condition(connection: Connection) -> int:
    _execute(
        connection, _upsert(asked_questionnaire(), connection.dialect.name, "new"), {}, bulk=True
    )
    return connection.execute(_mark(not_yet_counted())).rowcount


def _mark(condition):
    """UPDATE the responses meeting `condition` to counted, leaving `updated_at` (the
    respondent's last save) as it is."""
    submitted = RESPONSES.c.status == SUBMITTED
    return (
        update(RESPONSES)
        .where(condition)
        .values(counted=submitted, updated_at=RESPONSES.c.updated_at)
    )


def add_result_counts(
    connection: Connection, response_ids: ResponseIds = None, *, sign: int = 1
) -> None:
    """Add the figures of these responses to the counters (every submitted one when None).

    Only submitted responses count; ids of drafts are ignored. The caller marks them counted
    in the same transaction (`count_new_submissions` does both). `sign=-1` takes the figures
    of counted responses out again (`subtract_result_counts`).
    """
    dialect = connection.dialect.name
    questionnaire = asked_questionnaire()
    if response_ids is None:
        _execute(connection, _upsert(questionnaire, dialect, "all", sign), {}, bulk=True)
    elif dialect == "postgresql":
        # Any number of ids as one array parameter, in one statement: its rows are upserted
        # in key order, which a statement per batch would not guarantee.
        ids = sorted(set(response_ids))
        if ids:
            _execute(
                connection,
                _upsert(questionnaire, dialect, "ids", sign),
                {"ids": ids},
                bulk=len(ids) > PLANNED_BY_ID,
            )
    else:
        ids = sorted(set(response_ids))
        for start in range(0, len(ids), SQLITE_BATCH):
            batch = ids[start : start + SQLITE_BATCH]
            connection.execute(_upsert(questionnaire, dialect, "ids", sign), {"ids": batch})


def subtract_result_counts(connection: Connection, response_ids: Sequence[int]) -> None:
    """Take the figures of these counted responses out of the counters, while they are still
    submitted (an admin is excluding them); the caller then changes their status and clears
    their `counted` flag in the same transaction, so the counters never hold a response that
    is not marked counted. Their rows in the results' table go with them."""
    add_result_counts(connection, response_ids, sign=-1)
    by_response.remove_rows(connection, response_ids)


def count_again(connection: Connection, response_ids: Sequence[int]) -> None:
    """Add these responses, submitted and marked counted again in the caller's transaction
    (restored after an exclusion), to the counters and to the results' table."""
    add_result_counts(connection, response_ids)
    by_response.add_rows(connection, response_ids)


def lock_counting(connection: Connection) -> None:
    """Keep anyone else from counting until the caller's transaction ends (PostgreSQL; on
    SQLite the write transaction already does)."""
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock(COUNTING_LOCK)))


def _execute(connection: Connection, statement, parameters: dict, bulk: bool) -> None:
    """Run the statement; on PostgreSQL, counting many responses without nested loops or JIT.

    The planner cannot see through the CTEs how many rows they hold, and right after a bulk
    insert (seed-demo, an import into a fresh database) the statistics say the tables are
    nearly empty: it then joined 100,000 responses' cells and figures in a nested loop for
    more than ten minutes. Hash joins are right for any number of responses but one, and
    JIT compilation cost more (1.4 s) than it saved. The settings are restored afterwards.
    """
    if not bulk or connection.dialect.name != "postgresql":
        connection.execute(statement, parameters)
        return
    saved = connection.execute(
        text("SELECT current_setting('enable_nestloop'), current_setting('jit')")
    ).one()
    settings = text(
        "SELECT set_config('enable_nestloop', :nestloop, true), set_config('jit', :jit, true)"
    )
    connection.execute(settings, {"nestloop": "off", "jit": "off"})
    connection.execute(statement, parameters)
    connection.execute(settings, {"nestloop": saved[0], "jit": saved[1]})


def rebuild_result_counts(connection: Connection) -> int:
    """Recount everything from the submitted responses, in the caller's transaction.

    Returns the number of responses counted. Readers go on reading the old counters until
    the rebuild commits. On PostgreSQL respondents' saves wait for it too, so that no
    submission lands between counting and marking.
    """
    if connection.dialect.name == "postgresql":
        lock_counting(connection)
        connection.execute(text("LOCK TABLE responses IN SHARE MODE"))
    connection.execute(delete(COUNTS))
    add_result_counts(connection, None)
    submitted = RESPONSES.c.status == SUBMITTED
    connection.execute(_mark(RESPONSES.c.counted != submitted))
    by_response.rebuild_rows(connection)
    return connection.execute(select(func.count()).where(submitted)).scalar_one()


# --------------------------------------------------------------------------- the statement


class _Scope:
    """Which responses to count, as conditions on a response id column.

    "all": no condition; "new": submitted and not counted yet; "ids": in the parameter `ids`
    (a PostgreSQL array, an expanding IN list on SQLite).
    """

    def __init__(self, dialect: str, kind: str):
        self.dialect = dialect
        self.kind = kind
        if kind == "ids" and dialect == "postgresql":
            self.ids = bindparam("ids", type_=ARRAY(Integer))
        else:
            self.ids = bindparam("ids", expanding=True)

    def __call__(self, column) -> list:
        if self.kind == "all":
            return []
        if self.kind == "new":
            new = RESPONSES.alias("new")
            return [column.in_(select(new.c.id).where(not_yet_counted(new)))]
        if isinstance(self.ids.type, ARRAY):
            return [column == func.any(self.ids)]
        return [column.in_(self.ids)]


def _number(value: int):
    return literal_column(str(value), Integer)


def _statement(questionnaire: Questionnaire, in_scope: _Scope, sign: int = 1) -> Select:
    """SELECT <KEY columns>, n: the figures of the responses in scope, ordered by KEY (n
    negative with `sign=-1`, to take them out).

    The scope is a condition on each table's response id (not a join with a list of ids), so
    that counting one response reads its answers by the index that starts with response_id.
    """
    a, r = ANSWERS, RESPONSES
    status: Any = r.c.status
    language: Any = r.c.language
    if in_scope.dialect == "sqlite" and in_scope.kind != "all":
        # The scope's ids drive the query. Without statistics SQLite takes status =
        # 'submitted' for selective and walks every submitted response through an index on
        # status (50 ms at 100,000 for 20 responses); an expression is looked up in no index.
        status, language = status.concat(""), language.concat("")
    counted_response = (status == SUBMITTED, language != ALL)  # '' is no language
    cell_questions = tuple(q.code for q in questionnaire.where("is_cell"))

    # Every (question, option) answered in scope, and (question, '') for per-question figures.
    pairs = (
        select(a.c.question, a.c.option).where(*in_scope(a.c.response_id)).distinct().cte("pairs")
    )
    numbered = union(
        select(pairs.c.question, pairs.c.option),
        select(pairs.c.question, literal_column("''").label("option")),
    ).subquery("numbered")
    keys = select(
        numbered.c.question,
        numbered.c.option,
        func.row_number().over(order_by=(numbered.c.question, numbered.c.option)).label("k"),
    ).cte("keys")

    def keyed(source, option=None):
        """`source` joined to the number of the answer's (question, option or '')."""
        key_option = a.c.option if option is None else option
        return source.join(keys, and_(keys.c.question == a.c.question, keys.c.option == key_option))

    highest = questionnaire.max_rank
    buckets = highest + 2  # N/A, 1..highest, beyond
    figures_per_key = len(METRICS) * buckets

    def figure(metric: str, bucket=None):
        code = keys.c.k * _number(figures_per_key) + _number(METRICS.index(metric) * buckets)
        return code if bucket is None else code + bucket

    no_option: Any = literal_column("''")
    bucket = case(
        (a.c.rank.is_(None), _number(NOT_RANKED)),
        (a.c.rank.between(1, highest), a.c.rank),
        else_=_number(beyond(questionnaire)),
    )
    cells = union_all(
        select(r.c.id.label("rid"), r.c.language.label("lang"), _number(0).label("ck")).where(
            *counted_response, *in_scope(r.c.id)
        ),
        select(a.c.response_id, r.c.language, keys.c.k)
        .select_from(keyed(a.join(r, r.c.id == a.c.response_id)))
        .where(*counted_response, a.c.question.in_(cell_questions), *in_scope(a.c.response_id)),
    ).cte("cells")
    # Figures of drafts in scope find no cell in the join below.
    figures = union_all(
        select(r.c.id.label("rid"), _number(0).label("fk")).where(*in_scope(r.c.id)),
        select(a.c.response_id, figure(OPTION))
        .select_from(keyed(a))
        .where(a.c.question.in_(questionnaire.counting(OPTION)), *in_scope(a.c.response_id)),
        select(a.c.response_id, figure(RANK, bucket))
        .select_from(keyed(a))
        .where(a.c.question.in_(questionnaire.counting(RANK)), *in_scope(a.c.response_id)),
        select(a.c.response_id, figure(RESPONDENTS))
        .select_from(keyed(a, no_option))
        .where(a.c.question.in_(questionnaire.counting(RESPONDENTS)), *in_scope(a.c.response_id))
        .distinct(),
        select(a.c.response_id, figure(OTHER_TEXTS))
        .select_from(keyed(a, no_option))
        .where(
            a.c.question.in_(questionnaire.counting(OTHER_TEXTS)),
            a.c.option == OTHER,
            a.c.text.is_not(None),
            a.c.text != "",
            *in_scope(a.c.response_id),
        ),
    ).cte("figures")

    pair = (cells.c.ck * _number(CELL_FACTOR) + figures.c.fk).label("code")
    per_language = (
        select(cells.c.lang, pair, func.count().label("n"))
        .select_from(cells.join(figures, figures.c.rid == cells.c.rid))
        .group_by(pair, cells.c.lang)
        .cte("per_language")
    )
    counted = union_all(
        select(per_language.c.lang, per_language.c.code, per_language.c.n),
        select(
            literal(ALL).label("lang"), per_language.c.code, func.sum(per_language.c.n)
        ).group_by(per_language.c.code),
    ).subquery("counted")

    cell_key, figure_key = keys.alias("cell_key"), keys.alias("figure_key")
    cell_code = counted.c.code // _number(CELL_FACTOR)
    figure_code = counted.c.code % _number(CELL_FACTOR)
    metric = (figure_code // _number(buckets)) % _number(len(METRICS))
    columns = {
        "cell_question": func.coalesce(cell_key.c.question, ALL),
        "cell_option": func.coalesce(cell_key.c.option, ALL),
        "lang": counted.c.lang,
        "metric": case(*((metric == i, name) for i, name in enumerate(METRICS))),
        "question": func.coalesce(figure_key.c.question, ""),
        "option": func.coalesce(figure_key.c.option, ""),
        "rank": figure_code % _number(buckets),
    }
    labelled = {name: column.label(name) for name, column in columns.items()}
    n = counted.c.n if sign == 1 else -counted.c.n
    return (
        select(*labelled.values(), n.label("n"))
        .select_from(
            counted.outerjoin(cell_key, cell_key.c.k == cell_code).outerjoin(
                figure_key, figure_key.c.k == figure_code // _number(figures_per_key)
            )
        )
        # Also what lets SQLite parse INSERT ... SELECT ... ON CONFLICT without ambiguity.
        .where(counted.c.n > 0)
        .order_by(*labelled.values())
    )


@cache
def _upsert(questionnaire: Questionnaire, dialect: str, kind: str, sign: int = 1):
    """The statement, built once per questionnaire, database, kind of scope and sign
    (building it takes ms)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    counted = _statement(questionnaire, _Scope(dialect, kind), sign)
    statement = insert(COUNTS).from_select([*KEY, "n"], counted)
    return statement.on_conflict_do_update(
        index_elements=list(KEY), set_={"n": COUNTS.c.n + statement.excluded.n}
    )


# --------------------------------------------------------------------------- reading


def servable(filters: Filters, segment: str | None) -> bool:
    """Whether the counters hold what a request needs.

    They do without filters or with one option of one cell question (`?q6=government`),
    with or without a language (never with submission dates); for no comparison or by
    language; by a segment question only without an option filter (its options are cells
    themselves), never by one option of a question (`?compare=q6.government`).
    """
    questionnaire = current_questionnaire()
    if len(filters.answers) > 1 or any(filters.submission_days):
        return False
    if filters.answers:
        code, options = filters.answers[0]
        if not questionnaire.question(code).is_cell or len(options) != 1:
            return False
    if segment is None or segment == LANGUAGE:
        return True
    question = questionnaire.get(segment)
    if question is None:
        return False
    return not filters.answers and question.segmentable and question.is_cell


def read(filters: Filters, segment: str | None) -> dict[str, Figures] | None:
    """The figures per segment value, read from the counters of the cells involved.

    One query reads the counter rows and, in the same snapshot, the number of responses
    marked counted: unless the counters hold exactly that many (rows deleted or a response
    marked counted by hand), this returns None and the caller counts from the answers.
    Drafts are not counted in cells: the caller counts them (`from_answers.drafts_per_segment`).
    """
    c = COUNTS
    everywhere = filters.language or ALL
    if filters.answers:
        code, (option,) = filters.answers[0]
    else:
        code = option = ALL
    totals = c.c.metric == TOTAL
    if segment == LANGUAGE:
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
        select(*_check_row("new"), func.count()).where(not_yet_counted()),
    ]
    rows: list[Any] = list(db.session.execute(union_all(counters, *check)).all())

    highest = current_questionnaire().max_rank
    per_segment: dict[str, Figures] = defaultdict(Figures)
    found = {"counted": 0, "submitted": 0, "new": 0}
    for lang, cell_option, metric, question, option_code, rank, n in rows:
        if metric in found:
            found[metric] = n
            continue
        if not n:
            continue
        if segment is None:
            seg = ""
        elif segment == LANGUAGE:
            seg = lang
        else:
            seg = cell_option
        figures = per_segment[seg]
        own = segment == LANGUAGE or lang == everywhere
        if metric == TOTAL:
            if lang:
                figures.languages[lang] += n
            if own:
                figures.total = n
        elif not own:
            continue
        elif metric == OPTION:
            figures.options[question][option_code] = n
        elif metric == RANK:
            by_rank = figures.ranks[question][option_code]
            if not by_rank:
                by_rank.update(dict.fromkeys([*range(1, highest + 1), None], 0))
            if rank == NOT_RANKED:
                by_rank[None] = n
            elif rank <= highest:
                by_rank[rank] = n
        elif metric == RESPONDENTS:
            figures.respondents[question] = n
        elif metric == OTHER_TEXTS:
            figures.others[question] = n
    marked = found["submitted"] - found["new"]
    if found["counted"] != marked:
        _warn_mismatch(found["counted"], marked)
        return None
    current_app.extensions.pop(MISMATCH, None)
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
