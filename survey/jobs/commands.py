"""CLI: `flask --app survey jobs-worker` runs the background jobs (JOBS_WORKER=external)."""

from __future__ import annotations

import click
from flask import Flask

from survey.jobs.queue import current_queue


def register(app: Flask) -> None:
    @app.cli.command("jobs-worker")
    @click.option("--workers", default=1, show_default=True, help="Jobs run at the same time.")
    def jobs_worker(workers: int) -> None:
        """Run queued background jobs (large exports) until stopped (SIGINT or SIGTERM)."""
        queue = current_queue()
        queue.start_watchdog()
        consumer = queue.huey.create_consumer(workers=workers, worker_type="thread")
        consumer.run()
