"""`flask --app survey seed-demo N` fills the database with plausible, valid responses."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from babel import Locale
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from survey.extensions import db
from survey.models import Answer, Response

PARTNERS = {"libraries", "government", "business", "nonprofit", "associations", "other"}
CHOICES = {
    "q1": {"association", "public", "national", "academic", "school", "other"},
    "q2": {"yes", "no"},
    "q4": {"lt5k", "5k", "25k", "50k", "100k", "na"},
    "q5": {"yes", "no"},
    "q6": PARTNERS,
    "q12": {"yes", "no"},
    "q16": {"meetings", "focus_groups", "mou", "statements", "other"},
}
TEXT_QUESTIONS = {"q2_role", "q5_budget", "q8", "q9", "q10", "q11", "q13", "q15"}


def seeded(app) -> list[tuple[Response, list[Answer]]]:
    with app.app_context():
        responses = db.session.scalars(select(Response).order_by(Response.id)).all()
        answers = defaultdict(list)
        for answer in db.session.scalars(select(Answer).order_by(Answer.id)):
            answers[answer.response_id].append(answer)
        db.session.expunge_all()
    return [(response, answers[response.id]) for response in responses]


def by_question(answers: list[Answer]) -> dict[str, list[Answer]]:
    grouped = defaultdict(list)
    for answer in answers:
        grouped[answer.question].append(answer)
    return grouped


def check_ranking(rows: list[Answer], offered: set[str]) -> None:
    assert {row.option for row in rows} == offered
    assert len(rows) == len(offered)
    ranks = sorted(row.rank for row in rows if row.rank is not None)
    assert ranks == list(range(1, len(ranks) + 1)), ranks


def test_seed_creates_submitted_responses_in_both_languages(app, runner):
    result = runner.invoke(args=["seed-demo", "300", "--drafts", "0"])
    assert result.exit_code == 0, result.output
    assert "300" in result.output

    responses = seeded(app)
    assert len(responses) == 300
    assert {response.status for response, _ in responses} == {"submitted"}
    assert all(response.submitted_at is not None for response, _ in responses)
    # Marked as demo answers, so the working group can tell them apart and exclude them.
    assert all(response.source == "demo" for response, _ in responses)
    languages = [response.language for response, _ in responses]
    assert 240 <= languages.count("en") <= 295
    assert languages.count("ru") >= 5
    assert len({response.uuid for response, _ in responses}) == 300


def test_every_seeded_answer_obeys_the_questionnaire_rules(app, runner):
    from survey.i18n import country_codes

    assert runner.invoke(args=["seed-demo", "300", "--drafts", "10"]).exit_code == 0
    responses = seeded(app)
    assert [r.status for r, _ in responses].count("draft") == 10
    countries = set(country_codes()) | {"na"}
    russians_in_russia = 0
    for response, answers in responses:
        rows = by_question(answers)
        for code, allowed in CHOICES.items():
            assert {row.option for row in rows.get(code, [])} <= allowed
        for code in ("q1", "q2", "q3", "q4", "q5", "q12"):
            assert len(rows.get(code, [])) <= 1
        assert all(row.option in countries for row in rows.get("q3", []))
        russians_in_russia += response.language == "ru" and any(
            row.option == "RU" for row in rows.get("q3", [])
        )
        q2 = [row.option for row in rows.get("q2", [])]
        if "q2_role" in rows:
            assert q2 == ["yes"]
        q5 = [row.option for row in rows.get("q5", [])]
        if "q5_budget" in rows:
            assert q5 == ["yes"]
        if "q7" in rows:
            check_ranking(rows["q7"], {row.option for row in rows["q6"]})
        if "q14" in rows:
            check_ranking(rows["q14"], PARTNERS)
        for code in TEXT_QUESTIONS:
            for row in rows.get(code, []):
                assert row.option == "" and row.text and row.text == row.text.strip()
        for code in ("q1", "q6", "q16"):
            for row in rows.get(code, []):
                assert row.text is None or row.option == "other"
        for row in rows.get("q17", []):
            assert row.option in {"name", "organization", "email"}
            if row.option == "email":
                assert row.text.endswith("@example.org")
        if response.status == "draft":
            assert response.submitted_at is None
            assert 1 <= response.last_page < 6
    assert russians_in_russia > 0


def test_seeded_responses_pass_the_form_validation(app, runner):
    """Each page, rebuilt into form-contract fields, validates back to the same rows."""
    from survey.questionnaire import AnswerRow
    from survey.questionnaire.library_advocacy import PAGES, QUESTIONNAIRE

    assert runner.invoke(args=["seed-demo", "300", "--seed", "11"]).exit_code == 0
    with app.test_request_context():
        for response, answers in seeded(app):
            stored = defaultdict(list)
            for a in answers:
                stored[a.question].append(AnswerRow(a.question, a.option, a.rank, a.text))
            known: dict[str, list[AnswerRow]] = {}
            for page in PAGES:
                form = MultiDict()
                for question in QUESTIONNAIRE.page_questions(page):
                    if stored.get(question.code):
                        for key, values in question.to_form(stored[question.code]).items():
                            for value in values:
                                form.add(key, value)
                parsed, errors = QUESTIONNAIRE.parse_page(page, form, known)
                assert errors == {}, (response.uuid, page.slug, errors)
                for code in page.questions:
                    assert sorted(parsed[code], key=repr) == sorted(stored.get(code, []), key=repr)
                known.update(parsed)


def test_same_seed_gives_the_same_answers(app, runner):
    assert runner.invoke(args=["seed-demo", "120", "--seed", "5"]).exit_code == 0
    assert runner.invoke(args=["seed-demo", "120", "--seed", "5"]).exit_code == 0
    assert runner.invoke(args=["seed-demo", "120", "--seed", "6"]).exit_code == 0
    responses = seeded(app)
    assert len(responses) == 3 * 126

    def shape(chunk):
        return [
            (r.language, r.status, [(a.question, a.option, a.rank, a.text) for a in answers])
            for r, answers in chunk
        ]

    first, second, third = (shape(responses[i * 126 : (i + 1) * 126]) for i in range(3))
    assert first == second
    assert first != third


# Russian: 1 (21, 31 …) is "one", 2-4 (22-24 …) "few", the rest "many".
RUSSIAN_ANSWER_ROWS = {"one": "строка", "few": "строки", "many": "строк"}


@pytest.mark.parametrize(
    ("count", "responses", "drafts"),
    [
        (1, "Добавлена 1 отправленная анкета", "и 1 черновик,"),
        (3, "Добавлены 3 отправленные анкеты", "и 3 черновика,"),
        (5, "Добавлено 5 отправленных анкет", "и 5 черновиков,"),
        (21, "Добавлена 21 отправленная анкета", "и 21 черновик,"),
    ],
)
def test_a_russian_operator_reads_the_summary_in_russian(runner, count, responses, drafts):
    result = runner.invoke(
        args=["seed-demo", str(count), "--drafts", str(count)], env={"LANG": "ru_RU.UTF-8"}
    )
    assert result.exit_code == 0, result.output
    assert responses in result.output
    assert drafts in result.output
    rows = re.search(r"всего (\d+) (\w+) с ответами, за \d+,\d с", result.output)
    assert rows, result.output
    assert rows[2] == RUSSIAN_ANSWER_ROWS[Locale.parse("ru").plural_form(int(rows[1]))]
    assert "(начальное значение генератора: 2013)" in result.output


@pytest.mark.parametrize("environment", [{}, {"LANG": "C"}, {"LANG": "de_DE.UTF-8"}])
def test_other_operators_read_the_summary_in_english(runner, environment):
    result = runner.invoke(args=["seed-demo", "1", "--drafts", "3"], env=environment)
    assert result.exit_code == 0, result.output
    assert re.search(
        r"Seeded 1 submitted response \([01] in Russian\) and 3 drafts "
        r"with \d+ answer rows in \d+\.\d s \(seed 2013\)\.",
        result.output,
    ), result.output
