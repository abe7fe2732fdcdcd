"""A few open answers to quote in the report: per coded category, or the newest ones.

Quotations are anonymous: no response identifier, no contact details. E-mail addresses and
telephone numbers that respondents wrote into their answers (q11 invites contact
information) are replaced by a placeholder in the quotation and in its translation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import _
from sqlalchemy import and_, case, func, select

from survey.extensions import db
from survey.models import ANSWERS, CATEGORIES, CODINGS, RESPONSES
from survey.open_answers.listing import page_of_answers
from survey.open_answers.translating import translations_for
from survey.questionnaire import OpenField
from survey.selection import Filters, matching

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
#: Seven or more digits, possibly grouped by spaces, dots, dashes or brackets, with or
#: without a leading "+": a telephone number (years and amounts are shorter).
PHONE = re.compile(r"(?<![\w])\+?\d(?:[\s().-]{0,2}\d){6,}")
#: Quotations of this length read best; longer ones are cut at a word.
LONGEST = 600


@dataclass(frozen=True)
class Quote:
    text: str
    language: str
    translation: str | None = None


def anonymised(text: str) -> str:
    """The text without e-mail addresses and telephone numbers."""
    text = EMAIL.sub(str(_("[e-mail removed]")), text)
    return PHONE.sub(str(_("[phone number removed]")), text)


def shortened(text: str) -> str:
    if len(text) <= LONGEST:
        return text
    return text[:LONGEST].rsplit(" ", 1)[0].rstrip(",;:") + " …"


def _quote(text: str, language: str, translation: str | None) -> Quote:
    return Quote(
        shortened(anonymised(text)),
        language,
        shortened(anonymised(translation)) if translation else None,
    )


def per_category(
    field: OpenField, filters: Filters, language: str, each: int = 2
) -> dict[str, list[Quote]]:
    """Up to `each` answers coded into each of the field's categories, with translations
    into `language`: the first of each language before the second of any (answers of 40 to
    600 characters first, then the earliest), so a category answered in several languages
    is quoted in several."""
    a, c, k, r = ANSWERS, CODINGS, CATEGORIES, RESPONSES
    length = func.length(a.c.text)
    readable = case((and_(length >= 40, length <= LONGEST), 0), else_=1)
    ranked = (
        select(
            k.c.code,
            a.c.id,
            a.c.text,
            r.c.language,
            func.row_number()
            .over(partition_by=(k.c.code, r.c.language), order_by=(readable, a.c.id))
            .label("position"),
        )
        .select_from(
            c.join(k, k.c.id == c.c.category_id)
            .join(a, a.c.id == c.c.answer_id)
            .join(r, r.c.id == a.c.response_id)
        )
        .where(
            k.c.field == field.field,
            k.c.deleted_at.is_(None),
            a.c.question == field.question,
            a.c.option == field.option,
            *matching(filters, r),
        )
        .subquery()
    )
    candidates = db.session.execute(
        select(ranked.c.code, ranked.c.id, ranked.c.text, ranked.c.language)
        .where(ranked.c.position <= each)
        .order_by(ranked.c.code, ranked.c.position, ranked.c.id)
    ).all()
    taken: dict[str, int] = {}
    rows = []
    for row in candidates:
        if taken.get(row.code, 0) < each:
            taken[row.code] = taken.get(row.code, 0) + 1
            rows.append(row)
    wanted = [row.id for row in rows if row.language != language]
    translated = translations_for(wanted, language)
    found: dict[str, list[Quote]] = {}
    for row in rows:
        quote = _quote(row.text or "", row.language, translated.get(row.id))
        found.setdefault(row.code, []).append(quote)
    return found


def newest(field: OpenField, filters: Filters, language: str, count: int = 3) -> list[Quote]:
    """The newest `count` different answers, with translations into `language`."""
    entries, _more = page_of_answers(field.field, filters, count * 4, 0, language)
    found: dict[str, Quote] = {}
    for entry in entries:
        key = " ".join(entry.text.casefold().split())
        if key not in found and len(found) < count:
            found[key] = _quote(entry.text, entry.language, entry.translation)
    return list(found.values())
