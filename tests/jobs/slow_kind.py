"""A kind of job for the tests: writes STEPS lines, one every STEP_SECONDS, and notes each
attempt it starts, so a test can kill its worker part-way through (JOBS_MODULES loads it)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from survey import jobs

STEPS = 20
STEP_SECONDS = 0.25


def make(params, target: Path, progress) -> None:
    with Path(params["attempts_log"]).open("a") as log:
        log.write(f"{os.getpid()}\n")
    with target.open("w") as out:
        for step in range(STEPS):
            out.write(f"line {step}\n")
            out.flush()
            progress(step + 1, STEPS, force=True)
            time.sleep(STEP_SECONDS)
        out.write("end\n")


jobs.register(jobs.Kind("test.slow", make, ".txt", "text/plain", lambda job: "slow.txt"))
