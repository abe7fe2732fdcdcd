"""Export benchmark: download the wide CSV of N seeded responses over HTTP from gunicorn.

    python -m bench.bench_export                       # 100,000 responses, SQLite and PostgreSQL
    python -m bench.bench_export --n 20000 --backends sqlite --paths /export/answers.csv
    python -m bench.bench_export --coded q9,q13 --categories 10 \
        --paths /export/responses.csv,/export/coded_answers.csv

For every backend it makes a fresh database, seeds it with `flask seed-demo N`, creates a
viewer and an API token through the CLI, starts gunicorn (2 workers), then downloads each
path with `Authorization: Bearer TOKEN` and reports: time to the first byte of the body,
total time, the serving worker's CPU seconds (wall time depends on what else the machine
runs, so the load average is printed beside it), size, rows (counted afterwards with the
csv module) and the serving worker's memory: resident memory before the download, the
highest resident memory sampled every 20 ms during it, and the kernel's high-water mark
(VmHWM) afterwards. Targets (issue 5): first byte < 1 s, whole CSV < 10 s, peak memory
< 200 MB. `--coded FIELDS` first gives each open field `--categories` categories and codes
every answer of it into one or two of them (so the wide CSV carries a 0/1 column per category).

Standard library only on the client side.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    ROOT,
    app_env,
    cpu_seconds,
    fresh_postgres_database,
    fresh_sqlite_uri,
    print_table,
    rss_kb,
    run_flask,
    scalar,
    seed,
    start_server,
)

TARGET_FIRST_BYTE_S = 1.0
TARGET_TOTAL_S = 10.0
TARGET_PEAK_MB = 200.0
EMAIL = "bench-export@example.org"
PASSWORD = "bench-export-password"  # noqa: S105 - a throwaway account in a throwaway database


def high_water_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class MemorySampler(threading.Thread):
    """Highest resident memory of each pid, sampled until stopped."""

    def __init__(self, pids: list[int], interval: float = 0.02):
        super().__init__(daemon=True)
        self.pids = pids
        self.interval = interval
        self.peak = dict.fromkeys(pids, 0)
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            for pid in self.pids:
                self.peak[pid] = max(self.peak[pid], rss_kb(pid))
            time.sleep(self.interval)

    def stop(self) -> dict[int, int]:
        self._stop_event.set()
        self.join()
        return self.peak


# Run in the app: categories through the coding module, codings in bulk (one or two per answer).
CODE_ANSWERS = """
import sys
from sqlalchemy import insert
from survey import create_app
from survey.extensions import db
from survey.models import Coding
from survey.open_answers import coding

fields, per_field = sys.argv[1].split(","), int(sys.argv[2])
with create_app().app_context():
    for field in fields:
        categories = [
            coding.create_category(field, {"en": f"Category {k + 1}"}).id for k in range(per_field)
        ]
        answers = coding.listed_ids(field, coding.Conditions())
        rows = [
            {"answer_id": answer, "category_id": categories[(i + step) % per_field]}
            for i, answer in enumerate(answers)
            for step in ((0, 1) if i % 3 == 0 else (0,))
        ]
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(Coding), rows[start : start + 5000])
        coding.bump_version()
        db.session.commit()
        print(field, len(answers), "answers,", len(rows), "codings")
"""


def code_answers(uri: str, fields: str, per_field: int) -> str:
    result = subprocess.run(
        [sys.executable, "-c", CODE_ANSWERS, fields, str(per_field)],
        cwd=ROOT,
        env=app_env(uri),
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip().replace("\n", "; ")


def make_token(uri: str) -> str:
    run_flask(
        uri, "create-user", EMAIL, "--role", "viewer", "--password-stdin", input=PASSWORD + "\n"
    )
    return run_flask(uri, "create-token", EMAIL).stdout.strip().splitlines()[-1]


def download(server, path: str, token: str, target: Path) -> dict:
    workers = server.worker_pids()
    before = {pid: rss_kb(pid) for pid in workers}
    cpu_before = {pid: cpu_seconds([pid]) for pid in workers}
    sampler = MemorySampler(workers)
    sampler.start()
    conn = http.client.HTTPConnection(server.host, server.port, timeout=300)
    started = time.perf_counter()
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    if response.status != 200:
        sampler.stop()
        raise RuntimeError(f"GET {path}: {response.status} {response.read()[:500]!r}")
    size = 0
    first_byte = None
    with target.open("wb") as out:
        while True:
            block = response.read1(65536)
            if not block:
                break
            if first_byte is None:
                first_byte = time.perf_counter() - started
            size += len(block)
            out.write(block)
    total = time.perf_counter() - started
    conn.close()
    peaks = sampler.stop()
    # The worker that served the request is the one whose memory moved the most.
    cpu = {pid: cpu_seconds([pid]) - cpu_before[pid] for pid in workers}
    served = max(workers, key=lambda pid: cpu[pid])
    rows = None
    if path.split("?")[0].endswith("responses.csv"):
        with target.open(encoding="utf-8-sig", newline="") as handle:
            rows = sum(1 for _row in csv.reader(handle)) - 1
    return {
        "path": path,
        "first_byte_s": first_byte or total,
        "total_s": total,
        "mb": size / 1e6,
        "rows": rows,
        "rss_before_mb": before[served] / 1024,
        "rss_peak_mb": peaks[served] / 1024,
        "vmhwm_mb": high_water_kb(served) / 1024,
        "cpu_s": cpu[served],
        "load": os.getloadavg()[0],
    }


def run_backend(
    backend: str, n: int, paths: list[str], workdir: Path, coded: str = "", categories: int = 10
) -> list[dict]:
    if backend == "postgresql":
        uri = fresh_postgres_database("bench_export")
    else:
        uri = fresh_sqlite_uri(workdir)
    started = time.perf_counter()
    seed(uri, n)
    seeded = time.perf_counter() - started
    submitted = scalar(uri, "SELECT count(*) FROM responses WHERE status = 'submitted'")
    answers = scalar(uri, "SELECT count(*) FROM answers")
    print(
        f"{backend}: seeded {submitted} submitted responses, {answers} answers in {seeded:.1f} s",
        flush=True,
    )
    if coded:
        print(f"  coded: {code_answers(uri, coded, categories)}", flush=True)
    token = make_token(uri)
    results = []
    with start_server(uri, workers=2) as server:
        for path in paths:
            result = download(server, path, token, workdir / "download.bin")
            result["backend"] = backend
            result["expected_rows"] = submitted
            results.append(result)
            print(
                f"  {path}: first byte {result['first_byte_s']:.3f} s, "
                f"total {result['total_s']:.2f} s (worker CPU {result['cpu_s']:.2f} s, "
                f"load average {result['load']:.1f}), {result['mb']:.1f} MB, "
                f"{'-' if result['rows'] is None else result['rows']} rows, "
                f"worker RSS {result['rss_before_mb']:.0f} → "
                f"{result['rss_peak_mb']:.0f} MB (VmHWM {result['vmhwm_mb']:.0f} MB)",
                flush=True,
            )
        errors = server.errors_in_log()
        if errors:
            print("  server log errors:\n    " + "\n    ".join(errors[:20]))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="responses to seed")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--paths", default="/export/responses.csv", help="comma-separated")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--coded", default="", help="open fields to code first, e.g. q9,q13")
    parser.add_argument("--categories", type=int, default=10, help="categories per coded field")
    args = parser.parse_args(argv)
    paths = [p.strip() for p in args.paths.split(",") if p.strip()]
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
            results += run_backend(backend, args.n, paths, Path(tmp), args.coded, args.categories)
    print()
    print_table(
        [
            "backend",
            "path",
            "rows",
            "MB",
            "first byte s",
            "total s",
            "worker CPU s",
            "load avg",
            "RSS before MB",
            "RSS peak MB",
            "VmHWM MB",
        ],
        [
            [
                r["backend"],
                r["path"],
                "-" if r["rows"] is None else r["rows"],
                f"{r['mb']:.1f}",
                f"{r['first_byte_s']:.3f}",
                f"{r['total_s']:.2f}",
                f"{r['cpu_s']:.2f}",
                f"{r['load']:.1f}",
                f"{r['rss_before_mb']:.0f}",
                f"{r['rss_peak_mb']:.0f}",
                f"{r['vmhwm_mb']:.0f}",
            ]
            for r in results
        ],
        markdown=args.markdown,
    )
    # The targets are for the streamed CSV exports; XLSX and .sav are built before sending.
    failed = [
        r
        for r in results
        if r["rows"] not in (None, r["expected_rows"])
        or (
            r["path"].split("?")[0].endswith(".csv")
            and (
                r["first_byte_s"] >= TARGET_FIRST_BYTE_S
                or r["total_s"] >= TARGET_TOTAL_S
                or max(r["rss_peak_mb"], r["vmhwm_mb"]) >= TARGET_PEAK_MB
            )
        )
    ]
    for r in failed:
        print(f"MISSED a target or a row count: {r['backend']} {r['path']}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
