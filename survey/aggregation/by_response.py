"""The results' table of one row per response: any filter and comparison at a million responses.

Counting from the answers reads the long `answers` table (about 12 rows per response) once per
kind of figure, and each answer filter is a semi-join over it: 13–35 s at 1,000,000 responses
on PostgreSQL. Here every counted response has one short row. Each question type sums up its
answer in small whole numbers, its *slots* (`Question.slots`: a single choice is the option's
position, a multiple choice a bit per option, a ranking one slot per item holding its rank, a
text answer 1 when given); neighbouring slots are packed into one integer column (at most
`PACKED` value combinations each), so a row is the response's id, its language, its submission
day (UTC, days since 1970: the date filters and the timeline) and about eight small integers.

A request selects rows with the filters — the language, the submission days, and each answer
filter as a condition on the question's slots (`Question.slot_condition`; a filter without one,
such as a coded category, is the usual semi-join on the answers) — and counts respondents per
value of each packed column, all in one scan (PostgreSQL: one GROUP BY GROUPING SETS; SQLite:
the selected rows materialised once, then one GROUP BY per column). The question types turn
(slot, value, respondents) back into their figures (`Question.add_slot_counts`): the same
figures as counting the answers, which the tests check request by request.

An admin's exclusion takes the response's row out with its counters (`remove_rows`, called by
`counters.subtract_result_counts`) and restoring puts it back (`counters.count_again`). Which
responses count is otherwise still `selection.matching`'s business: a row whose response no
longer meets it (taken out of the submitted ones another way) is left out, found among the few
counted responses that no longer match. A deleted response takes its row with it (foreign key).

The table is named after its layout (`result_rows_<hash of the slots>`), so a questionnaire
whose questions, options or items change gets a new one; `rebuild-result-counts` builds it
(and drops the old ones), and so does taking in new submissions while at most `AUTO_BUILD`
responses are counted. It holds the responses the live counters hold (`responses.counted`):
the rows of new submissions are added in the transaction that counts them (`add_rows`, called
by `counters.count_new_submissions` and `rebuild_result_counts`), and the number of rows
written is kept in `change_counters` under the table's name. The table serves a request only
while that number equals the counters' total of counted responses; otherwise (not built, or a
response whose answers fit no slot) results are counted from the answers.

Codings (`q9_code`) and recodes are not in the rows: they change at any time. The codings
(a few per cent of the responses; each carries its response) are summed up per response in
one string (`_codings_per_response`), each looks its row up by id, and they are counted per
segment and string in one query (`add_codings`: 0.07 s at a million; a lookup per coded
answer took 1.2 s), for figures from the rows or from the live counters.
Figures "as recoded" add, for the few respondents with a recoded answer, the difference
between their answers as recoded and as given (`from_answers.recode_difference`).
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache, cached_property
from typing import Any

import numpy
from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    ForeignKey,
    Integer,
    MetaData,
    Select,
    SmallInteger,
    String,
    Table,
    and_,
    func,
    insert,
    inspect,
    literal,
    literal_column,
    not_,
    select,
    text,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import aggregate_order_by

from survey.extensions import db
from survey.models import ANSWERS, CATEGORIES, CHANGE_COUNTERS, CODINGS, RESPONSES
from survey.questionnaire import AnswerRow, Question, Questionnaire, asked_questionnaire
from survey.questionnaire import current_questionnaire as results_questionnaire
from survey.questionnaire.coded import coded_code
from survey.questionnaire.figures import OPTION, OTHER_TEXTS, RANK, RESPONDENTS, Figures
from survey.selection import LANGUAGE, Filters, matching

log = logging.getLogger(__name__)

TABLE_PREFIX = "result_rows_"
#: Most value combinations of the slots packed into one column (each column is one hash
#: table per row when counting, so fewer columns count faster; more combinations mean more
#: groups to send back).
PACKED = 2**24
#: Responses whose answers are read and whose rows are written per batch.
BATCH = 20_000
#: Taking in new submissions builds a missing table only up to this many counted responses
#: (a few seconds); above, `rebuild-result-counts` builds it.
AUTO_BUILD = 20_000
#: Stands for an answer's text when rows are made (only whether there is one matters).
WORDS = "…"
#: The column of the submission's day (UTC), as days since 1 January 1970: the timeline and
#: the date filters.
DAY = "day"
EPOCH = date(1970, 1, 1)
#: Figures the rows hold (coded figures come from the codings).
IN_ROWS = frozenset({OPTION, RANK, RESPONDENTS, OTHER_TEXTS})


@dataclass(frozen=True)
class Packed:
    """One slot's place: question, slot number, packed column number, multiplier, size."""

    question: Question
    slot: int
    column: int
    multiplier: int
    size: int


@dataclass(frozen=True, eq=False)
class Layout:
    """The table of one questionnaire: its questions' slots packed into columns."""

    questions: tuple[Question, ...]
    places: tuple[Packed, ...]
    sizes: tuple[int, ...]
    table: Table

    @cached_property
    def packs(self) -> list[Any]:
        """The packed columns, in order."""
        return [self.table.c[f"k{n}"] for n in range(len(self.sizes))]

    def slot_columns(self, code: str) -> list[ColumnElement[Any]]:
        """A question's slots as expressions on the packed columns."""
        found: list[ColumnElement[Any]] = []
        for place in self.places:
            if place.question.code == code:
                column: Any = self.packs[place.column]
                if place.multiplier > 1:
                    column = column.op("/")(literal_column(str(place.multiplier)))
                if place.multiplier * place.size < self.sizes[place.column]:
                    column = column.op("%")(literal_column(str(place.size)))
                found.append(column)
        return found

    def expressions(self) -> list[ColumnElement[Any]]:
        """Every slot as an expression on the packed columns (what conditions and segments
        are written on)."""
        return [
            column for question in self.questions for column in self.slot_columns(question.code)
        ]

    def places_in(self, column: int) -> list[Packed]:
        """The slots packed into one column."""
        return [place for place in self.places if place.column == column]

    def row(
        self, response_id: int, language: str, day: int | None, rows: Sequence[AnswerRow]
    ) -> tuple | None:
        """The table's row of one response from its answer rows (None: they do not fit)."""
        by_question: dict[str, list[AnswerRow]] = defaultdict(list)
        for answer in rows:
            by_question[answer.question].append(answer)
        if not set(by_question) <= self.codes:
            return None
        keys = [0] * len(self.sizes)
        for question in self.questions:
            values = question.slot_values(by_question.get(question.code, ()))
            if values is None:
                return None
            for place, value in zip(self._places_of[question.code], values, strict=True):
                keys[place.column] += value * place.multiplier
        return (response_id, language, day, *keys)

    @cached_property
    def codes(self) -> frozenset[str]:
        return frozenset(q.code for q in self.questions)

    @cached_property
    def _places_of(self) -> dict[str, list[Packed]]:
        found: dict[str, list[Packed]] = defaultdict(list)
        for place in self.places:
            found[place.question.code].append(place)
        return found


@cache
def layout(questionnaire: Questionnaire) -> Layout | None:
    """The table for a questionnaire; None if a question's figures fit in no slot."""
    slotted = []
    for question in questionnaire.questions:
        if question.slots():
            slotted.append(question)
        elif question.counted & IN_ROWS:
            return None
    # Pack slots in questionnaire order; the first slot of a pack varies slowest.
    packs: list[list[tuple[Question, int, int]]] = [[]]
    sizes = [1]
    for question in slotted:
        for number, slot in enumerate(question.slots()):
            if packs[-1] and sizes[-1] * slot.size > PACKED:
                packs.append([])
                sizes.append(1)
            packs[-1].append((question, number, slot.size))
            sizes[-1] *= slot.size
    places = []
    for column, pack in enumerate(packs):
        multiplier = sizes[column]
        for question, number, size in pack:
            multiplier //= size
            places.append(Packed(question, number, column, multiplier, size))
    described = [(q.code, s.name, s.size, s.codes) for q in slotted for s in q.slots()]
    digest = hashlib.sha256(repr((sizes, described, DAY)).encode()).hexdigest()[:10]
    columns: list[Column[Any]] = [
        Column("id", Integer, ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True),
        Column("language", String(8), nullable=False),
        Column(DAY, Integer),
    ]
    for number, size in enumerate(sizes):
        kind = SmallInteger if size <= 2**15 else Integer
        columns.append(Column(f"k{number}", kind, nullable=False))
    metadata = MetaData()
    # The foreign key's target, for CREATE TABLE (the app's own metadata is not this one).
    Table("responses", metadata, Column("id", Integer, primary_key=True))
    table = Table(TABLE_PREFIX + digest, metadata, *columns)
    return Layout(tuple(slotted), tuple(places), tuple(sizes), table)


def current_layout() -> Layout | None:
    return layout(asked_questionnaire())


# --------------------------------------------------------------------------- writing


def _held(name: str) -> Any:
    """The rows written to a table, as a scalar subquery (NULL: the table is not built)."""
    counter = CHANGE_COUNTERS
    return select(counter.c.value).where(counter.c.name == name).scalar_subquery()


def rebuild_rows(connection: Connection) -> int:
    """(Re)build the table from every response marked counted, in the caller's transaction,
    and drop the tables of other layouts. Returns the rows written."""
    found = current_layout()
    counter = CHANGE_COUNTERS
    for name in inspect(connection).get_table_names():
        if name.startswith(TABLE_PREFIX) and (found is None or name != found.table.name):
            connection.execute(text(f'DROP TABLE "{name}"'))
            connection.execute(counter.delete().where(counter.c.name == name))
    if found is None:
        return 0
    found.table.create(connection, checkfirst=True)
    connection.execute(found.table.delete())
    connection.execute(counter.delete().where(counter.c.name == found.table.name))
    connection.execute(insert(counter).values(name=found.table.name, value=0))
    written = _write(connection, found, None)
    if connection.dialect.name == "postgresql":
        _describe(connection, found)
    return written


def _describe(connection: Connection, found: Layout) -> None:
    """Give PostgreSQL statistics of every slot's expression, then ANALYZE the table.

    Without them it guesses that a condition on an expression keeps 0.5 % of the rows (one
    answer option often keeps a third of them) and plans joins with the rows as if they were
    few: the coded figures with a coded-category filter sorted every selected row by id, on
    disk (0.3 s instead of 0.1 s at a million responses). Autovacuum keeps them up to date.
    """
    t = found.table
    for number, expression in enumerate(found.expressions()):
        # Compiled for a driver whose parameters are not "%(name)s", so "%" stays itself
        # (text() doubles it again for this one).
        written = expression.compile(
            dialect=postgresql.dialect(paramstyle="named"), compile_kwargs={"literal_binds": True}
        )
        name = f"{t.name}_s{number}"
        connection.execute(
            text(f'CREATE STATISTICS IF NOT EXISTS "{name}" ON ({written}) FROM "{t.name}"')
        )
    connection.execute(text(f'ANALYZE "{t.name}"'))


def add_rows(connection: Connection, response_ids: Sequence[int]) -> int:
    """Add the rows of these responses, just marked counted in the caller's transaction.

    Before the table is built this builds it (`rebuild_rows`) while few responses are
    counted, and otherwise does nothing (results are counted from the answers until
    `rebuild-result-counts`). Returns the rows written.
    """
    found = current_layout()
    if found is None:
        return 0
    if connection.execute(select(_held(found.table.name))).scalar() is None:
        counted = connection.execute(
            select(func.count()).where(RESPONSES.c.counted == true())
        ).scalar_one()
        return rebuild_rows(connection) if counted <= AUTO_BUILD else 0
    return _write(connection, found, response_ids) if response_ids else 0


def remove_rows(connection: Connection, response_ids: Sequence[int]) -> int:
    """Remove the rows of these responses, taken out of the counted ones in the caller's
    transaction (excluded); returns the rows removed."""
    found = current_layout()
    if found is None or not response_ids:
        return 0
    t, counter = found.table, CHANGE_COUNTERS
    if connection.execute(select(_held(t.name))).scalar() is None:
        return 0
    removed = 0
    ids = sorted(set(response_ids))
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        removed += connection.execute(t.delete().where(t.c.id.in_(batch))).rowcount
    connection.execute(
        update(counter).where(counter.c.name == t.name).values(value=counter.c.value - removed)
    )
    return removed


def _write(connection: Connection, found: Layout, response_ids: Sequence[int] | None) -> int:
    """Write the rows of these responses (all counted ones when None), replacing any they
    had (a response counted again); keeps the number of rows held up to date."""
    written = replaced = misfits = 0
    t = found.table
    for batch in _answer_batches(connection, response_ids):
        rows = []
        for response_id, language, day, answers in batch:
            row = found.row(response_id, language, day, answers)
            if row is None:
                misfits += 1
            else:
                rows.append(row)
        if response_ids is not None and batch:
            ids = [response_id for response_id, *_rest in batch]
            replaced += connection.execute(t.delete().where(t.c.id.in_(ids))).rowcount
        _insert(connection, t, rows)
        written += len(rows)
    if misfits:
        log.warning(
            "%d responses have answers the questionnaire does not know: results are counted "
            "from the answers (slower) until the questionnaire knows them and "
            "`flask --app survey rebuild-result-counts` is run.",
            misfits,
        )
    counter = CHANGE_COUNTERS
    connection.execute(
        update(counter)
        .where(counter.c.name == found.table.name)
        .values(value=counter.c.value + written - replaced)
    )
    return written


def _answer_batches(
    connection: Connection, response_ids: Sequence[int] | None
) -> Iterator[list[tuple[int, str, int | None, list[AnswerRow]]]]:
    """(id, language, submission day, answer rows) of the responses marked counted (among
    `response_ids`, or all of them), BATCH responses at a time, in id order."""
    r, a = RESPONSES, ANSWERS
    counted = select(r.c.id, r.c.language, r.c.submitted_at).where(r.c.counted == true())
    if response_ids is None:
        every = counted.with_only_columns(r.c.id).order_by(r.c.id)
        wanted: list[int] = list(connection.execute(every).scalars())
    else:
        wanted = sorted(set(response_ids))
    answers = select(a.c.response_id, a.c.question, a.c.option, a.c.rank, a.c.text != "")
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start : start + BATCH]
        low, high = chunk[0], chunk[-1]
        described = {
            response_id: (language, day_number(submitted_at))
            for response_id, language, submitted_at in connection.execute(
                counted.where(r.c.id.between(low, high))
            )
        }
        keep = described.keys() & set(chunk)
        grouped: dict[int, list[AnswerRow]] = {response_id: [] for response_id in keep}
        for response_id, question, option, rank, words in connection.execute(
            answers.where(a.c.response_id.between(low, high))
        ):
            if response_id in keep:
                text_given = WORDS if words else None
                grouped[response_id].append(AnswerRow(question, option, rank, text_given))
        yield [(i, *described[i], grouped[i]) for i in sorted(keep)]


def day_number(moment: datetime | str | None) -> int | None:
    """The UTC day of a moment as days since 1 January 1970 (SQLite gives UTC text)."""
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return (moment.date() - EPOCH).days


def _insert(connection: Connection, table: Table, rows: list[tuple]) -> None:
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        driver = connection.connection.driver_connection
        assert driver is not None
        names = ", ".join(f'"{column.name}"' for column in table.columns)
        with driver.cursor().copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
        return
    columns = [column.name for column in table.columns]
    connection.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])


# --------------------------------------------------------------------------- reading


def usable(counted: int) -> Layout | None:
    """The layout, when its table holds a row for every submitted response counted so far
    (`counted`: how many there are, from `aggregation.data_state`, read once per request).

    The rows written (`change_counters`), less those of responses counted but no longer
    submitted, must be that many (a response marked counted by hand, or one whose answers
    fit no slot, has no row). A row deleted with its response makes the rows written too
    many: counted from the answers until a rebuild, like any other mismatch.
    """
    found = current_layout()
    if found is None:
        return None
    held, gone = db.session.execute(select(_held(found.table.name), _gone_count())).one()
    if held is None or held - gone != counted:
        return None
    return found


def _gone() -> Select:
    """Ids of the responses counted into the results that no longer count (excluded)."""
    r = RESPONSES
    return select(r.c.id).where(r.c.counted == true(), not_(and_(*matching(Filters(), r))))


def _gone_count() -> Any:
    return select(func.count()).select_from(_gone().subquery()).scalar_subquery()


@dataclass(frozen=True)
class Population:
    """The selected rows: the table, the conditions, the segment column and its decoder."""

    table: Table
    where: list[Any]
    segment: Any
    decode: Callable[[Any], str | None]
    #: Whether a filter is a semi-join on the answers (no slot condition: a coded category).
    semi_joins: bool = False


def serves(found: Layout, filters: Filters, segment: str | None) -> bool:
    """Whether the rows can select this request: a segment must be a question of their own
    (not one option of it, `?compare=q6.government`)."""
    return segment in (None, LANGUAGE) or segment in found.codes


def population(found: Layout, filters: Filters, segment: str | None) -> Population:
    """The rows of the submitted responses matching the filters, with their segment.

    The language and the filters without a slot condition go through `matching` applied to
    the table itself (its `id` and `language` are the response's); responses that were
    counted but no longer meet `matching` (excluded) are left out.
    """
    t = found.table
    questionnaire = results_questionnaire()
    on_rows, elsewhere = [], []
    for code, options in filters.answers:
        condition = None
        if code in found.codes:
            columns = found.slot_columns(code)
            condition = questionnaire.question(code).slot_condition(columns, options)
        if condition is None:
            elsewhere.append((code, options))
        else:
            on_rows.append(condition)
    where = [
        *matching(Filters(filters.language, tuple(elsewhere)), t, statuses=None),
        *on_rows,
        *_days(t, filters),
        t.c.id.not_in(_gone()),
    ]
    decode: Callable[[Any], str | None]
    if segment is None:
        seg: Any = literal("")
        decode = str
    elif segment == LANGUAGE:
        seg = t.c.language
        decode = str
    else:
        seg = found.slot_columns(segment)[0]
        decode = questionnaire.question(segment).slot_segment
        where.append(seg != 0)
    return Population(t, where, seg, decode, bool(elsewhere))


def _days(t: Table, filters: Filters) -> list[ColumnElement[bool]]:
    """The submission days the filters keep (first and last day inclusive, UTC)."""
    day, found = t.c[DAY], []
    if filters.submitted_from:
        found.append(day >= (filters.submitted_from - EPOCH).days)
    if filters.submitted_to and filters.submitted_to < date.max:
        found.append(day <= (filters.submitted_to - EPOCH).days)
    return found


def submissions_per_day(found: Layout, filters: Filters) -> list[tuple[date, str, int]]:
    """(day, language, submissions) of the respondents the filters select: the timeline."""
    people = population(found, filters, None)
    day = people.table.c[DAY]
    query = (
        select(day, people.table.c.language, func.count())
        .where(*people.where, day.is_not(None))
        .group_by(day, people.table.c.language)
    )
    return [
        (EPOCH + timedelta(days=number), language, n)
        for number, language, n in db.session.execute(query)
    ]


def count(found: Layout, filters: Filters, segment: str | None) -> dict[str, Figures]:
    """The figures of the submitted responses per segment value, from their rows (the codings,
    `add_codings`, and the drafts are the caller's).

    Each packed column's groups are unpacked with numpy: per slot, respondents per (segment,
    value) in one `bincount`, and the question adds that matrix to the segments' figures
    (`Question.add_slot_counts`).
    """
    people = population(found, filters, segment)
    per_segment: dict[str, Figures] = defaultdict(Figures)
    for pack, groups in enumerate(_grouped(found, people)):
        if not groups:
            continue
        segments, languages, found_keys, found_counts = zip(*groups, strict=True)
        # Each segment value's position (a dict: numpy.unique sorts Python objects, five
        # times slower for the 144,000 groups of a million responses compared by country).
        numbered: dict[Any, int] = {}
        positions = numpy.fromiter(
            (numbered.setdefault(value, len(numbered)) for value in segments),
            dtype=numpy.int64,
            count=len(segments),
        )
        named = [people.decode(value) for value in numbered]
        figures = [None if label is None else per_segment[label] for label in named]
        keys = numpy.array(found_keys, dtype=numpy.int64)
        counts = numpy.array(found_counts, dtype=numpy.int64)
        if pack == 0:  # grouped with the language too: the totals
            _add_totals(figures, positions, languages, counts)
        for place in found.places_in(pack):
            combined = positions * place.size + (keys // place.multiplier) % place.size
            sums = numpy.bincount(combined, weights=counts, minlength=len(named) * place.size)
            matrix = sums.astype(numpy.int64).reshape(len(named), place.size)
            place.question.add_slot_counts(place.slot, matrix, figures)
    return per_segment


def add_codings(
    found: Layout, per_segment: dict[str, Figures], filters: Filters, segment: str | None
) -> None:
    """Add the coded figures of the respondents the filters select, per segment value."""
    people = population(found, filters, segment)
    fields = _coded_fields()
    for seg_value, codings, n in _coded(people):
        if (label := people.decode(seg_value)) is not None:
            _add_codings(per_segment.setdefault(label, Figures()), fields, codings, n)


def _add_totals(
    figures: list[Figures | None],
    positions: numpy.ndarray,
    languages: Sequence[str],
    counts: numpy.ndarray,
) -> None:
    """Add each segment's respondents per language (groups of the first packed column)."""
    numbered: dict[str, int] = {}
    spoken = numpy.fromiter(
        (numbered.setdefault(language, len(numbered)) for language in languages),
        dtype=numpy.int64,
        count=len(languages),
    )
    width = len(numbered)
    every = len(figures) * width
    sums = numpy.bincount(positions * width + spoken, weights=counts, minlength=every)
    per_language = sums.astype(numpy.int64).reshape(len(figures), width).tolist()
    for found, row in zip(figures, per_language, strict=True):
        if found is None:
            continue
        for language, n in zip(numbered, row, strict=True):
            if n:
                found.total += n
                found.languages[language] += n


#: Separators of `_codings_per_response`'s strings (never in a field's name or a code).
CODING_SEPARATOR, FIELD_SEPARATOR = ";", "="


def _coded_fields() -> dict[str, str]:
    """The open fields whose answers are coded, and the code of each one's coded question."""
    return {field: coded_code(field) for field in results_questionnaire().coded_fields}


def _codings_per_response(dialect: str) -> Any:
    """Per response with coded answers: (response_id, codings), the codings one string of
    `field=code` separated by ";". A response has one answer per open field, so each field
    in the string is one coded answer. Respondents with the same codings have the same string
    (sorted on PostgreSQL), so grouping the rows by it gives respondents per combination of
    categories. None: no field is coded."""
    fields = _coded_fields()
    if not fields:
        return None
    k, c = CATEGORIES, CODINGS
    coding = k.c.field + literal(FIELD_SEPARATOR) + k.c.code
    if dialect == "postgresql":
        joined = func.string_agg(coding, aggregate_order_by(literal(CODING_SEPARATOR), coding))
    else:  # in the order rows arrive: more groups at worst, the same figures
        joined = func.group_concat(coding, CODING_SEPARATOR)
    return (
        select(c.c.response_id.label("response_id"), joined.label("codings"))
        .select_from(c.join(k, k.c.id == c.c.category_id))
        .where(k.c.deleted_at.is_(None), k.c.field.in_(fields))
        .group_by(c.c.response_id)
        .subquery("codings")
    )


def _add_codings(figures: Figures, fields: dict[str, str], codings: str, n: int) -> None:
    """Add `n` respondents with these codings (`_codings_per_response`) to the figures."""
    answered = set()
    for coding in codings.split(CODING_SEPARATOR):
        field, code = coding.split(FIELD_SEPARATOR)
        question = fields[field]
        by_category = figures.coded[question]
        by_category[code] = by_category.get(code, 0) + n
        answered.add(question)
    for question in answered:
        figures.coded_answers[question] = figures.coded_answers.get(question, 0) + n


def _coded(people: Population) -> list[tuple[Any, str, int]]:
    """(segment value, codings, respondents) of the selected respondents with coded answers:
    a join that starts from the few coded responses and finds their rows by id."""
    codings = _codings_per_response(db.session.get_bind().dialect.name)
    if codings is None:
        return []
    t = people.table
    if db.session.get_bind().dialect.name == "postgresql" and not people.semi_joins:
        # Each coded response's row looked up by id. LIMIT keeps PostgreSQL from turning the
        # lookup into a join, which it planned from its (far too low) guess of the rows the
        # slot conditions keep as a sort of every selected row: 0.14 s, against 0.07 s. Not
        # with a semi-join on the answers, which each lookup would run again (0.24 s).
        row = (
            select(people.segment.label("seg"))
            .where(t.c.id == codings.c.response_id, *people.where)
            .limit(1)
            .lateral("row")
        )
        query = (
            select(row.c.seg, codings.c.codings, func.count())
            .select_from(codings.join(row, true()))
            .group_by(row.c.seg, codings.c.codings)
        )
    else:
        seg = people.segment.label("seg")
        query = (
            select(seg, codings.c.codings, func.count())
            .select_from(codings.join(t, t.c.id == codings.c.response_id))
            .where(*people.where)
            .group_by(seg, codings.c.codings)
        )
    return [tuple(row) for row in db.session.execute(query)]


def _grouped(found: Layout, people: Population) -> list[list[tuple[Any, str, int, int]]]:
    """Per packed column, its groups: (segment value, language, key, respondents).

    The first column is grouped with the language as well (its groups give the totals); the
    others' language is "".
    """
    t, packs = people.table, found.packs
    seg = people.segment.label("seg")
    groups: list[list[tuple[Any, str, int, int]]] = [[] for _ in packs]
    if db.session.get_bind().dialect.name == "postgresql":
        # One scan and a hash table per grouping set.
        sets = [f"(seg, {t.c.language.name}, {packs[0].name})"]
        sets += [f"(seg, {column.name})" for column in packs[1:]]
        # Each row says its set by GROUPING() (a bit per packed column left out) and carries
        # only that set's key: five columns, however many packs (a million responses
        # compared by country make 144,000 groups).
        every = (1 << len(packs)) - 1  # GROUPING's first argument is its highest bit
        which = {every - (1 << (len(packs) - 1 - number)): number for number in range(len(packs))}
        query = (
            select(
                func.grouping(*packs),
                seg,
                t.c.language,
                func.coalesce(*packs) if len(packs) > 1 else packs[0],
                func.count(),
            )
            .where(*people.where)
            .group_by(text(f"GROUPING SETS ({', '.join(sets)})"))
        )
        for grouping, seg_value, language, key, n in _hashing_every_set(query):
            groups[which[grouping]].append((seg_value, language or "", key, n))
        return groups
    # SQLite: the selected rows once (a CTE used several times is materialised), then a
    # GROUP BY per packed column.
    selected = select(seg, t.c.language, *packs).where(*people.where).cte("selected")
    queries = []
    for number, pack in enumerate(packs):
        column = selected.c[pack.name]
        spoken: Any = selected.c.language if number == 0 else literal("")
        by = (selected.c.seg, selected.c.language) if number == 0 else (selected.c.seg,)
        queries.append(
            select(literal(number), selected.c.seg, spoken, column, func.count()).group_by(
                *by, column
            )
        )
    for number, seg_value, language, key, n in db.session.execute(union_all(*queries)):
        groups[number].append((seg_value, language, key, n))
    return groups


def _hashing_every_set(query: Select) -> list[tuple[Any, ...]]:
    """Run the grouping query with room for its hash tables, hashing every grouping set (sorting
    the rows for one of them, which the planner picks from its guess of how few rows the
    slot conditions keep, took a third longer at a million responses compared by country);
    the settings are restored afterwards.

    The rows come from the driver's own cursor as plain tuples: SQLAlchemy's rows cost as
    much again as the query for the 144,000 groups of a comparison by country."""
    connection = db.session.connection()
    wanted = {"work_mem": "64MB", "enable_sort": "off"}
    current = ", ".join(f"current_setting('{name}')" for name in wanted)
    saved = dict(zip(wanted, connection.execute(text(f"SELECT {current}")).one(), strict=True))
    change = text("SELECT " + ", ".join(f"set_config('{n}', :{n}, true)" for n in wanted))
    connection.execute(change, wanted)
    compiled = query.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    cursor = connection.connection.cursor()
    try:
        cursor.execute(str(compiled), compiled.params)
        rows = [tuple(row) for row in cursor.fetchall()]
    finally:
        cursor.close()
    connection.execute(change, saved)
    return rows
