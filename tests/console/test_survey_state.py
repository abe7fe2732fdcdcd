"""An admin opens, closes and schedules the survey in the console, in their own time zone,
and an operator does the same on the command line; both are in the audit log."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from survey.extensions import db
from survey.models import AccessLog
from tests.conftest import csrf_of


@pytest.fixture
def admin(member):
    return member("admin")


def state_of(client) -> dict:
    return client.get("/api/survey").get_json()


def post_schedule(client, **fields):
    token = csrf_of(client, "/console/survey")
    return client.post(
        "/console/survey", data={"csrf_token": token, "action": "schedule", **fields}
    )


def test_an_admin_closes_and_reopens_the_survey(admin):
    page = admin.get("/console/survey").get_data(as_text=True)
    assert 'data-survey-state="open"' in page
    token = csrf_of(admin, "/console/survey")
    closed = admin.post("/console/survey", data={"csrf_token": token, "action": "close"})
    assert closed.status_code == 302
    assert state_of(admin)["state"] == "closed"
    assert 'data-survey-state="closed"' in admin.get("/console/survey").get_data(as_text=True)
    admin.post("/console/survey", data={"csrf_token": token, "action": "open"})
    assert state_of(admin)["state"] == "open"


def test_times_are_typed_in_the_admins_time_zone_and_kept_in_utc(admin):
    admin.set_cookie("tz", "Europe/Moscow")  # what survey.js sets from the browser
    page = admin.get("/console/survey").get_data(as_text=True)
    assert "Europe/Moscow" in page
    saved = post_schedule(
        admin, time_zone="Europe/Moscow", opens_at="2031-01-10T09:00", closes_at="2031-02-28T18:30"
    )
    assert saved.status_code == 302
    assert state_of(admin) == {
        "state": "closed",
        "opens_at": "2031-01-10T06:00:00Z",
        "closes_at": "2031-02-28T15:30:00Z",
    }
    again = admin.get("/console/survey").get_data(as_text=True)
    assert 'value="2031-01-10T09:00"' in again  # shown back as typed, in Moscow time
    # Shown in the viewer's zone elsewhere too, with the zone's name.
    assert "(Moscow)" in admin.get("/results/").get_data(as_text=True)
    # Emptied times are cleared.
    assert (
        post_schedule(admin, time_zone="Europe/Moscow", opens_at="", closes_at="").status_code
        == 302
    )
    assert state_of(admin) == {"state": "open", "opens_at": None, "closes_at": None}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"opens_at": "2031-02-01T10:00", "closes_at": "2031-01-01T10:00"}, "must come after"),
        ({"opens_at": "next tuesday"}, "is not a date and time"),
        ({"closes_at": "1999-12-31T23:00"}, "between the years 2000 and 9998"),
    ],
)
def test_a_bad_schedule_is_refused_and_what_was_typed_stays(admin, fields, message):
    refused = post_schedule(admin, time_zone="UTC", **fields)
    body = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 400
    assert message in body
    for value in fields.values():
        assert f'value="{value}"' in body
    assert state_of(admin) == {"state": "open", "opens_at": None, "closes_at": None}


def test_a_russian_admin_is_told_in_russian(admin):
    admin.get("/locale/ru")
    refused = post_schedule(admin, time_zone="UTC", closes_at="завтра")
    assert "не дата и время" in html.unescape(refused.get_data(as_text=True))


def test_the_command_line_shows_opens_closes_and_schedules(app, runner, admin):
    shown = runner.invoke(args=["survey-state"])
    assert shown.exit_code == 0 and "The survey is open." in shown.output
    closed = runner.invoke(args=["survey-state", "close"])
    assert closed.exit_code == 0 and "The survey is closed." in closed.output
    assert state_of(admin)["state"] == "closed"
    scheduled = runner.invoke(args=["survey-state", "open", "--closes-at", "2031-03-01T12:00"])
    assert scheduled.exit_code == 0, scheduled.output
    assert "2031-03-01T12:00:00Z" in scheduled.output  # no offset given: UTC
    assert state_of(admin) == {
        "state": "open",
        "opens_at": None,
        "closes_at": "2031-03-01T12:00:00Z",
    }
    refused = runner.invoke(args=["survey-state", "--opens-at", "2031-04-01T00:00Z"])
    assert refused.exit_code != 0 and "must come after" in refused.output
    bad = runner.invoke(args=["survey-state", "--opens-at", "soon"])
    assert bad.exit_code != 0 and "not a date and time" in bad.output
    russian = runner.invoke(args=["survey-state"], env={"LANG": "ru_RU.UTF-8"})
    assert "Опрос открыт." in russian.output
    with app.app_context():
        entries = db.session.scalars(
            select(AccessLog).where(AccessLog.action == "survey_state").order_by(AccessLog.id)
        ).all()
    assert [e.user_email.startswith("cli:") for e in entries] == [True, True]
    assert "open (switch open) → closed (switch closed)" in entries[0].detail


def test_every_change_of_state_is_in_the_audit_log(app, admin):
    token = csrf_of(admin, "/console/survey")
    admin.post("/console/survey", data={"csrf_token": token, "action": "close"})
    log = admin.get("/console/audit?action=survey_state").get_data(as_text=True)
    assert "admin@example.org" in log and "switch closed" in log
