"""Export benchmark: every export of N seeded responses, its time and its worker's memory.

    python -m bench.bench_export                       # 100,000 responses, SQLite and PostgreSQL
    python -m bench.bench_export --n 20000 --backends sqlite --paths /export/answers.csv
    python -m bench.bench_export --coded q9,q13 --categories 10 \\
        --paths /export/responses.csv,/export/coded_answers.csv
    python -m bench.bench_export --database-uri postgresql+psycopg://postgres@127.0.0.1/big \\
        --label branch                                 # an already seeded database
    /work/main/.venv/bin/python bench/bench_export.py --app-root /work/main --label main ...

For every backend it makes a fresh database and seeds it with `flask seed-demo N` (or uses
`--database-uri` as it is), creates a viewer and an API token through the CLI, then for
each path starts gunicorn afresh (2 workers × 4 threads, as in production) and downloads it
with `Authorization: Bearer TOKEN`:

- a streamed CSV (and the old app's XLSX and .sav, made within the request): GET, timing
  the first byte and the whole body;
- a file made by a background job (XLSX, .sav, .dta): POST starts it, the job's status is
  polled every 0.5 s, then its file is downloaded. On PostgreSQL the jobs run in a
  `flask jobs-worker` process on a Redis queue, as `deploy/` runs them; on SQLite in the
  web workers (the embedded default).

For each it reports the total time, size, rows (CSV), and the memory of the process that
made the file: the highest resident memory sampled every 20 ms and the kernel's high-water
mark (VmHWM) of that process, which is started fresh for every path. Targets (issue 15):
peak memory < 500 MB for every export; the streamed CSV's first byte < 1 s.

`--app-root` benchmarks another checkout (e.g. a worktree of the previous main) with the
interpreter running this script: run both back to back on the same database.
`--coded FIELDS` first gives each open field `--categories` categories and codes every answer
of it into one or two of them (so the wide files carry a 0/1 column per category).
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402
from bench.common import (  # noqa: E402
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
TARGET_PEAK_MB = 500.0
PASSWORD = "bench-export-password"  # noqa: S105 - a throwaway account
DEFAULT_PATHS = (
    "/export/responses.csv,/export/answers.csv,/export/responses.xlsx,"
    "/export/responses.sav,/export/responses.dta"
)
REDIS_QUEUE = "redis://127.0.0.1:6379/7"


def high_water_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class MemorySampler(threading.Thread):
    """Highest resident memory and high-water mark of each pid, sampled until stopped."""

    def __init__(self, pids: list[int], interval: float = 0.02):
        super().__init__(daemon=True)
        self.pids = pids
        self.interval = interval
        self.peak = dict.fromkeys(pids, 0)
        self.hwm = dict.fromkeys(pids, 0)
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            for pid in self.pids:
                self.peak[pid] = max(self.peak[pid], rss_kb(pid))
                self.hwm[pid] = max(self.hwm[pid], high_water_kb(pid))
            time.sleep(self.interval)

    def stop(self) -> tuple[dict[int, int], dict[int, int]]:
        self._stop_event.set()
        self.join()
        return self.peak, self.hwm


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
        cwd=common.ROOT,
        env=app_env(uri),
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip().replace("\n", "; ")


def make_token(uri: str) -> str:
    email = f"bench-export-{secrets.token_hex(4)}@example.org"
    run_flask(
        uri, "create-user", email, "--role", "viewer", "--password-stdin", input=PASSWORD + "\n"
    )
    return run_flask(uri, "create-token", email).stdout.strip().splitlines()[-1]


def request(server, method: str, path: str, token: str, timeout: float = 3600):
    conn = http.client.HTTPConnection(server.host, server.port, timeout=timeout)
    conn.request(method, path, headers={"Authorization": f"Bearer {token}"})
    return conn, conn.getresponse()


def receive(response, target: Path, started: float) -> tuple[int, float | None]:
    size, first_byte = 0, None
    with target.open("wb") as out:
        while block := response.read1(65536):
            if first_byte is None:
                first_byte = time.perf_counter() - started
            size += len(block)
            out.write(block)
    return size, first_byte


def download(server, path: str, token: str, target: Path, pids: list[int]) -> dict:
    """GET the path (or run its job) while sampling the memory of `pids`."""
    cpu_before = {pid: cpu_seconds([pid]) for pid in pids}
    sampler = MemorySampler(pids)
    sampler.start()
    started = time.perf_counter()
    conn, response = request(server, "GET", path, token)
    job = response.status == 303
    if job:
        response.read()
        conn.close()
        conn, response = request(server, "POST", path, token)
        if response.status != 202:
            sampler.stop()
            raise RuntimeError(f"POST {path}: {response.status} {response.read()[:500]!r}")
        status_url = json.loads(response.read())["status_url"]
        conn.close()
        while True:
            conn, response = request(server, "GET", status_url, token)
            status = json.loads(response.read())
            conn.close()
            if status["status"] in ("done", "failed", "expired"):
                break
            time.sleep(0.5)
        if status["status"] != "done":
            sampler.stop()
            raise RuntimeError(f"job {path}: {status}")
        made = time.perf_counter() - started
        conn, response = request(server, "GET", status["download_url"], token)
    elif response.status != 200:
        sampler.stop()
        raise RuntimeError(f"GET {path}: {response.status} {response.read()[:500]!r}")
    size, first_byte = receive(response, target, started)
    total = time.perf_counter() - started
    conn.close()
    peaks, hwms = sampler.stop()
    cpu = {pid: cpu_seconds([pid]) - cpu_before[pid] for pid in pids}
    # The process that made the file is the one that used the most CPU meanwhile.
    made_by = max(pids, key=lambda pid: cpu[pid])
    rows = None
    if path.split("?")[0].endswith((".csv",)):
        with target.open(encoding="utf-8-sig", newline="") as handle:
            rows = sum(1 for _row in csv.reader(handle)) - 1
    return {
        "path": path,
        "job": job,
        "first_byte_s": first_byte if not job else None,
        "total_s": total,
        "made_s": made if job else total,
        "mb": size / 1e6,
        "rows": rows,
        "rss_peak_mb": peaks[made_by] / 1024,
        "vmhwm_mb": max(hwms[made_by], high_water_kb(made_by)) / 1024,
        "cpu_s": cpu[made_by],
        "load": os.getloadavg()[0],
    }


def start_jobs_worker(uri: str, settings: dict, workdir: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "survey", "jobs-worker"],
        cwd=common.ROOT,
        env=app_env(uri, settings),
        stdout=(workdir / "jobs-worker.log").open("a"),
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )


def run_backend(backend: str, args, paths: list[str], workdir: Path) -> list[dict]:
    uri = args.database_uri
    if not uri:
        uri = (
            fresh_postgres_database("bench_export")
            if backend == "postgresql"
            else fresh_sqlite_uri(workdir)
        )
        started = time.perf_counter()
        seed(uri, args.n)
        print(f"{backend}: seeded in {time.perf_counter() - started:.1f} s", flush=True)
    else:
        common.migrate(uri)
    if args.coded:
        print(f"  coded: {code_answers(uri, args.coded, args.categories)}", flush=True)
    submitted = scalar(uri, "SELECT count(*) FROM responses WHERE status = 'submitted'")
    print(f"{backend} ({args.label}): {submitted} submitted responses", flush=True)
    token = make_token(uri)
    jobs_dir = workdir / "jobs"
    settings = {"JOBS_DIR": str(jobs_dir)}
    # An app without background jobs (the previous main) makes every file in the request.
    external = backend == "postgresql" and (common.ROOT / "survey" / "jobs").is_dir()
    if external:
        settings.update({"JOBS_WORKER": "external", "JOBS_QUEUE_URI": REDIS_QUEUE})
    results = []
    for path in paths:
        worker = start_jobs_worker(uri, settings, workdir) if external else None
        try:
            with start_server(uri, workers=2, threads=4, extra_env=settings) as server:
                pids = server.worker_pids() + ([worker.pid] if worker else [])
                result = download(server, path, token, workdir / "download.bin", pids)
                errors = server.errors_in_log()
        finally:
            if worker:
                worker.terminate()
                worker.wait(30)
        result.update(backend=backend, label=args.label, expected_rows=submitted)
        results.append(result)
        print(
            f"  {path}: {'job ' if result['job'] else ''}total {result['total_s']:.1f} s "
            f"(CPU {result['cpu_s']:.1f} s, load {result['load']:.1f}), {result['mb']:.1f} MB, "
            f"{'-' if result['rows'] is None else result['rows']} rows, peak RSS "
            f"{result['rss_peak_mb']:.0f} MB (VmHWM {result['vmhwm_mb']:.0f} MB)",
            flush=True,
        )
        if errors:
            print("  server log errors:\n    " + "\n    ".join(errors[:20]))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="responses to seed")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--paths", default=DEFAULT_PATHS, help="comma-separated")
    parser.add_argument(
        "--uri",
        "--database-uri",
        dest="database_uri",
        help="use this seeded database (one backend)",
    )
    parser.add_argument("--app-root", help="benchmark the checkout in this folder")
    parser.add_argument("--label", default="this checkout", help="name of the run in the table")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--coded", default="", help="open fields to code first, e.g. q9,q13")
    parser.add_argument("--categories", type=int, default=10, help="categories per coded field")
    args = parser.parse_args(argv)
    if args.app_root:
        common.ROOT = Path(args.app_root).resolve()
    paths = [p.strip() for p in args.paths.split(",") if p.strip()]
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if args.database_uri:
        backends = ["postgresql" if common.is_postgres(args.database_uri) else "sqlite"]
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        for backend in backends:
            results += run_backend(backend, args, paths, Path(tmp))
    print()
    print_table(
        [
            "backend",
            "app",
            "path",
            "rows",
            "MB",
            "first byte s",
            "total s",
            "CPU s",
            "load",
            "peak RSS MB",
            "VmHWM MB",
        ],
        [
            [
                r["backend"],
                r["label"],
                r["path"] + (" (job)" if r["job"] else ""),
                "-" if r["rows"] is None else r["rows"],
                f"{r['mb']:.1f}",
                "-" if r["first_byte_s"] is None else f"{r['first_byte_s']:.3f}",
                f"{r['total_s']:.1f}",
                f"{r['cpu_s']:.1f}",
                f"{r['load']:.1f}",
                f"{r['rss_peak_mb']:.0f}",
                f"{r['vmhwm_mb']:.0f}",
            ]
            for r in results
        ],
        markdown=args.markdown,
    )
    failed = [
        r
        for r in results
        if (r["path"].split("?")[0].endswith("responses.csv") and r["rows"] != r["expected_rows"])
        or max(r["rss_peak_mb"], r["vmhwm_mb"]) >= TARGET_PEAK_MB
        or (
            r["first_byte_s"] is not None
            and r["path"].endswith(".csv")
            and r["first_byte_s"] >= TARGET_FIRST_BYTE_S
        )
    ]
    for r in failed:
        print(f"MISSED a target or a row count: {r['backend']} {r['label']} {r['path']}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
