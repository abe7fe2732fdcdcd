"""Report benchmark: `flask report` (PDF and HTML) over N seeded responses.

    python -m bench.bench_report                          # 100,000 responses, both backends
    python -m bench.bench_report --n 20000 --backends sqlite --runs 3
    python -m bench.bench_report --uri sqlite:////tmp/seeded.sqlite3   # already seeded

For every backend it makes a fresh database (PostgreSQL: `bench_report_N`) and seeds it with
`flask seed-demo N` (or uses `--uri` as it is), then runs `flask --app survey report --out
FILE --quiet` `--runs` times per case — the whole report in English, the whole report in
Russian, and English with the appendix comparing association members (`--compare q2`) — as
PDF and as HTML, and prints the median and the slowest wall-clock time of the command (the
Python start-up, the counting in the database, the charts, and WeasyPrint for the PDF), the
median CPU time (user + system) the command used — about what it takes on an idle machine,
without the database server's share on PostgreSQL — with the size of the file written and the
CPU the other processes of the machine used meanwhile (the machine is shared: read it before
comparing runs).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

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
)

CASES = {
    "en": ("--language", "en"),
    "ru": ("--language", "ru"),
    "en --compare q2": ("--language", "en", "--compare", "q2"),
}


def database_for(backend: str, n: int, tmpdir: str, uri: str | None) -> str:
    if uri:
        return uri
    uri = fresh_postgres_database(f"bench_report_{n}") if backend == "postgresql" else None
    uri = uri or fresh_sqlite_uri(tmpdir)
    started = time.perf_counter()
    print(seed(uri, n).strip().splitlines()[-1], file=sys.stderr)
    print(f"seeded in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return uri


def _children_cpu() -> float:
    """CPU seconds (user + system) used so far by the finished child processes."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(uri: str, tmpdir: str, runs: int, kinds: list[str], cases: list[str]) -> list[tuple]:
    rows = []
    for kind in kinds:
        for case in cases:
            out = Path(tmpdir) / f"report.{kind}"
            times, cpu = [], []
            busy0, all0 = machine_cpu()
            for _run in range(runs):
                used = _children_cpu()
                started = time.perf_counter()
                run_flask(
                    uri, "report", "--out", str(out), "--format", kind, "--quiet", *CASES[case]
                )
                times.append(time.perf_counter() - started)
                cpu.append(_children_cpu() - used)
            busy1, all1 = machine_cpu()
            load = f"{100 * (busy1 - busy0) / max(all1 - all0, 1e-9):.0f}% busy"
            size = f"{out.stat().st_size / 1024:,.0f} KiB"
            rows.append(
                (
                    kind,
                    case,
                    f"{percentile(times, 50):.1f}",
                    f"{max(times):.1f}",
                    f"{percentile(cpu, 50):.1f}",
                    runs,
                    size,
                    load,
                )
            )
            print(f"{kind} {case}: {[round(t, 1) for t in times]} s", file=sys.stderr)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="responses to seed")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--uri", help="use this already seeded database (one backend)")
    parser.add_argument("--runs", type=int, default=3, help="runs per case (median reported)")
    parser.add_argument("--formats", default="pdf,html")
    parser.add_argument("--cases", default=",".join(CASES), help=f"of: {', '.join(CASES)}")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()

    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if args.uri:
        backends = ["postgresql" if args.uri.startswith("postgresql") else "sqlite"]
    kinds = [k.strip() for k in args.formats.split(",") if k.strip()]
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    table = []
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmpdir:
        for backend in backends:
            uri = database_for(backend, args.n, tmpdir, args.uri)
            submitted = scalar(uri, "SELECT count(*) FROM responses WHERE status = 'submitted'")
            for row in measure(uri, tmpdir, args.runs, kinds, cases):
                table.append((backend, f"{submitted:,}", *row))
    print_table(
        [
            "backend",
            "submitted",
            "format",
            "report",
            "median s",
            "max s",
            "CPU s",
            "runs",
            "file",
            "machine",
        ],
        table,
        markdown=args.markdown,
    )


if __name__ == "__main__":
    main()
