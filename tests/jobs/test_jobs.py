"""Large files are made in the background: a worker killed mid-job is replaced, the job still
completes exactly once, and a half-written file is never offered for download."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select, update

from survey import jobs
from survey.extensions import db
from survey.models import JOBS, AccessLog, Job
from tests.conftest import AuthActions, csrf_token_from
from tests.jobs.slow_kind import STEPS

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"


@pytest.fixture
def worker_settings(tmp_path):
    """Jobs run by `flask jobs-worker` processes from a SQLite queue file, with a quick
    heartbeat, so that a killed worker's job is taken over within seconds."""
    return {
        "JOBS_QUEUE_URI": f"sqlite:///{tmp_path / 'queue.sqlite3'}",
        "JOBS_DIR": str(tmp_path / "files"),
        "JOBS_WORKER": "external",
        "JOBS_HEARTBEAT_SECONDS": 0.3,
        "JOBS_STALE_SECONDS": 2,
        "JOBS_MODULES": ["tests.jobs.slow_kind"],
    }


@pytest.fixture
def start_worker(database_uri, worker_settings, tmp_path):
    started: list[subprocess.Popen] = []
    log = (tmp_path / "worker.log").open("a")

    def start() -> subprocess.Popen:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
        env.update(
            {
                "FLASK_SQLALCHEMY_DATABASE_URI": database_uri,
                "FLASK_SECRET_KEY": "jobs-test",
                "FLASK_AUTO_MIGRATE_SQLITE": "false",
                "PYTHONPATH": str(ROOT),
            }
        )
        for key, value in worker_settings.items():
            env[f"FLASK_{key}"] = (
                value if isinstance(value, str) else __import__("json").dumps(value)
            )
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "survey", "jobs-worker"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
            process.wait(10)
    log.close()


def sign_in(app, make_user, role: str = "viewer", email: str = "analyst@example.org"):
    make_user(email, role, PASSWORD)
    client = app.test_client()
    assert AuthActions(client).login(email, PASSWORD).status_code == 302
    return client


def job_row(app, job_uuid: str) -> Job:
    with app.app_context():
        job = db.session.scalar(select(Job).where(Job.uuid == job_uuid))
        db.session.expunge(job)
        return job


def wait_for(condition, timeout: float = 30, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_worker_killed_mid_job_the_job_completes_once_and_no_half_file_is_offered(
    make_app, make_user, worker_settings, start_worker, tmp_path
):
    app = make_app(**worker_settings)
    client = sign_in(app, make_user)
    attempts_log = tmp_path / "attempts.log"
    with app.app_context():
        job = jobs.start("test.slow", {"attempts_log": str(attempts_log)}, _user_id(app), "slow")
        job_uuid = job.uuid
    files = Path(worker_settings["JOBS_DIR"])

    first = start_worker()
    wait_for(lambda: job_row(app, job_uuid).done_steps >= 4, what="the first attempt to run")
    # Half-way: the partial file exists, but nothing is offered.
    assert list(files.glob(f"{job_uuid}.1.partial"))
    assert client.get(f"/jobs/{job_uuid}/file").status_code == 404
    assert client.get(f"/api/jobs/{job_uuid}").get_json()["download_url"] is None
    first.send_signal(signal.SIGKILL)
    first.wait(10)

    start_worker()
    offered_early = []

    def finished() -> bool:
        # The download first: a job that is done stays done, so a file offered before the
        # status says so would have been offered early.
        download = client.get(f"/jobs/{job_uuid}/file")
        body = download.get_data()
        download.close()
        status = client.get(f"/api/jobs/{job_uuid}").get_json()
        if download.status_code == 200 and status["status"] != "done":
            offered_early.append(body)
        if download.status_code == 200:
            # Whatever is offered is the whole file, never a part of it.
            assert body.decode().endswith("end\n"), body[-40:]
        return status["status"] == "done"

    wait_for(finished, timeout=60, what="the job to complete after the worker was killed")
    assert offered_early == []
    job = job_row(app, job_uuid)
    assert (job.status, job.attempt) == ("done", 2)
    assert attempts_log.read_text().count("\n") == 2  # started twice
    assert sorted(path.name for path in files.glob(f"{job_uuid}*")) == [f"{job_uuid}.2.txt"]
    response = client.get(f"/jobs/{job_uuid}/file")
    lines = response.get_data(as_text=True).splitlines()
    response.close()
    assert lines == [f"line {step}" for step in range(STEPS)] + ["end"]


def _user_id(app) -> int:
    from survey.models import User

    return db.session.scalar(select(User.id).where(User.email == "analyst@example.org"))


def test_an_attempt_taken_over_while_it_ran_cannot_finish_the_job(make_app, make_user):
    """An attempt that was only slow, not dead, and was taken over meanwhile (another
    worker runs attempt 2) cannot finish the job: its file is removed, the job untouched."""
    app = make_app()

    def make(params, target, progress):
        target.write_text("made by attempt 1")
        # Meanwhile the job was thought stalled and queued again as attempt 2.
        with db.engine.begin() as connection:
            connection.execute(
                update(JOBS).where(JOBS.c.id == params["id"]).values(status="queued", attempt=2)
            )

    jobs.register(jobs.Kind("test.taken_over", make, ".txt", "text/plain", lambda job: "x"))
    try:
        make_user("analyst@example.org", "viewer", PASSWORD)
        with app.app_context():
            job = Job(kind="test.taken_over", params={}, created_by_id=_user_id(app))
            db.session.add(job)
            db.session.commit()
            job.params = {"id": job.id}
            db.session.commit()
            job_id, job_uuid = job.id, job.uuid
            jobs.run(job_id, 1)
            db.session.expire_all()
            job = db.session.get(Job, job_id)
            assert (job.status, job.attempt, job.file_name) == ("queued", 2, None)
            assert list(jobs.jobs_dir().glob(f"{job_uuid}*")) == []
            # A repeated message for attempt 1 does nothing either.
            jobs.run(job_id, 1)
            db.session.expire_all()
            assert db.session.get(Job, job_id).status == "queued"
    finally:
        del jobs.KINDS["test.taken_over"]


def test_only_the_person_who_started_a_job_sees_it(app, make_user):
    owner = sign_in(app, make_user, "viewer", "analyst@example.org")
    other = sign_in(app, make_user, "admin", "other@example.org")
    token = csrf_token_from(owner.get("/export/").get_data(as_text=True))
    started = owner.post("/export/responses.xlsx", data={"csrf_token": token, "lang": "ru"})
    assert started.status_code == 303
    job_page = started.headers["Location"]
    job_uuid = job_page.rsplit("/", 1)[-1]
    assert owner.get(job_page).status_code == 200
    for url in (job_page, f"/jobs/{job_uuid}/file", f"/api/jobs/{job_uuid}"):
        assert other.get(url).status_code == 404
    assert app.test_client().get(f"/api/jobs/{job_uuid}").status_code == 401


def test_starting_a_job_needs_the_csrf_token(app, make_user):
    client = sign_in(app, make_user)
    assert client.post("/export/responses.xlsx").status_code == 400
    with app.app_context():
        assert db.session.scalars(select(Job)).all() == []


def test_a_file_with_contact_details_is_for_admins_and_each_download_is_logged(app, make_user):
    viewer = sign_in(app, make_user, "viewer", "analyst@example.org")
    token = csrf_token_from(viewer.get("/export/").get_data(as_text=True))
    refused = viewer.post(
        "/export/responses.sav", data={"csrf_token": token, "include_contact": "1"}
    )
    assert refused.status_code == 403
    admin = sign_in(app, make_user, "admin", "admin@example.org")
    token = csrf_token_from(admin.get("/export/").get_data(as_text=True))
    started = admin.post(
        "/export/responses.sav", data={"csrf_token": token, "include_contact": "1"}
    )
    job_uuid = started.headers["Location"].rsplit("/", 1)[-1]
    with app.app_context():
        assert db.session.scalars(select(AccessLog)).all() == []  # nothing obtained yet
    download = admin.get(f"/jobs/{job_uuid}/file")
    download.close()
    assert download.status_code == 200
    with app.app_context():
        entry = db.session.scalars(select(AccessLog)).one()
        assert entry.user_email == "admin@example.org"
        assert "responses.sav" in entry.detail and "include_contact=1" in entry.detail


def test_an_expired_file_is_deleted_and_gone(make_app, make_user):
    app = make_app(JOBS_KEEP_SECONDS=0)
    client = sign_in(app, make_user)
    token = csrf_token_from(client.get("/export/").get_data(as_text=True))
    job_uuid = (
        client.post("/export/responses.xlsx", data={"csrf_token": token})
        .headers["Location"]
        .rsplit("/", 1)[-1]
    )
    with app.app_context():
        name = db.session.scalar(select(Job.file_name).where(Job.uuid == job_uuid))
        assert (jobs.jobs_dir() / name).is_file()
        assert jobs.expire_finished() == 1
        assert not (jobs.jobs_dir() / name).exists()
    assert client.get(f"/jobs/{job_uuid}/file").status_code == 410
    assert client.get(f"/api/jobs/{job_uuid}").get_json()["status"] == "expired"
