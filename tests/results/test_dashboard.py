"""The working group reads the results on the dashboard.

Respondents answer through the form contract; every expected figure is counted here, in the
test, from what those respondents answered, and looked up in the rendered page through the
`data-` attributes the dashboard puts on its rows (and the visible text of those rows).
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser

import pytest
from scipy.stats import chi2_contingency
from sqlalchemy import select

from survey.extensions import db
from survey.models import AccessLog, Answer, Response, Translation
from tests.conftest import csrf_token_from

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class Element:
    def __init__(self, tag: str, attrs: dict[str, str]):
        self.tag = tag
        self.attrs = attrs
        self.parts: list[str] = []

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())

    def __getitem__(self, key: str) -> str:
        return self.attrs[key]

    def get(self, key: str, default=None):
        return self.attrs.get(key, default)


class Page(HTMLParser):
    """Every element of a page with its attributes and its text (including descendants')."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {key: value or "" for key, value in attrs})
        self.elements.append(element)
        if tag not in VOID:
            self._open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.elements.append(Element(tag, {key: value or "" for key, value in attrs}))

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                break

    def handle_data(self, data):
        for element in self._open:
            element.parts.append(data)

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Element]:
        wanted = {key.replace("_", "-"): value for key, value in attrs.items()}
        return [
            e
            for e in self.elements
            if (tag is None or e.tag == tag)
            and all(e.attrs.get(key) == value for key, value in wanted.items())
        ]

    def one(self, tag: str | None = None, **attrs: str) -> Element:
        found = self.find_all(tag, **attrs)
        assert len(found) == 1, f"expected one {tag} {attrs}, found {len(found)}"
        return found[0]


def percent(count: int, base: int) -> Decimal:
    """count / base in percent, one decimal, rounded half up as people round."""
    return (Decimal(100 * count) / Decimal(base)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def mean(weighted: int, n: int) -> str:
    return str((Decimal(weighted) / Decimal(n)).quantize(Decimal("0.01"), ROUND_HALF_UP))


# Eight respondents; what each of them answered (form-contract fields).
PEOPLE = [
    (
        "en",
        {
            "q1": "public",
            "q2": "yes",
            "q2_role": "Chair",
            "q3": "FR",
            "q4": "5k",
            "q5": "yes",
            "q5_budget": "5,000 EUR",
            "q6": ["government", "business"],
            "q7_government": "1",
            "q7_business": "2",
            "q12": "yes",
            "q16": ["meetings"],
        },
    ),
    (
        "en",
        {
            "q1": "public",
            "q2": "no",
            "q3": "FR",
            "q4": "5k",
            "q5": "no",
            "q6": ["libraries"],
            "q7_libraries": "1",
            "q12": "no",
            "q16": ["meetings", "mou"],
        },
    ),
    (
        "ru",
        {
            "q1": "academic",
            "q2": "yes",
            "q3": "RU",
            "q4": "100k",
            "q5": "yes",
            "q6": ["government", "libraries", "other"],
            "q6_other": "Музеи",
            "q7_government": "2",
            "q7_libraries": "1",
            "q7_other": "na",
            "q12": "yes",
        },
    ),
    ("ru", {"q2": "yes", "q2_role": "Член правления", "q3": "RU", "q12": "yes"}),
    (
        "en",
        {
            "q1": "other",
            "q1_other": "Prison library",
            "q2": "no",
            "q3": "DE",
            "q5": "no",
            "q12": "no",
            "q16": ["statements", "other"],
            "q16_other": "Radio interviews",
        },
    ),
    (
        "en",
        {"q1": "public", "q2": "yes", "q3": "FR", "q4": "na", "q12": "yes", "q6": ["nonprofit"]},
    ),
    ("ru", {"q1": "school", "q2": "no", "q3": "na", "q4": "lt5k", "q5": "no", "q12": "no"}),
    ("en", {}),
]

SINGLE = ("q1", "q2", "q4", "q5", "q12")
MULTIPLE = ("q6", "q16")


def expected_choices(people, code):
    """(answered, Counter of options) for a choice question, from the test's own inputs."""
    answered = 0
    counts: Counter = Counter()
    for _lang, answers in people:
        value = answers.get(code)
        if value:
            answered += 1
            counts.update(value if isinstance(value, list) else [value])
    return answered, counts


@pytest.fixture
def survey_answers(make_respondent):
    for lang, answers in PEOPLE:
        make_respondent(lang).complete(answers)
    return PEOPLE


def dashboard(client, query: str = "", status: int = 200) -> Page:
    response = client.get(f"/results/{query}")
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return Page(response.get_data(as_text=True))


def assert_choice_rows(page: Page, people, code: str) -> None:
    """Every option row of a choice question shows the count and percent counted here."""
    answered, counts = expected_choices(people, code)
    section = page.one("section", data_question=code)
    assert section["data-answered"] == str(answered)
    assert section["data-declined"] == str(len(people) - answered)
    for option, count in counts.items():
        row = page.one("tr", data_question=code, data_option=option)
        assert row["data-count"] == str(count), (code, option)
        expected = percent(count, answered)
        assert Decimal(row["data-percent"]).quantize(Decimal("0.1")) == expected
        assert row.text.endswith(f"{count} {expected}"), row.text
    shown = {
        e["data-option"]: int(e["data-count"])
        for e in page.find_all("tr", data_question=code)
        if e.get("data-option")
    }
    assert {k: v for k, v in shown.items() if v} == dict(counts)


# --------------------------------------------------------------------------- access


@pytest.mark.parametrize(
    "url",
    [
        "/results/",
        "/results/?q2=yes&compare=lang",
        "/results/?fragment=1",
        "/results/answers/q8",
        "/results/answers/q1_other?page=2",
        "/results/responses/00000000-0000-4000-8000-000000000000",
    ],
)
def test_results_pages_send_anonymous_visitors_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")


def test_signed_in_nav_links_to_the_results(client, viewer):
    page = dashboard(client)
    assert page.find_all("a", href="/results/")


# --------------------------------------------------------------------------- the figures


def test_dashboard_shows_every_figure_the_respondents_produced(
    client, survey_answers, make_respondent, viewer
):
    # One more person starts but does not submit: "in progress", not counted.
    draft = make_respondent("ru")
    draft.start()
    draft.answer(1, {"q1": "national", "q2": "yes"})

    page = dashboard(client)
    people = survey_answers
    assert page.one("dd", id="total-responses").text == str(len(people))
    languages = Counter(lang for lang, _answers in people)
    for lang, count in languages.items():
        assert page.one("div", data_language=lang)["data-count"] == str(count)
    assert page.one("div", data_in_progress="1").text.endswith("1")
    # The draft's q1 = national is nowhere.
    assert page.find_all("tr", data_question="q1", data_option="national")[0]["data-count"] == "0"

    for code in (*SINGLE, *MULTIPLE):
        assert_choice_rows(page, people, code)

    # Follow-ups: the base is those who were asked (q2 = yes), not everyone.
    asked = sum(1 for _lang, a in people if a.get("q2") == "yes")
    role = page.one("section", data_question="q2_role")
    answered = sum(1 for _lang, a in people if a.get("q2_role"))
    assert role["data-answered"] == str(answered)
    assert role["data-declined"] == str(asked - answered)
    (note,) = [e for e in page.find_all("span", data_base=str(asked)) if _inside(page, e, role)]
    assert note.text.startswith(f"Asked only of the {asked} respondents who answered “Yes”")

    # Multiple choice says which base its percentages use.
    q6 = page.one("section", data_question="q6")
    q6_answered, _counts = expected_choices(people, "q6")
    assert f"percentages (of the {q6_answered} respondents who answered)" in q6.text


def test_countries_are_listed_most_respondents_first_with_names(client, survey_answers, viewer):
    page = dashboard(client)
    answered, counts = expected_choices(survey_answers, "q3")
    rows = [e for e in page.find_all("tr", data_question="q3") if e.get("data-option")]
    shown = [(row["data-option"], int(row["data-count"])) for row in rows]
    assert [count for _code, count in shown] == sorted(counts.values(), reverse=True)
    assert dict(shown) == dict(counts)
    assert rows[0].text.startswith("France")
    assert page.one("tr", data_question="q3", data_option="na").text.startswith("Prefer not to say")


def test_other_texts_are_listed_under_their_question(client, survey_answers, viewer):
    page = dashboard(client)
    q1 = page.one("section", data_question="q1")
    assert "Prison library" in q1.text
    assert "Музеи" in page.one("section", data_question="q6").text
    assert "Radio interviews" in page.one("section", data_question="q16").text
    assert page.one("details", id="other-q1")


# --------------------------------------------------------------------------- filters


@pytest.mark.parametrize(
    ("query", "keep"),
    [
        ("?lang=ru", lambda lang, a: lang == "ru"),
        ("?q2=yes", lambda lang, a: a.get("q2") == "yes"),
        ("?lang=en&q2=yes", lambda lang, a: lang == "en" and a.get("q2") == "yes"),
        ("?q6=government", lambda lang, a: "government" in a.get("q6", [])),
        ("?q3=FR", lambda lang, a: a.get("q3") == "FR"),
    ],
)
def test_filters_count_only_the_matching_respondents(client, survey_answers, viewer, query, keep):
    people = [(lang, a) for lang, a in survey_answers if keep(lang, a)]
    page = dashboard(client, query)
    assert page.one("dd", id="total-responses").text == str(len(people))
    for code in ("q1", "q4", "q12", "q16"):
        answered, counts = expected_choices(people, code)
        section = page.one("section", data_question=code)
        assert section["data-answered"] == str(answered)
        for option, count in counts.items():
            assert page.one("tr", data_question=code, data_option=option)["data-count"] == str(
                count
            )


def test_active_filters_are_shown_with_links_that_remove_them(client, survey_answers, viewer):
    page = dashboard(client, "?lang=en&q2=yes&sort_q14=first")
    chips = page.find_all("li", data_filter="q2")
    assert len(chips) == 1 and "Yes" in chips[0].text
    remove = [a for a in page.elements if a.tag == "a" and "remove-filter" in a.get("class", "")]
    hrefs = {a["href"] for a in remove}
    assert "/results/?lang=en&sort_q14=first" in hrefs
    assert "/results/?q2=yes&sort_q14=first" in hrefs
    # The form shows the same choices.
    ticked = [e for e in page.find_all("input") if "checked" in e.attrs]
    assert {(e["name"], e["value"]) for e in ticked} == {("lang", "en"), ("q2", "yes")}


def test_a_bad_filter_is_explained_and_the_unfiltered_results_shown(client, survey_answers, viewer):
    page = dashboard(client, "?q2=maybe", status=400)
    alert = [e for e in page.elements if "data-filter-error" in e.attrs]
    assert alert and "maybe" in alert[0].text
    assert page.one("dd", id="total-responses").text == str(len(survey_answers))
    page = dashboard(client, "?compare=q8", status=400)
    assert [e for e in page.elements if "data-filter-error" in e.attrs]


# --------------------------------------------------------------------------- comparison


def test_segments_side_by_side_with_a_chi_square_test(client, survey_answers, viewer):
    page = dashboard(client, "?compare=q2")
    segments = {"yes": [], "no": []}
    for lang, answers in survey_answers:
        if answers.get("q2") in segments:
            segments[answers["q2"]].append((lang, answers))
    for value, people in segments.items():
        assert page.one("tr", data_segment=value)["data-total"] == str(len(people))
        for code in ("q1", "q12", "q6"):
            answered, counts = expected_choices(people, code)
            section = page.one("section", data_question=code)
            (cell,) = [
                e
                for e in page.find_all("td", data_segment=value)
                if e.get("data-answered") is not None and _inside(page, e, section)
            ]
            assert cell["data-answered"] == str(answered)
            for option, count in counts.items():
                cell = page.one("td", data_segment=value, data_question=code, data_option=option)
                assert cell["data-count"] == str(count)
                assert cell.text == str(count)
                assert Decimal(cell["data-percent"]) == percent(count, answered)

    # q12 by q2: the test of independence, on the counts of this test's respondents.
    table = [
        [sum(1 for _l, a in segments[s] if a.get("q12") == option) for option in ("yes", "no")]
        for s in ("yes", "no")
    ]
    expected = chi2_contingency(table)
    q12 = page.one("section", data_question="q12")
    notes = [e for e in page.find_all("p") if e.get("data-p") and e in page.elements]
    note = next(n for n in notes if n.text and n in page.elements and _inside(page, n, q12))
    assert float(note["data-p"]) == pytest.approx(expected.pvalue, abs=1e-4)
    assert f"p = {expected.pvalue:.3f}" in note.text
    # Eight respondents: expected counts are far below 5, and the page says so.
    assert note["data-reliable"] == "false"
    assert "Some expected counts are below 5, so this p-value cannot be trusted." in note.text


def _inside(page: Page, element: Element, section: Element) -> bool:
    """Whether `element` comes after `section` and before the next section."""
    sections = page.find_all("section")
    start = page.elements.index(section)
    later = [page.elements.index(s) for s in sections if page.elements.index(s) > start]
    end = min(later) if later else len(page.elements)
    return start < page.elements.index(element) < end


def test_a_reliable_test_reads_in_plain_words(client, make_respondent, viewer):
    # 40 respondents: members say yes to q12, non-members no, 10 each way per cell.
    people = [
        ("en", {"q2": q2, "q12": q12})
        for q2 in ("yes", "no")
        for q12 in ("yes", "no")
        for _ in range(5)
    ]
    people += [("en", {"q2": "yes", "q12": "yes"})] * 15 + [("en", {"q2": "no", "q12": "no"})] * 15
    for lang, answers in people:
        make_respondent(lang).complete(answers)
    table = [
        [sum(1 for _l, a in people if a["q2"] == s and a["q12"] == o) for o in ("yes", "no")]
        for s in ("yes", "no")
    ]
    expected = chi2_contingency(table)
    assert expected.expected_freq.min() >= 5
    page = dashboard(client, "?compare=q2")
    note = next(
        p
        for p in page.find_all("p")
        if p.get("data-p") and _inside(page, p, page.one("section", data_question="q12"))
    )
    assert note["data-reliable"] == "true"
    assert float(note["data-p"]) == pytest.approx(expected.pvalue, rel=1e-6)
    word = "is" if expected.pvalue < 0.05 else "is not"
    assert (
        f"The difference between segments {word} statistically significant at the 5% level."
        in note.text
    )


def test_segments_by_language(client, survey_answers, viewer):
    page = dashboard(client, "?compare=lang")
    for lang in ("en", "ru"):
        people = [(code, a) for code, a in survey_answers if code == lang]
        assert page.one("tr", data_segment=lang)["data-total"] == str(len(people))
        _answered, counts = expected_choices(people, "q2")
        for option, count in counts.items():
            assert page.one("td", data_segment=lang, data_question="q2", data_option=option)[
                "data-count"
            ] == str(count)


# --------------------------------------------------------------------------- ranking

# The 2013 report's question-14 table: respondents at each rank 1..6 per item (N/A follows).
REPORT_Q14 = {
    "libraries": [31, 16, 14, 15, 1, 0],
    "government": [16, 25, 18, 12, 4, 1],
    "business": [12, 9, 23, 10, 17, 3],
    "nonprofit": [8, 14, 12, 30, 13, 0],
    "associations": [12, 12, 9, 8, 34, 0],
    "other": [1, 3, 1, 1, 3, 65],
}
REPORT_RESPONDENTS = 82
REPORT_NA = {
    "libraries": 5,
    "government": 6,
    "business": 8,
    "nonprofit": 5,
    "associations": 7,
    "other": 8,
}


def rankings_reproducing(
    table: dict[str, list[int]], respondents: int
) -> list[dict[str, int | None]]:
    """Individual rankings (ranks 1..k without gaps, the rest N/A) giving exactly `table`.

    The report only kept the totals; any set of valid rankings with those totals will do.
    Found as a small 0/1 feasibility problem: x[p, i, r] = respondent p ranks item i at r.
    """
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import lil_matrix

    items = list(table)
    at_rank = [sum(table[item][rank] for item in items) for rank in range(6)]
    # How many items each respondent ranks: at_rank[r] respondents rank at least r + 1 items.
    ranked_counts = []
    for k in range(6, -1, -1):
        at_least_k = at_rank[k - 1] if k else respondents
        at_least_next = at_rank[k] if k < 6 else 0
        ranked_counts += [k] * (at_least_k - at_least_next)
    variables = [
        (p, i, r) for p in range(respondents) for i in range(6) for r in range(ranked_counts[p])
    ]
    index = {v: n for n, v in enumerate(variables)}
    matrix = lil_matrix((respondents * 12 + 36, len(variables)))
    lower, upper, row = [], [], 0
    for p in range(respondents):
        for r in range(ranked_counts[p]):  # one item at each rank the respondent gives
            for i in range(6):
                matrix[row, index[p, i, r]] = 1
            lower.append(1), upper.append(1)
            row += 1
        for i in range(6):  # an item gets at most one rank
            for r in range(ranked_counts[p]):
                matrix[row, index[p, i, r]] = 1
            lower.append(0), upper.append(1)
            row += 1
    for i, item in enumerate(items):  # the published totals
        for r in range(6):
            for p in range(respondents):
                if r < ranked_counts[p]:
                    matrix[row, index[p, i, r]] = 1
            lower.append(table[item][r]), upper.append(table[item][r])
            row += 1
    result = milp(
        np.zeros(len(variables)),
        constraints=LinearConstraint(matrix[:row].tocsr(), lower, upper),
        integrality=np.ones(len(variables)),
        bounds=Bounds(0, 1),
    )
    assert result.status == 0, result.message
    rankings = [{item: None for item in items} for _ in range(respondents)]
    for (p, i, r), value in zip(variables, result.x, strict=True):
        if value > 0.5:
            rankings[p][items[i]] = r + 1
    return rankings


def test_the_reports_question_14_table_is_reproduced(client, make_respondent, viewer):
    rankings = rankings_reproducing(REPORT_Q14, REPORT_RESPONDENTS)
    for number, ranking in enumerate(rankings):
        fields = {
            f"q14_{item}": "na" if rank is None else str(rank) for item, rank in ranking.items()
        }
        make_respondent("ru" if number % 3 == 0 else "en").complete(fields)
    make_respondent("en").complete({"q2": "no"})  # declined q14

    page = dashboard(client)
    section = page.one("section", data_question="q14")
    assert section["data-answered"] == str(REPORT_RESPONDENTS)
    assert section["data-declined"] == "1"
    assert (
        "mean rank = sum of the ranks given ÷ number of respondents who ranked the item"
        in section.text.lower()
    )
    assert "#1 placements is the more reliable signal" in section.text
    published = {
        "libraries": "2.21",
        "government": "2.55",
        "business": "3.27",
        "nonprofit": "3.34",
        "associations": "3.53",
    }
    for item, by_rank in REPORT_Q14.items():
        row = page.one("tr", data_question="q14", data_item=item)
        n = sum(by_rank)
        expected_mean = mean(sum(rank * count for rank, count in enumerate(by_rank, start=1)), n)
        assert row["data-by-rank"] == ",".join(map(str, by_rank))
        assert row["data-na"] == str(REPORT_NA[item]) == str(REPORT_RESPONDENTS - n)
        assert row["data-first"] == str(by_rank[0])
        assert row["data-n"] == str(n)
        cells = row.text.split(" ")
        assert cells[-10:] == [
            *map(str, by_rank),
            str(REPORT_NA[item]),
            expected_mean,
            str(by_rank[0]),
            str(n),
        ]
        if item in published:
            assert expected_mean == published[item]
    # 'Others': the report printed 5,56; its own counts give 419 / 74.
    assert page.one("tr", data_question="q14", data_item="other").text.split(" ")[-3] == "5.66"

    def order(query):
        return [
            row["data-item"]
            for row in dashboard(client, query).find_all("tr", data_question="q14")
            if row.get("data-item")
        ]

    by_mean = order("?sort_q14=mean")
    assert by_mean == ["libraries", "government", "business", "nonprofit", "associations", "other"]
    by_first = order("?sort_q14=first")
    assert by_first == sorted(REPORT_Q14, key=lambda item: -REPORT_Q14[item][0])
    assert order("") == list(REPORT_Q14)
    # Sorting links keep the other arguments; no JavaScript needed.
    sorted_page = dashboard(client, "?lang=en&sort_q14=mean")
    links = {a["href"] for a in sorted_page.find_all("a") if "sort_q14=first" in a.get("href", "")}
    assert "/results/?lang=en&sort_q14=first#result-q14" in links


def test_q7_ranks_only_the_partners_each_respondent_chose(client, survey_answers, viewer):
    page = dashboard(client)
    section = page.one("section", data_question="q7")
    base = sum(1 for _l, a in survey_answers if a.get("q6"))
    rankers = [a for _l, a in survey_answers if any(k.startswith("q7_") for k in a)]
    assert section["data-answered"] == str(len(rankers))
    assert section["data-declined"] == str(base - len(rankers))
    government = page.one("tr", data_question="q7", data_item="government")
    assert government["data-by-rank"] == "1,1,0,0,0,0"
    assert government["data-mean"] == "1.5"
    # Ranked by two; the N/A count is everyone else who answered q7.
    assert government["data-na"] == str(len(rankers) - 2)


# --------------------------------------------------------------------------- open answers


def test_open_answers_newest_first_escaped_with_language_and_a_link(
    client, make_respondent, viewer, app
):
    texts = [f"Answer number {n}" for n in range(12)] + ["<script>alert(1)</script> & more"]
    for n, text in enumerate(texts):
        make_respondent("ru" if n % 2 else "en").complete({"q8": text})
    response = client.get("/results/")
    html = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html
    page = Page(html)
    section = page.one("section", data_question="q8")
    answers = [
        e
        for e in page.find_all("p")
        if "answer-original" in e.get("class", "") and _inside(page, e, section)
    ]
    assert [a.text for a in answers] == list(reversed(texts))[:10]
    assert answers[0]["lang"] == "en" and answers[1]["lang"] == "ru"
    with app.app_context():
        newest = db.session.scalar(
            select(Response.uuid).order_by(Response.submitted_at.desc()).limit(1)
        )
    assert page.find_all("a", href=f"/results/responses/{newest}")
    more = [a for a in page.find_all("a") if a.get("href") == "/results/answers/q8?page=2"]
    assert more, "a link to the older answers"

    # "Show more" continues where the dashboard stopped.
    page2 = Page(client.get("/results/answers/q8?page=2").get_data(as_text=True))
    listed = [e.text for e in page2.find_all("p") if "answer-original" in e.get("class", "")]
    assert listed == list(reversed(texts))[10:]
    assert page2.one("p", data_count=str(len(texts))).text.startswith(f"{len(texts)} answers")
    assert "Page 2 of 2" in page2.one("nav", data_page="2").text


def test_a_translation_is_shown_beside_the_original(client, make_respondent, viewer, app):
    make_respondent("ru").complete({"q9": "Не хватало денег"})
    with app.app_context():
        answer = db.session.scalar(select(Answer).where(Answer.question == "q9"))
        db.session.add(
            Translation(answer_id=answer.id, language="en", text="There was not enough money")
        )
        db.session.commit()
    page = dashboard(client)
    section = page.one("section", data_question="q9")
    assert "Не хватало денег" in section.text
    assert "There was not enough money" in section.text
    # A Russian-speaking viewer reads the original only (no Russian translation exists).
    page = dashboard(client, "?locale=ru")
    assert "There was not enough money" not in page.one("section", data_question="q9").text


def test_the_dashboard_in_russian_has_the_same_numbers(client, survey_answers, viewer):
    page = dashboard(client, "?locale=ru")
    assert page.one("html")["lang"] == "ru"
    assert page.one("dd", id="total-responses").text == str(len(survey_answers))
    answered, counts = expected_choices(survey_answers, "q1")
    row = page.one("tr", data_question="q1", data_option="public")
    expected = str(percent(counts["public"], answered)).replace(".", ",")
    assert row.text.endswith(f"{counts['public']} {expected}")
    # Country names follow the viewer's language.
    assert page.one("tr", data_question="q3", data_option="FR").text.startswith("Франция")


# --------------------------------------------------------------------------- one response

CONTACT = {
    "q17_name": "Anna Petrova",
    "q17_organization": "City Library",
    "q17_email": "anna@example.org",
}


@pytest.fixture
def contact_response(make_respondent, app):
    make_respondent("en").complete(
        {
            "q1": "other",
            "q1_other": "Mobile library",
            "q2": "yes",
            "q14_libraries": "1",
            "q14_government": "2",
            "q8": "We <b>did</b> it",
            **CONTACT,
        }
    )
    with app.app_context():
        return db.session.scalar(select(Response.uuid))


def test_a_viewer_reads_a_full_response_but_never_its_contact_details(
    client, contact_response, viewer, app
):
    response = client.get(f"/results/responses/{contact_response}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for value in CONTACT.values():
        assert value not in html
    page = Page(html)
    assert page.one(data_contact_given="yes").text == "Contact details given: yes"
    assert "Mobile library" in page.one("li", data_question="q1").text
    assert "We <b>did</b> it" in page.one("li", data_question="q8").text
    assert "<b>did</b>" not in html
    ranking = page.one("li", data_question="q14").text
    assert ranking.index("#1 Other libraries") < ranking.index("#2 Government agencies")
    assert "Show contact details" not in html

    token = csrf_token_from(html)
    refused = client.post(
        f"/results/responses/{contact_response}",
        data={"csrf_token": token, "action": "show_contact"},
    )
    assert refused.status_code == 403
    for value in CONTACT.values():
        assert value not in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(AccessLog)).all() == []


def test_an_admin_sees_contact_details_only_after_asking_and_it_is_logged(
    client, contact_response, make_user, auth, app
):
    make_user("admin@example.org", "admin")
    auth.login("admin@example.org")
    html = client.get(f"/results/responses/{contact_response}").get_data(as_text=True)
    for value in CONTACT.values():
        assert value not in html
    assert "Show contact details" in html
    with app.app_context():
        assert db.session.scalars(select(AccessLog)).all() == []

    shown = client.post(
        f"/results/responses/{contact_response}",
        data={"csrf_token": csrf_token_from(html), "action": "show_contact"},
    )
    assert shown.status_code == 200
    text = shown.get_data(as_text=True)
    for value in CONTACT.values():
        assert value in text
    with app.app_context():
        (entry,) = db.session.scalars(select(AccessLog)).all()
        assert (entry.user_email, entry.action, entry.detail) == (
            "admin@example.org",
            "view_contact",
            contact_response,
        )
    # Without the CSRF token nothing is shown.
    forged = client.post(f"/results/responses/{contact_response}", data={"action": "show_contact"})
    assert forged.status_code == 400


def test_the_dashboard_never_shows_contact_details(client, contact_response, viewer):
    html = client.get("/results/").get_data(as_text=True)
    for value in CONTACT.values():
        assert value not in html


def test_an_unknown_response_is_not_found_and_a_draft_says_it_is_in_progress(
    client, make_respondent, viewer, app
):
    draft = make_respondent("en")
    draft.start()
    with app.app_context():
        uuid = db.session.scalar(select(Response.uuid))
    # The responses list links every response, drafts too: its page says it is not counted.
    page = client.get(f"/results/responses/{uuid}")
    assert page.status_code == 200
    assert 'data-status="draft"' in page.get_data(as_text=True)
    assert client.get("/results/responses/not-a-uuid").status_code == 404
    assert client.get("/results/answers/q17").status_code == 404


# --------------------------------------------------------------------------- live updates


def test_the_page_carries_the_data_version_and_a_refresh_link(client, survey_answers, viewer):
    page = dashboard(client, "?q2=yes")
    body = page.one("div", id="results-body")
    version = client.get("/api/version").get_json()
    assert body["data-version"] == version["version"]
    assert body["data-version-url"] == "/api/version"
    assert page.find_all("a", href="/results/?q2=yes")  # Refresh without JavaScript
    assert page.find_all("script", src="/static/js/results.js")
    assert page.one(id="live-status")["aria-live"] == "polite"


def test_the_fragment_is_the_body_alone_and_announces_new_responses(
    client, survey_answers, make_respondent, viewer
):
    before = len(survey_answers)
    make_respondent("en").complete({"q2": "yes"})
    make_respondent("ru").complete({"q2": "no"})
    response = client.get(f"/results/?fragment=1&previous={before}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and "<form" not in html
    page = Page(html)
    content = page.elements[0]
    assert content["data-total"] == str(before + 2)
    assert content["data-announce"] == "Updated: 2 new responses"
    assert content["data-version"] == client.get("/api/version").get_json()["version"]
    one = Page(client.get(f"/results/?fragment=1&previous={before + 1}").get_data(as_text=True))
    assert one.elements[0]["data-announce"] == "Updated: 1 new response"


def test_no_inline_styles_or_scripts(client, survey_answers, viewer):
    html = client.get("/results/?compare=q2").get_data(as_text=True)
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"<script(?![^>]*\ssrc=)", html)


def test_open_answers_follow_the_filters(client, make_respondent, viewer):
    people = [
        ("en", {"q2": "yes", "q6": ["government"], "q8": "English member, government"}),
        ("ru", {"q2": "yes", "q6": ["business"], "q8": "Русский член, бизнес"}),
        ("ru", {"q2": "no", "q6": ["government", "business"], "q8": "Русский, не член"}),
        ("en", {"q2": "no", "q8": "English non-member", "q1": "other", "q1_other": "Mobile"}),
    ]
    for lang, answers in people:
        make_respondent(lang).complete(answers)

    def listed(query):
        page = Page(client.get(f"/results/{query}").get_data(as_text=True))
        section = page.one("section", data_question="q8")
        return [
            e.text
            for e in page.find_all("p")
            if "answer-original" in e.get("class", "") and _inside(page, e, section)
        ]

    def expected(keep):
        return [a["q8"] for lang, a in reversed(people) if keep(lang, a)]

    assert listed("?lang=ru") == expected(lambda lang, a: lang == "ru")
    assert listed("?q2=yes") == expected(lambda lang, a: a.get("q2") == "yes")
    assert listed("?q6=government&q6=business&lang=ru") == expected(
        lambda lang, a: lang == "ru" and {"government", "business"} & set(a.get("q6", []))
    )
    assert listed("?q6=government&q2=no") == expected(
        lambda lang, a: "government" in a.get("q6", []) and a.get("q2") == "no"
    )
    # The page of all answers keeps the filter too.
    page = Page(client.get("/results/answers/q8?lang=en").get_data(as_text=True))
    shown = [e.text for e in page.find_all("p") if "answer-original" in e.get("class", "")]
    assert shown == expected(lambda lang, a: lang == "en")
    assert page.one("p", data_count="2")
    others = Page(client.get("/results/answers/q1_other?q2=no").get_data(as_text=True))
    assert [e.text for e in others.find_all("p") if "answer-original" in e.get("class", "")] == [
        "Mobile"
    ]
