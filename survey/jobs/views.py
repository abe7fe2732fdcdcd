"""The job pages: progress while a file is made, then its download (for whoever started it)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, render_template, send_file, url_for
from flask_login import current_user, login_required

from survey import jobs
from survey.auth.access import record_access
from survey.jobs.queue import current_queue
from survey.models import JOB_EXPIRED, Job

bp = Blueprint("jobs", __name__, url_prefix="/jobs", template_folder="templates")


def visible_job(job_uuid: str) -> Job:
    """The signed-in user's own job (404 for any other: whether it exists is not told)."""
    current_queue().ensure_embedded_worker()
    job = jobs.find(job_uuid, current_user.id)
    if job is None:
        abort(404)
    return job


def status_of(job: Job) -> dict[str, Any]:
    """The job as the API and the progress page's script read it."""
    done = job.is_done and jobs.file_path(job) is not None
    return {
        "id": job.uuid,
        "kind": job.kind,
        "status": job.status,
        "percent": job.percent,
        "done": job.done_steps,
        "total": job.total_steps,
        "download_url": url_for("jobs.download", job_uuid=job.uuid) if done else None,
        "expires_at": job.expires_at.isoformat() if job.expires_at and done else None,
        "error": job.error,
    }


@bp.get("/<job_uuid>")
@login_required
def show(job_uuid: str):
    job = visible_job(job_uuid)
    return render_template("jobs/job.html", job=job, status=status_of(job))


@bp.get("/<job_uuid>/file")
@login_required
def download(job_uuid: str):
    job = visible_job(job_uuid)
    if job.status == JOB_EXPIRED:
        abort(410)
    path = jobs.file_path(job)
    if path is None:
        abort(404)
    if job.personal:
        # Contact details: still an admin, and the access is logged before anything is sent.
        if not current_user.is_admin:
            abort(403)
        record_access(current_user.id, current_user.email, "export_contact", job.description)
    kind = jobs.KINDS[job.kind]
    response: Response = send_file(
        path,
        mimetype=kind.mimetype,
        as_attachment=True,
        download_name=kind.download_name(job),
        max_age=0,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
