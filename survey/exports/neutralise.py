"""Formula-injection neutralisation for spreadsheet exports (OWASP "CSV Injection").

Excel and LibreOffice read a cell that starts with `=`, `+`, `-`, `@`, a tab, a carriage
return or a line feed as a formula. Every *text* cell the exports write (answers, "other"
texts, translations, contact details, labels) that starts with one of these characters, or
with an apostrophe, gets one leading apostrophe; spreadsheets show it as plain text. Numbers
the application writes itself (ranks, 0/1 flags) are not text and stay numbers.

Text that already starts with an apostrophe is prefixed too, so the transformation can be
undone exactly: `restore` strips one leading apostrophe only when what follows starts with
a formula character or an apostrophe, which is precisely the set of cells `neutralise`
changed. `restore(neutralise(text)) == text` for every text, and the importer relies on it
for byte-identical round trips.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
PREFIX = "'"
_ESCAPED_STARTS = (*FORMULA_STARTS, PREFIX)
ESCAPED_FIRST_CHARACTERS = frozenset(_ESCAPED_STARTS)


def neutralise(text: str) -> str:
    return PREFIX + text if text.startswith(_ESCAPED_STARTS) else text


def restore(text: str) -> str:
    if text.startswith(PREFIX) and text[1:].startswith(_ESCAPED_STARTS):
        return text[1:]
    return text
