"""Only the working group may download data; contact details only for an admin who asks."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey.extensions import db
from survey.models import AccessLog, ApiToken, hash_token
from tests.exports.conftest import JOB_FORMATS, RUSSIAN_ANSWERS, download, read_csv

STREAMED_URLS = [
    "/export/responses.csv",
    "/export/answers.csv",
    "/export/codebook.csv",
    "/export/coded_answers.csv",
    "/export/responses.R",
]
JOB_URLS = [f"/export/{name}" for name in JOB_FORMATS]
EXPORT_URLS = ["/export/", *STREAMED_URLS, *JOB_URLS]
CONTACT_COLUMNS = ["q17_name", "q17_organization", "q17_email"]


@pytest.mark.parametrize("url", EXPORT_URLS)
def test_anonymous_browser_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("url", EXPORT_URLS)
def test_script_without_valid_token_gets_401(client, url):
    assert client.get(url, headers={"Authorization": "Bearer not-a-token"}).status_code == 401


@pytest.mark.parametrize("url", EXPORT_URLS)
def test_token_user_may_download(app, client, make_user, url):
    # Created directly: the shared make_token fixture fails under test_cli_runner (see report).
    user = make_user("script@example.org", "viewer")
    token = "sv_export-test-token-0123456789"
    with app.app_context():
        db.session.add(ApiToken(user_id=user.id, token_hash=hash_token(token), prefix=token[:10]))
        db.session.commit()
    name = url.removeprefix("/export/")
    if not name:
        response = client.get(url, headers={"Authorization": f"Bearer {token}"})
    else:
        response = download(client, name, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.data


def test_contact_details_absent_by_default(app, admin, two_responses):
    rows = read_csv(admin.get("/export/responses.csv").data)
    assert not set(CONTACT_COLUMNS) & set(rows[0])
    body = admin.get("/export/answers.csv").get_data(as_text=True)
    assert RUSSIAN_ANSWERS["q17_email"] not in body


@pytest.mark.parametrize(
    "name", ["responses.csv", "answers.csv", "responses.xlsx", "responses.sav"]
)
def test_viewer_asking_for_contact_details_is_refused(app, viewer, two_responses, name):
    response = download(viewer, name, "include_contact=1")
    assert response.status_code == 403
    assert RUSSIAN_ANSWERS["q17_email"] not in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(AccessLog)).all() == []


def test_admin_asking_gets_contact_details_and_the_access_is_logged(app, admin, two_responses):
    response = admin.get("/export/responses.csv?include_contact=1&lang=ru&bom=1")
    rows = read_csv(response.data, "utf-8-sig")
    assert list(rows[0])[-3:] == CONTACT_COLUMNS
    assert rows[0]["q17_name"] == RUSSIAN_ANSWERS["q17_name"]
    assert rows[0]["q17_organization"] == RUSSIAN_ANSWERS["q17_organization"]
    assert rows[0]["q17_email"] == RUSSIAN_ANSWERS["q17_email"]

    with app.app_context():
        entries = db.session.scalars(select(AccessLog)).all()
        assert len(entries) == 1
        entry = entries[0]
        assert entry.user_email == "admin@example.org"
        assert entry.user_id is not None
        assert entry.at is not None
        assert "responses.csv" in entry.detail
        assert "lang=ru" in entry.detail


def test_cli_contact_export_is_logged_with_the_os_user(app, runner, two_responses, tmp_path):
    import getpass

    out = tmp_path / "contacts.csv"
    result = runner.invoke(args=["export", "csv", "--out", str(out), "--include-contact"])
    assert result.exit_code == 0, result.output
    rows = read_csv(out.read_bytes())
    assert {row["q17_email"] for row in rows} == {RUSSIAN_ANSWERS["q17_email"], ""}
    with app.app_context():
        entry = db.session.scalars(select(AccessLog)).one()
        assert entry.user_email == f"cli:{getpass.getuser()}"
        assert "responses.csv" in entry.detail


def test_download_page_lists_every_format(app, viewer):
    page = viewer.get("/export/?lang=ru&q2=yes").get_data(as_text=True)
    for url in STREAMED_URLS:
        assert f'href="{url}?lang=ru&amp;q2=yes' in page
    for url in JOB_URLS:
        form = page.split(f'action="{url}"', 1)[1].split("</form>", 1)[0]
        assert '<input type="hidden" name="lang" value="ru">' in form
        assert '<input type="hidden" name="q2" value="yes">' in form
        assert 'name="csrf_token"' in form
    assert "bom=1" in page
    assert "include_contact" not in page


def test_download_page_offers_contact_details_to_admins_with_a_warning(app, admin):
    page = admin.get("/export/").get_data(as_text=True)
    assert 'name="include_contact"' in page
    assert "access log" in page
    page = admin.get("/export/?include_contact=1").get_data(as_text=True)
    assert "/export/responses.csv?include_contact=1" in page


def test_download_page_in_russian(app, viewer):
    page = viewer.get("/export/?locale=ru").get_data(as_text=True)
    assert 'lang="ru"' in page
    assert "Data export" not in page
    assert "/export/codebook.csv" in page
