"""Background jobs: files too large to make within a request (XLSX, SPSS, Stata, reports).

A plain module, no request objects: the export views, the CLI and the tests call it.

- `register(Kind(...))` names a kind of job and the function that makes its file;
- `start(kind, params, ...)` records a job (table `jobs`) and hands it to the queue;
- a worker runs it (`run`): the function writes to a temporary name and reports progress;
  the file is renamed into place when complete and only then is the job marked done;
- `find` gives a job to the account that started it and to nobody else; `file_path` is
  its finished file, kept until `expires_at` (`JOBS_KEEP_SECONDS`), then deleted by `tidy`;
- `recover_stalled` runs again a job whose worker stopped giving signs of life (killed,
  restarted): a new attempt, up to `JOBS_MAX_ATTEMPTS`; the old attempt can no longer
  finish it, so the job completes exactly once and a half-written file is never offered.

The queue itself (Huey, on SQLite by default or Redis in production) is `survey.jobs.queue`.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from survey.database import begin_write
from survey.extensions import db
from survey.models import (
    JOB_DONE,
    JOB_EXPIRED,
    JOB_FAILED,
    JOB_QUEUED,
    JOB_RUNNING,
    JOBS,
    Job,
    utcnow,
)

log = logging.getLogger(__name__)

PARTIAL_SUFFIX = ".partial"
#: Progress is written to the database at most this often (seconds).
PROGRESS_INTERVAL = 1.0


class Progress:
    """What a job's function reports as it goes: `progress(done, total)`.

    Writes to the job's row at most once a second, on a connection of its own, so the
    progress bar moves while the function reads in a long transaction.
    """

    def __init__(self, job_id: int, attempt: int):
        self.job_id = job_id
        self.attempt = attempt
        self._written = 0.0

    def __call__(self, done: int, total: int, force: bool = False) -> None:
        now = _monotonic()
        if not force and now - self._written < PROGRESS_INTERVAL:
            return
        self._written = now
        _touch(self.job_id, self.attempt, done_steps=done, total_steps=total)


#: (job's params, where to write the file, progress) -> None; raises JobError for a
#: problem the person who asked should read.
MakeFile = Callable[[Mapping[str, Any], Path, Progress], None]


@dataclass(frozen=True)
class Kind:
    """A kind of job: what it is called and how its file is made and named."""

    name: str
    make: MakeFile
    #: The file's extension (".xlsx"), kept on the stored file.
    suffix: str
    mimetype: str
    #: The name a download gets, from the job (e.g. survey-responses-2026-12-04.xlsx).
    download_name: Callable[[Job], str]


class JobError(Exception):
    """A failure the person who started the job should be told about (in their words)."""


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> None:
    """Make a kind of job known to `start` and to the workers (at import, in both)."""
    KINDS[kind.name] = kind


# --------------------------------------------------------------------------- settings


def jobs_dir() -> Path:
    configured = current_app.config.get("JOBS_DIR")
    path = Path(configured) if configured else Path(current_app.instance_path) / "jobs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _seconds(name: str) -> timedelta:
    return timedelta(seconds=float(current_app.config[name]))


# --------------------------------------------------------------------------- starting


def start(
    kind: str,
    params: Mapping[str, Any],
    created_by_id: int | None,
    description: str,
    personal: bool = False,
) -> Job:
    """Record a job and queue it; the caller's session is committed (the worker must see it)."""
    if kind not in KINDS:
        raise KeyError(kind)
    begin_write()
    job = Job(
        kind=kind,
        params=dict(params),
        created_by_id=created_by_id,
        description=description,
        personal=personal,
        status=JOB_QUEUED,
        attempt=1,
    )
    db.session.add(job)
    db.session.commit()
    from survey.jobs import queue

    queue.enqueue(job.id, job.attempt)
    return job


def find(job_uuid: str, user_id: int | None) -> Job | None:
    """The job, if `user_id` started it (anyone else: None, as if it did not exist)."""
    job = db.session.scalar(select(Job).where(Job.uuid == job_uuid))
    if job is None or job.created_by_id is None or job.created_by_id != user_id:
        return None
    return job


def file_path(job: Job) -> Path | None:
    """The finished file of a job that is done and not expired (never a partial one)."""
    if job.status != JOB_DONE or not job.file_name:
        return None
    path = jobs_dir() / job.file_name
    return path if path.is_file() else None


# --------------------------------------------------------------------------- running


def run(job_id: int, attempt: int) -> None:
    """Run one attempt of a job (in a worker, inside an app context)."""
    if not _claim(job_id, attempt):
        return  # another attempt has it, or it is finished: a stale or repeated message
    job = db.session.get(Job, job_id)
    assert job is not None
    kind = KINDS.get(job.kind)
    folder = jobs_dir()
    partial = folder / f"{job.uuid}.{attempt}{PARTIAL_SUFFIX}"
    final = folder / f"{job.uuid}.{attempt}{kind.suffix if kind else ''}"
    heartbeat = _Heartbeat(job_id, attempt, _seconds("JOBS_HEARTBEAT_SECONDS").total_seconds())
    heartbeat.start()
    try:
        if kind is None:
            raise JobError(f"unknown kind of job: {job.kind}")
        params = dict(job.params)
        db.session.commit()  # the function reads in transactions of its own
        kind.make(params, partial, Progress(job_id, attempt))
        with partial.open("rb+") as handle:
            os.fsync(handle.fileno())
    except Exception as error:  # noqa: BLE001 - any failure ends this attempt
        db.session.rollback()
        heartbeat.stop()
        partial.unlink(missing_ok=True)
        message = str(error) if isinstance(error, JobError) else "internal error"
        if not isinstance(error, JobError):
            log.exception("job %s (%s) attempt %s failed", job_id, job.kind, attempt)
        _finish(job_id, attempt, status=JOB_FAILED, error=message, finished_at=utcnow())
        return
    heartbeat.stop()
    os.replace(partial, final)
    now = utcnow()
    finished = _finish(
        job_id,
        attempt,
        status=JOB_DONE,
        file_name=final.name,
        file_size=final.stat().st_size,
        finished_at=now,
        expires_at=now + _seconds("JOBS_KEEP_SECONDS"),
    )
    if not finished:
        # A later attempt took the job over while this one was thought dead.
        final.unlink(missing_ok=True)


def _claim(job_id: int, attempt: int) -> bool:
    return _update(
        job_id,
        attempt,
        JOB_QUEUED,
        status=JOB_RUNNING,
        heartbeat_at=utcnow(),
        done_steps=0,
    )


def _finish(job_id: int, attempt: int, **values: Any) -> bool:
    return _update(job_id, attempt, JOB_RUNNING, **values)


def _touch(job_id: int, attempt: int, **values: Any) -> bool:
    return _update(job_id, attempt, JOB_RUNNING, heartbeat_at=utcnow(), **values)


def _update(job_id: int, attempt: int, current: str, **values: Any) -> bool:
    """Change the job only if `attempt` is still its attempt and its status is `current`: the
    one guard that lets exactly one attempt claim, advance and finish a job. Own transaction."""
    statement = (
        update(JOBS)
        .where(JOBS.c.id == job_id, JOBS.c.attempt == attempt, JOBS.c.status == current)
        .values(**values)
    )
    with db.engine.begin() as connection:
        return connection.execute(statement).rowcount == 1


class _Heartbeat(threading.Thread):
    """Keeps `heartbeat_at` fresh while an attempt runs, whatever its function is doing."""

    def __init__(self, job_id: int, attempt: int, interval: float):
        super().__init__(daemon=True, name=f"job-{job_id}-heartbeat")
        self.job_id, self.attempt, self.interval = job_id, attempt, interval
        self._stopped = threading.Event()
        self._app = current_app._get_current_object()  # type: ignore[attr-defined]

    def run(self) -> None:
        with self._app.app_context():
            while not self._stopped.wait(self.interval):
                try:
                    _touch(self.job_id, self.attempt)
                except Exception:  # noqa: BLE001 - a missed beat is retried next time
                    log.warning("job %s: heartbeat not written", self.job_id, exc_info=True)

    def stop(self) -> None:
        self._stopped.set()


def _monotonic() -> float:
    import time

    return time.monotonic()


# --------------------------------------------------------------------------- upkeep


def recover_stalled(now: datetime | None = None) -> list[int]:
    """Run again the jobs whose attempt stopped giving signs of life; give up after
    `JOBS_MAX_ATTEMPTS`. Returns the ids queued again. Safe to call from any process."""
    now = now or utcnow()
    cutoff = now - _seconds("JOBS_STALE_SECONDS")
    stalled = db.session.execute(
        select(Job.id, Job.uuid, Job.attempt).where(
            Job.status == JOB_RUNNING, Job.heartbeat_at < cutoff
        )
    ).all()
    db.session.rollback()
    requeued = []
    limit = int(current_app.config["JOBS_MAX_ATTEMPTS"])
    for job_id, job_uuid, attempt in stalled:
        for partial in jobs_dir().glob(f"{job_uuid}.*{PARTIAL_SUFFIX}"):
            partial.unlink(missing_ok=True)
        if attempt >= limit:
            _update(
                job_id,
                attempt,
                JOB_RUNNING,
                status=JOB_FAILED,
                error=f"the worker stopped {attempt} times while making the file",
                finished_at=now,
            )
            continue
        statement = (
            update(JOBS)
            .where(
                JOBS.c.id == job_id,
                JOBS.c.attempt == attempt,
                JOBS.c.status == JOB_RUNNING,
                JOBS.c.heartbeat_at < cutoff,
            )
            .values(status=JOB_QUEUED, attempt=attempt + 1, heartbeat_at=None)
        )
        with db.engine.begin() as connection:
            if connection.execute(statement).rowcount != 1:
                continue
        log.warning("job %s: attempt %s stopped; queued attempt %s", job_id, attempt, attempt + 1)
        from survey.jobs import queue

        queue.enqueue(job_id, attempt + 1)
        requeued.append(job_id)
    return requeued


def expire_finished(now: datetime | None = None) -> int:
    """Delete the files of jobs past `expires_at`; returns how many expired."""
    now = now or utcnow()
    expired = db.session.execute(
        select(Job.id, Job.attempt, Job.file_name).where(
            Job.status == JOB_DONE, Job.expires_at < now
        )
    ).all()
    db.session.rollback()
    count = 0
    for job_id, attempt, name in expired:
        if _update(job_id, attempt, JOB_DONE, status=JOB_EXPIRED, file_name=None):
            if name:
                (jobs_dir() / name).unlink(missing_ok=True)
            count += 1
    return count


def tidy() -> None:
    """The periodic upkeep: stalled jobs run again, expired files deleted."""
    recover_stalled()
    expire_finished()
