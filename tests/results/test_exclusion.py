"""An admin excludes test answers, duplicates and spam from the figures, and restores them.

Respondents answer through the web form; an admin excludes responses in the browser (one on
its page, many by a filter or by ids after a confirmation that says how many). Then every
figure must be exactly that of the responses left, counted here from the answers the test
posted: the dashboard, /api/results read from the live counters and counted from the answers
(`RESULT_COUNTS=False`), the chi-square tests, /api/version, and every export. Nothing is
deleted: restoring brings every figure back, and every step is in the audit log.
"""

from __future__ import annotations

import csv
import io
import re

import pandas as pd
import pyreadstat
import pytest
from openpyxl import load_workbook
from scipy.stats import chi2_contingency
from sqlalchemy import select

from survey.extensions import db
from survey.models import AccessLog, ResultCount
from tests.conftest import csrf_of, responses_in_order
from tests.exports.conftest import download
from tests.results.test_aggregation_api import add_drafts, assert_matches, people, submit_all

EXPORTS = ("responses.csv", "answers.csv", "coded_answers.csv", "responses.xlsx", "responses.sav")


@pytest.fixture
def crowd(app, client, make_respondent, make_user, make_token):
    """Respondents who submitted (with their public ids, in order), their q8 answers coded,
    and two drafts."""
    people_ = people(n=24, seed=21)
    submit_all(make_respondent, people_)
    uuids = responses_in_order(app)
    add_drafts(make_respondent)
    code_every_q8_answer(client, app, make_user, make_token)
    return list(zip(uuids, people_, strict=True))


@pytest.fixture
def admin(member):
    return member("admin")


@pytest.fixture
def read(app, member, make_user, make_token):
    """Reads everything that counts responses, as a viewer would (bearer token and browser)."""
    viewer = member("viewer")
    with app.app_context():
        token = make_token(make_user("script@example.org", "viewer"))
    headers = {"Authorization": f"Bearer {token}"}

    class Read:
        def results(self, query: str = "", counters: bool = True) -> dict:
            app.config["RESULT_COUNTS"] = counters
            response = viewer.get(f"/api/results{query}", headers=headers)
            assert response.status_code == 200, response.get_data(as_text=True)
            return response.get_json()

        def version(self) -> dict:
            return viewer.get("/api/version", headers=headers).get_json()

        def dashboard(self) -> str:
            app.config["RESULT_COUNTS"] = True
            return viewer.get("/results/").get_data(as_text=True)

        def export(self, name: str, query: str = "") -> set[str]:
            """The response ids in an export."""
            body = download(viewer, name, query.lstrip("?"), headers).data
            if name.endswith(".xlsx"):
                sheet = load_workbook(io.BytesIO(body), read_only=True)["responses"]
                return {row[0] for row in list(sheet.iter_rows(values_only=True))[1:]}
            if name.endswith(".sav"):
                return set(read_sav(body)["response_id"])
            rows = csv.DictReader(io.StringIO(body.decode("utf-8-sig")))
            return {row["response_id"] for row in rows}

    return Read()


def read_sav(body: bytes) -> pd.DataFrame:
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".sav") as handle:
        handle.write(body)
        handle.flush()
        frame, _meta = pyreadstat.read_sav(handle.name)
    return frame


def code_every_q8_answer(client, app, make_user, make_token) -> None:
    """An analyst codes every answer to q8 into one category (for coded_answers.csv)."""
    with app.app_context():
        token = make_token(make_user("coder@example.org", "analyst"))
    headers = {"Authorization": f"Bearer {token}"}
    made = client.post(
        "/api/coding/q8/categories", json={"name": {"en": "Events"}}, headers=headers
    )
    assert made.status_code == 201, made.get_data(as_text=True)
    code = made.get_json()["code"]
    listing = client.get("/api/coding/q8/answers?limit=500", headers=headers).get_json()
    for answer in listing["answers"]:
        put = client.put(
            f"/api/coding/q8/answers/{answer['response_id']}",
            json={"categories": [code]},
            headers=headers,
        )
        assert put.status_code == 200


def exclude_on_its_page(admin, uuid: str, reason: str):
    token = csrf_of(admin, f"/results/responses/{uuid}")
    return admin.post(
        f"/results/responses/{uuid}/exclusion",
        data={"csrf_token": token, "action": "exclude", "reason": reason},
    )


def restore_on_its_page(admin, uuid: str):
    token = csrf_of(admin, f"/results/responses/{uuid}")
    return admin.post(
        f"/results/responses/{uuid}/exclusion", data={"csrf_token": token, "action": "restore"}
    )


def counting(crowd, excluded: set[str]) -> list[tuple[str, dict]]:
    """The (language, answers) the figures must count: every submitted response left."""
    return [person for uuid, person in crowd if uuid not in excluded]


def submitted_ids(crowd, excluded: set[str]) -> set[str]:
    return {uuid for uuid, _person in crowd if uuid not in excluded}


def assert_every_figure_counts(read, crowd, excluded: set[str]) -> None:
    """Everything that counts responses counts exactly those not excluded."""
    kept = counting(crowd, excluded)
    for query, chosen in (
        ("", kept),
        ("?lang=ru", [(lang, a) for lang, a in kept if lang == "ru"]),
        ("?q2=yes", [(lang, a) for lang, a in kept if a.get("q2") == "yes"]),
        ("?q2=yes&q6=government", None),
    ):
        from_counters = read.results(query)
        assert from_counters == read.results(query, counters=False), query
        if chosen is not None:
            assert_matches(from_counters, chosen)
    # The chi-square test of q1 against q2, computed here from the responses left.
    table = contingency_q1_by_q2(kept)
    test = read.results("?compare=q2")["tests"]["q1"]
    assert test["chi2"] == pytest.approx(chi2_contingency(table).statistic, rel=1e-6, abs=1e-9)
    assert read.results("?compare=q2") == read.results("?compare=q2", counters=False)

    version = read.version()
    assert (version["total"], version["excluded"]) == (len(kept), len(excluded))
    html = read.dashboard()
    assert f'id="total-responses" data-total="{len(kept)}"' in html
    assert f'data-excluded="{len(excluded)}"' in html
    yes = sum(1 for _lang, a in kept if a.get("q2") == "yes")
    assert re.search(rf'data-question="q2" data-option="yes" data-count="{yes}"', html)

    expected = submitted_ids(crowd, excluded)
    for name in EXPORTS:
        found = read.export(name)
        if name == "coded_answers.csv":  # one row per coded answer: those who wrote a q8
            wrote = {uuid for uuid, (_lang, a) in crowd if a.get("q8")}
            assert found == expected & wrote, name
        elif name == "answers.csv":  # one row per answer: those who answered anything
            answered = {
                uuid for uuid, (_lang, a) in crowd if any(not k.startswith("q17") for k in a)
            }
            assert found == expected & answered, name
        else:
            assert found == expected, name


def contingency_q1_by_q2(kept) -> list[list[int]]:
    q1 = sorted({a["q1"] for _lang, a in kept if "q1" in a and "q2" in a})
    table = [
        [sum(1 for _l, a in kept if a.get("q2") == seg and a.get("q1") == opt) for opt in q1]
        for seg in ("no", "yes")
    ]
    table = [row for row in table if any(row)]
    keep = [i for i in range(len(q1)) if any(row[i] for row in table)]
    return [[row[i] for i in keep] for row in table]


def counters_without_zeros(app) -> set[tuple]:
    with app.app_context():
        rows = db.session.execute(select(ResultCount.__table__)).all()
        return {tuple(row) for row in rows if row.n}


# --------------------------------------------------------------------------- one response


def test_excluding_one_response_changes_every_figure_and_export_by_exactly_it(
    app, crowd, admin, read, runner
):
    assert_every_figure_counts(read, crowd, set())
    before = read.version()["version"]
    test_answer = crowd[3][0]

    excluded = exclude_on_its_page(admin, test_answer, "Test answer by the working group")
    assert excluded.status_code == 302
    page = admin.get(f"/results/responses/{test_answer}").get_data(as_text=True)
    assert "Test answer by the working group" in page
    assert 'data-status="excluded"' in page

    assert read.version()["version"] != before
    assert_every_figure_counts(read, crowd, {test_answer})
    # The live counters hold exactly what a recount from scratch would.
    live = counters_without_zeros(app)
    assert runner.invoke(args=["rebuild-result-counts"]).exit_code == 0
    assert counters_without_zeros(app) == live

    # Nothing was deleted: an export that asks for them has it, marked excluded.
    body = admin.get("/export/responses.csv?include_excluded=1").get_data(as_text=True)
    rows = {row["response_id"]: row for row in csv.DictReader(io.StringIO(body))}
    assert set(rows) == submitted_ids(crowd, set())
    assert rows[test_answer]["status"] == "excluded"
    assert {row["status"] for uuid, row in rows.items() if uuid != test_answer} == {"submitted"}

    assert restore_on_its_page(admin, test_answer).status_code == 302
    assert_every_figure_counts(read, crowd, set())

    with app.app_context():
        log = db.session.scalars(select(AccessLog).order_by(AccessLog.id)).all()
    entries = [(e.user_email, e.action, e.detail) for e in log if test_answer in e.detail]
    assert entries == [
        (
            "admin@example.org",
            "exclude_response",
            f"response {test_answer}; reason: Test answer by the working group",
        ),
        ("admin@example.org", "restore_response", f"response {test_answer}"),
    ]


def test_cached_results_are_never_served_after_an_exclusion(app, crowd, admin, read):
    app.config["RESULTS_CACHE_SIZE"] = 64
    total = read.results()["total"]
    assert read.results()["total"] == total  # now cached under the data version
    assert exclude_on_its_page(admin, crowd[0][0], "Duplicate").status_code == 302
    assert read.results()["total"] == total - 1


def test_a_response_not_counted_yet_is_excluded_without_touching_the_counters(
    app, crowd, admin, read, make_respondent
):
    read.results()  # every submission so far is in the counters
    answers = {"q1": "school", "q2": "yes"}
    make_respondent("ru").complete(answers)
    late_id = responses_in_order(app)[-1]
    # Excluded before any read of the results took it into the counters.
    assert exclude_on_its_page(admin, late_id, "Spam").status_code == 302
    assert_every_figure_counts(read, [*crowd, (late_id, ("ru", answers))], {late_id})


def test_the_respondent_of_an_excluded_response_is_not_told(app, admin, make_respondent):
    respondent = make_respondent("en")
    respondent.complete({"q1": "public"})
    uuid = responses_in_order(app)[-1]
    assert exclude_on_its_page(admin, uuid, "Test").status_code == 302
    thanks = respondent.client.get("/en/thanks")
    assert thanks.status_code == 200
    assert "Thank you for your answers" in thanks.get_data(as_text=True)
    # Their browser can still start a new response, as after any submission.
    assert respondent.client.get("/en/page/1").status_code == 302


def test_a_reason_is_required_and_what_was_typed_stays(crowd, admin):
    uuid = crowd[0][0]
    refused = exclude_on_its_page(admin, uuid, "   ")
    assert refused.status_code == 400
    assert "the reason is required" in refused.get_data(as_text=True)
    long = exclude_on_its_page(admin, uuid, "x" * 501)
    assert long.status_code == 400
    assert "x" * 501 in long.get_data(as_text=True)
    assert "500" in long.get_data(as_text=True)


def test_a_russian_admin_is_told_in_russian(crowd, member):
    admin = member("admin")
    admin.get("/locale/ru")
    refused = exclude_on_its_page(admin, crowd[0][0], "")
    assert "причину" in refused.get_data(as_text=True)


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_only_an_admin_excludes_or_restores(app, crowd, member, role):
    client = member(role)
    uuid = crowd[0][0]
    for action in ("exclude", "restore"):
        token = csrf_of(client, f"/results/responses/{uuid}")
        refused = client.post(
            f"/results/responses/{uuid}/exclusion",
            data={"csrf_token": token, "action": action, "reason": "Test"},
        )
        assert refused.status_code == 403
    token = csrf_of(client, "/results/responses")
    bulk = client.post(
        "/results/responses/exclude",
        data={"csrf_token": token, "id": uuid, "reason": "x", "confirm": "1", "expected": "1"},
    )
    assert bulk.status_code == 403
    assert client.get("/results/responses/exclude").status_code == 403
    page = client.get(f"/results/responses/{uuid}").get_data(as_text=True)
    assert "Exclude this response" not in page
    assert responses_in_order(app)  # nothing happened to them
    with app.app_context():
        assert (
            db.session.scalar(select(AccessLog).where(AccessLog.action == "exclude_response"))
            is None
        )


def test_an_exclusion_without_its_csrf_token_is_refused(crowd, admin):
    uuid = crowd[0][0]
    refused = admin.post(
        f"/results/responses/{uuid}/exclusion", data={"action": "exclude", "reason": "Test"}
    )
    assert refused.status_code == 400
    assert 'data-status="submitted"' in admin.get(f"/results/responses/{uuid}").get_data(
        as_text=True
    )


# --------------------------------------------------------------------------- many responses


def test_an_admin_excludes_every_response_matching_a_filter_after_a_confirmation(
    crowd, admin, read
):
    russian = {uuid for uuid, (lang, _a) in crowd if lang == "ru"}
    assert russian  # the crowd has Russian respondents
    confirm = admin.get("/results/responses/exclude?lang=ru")
    html = confirm.get_data(as_text=True)
    assert f'data-confirm-count="{len(russian)}"' in html

    token = csrf_of(admin, "/results/responses/exclude?lang=ru")
    done = admin.post(
        "/results/responses/exclude",
        data={
            "csrf_token": token,
            "lang": "ru",
            "reason": "Answered in the other system as well",
            "expected": str(len(russian)),
            "confirm": "1",
        },
    )
    assert done.status_code == 302
    assert_every_figure_counts(read, crowd, russian)


def test_a_confirmation_made_for_another_count_excludes_nothing(crowd, admin, read):
    token = csrf_of(admin, "/results/responses/exclude?q2=yes")
    stale = admin.post(
        "/results/responses/exclude",
        data={"csrf_token": token, "q2": "yes", "reason": "x", "expected": "1", "confirm": "1"},
    )
    assert stale.status_code == 400
    assert "changed meanwhile" in stale.get_data(as_text=True)
    assert read.version()["excluded"] == 0


def test_an_admin_excludes_a_list_of_ids(crowd, admin, read):
    chosen = [crowd[1][0], crowd[5][0]]
    token = csrf_of(admin, "/results/responses/exclude")
    pasted = "\n".join([*chosen, "not-a-response"])
    check = admin.post(
        "/results/responses/exclude", data={"csrf_token": token, "ids": pasted, "by": "ids"}
    )
    html = check.get_data(as_text=True)
    assert 'data-confirm-count="2"' in html
    assert "not-a-response" in html  # the unknown id is named
    done = admin.post(
        "/results/responses/exclude",
        data={
            "csrf_token": token,
            "ids": pasted,
            "by": "ids",
            "reason": "Duplicates",
            "expected": "2",
            "confirm": "1",
        },
    )
    assert done.status_code == 302
    assert_every_figure_counts(read, crowd, set(chosen))
