"""Helpers for the export tests: signed-in clients, answers with awkward text, the CLI."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import text

from survey.extensions import db
from tests.conftest import AuthActions, csrf_token_from

#: Made by a background job: started with a POST, then downloaded from the job.
JOB_FORMATS = ("responses.xlsx", "responses.sav", "responses.dta")

PASSWORD = "correct horse battery"

#: A Russian respondent whose texts hold everything a CSV must survive.
RUSSIAN_ANSWERS = {
    "q1": "other",
    "q1_other": "Библиотека парламента, «особая»",
    "q2": "yes",
    "q2_role": 'Член правления, "казначей"',
    "q3": "RU",
    "q4": "25k",
    "q5": "yes",
    "q5_budget": "=SUM(1+1)",
    "q6": ["libraries", "government", "other"],
    "q6_other": "Друзья библиотеки, клуб 📚",
    "q7_libraries": "2",
    "q7_government": "1",
    "q7_other": "na",
    "q8": "Фестиваль чтения,\nвместе с мэрией; «успех» 🎉",
    "q9": "+1",
    "q10": "-1+1",
    "q11": "@A1",
    "q12": "no",
    "q13": '=HYPERLINK("http://x","y")',
    "q14_libraries": "1",
    "q14_government": "2",
    "q14_business": "na",
    "q14_nonprofit": "3",
    "q15": "'=quoted already",
    "q16": ["meetings", "mou", "other"],
    "q16_other": "Семинары, круглые столы",
    "q17_name": "Ирина Петрова",
    "q17_organization": "Областная библиотека",
    "q17_email": "irina@example.org",
}

#: An English respondent with fewer answers: declined questions stay empty.
ENGLISH_ANSWERS = {
    "q1": "public",
    "q2": "no",
    "q3": "NA",
    "q4": "na",
    "q6": ["business"],
    "q7_business": "1",
    "q8": 'He said "hello, world"',
    "q14_other": "1",
    "q16": ["statements"],
}


def read_csv(body: bytes, encoding: str = "utf-8") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode(encoding), newline="")))


def wipe_responses(app) -> None:
    with app.app_context(), db.engine.begin() as conn:
        for table in ("translations", "answers", "responses"):
            conn.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - fixed names


@pytest.fixture
def viewer(app, make_user):
    make_user("viewer@example.org", "viewer", PASSWORD)
    client = app.test_client()
    assert AuthActions(client).login("viewer@example.org", PASSWORD).status_code == 302
    return client


@pytest.fixture
def admin(app, make_user):
    make_user("admin@example.org", "admin", PASSWORD)
    client = app.test_client()
    assert AuthActions(client).login("admin@example.org", PASSWORD).status_code == 302
    return client


@pytest.fixture
def two_responses(make_respondent):
    """One Russian and one English respondent, submitted through the web form."""
    make_respondent("ru").complete(RUSSIAN_ANSWERS)
    make_respondent("en").complete(ENGLISH_ANSWERS)


def download(client, name: str, query: str = "", headers: dict | None = None):
    """A file as its user gets it: a streamed format straight away; a large one by starting
    its job (a browser's form with its CSRF token, or a script's token), reading the job's
    status and following its download link. Returns the last response."""
    url = f"/export/{name}" + (f"?{query}" if query else "")
    if name not in JOB_FORMATS:
        return client.get(url, headers=headers)
    if headers:
        started = client.post(url, headers=headers)
        if started.status_code != 202:
            return started
        status_url = started.get_json()["status_url"]
    else:
        token = csrf_token_from(client.get("/export/").get_data(as_text=True))
        started = client.post(url, data={"csrf_token": token})
        if started.status_code != 303:
            return started
        job_page = started.headers["Location"]
        status_url = "/api/jobs/" + job_page.rstrip("/").rsplit("/", 1)[-1]
    status = client.get(status_url, headers=headers)
    assert status.status_code == 200, status.get_data(as_text=True)
    body = status.get_json()
    assert body["status"] == "done", body
    response = client.get(body["download_url"], headers=headers)
    response.get_data()  # read, then close the file it was sent from
    response.close()
    return response
