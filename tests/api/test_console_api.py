"""Scripts read the responses list and the survey's state, and admins' scripts exclude and
restore responses and open and close the survey, through the JSON API (bearer tokens):
the shapes of the public contract, the status codes of every refusal."""

from __future__ import annotations

import pytest

from tests.conftest import responses_in_order


@pytest.fixture
def tokens(app, make_user, make_token) -> dict[str, str]:
    found = {}
    for role in ("viewer", "analyst", "admin"):
        user = make_user(f"{role}-script@example.org", role)
        with app.app_context():
            found[role] = make_token(user)
    return found


@pytest.fixture
def call(client, tokens):
    def request(method: str, url: str, role: str | None = "admin", **kwargs):
        headers = {"Authorization": f"Bearer {tokens[role]}"} if role else {}
        return getattr(client, method)(url, headers=headers, **kwargs)

    return request


@pytest.fixture
def ids(app, make_respondent):
    make_respondent("en").complete({"q1": "public", "q2": "yes"})
    make_respondent("ru").complete({"q1": "school"})
    make_respondent("en").start()
    submitted_en, submitted_ru, draft = responses_in_order(app)
    return {"en": submitted_en, "ru": submitted_ru, "draft": draft}


def test_an_admin_excludes_and_restores_through_the_api(call, ids):
    url = f"/api/responses/{ids['en']}/exclusion"
    excluded = call("post", url, json={"reason": "Test answer"})
    assert excluded.status_code == 200
    assert excluded.headers["Cache-Control"] == "no-store"
    body = excluded.get_json()
    assert (body["response_id"], body["status"], body["excluded_reason"]) == (
        ids["en"],
        "excluded",
        "Test answer",
    )
    assert call("get", "/api/version", role="viewer").get_json()["excluded"] == 1
    assert call("get", "/api/results", role="viewer").get_json()["total"] == 1
    # The same request again changes nothing; another reason is a conflict.
    assert call("post", url, json={"reason": "Test answer"}).status_code == 200
    assert call("post", url, json={"reason": "Spam"}).status_code == 409

    restored = call("delete", url)
    assert restored.status_code == 200
    assert (restored.get_json()["status"], restored.get_json()["excluded_reason"]) == (
        "submitted",
        None,
    )
    assert call("delete", url).status_code == 200  # not excluded: nothing to do
    assert call("get", "/api/results", role="viewer").get_json()["total"] == 2


def test_refusals_of_the_exclusion_endpoints(call, ids):
    url = f"/api/responses/{ids['ru']}/exclusion"
    for role in ("viewer", "analyst"):
        assert call("post", url, role=role, json={"reason": "x"}).status_code == 403
        assert call("delete", url, role=role).status_code == 403
    assert call("post", url, role=None, json={"reason": "x"}).status_code == 401
    assert (
        call("post", "/api/responses/no-such-id/exclusion", json={"reason": "x"}).status_code == 404
    )
    assert call("delete", "/api/responses/no-such-id/exclusion").status_code == 404
    draft = f"/api/responses/{ids['draft']}/exclusion"
    assert call("post", draft, json={"reason": "x"}).status_code == 409
    assert call("delete", draft).status_code == 409
    for body in (
        {},
        {"reason": ""},
        {"reason": "  "},
        {"reason": 3},
        {"reason": "x", "extra": 1},
        [],
    ):
        refused = call("post", url, json=body)
        assert refused.status_code == 400, body
        assert refused.get_json()["error"] == "bad_request"
    assert call("post", url, data="reason=x").status_code == 400
    assert call("get", "/api/version", role="viewer").get_json()["excluded"] == 0


def test_a_reason_starting_with_a_control_character_is_refused_not_trimmed(call, ids):
    """Found by Schemathesis's fuzzing: the reason was trimmed of \\x1e (Python's strip)
    and stored, where the document refuses control characters."""
    url = f"/api/responses/{ids['en']}/exclusion"
    refused = call("post", url, json={"reason": "\u001eDuplicate"})
    assert refused.status_code == 400
    assert "cannot be stored" in refused.get_json()["message"]
    assert call("post", url, json={"reason": "\u3000Duplicate "}).status_code == 200


def test_a_browser_session_needs_its_csrf_token_to_exclude(ids, member):
    admin = member("admin")
    refused = admin.post(f"/api/responses/{ids['en']}/exclusion", json={"reason": "x"})
    assert refused.status_code == 400
    assert refused.get_json()["error"] == "csrf"


def test_the_survey_state_through_the_api(call):
    assert call("get", "/api/survey", role="viewer").get_json() == {
        "state": "open",
        "opens_at": None,
        "closes_at": None,
    }
    closed = call("patch", "/api/survey", json={"state": "closed"})
    assert closed.status_code == 200 and closed.get_json()["state"] == "closed"
    scheduled = call(
        "patch",
        "/api/survey",
        json={"state": "open", "opens_at": "2030-05-01T09:00:00+02:00", "closes_at": None},
    )
    assert scheduled.get_json() == {
        "state": "closed",
        "opens_at": "2030-05-01T07:00:00Z",
        "closes_at": None,
    }
    # Opening now clears an opening time still ahead.
    assert call("patch", "/api/survey", json={"state": "open"}).get_json() == {
        "state": "open",
        "opens_at": None,
        "closes_at": None,
    }


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"state": "paused"},
        {"closes_at": "tomorrow"},
        {"closes_at": "2030-05-01T09:00:00"},
        {"closes_at": "1970-01-01T00:00:00Z"},
        {"opens_at": 5},
        {"opens_at": "2031-01-01T00:00:00Z", "closes_at": "2030-01-01T00:00:00Z"},
        {"state": "open", "colour": "blue"},
        [],
    ],
)
def test_a_bad_change_of_state_is_400_and_changes_nothing(call, body):
    refused = call("patch", "/api/survey", json=body)
    assert refused.status_code == 400
    assert refused.get_json()["error"] == "bad_request"
    assert call("get", "/api/survey").get_json()["state"] == "open"


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_only_an_admin_changes_the_state(call, role):
    assert call("patch", "/api/survey", role=role, json={"state": "closed"}).status_code == 403
    assert call("get", "/api/survey", role=role).get_json()["state"] == "open"


def test_every_new_operation_is_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    operations = {
        (path, method): operation["operationId"]
        for path, methods in paths.items()
        for method, operation in methods.items()
        if method != "parameters"
    }
    assert operations[("/api/responses", "get")] == "listResponses"
    assert operations[("/api/responses/{response_id}/exclusion", "post")] == "excludeResponse"
    assert operations[("/api/responses/{response_id}/exclusion", "delete")] == "restoreResponse"
    assert operations[("/api/survey", "get")] == "getSurveyState"
    assert operations[("/api/survey", "patch")] == "changeSurveyState"
    names = {p["name"] for p in paths["/api/responses"]["get"]["parameters"]}
    assert {"status", "q", "after", "lang", "q2", "q6"} <= names
