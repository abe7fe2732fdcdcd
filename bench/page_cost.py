"""Cost of single respondent requests, in-process: the app called as WSGI, no server, no network.

    python -m bench.page_cost                       # a fresh SQLite database in a temp dir
    python -m bench.page_cost --uri postgresql+psycopg://postgres@127.0.0.1:5432/some_db

A respondent starts a response through the test client; then each path is requested with that
respondent's session cookie, `--rounds` times `--requests` requests, and the best round's
milliseconds per request is printed (the best round is the one least disturbed by the rest of
the machine). `--profile PATH` prints a cProfile of PATH. Compare commits by running it from a
worktree of each, one after the other.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from werkzeug.test import EnvironBuilder  # noqa: E402

from survey import create_app  # noqa: E402

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PATHS = ["/static/css/survey.css", "/en/", "/en/page/1", "/en/page/2", "/en/page/4", "/en/page/6"]


def started_respondent(app) -> tuple[str, str]:
    """A respondent who pressed Start and opened page 1: (session cookie, CSRF token)."""
    client = app.test_client()
    token = CSRF.search(client.get("/en/").get_data(as_text=True)).group(1)
    client.post("/en/", data={"csrf_token": token, "action": "next"})
    client.get("/en/page/1")
    return client.get_cookie("session").value, token


def best_ms(app, cookie: str, path: str, requests: int, rounds: int, form=None) -> float:
    method = "POST" if form else "GET"
    headers = {"Accept-Language": "en", "Cookie": f"session={cookie}"}

    def call() -> None:
        environ = EnvironBuilder(path=path, method=method, data=form, headers=headers)
        b"".join(app(environ.get_environ(), lambda *args: None))

    for _warm_up in range(20):
        call()
    best = float("inf")
    for _round in range(rounds):
        started = time.perf_counter()
        for _request in range(requests):
            call()
        best = min(best, (time.perf_counter() - started) / requests * 1000)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--uri", help="database URI (default: a fresh SQLite file)")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--profile", metavar="PATH", help="print a cProfile of PATH")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="page-cost-") as tmp:
        uri = args.uri or f"sqlite:///{Path(tmp) / 'survey.sqlite3'}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "page-cost-bench"})
        cookie, token = started_respondent(app)
        for path in PATHS:
            cost = best_ms(app, cookie, path, args.requests, args.rounds)
            print(f"GET  {path:24} {cost:6.2f} ms")
        saved = {"csrf_token": token, "action": "next", "q8": "We worked with the city. " * 8}
        cost = best_ms(app, cookie, "/en/page/4", args.requests, args.rounds, form=saved)
        print(f"POST {'/en/page/4':24} {cost:6.2f} ms")
        if args.profile:
            profile = cProfile.Profile()
            profile.runcall(best_ms, app, cookie, args.profile, args.requests, 1)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
