"""Pre-rendered <option> lists for the questionnaire's long selects.

The country select has some 250 options; rendering them through Jinja on every view of
page 1 cost more than the rest of the page. The list is rendered once per language and
only the respondent's choice is marked on each view.
"""

from __future__ import annotations

from functools import cache

from markupsafe import Markup, escape

from survey.i18n import countries


@cache
def _country_options(language: str) -> str:
    return "".join(
        f'<option value="{escape(code)}">{escape(name)}</option>'
        for code, name in countries(language)
    )


def country_options(language: str, chosen: str | None) -> Markup:
    """The countries as <option> elements in `language`'s order, `chosen` selected."""
    html = _country_options(language)
    if chosen and chosen.isalpha() and len(chosen) == 2:
        marker = f'<option value="{chosen}">'
        html = html.replace(marker, f'<option value="{chosen}" selected>', 1)
    return Markup(html)  # noqa: S704 - built from escaped codes and names above
