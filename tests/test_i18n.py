"""Every user-facing string reaches a Russian respondent in Russian."""

import gettext
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale

from survey.questionnaire.library_advocacy import PAGES, QUESTIONS

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "translations" / "ru" / "LC_MESSAGES" / "messages.po"
COMPILED = CATALOG.with_suffix(".mo")


def load_catalog():
    with CATALOG.open("rb") as handle:
        return read_po(handle, locale="ru")


def test_the_russian_catalog_has_no_untranslated_or_fuzzy_entry():
    catalog = load_catalog()
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple | list) else [message.string]
        if "fuzzy" in message.flags or not all(strings):
            problems.append(message.id)
    assert problems == []


def test_russian_plurals_have_three_forms():
    catalog = load_catalog()
    assert catalog.num_plurals == 3
    for message in catalog:
        if message.pluralizable:
            assert len(message.string) == 3 and all(message.string), message.id


def test_the_compiled_catalog_matches_the_source_catalog():
    """A fresh clone serves Russian without a compile step, so the .mo must be current."""
    with COMPILED.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for message in load_catalog():
        if not message.id:
            continue
        if message.pluralizable:
            singular, plural = message.id
            for n, expected in zip((1, 3, 5), message.string, strict=True):
                assert compiled.ngettext(singular, plural, n) == expected
        elif message.context:
            assert compiled.pgettext(message.context, message.id) == message.string
        else:
            assert compiled.gettext(message.id) == message.string


def english_texts(app):
    with app.app_context(), force_locale("en"):
        return {str(q.text) for q in QUESTIONS} | {str(p.title) for p in PAGES}


@pytest.mark.parametrize("number", range(1, len(PAGES) + 1))
def test_every_question_page_is_in_russian_for_a_russian_browser(app, make_respondent, number):
    person = make_respondent("ru")
    person.start()
    person.answer(2, {"q6": ["libraries", "other"]})
    html = person.open(number).get_data(as_text=True)
    assert '<html lang="ru">' in html
    for english in english_texts(app):
        assert english not in html
    assert "Далее" in html or "Отправить ответы" in html
    assert re.search(r"<title>[^<]*[а-яА-Я][^<]*</title>", html)


def test_errors_are_in_the_language_of_the_page(make_respondent):
    person = make_respondent("ru")
    person.start()
    person.open(5)
    html = person.answer(5, {"q14_libraries": "1", "q14_business": "1"}).get_data(as_text=True)
    assert "Каждое место может занять только один пункт" in html


def test_country_names_are_in_russian_and_sorted_in_russian(make_respondent):
    person = make_respondent("ru")
    person.start()
    html = person.open(1).get_data(as_text=True)
    select = html[html.index('name="q3"') :]
    select = select[: select.index("</select>")]
    names = re.findall(r'<option value="[A-Z]{2}"[^>]*>([^<]+)</option>', select)
    assert "Россия" in names and "Египет" in names and "Федеративные Штаты Микронезии" in names
    normalised = [name.lower().replace("ё", "е") for name in names]
    cyrillic = [name for name in normalised if re.match("[а-я]", name)]
    assert cyrillic == sorted(cyrillic)
    assert names.index("Австралия") < names.index("Египет") < names.index("Россия")


def test_the_language_switcher_is_on_every_respondent_page(client):
    for url in ["/en/", "/en/page/1", "/en/page/6"]:
        html = client.get(url).get_data(as_text=True)
        assert "Русский" in html


def test_every_string_marked_in_the_code_is_in_the_russian_catalog():
    """Catches a forgotten `pybabel extract/update`: such strings would reach users in English."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    found = {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT / "survey"), method_map, keywords=keywords
        )
    }
    assert "Skip to content" in found  # the templates were read, not only the Python code
    catalog = {m.id if isinstance(m.id, str) else m.id[0] for m in load_catalog() if m.id}
    assert sorted(found - catalog) == []


# --------------------------------------------------------------------------- the commands


@pytest.mark.parametrize(
    ("environment", "language"),
    [
        ({}, "en"),
        ({"LANG": "ru_RU.UTF-8"}, "ru"),
        ({"LANG": "ru"}, "ru"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "en"),  # no German catalog: the default language
        ({"LC_MESSAGES": "ru_RU.UTF-8", "LANG": "en_GB.UTF-8"}, "ru"),
        ({"LC_ALL": "ru_RU.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}, "ru"),
        ({"LC_ALL": "", "LANG": "ru_RU.UTF-8"}, "ru"),  # empty counts as unset
        # As for any command-line program, LC_ALL=C asks for untranslated output.
        ({"LC_ALL": "C", "LANG": "ru_RU.UTF-8"}, "en"),
    ],
)
def test_the_commands_speak_the_operators_language(runner, environment, language):
    result = runner.invoke(args=["rebuild-result-counts"], env=environment)
    assert result.exit_code == 0, result.output
    expected = {
        "en": r"Result counts rebuilt from 0 submitted responses in \d+\.\d s\.",
        "ru": r"Счётчики результатов пересчитаны по 0 отправленным анкетам за \d+,\d с\.",
    }
    assert re.search(expected[language], result.output), result.output
