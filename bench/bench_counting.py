"""What taking new submissions into the live result counters costs, at N responses.

    python -m bench.bench_counting                       # 100,000 responses, both backends
    python -m bench.bench_counting --n 20000 --backends sqlite --pending 1 20

Submitting only marks a response submitted; the next read of the results counts every
response submitted since (`survey.aggregation.counters.count_new_submissions`). For each backend
this seeds a fresh database with `flask seed-demo N` (everything counted), then, for each
number P of `--pending`, marks the P newest responses not counted yet and times counting them,
in a transaction that is rolled back, `--repeat` times (the P responses are picked at random
each time). It prints the median milliseconds and the milliseconds per response: what one
submission cost when each counted itself is the row for 1.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, update  # noqa: E402

from bench.common import fresh_postgres_database, fresh_sqlite_uri, print_table, seed  # noqa: E402
from survey import create_app  # noqa: E402
from survey.aggregation import counters  # noqa: E402
from survey.extensions import db  # noqa: E402
from survey.models import SUBMITTED, Response  # noqa: E402

RESPONSES = Response.__table__


def time_counting(uri: str, pending: int, repeat: int) -> list[float]:
    """Seconds to count `pending` new submissions, `repeat` times, each rolled back."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "bench-counting"})
    seconds = []
    with app.app_context():
        for _attempt in range(repeat):
            connection = db.session.connection()
            chosen = (
                select(RESPONSES.c.id)
                .where(RESPONSES.c.status == SUBMITTED)
                .order_by(func.random())
                .limit(pending)
                .scalar_subquery()
            )
            connection.execute(
                update(RESPONSES).where(RESPONSES.c.id.in_(chosen)).values(counted=False)
            )
            started = time.perf_counter()
            counted = counters.count_new_submissions(connection)
            seconds.append(time.perf_counter() - started)
            db.session.rollback()
            if counted != pending:
                raise RuntimeError(f"counted {counted} responses, not {pending}")
        db.engine.dispose()
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="responses to seed")
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--pending", type=int, nargs="+", default=[1, 5, 20, 200, 2000])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-counting-") as tmp:
        for backend in args.backends:
            if backend == "postgresql":
                uri = fresh_postgres_database("bench_counting")
            else:
                uri = fresh_sqlite_uri(tmp)
            print(f"… {backend}: seeding {args.n} responses", file=sys.stderr, flush=True)
            seed(uri, args.n)
            for pending in args.pending:
                median = statistics.median(time_counting(uri, pending, args.repeat)) * 1000
                per_submission = round(median / pending, 2)
                rows.append((backend, args.n, pending, round(median, 1), per_submission))
    headers = ["database", "responses", "new submissions", "median ms", "ms per submission"]
    print_table(headers, rows, markdown=args.markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
