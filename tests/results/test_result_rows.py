"""Requests the live counters cannot serve come from the results' rows (one per response), and
give exactly the figures of a full count from the answers.

Respondents answer through the web form; a script reads the results with a viewer's token
twice: as served (several filters, ranked items, coded categories, comparisons with filters,
figures as recoded with them: from the rows; figures as recoded without: from the live counters
plus what recoding changes) and with `RESULT_COUNTS = False` (counted from the answers).
Both bodies must be equal, some are also checked against figures counted here from the posted
answers, and the rows must really have served them (the date filters and the timeline too).
Then the rows are kept right through more submissions, `import-csv`, `seed-demo`, coding,
recoding, an admin's exclusion and restoring, a response taken out of the submitted ones by
hand, a deleted response, answers the questionnaire does not know, and a survey too large to
build them on the fly until `rebuild-result-counts`.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, text

from survey.aggregation import by_response, from_answers
from survey.extensions import db
from tests.conftest import responses_in_order
from tests.results.test_aggregation_api import add_drafts, assert_matches, people, submit_all
from tests.results.test_coding import (
    ANSWERS as Q9_ANSWERS,
)
from tests.results.test_coding import (
    CATEGORIES,
    answer_ids,
    code_through_the_page,
    create,
)
from tests.results.test_exclusion import exclude_on_its_page, restore_on_its_page
from tests.results.test_result_counts import imported_copy, rebuild

#: Requests served from the rows: any filters, ranked items, comparisons with filters.
FROM_ROWS = [
    "?q2=yes&q6=government",
    "?q6=government&q6=business",
    "?lang=ru&q1=public,academic&q5=no",
    "?q14=libraries",
    "?q14=libraries,other&q7=government",
    "?q3=US,RU&q16=mou",
    "?compare=q1&q2=yes",
    "?compare=q3&q6=other",
    "?compare=lang&q2=no&q14=business",
    "?compare=q2&lang=ru&q4=5k,na",
    "?compare=q12&q7=libraries&locale=ru",
    "?recoded=1&compare=q2&q6=other",
]
#: Figures as recoded that the live counters serve (as given, plus what recoding changes).
RECODED_FROM_COUNTERS = ["?recoded=1", "?recoded=1&q2=yes", "?recoded=1&compare=q2"]
CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+"')


@pytest.fixture
def results(app, client, viewer_token, monkeypatch):
    """`results.agree(*queries)`: the rows and a full count from the answers give the same
    bodies; `results.served_from_rows` says whether the last request used the rows."""
    app.config["RESULTS_CACHE_SIZE"] = 0
    from_rows = []
    count_from_rows = by_response.count

    def spy(found, filters, segment):
        from_rows.append((filters, segment))
        return count_from_rows(found, filters, segment)

    monkeypatch.setattr(by_response, "count", spy)
    headers = {"Authorization": f"Bearer {viewer_token}"}

    class Results:
        def get(self, query: str = "", live: bool = True) -> dict:
            app.config["RESULT_COUNTS"] = live
            from_rows.clear()
            response = client.get(f"/api/results{query}", headers=headers)
            assert response.status_code == 200, response.get_data(as_text=True)
            return response.get_json()

        @property
        def served_from_rows(self) -> bool:
            return bool(from_rows)

        def agree(self, *queries: str, from_rows: bool = True) -> dict[str, dict]:
            """The bodies as served equal a full count; `from_rows`: and the rows served
            them (else the live counters did)."""
            bodies = {}
            for query in queries:
                served = self.get(query)
                assert self.served_from_rows == from_rows, f"{query}: served from the rows?"
                assert served == self.get(query, live=False), query
                assert not self.served_from_rows
                bodies[query] = served
            return bodies

    return Results()


def wanted(crowd, **chosen) -> list[tuple[str, dict]]:
    """The respondents whose answers contain every (question, one of the options) given."""

    def chose(answers: dict, code: str, options: tuple[str, ...]) -> bool:
        given = answers.get(code, [])
        return bool(set(given if isinstance(given, list) else [given]) & set(options))

    return [p for p in crowd if all(chose(p[1], code, o) for code, o in chosen.items())]


def ranked(crowd, code: str, item: str) -> list[tuple[str, dict]]:
    return [p for p in crowd if p[1].get(f"{code}_{item}", "na") != "na"]


# --------------------------------------------------------------------------- same results


def test_any_filters_and_comparisons_give_the_figures_of_a_full_count(make_respondent, results):
    crowd = people(n=60, seed=15)
    submit_all(make_respondent, crowd)
    add_drafts(make_respondent)

    bodies = results.agree(*FROM_ROWS)
    bodies |= results.agree(*RECODED_FROM_COUNTERS, from_rows=False)
    # And they are the figures counted here from what was posted.
    members = wanted(crowd, q2=("yes",), q6=("government",))
    assert_matches(bodies["?q2=yes&q6=government"], members)
    assert_matches(
        bodies["?q6=government&q6=business"], wanted(crowd, q6=("government", "business"))
    )
    russians = [p for p in crowd if p[0] == "ru"]
    assert_matches(
        bodies["?lang=ru&q1=public,academic&q5=no"],
        wanted(russians, q1=("public", "academic"), q5=("no",)),
    )
    assert_matches(bodies["?q14=libraries"], ranked(crowd, "q14", "libraries"))
    segments = {s["value"]: s for s in bodies["?compare=q1&q2=yes"]["segments"]}
    for option, segment in segments.items():
        assert_matches(segment, wanted(crowd, q1=(option,), q2=("yes",)))
    # The draft that saved q2 = yes (q1 = public) is in progress in its segment.
    assert segments["public"]["in_progress"] == 1
    assert bodies["?recoded=1"]["figures"] == "recoded"


def test_submission_days_come_from_the_rows_and_one_option_segments_from_the_answers(
    app, runner, make_respondent, results, monkeypatch
):
    """The rows hold each response's submission day (UTC): the date filters and the timeline
    are served from them, with the figures of a full count. A segment by one option
    (`q6.government`) is not in the rows: counted from the answers."""
    crowd = people(n=30, seed=16)
    submit_all(make_respondent, crowd)
    today = datetime.now(UTC).date()
    since_today = f"?submitted_from={today}&q2=yes"
    until_yesterday = f"?submitted_to={today - timedelta(days=1)}"
    results.agree(since_today, until_yesterday)
    assert_matches(results.get(since_today), wanted(crowd, q2=("yes",)))
    assert results.get(until_yesterday)["total"] == 0

    # Sixty more, submitted over the last sixty days.
    assert runner.invoke(args=["seed-demo", "60", "--drafts", "3"]).exit_code == 0
    middle = today - timedelta(days=30)
    everyone = results.get()["total"]
    bodies = results.agree(
        f"?submitted_to={middle}",
        f"?submitted_from={middle}&q2=yes",
        f"?submitted_from={middle - timedelta(days=10)}&submitted_to={middle}&compare=q1",
    )
    for query, body in bodies.items():
        total = body.get("total", sum(s["total"] for s in body.get("segments", [])))
        assert 0 < total < everyone, query

    # The timeline, as the dashboard draws it, from the rows and from the responses.
    from tests.conftest import AuthActions

    browser = app.test_client()
    assert AuthActions(browser).login().status_code == 302
    per_day = by_response.submissions_per_day
    from_rows = []
    monkeypatch.setattr(
        by_response,
        "submissions_per_day",
        lambda found, filters: from_rows.append(filters) or per_day(found, filters),
    )
    for query in ("", "?q2=yes&q6=government", f"?submitted_from={middle}&lang=en"):
        charts = []
        for live in (True, False):
            app.config["RESULT_COUNTS"] = live
            from_rows.clear()
            chart = browser.get(f"/results/charts/timeline.svg{query}")
            assert chart.status_code == 200
            assert bool(from_rows) == live, query
            charts.append(chart.get_data(as_text=True))
        assert charts[0] == charts[1], query

    by_government = "?compare=q6.government"
    served = results.get(by_government)
    assert not results.served_from_rows
    assert served == results.get(by_government, live=False)
    segments = {s["value"]: s for s in results.get(by_government)["segments"]}
    assert segments["yes"]["total"] > len(wanted(crowd, q6=("government",)))


def test_the_dashboard_is_the_same_from_the_rows(app, make_respondent, results):
    submit_all(make_respondent, people(n=30, seed=6))
    browser = app.test_client()
    from tests.conftest import AuthActions

    assert AuthActions(browser).login().status_code == 302
    for query in ["?q2=yes&q6=government", "?compare=q4&q14=libraries", "?lang=en&q3=US,EG"]:
        pages = []
        for live in (True, False):
            app.config["RESULT_COUNTS"] = live
            response = browser.get(f"/results/{query}")
            assert response.status_code == 200
            pages.append(CSRF_VALUE.sub(r"\1", response.get_data(as_text=True)))
        assert pages[0] == pages[1], query


def test_coded_categories_filter_and_count_from_the_rows(app, make_respondent, results, make_user):
    from tests.conftest import AuthActions

    for lang, q2, q9, _codes in Q9_ANSWERS:
        make_respondent(lang).complete({"q2": q2, "q9": q9, "q6": ["other"], "q6_other": q9})
    make_user("analyst@example.org", "analyst")
    analyst = app.test_client()
    assert AuthActions(analyst).login("analyst@example.org").status_code == 302
    for code, name_en, name_ru in CATEGORIES:
        assert create(analyst, code, name_en, name_ru).status_code == 302
    code_through_the_page(app, analyst, [(q9, codes) for _l, _q2, q9, codes in Q9_ANSWERS])

    bodies = results.agree(
        "?q9_code=financing",
        "?q9_code=financing&q2=yes",
        "?q9_code=time,place&compare=q2",
        "?compare=lang&q9_code=misunderstanding",
        "?q2=no&q6=other",
    )
    financing = [a for a in Q9_ANSWERS if "financing" in a[3]]
    assert bodies["?q9_code=financing"]["total"] == len(financing)
    counted = bodies["?q9_code=financing&q2=yes"]["questions"]["q9_code"]["options"]
    members = [a for a in financing if a[1] == "yes"]
    for option in counted:
        assert option["count"] == sum(option["code"] in a[3] for a in members)
    # A coding changed afterwards shows at once.
    uncoded = next(q9 for _l, _q2, q9, codes in Q9_ANSWERS if not codes)
    code_through_the_page(app, analyst, [(uncoded, ["financing"])])
    after = results.agree("?q9_code=financing&q2=no")["?q9_code=financing&q2=no"]
    assert after["total"] == 1 + sum(1 for a in financing if a[1] == "no")


def test_recoded_figures_from_the_rows_are_those_of_a_full_count(
    app, make_respondent, results, make_user
):
    from werkzeug.datastructures import MultiDict

    from tests.conftest import AuthActions, csrf_token_from

    crowd = people(n=20, seed=9)
    submit_all(make_respondent, crowd)
    make_respondent("en").complete({"q2": "yes", "q6": ["other"], "q6_other": "City council"})
    make_respondent("ru").complete(
        {"q2": "no", "q6": ["libraries", "other"], "q6_other": "Соседние библиотеки"}
    )
    make_user("analyst@example.org", "analyst")
    analyst = app.test_client()
    assert AuthActions(analyst).login("analyst@example.org").status_code == 302
    ids = answer_ids(app)
    url = "/results/coding/q6_other"
    data = MultiDict({"csrf_token": csrf_token_from(analyst.get(url).get_data(as_text=True))})
    data.add("action", "code")
    for words, option in (("City council", "government"), ("Соседние библиотеки", "libraries")):
        data.add("answer", str(ids[words]))
        data.add(f"recode-{ids[words]}", option)
        data.add(f"was-recode-{ids[words]}", "")
    assert analyst.post(url, data=data).status_code == 302

    bodies = results.agree(*RECODED_FROM_COUNTERS, from_rows=False)
    bodies |= results.agree("?recoded=1&q2=yes&q4=5k,25k", "?recoded=1&compare=q1&q2=yes")
    given = results.get("?q2=yes&q6=other")
    recoded = results.agree("?recoded=1&q2=yes&q6=other")["?recoded=1&q2=yes&q6=other"]
    counts = {o["code"]: o["count"] for o in recoded["questions"]["q6"]["options"]}
    before = {o["code"]: o["count"] for o in given["questions"]["q6"]["options"]}
    # The council became "government"; the filter still selects by the answers as given.
    assert counts["government"] == before["government"] + 1
    assert counts["other"] == before["other"] - 1
    assert bodies["?recoded=1"]["total"] == len(crowd) + 2


# --------------------------------------------------------------------------- kept up to date


def test_the_rows_follow_submissions_imports_and_seeded_responses(
    make_respondent, runner, results, tmp_path
):
    crowd = people(n=10, seed=3)
    submit_all(make_respondent, crowd)
    results.agree("?q2=yes&q6=government")
    source = tmp_path / "copy.csv"
    source.write_bytes(imported_copy(runner, tmp_path))
    result = runner.invoke(args=["import-csv", str(source)])
    assert result.exit_code == 0, result.output
    results.agree("?q2=yes&q14=libraries", "?lang=ru&compare=q1&q6=other")
    members = results.agree("?q2=yes&q6=government")["?q2=yes&q6=government"]
    assert members["total"] == 2 * len(wanted(crowd, q2=("yes",), q6=("government",)))
    assert runner.invoke(args=["seed-demo", "150", "--drafts", "5"]).exit_code == 0
    results.agree("?q2=yes&q6=government", "?compare=q3&q5=yes", "?q7=business&q16=mou")
    more = people(n=5, seed=11)
    submit_all(make_respondent, more)
    results.agree("?q2=no&q4=5k,25k", "?compare=lang&q1=public&q2=yes")
    assert results.get()["total"] == 2 * len(crowd) + 150 + len(more)


def test_a_response_no_longer_submitted_is_left_out(app, make_respondent, results):
    """Excluding a response (any status but submitted) takes it out of the figures at once:
    the rows keep it, but only submitted responses count (`selection.matching`)."""
    crowd = people(n=12, seed=5)
    submit_all(make_respondent, crowd)
    before = results.agree("?q2=yes&q6=government")
    with app.app_context():
        first = db.session.execute(
            text("SELECT min(id) FROM responses WHERE status = 'submitted'")
        ).scalar_one()
        # A response taken out of the submitted ones by another path.
        db.session.execute(text(f"UPDATE responses SET status = 'draft' WHERE id = {first}"))
        db.session.commit()
    # The counters no longer hold exactly the submitted responses: even what they served is
    # now served from the rows, until `rebuild-result-counts`.
    after = results.agree("?q2=yes&q6=government", "?compare=q2&lang=en", "?q14=other&q2=no", "")
    _lang, answers = crowd[0]
    assert after[""]["total"] == len(crowd) - 1
    was_member = answers.get("q2") == "yes" and "government" in answers.get("q6", [])
    assert (
        after["?q2=yes&q6=government"]["total"]
        == before["?q2=yes&q6=government"]["total"] - was_member
    )


def test_excluding_and_restoring_keep_the_rows_serving(app, make_respondent, results, member):
    """An admin's exclusion takes the response's row out with its counters, and restoring
    puts it back: the rows go on serving, with the figures of a full count."""
    crowd = people(n=14, seed=7)
    submit_all(make_respondent, crowd)
    query, compared = "?q2=yes&q6=government", "?compare=q1&q2=yes"
    results.agree(query, compared)
    uuids = responses_in_order(app)
    admin = member("admin")
    members = wanted(crowd, q2=("yes",), q6=("government",))
    left_out = next(uuid for uuid, person in zip(uuids, crowd, strict=True) if person in members)
    assert exclude_on_its_page(admin, left_out, "Test answer").status_code == 302
    after = results.agree(query, compared)[query]
    kept = [person for uuid, person in zip(uuids, crowd, strict=True) if uuid != left_out]
    assert_matches(after, wanted(kept, q2=("yes",), q6=("government",)))
    assert restore_on_its_page(admin, left_out).status_code == 302
    assert_matches(results.agree(query, compared)[query], members)


def test_a_deleted_response_takes_its_row_with_it(app, make_respondent, results):
    crowd = people(n=8, seed=2)
    submit_all(make_respondent, crowd)
    results.agree("?q2=yes&q6=government")
    with app.app_context():
        db.session.execute(text("DELETE FROM responses WHERE id = (SELECT max(id) FROM responses)"))
        db.session.commit()
    # The counters no longer agree with the responses: both paths count from the answers
    # until a rebuild, and the figures are right all the same.
    body = results.get("?q2=yes&q6=government")
    assert not results.served_from_rows
    assert body == results.get("?q2=yes&q6=government", live=False)


def test_answers_the_questionnaire_does_not_know_are_counted_from_the_answers(
    app, make_respondent, results, caplog
):
    crowd = people(n=6, seed=1)
    submit_all(make_respondent, crowd)
    results.agree("?q2=yes&q6=government")
    person = make_respondent("en")
    person.start()
    person.open(1)
    assert person.answer(1, {"q1": "public", "q2": "yes"}).status_code == 302
    with app.app_context():
        # An option retired from the questionnaire, still in an old answer.
        db.session.execute(
            text(
                "UPDATE answers SET option = 'retired' WHERE option = 'public' "
                "AND response_id = (SELECT max(id) FROM responses)"
            )
        )
        db.session.execute(text("UPDATE responses SET status = 'submitted' WHERE status = 'draft'"))
        db.session.commit()
    query = "?q2=yes&compare=q1"
    with caplog.at_level(logging.WARNING, logger="survey.aggregation.by_response"):
        body = results.get(query)
    assert not results.served_from_rows
    assert body == results.get(query, live=False)
    assert "rebuild-result-counts" in caplog.text
    assert {s["value"]: s["total"] for s in body["segments"]}["retired"] == 1


def test_a_large_survey_builds_its_rows_with_rebuild_result_counts(
    app, runner, make_respondent, results, monkeypatch
):
    """Taking in submissions builds missing rows only while that is quick; a larger survey
    is counted from the answers (correctly) until `rebuild-result-counts` builds them."""
    monkeypatch.setattr(by_response, "AUTO_BUILD", 5)
    crowd = people(n=9, seed=12)
    with app.app_context():
        found = by_response.current_layout()
        db.session.execute(text(f'DROP TABLE IF EXISTS "{found.table.name}"'))
        db.session.execute(text(f"DELETE FROM change_counters WHERE name = '{found.table.name}'"))
        db.session.commit()
    submit_all(make_respondent, crowd)
    body = results.get("?q2=yes&q6=government")
    assert not results.served_from_rows
    rebuild(runner)
    assert results.agree("?q2=yes&q6=government")["?q2=yes&q6=government"] == body
    results.agree(*FROM_ROWS[:6])
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            return
        # The planner knows how many rows a condition on each slot keeps (without statistics
        # it guesses 0.5 % and plans joins with the rows as if they were few).
        table = by_response.current_layout().table.name
        described = db.session.execute(
            text(
                "SELECT count(*) FROM pg_stats_ext_exprs"
                " WHERE schemaname = current_schema() AND tablename = :t"
            ),
            {"t": table},
        ).scalar_one()
        assert described == len(by_response.current_layout().expressions()) > 0


def test_the_migration_builds_the_rows_of_the_responses_already_counted(
    app, runner, make_respondent, results, monkeypatch
):
    """Upgrading a database whose survey is larger than what taking in submissions builds on
    the fly: `flask db upgrade` fills the rows from the counted responses."""
    submit_all(make_respondent, people(n=8, seed=21))
    assert runner.invoke(args=["seed-demo", "30", "--drafts", "2"]).exit_code == 0
    query = "?q2=yes&q6=government&compare=q1"
    body = results.get(query, live=False)
    monkeypatch.setattr(by_response, "AUTO_BUILD", 5)
    downgraded = runner.invoke(args=["db", "downgrade", "5b8e1f0c7a92-1"])
    try:
        assert downgraded.exit_code == 0, downgraded.output
        with app.app_context():
            names = inspect(db.engine).get_table_names()
        assert not [name for name in names if name.startswith(by_response.TABLE_PREFIX)]
        assert results.get(query) == body
        assert not results.served_from_rows, "no rows before the upgrade, none built on the fly"
    finally:
        upgraded = runner.invoke(args=["db", "upgrade"])
        assert upgraded.exit_code == 0, upgraded.output
    assert results.agree(query)[query] == body
    assert results.agree("?q14=libraries&q2=no")


def test_what_only_drafts_answered_is_left_out_as_from_the_answers(make_respondent, results):
    make_respondent("en").complete({"q3": "US", "q6": ["business"], "q2": "yes"})
    draft = make_respondent("ru")
    draft.start()
    draft.open(1)
    assert draft.answer(1, {"q1": "school", "q2": "yes", "q3": "KZ"}).status_code == 302
    segments = results.agree("?compare=q3&q2=yes")["?compare=q3&q2=yes"]["segments"]
    assert [(s["value"], s["total"], s["in_progress"]) for s in segments] == [
        ("US", 1, 0),
        ("KZ", 0, 1),
    ]


def test_counting_from_the_answers_is_still_there(make_respondent, results, app):
    """`RESULT_ROWS = False` leaves the rows out: what they would serve is counted from the
    answers, with the same figures."""
    submit_all(make_respondent, people(n=10, seed=8))
    served = results.get("?q2=yes&q6=government")
    app.config["RESULT_ROWS"] = False
    full = []
    original = from_answers.count_from_answers
    try:
        from_answers.count_from_answers = lambda *a: full.append(a) or original(*a)
        assert results.get("?q2=yes&q6=government") == served
    finally:
        from_answers.count_from_answers = original
        app.config["RESULT_ROWS"] = True
    assert full and not results.served_from_rows
