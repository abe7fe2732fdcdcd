"""The working group lists every response — submitted, in progress, excluded — in the browser
and through GET /api/responses: filtered like the dashboard, searched in the open answers,
sorted, and paged with a cursor that reaches every response exactly once.

What each response should show (status, language, questions answered, source) and what each
filter should keep is worked out here from the answers the test posted.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from survey.extensions import db
from tests.conftest import csrf_of, responses_in_order
from tests.results.test_translations import answer_id, post_page

#: Two respondents, one in each language, with open answers to search and contact details
#: that must never show.
RU = {
    "q1": "public",
    "q2": "yes",
    "q2_role": "Член правления",
    "q8": "Провели ФЕСТИВАЛЬ чтения вместе с мэрией.",
    "q14_libraries": "1",
    "q17_email": "irina@example.org",
}
EN = {"q1": "academic", "q2": "no", "q6": ["business"], "q7_business": "1", "q9": "Budget cuts"}
TERSE = {"q2": "yes"}


def questions_answered(answers: dict) -> int:
    """Questions answered, counted from form fields: follow-ups (q2_role, q5_budget) are
    questions of their own; q1_other belongs to q1, q7_business to q7, q17_email to q17."""
    codes = {
        field if field in ("q2_role", "q5_budget") else field.split("_")[0] for field in answers
    }
    return len(codes)


@pytest.fixture
def people(app, make_respondent, runner, member):
    """Submitted in Russian and English, one terse, one draft, one excluded, three of demo."""
    for lang, answers in (("ru", RU), ("en", EN), ("en", TERSE), ("en", TERSE)):
        make_respondent(lang).complete(answers)
    draft = make_respondent("ru")
    draft.start()
    draft.open(1)
    draft.answer(1, {"q1": "school"})
    assert runner.invoke(args=["seed-demo", "3", "--drafts", "0", "--seed", "2"]).exit_code == 0
    ids = responses_in_order(app)
    admin = member("admin")
    token = csrf_of(admin, f"/results/responses/{ids[3]}")
    excluded = admin.post(
        f"/results/responses/{ids[3]}/exclusion",
        data={"csrf_token": token, "action": "exclude", "reason": "A second test answer"},
    )
    assert excluded.status_code == 302
    return {
        "ru": ids[0],
        "en": ids[1],
        "terse": ids[2],
        "excluded": ids[3],
        "draft": ids[4],
        "demo": ids[5:],
        "admin": admin,
    }


@pytest.fixture
def api(app, make_user, make_token, client):
    with app.app_context():
        token = make_token(make_user("script@example.org", "viewer"))

    def get(query: str = "", status: int = 200) -> dict:
        response = client.get(
            f"/api/responses{query}", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == status, response.get_data(as_text=True)
        return response.get_json()

    return get


def listed(api, query: str = "") -> dict[str, dict]:
    """Every response the API lists for a query, by id (following every page)."""
    found: dict[str, dict] = {}
    after = ""
    while True:
        page = api(f"?limit=500{query}{after}")
        for row in page["responses"]:
            assert row["response_id"] not in found
            found[row["response_id"]] = row
        if page["next"] is None:
            return found
        after = f"&after={page['next']}"


def test_every_response_is_listed_with_status_language_answered_and_source(people, api):
    rows = listed(api)
    assert set(rows) == {
        people["ru"],
        people["en"],
        people["terse"],
        people["excluded"],
        people["draft"],
        *people["demo"],
    }
    ru = rows[people["ru"]]
    assert (ru["status"], ru["language"], ru["source"]) == ("submitted", "ru", "web")
    assert ru["answered"] == questions_answered(RU)
    assert rows[people["en"]]["answered"] == questions_answered(EN)
    assert rows[people["draft"]]["status"] == "draft"
    assert rows[people["draft"]]["submitted_at"] is None
    assert rows[people["draft"]]["answered"] == 1
    excluded = rows[people["excluded"]]
    assert (excluded["status"], excluded["excluded_reason"]) == ("excluded", "A second test answer")
    assert {rows[uuid]["source"] for uuid in people["demo"]} == {"demo"}
    for row in rows.values():
        assert set(row) == {
            "response_id",
            "language",
            "status",
            "started_at",
            "submitted_at",
            "answered",
            "source",
            "excluded_reason",
        }
        assert datetime.strptime(row["started_at"], "%Y-%m-%dT%H:%M:%SZ")


def test_the_list_is_filtered_like_the_dashboard_and_by_status_and_source(people, api):
    everyone = listed(api)
    assert set(listed(api, "&lang=ru")) == {
        u for u, row in everyone.items() if row["language"] == "ru"
    }
    members = set(listed(api, "&q2=yes&status=submitted"))
    assert {people["ru"], people["terse"]} <= members
    assert people["en"] not in members and people["excluded"] not in members
    assert set(listed(api, "&status=excluded")) == {people["excluded"]}
    assert set(listed(api, "&status=draft")) == {people["draft"]}
    assert set(listed(api, "&source=demo")) == set(people["demo"])
    assert set(listed(api, "&q1=academic&status=submitted")) == {people["en"]} | {
        u for u in people["demo"] if u in set(listed(api, "&q1=academic"))
    }


def test_a_search_finds_open_answers_in_any_case_and_script(app, people, api, member):
    assert set(listed(api, "&q=фестиваль")) == {people["ru"]}
    assert set(listed(api, "&q=BUDGET%20cuts")) == {people["en"]}
    assert listed(api, "&q=no%20such%20words") == {}
    # Contact details are no open answer: not searched.
    assert people["ru"] not in listed(api, "&q=irina")
    # A translation is searched too.
    analyst = member("analyst")
    answer = answer_id(app, "q8")
    saved = post_page(analyst, "/results/translations?to=en", {f"t-{answer}": "A reading festival"})
    assert saved.status_code == 302
    assert set(listed(api, "&q=reading%20festival")) == {people["ru"]}


@pytest.mark.parametrize(
    ("sort", "key", "descending"),
    [
        ("-started", "started_at", True),
        ("started", "started_at", False),
        ("-submitted", "submitted_at", True),
        ("submitted", "submitted_at", False),
    ],
)
def test_paging_reaches_every_response_once_in_order(app, runner, api, sort, key, descending):
    assert runner.invoke(args=["seed-demo", "61", "--drafts", "9", "--seed", "5"]).exit_code == 0
    with app.app_context():
        stored = db.session.execute(text(f"SELECT uuid, {key}, id FROM responses")).all()  # noqa: S608
    # Worked out here: by time then id; drafts (no submission time) after all the others.
    dated = sorted((r for r in stored if r[1] is not None), key=lambda r: (r[1], r[2]))
    undated = sorted((r for r in stored if r[1] is None), key=lambda r: r[2])
    if descending:
        dated.reverse()
        undated.reverse()
    expected = [r[0] for r in dated + undated]

    seen, after, pages = [], "", 0
    while True:
        page = api(f"?sort={sort}&limit=8{after}")
        seen += [row["response_id"] for row in page["responses"]]
        pages += 1
        if page["next"] is None:
            break
        after = f"&after={page['next']}"
    assert seen == expected
    assert pages == -(-len(expected) // 8)


def test_a_cursor_only_works_for_its_own_order_and_bad_arguments_are_400(people, api):
    page = api("?limit=2")
    assert page["next"]
    message = api(f"?sort=started&after={page['next']}", status=400)["message"]
    assert "out of date" in message
    for query in (
        "?after=garbage",
        "?status=deleted",
        "?source=paper",
        "?limit=0",
        "?limit=501",
        "?sort=answered",
        "?q=",
        "?q=%20%20",
        "?q=a%01b",
        "?lang=de",
        "?q2=maybe",
        "?status=draft&status=submitted",
    ):
        assert api(query, status=400)["error"] == "bad_request", query


def test_the_page_lists_responses_and_a_viewer_can_change_nothing(people, member):
    viewer = member("viewer")
    page = viewer.get("/results/responses")
    body = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 200
    for uuid in (people["ru"], people["draft"], people["excluded"]):
        assert f'data-response="{uuid}"' in body
        assert f"/results/responses/{uuid}" in body
    assert "A second test answer" in body
    assert 'name="id"' not in body and "data-bulk-exclude" not in body
    # Contact details never show in the list.
    assert "irina@example.org" not in body
    assert "irina@example.org" not in viewer.get("/results/responses?q=festival").get_data(
        as_text=True
    )


def test_the_page_pages_through_with_the_filters_kept(people, runner, member):
    assert runner.invoke(args=["seed-demo", "70", "--drafts", "0", "--seed", "8"]).exit_code == 0
    admin = people["admin"]
    first = html.unescape(admin.get("/results/responses?source=demo").get_data(as_text=True))
    assert 'data-total="73"' in first
    assert first.count('data-response="') == 50
    link = first.split("data-next-page")[0].rsplit('href="', 1)[1].split('"')[0]
    assert "source=demo" in link and "after=" in link
    second = html.unescape(admin.get(link).get_data(as_text=True))
    assert second.count('data-response="') == 23
    assert "data-next-page" not in second
    # An admin selects submitted ones to exclude; drafts and excluded ones have no checkbox.
    assert first.count('name="id"') == 50


def test_an_unknown_filter_is_reported_on_the_page(people, member):
    page = member("viewer").get("/results/responses?q3=XX")
    assert page.status_code == 400
    assert "data-filter-error" in page.get_data(as_text=True)


def test_every_time_is_utc_in_the_api(people, api):
    rows = listed(api)
    started = datetime.strptime(rows[people["ru"]]["started_at"], "%Y-%m-%dT%H:%M:%SZ")
    assert abs((datetime.now(UTC).replace(tzinfo=None) - started).total_seconds()) < 300


def test_excluding_the_filtered_ones_is_offered_only_where_submitted_ones_are_listed(people):
    admin = people["admin"]
    for query in ("?q2=yes", "?status=submitted&lang=ru"):
        assert "data-bulk-exclude" in admin.get(f"/results/responses{query}").get_data(
            as_text=True
        ), query
    for query in ("?status=excluded", "?status=draft&lang=ru"):
        assert "data-bulk-exclude" not in admin.get(f"/results/responses{query}").get_data(
            as_text=True
        ), query


def test_the_counts_per_status_read_as_counts_in_russian(people):
    admin = people["admin"]
    admin.get("/locale/ru")
    page = html.unescape(admin.get("/results/responses").get_data(as_text=True))
    # Four of ours and three of demo submitted, one excluded, one draft.
    assert "Отправлены: <strong>6</strong>" in page
    assert "Заполняются: <strong>1</strong>" in page
    assert "Исключены: <strong>1</strong>" in page
