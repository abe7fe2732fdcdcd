"""The working group reads live results through GET /api/results.

Respondents answer through the web form (the form contract), a script reads the results
with a viewer's token, and every figure is checked against counts the test makes itself
from the answers it posted: for all respondents, one language, a filter, combined filters
and segments compared side by side with chi-square tests.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest
from scipy.stats import chi2_contingency

Q1 = ["association", "public", "national", "academic", "school", "other"]
Q4 = ["lt5k", "5k", "25k", "50k", "100k", "na"]
PARTNERS = ["libraries", "government", "business", "nonprofit", "associations", "other"]
Q16 = ["meetings", "focus_groups", "mou", "statements", "other"]
COUNTRIES = ["US", "EG", "RU", "KZ", "AU", "na"]
TEXTS = ["q8", "q9", "q10", "q11", "q13", "q15"]
SINGLE = {"q1": Q1, "q2": ["yes", "no"], "q4": Q4, "q5": ["yes", "no"], "q12": ["yes", "no"]}


# --------------------------------------------------------------------------- the respondents


def random_person(rng: random.Random) -> tuple[str, dict]:
    """One respondent's form-contract answers: every question optional, follow-ups by rule."""
    lang = rng.choice(["en", "en", "ru"])
    a: dict = {}
    if rng.random() < 0.9:
        a["q1"] = rng.choice(Q1)
        if a["q1"] == "other" and rng.random() < 0.6:
            a["q1_other"] = "Prison library"
    if rng.random() < 0.93:
        a["q2"] = rng.choice(["yes", "no"])
        if a["q2"] == "yes" and rng.random() < 0.6:
            a["q2_role"] = rng.choice(["Member", "Board member", "Президент"])
    if rng.random() < 0.9:
        a["q3"] = rng.choice(COUNTRIES)
    if rng.random() < 0.8:
        a["q4"] = rng.choice(Q4)
    if rng.random() < 0.85:
        a["q5"] = rng.choice(["yes", "no"])
        if a["q5"] == "yes" and rng.random() < 0.5:
            a["q5_budget"] = "5,000 EUR"
    partners = rng.sample(PARTNERS, rng.choice([0, 0, 1, 2, 3, 6]))
    if partners:
        a["q6"] = partners
        if "other" in partners and rng.random() < 0.5:
            a["q6_other"] = "Church"
        if rng.random() < 0.8:
            order = rng.sample(partners, len(partners))
            ranked = rng.randint(0, len(order))
            for position, item in enumerate(order):
                a[f"q7_{item}"] = str(position + 1) if position < ranked else "na"
    for code in TEXTS:
        if rng.random() < 0.3:
            a[code] = f"Answer to {code}"
    if rng.random() < 0.7:
        a["q12"] = rng.choice(["yes", "no"])
    if rng.random() < 0.6:
        order = rng.sample(PARTNERS, 6)
        ranked = rng.randint(0, 6)
        for position, item in enumerate(order):
            a[f"q14_{item}"] = str(position + 1) if position < ranked else "na"
    steps = rng.sample(Q16, rng.choice([0, 1, 2]))
    if steps:
        a["q16"] = steps
        if "other" in steps and rng.random() < 0.5:
            a["q16_other"] = "Webinars"
    if rng.random() < 0.2:
        a["q17_name"] = "A. Librarian"
        a["q17_email"] = "a@example.org"
    return lang, a


def people(n: int = 36, seed: int = 4) -> list[tuple[str, dict]]:
    rng = random.Random(seed)
    crowd = [random_person(rng) for _ in range(n)]
    # Edge cases: someone who declines everything, someone who ranks only N/A.
    crowd.append(("en", {}))
    crowd.append(("ru", {"q2": "yes", **{f"q14_{item}": "na" for item in PARTNERS}}))
    return crowd


def submit_all(make_respondent, crowd) -> None:
    for lang, answers in crowd:
        make_respondent(lang).complete(answers)


def add_drafts(make_respondent) -> None:
    """Two people who started but did not submit; one saved page 1 (q1 = public, q2 = yes)."""
    make_respondent("en").start()
    draft = make_respondent("ru")
    draft.start()
    draft.open(1)
    assert draft.answer(1, {"q1": "public", "q2": "yes"}).status_code == 302


# --------------------------------------------------------------------------- expected figures


def listed(answers: dict, field: str) -> list[str]:
    value = answers.get(field)
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


def ranking_fields(answers: dict, code: str) -> dict[str, str]:
    return {k[len(code) + 1 :]: v for k, v in answers.items() if k.startswith(f"{code}_")}


def expected_results(crowd) -> dict:
    """The figures, counted here in plain Python from the answers the test posted."""
    total = len(crowd)
    out: dict = {"total": total, "languages": Counter(lang for lang, _ in crowd), "q": {}}

    def put(code, answered, base, options=None, items=None):
        out["q"][code] = {"answered": answered, "declined": base - answered}
        if options is not None:
            out["q"][code]["options"] = options
        if items is not None:
            out["q"][code]["items"] = items

    for code in [*SINGLE, "q3"]:
        values = [a[code] for _, a in crowd if code in a]
        put(code, len(values), total, Counter(values))
    for code in ("q6", "q16"):
        chosen = [listed(a, code) for _, a in crowd if listed(a, code)]
        put(code, len(chosen), total, Counter(option for c in chosen for option in c))
    for code in TEXTS:
        put(code, sum(1 for _, a in crowd if a.get(code)), total)
    put(
        "q2_role",
        sum(1 for _, a in crowd if a.get("q2") == "yes" and a.get("q2_role")),
        sum(1 for _, a in crowd if a.get("q2") == "yes"),
    )
    put(
        "q5_budget",
        sum(1 for _, a in crowd if a.get("q5") == "yes" and a.get("q5_budget")),
        sum(1 for _, a in crowd if a.get("q5") == "yes"),
    )
    put("q17", sum(1 for _, a in crowd if a.get("q17_name") or a.get("q17_email")), total)
    for code, base in (("q7", sum(1 for _, a in crowd if a.get("q6"))), ("q14", total)):
        rankings = [ranking_fields(a, code) for _, a in crowd if ranking_fields(a, code)]
        items = {}
        for item in PARTNERS:
            ranks = [int(r[item]) for r in rankings if r.get(item, "na") != "na"]
            items[item] = {
                "by_rank": [ranks.count(rank) for rank in range(1, 7)],
                "n": len(ranks),
                "na": len(rankings) - len(ranks),
                "mean": sum(ranks) / len(ranks) if ranks else None,
            }
        put(code, len(rankings), base, items=items)
    return out


def assert_matches(body: dict, crowd) -> None:
    want = expected_results(crowd)
    assert body["total"] == want["total"]
    assert {k: v for k, v in body["languages"].items() if v} == dict(want["languages"])
    questions = body["questions"]
    for code, figures in want["q"].items():
        got = questions[code]
        assert (got["answered"], got["declined"]) == (
            figures["answered"],
            figures["declined"],
        ), code
        if "options" in figures:
            counts = {o["code"]: o["count"] for o in got["options"] if o["count"]}
            assert counts == dict(figures["options"]), code
            for option in got["options"]:
                share = 100 * option["count"] / figures["answered"] if figures["answered"] else 0
                assert option["percent"] == pytest.approx(share, abs=0.05 + 1e-9), (code, option)
        if "items" in figures:
            for item in got["items"]:
                mine = figures["items"][item["code"]]
                assert item["by_rank"] == mine["by_rank"], (code, item)
                assert (item["n"], item["na"], item["first"]) == (
                    mine["n"],
                    mine["na"],
                    mine["by_rank"][0],
                ), (code, item)
                if mine["mean"] is None:
                    assert item["mean"] is None
                else:
                    assert item["mean"] == pytest.approx(mine["mean"], abs=0.005)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def api(client, viewer_token):
    def get(query: str = "", status: int = 200) -> dict:
        response = client.get(
            f"/api/results{query}", headers={"Authorization": f"Bearer {viewer_token}"}
        )
        assert response.status_code == status, response.get_data(as_text=True)
        return response.get_json()

    return get


# --------------------------------------------------------------------------- the stories


def test_every_question_matches_counts_made_from_the_posted_answers(make_respondent, api):
    crowd = people()
    submit_all(make_respondent, crowd)
    add_drafts(make_respondent)

    everyone = api()
    assert everyone["in_progress"] == 2
    assert_matches(everyone, crowd)
    assert everyone["questions"]["q6"]["percent_base"] == "respondents"
    assert everyone["questions"]["q1"]["other_count"] == sum(
        1 for _, a in crowd if a.get("q1") == "other" and a.get("q1_other")
    )
    assert everyone["questions"]["q6"]["other_count"] == sum(
        1 for _, a in crowd if "other" in listed(a, "q6") and a.get("q6_other")
    )

    russian = api("?lang=ru")
    assert_matches(russian, [(lang, a) for lang, a in crowd if lang == "ru"])
    assert russian["languages"].get("en", 0) == 0

    members = api("?q2=yes")
    assert_matches(members, [(lang, a) for lang, a in crowd if a.get("q2") == "yes"])
    # The draft that saved q2 = yes is in progress, not counted.
    assert members["in_progress"] == 1
    assert api("?q2=no")["in_progress"] == 0

    combined = api("?lang=en&q2=yes&q6=government&q6=business")
    assert_matches(
        combined,
        [
            (lang, a)
            for lang, a in crowd
            if lang == "en"
            and a.get("q2") == "yes"
            and {"government", "business"} & set(listed(a, "q6"))
        ],
    )
    ranked_libraries = api("?q14=libraries")
    assert_matches(
        ranked_libraries,
        [(lang, a) for lang, a in crowd if a.get("q14_libraries", "na") != "na"],
    )


def test_country_table_is_most_first_with_names_in_the_requested_language(make_respondent, api):
    crowd = [("en", {"q3": "RU"}), ("ru", {"q3": "RU"}), ("en", {"q3": "US"}), ("en", {})]
    crowd += [("en", {"q3": "na"})]
    submit_all(make_respondent, crowd)

    english = api()["questions"]["q3"]["options"]
    assert [(o["code"], o["count"]) for o in english] == [("RU", 2), ("US", 1), ("na", 1)]
    assert [o["label"] for o in english] == ["Russia", "United States", "Prefer not to say"]
    assert [o["percent"] for o in english] == [50.0, 25.0, 25.0]
    russian = api("?locale=ru")["questions"]["q3"]["options"]
    assert russian[0]["label"] == "Россия"
    assert api("?locale=ru")["questions"]["q2"]["options"][0]["label"] == "Да"


def test_follow_up_bases_are_the_eligible_respondents(make_respondent, api):
    crowd = [
        ("en", {"q2": "yes", "q2_role": "Chair", "q5": "yes", "q6": ["government"]}),
        ("en", {"q2": "yes", "q5": "no", "q6": ["libraries", "business"], "q7_business": "1"}),
        ("ru", {"q2": "no", "q5": "yes", "q5_budget": "10 000 руб."}),
        ("en", {}),
    ]
    submit_all(make_respondent, crowd)
    questions = api()["questions"]
    assert (questions["q2_role"]["answered"], questions["q2_role"]["declined"]) == (1, 1)
    assert (questions["q5_budget"]["answered"], questions["q5_budget"]["declined"]) == (1, 1)
    # q7 is offered to the two who chose partners in q6; one of them ranked.
    assert (questions["q7"]["answered"], questions["q7"]["declined"]) == (1, 1)
    business = next(i for i in questions["q7"]["items"] if i["code"] == "business")
    libraries = next(i for i in questions["q7"]["items"] if i["code"] == "libraries")
    assert (business["first"], business["n"], business["mean"]) == (1, 1, 1.0)
    assert (libraries["n"], libraries["na"], libraries["mean"]) == (0, 1, None)
    assert (questions["q8"]["answered"], questions["q8"]["declined"]) == (0, 4)
    assert all(len(item["by_rank"]) == 6 for item in questions["q14"]["items"])


def contingency(crowd, segment_of, code) -> list[list[int]]:
    """Segments x options of `code`, counted here; all-zero rows and columns dropped."""
    segments = sorted({segment_of(lang, a) for lang, a in crowd} - {None})
    table = [
        [
            sum(1 for lang, a in crowd if segment_of(lang, a) == s and a.get(code) == option)
            for option in SINGLE[code]
        ]
        for s in segments
    ]
    table = [row for row in table if any(row)]
    keep = [i for i in range(len(SINGLE[code])) if any(row[i] for row in table)]
    return [[row[i] for i in keep] for row in table]


@pytest.mark.parametrize(
    ("compare", "segment_of"),
    [
        ("q2", lambda lang, a: a.get("q2")),
        ("lang", lambda lang, a: lang),
    ],
    ids=["q2", "lang"],
)
def test_segments_side_by_side_with_chi_square_tests(make_respondent, api, compare, segment_of):
    crowd = people(n=44, seed=9)
    submit_all(make_respondent, crowd)
    add_drafts(make_respondent)

    body = api(f"?compare={compare}")
    values = sorted({segment_of(lang, a) for lang, a in crowd} - {None})
    assert sorted(s["value"] for s in body["segments"] if s["total"]) == values
    for segment in body["segments"]:
        assert_matches(
            segment, [(lg, a) for lg, a in crowd if segment_of(lg, a) == segment["value"]]
        )
    # Respondents who declined the compared question are in no segment.
    assert sum(s["total"] for s in body["segments"]) == sum(
        1 for lang, a in crowd if segment_of(lang, a) is not None
    )

    tested = {code for code in SINGLE if code != compare}
    assert compare not in body["tests"]
    for code in tested:
        table = contingency(crowd, segment_of, code)
        if len(table) < 2 or len(table[0]) < 2:
            assert code not in body["tests"]
            continue
        mine = chi2_contingency(table)
        got = body["tests"][code]
        assert got["chi2"] == pytest.approx(mine.statistic, rel=1e-6, abs=1e-9), code
        assert got["dof"] == mine.dof
        assert got["p"] == pytest.approx(mine.pvalue, rel=1e-6), code
        assert got["reliable"] is bool(mine.expected_freq.min() >= 5)


def test_a_filtered_comparison_keeps_the_filter_in_every_segment(make_respondent, api):
    crowd = people(n=30, seed=11)
    submit_all(make_respondent, crowd)
    body = api("?lang=en&compare=q1")
    for segment in body["segments"]:
        assert_matches(
            segment, [(lg, a) for lg, a in crowd if lg == "en" and a.get("q1") == segment["value"]]
        )
    assert [s["value"] for s in body["segments"]] == Q1
