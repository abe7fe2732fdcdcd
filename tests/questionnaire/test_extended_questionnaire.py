"""A later edition of the survey adds questions, and nothing but its definition changes.

The working group extends the 2013 questionnaire with a ranking of communication channels
(seven items, one more rank than any 2013 question), a multiple-choice question with "other"
and a yes/no question on a new last page. The app is built on that questionnaire from its
configuration alone; respondents answer the new questions through the form contract, and
they are validated, counted on the dashboard and in the API (from the live counters and
from the answers, as filters and as a comparison segment where their type allows),
described in the OpenAPI document, exported in every format with codebook rows and value
labels, and imported back. Every expected figure is counted here from the posted answers.
"""

from __future__ import annotations

import io
from collections import Counter

import pyreadstat
import pytest
from openpyxl import load_workbook

from survey.aggregation import by_response, from_answers
from survey.extensions import db
from survey.models import User
from survey.questionnaire import Option, Page, Questionnaire
from survey.questionnaire.choice import MultipleChoiceQuestion, YesNoQuestion
from survey.questionnaire.library_advocacy import PAGES, QUESTIONS
from survey.questionnaire.ranking import RankingQuestion
from tests.conftest import AuthActions, Respondent
from tests.exports.conftest import download, read_csv, wipe_responses

CHANNELS = ("email", "web", "press", "radio", "tv", "social", "other")
LANGUAGES = ("en", "fr", "ar", "other")

CHANNEL_RANKING = RankingQuestion(
    code="q18",
    text="Rank the channels through which you reach your partners, #1 being the best.",
    items=tuple(Option(code, code.title()) for code in CHANNELS),
)
WORKING_LANGUAGES = MultipleChoiceQuestion(
    code="q19",
    text="In which languages do you work with your partners?",
    options=(
        Option("en", "English"),
        Option("fr", "French"),
        Option("ar", "Arabic"),
        Option("other", "Other (please specify)"),
    ),
    other_field="q19_other",
)
FOLLOW_UP_SURVEY = YesNoQuestion(
    code="q20", text="Would you answer a short follow-up survey next year?"
)


def _with(page: Page, *codes: str) -> Page:
    return Page(page.slug, page.title, (*page.questions, *codes))


EXTENDED = Questionnaire(
    questions=(*QUESTIONS, CHANNEL_RANKING, WORKING_LANGUAGES, FOLLOW_UP_SURVEY),
    pages=(
        *PAGES[:4],
        _with(PAGES[4], "q18"),
        _with(PAGES[5], "q19"),
        Page("follow-up", "One more thing", ("q20",)),
    ),
)

PEOPLE = [
    (
        "en",
        {
            "q2": "yes",
            "q18_web": "1",
            "q18_press": "2",
            "q18_radio": "na",
            "q19": ["en", "fr"],
            "q20": "yes",
        },
    ),
    ("ru", {"q2": "no", "q18_email": "1", "q19": ["other"], "q19_other": "Казахский", "q20": "no"}),
    ("en", {"q18_web": "2", "q18_email": "1", "q18_tv": "3", "q19": ["ar"], "q20": "yes"}),
    ("en", {"q20": "no", "q18_other": "7"}),
    ("ru", {}),
]
PASSWORD = "correct horse battery"


@pytest.fixture
def extended(make_app):
    return make_app(QUESTIONNAIRE=EXTENDED, RESULTS_CACHE_SIZE=0)


@pytest.fixture
def answered(extended):
    """Every person in PEOPLE who could complete the questionnaire did (the fourth ranked q18
    "other" at 7, which is refused: ranks run 1..k, so that person is left out)."""
    submitted = []
    for lang, answers in PEOPLE:
        person = Respondent(extended.test_client(), lang)
        if answers.get("q18_other") == "7":
            person.start()
            person.open(5)
            refused = person.answer(5, {"q18_other": "7"})
            assert refused.status_code == 200
            answers = {k: v for k, v in answers.items() if k != "q18_other"}
        person.complete(answers)
        submitted.append((lang, answers))
    return submitted


@pytest.fixture
def member(extended):
    with extended.app_context():
        user = User(email="member@example.org", role="admin")
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
    client = extended.test_client()
    assert AuthActions(client).login("member@example.org", PASSWORD).status_code == 302
    return client


# --------------------------------------------------------------------------- expected


def expected_ranking(people, code: str, items) -> dict[str, dict]:
    ranked_by = [a for _lang, a in people if any(k.startswith(f"{code}_") for k in a)]
    figures = {}
    for item in items:
        ranks = [
            int(a[f"{code}_{item}"]) for a in ranked_by if a.get(f"{code}_{item}", "na") != "na"
        ]
        by_rank = [ranks.count(rank) for rank in range(1, len(items) + 1)]
        figures[item] = {
            "by_rank": by_rank,
            "n": len(ranks),
            "na": len(ranked_by) - len(ranks),
            "first": by_rank[0],
            "mean": round(sum(ranks) / len(ranks), 2) if ranks else None,
        }
    return figures


def expected_choices(people, code: str) -> tuple[int, Counter]:
    chosen = [a[code] for _lang, a in people if a.get(code)]
    values = [v for value in chosen for v in (value if isinstance(value, list) else [value])]
    return len(chosen), Counter(values)


def results(client, query: str = "", counters: bool = True) -> dict:
    client.application.config["RESULT_COUNTS"] = counters
    response = client.get(f"/api/results{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


# --------------------------------------------------------------------------- asked


def test_the_new_questions_are_asked_and_validated(extended):
    person = Respondent(extended.test_client(), "en")
    person.start()
    page = person.open(5).get_data(as_text=True)
    assert CHANNEL_RANKING.text in page
    assert all(f'name="q18_{item}"' in page for item in CHANNELS)
    assert 'value="7"' in page  # seven items: ranks 1 to 7
    twice = person.answer(5, {"q18_web": "1", "q18_email": "1"}).get_data(as_text=True)
    assert "rank 1 is used more than once" in twice
    person.open(6)
    unknown = person.answer(6, {"q19": ["en", "klingon"]}).get_data(as_text=True)
    assert "Please choose from the options listed." in unknown
    too_long = person.answer(6, {"q19": ["other"], "q19_other": "x" * 301}).get_data(as_text=True)
    assert "Please shorten this answer to 300 characters or fewer" in too_long
    assert person.answer(6, {"q19": ["other"], "q19_other": "Swahili"}).status_code == 302
    last = person.open(7).get_data(as_text=True)
    assert "One more thing" in last
    assert FOLLOW_UP_SURVEY.text in last
    assert 'value="submit"' in last
    assert person.answer(7, {"q20": ["yes", "no"]}, action="submit").status_code == 200
    assert person.answer(7, {"q20": "yes"}, action="submit").status_code == 302


# --------------------------------------------------------------------------- counted


def test_the_new_questions_are_counted_in_the_api_from_counters_and_answers(
    extended, answered, member, monkeypatch
):
    full_counts, from_rows = [], []
    count_from_answers = from_answers.count_from_answers
    count_from_rows = by_response.count
    monkeypatch.setattr(
        from_answers,
        "count_from_answers",
        lambda *args: full_counts.append(args) or count_from_answers(*args),
    )
    monkeypatch.setattr(
        by_response, "count", lambda *args: from_rows.append(args) or count_from_rows(*args)
    )
    # The counters serve one option filter at most; the rest comes from the results' rows,
    # made for this questionnaire's slots; RESULT_COUNTS = False counts from the answers.
    for query, served in [
        ("", True),
        ("?q20=yes", True),
        ("?q19=fr", True),
        ("?compare=q20", True),
        ("?q18=web", False),
        ("?q20=yes&q19=ar", False),
        ("?q18=radio&compare=q20", False),
    ]:
        full_counts.clear()
        from_rows.clear()
        from_counters = results(member, query)
        assert (full_counts, bool(from_rows)) == ([], not served), query
        assert from_counters == results(member, query, counters=False), query
        assert full_counts, query

    body = results(member)
    assert body["total"] == len(answered)
    q18 = body["questions"]["q18"]
    assert q18["type"] == "ranking"
    assert q18["answered"] == sum(1 for _l, a in answered if any(k.startswith("q18_") for k in a))
    expected = expected_ranking(answered, "q18", CHANNELS)
    for item in q18["items"]:
        assert {key: item[key] for key in expected[item["code"]]} == expected[item["code"]]
        assert len(item["by_rank"]) == 7
    q19 = body["questions"]["q19"]
    answered_q19, chosen = expected_choices(answered, "q19")
    assert (q19["type"], q19["answered"], q19["percent_base"]) == (
        "multiple",
        answered_q19,
        "respondents",
    )
    assert {o["code"]: o["count"] for o in q19["options"]} == {
        code: chosen[code] for code in LANGUAGES
    }
    assert q19["other_count"] == 1
    q20 = body["questions"]["q20"]
    answered_q20, votes = expected_choices(answered, "q20")
    assert q20["answered"] == answered_q20
    assert {o["code"]: o["count"] for o in q20["options"]} == {
        "yes": votes["yes"],
        "no": votes["no"],
    }

    # As filters: chose an option, ranked an item; and as a segment.
    assert results(member, "?q20=yes")["total"] == votes["yes"]
    assert results(member, "?q19=fr")["total"] == chosen["fr"]
    ranked_web = sum(1 for _lang, a in answered if a.get("q18_web", "na") != "na")
    assert results(member, "?q18=web")["total"] == ranked_web
    assert results(member, "?q18=radio")["total"] == 0  # marked N/A, not ranked
    segments = results(member, "?compare=q20")["segments"]
    assert [(s["value"], s["total"]) for s in segments] == [
        ("yes", votes["yes"]),
        ("no", votes["no"]),
    ]
    yes_people = [(lang, a) for lang, a in answered if a.get("q20") == "yes"]
    yes_ranking = {i["code"]: i["n"] for i in segments[0]["questions"]["q18"]["items"]}
    assert yes_ranking == {
        k: v["n"] for k, v in expected_ranking(yes_people, "q18", CHANNELS).items()
    }
    # Multiple choice divides nobody into segments: refused with the question's number.
    refused = member.get("/api/results?compare=q19")
    assert refused.status_code == 400
    assert "question 19" in refused.get_json()["message"]


def test_the_dashboard_shows_the_new_questions(extended, answered, member):
    page = member.get("/results/").get_data(as_text=True)
    for code in ("q18", "q19", "q20"):
        assert f'data-question="{code}"' in page
    expected = expected_ranking(answered, "q18", CHANNELS)["email"]
    assert f'data-item="email" data-by-rank="{",".join(map(str, expected["by_rank"]))}"' in page
    _answered, votes = expected_choices(answered, "q20")
    assert f'data-question="q20" data-option="yes" data-count="{votes["yes"]}"' in page
    assert "Казахский" in page  # q19's "other" text under the question
    compared = member.get("/results/?compare=q20").get_data(as_text=True)
    assert 'data-segment="yes" data-question="q19" data-option="fr" data-count="1"' in compared
    assert '<option value="q20"' in member.get("/results/").get_data(as_text=True)


def test_the_openapi_document_describes_the_new_questions(extended):
    document = extended.test_client().get("/api/openapi.json").get_json()
    parameters = {p["name"]: p for p in document["paths"]["/api/results"]["get"]["parameters"]}
    assert parameters["q18"]["schema"]["items"]["enum"] == list(CHANNELS)
    assert parameters["q19"]["schema"]["items"]["enum"] == list(LANGUAGES)
    assert parameters["q20"]["schema"]["items"]["enum"] == ["yes", "no"]
    assert "q20" in parameters["compare"]["schema"]["enum"]
    assert "q19" not in parameters["compare"]["schema"]["enum"]
    schemas = document["components"]["schemas"]
    ranking = schemas["Question_q18"]["allOf"][1]["properties"]["items"]["items"]
    assert ranking["properties"]["by_rank"]["maxItems"] == 7
    assert "options" in schemas["Question_q19"]["allOf"][1]["properties"]
    assert schemas["Results"]["properties"]["questions"]["properties"]["q20"] == {
        "$ref": "#/components/schemas/Question_q20"
    }


# --------------------------------------------------------------------------- exported


NEW_COLUMNS = [
    *(f"q18_{item}" for item in CHANNELS),
    "q19_en",
    "q19_fr",
    "q19_ar",
    "q19_other_chosen",
    "q19_other",
    "q19_other_en",
    "q19_other_ru",
    "q20",
]


def test_every_export_carries_the_new_questions(extended, answered, member, tmp_path):
    rows = read_csv(member.get("/export/responses.csv").data)
    header = list(rows[0])
    assert header[-len(NEW_COLUMNS) :] == NEW_COLUMNS
    first = next(row for row in rows if row["q19_fr"] == "1")
    assert (first["q18_web"], first["q18_press"], first["q18_radio"], first["q18_email"]) == (
        "1",
        "2",
        "na",
        "na",
    )
    assert (first["q19_en"], first["q19_ar"], first["q19_other_chosen"], first["q20"]) == (
        "1",
        "0",
        "0",
        "yes",
    )
    declined = [row for row in rows if row["q20"] == ""]
    assert all(row["q18_web"] == "" and row["q19_en"] == "" for row in declined)

    long_rows = read_csv(member.get("/export/answers.csv").data)
    assert {row["question"] for row in long_rows} >= {"q18", "q19", "q20"}

    codebook = read_csv(member.get("/export/codebook.csv").data)
    codes = {(row["column"], row["code"]): row for row in codebook}
    assert codes[("q20", "yes")]["label_en"] == "Yes"
    assert codes[("q20", "yes")]["question_en"] == FOLLOW_UP_SURVEY.text
    assert [row["code"] for row in codebook if row["column"] == "q18_tv"] == [
        *map(str, range(1, 8)),
        "na",
    ]
    assert codes[("q19_fr", "1")]["label_en"] == "Chosen"
    assert codes[("q19_fr", "1")]["option_en"] == "French"

    workbook = load_workbook(io.BytesIO(download(member, "responses.xlsx").data))
    sheet = list(workbook["responses"].iter_rows(values_only=True))
    assert list(sheet[0][-len(NEW_COLUMNS) :]) == NEW_COLUMNS
    assert any(row[0] == "q18_web" for row in workbook["codebook"].iter_rows(values_only=True))
    workbook.close()

    path = tmp_path / "responses.sav"
    path.write_bytes(download(member, "responses.sav").data)
    frame, meta = pyreadstat.read_sav(str(path), user_missing=True)
    assert list(frame.columns[-len(NEW_COLUMNS) :]) == NEW_COLUMNS
    assert meta.variable_value_labels["q20"] == {1: "Yes", 2: "No"}
    assert meta.variable_value_labels["q19_fr"] == {1.0: "Chosen", 0.0: "Not chosen"}
    assert meta.missing_ranges["q18_radio"] == [{"lo": 99.0, "hi": 99.0}]
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels["q18_web"] == f"Web – {CHANNEL_RANKING.text}"  # the item first


def test_the_export_is_imported_back_to_the_same_data(extended, answered, member, tmp_path):
    exported = member.get("/export/responses.csv").data
    wipe_responses(extended)
    source = tmp_path / "responses.csv"
    source.write_bytes(exported)
    result = extended.test_cli_runner().invoke(args=["import-csv", str(source)])
    assert result.exit_code == 0, result.output
    assert f"Imported {len(answered)} responses" in result.output
    assert member.get("/export/responses.csv").data == exported
