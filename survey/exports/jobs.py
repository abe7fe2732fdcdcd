"""The exports made as background jobs: XLSX, SPSS and Stata files of any size.

Each is a kind of job (`survey.jobs.register`) whose params are the export's query
arguments, read back with the same rules as the web page's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC
from pathlib import Path
from typing import Any

from werkzeug.datastructures import MultiDict

from survey import jobs
from survey.exports import formats
from survey.exports.formats import FORMATS, ExportOptions
from survey.exports.options import OptionError, options_from_args
from survey.models import Job

Writer = Callable[[ExportOptions, Path, formats.Progress], None]

WRITERS: dict[str, Writer] = {
    "responses.xlsx": formats.write_xlsx,
    "responses.sav": formats.write_sav,
    "responses.dta": formats.write_dta,
}


def attachment_name(filename: str, recoded: bool = False, day: Any = None) -> str:
    """survey-responses-2026-12-04.csv, or survey-responses-recoded-2026-12-04.csv."""
    from datetime import datetime

    stem, _dot, extension = filename.rpartition(".")
    figures = "-recoded" if recoded else ""
    day = day or datetime.now(UTC)
    return f"survey-{stem}{figures}-{day:%Y-%m-%d}.{extension}"


def options_of(params: Mapping[str, Any]) -> ExportOptions:
    return options_from_args(MultiDict([tuple(pair) for pair in params.get("args", [])]))


def _kind(name: str) -> jobs.Kind:
    writer = WRITERS[name]

    def make(params: Mapping[str, Any], target: Path, progress: jobs.Progress) -> None:
        try:
            options = options_of(params)
        except OptionError as error:
            raise jobs.JobError(str(error)) from error
        writer(options, target, progress)

    def download_name(job: Job) -> str:
        recoded = ["recoded", "1"] in [list(pair) for pair in job.params.get("args", [])]
        return attachment_name(FORMATS[name].filename, recoded, job.created_at)

    suffix = "." + name.rpartition(".")[2]
    return jobs.Kind(name, make, suffix, FORMATS[name].mimetype, download_name)


for _name in WRITERS:
    jobs.register(_kind(_name))
