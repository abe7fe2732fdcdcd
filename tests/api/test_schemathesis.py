"""The JSON API keeps the promises of its OpenAPI document, under Schemathesis fuzzing.

Schemathesis reads /api/openapi.json and sends what the document allows (and, to check that
it is refused, what it does not), 200 examples per operation plus its coverage cases, with
every check it has: no server error, status codes, content types, headers and bodies as
documented, invalid input refused, authentication not ignored. The app runs under gunicorn
on the test's database with some demo responses; the run's seed is random and printed with
a curl command for every failure.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from tests.browser.conftest import start_live_server

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
MAX_EXAMPLES = 200
CONFIG = Path(__file__).with_name("schemathesis.toml")


@pytest.mark.schemathesis
def test_the_api_conforms_to_its_openapi_document(
    app, database_uri, runner, make_user, make_token, tmp_path
):
    seeded = runner.invoke(args=["seed-demo", "60", "--seed", "14"])
    assert seeded.exit_code == 0, seeded.output
    user = make_user("script@example.org", "admin")
    with app.app_context():
        token = make_token(user)
    server = start_live_server(tmp_path, workers=2, database_uri=database_uri)
    try:
        run = subprocess.run(
            [
                str(SCHEMATHESIS),
                "--config-file",
                str(CONFIG),
                "run",
                f"{server.url}/api/openapi.json",
                "--header",
                f"Authorization: Bearer {token}",
                "--checks",
                "all",
                "--max-examples",
                str(MAX_EXAMPLES),
                "--workers",
                "2",
                "--request-timeout",
                "30",
                "--report",
                "junit",
                "--report-junit-path",
                str(tmp_path / "junit.xml"),
            ],
            capture_output=True,
            text=True,
            timeout=900,
            env={
                "NO_COLOR": "1",
                "PATH": "/usr/bin:/bin",
                "HOME": str(tmp_path),
                "SCHEMATHESIS_HOOKS": "schemathesis_hooks",
                "PYTHONPATH": str(Path(__file__).parent),
            },
            cwd=tmp_path,
        )
    finally:
        server.stop()
    report = run.stdout + run.stderr
    assert run.returncode == 0, f"{report}\n\ngunicorn:\n{server.log()[-3000:]}"
    # Every generated case passed ("No issues found", or the same with a warning such as
    # the job status operation, whose ids no other operation hands out, answering 404).
    cases = re.search(r"(\d+) generated, (\d+) passed", report)
    assert cases and cases.group(1) == cases.group(2), report[-3000:]
    documented = {
        f"{method.upper()} {path}"
        for path, methods in openapi_paths(app).items()
        for method in methods
        if method != "parameters"
    }
    # Schemathesis loads the document from this operation and leaves it out of the run.
    documented.discard("GET /api/openapi.json")
    fuzzed = {
        case.get("name")
        for case in ElementTree.parse(tmp_path / "junit.xml").iter("testcase")  # noqa: S314 - our own report
    }
    assert documented <= fuzzed, f"operations never fuzzed: {documented - fuzzed}\n{report}"


def openapi_paths(app) -> dict:
    return app.test_client().get("/api/openapi.json").get_json()["paths"]
