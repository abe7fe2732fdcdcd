"""The job queue: Huey, on a SQLite file by default and on Redis in production.

`JOBS_QUEUE_URI` chooses the storage: empty (default) is a SQLite file in the jobs folder,
`redis://…` is Redis, `immediate` runs each job as it is queued (tests). The queue carries
only "run job X, attempt N" (`survey.jobs.run`); the `jobs` table is the truth.

Who runs the jobs (`JOBS_WORKER`):
- `embedded` (default): each web process runs queued jobs in a thread of its own, started
  when a job is queued or looked at, so a fresh machine needs no other service;
- `external`: `flask --app survey jobs-worker` runs them (deploy/systemd/survey-jobs.service),
  so web workers never carry a large export's memory or CPU.

Either way a watchdog thread calls `survey.jobs.tidy` every `JOBS_HEARTBEAT_SECONDS`:
stalled jobs (their worker killed or restarted) are run again, expired files deleted.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey

log = logging.getLogger(__name__)

TASK_NAME = "survey.jobs.run"
IMMEDIATE = "immediate"
#: The embedded worker looks for queued jobs this often when the queue is empty (seconds).
POLL_SECONDS = 0.5


class Queue:
    """One app's Huey instance and the task that runs a job in that app."""

    def __init__(self, app: Flask):
        self.app = app
        self.huey = _huey(app)

        def run_job(job_id: int, attempt: int) -> None:
            from survey import jobs

            with app.app_context():
                jobs.run(job_id, attempt)

        self.task = self.huey.task(name=TASK_NAME)(run_job)
        self._threads_pid: int | None = None
        self._lock = threading.Lock()

    def enqueue(self, job_id: int, attempt: int) -> None:
        self.task(job_id, attempt)

    def ensure_embedded_worker(self) -> None:
        """Start this process's worker and watchdog threads once (again after a fork)."""
        if self.app.config["JOBS_WORKER"] != "embedded" or self.huey.immediate:
            return
        with self._lock:
            if self._threads_pid == os.getpid():
                return
            self._threads_pid = os.getpid()
            threading.Thread(target=self.work, daemon=True, name="jobs-worker").start()
            self.start_watchdog()

    def work(self, stop: threading.Event | None = None) -> None:
        """Run queued jobs one after another until `stop` is set (or forever)."""
        while stop is None or not stop.is_set():
            try:
                task = self.huey.dequeue()
            except Exception:  # noqa: BLE001 - the queue's storage may be briefly locked
                log.warning("jobs: could not read the queue", exc_info=True)
                task = None
            if task is None:
                time.sleep(POLL_SECONDS)
                continue
            try:
                self.huey.execute(task)
            except Exception:  # noqa: BLE001 - recorded on the job by survey.jobs.run
                log.exception("jobs: task %s failed", task)

    def start_watchdog(self) -> threading.Thread:
        thread = threading.Thread(target=self._watch, daemon=True, name="jobs-watchdog")
        thread.start()
        return thread

    def _watch(self) -> None:
        from survey import jobs

        interval = float(self.app.config["JOBS_HEARTBEAT_SECONDS"])
        while True:
            try:
                with self.app.app_context():
                    jobs.tidy()
            except Exception:  # noqa: BLE001 - tried again next time
                log.warning("jobs: upkeep failed", exc_info=True)
            time.sleep(interval)


def _huey(app: Flask) -> Huey:
    uri = app.config.get("JOBS_QUEUE_URI") or ""
    options: dict[str, Any] = {"results": False, "utc": True}
    if uri == IMMEDIATE:
        return MemoryHuey("survey-jobs", immediate=True, **options)
    if uri.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey("survey-jobs", url=uri, **options)
    if uri.startswith("sqlite:///"):
        filename = uri.removeprefix("sqlite:///")
    else:
        configured = app.config.get("JOBS_DIR")
        folder = Path(configured) if configured else Path(app.instance_path) / "jobs"
        folder.mkdir(parents=True, exist_ok=True)
        filename = str(folder / "queue.sqlite3")
    return SqliteHuey("survey-jobs", filename=filename, **options)


def register(app: Flask) -> None:
    """The app's queue; the modules in JOBS_MODULES are imported so that the kinds of job
    they register (`survey.jobs.register`) are known to web processes and workers alike."""
    for module in app.config.get("JOBS_MODULES") or ():
        importlib.import_module(module)
    app.extensions["survey_jobs"] = Queue(app)


def current_queue() -> Queue:
    return current_app.extensions["survey_jobs"]


def enqueue(job_id: int, attempt: int) -> None:
    queue = current_queue()
    queue.ensure_embedded_worker()
    queue.enqueue(job_id, attempt)
