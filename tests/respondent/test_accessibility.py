"""Errors reach every user, questions are headings, the language switcher comes first.

Read from the HTML the server sends (no JavaScript): what a screen reader is told.
The browser tests check the same in Chromium, with the keyboard and axe-core.
"""

from __future__ import annotations

import lxml.html
import pytest

FOCUSABLE = "//a[@href] | //button | //input | //select | //textarea | //*[@tabindex]"


def parse(response):
    return lxml.html.fromstring(response.get_data(as_text=True))


def by_id(doc, element_id: str):
    found = doc.get_element_by_id(element_id, None)
    assert found is not None, f"no element with id {element_id}"
    return found


def text_of(element) -> str:
    return " ".join(element.text_content().split())


@pytest.fixture
def failed_page_1(make_respondent):
    person = make_respondent()
    person.start()
    person.open(1)
    return person.answer(
        1,
        {
            "q1": "public",
            "q1_other": "Prison library",
            "q2": "yes",
            "q2_role": "x" * 301,
            "q3": "XX",
            "q4": "25k",
        },
    )


def test_a_failed_page_starts_with_an_error_summary_that_takes_the_focus(failed_page_1):
    doc = parse(failed_page_1)
    summary = by_id(doc, "error-summary")
    assert summary.get("autofocus") is not None
    assert summary.get("tabindex") == "-1"
    assert summary.get("role") == "alert"
    # It comes before the form, right under the page's heading.
    assert doc.xpath("//h1/following::*[@id][1]")[0] is summary
    assert "Please check 3 answers" in text_of(summary)


def test_the_error_summary_links_to_each_question(failed_page_1):
    doc = parse(failed_page_1)
    links = by_id(doc, "error-summary").xpath(".//a")
    assert [link.get("href") for link in links] == [
        "#q1-question",
        "#q2_role-question",
        "#q3-question",
    ]
    assert text_of(links[0]).startswith("Question 1: You chose “Public / community library”")
    assert text_of(links[1]).startswith("Question 2a: Please shorten")
    for link in links:
        target = by_id(doc, link.get("href")[1:])
        assert target.get("tabindex") == "-1", "a link must be able to move the focus there"


def test_the_page_title_starts_with_the_number_of_problems(failed_page_1, make_respondent):
    assert parse(failed_page_1).findtext(".//title").startswith("3 answers to check – ")
    person = make_respondent("ru")
    person.start()
    person.open(6)
    title = parse(person.answer(6, {"q17_email": "nobody"})).findtext(".//title")
    assert title.startswith("1 ответ нужно проверить – ")
    person.open(6)
    assert not person.open(6).get_data(as_text=True).count("нужно проверить")


def test_every_invalid_input_is_marked_and_described_by_its_message(failed_page_1):
    doc = parse(failed_page_1)
    invalid = doc.xpath('//*[@aria-invalid="true"]')
    names = {element.get("name") for element in invalid}
    assert names == {"q1", "q1_other", "q2_role", "q3"}
    # Every radio of q1 (the group is what is wrong) and its "other" box.
    assert len(doc.xpath('//input[@name="q1"][@aria-invalid="true"]')) == 6
    for element in invalid:
        code = element.get("name").removesuffix("_other")
        described = element.get("aria-describedby").split()
        assert f"{code}-error" in described
        message = text_of(by_id(doc, f"{code}-error"))
        assert message.startswith("Error:")
    # A question without an error is not marked.
    assert doc.xpath('//input[@name="q4"][@aria-invalid]') == []
    assert doc.xpath('//input[@name="q2"][@aria-invalid]') == []
    # The hint stays in the description beside the message.
    assert by_id(doc, "q2_role").get("aria-describedby").split() == [
        "q2_role-hint",
        "q2_role-error",
    ]


def test_a_bad_e_mail_marks_the_e_mail_input_only(make_respondent):
    person = make_respondent()
    person.start()
    person.open(6)
    doc = parse(person.answer(6, {"q17_name": "Zola", "q17_email": "not-an-email"}))
    email = by_id(doc, "q17_email")
    assert email.get("aria-invalid") == "true"
    assert email.get("aria-describedby") == "q17-error"
    assert "valid e-mail address" in text_of(by_id(doc, "q17-error"))
    for other in ("q17_name", "q17_organization"):
        assert by_id(doc, other).get("aria-invalid") is None
        assert by_id(doc, other).get("aria-describedby") is None


def test_a_ranking_with_repeated_ranks_marks_its_selects(make_respondent):
    person = make_respondent()
    person.start()
    person.open(5)
    doc = parse(person.answer(5, {"q14_libraries": "1", "q14_business": "1"}))
    selects = doc.xpath('//select[starts-with(@name, "q14_")]')
    assert len(selects) == 6
    for select in selects:
        assert select.get("aria-invalid") == "true"
        assert select.get("aria-describedby") == "q14-error"


@pytest.mark.parametrize(
    ("number", "headings"),
    [
        (1, [("h2", "1."), ("h2", "2."), ("h3", "If yes"), ("h2", "3."), ("h2", "4.")]),
        (2, [("h2", "5."), ("h3", "If so"), ("h2", "6.")]),
        (4, [("h2", "8."), ("h2", "9."), ("h2", "10."), ("h2", "11.")]),
        (5, [("h2", "12."), ("h2", "13."), ("h2", "14.")]),
        (6, [("h2", "15."), ("h2", "16."), ("h2", "17.")]),
    ],
)
def test_every_question_is_a_heading_under_the_pages_heading(make_respondent, number, headings):
    person = make_respondent()
    person.start()
    doc = parse(person.open(number))
    found = doc.xpath("//main//*[self::h1 or self::h2 or self::h3]")
    assert found[0].tag == "h1"
    shown = [(h.tag, text_of(h)) for h in found[1:]]
    assert len(shown) == len(headings), shown
    for (tag, text), (expected_tag, start) in zip(shown, headings, strict=True):
        assert tag == expected_tag and text.startswith(start), (tag, text)
    # A heading names its inputs: the legend of a group, or the label of one input.
    for heading in found[1:]:
        assert heading.getparent().tag == "legend" or heading.find("label") is not None


def test_the_ranking_page_has_its_question_as_a_heading(make_respondent):
    person = make_respondent("ru")
    person.start()
    person.answer(2, {"q6": ["libraries", "government"]})
    doc = parse(person.open(3))
    [heading] = doc.xpath("//main//h2")
    assert text_of(heading).startswith("7.")


@pytest.mark.parametrize("url", ["/en/page/1", "/ru/page/3", "/en/page/6"])
def test_the_language_switcher_comes_first_in_the_tab_order(client, url):
    page = client.get("/en/")
    from tests.conftest import csrf_token_from

    client.post(
        "/en/", data={"csrf_token": csrf_token_from(page.get_data(as_text=True)), "action": "next"}
    )
    doc = parse(client.get(url, follow_redirects=True))
    tabbable = [
        element
        for element in doc.xpath(FOCUSABLE)
        if element.get("tabindex") != "-1" and element.get("type") != "hidden"
    ]
    assert "skip-link" in tabbable[0].get("class")
    switcher = tabbable[1]
    assert switcher.get("value", "").startswith("language:")
    assert switcher.get("form") == "page-form"
    # Enter in a text field presses the form's first submit button: still "Next".
    [default] = [
        element
        for element in doc.xpath("//button")
        if element.get("form") == "page-form" or element.xpath("ancestor::form[@id='page-form']")
    ][:1]
    assert default.get("value") in ("next", "submit")
    assert default.get("tabindex") == "-1"
