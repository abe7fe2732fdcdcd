"""A respondent's resume link points at the survey, whatever Host header the request had.

The link on every page is what a respondent copies to come back later. It was built from the
request's Host header, which the client chooses: `Host: evil.example` gave
`http://evil.example/en/resume/<token>` — a link that hands the token to another site.
"""

from __future__ import annotations

import re

from survey import create_app
from survey.extensions import db
from tests.conftest import _test_config, csrf_token_from

EVIL = {"Host": "evil.example"}


def resume_link_on_page_one(client, headers=None) -> tuple[int, str]:
    """Start a questionnaire with these headers; the status of page 1 and its resume link."""
    page = client.get("/en/", headers=headers)
    if page.status_code != 200:
        return page.status_code, ""
    token = csrf_token_from(page.get_data(as_text=True))
    client.post("/en/", data={"csrf_token": token, "action": "next"}, headers=headers)
    page = client.get("/en/page/1", headers=headers)
    html = page.get_data(as_text=True)
    match = re.search(r'<p class="resume-link"><a href="([^"]+)">', html)
    assert match, "page 1 shows the resume link"
    assert "evil.example" not in html
    return page.status_code, match.group(1)


def app_with(database_uri, **config):
    return create_app({**_test_config(database_uri), **config})


def test_the_configured_public_url_makes_the_link(database_uri, app):
    configured = app_with(database_uri, PUBLIC_URL="https://survey.example.org/")

    status, link = resume_link_on_page_one(configured.test_client(), EVIL)

    assert status == 200
    assert re.fullmatch(r"https://survey\.example\.org/en/resume/[\w-]+", link)
    with configured.app_context():
        db.engine.dispose()


def test_without_a_public_url_a_foreign_host_never_reaches_the_link(client):
    status, link = resume_link_on_page_one(client, EVIL)

    assert status == 200
    assert re.fullmatch(r"/en/resume/[\w-]+", link)


def test_on_the_developers_own_machine_the_link_is_complete(client):
    status, link = resume_link_on_page_one(client)

    assert re.fullmatch(r"http://localhost/en/resume/[\w-]+", link)


def test_with_trusted_hosts_another_host_is_refused(database_uri, app):
    trusting = app_with(database_uri, TRUSTED_HOSTS=["survey.example.org"])

    assert resume_link_on_page_one(trusting.test_client(), EVIL)[0] == 400
    status, link = resume_link_on_page_one(trusting.test_client(), {"Host": "survey.example.org"})
    assert status == 200
    assert re.fullmatch(r"http://survey\.example\.org/en/resume/[\w-]+", link)
    with trusting.app_context():
        db.engine.dispose()
