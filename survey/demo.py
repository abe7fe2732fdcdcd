"""`flask --app survey seed-demo N`: plausible responses for trying the dashboard and benchmarks.

Answers follow every rule of the questionnaire (option codes, follow-ups only when their
condition holds, rankings 1..k without gaps over the offered items) and roughly the shape of
the 2013 survey: about 90 % English and 10 % Russian respondents, the report's countries, and
its decline rates per question. Rows are built in Python and written in bulk (executemany on
SQLite, COPY on PostgreSQL) with explicit ids inside one transaction, which also adds the new
responses to the live result counts.
"""

from __future__ import annotations

import random
import time
import uuid
from datetime import UTC, datetime, timedelta

import click
from flask import Flask
from flask_babel import format_decimal, ngettext
from sqlalchemy import func, select, text

from survey.aggregation.counters import count_new_submissions
from survey.database import begin_write
from survey.extensions import db
from survey.models import DRAFT, RESPONSES, SUBMITTED, Answer, Response
from survey.questionnaire import Questionnaire, asked_questionnaire

#: (question, option, rank, text) of one answer row.
Row = tuple[str, str, int | None, str | None]

DEFAULT_SEED = 2013
BATCH = 5_000
SPAN = timedelta(days=60)


class DemoError(click.ClickException):
    pass


def times(
    rng: random.Random, now: datetime, draft: bool
) -> tuple[datetime, datetime, datetime | None]:
    """When a respondent started, last saved and (unless a draft) submitted."""
    started = now - SPAN * rng.random()
    finished = min(started + timedelta(minutes=rng.uniform(3, 45)), now)
    return started, finished, None if draft else finished


def draft_rows(questionnaire: Questionnaire, rows: list[Row], last_page: int) -> list[Row]:
    """A draft keeps only the pages its respondent saved."""
    return [row for row in rows if questionnaire.page_of(row[0]) <= last_page]


def _next_id(model) -> int:
    return (db.session.execute(select(func.max(model.id))).scalar() or 0) + 1


def seed(count: int, drafts: int, seed_value: int) -> dict[str, int]:
    """Insert `count` submitted and `drafts` draft responses in one transaction."""
    questionnaire = asked_questionnaire()
    if questionnaire.demo is None:
        raise DemoError("This questionnaire has no demo answers.")
    rng = random.Random(seed_value)
    generator = questionnaire.demo(rng)
    now = datetime.now(UTC)
    pages = len(questionnaire.pages)
    postgres = db.engine.dialect.name == "postgresql"
    begin_write()
    if postgres:
        db.session.execute(text("LOCK TABLE responses, answers IN EXCLUSIVE MODE"))
    response_id, answer_id = _next_id(Response), _next_id(Answer)
    totals = {"responses": 0, "answers": 0, "ru": 0}
    kinds = [False] * count + [True] * drafts
    for start in range(0, len(kinds), BATCH):
        responses, answers = [], []
        for draft in kinds[start : start + BATCH]:
            lang = "ru" if rng.random() < 0.1 else "en"
            rows = generator.respondent(lang)
            started, updated, submitted = times(rng, now, draft)
            last_page = pages
            if draft:
                last_page = rng.randrange(1, pages)
                rows = draft_rows(questionnaire, rows, last_page)
            responses.append(
                {
                    "id": response_id,
                    "uuid": str(uuid.uuid4()),
                    "resume_token_hash": None,
                    "language": lang,
                    "status": DRAFT if draft else SUBMITTED,
                    "started_at": started,
                    "updated_at": updated,
                    "submitted_at": submitted,
                    "last_page": last_page,
                    "source": "demo",
                }
            )
            for question, option, rank, answer_text in rows:
                answers.append((answer_id, response_id, question, option, rank, answer_text))
                answer_id += 1
            response_id += 1
            totals["ru"] += lang == "ru" and not draft
        _write(responses, answers, postgres)
        totals["responses"] += len(responses)
        totals["answers"] += len(answers)
    if postgres:
        for table in ("responses", "answers"):
            db.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT max(id) FROM {table}))"
                )
            )
        # Fresh statistics (ANALYZE sees this transaction's rows), so that counting the new
        # responses below and the first queries after seeding (benchmarks) get good plans:
        # without them PostgreSQL counted 100,000 new responses for more than ten minutes.
        for table in ("responses", "answers"):
            db.session.execute(text(f"ANALYZE {table}"))
    # Counted now, in the seeding transaction, rather than by the first reader of the results.
    count_new_submissions(db.session.connection(), writers_locked_out=True)
    db.session.commit()
    if postgres:
        # The counters are new, and the responses all counted now.
        db.session.execute(text("ANALYZE result_counts, responses"))
        db.session.commit()
    return totals


ANSWER_COLUMNS = ("id", "response_id", "question", "option", "rank", "text")
RESPONSE_COLUMNS = (
    "id", "uuid", "resume_token_hash", "language", "status", "started_at", "updated_at",
    "submitted_at", "last_page", "source",
)  # fmt: skip


def _write(responses: list[dict], answers: list[tuple], postgres: bool) -> None:
    """Bulk insert through the driver: COPY on PostgreSQL, executemany on SQLite."""
    connection = db.session.connection()
    driver = connection.connection.driver_connection
    assert driver is not None
    cursor = driver.cursor()
    if not postgres:
        # The driver gets what SQLAlchemy would send: datetimes as SQLite DATETIME strings.
        dialect = connection.dialect
        as_text = RESPONSES.c.started_at.type.dialect_impl(dialect).bind_processor(dialect)
        assert as_text is not None
        timestamps = {"started_at", "updated_at", "submitted_at"}
        cursor.executemany(
            f"INSERT INTO responses ({', '.join(RESPONSE_COLUMNS)}) "  # noqa: S608
            f"VALUES ({', '.join('?' * len(RESPONSE_COLUMNS))})",
            [
                [as_text(r[c]) if c in timestamps else r[c] for c in RESPONSE_COLUMNS]
                for r in responses
            ],
        )
        cursor.executemany(
            f"INSERT INTO answers ({', '.join(ANSWER_COLUMNS)}) "  # noqa: S608
            f"VALUES ({', '.join('?' * len(ANSWER_COLUMNS))})",
            answers,
        )
        return
    with cursor.copy(f"COPY responses ({', '.join(RESPONSE_COLUMNS)}) FROM STDIN") as copy:
        for response in responses:
            copy.write_row([response[column] for column in RESPONSE_COLUMNS])
    with cursor.copy(f"COPY answers ({', '.join(ANSWER_COLUMNS)}) FROM STDIN") as copy:
        for row in answers:
            copy.write_row(row)


def register(app: Flask) -> None:
    @app.cli.command("seed-demo")
    @click.argument("count", type=click.IntRange(min=0))
    @click.option("--seed", "seed_value", type=int, default=DEFAULT_SEED, show_default=True,
                  help="Random seed; the same seed gives the same answers.")  # fmt: skip
    @click.option("--drafts", type=click.IntRange(min=0), default=None,
                  help="In-progress drafts to add as well (default: COUNT / 20).")  # fmt: skip
    def seed_demo(count: int, seed_value: int, drafts: int | None) -> None:
        """Fill the database with COUNT plausible submitted demo responses."""
        drafts = count // 20 if drafts is None else drafts
        began = time.perf_counter()
        totals = seed(count, drafts, seed_value)
        elapsed = time.perf_counter() - began
        click.echo(
            ngettext(
                "Seeded %(num)d submitted response (%(russian)d in Russian) and %(drafts)s "
                "with %(rows)s in %(seconds)s s (seed %(seed)d).",
                "Seeded %(num)d submitted responses (%(russian)d in Russian) and %(drafts)s "
                "with %(rows)s in %(seconds)s s (seed %(seed)d).",
                count,
                russian=totals["ru"],
                drafts=ngettext("%(num)d draft", "%(num)d drafts", drafts),
                rows=ngettext("%(num)d answer row", "%(num)d answer rows", totals["answers"]),
                seconds=format_decimal(elapsed, "0.0"),  # 1.2 s, 1,2 с
                seed=seed_value,
            )
        )
