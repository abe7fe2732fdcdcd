"""Workers starting together share one secret key, generated once into instance/.

With no FLASK_SECRET_KEY, the first start generates instance/secret_key. An attack run
started 8 processes at once: in 2 of 30 rounds they made different keys (a session signed by
one gunicorn worker is refused by the next), and 3 processes read an empty key.
"""

from __future__ import annotations

import multiprocessing
import stat
from pathlib import Path
from types import SimpleNamespace

from survey import _ensure_secret_key

PROCESSES = 8
ROUNDS = 30


def _start_like_a_worker(barrier, directories: list[str], results) -> None:
    """One process: in every round, wait for all the others, then start (read the key)."""
    for number, directory in enumerate(directories):
        app = SimpleNamespace(config={"SECRET_KEY": None}, instance_path=directory)
        barrier.wait()
        try:
            _ensure_secret_key(app)
            results.put((number, app.config["SECRET_KEY"]))
        except Exception as error:  # reported, not raised: the test shows what went wrong
            results.put((number, f"error: {error!r}"))


def test_processes_starting_at_once_agree_on_one_non_empty_key(tmp_path):
    directories = []
    for number in range(ROUNDS):
        directory = tmp_path / f"round-{number}"
        directory.mkdir()
        directories.append(str(directory))
    context = multiprocessing.get_context("spawn")  # no fork of a threaded test runner
    barrier, results = context.Barrier(PROCESSES), context.Queue()
    workers = [
        context.Process(target=_start_like_a_worker, args=(barrier, directories, results))
        for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    keys: dict[int, list[str]] = {}
    for _result in range(PROCESSES * ROUNDS):
        number, key = results.get(timeout=120)
        keys.setdefault(number, []).append(key)
    for worker in workers:
        worker.join(30)

    for number, seen in sorted(keys.items()):
        assert all(seen), f"round {number}: a process got an empty key: {seen}"
        assert len(set(seen)) == 1, f"round {number}: processes disagree: {set(seen)}"
        stored = (Path(directories[number]) / "secret_key").read_text().strip()
        assert seen[0] == stored and len(stored) == 64
        mode = (Path(directories[number]) / "secret_key").stat().st_mode
        assert stat.S_IMODE(mode) == 0o600, "only the server's user may read the key"
        leftovers = [p.name for p in Path(directories[number]).iterdir()]
        assert leftovers == ["secret_key"], "no temporary file is left behind"


def test_a_configured_key_is_used_and_no_file_is_written(tmp_path):
    app = SimpleNamespace(config={"SECRET_KEY": "from-the-environment"}, instance_path=tmp_path)
    _ensure_secret_key(app)
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()
