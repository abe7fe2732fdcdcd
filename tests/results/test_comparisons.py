"""Segments side by side that read at a glance, and honest tests of their differences.

Forty-eight respondents are made here from a seeded random source (the test's own table);
every expected figure — percentages, #1 placements in percent, the Mann–Whitney U and
Kruskal–Wallis statistics per ranked item, the chi-square test per multiple-choice option,
the grouped "other countries" — is computed here from those rows, with SciPy where a test
statistic is wanted, and compared with the API and the dashboard.
"""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal

import pytest
from scipy.stats import chi2_contingency, kruskal, mannwhitneyu

from tests.results.test_dashboard import Page

ITEMS = ["libraries", "government", "business", "nonprofit", "associations", "other"]
PARTNERS = ["libraries", "government", "business", "nonprofit", "associations"]
COUNTRIES = ["FR"] * 14 + ["DE"] * 12 + ["RU"] * 9 + ["KZ"] * 5 + ["EG"] * 4 + ["CM"] * 2 + ["TN"]


def make_rows() -> list[dict[str, str]]:
    chance = random.Random(17)
    rows = []
    for n, country in enumerate(COUNTRIES + ["US"]):
        row = {
            "q1": ["public", "academic", "school"][n % 3],
            "q2": "yes" if n % 5 < 3 else "no",
            "q3": country,
        }
        if n % 8:
            chosen = [p for p in PARTNERS if chance.random() < 0.5] or ["libraries"]
            for p in PARTNERS:
                row[f"q6_{p}"] = "1" if p in chosen else "0"
        if n % 6:
            # Members like libraries best more often: a difference for the tests to find.
            order = ITEMS[:]
            chance.shuffle(order)
            if row["q2"] == "yes" and chance.random() < 0.6:
                order.remove("libraries")
                order.insert(0, "libraries")
            ranked = order[: chance.randint(2, 6)]
            for item in ITEMS:
                row[f"q14_{item}"] = str(ranked.index(item) + 1) if item in ranked else "na"
        rows.append(row)
    return rows


def one_decimal(count: int, base: int) -> float:
    return float((Decimal(100 * count) / Decimal(base)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def ranks(rows, item: str) -> list[int]:
    return [int(r[f"q14_{item}"]) for r in rows if r.get(f"q14_{item}", "na") != "na"]


@pytest.fixture
def people(import_rows):
    return import_rows(make_rows())


def api(client, query: str):
    response = client.get(f"/api/results?{query}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_rankings_are_tested_per_item_with_mann_whitney_for_two_segments(client, people, viewer):
    body = api(client, "compare=q2")
    assert body["label"] == "Association member"
    segments = {s["value"]: s for s in body["segments"]}
    by = {value: [r for r in people if r["q2"] == value] for value in ("yes", "no")}
    for item in ITEMS:
        yes, no = ranks(by["yes"], item), ranks(by["no"], item)
        expected = mannwhitneyu(yes, no, alternative="two-sided")
        found = body["rank_tests"]["q14"][item]
        assert found["test"] == "mann_whitney_u"
        assert found["statistic"] == pytest.approx(float(expected.statistic))
        assert found["p"] == pytest.approx(float(expected.pvalue))
        assert found["reliable"] == (min(len(yes), len(no)) >= 5)
        # #1 placements in percent of the segment's respondents who ranked anything.
        for value, rows in by.items():
            answered = sum(1 for r in rows if any(k.startswith("q14_") for k in r))
            first = sum(1 for r in rows if r.get(f"q14_{item}") == "1")
            entry = next(
                i for i in segments[value]["questions"]["q14"]["items"] if i["code"] == item
            )
            assert (entry["first"], entry["first_percent"]) == (
                first,
                one_decimal(first, answered),
            )
    # The compared question is not tested against itself.
    assert "q2" not in body["tests"]


def test_more_segments_are_tested_with_kruskal_wallis(client, people, viewer):
    body = api(client, "compare=q1")
    for item in ITEMS:
        samples = [
            ranks([r for r in people if r["q1"] == v], item)
            for v in ("public", "academic", "school")
        ]
        expected = kruskal(*[s for s in samples if s])
        found = body["rank_tests"]["q14"][item]
        assert found["test"] == "kruskal_wallis"
        assert found["statistic"] == pytest.approx(float(expected.statistic))
        assert found["p"] == pytest.approx(float(expected.pvalue))


def test_each_multiple_choice_option_has_a_chi_square_test(client, people, viewer):
    body = api(client, "compare=q2")
    answered = {
        v: [r for r in people if r["q2"] == v and "q6_libraries" in r] for v in ("yes", "no")
    }
    for option in PARTNERS:
        table = []
        for value in ("yes", "no"):
            chose = sum(1 for r in answered[value] if r[f"q6_{option}"] == "1")
            table.append([chose, len(answered[value]) - chose])
        expected = chi2_contingency(table)
        found = body["option_tests"]["q6"][option]
        assert found["chi2"] == pytest.approx(float(expected.statistic))
        assert found["p"] == pytest.approx(float(expected.pvalue))
        assert found["dof"] == 1
        assert found["reliable"] == bool(expected.expected_freq.min() >= 5)


def test_percentages_stand_beside_counts_in_every_segment(client, people, viewer):
    body = api(client, "compare=q2")
    for segment in body["segments"]:
        rows = [r for r in people if r["q2"] == segment["value"]]
        q1 = segment["questions"]["q1"]
        assert q1["answered"] == len(rows)
        for option in q1["options"]:
            count = sum(1 for r in rows if r["q1"] == option["code"])
            assert (option["count"], option["percent"]) == (count, one_decimal(count, len(rows)))


def test_small_countries_are_grouped_into_other_countries(client, people, viewer):
    every = api(client, "compare=q3")
    assert len(every["segments"]) == len(set(COUNTRIES + ["US"]))
    body = api(client, "compare=q3&group_below=5")
    totals = {}
    for row in people:
        totals[row["q3"]] = totals.get(row["q3"], 0) + 1
    kept = {c for c, n in totals.items() if n >= 5}
    grouped = {c for c, n in totals.items() if n < 5}
    assert [s["value"] for s in body["segments"][:-1]] == sorted(kept, key=lambda c: -totals[c])
    other = body["segments"][-1]
    assert (other["value"], other["label"]) == ("*", "Other countries")
    assert set(other["grouped"]) == grouped
    assert other["total"] == sum(totals[c] for c in grouped)
    members = sum(1 for r in people if r["q3"] in grouped and r["q2"] == "yes")
    yes = next(o for o in other["questions"]["q2"]["options"] if o["code"] == "yes")
    assert yes["count"] == members
    assert body["group_below"] == 5

    # The dashboard groups below 10 unless told otherwise, and shows the control.
    page = Page(client.get("/results/?compare=q3").get_data(as_text=True))
    shown = {e["data-segment"] for e in page.find_all("tr") if e.get("data-segment")}
    assert shown == {c for c, n in totals.items() if n >= 10} | {"*"}
    assert page.one("input", name="group_below")["value"] == "10"


def test_segments_by_one_option_of_a_multiple_choice_question(client, people, viewer):
    body = api(client, "compare=q6.government")
    assert body["label"] == "Partners for advocacy: Government agencies"
    answered = [r for r in people if "q6_government" in r]
    totals = {s["value"]: s["total"] for s in body["segments"]}
    chose = sum(1 for r in answered if r["q6_government"] == "1")
    assert totals == {"yes": chose, "no": len(answered) - chose}
    assert "q6" not in body["option_tests"]


def test_the_dashboard_heads_each_segment_with_the_question_and_its_answer(client, people, viewer):
    page = Page(client.get("/results/?compare=q2").get_data(as_text=True))
    heads = [e.text for e in page.find_all("th") if e.get("class") == "segment-head"]
    members = sum(1 for r in people if r["q2"] == "yes" and r.get("q1"))
    assert f"Association member: Yes n = {members}" in heads
    # The compared question itself is shown once, for everybody, not against itself.
    section = page.one("section", data_question="q2")
    assert not [
        e
        for e in page.find_all("table", data_question="q2")
        if "compare-table" in e.get("class", "")
    ]
    assert "shown for all of them together" in section.text
    # The rank tests read in words under the ranking.
    notes = [e for e in page.find_all("li") if e.get("data-test") == "mann_whitney_u"]
    assert len(notes) == len(ITEMS)


def test_an_empty_segment_shows_a_dash_not_zero_percent(client, import_rows, viewer):
    import_rows([{"q1": "public", "q2": "yes", "q4": "5k"}, {"q1": "school", "q2": "no"}])
    page = Page(client.get("/results/?compare=q2").get_data(as_text=True))
    cells = page.find_all("td", data_question="q4", data_segment="no")
    assert cells and all(c.text == "–" and c["data-percent"] == "" for c in cells)
    filled = page.one("td", data_question="q4", data_segment="yes", data_option="5k")
    assert (filled.text, filled["data-percent"]) == ("1", "100.0")
