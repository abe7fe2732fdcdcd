"""The acceptance test of the report: the 2013 survey, rebuilt from its published figures,
comes out of the generated report with those figures, in English and in Russian, as PDF
(read back with pypdf) and as the self-contained HTML file.

The expected text is worked out here from `report_2013` (the report's own counts) and the
questionnaire's wording; numbers are written as each language writes them (2.21 / 2,21).
"""

from __future__ import annotations

import html
import io
import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from flask_babel import force_locale
from pypdf import PdfReader

from survey.questionnaire import current_questionnaire
from tests.report import report_2013 as r2013

ITEMS_EN = {
    "libraries": "Other libraries",
    "government": "Government agencies",
    "business": "Business",
    "nonprofit": "Non-governmental organisations (NGOs)",
    "associations": "Library associations",
    "other": "Others",
}
COUNTRY_NAMES = {"en": {"US": "United States", "EG": "Egypt", "RU": "Russia", "AU": "Australia"},
                 "ru": {"US": "Соединенные Штаты", "EG": "Египет", "RU": "Россия",
                        "AU": "Австралия"}}  # fmt: skip


def words(text: str) -> str:
    return " ".join(text.split())


def decimal(value: Fraction | float, places: int, language: str) -> str:
    """A number rounded half up to `places` decimals, written as `language` writes it."""
    if isinstance(value, Fraction):
        exact = Decimal(value.numerator) / Decimal(value.denominator)
    else:
        exact = Decimal(str(value))
    text = str(exact.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP))
    return text.replace(".", ",") if language == "ru" else text


def percent(count: int, base: int, language: str) -> str:
    return decimal(Fraction(100 * count, base), 1, language)


def pdf_pages(data: bytes) -> list[str]:
    assert data.startswith(b"%PDF-")
    return [words(page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


def html_text(document: str) -> str:
    body = re.sub(r"<style>.*?</style>|<svg.*?</svg>", " ", document, flags=re.S)
    return words(html.unescape(re.sub(r"<[^>]+>", " ", body)))


def expected_lines(app, language: str) -> list[str]:
    """What the report must say, worked out from the 2013 counts."""
    lines = []
    with app.app_context(), force_locale(language):
        questionnaire = current_questionnaire()
        for question in questionnaire.questions:
            if question.asked and not question.personal:
                lines.append(words(str(question.text)))
    yes, no = ("Yes", "No") if language == "en" else ("Да", "Нет")
    for counts in (r2013.Q2, r2013.Q5, r2013.Q12):
        answered = sum(counts.values())
        lines.append(f"{yes} {counts['yes']} {percent(counts['yes'], answered, language)}")
        lines.append(f"{no} {counts['no']} {percent(counts['no'], answered, language)}")
    for code, name in COUNTRY_NAMES[language].items():
        lines.append(f"{name} {r2013.COUNTRIES[code]}")
    # The question-14 table: count at each rank, not ranked, mean rank, #1.
    for by_rank, na in r2013.Q14_REPORT.values():
        mean = Fraction(sum(rank * n for rank, n in enumerate(by_rank, 1)), sum(by_rank))
        figures = [*by_rank, na, decimal(mean, 2, language), by_rank[0]]
        lines.append(" ".join(str(f) for f in figures))
    # Every category of every coded question, with its count.
    for _answered, found in r2013.OPEN.values():
        for _code, english, russian, count in found:
            lines.append(f"{english if language == 'en' else russian} {count}")
    return lines


def assert_reproduces_2013(text: str, app, language: str) -> None:
    missing = [line for line in expected_lines(app, language) if line not in text]
    assert missing == [], missing
    # The published ratings (2.21, 2.55, 3.27, 3.34, 3.53; "Others" 5.66, see the q14 test).
    for rating in ("2.21", "2.55", "3.27", "3.34", "3.53", "5.66"):
        assert (rating if language == "en" else rating.replace(".", ",")) in text
    # Contact details never: not q17, not the e-mail and phone number written in an answer.
    assert "@contact.example.org" not in text and "anna.petrova@example.org" not in text
    assert "123-45-67" not in text
    assert "Respondent 0" not in text


def test_the_pdf_reproduces_the_2013_figures_in_english_and_russian(
    app, client, runner, survey_2013, viewer, tmp_path
):
    english = tmp_path / "report-en.pdf"
    written = runner.invoke(args=["report", "--out", str(english), "--quiet"])
    assert written.exit_code == 0, written.output
    russian = client.get("/results/report.pdf?language=ru")
    assert russian.status_code == 200 and russian.mimetype == "application/pdf"
    assert "attachment" in russian.headers["Content-Disposition"]

    for language, data in (("en", english.read_bytes()), ("ru", russian.data)):
        pages = pdf_pages(data)
        text = " ".join(pages)
        assert_reproduces_2013(text, app, language)
        # The title page: 290 responses, 265 in English and 25 in Russian, March–May 2013.
        assert re.search(r"290\b", pages[0])
        assert ("English 265" if language == "en" else "Английский 265") in pages[0]
        assert ("Russian 25" if language == "en" else "Русский 25") in pages[0]
        assert ("2013" in pages[0]) and (
            "Mar" in pages[0] if language == "en" else "мар" in pages[0]
        )
        # The contents give each question's page, and the question is on that page.
        assert_contents_point_to_the_pages(app, language, pages)
        # A quotation in Russian with its English translation (in the English report).
        if language == "en":
            assert r2013.RUSSIAN_ANSWER in text and r2013.RUSSIAN_ANSWER_EN in text
            assert "[e-mail removed]" in text and "[phone number removed]" in text


def assert_contents_point_to_the_pages(app, language: str, pages: list[str]) -> None:
    with app.app_context(), force_locale(language):
        questionnaire = current_questionnaire()
        shown = [q for q in questionnaire.questions if q.asked and not q.personal]
        entries = [(questionnaire.number(q.code), words(q.short_label)) for q in shown]
    contents = next(page for page in pages[:3] if entries[-1][1] in page)
    for number, name in entries:
        found = re.search(re.escape(f"{number}. {name}") + r"[ .]*?(\d+)(?!\S*\d)", contents)
        assert found, (number, name)
        page = int(found.group(1))
        assert f"{number}. {name}" in pages[page - 1], (number, name, page)


def test_the_html_file_reproduces_the_2013_figures_and_stands_alone(
    app, client, runner, survey_2013, viewer, tmp_path
):
    russian = tmp_path / "report-ru.html"
    written = runner.invoke(args=["report", "--out", str(russian), "--language", "ru", "--quiet"])
    assert written.exit_code == 0, written.output
    english = client.get("/results/report.html?language=en")
    assert english.status_code == 200
    assert "attachment" in english.headers["Content-Disposition"]
    for language, document in (
        ("en", english.get_data(as_text=True)),
        ("ru", russian.read_text(encoding="utf-8")),
    ):
        assert f'<html lang="{language}">' in document
        # Self-contained: nothing fetched, no script.
        assert "<script" not in document and "<link" not in document
        assert not re.search(r"""(src|href)=["']?(https?:|//)""", document)
        assert "url(" not in document
        assert document.count("<svg") >= 10
        assert_reproduces_2013(html_text(document), app, language)
