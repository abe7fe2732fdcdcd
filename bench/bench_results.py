"""Results benchmark: GET /api/results and the dashboard over N seeded responses.

    python -m bench.bench_results                          # 100,000 responses, both backends
    python -m bench.bench_results --n 20000 --backends sqlite --requests 30
    python -m bench.bench_results --uri sqlite:////tmp/seeded.sqlite3   # already seeded
    python -m bench.bench_results --uri postgresql+psycopg://postgres@127.0.0.1/bench_1m \
        --modes uncached --requests 5 --only rows       # what the live counters cannot serve

For every backend it makes a fresh database and seeds it with `flask seed-demo N` (or uses
`--uri` as it is), codes a tenth of the q9 answers into three categories and recodes one "other"
q6 answer in fifty (`prepare_coding`: once per database, in SQL), creates a viewer and an API
token through the CLI, and starts gunicorn (2 workers) twice:

- **uncached**: `RESULTS_CACHE_SIZE=0`, so every request counts everything in the database
  again: the cost of the first request after each new submission;
- **cached** (the default configuration): the results are cached per worker under the
  database's data version, so repeated requests cost one small version query.

The requests (`QUERIES`) are those the live counters serve (no filter, one option, a
comparison without an option filter) and those they cannot (`ROWS`: several filters, several
options, ranked items, coded categories, comparisons with filters, figures as recoded), on
`/api/results` and on the dashboard `/results/`. For each it sends `--requests` sequential
requests with `Authorization: Bearer TOKEN` over one keep-alive connection after one warm-up
request per worker, and prints median and p95 latency in milliseconds, and how busy the
machine was meanwhile (it is shared: read it before comparing runs). `--only rows` keeps
the requests the counters cannot serve. Standard library only on the client side.
"""

from __future__ import annotations

import argparse
import http.client
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    execute,
    fresh_postgres_database,
    fresh_sqlite_uri,
    machine_cpu,
    percentile,
    print_table,
    run_flask,
    scalar,
    seed,
    start_server,
)

#: Requests the live counters serve.
COUNTERS = ["", "?q2=yes", "?compare=q2", "?lang=ru&compare=q1"]
#: Requests they cannot serve: any filters, comparisons with filters, codings, recodes.
ROWS = [
    "?q2=yes&q6=government",
    "?lang=en&q2=yes&q4=5k,25k",
    "?q14=libraries&q2=no",
    "?q9_code=financing&q2=yes",
    "?compare=q2&q6=government",
    "?compare=lang&q1=public&q2=yes",
    "?compare=q3&q2=yes",
    "?compare=q1&q9_code=time",
    "?recoded=1",
    "?recoded=1&compare=q2&q6=other",
]
QUERIES = COUNTERS + ROWS
PATHS = ["/api/results", "/results/"]
#: The dashboard's requests (it also lists open answers): a subset, as it costs the most.
DASHBOARD = [
    "",
    "?compare=q2",
    "?q2=yes&q6=government",
    "?compare=q2&q6=government",
    "?q9_code=financing&q2=yes",
    "?recoded=1&compare=q2&q6=other",
]
#: Categories coded in the benchmark's data (field q9): code, English name.
CATEGORIES = [("financing", "Financing"), ("time", "Lack of time"), ("roles", "Roles")]
PASSWORD = "bench password not secret"  # noqa: S105 - a throwaway account in a throwaway db


def make_token(uri: str) -> str:
    email = "bench-viewer@example.org"
    run_flask(
        uri,
        "create-user",
        email,
        "--role",
        "viewer",
        "--password-stdin",
        input=f"{PASSWORD}\n",
        check=False,
    )
    output = run_flask(uri, "create-token", email).stdout
    return output.strip().splitlines()[-1]


def timed_get(conn: http.client.HTTPConnection, target: str, token: str) -> tuple[int, float]:
    start = time.perf_counter()
    conn.request("GET", target, headers={"Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    response.read()
    return response.status, time.perf_counter() - start


def prepare_coding(uri: str) -> None:
    """Code every tenth response's q9 answer into one of CATEGORIES and recode every fiftieth
    response's q6 "other" answer into "government", once per database, in SQL."""
    if scalar(uri, "SELECT count(*) FROM coding_categories WHERE field = 'q9'"):
        return
    names = ", ".join(
        f"('q9', '{code}', '{{\"en\": \"{name}\"}}', '', {position}, CURRENT_TIMESTAMP)"
        for position, (code, name) in enumerate(CATEGORIES, start=1)
    )
    # The benchmark's own constants only.
    columns = "field, code, names, description, position, created_at"
    categories = f"INSERT INTO coding_categories ({columns}) VALUES {names}"  # noqa: S608
    codings = (
        "INSERT INTO codings (answer_id, category_id, response_id, coded_at) "  # noqa: S608
        "SELECT a.id, c.id, a.response_id, CURRENT_TIMESTAMP "
        "FROM answers a JOIN coding_categories c "
        f"ON c.field = 'q9' AND c.position = 1 + a.response_id % {len(CATEGORIES)} "
        "WHERE a.question = 'q9' AND a.response_id % 10 = 0"
    )
    statements = [
        categories,
        codings,
        "INSERT INTO recodes (answer_id, option, recoded_at) "
        "SELECT id, 'government', CURRENT_TIMESTAMP FROM answers WHERE question = 'q6' "
        "AND option = 'other' AND text IS NOT NULL AND text <> '' AND response_id % 50 = 0",
    ]
    execute(uri, statements)


def measure(server, token: str, requests: int, warmups: int, queries: list[str]) -> list[tuple]:
    rows = []
    conn = http.client.HTTPConnection(server.host, server.port, timeout=600)
    for path in PATHS:
        for query in queries:
            if path != "/api/results" and query not in DASHBOARD:
                continue
            target = path + query
            statuses = set()
            for _warm in range(warmups):
                status, _seconds = timed_get(conn, target, token)
                statuses.add(status)
            if statuses == {404}:
                rows.append((target, "-", "-", "-", "not found"))
                break
            times = []
            busy0, all0 = machine_cpu()
            for _request in range(requests):
                status, seconds = timed_get(conn, target, token)
                statuses.add(status)
                times.append(seconds * 1000)
            busy1, all1 = machine_cpu()
            load = f"{100 * (busy1 - busy0) / max(all1 - all0, 1e-9):.0f}% busy"
            note = "" if statuses == {200} else f"status {sorted(statuses)}"
            rows.append(
                (
                    target,
                    f"{percentile(times, 50):.0f}",
                    f"{percentile(times, 95):.0f}",
                    len(times),
                    note or load,
                )
            )
    conn.close()
    return rows


def database_for(backend: str, n: int, tmpdir: str, uri: str | None) -> str:
    if uri:
        return uri
    uri = fresh_postgres_database("bench_results") if backend == "postgresql" else None
    uri = uri or fresh_sqlite_uri(tmpdir)
    started = time.perf_counter()
    print(seed(uri, n).strip().splitlines()[-1], file=sys.stderr)
    print(f"seeded in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return uri


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="responses to seed")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--uri", help="use this already seeded database (one backend)")
    parser.add_argument("--requests", type=int, default=20, help="requests per query")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--modes", default="uncached,cached")
    parser.add_argument("--warmups", type=int, help="requests before timing (default: workers)")
    parser.add_argument(
        "--only", choices=["all", "rows", "counters"], default="all", help="which requests"
    )
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()

    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if args.uri:
        backends = ["postgresql" if args.uri.startswith("postgresql") else "sqlite"]
    table = []
    with tempfile.TemporaryDirectory(prefix="bench-results-") as tmpdir:
        for backend in backends:
            uri = database_for(backend, args.n, tmpdir, args.uri)
            submitted = scalar(uri, "SELECT count(*) FROM responses WHERE status = 'submitted'")
            answers = scalar(uri, "SELECT count(*) FROM answers")
            prepare_coding(uri)
            token = make_token(uri)
            queries = {"all": QUERIES, "rows": ROWS, "counters": COUNTERS}[args.only]
            warmups = args.workers if args.warmups is None else args.warmups
            for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
                extra = {"RESULTS_CACHE_SIZE": 0} if mode == "uncached" else {}
                with start_server(
                    uri, workers=args.workers, extra_env=extra, worker_timeout=600
                ) as server:
                    for row in measure(server, token, args.requests, warmups, queries):
                        table.append((backend, f"{submitted:,}", f"{answers:,}", mode, *row))
    print_table(
        [
            "backend",
            "submitted",
            "answer rows",
            "mode",
            "request",
            "median ms",
            "p95 ms",
            "n",
            "machine",
        ],
        table,
        markdown=args.markdown,
    )


if __name__ == "__main__":
    main()
