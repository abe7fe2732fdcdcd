"""Responses-list benchmark: the admins' list of responses at N seeded responses.

    python -m bench.bench_console                          # 100,000 responses, both backends
    python -m bench.bench_console --n 20000 --backends sqlite --requests 30
    python -m bench.bench_console --uri sqlite:////tmp/seeded.sqlite3   # already seeded

For every backend it makes a fresh database (PostgreSQL: `bench_console_list`) and seeds it with
`flask seed-demo N` (or uses `--uri` as it is), creates an admin and an API token through
the CLI, and starts gunicorn (2 workers). It then measures, with `--requests` sequential
requests each over one keep-alive connection after one warm-up request per worker:

- `GET /api/responses` and the page `/results/responses`: the first page;
- the same with `after=CURSOR`, a page `--depth` pages (of 50) into the list, its keyset
  cursor found by following the API's `next` from the first page (a later page must cost
  what the first does: no OFFSET);
- the page filtered by the dashboard's filters (`?q2=yes&lang=ru`) and searched in the open
  answers (`?q=…`), for comparison.

It prints median and p95 latency in milliseconds and the CPU the other processes of the
machine used meanwhile (the machine is shared: read it before comparing runs). Target: a
median under 300 ms for the first and a later page. Standard library only on the client.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

if __package__ in (None, ""):  # run as a file: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
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

PASSWORD = "bench password not secret"  # noqa: S105 - a throwaway account in a throwaway db
DATABASE = "bench_console_list"
SEARCH = "library"


def make_token(uri: str) -> str:
    email = "bench-admin@example.org"
    run_flask(
        uri,
        "create-user",
        email,
        "--role",
        "admin",
        "--password-stdin",
        input=f"{PASSWORD}\n",
        check=False,
    )
    output = run_flask(uri, "create-token", email).stdout
    return output.strip().splitlines()[-1]


def timed_get(
    conn: http.client.HTTPConnection, target: str, token: str
) -> tuple[int, float, bytes]:
    start = time.perf_counter()
    conn.request("GET", target, headers={"Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    body = response.read()
    return response.status, time.perf_counter() - start, body


def cursor_at(conn: http.client.HTTPConnection, token: str, depth: int) -> str:
    """The keyset cursor of the page `depth` pages of 50 into the list."""
    after = ""
    for _page in range(depth):
        target = "/api/responses?limit=50" + (f"&after={quote(after)}" if after else "")
        status, _seconds, body = timed_get(conn, target, token)
        if status != 200:
            raise RuntimeError(f"{target}: {status} {body[:300]!r}")
        after = json.loads(body)["next"]
        if not after:
            raise RuntimeError(f"the list ends before page {depth}")
    return after


def measure(server, token: str, requests: int, workers: int, depth: int) -> list[tuple]:
    conn = http.client.HTTPConnection(server.host, server.port, timeout=120)
    later = f"after={quote(cursor_at(conn, token, depth))}"
    targets = [
        ("/api/responses", "first page"),
        (f"/api/responses?{later}", f"page {depth + 1}"),
        ("/results/responses", "first page"),
        (f"/results/responses?{later}", f"page {depth + 1}"),
        ("/results/responses?q2=yes&lang=ru", "filtered"),
        (f"/results/responses?q={SEARCH}", "searched"),
    ]
    rows = []
    for target, what in targets:
        statuses = set()
        for _warm in range(workers):
            status, _seconds, _body = timed_get(conn, target, token)
            statuses.add(status)
        times = []
        busy0, all0 = machine_cpu()
        for _request in range(requests):
            status, seconds, _body = timed_get(conn, target, token)
            statuses.add(status)
            times.append(seconds * 1000)
        busy1, all1 = machine_cpu()
        load = f"{100 * (busy1 - busy0) / max(all1 - all0, 1e-9):.0f}% busy"
        note = "" if statuses == {200} else f"status {sorted(statuses)}"
        shown = target.split("?")[0] + (" ?" + target.split("?")[1][:30] if "?" in target else "")
        rows.append(
            (
                shown,
                what,
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
    uri = fresh_postgres_database(DATABASE) if backend == "postgresql" else None
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
    parser.add_argument("--requests", type=int, default=20, help="requests per target")
    parser.add_argument("--depth", type=int, default=200, help="pages of 50 before the later")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()

    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if args.uri:
        backends = ["postgresql" if args.uri.startswith("postgresql") else "sqlite"]
    table = []
    with tempfile.TemporaryDirectory(prefix="bench-console-") as tmpdir:
        for backend in backends:
            uri = database_for(backend, args.n, tmpdir, args.uri)
            total = scalar(uri, "SELECT count(*) FROM responses")
            token = make_token(uri)
            with start_server(uri, workers=args.workers) as server:
                for row in measure(server, token, args.requests, args.workers, args.depth):
                    table.append((backend, f"{total:,}", *row))
    print_table(
        ["backend", "responses", "request", "page", "median ms", "p95 ms", "n", "machine"],
        table,
        markdown=args.markdown,
    )


if __name__ == "__main__":
    main()
