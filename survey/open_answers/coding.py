"""Coding open answers into categories, as the 2013 analysts did by hand ("Financing – 11").

Categories are data the working group manages per open field (q9, q2_role, q6_other…): a
stable code (never reused), a name in one or more languages, a description, an order the
group chooses; they can be renamed, merged, retired or deleted. An answer may be coded into
several of its field's categories. The categories of a field form a derived question,
`<field>_code` (`survey.questionnaire.coded`), counted and exported like any question:
`coded_questionnaire` adds them to the questionnaire the results and exports see.

A plain module (no request objects); the caller commits (after `begin_write()` on SQLite).
Every change bumps the coding version, which is part of the results' data version, so open
dashboards and cached results follow.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from flask import current_app
from flask_babel import _
from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.sql import Select

from survey.changes import bump_change_counter
from survey.extensions import db
from survey.models import (
    RESPONSES,
    SUBMITTED,
    Answer,
    AnswerNote,
    CoderCoding,
    CoderReview,
    Coding,
    CodingCategory,
    CodingField,
    Recode,
    Response,
    Translation,
    User,
    utcnow,
)
from survey.open_answers import UnknownOpenField, is_open_answer, open_field
from survey.questionnaire import (
    OpenField,
    Questionnaire,
    asked_questionnaire,
    clean_text,
    is_storable,
)
from survey.questionnaire.coded import Category, CategoryQuestion
from survey.selection import Filters, matching
from survey.text_search import contains_text

NAME_LIMIT = 200
DESCRIPTION_LIMIT = 1000
CODE_LIMIT = 40
#: The name of the coding version in `change_counters`.
VERSION = "coding"
#: Largest number of ids sent in one IN (...) list.
CHUNK = 5_000

# Russian letters as they are usually written in Latin letters, for codes made from names.
CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p",
         "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "iu", "ia"],
        strict=True,
    )
)  # fmt: skip
CODE_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}")


class CodingError(ValueError):
    """A category or coding that cannot be stored; the message is for the user."""


class CodingConflict(CodingError):
    """A change that clashes with the categories as they are now: a name or code already
    taken, a category merged into itself."""


def slug(text: str) -> str:
    """A code made from a name: Latin letters, digits and underscores, starting with a letter
    ("Lack of time" -> lack_of_time, "Финансирование" -> finansirovanie)."""
    text = "".join(CYRILLIC.get(ch, ch) for ch in text.lower())
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", "_", text).strip("_")[:CODE_LIMIT].rstrip("_")
    return text if text[:1].isalpha() else f"c_{text}".rstrip("_")


def field_of(name: str) -> OpenField:
    try:
        return open_field(name)
    except UnknownOpenField:
        raise CodingError(
            _("There are no open answers to code in “%(value)s”.", value=name)
        ) from None


def bump_version() -> None:
    """Count one more change to the coding (in the caller's transaction)."""
    bump_change_counter(VERSION)


# --------------------------------------------------------------------------- categories


def categories(field_name: str, include_retired: bool = True) -> list[CodingCategory]:
    """The field's categories in the group's order (deleted ones never)."""
    field = field_of(field_name)
    query = select(CodingCategory).where(
        CodingCategory.field == field.field, CodingCategory.deleted_at.is_(None)
    )
    if not include_retired:
        query = query.where(CodingCategory.retired_at.is_(None))
    return list(db.session.scalars(query.order_by(CodingCategory.position, CodingCategory.id)))


def category(field_name: str, code: str) -> CodingCategory:
    """One category of the field; LookupError when there is none (or it was deleted), also
    for what cannot be a category's code (a NUL byte, say, which PostgreSQL refuses)."""
    field = field_of(field_name)
    if not CODE_PATTERN.fullmatch(code):
        raise LookupError(code)
    found = db.session.scalar(
        select(CodingCategory).where(
            CodingCategory.field == field.field,
            CodingCategory.code == code,
            CodingCategory.deleted_at.is_(None),
        )
    )
    if found is None:
        raise LookupError(code)
    return found


def _clean(raw: str | None, limit: int) -> str:
    text, error = clean_text(raw or "", limit)
    if error:
        raise CodingError(error)
    return text


def _clean_names(field: OpenField, names: Mapping[str, str], exclude: int | None) -> dict[str, str]:
    """Names in configured languages, at least one, none taken by another category."""
    languages = current_app.config["LANGUAGES"]
    cleaned = {}
    for language, raw in names.items():
        if language not in languages:
            raise CodingError(_("Unknown language: “%(value)s”.", value=language))
        name = _clean(raw, NAME_LIMIT)
        if name:
            cleaned[language] = name
    if not cleaned:
        raise CodingError(_("Please give the category a name in at least one language."))
    for other in categories(field.field):
        if other.id == exclude:
            continue
        for language, name in cleaned.items():
            if other.names.get(language, "").casefold() == name.casefold():
                raise CodingConflict(
                    _("This question already has a category called “%(name)s”.", name=name)
                )
    return cleaned


def _free_code(field: OpenField, wanted: str | None, names: Mapping[str, str]) -> str:
    """The code asked for, or one made from a name; codes are never reused in a field."""
    taken = set(
        db.session.scalars(select(CodingCategory.code).where(CodingCategory.field == field.field))
    )
    if wanted is not None:
        if not CODE_PATTERN.fullmatch(wanted):
            raise CodingError(
                _(
                    "A code is up to 40 small Latin letters, digits and underscores, starting "
                    "with a letter (for example lack_of_time)."
                )
            )
        if wanted in taken:
            raise CodingConflict(
                _(
                    "The code “%(code)s” is taken in this question (codes are never reused).",
                    code=wanted,
                )
            )
        return wanted
    base = slug(names.get("en") or next(iter(names.values())))
    code, number = base, 2
    while code in taken:
        suffix = f"_{number}"
        code, number = base[: CODE_LIMIT - len(suffix)] + suffix, number + 1
    return code


def create_category(
    field_name: str,
    names: Mapping[str, str],
    code: str | None = None,
    description: str = "",
    user: User | None = None,
) -> CodingCategory:
    """A new category, last in the order; CodingError for what cannot be stored."""
    field = field_of(field_name)
    cleaned = _clean_names(field, names, exclude=None)
    found = CodingCategory(
        field=field.field,
        code=_free_code(field, code, cleaned),
        names=cleaned,
        description=_clean(description, DESCRIPTION_LIMIT),
        position=_last_position(field) + 1,
        created_by_id=user.id if user is not None else None,
    )
    db.session.add(found)
    db.session.flush()
    bump_version()
    return found


def _last_position(field: OpenField) -> int:
    last = db.session.scalar(
        select(func.max(CodingCategory.position)).where(CodingCategory.field == field.field)
    )
    return int(last or 0)


def update_category(
    field_name: str,
    code: str,
    names: Mapping[str, str] | None = None,
    description: str | None = None,
    retired: bool | None = None,
) -> CodingCategory:
    """Rename (names given replace the old ones), describe, retire or restore a category."""
    found = category(field_name, code)
    if names is not None:
        found.names = _clean_names(field_of(field_name), names, exclude=found.id)
    if description is not None:
        found.description = _clean(description, DESCRIPTION_LIMIT)
    if retired is not None:
        found.retired_at = (found.retired_at or utcnow()) if retired else None
    db.session.flush()
    bump_version()
    return found


def move_category(field_name: str, code: str, steps: int) -> None:
    """Move a category up (negative steps) or down in the group's order."""
    ordered = categories(field_name)
    index = next(i for i, c in enumerate(ordered) if c.code == code)
    moved = ordered.pop(index)
    ordered.insert(max(0, min(len(ordered), index + steps)), moved)
    for position, each in enumerate(ordered, start=1):
        each.position = position
    db.session.flush()
    bump_version()


def merge_categories(field_name: str, code: str, into: str) -> int:
    """Move every coding of `code` to `into` (answers that had both keep one), then delete
    `code`. Returns how many answers moved."""
    source, target = category(field_name, code), category(field_name, into)
    if source.id == target.id:
        raise CodingConflict(_("A category cannot be merged into itself."))
    has_target = select(Coding.answer_id).where(Coding.category_id == target.id)
    result: Any = db.session.execute(
        update(Coding)
        .where(Coding.category_id == source.id, Coding.answer_id.not_in(has_target))
        .values(category_id=target.id)
    )
    moved = result.rowcount
    _delete(source)
    return int(moved or 0)


def coding_count(found: CodingCategory) -> int:
    """How many answers are coded into a category (what deleting it would remove)."""
    count = db.session.scalar(select(func.count()).where(Coding.category_id == found.id))
    return int(count or 0)


def delete_category(field_name: str, code: str) -> int:
    """Delete a category and its codings; returns how many codings went with it. The row stays
    (marked deleted) so that its code is never given to another category."""
    found = category(field_name, code)
    removed = coding_count(found)
    _delete(found)
    return removed


def _delete(found: CodingCategory) -> None:
    db.session.execute(delete(Coding).where(Coding.category_id == found.id))
    found.deleted_at = utcnow()
    db.session.flush()
    bump_version()


# --------------------------------------------------------------------------- coded questions


def coded_questionnaire(definition: Questionnaire) -> Questionnaire:
    """The questionnaire with a coded question after each open field that has categories."""
    rows = db.session.execute(
        select(
            CodingCategory.field,
            CodingCategory.code,
            CodingCategory.names,
            CodingCategory.retired_at.is_not(None),
        )
        .where(CodingCategory.deleted_at.is_(None))
        .order_by(CodingCategory.field, CodingCategory.position, CodingCategory.id)
    ).all()
    state = tuple(
        (field, code, tuple(sorted((names or {}).items())), bool(retired))
        for field, code, names, retired in rows
    )
    return _derived(definition, state)


@lru_cache(maxsize=16)
def _derived(definition: Questionnaire, state: tuple) -> Questionnaire:
    """One questionnaire object per state of the categories (the OpenAPI document and the
    export columns are cached by it)."""
    by_field: dict[str, list[Category]] = {}
    for field, code, names, retired in state:
        by_field.setdefault(field, []).append(Category(code, names, retired))
    derived = []
    for field in definition.open_fields:
        if field.field in by_field:
            source = definition.question(field.question)
            derived.append(CategoryQuestion.of(source, field, by_field[field.field]))
    return definition.with_derived(derived) if derived else definition


# --------------------------------------------------------------------------- codings


def _answers_of(field: OpenField) -> Select:
    """Ids of the submitted open answers of one field."""
    return (
        select(Answer.id)
        .join(Response, Response.id == Answer.response_id)
        .where(
            Response.status == SUBMITTED,
            Answer.question == field.question,
            Answer.option == field.option,
            is_open_answer((field,)),
        )
    )


def answer_of(field_name: str, response_uuid: str) -> int:
    """The id of a submitted response's answer to an open field; LookupError if it has none."""
    field = field_of(field_name)
    found = db.session.scalar(_answers_of(field).where(Response.uuid == response_uuid))
    if found is None:
        raise LookupError(response_uuid)
    return int(found)


def codings_of(answer_ids: Iterable[int]) -> dict[int, set[int]]:
    """Category ids of each answer that has any."""
    found: dict[int, set[int]] = {}
    ids = sorted(set(answer_ids))
    for start in range(0, len(ids), CHUNK):
        rows = db.session.execute(
            select(Coding.answer_id, Coding.category_id).where(
                Coding.answer_id.in_(ids[start : start + CHUNK])
            )
        )
        for answer_id, category_id in rows:
            found.setdefault(answer_id, set()).add(category_id)
    return found


def set_codings(field_name: str, answer_id: int, codes: Sequence[str], user: User | None) -> None:
    """The answer's categories become exactly `codes` (idempotent). CodingError for an unknown
    or retired category."""
    field = field_of(field_name)
    offered = {c.code: c for c in categories(field.field)}
    chosen = []
    for code in dict.fromkeys(codes):
        found = offered.get(code)
        if found is None:
            raise CodingError(_("There is no category “%(code)s” in this question.", code=code))
        if found.is_retired:
            raise CodingError(_("The category “%(code)s” is retired.", code=code))
        chosen.append(found.id)
    current = codings_of([answer_id]).get(answer_id, set())
    change_codings(
        field_name,
        [(answer_id, c) for c in chosen if c not in current],
        [(answer_id, c) for c in current if c not in chosen],
        user,
    )


def change_codings(
    field_name: str,
    added: Iterable[tuple[int, int]],
    removed: Iterable[tuple[int, int]],
    user: User | None,
) -> int:
    """Apply ticks (answer_id, category_id) added and removed; returns how many changed.

    Only the changes are applied, so two people coding different answers (or different
    categories of one answer) at the same time do not undo each other's work. Retired
    categories can be unticked but not ticked.
    """
    field = field_of(field_name)
    added, removed = set(added), set(removed)
    answer_ids = {a for a, _c in added | removed}
    category_ids = {c for _a, c in added | removed}
    if not answer_ids:
        return 0
    valid = _answers_of(field).add_columns(Answer.response_id).where(Answer.id.in_(answer_ids))
    response_of: dict[int, int] = {a: r for a, r in db.session.execute(valid)}
    offered = {c.id: c for c in categories(field.field)}
    for answer_id, category_id in added | removed:
        if answer_id not in response_of or category_id not in offered:
            raise CodingError(_("This answer or category is not in this question."))
    if any(offered[c].is_retired for _a, c in added):
        raise CodingError(_("A retired category cannot be given to more answers."))
    existing = {
        (a, c)
        for a, c in db.session.execute(
            select(Coding.answer_id, Coding.category_id).where(
                Coding.answer_id.in_(answer_ids), Coding.category_id.in_(category_ids)
            )
        )
    }
    new = [
        {
            "answer_id": a,
            "category_id": c,
            "response_id": response_of[a],
            "coded_by_id": user.id if user else None,
        }
        for a, c in sorted(added - existing)
    ]
    if new:
        db.session.execute(insert(Coding), new)
    gone = removed & existing
    for answer_id, category_id in gone:
        db.session.execute(
            delete(Coding).where(Coding.answer_id == answer_id, Coding.category_id == category_id)
        )
    if new or gone:
        bump_version()
    return len(new) + len(gone)


# --------------------------------------------------------------------------- counts


@dataclass(frozen=True)
class CategoryCount:
    category: CodingCategory
    count: int


def category_counts(field_name: str, filters: Filters | None = None) -> list[CategoryCount]:
    """Answers coded into each category of the field, in the group's order (zero included),
    among the submitted responses the filters select."""
    field = field_of(field_name)
    answers = _answers_of(field).where(*matching(filters or Filters(), RESPONSES))
    counted = dict(
        db.session.execute(
            select(Coding.category_id, func.count())
            .where(Coding.answer_id.in_(answers))
            .group_by(Coding.category_id)
        ).all()
    )
    return [CategoryCount(c, int(counted.get(c.id, 0))) for c in categories(field.field)]


def coding_progress(field_name: str, filters: Filters | None = None) -> tuple[int, int]:
    """(answers of the field, of which coded into at least one category)."""
    field = field_of(field_name)
    answers = _answers_of(field).where(*matching(filters or Filters(), RESPONSES))
    total = db.session.scalar(select(func.count()).select_from(answers.subquery())) or 0
    coded = db.session.scalar(
        select(func.count(func.distinct(Coding.answer_id))).where(Coding.answer_id.in_(answers))
    )
    return int(total), int(coded or 0)


# --------------------------------------------------------------------------- the coding work


@dataclass(frozen=True)
class AnswerToCode:
    """One open answer as the coder sees it."""

    answer_id: int
    response_uuid: str
    text: str
    language: str
    #: The answer's translations, by target language.
    translations: Mapping[str, str]
    #: Ids of the categories it is coded into (the coder's own ticks under double coding).
    category_ids: frozenset[int]
    note: str
    #: The option an "other" answer was recoded into ("" when kept as given).
    recoded: str
    #: Under double coding: the coder has coded it (possibly into no category).
    reviewed: bool = False


@dataclass(frozen=True)
class Listing:
    answers: list[AnswerToCode]
    #: Answers matching the listing's conditions, over all pages.
    total: int


@dataclass(frozen=True)
class Conditions:
    """Which of a field's answers the coding view lists.

    `uncoded`: only answers in no category yet (for a double coder: not yet coded by them);
    `category_code`: only answers coded into it; `language`: only answers written in it;
    `search`: only answers whose text (or a translation) contains it.
    """

    uncoded: bool = False
    category_code: str | None = None
    language: str | None = None
    search: str | None = None

    def __post_init__(self) -> None:
        if self.search is not None and not is_storable(self.search):
            raise CodingError(_("The search text contains control characters. Please retype it."))


def _listing(field: OpenField, conditions: Conditions, coder: User | None) -> Select:
    """SELECT the listed answers (Answer and Response columns), unordered."""
    query = _answers_of(field)
    if conditions.uncoded:
        if coder is not None:
            reviewed = select(CoderReview.answer_id).where(CoderReview.coder_id == coder.id)
            query = query.where(Answer.id.not_in(reviewed))
        else:
            query = query.where(Answer.id.not_in(select(Coding.answer_id)))
    if conditions.category_code:
        found = category(field.field, conditions.category_code)
        query = query.where(
            Answer.id.in_(select(Coding.answer_id).where(Coding.category_id == found.id))
        )
    if conditions.language:
        query = query.where(Response.language == conditions.language)
    if conditions.search:
        translated = select(Translation.answer_id).where(
            contains_text(Translation.text, conditions.search)
        )
        query = query.where(
            or_(contains_text(Answer.text, conditions.search), Answer.id.in_(translated))
        )
    return query


ARRIVAL = (Response.submitted_at, Answer.id)


def listed_ids(field_name: str, conditions: Conditions, coder: User | None = None) -> list[int]:
    """The ids of the listed answers in order of arrival (for coding one at a time)."""
    field = field_of(field_name)
    double = coder if coder is not None and is_double_coded(field.field, coder) else None
    query = _listing(field, conditions, double).with_only_columns(Answer.id).order_by(*ARRIVAL)
    return list(db.session.scalars(query))


def uncoded_ids(field_name: str, answer_ids: Iterable[int], coder: User | None = None) -> set[int]:
    """Those of `answer_ids` not coded yet (for a double coder: not coded by them)."""
    field = field_of(field_name)
    ids = set(answer_ids)
    if coder is not None and is_double_coded(field.field, coder):
        done = select(CoderReview.answer_id).where(CoderReview.coder_id == coder.id)
    else:
        done = (
            select(Coding.answer_id).join(CodingCategory).where(CodingCategory.field == field.field)
        )
    return ids - set(db.session.scalars(done))


def answers_to_code(
    field_name: str,
    conditions: Conditions | None = None,
    *,
    offset: int = 0,
    limit: int = 50,
    coder: User | None = None,
    answer_ids: Sequence[int] | None = None,
) -> Listing:
    """The field's submitted answers in order of arrival, with what the coding view needs
    (or just those of `answer_ids`). `coder`: the member asking, whose own ticks they see
    when they are one of the field's two independent coders."""
    field = field_of(field_name)
    double = coder is not None and is_double_coded(field.field, coder)
    query = _listing(field, conditions or Conditions(), coder if double else None)
    if answer_ids is not None:
        query = query.where(Answer.id.in_(answer_ids))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.execute(
        query.with_only_columns(Answer.id, Response.uuid, Answer.text, Response.language)
        .order_by(*ARRIVAL)
        .offset(max(0, offset))
        .limit(max(0, limit))
    ).all()
    ids = [row[0] for row in rows]
    ticks = coder_ticks(ids, coder) if double and coder is not None else codings_of(ids)
    reviewed = (
        set(
            db.session.scalars(
                select(CoderReview.answer_id).where(
                    CoderReview.coder_id == coder.id, CoderReview.answer_id.in_(ids)
                )
            )
        )
        if double and coder is not None
        else set()
    )
    translations: dict[int, dict[str, str]] = {}
    for answer_id, target, text in db.session.execute(
        select(Translation.answer_id, Translation.language, Translation.text).where(
            Translation.answer_id.in_(ids)
        )
    ):
        translations.setdefault(answer_id, {})[target] = text
    notes = dict(
        db.session.execute(
            select(AnswerNote.answer_id, AnswerNote.text).where(AnswerNote.answer_id.in_(ids))
        ).all()
    )
    recodes = dict(
        db.session.execute(
            select(Recode.answer_id, Recode.option).where(Recode.answer_id.in_(ids))
        ).all()
    )
    return Listing(
        [
            AnswerToCode(
                answer_id,
                uuid,
                text or "",
                lang,
                translations.get(answer_id, {}),
                frozenset(ticks.get(answer_id, ())),
                notes.get(answer_id, ""),
                recodes.get(answer_id, ""),
                answer_id in reviewed,
            )
            for answer_id, uuid, text, lang in rows
        ],
        int(total),
    )


def set_note(field_name: str, answer_id: int, text: str, user: User | None) -> None:
    """The coder's note on an answer; an empty text removes it."""
    field = field_of(field_name)
    if db.session.scalar(_answers_of(field).where(Answer.id == answer_id)) is None:
        raise CodingError(_("This answer or category is not in this question."))
    note = _clean(text, DESCRIPTION_LIMIT)
    existing = db.session.get(AnswerNote, answer_id)
    if not note:
        if existing is not None:
            db.session.delete(existing)
        return
    if existing is None:
        existing = AnswerNote(answer_id=answer_id, text=note)
        db.session.add(existing)
    existing.text = note
    existing.written_by_id = user.id if user is not None else None
    existing.written_at = utcnow()


# --------------------------------------------------------------------------- recoding "other"


def recode_choices(field_name: str, language: str) -> list[tuple[str, str]]:
    """The options an "other" text of this field can be recoded into (none for other
    fields): the question's own options but "other"."""
    field = field_of(field_name)
    if not field.is_other:
        return []
    question = asked_questionnaire().question(field.question)
    return [
        (code, label)
        for code, label in question.option_labels(language).items()
        if code != field.option
    ]


def set_recode(field_name: str, answer_id: int, option: str, user: User | None) -> None:
    """Recode an "other" answer into one of its question's options ("" keeps it as given).
    What the respondent gave never changes."""
    field = field_of(field_name)
    allowed = {code for code, _label in recode_choices(field.field, "en")}
    if option and option not in allowed:
        raise CodingError(_("Please choose one of the options listed."))
    if db.session.scalar(_answers_of(field).where(Answer.id == answer_id)) is None:
        raise CodingError(_("This answer or category is not in this question."))
    db.session.execute(delete(Recode).where(Recode.answer_id == answer_id))
    if option:
        db.session.add(
            Recode(answer_id=answer_id, option=option, recoded_by_id=user.id if user else None)
        )
    db.session.flush()
    bump_version()


# --------------------------------------------------------------------------- two coders


def coding_setup(field_name: str) -> CodingField | None:
    return db.session.get(CodingField, field_of(field_name).field)


def set_coders(field_name: str, first: User | None, second: User | None) -> None:
    """Two members code the field independently (both given), or anyone codes it (none)."""
    field = field_of(field_name)
    if (first is None) != (second is None) or (first and second and first.id == second.id):
        raise CodingError(_("Please choose two different members to code this question."))
    setup = db.session.get(CodingField, field.field) or CodingField(field=field.field)
    setup.first_coder_id = first.id if first else None
    setup.second_coder_id = second.id if second else None
    db.session.add(setup)
    db.session.flush()


def is_double_coded(field_name: str, coder: User) -> bool:
    """Whether `coder` is one of the field's two independent coders."""
    setup = coding_setup(field_name)
    return (
        setup is not None
        and setup.is_double
        and coder.id in (setup.first_coder_id, setup.second_coder_id)
    )


def coder_ticks(answer_ids: Iterable[int], coder: User) -> dict[int, set[int]]:
    """The categories `coder` ticked for each answer (double coding)."""
    found: dict[int, set[int]] = {}
    ids = sorted(set(answer_ids))
    rows = db.session.execute(
        select(CoderCoding.answer_id, CoderCoding.category_id).where(
            CoderCoding.answer_id.in_(ids), CoderCoding.coder_id == coder.id
        )
    )
    for answer_id, category_id in rows:
        found.setdefault(answer_id, set()).add(category_id)
    return found


def code_independently(
    field_name: str, answer_id: int, category_ids: Iterable[int], coder: User
) -> None:
    """A double coder's categories for one answer (replacing theirs), marked reviewed."""
    field = field_of(field_name)
    if db.session.scalar(_answers_of(field).where(Answer.id == answer_id)) is None:
        raise CodingError(_("This answer or category is not in this question."))
    offered = {c.id for c in categories(field.field, include_retired=False)}
    chosen = set(category_ids)
    if not chosen <= offered:
        raise CodingError(_("This answer or category is not in this question."))
    db.session.execute(
        delete(CoderCoding).where(
            CoderCoding.answer_id == answer_id, CoderCoding.coder_id == coder.id
        )
    )
    db.session.add_all(
        CoderCoding(answer_id=answer_id, category_id=c, coder_id=coder.id) for c in sorted(chosen)
    )
    db.session.execute(
        delete(CoderReview).where(
            CoderReview.answer_id == answer_id, CoderReview.coder_id == coder.id
        )
    )
    db.session.add(CoderReview(answer_id=answer_id, coder_id=coder.id))
    db.session.flush()
    _settle_when_agreed(field, answer_id, coder)


def _settle_when_agreed(field: OpenField, answer_id: int, coder: User) -> None:
    """Once both coders have coded the answer and chose the same categories, those become its
    coding (what the figures count). Where they differ, the coding waits for the agreed
    categories chosen on the agreement page."""
    setup = coding_setup(field.field)
    assert setup is not None
    coders = (setup.first_coder_id, setup.second_coder_id)
    reviewed = db.session.scalar(
        select(func.count()).where(
            CoderReview.answer_id == answer_id, CoderReview.coder_id.in_(coders)
        )
    )
    if (reviewed or 0) < 2:
        return
    ticks: dict[int | None, set[int]] = {c: set() for c in coders}
    for coder_id, category_id in db.session.execute(
        select(CoderCoding.coder_id, CoderCoding.category_id).where(
            CoderCoding.answer_id == answer_id, CoderCoding.coder_id.in_(coders)
        )
    ):
        ticks[coder_id].add(category_id)
    agreed = ticks[coders[0]]
    if agreed != ticks[coders[1]]:
        return
    current = codings_of([answer_id]).get(answer_id, set())
    change_codings(
        field.field,
        [(answer_id, c) for c in agreed - current],
        [(answer_id, c) for c in current - agreed],
        coder,
    )


@dataclass(frozen=True)
class Agreement:
    """How far two coders agree on a field."""

    #: Answers both coders reviewed.
    answers: int
    #: Cohen's kappa per category code (None when it is undefined: both coders gave the
    #: category to every answer, or to none), and over every (answer, category) decision.
    per_category: dict[str, float | None]
    overall: float | None
    #: (answer id, categories of the first coder, of the second) where they differ.
    disagreements: list[tuple[int, frozenset[str], frozenset[str]]]


def agreement(field_name: str) -> Agreement:
    """Cohen's kappa between the two coders (scikit-learn's `cohen_kappa_score`), over the
    answers both have reviewed: per category (coded into it or not) and over all the
    (answer, category) decisions pooled."""
    from sklearn.metrics import cohen_kappa_score

    field = field_of(field_name)
    setup = coding_setup(field.field)
    if setup is None or not setup.is_double:
        raise CodingError(_("This question is not coded by two members."))
    first, second = setup.first_coder_id, setup.second_coder_id
    reviewed_by = {
        coder: set(
            db.session.scalars(
                select(CoderReview.answer_id).where(
                    CoderReview.coder_id == coder, CoderReview.answer_id.in_(_answers_of(field))
                )
            )
        )
        for coder in (first, second)
    }
    both = sorted(reviewed_by[first] & reviewed_by[second])
    listed = categories(field.field)
    codes = {c.id: c.code for c in listed}
    ticks: dict[int | None, dict[int, set[str]]] = {first: {}, second: {}}
    for answer_id, category_id, coder in db.session.execute(
        select(CoderCoding.answer_id, CoderCoding.category_id, CoderCoding.coder_id).where(
            CoderCoding.answer_id.in_(both), CoderCoding.coder_id.in_((first, second))
        )
    ):
        if category_id in codes:
            ticks[coder].setdefault(answer_id, set()).add(codes[category_id])

    def kappa(a: list[int], b: list[int]) -> float | None:
        if not a or len(set(a) | set(b)) < 2:
            return None
        return float(cohen_kappa_score(a, b))

    per_category, pooled_a, pooled_b = {}, [], []
    for c in listed:
        a = [int(c.code in ticks[first].get(answer, ())) for answer in both]
        b = [int(c.code in ticks[second].get(answer, ())) for answer in both]
        per_category[c.code] = kappa(a, b)
        pooled_a += a
        pooled_b += b
    disagreements = [
        (answer, frozenset(ticks[first].get(answer, ())), frozenset(ticks[second].get(answer, ())))
        for answer in both
        if ticks[first].get(answer, set()) != ticks[second].get(answer, set())
    ]
    return Agreement(len(both), per_category, kappa(pooled_a, pooled_b), disagreements)
