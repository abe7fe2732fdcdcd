"""Live results come from counters that take in new submissions when the results are read,
and match a full count.

Respondents answer through the web form; every request is read twice through the API (and
the dashboard): from the counters (`RESULT_COUNTS`, the default) and counted from the answers
(`RESULT_COUNTS = False`). Both must give exactly the same body, and the first must really
have been served from the counters. Then the counters are kept right through more
submissions, a replayed submit, readers racing to count, `import-csv`, `seed-demo`, a response
submitted or marked counted behind their back, a wiped table and `rebuild-result-counts`, and
the migrations fill them like a rebuild does.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import threading

import pytest
from sqlalchemy import inspect, select, text

from survey.aggregation import by_response, from_answers
from survey.extensions import db
from survey.models import DRAFT, ResultCount
from survey.questionnaire.library_advocacy import PAGES
from survey.responses import Draft, submit_response
from tests.conftest import AuthActions
from tests.results.test_aggregation_api import add_drafts, assert_matches, people, submit_all

#: Requests the counters serve (one option filter at most, comparisons without one).
SERVED = [
    "",
    "?lang=ru",
    "?q2=yes",
    "?q6=government",
    "?q3=RU",
    "?lang=ru&q1=public",
    "?compare=q2",
    "?compare=lang",
    "?compare=q1",
    "?lang=ru&compare=q1",
    "?compare=lang&q2=yes",
    "?compare=lang&lang=en&q6=other",
    "?compare=q3&locale=ru",
]
#: Requests they cannot serve: counted from the results' rows (one per response).
NOT_SERVED = [
    "?q2=yes&q6=government",
    "?q6=government&q6=business",
    "?q14=libraries",
    "?compare=q1&q2=yes",
]
PREVIOUS_REVISION = "b7c1e2d3a4f5"
#: The last revision whose submissions counted themselves.
COUNTING_AT_SUBMISSION = "c3d9e8f1a2b4"
CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+"')


@pytest.fixture
def results(app, client, viewer_token, monkeypatch):
    """`results.agree(*queries)`: the counters (or the results' rows) and a full count give
    the same bodies."""
    app.config["RESULTS_CACHE_SIZE"] = 0
    full_counts, from_rows = [], []
    count_from_answers = from_answers.count_from_answers
    count_from_rows = by_response.count

    def spy(filters, segment, recoded=False):
        full_counts.append((filters, segment))
        return count_from_answers(filters, segment, recoded)

    def rows_spy(found, filters, segment):
        from_rows.append((filters, segment))
        return count_from_rows(found, filters, segment)

    monkeypatch.setattr(from_answers, "count_from_answers", spy)
    monkeypatch.setattr(by_response, "count", rows_spy)
    headers = {"Authorization": f"Bearer {viewer_token}"}

    class Results:
        def get(self, query: str = "", counters: bool = True, path: str = "/api/results"):
            app.config["RESULT_COUNTS"] = counters
            response = client.get(f"{path}{query}", headers=headers)
            assert response.status_code == 200, response.get_data(as_text=True)
            return response

        def agree(self, *queries: str, served: bool = True) -> dict[str, dict]:
            """`served`: by the counters; otherwise by the results' rows."""
            bodies = {}
            for query in queries:
                full_counts.clear()
                from_rows.clear()
                from_counters = self.get(query).get_json()
                assert full_counts == [], f"{query} was counted from the answers"
                if served:
                    assert from_rows == [], f"{query} was not served from the counters"
                else:
                    assert from_rows, f"{query} should be counted from the results' rows"
                assert from_counters == self.get(query, counters=False).get_json(), query
                assert full_counts, f"{query}: RESULT_COUNTS = False counts from the answers"
                bodies[query] = from_counters
            return bodies

        @property
        def counted_from_answers(self) -> bool:
            return bool(full_counts)

    return Results()


def counters(app) -> set[tuple]:
    with app.app_context():
        rows = db.session.execute(select(ResultCount.__table__)).all()
        return {tuple(row) for row in rows}


def answer_count(app) -> int:
    with app.app_context():
        return db.session.execute(text("SELECT count(*) FROM answers")).scalar_one()


def rebuild(runner):
    result = runner.invoke(args=["rebuild-result-counts"])
    assert result.exit_code == 0, result.output
    return result.output


# --------------------------------------------------------------------------- same results


def test_counters_give_exactly_the_results_of_a_full_count(make_respondent, results):
    crowd = people(n=40, seed=21)
    submit_all(make_respondent, crowd)
    add_drafts(make_respondent)

    bodies = results.agree(*SERVED)
    # And both agree with counts made here from the posted answers.
    assert_matches(bodies[""], crowd)
    assert_matches(bodies["?lang=ru"], [(lang, a) for lang, a in crowd if lang == "ru"])
    assert_matches(
        bodies["?q6=government"], [p for p in crowd if "government" in p[1].get("q6", [])]
    )
    assert bodies[""]["in_progress"] == 2
    # The draft that saved q2 = yes is in progress in that cell, not counted.
    assert bodies["?q2=yes"]["in_progress"] == 1
    assert [s["value"] for s in bodies["?compare=lang"]["segments"]] == ["en", "ru"]
    results.agree(*NOT_SERVED, served=False)


def test_the_dashboard_is_the_same_from_the_counters(app, make_respondent, results):
    submit_all(make_respondent, people(n=24, seed=5))
    add_drafts(make_respondent)
    browser = app.test_client()
    assert AuthActions(browser).login().status_code == 302
    for query in ["", "?q2=yes", "?compare=q2", "?lang=ru&compare=q1"]:
        pages = []
        for counters in (True, False):
            app.config["RESULT_COUNTS"] = counters
            response = browser.get(f"/results/{query}")
            assert response.status_code == 200
            pages.append(CSRF_VALUE.sub(r"\1", response.get_data(as_text=True)))
        assert pages[0] == pages[1], query
        assert "data-" in pages[0]


def test_what_only_drafts_answered_is_not_in_the_results(make_respondent, results):
    make_respondent("en").complete({"q3": "US", "q6": ["business"]})
    draft = make_respondent("ru")
    draft.start()
    draft.open(1)
    assert draft.answer(1, {"q1": "school", "q3": "KZ"}).status_code == 302

    body = results.agree("")[""]
    assert [(o["code"], o["count"]) for o in body["questions"]["q3"]["options"]] == [("US", 1)]
    assert body["questions"]["q1"]["options"][4] == {
        "code": "school",
        "label": "School library",
        "count": 0,
        "percent": 0.0,
    }
    # Compared by country, the draft's country is a segment with nobody submitted in it.
    segments = results.agree("?compare=q3")["?compare=q3"]["segments"]
    assert [(s["value"], s["total"], s["in_progress"]) for s in segments] == [
        ("US", 1, 0),
        ("KZ", 0, 1),
    ]


# --------------------------------------------------------------------------- kept up to date


def test_counts_stay_right_as_more_responses_are_submitted(make_respondent, results):
    crowd = people(n=12, seed=7)
    submit_all(make_respondent, crowd[:6])
    results.agree("", "?compare=lang", "?q2=no")
    submit_all(make_respondent, crowd[6:])
    bodies = results.agree("", "?compare=lang", "?q2=no", "?compare=q1")
    assert bodies[""]["total"] == len(crowd)


def test_a_submission_is_counted_by_the_next_reader_of_the_results(app, make_respondent, results):
    """Submitting only marks the response; whoever reads the results next counts it."""
    make_respondent("en").complete({"q1": "public", "q2": "yes"})
    assert counters(app) == set(), "the respondent's submit did no counting"
    assert results.agree("?q2=yes")["?q2=yes"]["total"] == 1
    kept = counters(app)
    assert kept
    make_respondent("ru").complete({"q1": "academic", "q2": "no"})
    assert counters(app) == kept
    body = results.agree("", "?compare=lang")[""]
    assert body["total"] == 2
    assert counters(app) != kept


def test_a_replayed_submit_is_counted_once(app, make_respondent, results):
    person = make_respondent("ru")
    answers = {"q1": "public", "q2": "yes", "q6": ["government", "other"], "q6_other": "Музей"}
    person.complete(answers)
    results.agree("")
    before = counters(app)
    # The same final POST again (a double click, a browser replaying it).
    replay = person.answer(len(PAGES), {"q16": ["mou"]}, action="submit")
    assert replay.status_code == 302
    body = results.agree("", "?q2=yes")[""]
    assert counters(app) == before
    assert body["total"] == 1
    assert body["questions"]["q6"]["other_count"] == 1


def test_a_draft_submitted_twice_is_counted_once(app, make_respondent, results):
    """Two requests racing to submit one draft: only the one whose UPDATE submits counts it."""
    person = make_respondent("en")
    person.start()
    person.open(1)
    assert person.answer(1, {"q1": "academic", "q2": "no"}).status_code == 302
    with app.app_context():
        draft_id = db.session.execute(text("SELECT id FROM responses")).scalar_one()
        first, second = (Draft(id=draft_id, status=DRAFT, language="en", last_page=1) for _ in "12")
        assert submit_response(first) is True
        assert submit_response(second) is False
        db.session.commit()
    body = results.agree("", "?q1=academic")["?q1=academic"]
    assert body["total"] == 1
    assert [o["count"] for o in body["questions"]["q2"]["options"]] == [0, 1]


def test_readers_counting_at_the_same_moment_count_each_response_once(
    app, make_respondent, runner, viewer_token
):
    """Several working-group members open the results right after a burst of submissions."""
    app.config["RESULTS_CACHE_SIZE"] = 0
    crowd = people(n=12, seed=5)
    submit_all(make_respondent, crowd)
    start = threading.Barrier(4)
    totals, failures = [], []

    def read_results() -> None:
        client = app.test_client()
        start.wait()
        response = client.get("/api/results", headers={"Authorization": f"Bearer {viewer_token}"})
        if response.status_code != 200:
            failures.append(response.get_data(as_text=True))
        else:
            totals.append(response.get_json()["total"])

    readers = [threading.Thread(target=read_results) for _ in range(4)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    assert failures == []
    assert totals == [len(crowd)] * 4
    counted_by_readers = counters(app)
    rebuild(runner)
    assert counters(app) == counted_by_readers


def imported_copy(runner, tmp_path) -> bytes:
    """The wide CSV export with its response ids removed: the same answers, new responses."""
    exported = tmp_path / "export.csv"
    result = runner.invoke(args=["export", "responses.csv", "--out", str(exported)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(exported.read_text(encoding="utf-8"), newline="")))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({**row, "response_id": ""} for row in rows)
    return buffer.getvalue().encode("utf-8")


def test_imported_responses_are_counted(make_respondent, runner, results, tmp_path):
    crowd = people(n=10, seed=3)
    submit_all(make_respondent, crowd)
    source = tmp_path / "copy.csv"
    source.write_bytes(imported_copy(runner, tmp_path))

    dry_run = runner.invoke(args=["import-csv", str(source), "--dry-run"])
    assert dry_run.exit_code == 0, dry_run.output
    results.agree("")
    result = runner.invoke(args=["import-csv", str(source)])
    assert result.exit_code == 0, result.output
    assert f"Imported {len(crowd)} responses" in result.output

    bodies = results.agree("", "?lang=ru", "?q2=yes", "?compare=q1", "?compare=lang&q2=yes")
    assert bodies[""]["total"] == 2 * len(crowd)


def test_seeded_demo_responses_are_counted(runner, make_respondent, results):
    make_respondent("en").complete({"q1": "public"})
    result = runner.invoke(args=["seed-demo", "120", "--drafts", "6"])
    assert result.exit_code == 0, result.output
    results.agree("", "?q2=yes", "?q3=EG", "?compare=q2", "?lang=ru&compare=q1", "?compare=q4")
    # Seeding again adds to what is there.
    assert runner.invoke(args=["seed-demo", "30", "--seed", "7"]).exit_code == 0
    body = results.agree("", "?compare=lang")[""]
    assert (body["total"], body["in_progress"]) == (151, 7)


# --------------------------------------------------------------------------- out of step


def test_a_response_submitted_behind_the_counters_back_is_counted_at_the_next_read(
    app, make_respondent, results
):
    crowd = people(n=5, seed=4)
    submit_all(make_respondent, crowd)
    results.agree("")
    make_respondent("ru").start()
    with app.app_context():
        # Some other path (a database console) submits the draft.
        db.session.execute(text("UPDATE responses SET status = 'submitted' WHERE status = 'draft'"))
        db.session.commit()
    body = results.agree("", "?compare=lang")[""]
    assert (body["total"], body["in_progress"]) == (len(crowd) + 1, 0)


def test_a_response_the_counters_missed_is_never_shown_wrong(app, make_respondent, results, caplog):
    crowd = people(n=8, seed=2)
    submit_all(make_respondent, crowd)
    results.agree("")
    make_respondent("ru").start()
    with app.app_context():
        # Some other path submits the draft and marks it counted without counting it.
        db.session.execute(
            text("UPDATE responses SET status = 'submitted', counted = TRUE WHERE status = 'draft'")
        )
        db.session.commit()

    with caplog.at_level(logging.WARNING, logger="survey.aggregation.counters"):
        by_language = results.get("?compare=lang").get_json()
        assert results.counted_from_answers
        members = results.get("?q2=yes").get_json()
    assert by_language["segments"][1]["total"] == 1 + sum(1 for lang, _ in crowd if lang == "ru")
    assert by_language == results.get("?compare=lang", counters=False).get_json()
    assert members == results.get("?q2=yes", counters=False).get_json()
    warnings = [record for record in caplog.records if record.name == "survey.aggregation.counters"]
    assert len(warnings) == 1, "the mismatch is logged once"
    assert "rebuild-result-counts" in warnings[0].getMessage()


def test_rebuild_restores_the_counters_after_they_were_emptied(
    app, make_respondent, runner, results, caplog
):
    crowd = people(n=16, seed=8)
    submit_all(make_respondent, crowd)
    add_drafts(make_respondent)
    results.agree("")
    kept = counters(app)
    assert kept
    with app.app_context():
        db.session.execute(text("DELETE FROM result_counts"))
        db.session.commit()

    with caplog.at_level(logging.WARNING, logger="survey.aggregation.counters"):
        wiped = results.get("?compare=q2").get_json()
    assert results.counted_from_answers
    assert "0 responses" in caplog.text

    output = rebuild(runner)
    assert f"from {len(crowd)} submitted responses" in output
    assert counters(app) == kept
    assert results.agree("?compare=q2")["?compare=q2"] == wiped
    results.agree(*SERVED)

    # A rebuild of a rebuilt table changes nothing; one of an empty survey leaves it empty.
    rebuild(runner)
    assert counters(app) == kept


def test_rebuild_of_an_empty_survey(app, runner):
    assert "from 0 submitted responses" in rebuild(runner)
    assert counters(app) == set()


def test_the_migration_fills_the_counters_from_the_existing_responses(
    app, runner, make_respondent, results
):
    submit_all(make_respondent, people(n=6, seed=1))
    assert runner.invoke(args=["seed-demo", "40", "--drafts", "3"]).exit_code == 0
    kept = counters(app)
    downgraded = runner.invoke(args=["db", "downgrade", PREVIOUS_REVISION])
    try:
        assert downgraded.exit_code == 0, downgraded.output
        with app.app_context():
            assert not inspect(db.engine).has_table("result_counts")
    finally:
        upgraded = runner.invoke(args=["db", "upgrade"])
        assert upgraded.exit_code == 0, upgraded.output
    assert counters(app) == kept
    results.agree("", "?compare=q1")


def test_upgrading_from_counting_at_submission_keeps_the_counters(
    app, runner, make_respondent, results
):
    """Before `responses.counted`, every submission was counted at once: none is counted twice."""
    submit_all(make_respondent, people(n=6, seed=9))
    add_drafts(make_respondent)
    results.agree("")
    kept = counters(app)
    answers = answer_count(app)
    downgraded = runner.invoke(args=["db", "downgrade", COUNTING_AT_SUBMISSION])
    try:
        assert downgraded.exit_code == 0, downgraded.output
        with app.app_context():
            columns = {c["name"] for c in inspect(db.engine).get_columns("responses")}
        assert "counted" not in columns
        assert answer_count(app) == answers, "going back a revision loses no answer"
    finally:
        upgraded = runner.invoke(args=["db", "upgrade"])
        assert upgraded.exit_code == 0, upgraded.output
    results.agree("", "?compare=q1", "?q2=yes")
    assert counters(app) == kept


def test_counting_a_response_keeps_its_last_saved_time(app, make_respondent, results):
    make_respondent("en").complete({"q1": "public"})
    with app.app_context():
        saved = db.session.execute(text("SELECT updated_at FROM responses")).scalar_one()
    results.agree("")
    with app.app_context():
        row = db.session.execute(text("SELECT updated_at, counted FROM responses")).one()
    assert row == (saved, True)


def test_hundreds_of_submissions_waiting_are_counted_in_one_read(app, runner, results):
    """A dashboard opened after a busy day without readers: 600 submissions to take in."""
    assert runner.invoke(args=["seed-demo", "600", "--drafts", "4"]).exit_code == 0
    with app.app_context():
        # As if they had been submitted through the form since the last read.
        db.session.execute(text("DELETE FROM result_counts"))
        db.session.execute(text("UPDATE responses SET counted = FALSE"))
        db.session.commit()
    bodies = results.agree("", "?compare=lang", "?q6=government", "?compare=q4")
    assert (bodies[""]["total"], bodies[""]["in_progress"]) == (600, 4)
    kept = counters(app)
    rebuild(runner)
    assert counters(app) == kept
