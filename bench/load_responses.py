"""Respondent load: complete N whole responses through HTTP against gunicorn.

Each simulated respondent behaves as a browser does: GET the welcome page, POST its "next"
button with the CSRF token, then for every page GET it and POST it with realistic answers,
following the redirects exactly as the app returns them (the q7 page is skipped when q6 is
empty), until the thank-you page. One HTTP connection and one cookie jar per respondent.

    python -m bench.load_responses                 # all four configurations
    python -m bench.load_responses --n 200 --concurrency 16 --backends sqlite

For every configuration (backend × concurrency) it uses a fresh database, starts gunicorn,
warms the workers up with GETs only (no response is created), runs the load, then checks in
the database that exactly N submitted responses (and no stray draft) exist. It prints
responses/s, page latency p50/p95 per request, the error count and the workers' memory.

Standard library only (http.client + threads).
"""

from __future__ import annotations

import argparse
import http.client
import math
import multiprocessing
import random
import re
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import urlencode, urlsplit

if __package__ in (None, ""):  # run as a file: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    cpu_seconds,
    fresh_postgres_database,
    fresh_sqlite_uri,
    machine_cpu,
    percentile,
    postgres_backend_pids,
    print_table,
    scalar,
    start_server,
)

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
FIELD = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"')
# A static file (Flask + gunicorn + security headers, no template, no database) and the
# welcome page (a template, no database query without a session cookie).
BASELINE_PATHS = ("/static/css/survey.css", "/en/")
PAGE_PATH = re.compile(r"^/(en|ru)/page/(\d+)$")

COUNTRIES = ["RU", "KZ", "UA", "DE", "FR", "US", "GB", "KE", "NG", "BR", "IN", "na"]
PARTNERS = ["libraries", "government", "business", "nonprofit", "associations", "other"]
STAKEHOLDERS = PARTNERS
STEPS = ["meetings", "focus_groups", "mou", "statements", "other"]
SENTENCES = {
    "en": [
        "We worked with the city council on a reading programme for children.",
        "The regional library association helped us lobby for a new budget line.",
        "A local business sponsored our digital literacy courses for older people.",
        "Finding time and staff for the partnership was the main challenge.",
        "We resolved it by sharing tasks and meeting every month.",
    ],
    "ru": [
        "Мы работали с городской администрацией над программой чтения для детей.",
        "Региональная библиотечная ассоциация помогла добиться новой статьи бюджета.",
        "Местная компания спонсировала курсы цифровой грамотности для пожилых.",
        "Главной трудностью было найти время и сотрудников для партнёрства.",
        "Мы решили её, распределив задачи и встречаясь каждый месяц.",
    ],
}


class LoadError(Exception):
    pass


@dataclass
class Stats:
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    completed: int = 0
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, latencies: list[float], error: str | None) -> None:
        with self.lock:
            self.latencies_ms += latencies
            self.requests += len(latencies)
            if error:
                self.errors.append(error)
            else:
                self.completed += 1


class Browser:
    """One respondent's browser: a keep-alive connection and a cookie jar."""

    def __init__(self, host: str, port: int):
        self.conn = http.client.HTTPConnection(host, port, timeout=60)
        self.cookies: dict[str, str] = {}
        self.latencies: list[float] = []

    def request(self, method: str, path: str, form: list[tuple[str, str]] | None = None):
        headers = {"Accept-Language": "en", "User-Agent": "survey-bench/1"}
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as error:
            self.conn.close()
            raise LoadError(f"{method} {path}: {type(error).__name__}: {error}") from error
        self.latencies.append((time.perf_counter() - started) * 1000)
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location"), data.decode("utf-8", "replace")

    def close(self) -> None:
        self.conn.close()


def answers_for(person: random.Random, lang: str, skip_q7: bool) -> dict[str, list[str]]:
    """A plausible, valid set of answers in the form contract, varied per respondent."""
    text = SENTENCES[lang]

    def para(k: int) -> str:
        return " ".join(person.choice(text) for _ in range(k))

    partners = [] if skip_q7 else person.sample(PARTNERS, person.randint(1, len(PARTNERS)))
    q1 = person.choice(["association", "public", "national", "academic", "school", "other"])
    answers: dict[str, list[str]] = {
        "q1": [q1],
        "q2": [person.choice(["yes", "no"])],
        "q3": [person.choice(COUNTRIES)],
        "q4": [person.choice(["lt5k", "5k", "25k", "50k", "100k", "na"])],
        "q5": [person.choice(["yes", "no"])],
        "q6": partners,
        "q8": [para(3)],
        "q9": [para(4)],
        "q10": [para(2)],
        "q11": [para(2) + " https://example.org/toolkit"],
        "q12": [person.choice(["yes", "no"])],
        "q13": [para(2)],
        "q15": [para(2)],
        "q16": person.sample(STEPS, person.randint(0, len(STEPS))),
    }
    if q1 == "other":
        answers["q1_other"] = ["Mobile library" if lang == "en" else "Передвижная библиотека"]
    if answers["q2"] == ["yes"]:
        answers["q2_role"] = ["board member" if lang == "en" else "член правления"]
    if answers["q5"] == ["yes"]:
        answers["q5_budget"] = ["5,000 EUR"]
    if "other" in partners:
        answers["q6_other"] = ["Museums" if lang == "en" else "Музеи"]
    if "other" in answers["q16"]:
        answers["q16_other"] = ["Webinars" if lang == "en" else "Вебинары"]
    # q7 ranks every chosen partner except perhaps one marked N/A; q14 a random prefix.
    order = person.sample(partners, len(partners))
    for rank, item in enumerate(order, start=1):
        answers[f"q7_{item}"] = [str(rank)]
    if len(order) > 1 and person.random() < 0.3:
        answers[f"q7_{order[-1]}"] = ["na"]
    ranked = person.sample(STAKEHOLDERS, person.randint(0, len(STAKEHOLDERS)))
    for rank, item in enumerate(ranked, start=1):
        answers[f"q14_{item}"] = [str(rank)]
    if person.random() < 0.5:
        answers["q17_name"] = ["Test Respondent"]
        answers["q17_organization"] = ["Bench Library"]
        answers["q17_email"] = ["respondent@example.org"]
    return answers


def complete_one(browser: Browser, answers: dict[str, list[str]], lang: str) -> None:
    """One whole response, every page, as a browser would."""
    status, location, html = browser.request("GET", f"/{lang}/")
    expect(status == 200, f"GET /{lang}/ gave {status}")
    form = [("csrf_token", csrf(html, f"/{lang}/")), ("action", "next")]
    status, location, _ = browser.request("POST", f"/{lang}/", form)
    expect(status in (302, 303), f"POST /{lang}/ gave {status}")
    pages = 0
    while True:
        path = urlsplit(location or "").path
        if path == f"/{lang}/thanks":
            status, _, html = browser.request("GET", path)
            expect(status == 200, f"GET {path} gave {status}")
            expect('class="best-practices"' in html, "thank-you page without best practices")
            return
        expect(PAGE_PATH.match(path) is not None, f"unexpected redirect to {location!r}")
        pages += 1
        expect(pages <= 10, "more pages than the questionnaire has")
        status, _, html = browser.request("GET", path)
        expect(status == 200, f"GET {path} gave {status}")
        names = dict.fromkeys(FIELD.findall(html))
        is_last = 'value="submit"' in html
        form = [(name, value) for name in names for value in answers.get(name, [])]
        form += [("csrf_token", csrf(html, path)), ("action", "submit" if is_last else "next")]
        status, location, body = browser.request("POST", path, form)
        if status == 200:
            error = re.search(r'class="error"[^>]*>(.*?)</p>', body, re.S)
            detail = unescape(re.sub(r"<[^>]+>", "", error.group(1))).strip() if error else ""
            raise LoadError(f"POST {path} refused the answers: {detail or body[:200]}")
        expect(status in (302, 303), f"POST {path} gave {status}")


def csrf(html: str, where: str) -> str:
    match = CSRF.search(html)
    expect(match is not None, f"no CSRF token on {where}")
    return unescape(match.group(1))  # type: ignore[union-attr]


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise LoadError(message)


#: Completes response number `index` (of a run seeded with `seed`) through `browser`, raising
#: LoadError on anything a respondent would notice. Must be picklable (a module-level function
#: or a functools.partial of one): run_load hands it to its client processes.
Respondent = Callable[[Browser, int, int], None]


def respond(browser: Browser, index: int, seed: int) -> None:
    """Response number `index` to our questionnaire: every 5th skips q7, odd ones in Russian."""
    person = random.Random(seed * 1_000_003 + index)
    lang = "ru" if index % 2 else "en"
    complete_one(browser, answers_for(person, lang, skip_q7=index % 5 == 0), lang)


def _respondents(
    host: str,
    port: int,
    indices: list[int],
    threads: int,
    seed: int,
    respondent: Respondent = respond,
) -> Stats:
    """Complete the responses numbered `indices` with `threads` respondents at a time."""
    stats = Stats()
    pending = iter(indices)
    lock = threading.Lock()

    def worker() -> None:
        while True:
            with lock:
                index = next(pending, None)
            if index is None:
                return
            browser = Browser(host, port)
            error = None
            try:
                respondent(browser, index, seed)
            except LoadError as exc:
                error = str(exc)
            finally:
                browser.close()
            stats.add(browser.latencies, error)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    stats.lock = None  # type: ignore[assignment]  # locks do not cross process boundaries
    return stats


def run_load(
    server,
    n: int,
    concurrency: int,
    seed: int,
    processes: int = 1,
    respondent: Respondent = respond,
) -> tuple[Stats, float]:
    """N responses, `concurrency` respondents at a time, spread over client processes.

    Several processes keep the load generator's own GIL from delaying the reading of
    responses (a sync gunicorn worker waits for the client to close the connection).
    `respondent` completes one response (default: ours; bench.reference_django passes its own).
    """
    processes = max(1, min(processes, concurrency))
    started = time.perf_counter()
    if processes == 1:
        stats = _respondents(
            server.host, server.port, list(range(n)), concurrency, seed, respondent
        )
        return stats, time.perf_counter() - started
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(processes, mp_context=context) as pool:
        futures = [
            pool.submit(
                _respondents,
                server.host,
                server.port,
                list(range(p, n, processes)),
                concurrency // processes + (p < concurrency % processes),
                seed,
                respondent,
            )
            for p in range(processes)
        ]
        parts = [future.result() for future in futures]
    elapsed = time.perf_counter() - started
    stats = Stats()
    for part in parts:
        stats.latencies_ms += part.latencies_ms
        stats.errors += part.errors
        stats.completed += part.completed
        stats.requests += part.requests
    return stats, elapsed


def baseline(server, path: str, concurrency: int, seconds: float = 5) -> float:
    """Requests/s of one GET repeated: the ceiling that framework and server alone allow."""
    deadline = time.perf_counter() + seconds
    counts = [0] * concurrency

    def worker(slot: int) -> None:
        browser = Browser(server.host, server.port)
        while time.perf_counter() < deadline:
            status, _, _ = browser.request("GET", path)
            counts[slot] += status == 200
        browser.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - started)


def client_cpu_seconds() -> float:
    """CPU used by this process and its finished children (the client processes)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def warm_up(server, rounds: int) -> None:
    """GETs only (no response is created): every worker imports templates and catalogs."""
    for __ in range(rounds):
        browser = Browser(server.host, server.port)
        for path in ("/en/", "/ru/", "/en/page/1", "/ru/page/1", "/en/page/4", "/ru/page/6"):
            browser.request("GET", path)
        browser.close()


def configuration(
    backend: str, concurrency: int, args: argparse.Namespace, tmp: str
) -> dict[str, object]:
    if backend == "postgresql":
        uri = fresh_postgres_database(f"bench_load_c{concurrency}")
    else:
        directory = Path(tmp) / f"sqlite-c{concurrency}"
        directory.mkdir()
        uri = fresh_sqlite_uri(directory)
    with start_server(uri, workers=args.workers, threads=args.threads) as server:
        warm_up(server, rounds=4 * args.workers)
        # The workers' database connections are pooled: the same backends serve the run.
        backends = postgres_backend_pids(uri) if backend == "postgresql" else []
        cpu_before = client_cpu_seconds()
        app_before, db_before, machine_before = (
            server.cpu_seconds(),
            cpu_seconds(backends),
            machine_cpu(),
        )
        stats, elapsed = run_load(
            server, args.n, concurrency, args.seed, processes=args.client_processes
        )
        app_cpu = server.cpu_seconds() - app_before
        backends_after = postgres_backend_pids(uri) if backend == "postgresql" else []
        db_cpu = cpu_seconds(backends) - db_before
        new_backends = set(backends_after) - set(backends)
        db_cpu += cpu_seconds(new_backends)
        machine_after = machine_cpu()
        cpu_after = client_cpu_seconds()
        memory = server.rss_kb()
        log_errors = server.errors_in_log()
        ceilings = {}
        if args.baseline:
            for path in BASELINE_PATHS:
                ceilings[path] = baseline(server, path, concurrency)
    submitted = scalar(uri, "SELECT count(*) FROM responses WHERE status = 'submitted'")
    total = scalar(uri, "SELECT count(*) FROM responses")
    client_cpu = cpu_after - cpu_before
    busy = machine_after[0] - machine_before[0]
    other_cpu = busy - app_cpu - db_cpu - client_cpu
    done = max(stats.completed, 1)
    problems = list(stats.errors) + [f"server log: {line}" for line in log_errors]
    if submitted != args.n or total != args.n:
        problems.append(f"database holds {submitted} submitted of {total} responses, not {args.n}")
    return {
        "backend": backend,
        "concurrency": concurrency,
        "completed": stats.completed,
        "elapsed": elapsed,
        "responses_per_s": stats.completed / elapsed,
        "requests_per_s": stats.requests / elapsed,
        "requests_per_response": stats.requests / max(stats.completed + len(stats.errors), 1),
        "p50": percentile(stats.latencies_ms, 50),
        "p95": percentile(stats.latencies_ms, 95),
        "p99": percentile(stats.latencies_ms, 99),
        "errors": len(stats.errors) + len(log_errors),
        "submitted": submitted,
        "client_cpu_s": client_cpu,
        "app_cpu_ms": 1000 * app_cpu / done,
        "db_cpu_ms": 1000 * db_cpu / done if backend == "postgresql" else math.nan,
        "client_cpu_ms": 1000 * client_cpu / done,
        "machine_busy_pct": 100 * busy / (machine_after[1] - machine_before[1]),
        "other_cpu_s": other_cpu,
        "worker_rss_mb": max(list(memory.values())[1:] or [0]) / 1024,
        "problems": problems,
        "ceilings": ceilings,
    }


def add_load_options(parser: argparse.ArgumentParser) -> None:
    """The options every load script shares, with the same defaults, so that ours and the
    reference run under the same server settings unless told otherwise: 2 gunicorn workers ×
    4 threads, as in the README's production command."""
    parser.add_argument("--n", type=int, default=200, help="responses per configuration")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16])
    parser.add_argument(
        "--backends", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"]
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument(
        "--threads", type=int, default=4, help="threads per worker (default 4: gthread; 1: sync)"
    )
    parser.add_argument(
        "--client-processes",
        type=int,
        default=4,
        help="load-generator processes sharing the concurrency (default 4; 1 = threads only)",
    )
    parser.add_argument("--seed", type=int, default=2013)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_load_options(parser)
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="also measure GET requests/s of a static file and of the welcome page",
    )
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args(argv)

    kind = "sync" if args.threads == 1 else f"gthread × {args.threads} threads"
    print(
        f"{args.n} responses per configuration; gunicorn {args.workers} workers ({kind}); "
        f"up to {args.client_processes} client processes; every 5th respondent leaves q6 "
        f"empty (q7 page skipped); half in Russian.",
        flush=True,
    )
    results = []
    with tempfile.TemporaryDirectory(prefix="survey-load-") as tmp:
        for backend in args.backends:
            for concurrency in args.concurrency:
                print(f"… {backend}, concurrency {concurrency}", flush=True)
                result = configuration(backend, concurrency, args, tmp)
                results.append(result)
                for problem in result["problems"][:10]:
                    print(f"   ERROR {problem}", flush=True)
    print()
    print_table(
        [
            "database",
            "concurrency",
            "responses",
            "seconds",
            "responses/s",
            "requests/s",
            "req/response",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "errors",
            "app CPU ms/resp",
            "PG CPU ms/resp",
            "client CPU ms/resp",
            "other CPU s",
            "machine busy %",
            "worker RSS MB",
        ],
        [
            [
                r["backend"],
                r["concurrency"],
                r["completed"],
                r["elapsed"],
                r["responses_per_s"],
                r["requests_per_s"],
                r["requests_per_response"],
                r["p50"],
                r["p95"],
                r["p99"],
                r["errors"],
                r["app_cpu_ms"],
                r["db_cpu_ms"],
                r["client_cpu_ms"],
                r["other_cpu_s"],
                r["machine_busy_pct"],
                r["worker_rss_mb"],
            ]
            for r in results
        ],
        markdown=args.markdown,
    )
    if args.baseline:
        print()
        print_table(
            ["database", "concurrency", *(f"GET {path} req/s" for path in BASELINE_PATHS)],
            [
                [r["backend"], r["concurrency"], *(r["ceilings"][p] for p in BASELINE_PATHS)]
                for r in results
            ],
            markdown=args.markdown,
        )
    return 1 if any(r["problems"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
