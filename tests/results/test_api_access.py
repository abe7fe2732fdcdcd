"""Scripts and dashboards reach the results API only with a session or a live token."""

from __future__ import annotations

import pytest


@pytest.fixture
def viewer(app, make_user, make_token):
    user = make_user("viewer@example.org", "viewer")
    # The CLI runner pushes no application context of its own.
    with app.app_context():
        return make_token(user)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_anonymous_requests_get_401_json(client):
    for path in ("/api/results", "/api/results?compare=q2", "/api/version"):
        response = client.get(path)
        assert response.status_code == 401
        assert response.get_json()["error"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_viewer_token_reads_results_and_a_revoked_one_does_not(
    app, client, viewer, make_respondent
):
    make_respondent("en").complete({"q2": "yes"})
    response = client.get("/api/results", headers=bearer(viewer))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_json()["total"] == 1

    with app.app_context():
        result = app.test_cli_runner().invoke(args=["revoke-token", viewer])
    assert result.exit_code == 0, result.output
    assert client.get("/api/results", headers=bearer(viewer)).status_code == 401
    assert client.get("/api/version", headers=bearer(viewer)).status_code == 401


def test_a_signed_in_member_reads_results_with_the_session(client, make_user, auth):
    make_user("member@example.org", "viewer", "correct horse battery")
    auth.login("member@example.org", "correct horse battery")
    response = client.get("/api/results?lang=ru")
    assert response.status_code == 200
    assert response.get_json()["total"] == 0


@pytest.mark.parametrize(
    "query",
    [
        "?q99=yes",  # no such question
        "?q2=maybe",  # no such option
        "?q3=XX",  # no such country
        "?q3=ru",  # country codes are upper case ("na" is prefer not to say)
        "?lang=fr",  # no such language
        "?lang=en&lang=ru",  # one language at a time
        "?q8=anything",  # open questions are not filters
        "?q17=name",  # nor is the contact question
        "?compare=q6",  # multiple choice cannot split respondents into segments
        "?compare=nothing",
        "?compare=q1&compare=q2",
        "?locale=de",
        "?q14=nobody",
    ],
)
def test_bad_filters_are_a_400_with_a_message(client, viewer, query):
    response = client.get(f"/api/results{query}", headers=bearer(viewer))
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "bad_request"
    assert body["message"]


def test_arguments_that_are_not_filters_are_ignored(client, viewer):
    # A filter without a value (q2=) is a 400: tests/api/test_empty_parameters.py.
    response = client.get("/api/results?format=json&sort=mean", headers=bearer(viewer))
    assert response.status_code == 200


def test_the_version_changes_when_a_response_is_submitted(client, viewer, make_respondent):
    before = client.get("/api/version", headers=bearer(viewer)).get_json()
    assert before["total"] == 0
    person = make_respondent("ru")
    person.start()
    started = client.get("/api/version", headers=bearer(viewer)).get_json()
    assert started["total"] == 0
    assert started["version"] != before["version"]
    assert client.get("/api/results", headers=bearer(viewer)).get_json()["in_progress"] == 1

    make_respondent("en").complete({"q1": "public"})
    after = client.get("/api/version", headers=bearer(viewer)).get_json()
    assert after["total"] == 1
    assert after["version"] not in (before["version"], started["version"])
    # Results read right after the submission include it (no stale cache).
    results = client.get("/api/results", headers=bearer(viewer)).get_json()
    assert results["total"] == 1
    assert results["questions"]["q1"]["options"][1] == {
        "code": "public",
        "label": "Public / community library",
        "count": 1,
        "percent": 100.0,
    }


def test_the_openapi_document_describes_the_endpoints(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    assert {"/api/results", "/api/version"} <= set(document["paths"])
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    parameters = {p["name"] for p in document["paths"]["/api/results"]["get"]["parameters"]}
    assert {"lang", "q1", "q2", "q3", "q6", "q14", "compare", "locale"} <= parameters
    assert "q8" not in parameters and "q17" not in parameters
    results = document["components"]["schemas"]["Results"]
    assert set(results["required"]) == {"total", "in_progress", "languages", "questions"}
