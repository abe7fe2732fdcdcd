"""An admin reads the access and audit log: filtered by kind, person, text and days, and
downloaded as CSV that a spreadsheet cannot run as formulas."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import csrf_of


@pytest.fixture
def history(app, member, make_respondent, runner):
    """An admin shows contact details, excludes a response with a formula-like reason, and
    an operator creates an account on the command line."""
    make_respondent("en").complete({"q1": "public", "q17_email": "someone@example.org"})
    admin = member("admin")
    from tests.conftest import responses_in_order

    uuid = responses_in_order(app)[0]
    token = csrf_of(admin, f"/results/responses/{uuid}")
    admin.post(f"/results/responses/{uuid}", data={"csrf_token": token, "action": "show_contact"})
    admin.post(
        f"/results/responses/{uuid}/exclusion",
        data={"csrf_token": token, "action": "exclude", "reason": '=HYPERLINK("x")'},
    )
    created = runner.invoke(
        args=["create-user", "cli@example.org", "--password-stdin"], input="long enough pw\n"
    )
    assert created.exit_code == 0
    return admin, uuid


def test_the_log_lists_who_did_what_newest_first(history):
    admin, uuid = history
    page = admin.get("/console/audit").get_data(as_text=True)
    actions = [line.split('"')[1] for line in page.split("data-action=")[1:]]
    assert actions == ["create_account", "exclude_response", "view_contact"]
    assert uuid in page and "admin@example.org" in page and "cli:" in page
    assert "3 entries." in page


@pytest.mark.parametrize(
    ("query", "actions"),
    [
        ("?action=exclude_response", ["exclude_response"]),
        ("?who=cli", ["create_account"]),
        ("?q=HYPERLINK", ["exclude_response"]),
        ("?action=view_contact&who=admin", ["view_contact"]),
        (f"?since={(datetime.now(UTC) + timedelta(days=2)).date()}", []),
        (f"?until={(datetime.now(UTC) - timedelta(days=2)).date()}", []),
        (f"?since={datetime.now(UTC).date()}&until={datetime.now(UTC).date()}", None),
    ],
)
def test_the_log_is_filtered(history, query, actions):
    admin, _uuid = history
    page = admin.get(f"/console/audit{query}").get_data(as_text=True)
    found = [line.split('"')[1] for line in page.split("data-action=")[1:]]
    assert found == (
        actions if actions is not None else ["create_account", "exclude_response", "view_contact"]
    )


def test_a_bad_filter_is_reported(history):
    admin, _uuid = history
    page = admin.get("/console/audit?since=yesterday&action=nothing")
    assert page.status_code == 400
    assert "is not a date" in page.get_data(as_text=True)
    assert admin.get("/console/audit.csv?since=yesterday").status_code == 400


def test_the_csv_holds_the_filtered_entries_safe_for_spreadsheets(history):
    admin, uuid = history
    body = admin.get("/console/audit.csv?action=exclude_response").data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [row["action"] for row in rows] == ["exclude_response"]
    assert rows[0]["who"] == "admin@example.org"
    assert rows[0]["detail"].startswith(f"response {uuid}; reason: ")
    assert datetime.strptime(rows[0]["at"], "%Y-%m-%dT%H:%M:%SZ")
    # The reason starts with "=", but the cell starts with the response id: nothing runs.
    everything = admin.get("/console/audit.csv").data.decode("utf-8-sig")
    assert all(not line.startswith(("=", "+", "-", "@")) for line in everything.splitlines())
    assert len(list(csv.DictReader(io.StringIO(everything)))) == 3
