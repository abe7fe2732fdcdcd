"""Ranking questions: rank any subset of items 1..k without gaps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from flask_babel import _, force_locale, ngettext
from sqlalchemy import ColumnElement, FromClause, or_

from survey.questionnaire.answers import NOT_APPLICABLE, AnswerRow, Parsed, single_value
from survey.questionnaire.base import Option, Question, ShownAnswer, Table
from survey.questionnaire.choice import segment_heads
from survey.questionnaire.columns import Column, RankColumn
from survey.questionnaire.figures import RANK, RESPONDENTS, Figures, Slot, percent, rounded

if TYPE_CHECKING:
    from survey.questionnaire.answers import FormData, Known, StoredAnswer


@dataclass(frozen=True, kw_only=True, eq=False)
class RankingQuestion(Question):
    """Rank any subset of items 1..k without gaps; items left unranked are not applicable.

    With `source`, only the options chosen in that multiple-choice question are offered.
    """

    items: tuple[Option, ...]
    source: str | None = None
    type: ClassVar[str] = "ranking"
    form_macro: ClassVar[str] = "ranking"
    result_macro: ClassVar[str] = "ranking_result"
    comparison_macro: ClassVar[str] = "ranking_comparison"
    answer_macro: ClassVar[str] = "ranking_answer"
    report_macro: ClassVar[str] = "ranking_report"
    chart_macro: ClassVar[str] = "ranking_chart"
    filterable: ClassVar[bool] = True
    answered_with_codes: ClassVar[bool] = True
    rank_tested: ClassVar[bool] = True

    @property
    def item_codes(self) -> tuple[str, ...]:
        return tuple(item.code for item in self.items)

    @property
    def max_rank(self) -> int:
        return len(self.items)

    def field_name(self, item: str) -> str:
        return f"{self.code}_{item}"

    def routing(self, language: str) -> str:
        if self.source is None:
            return super().routing(language)
        with force_locale(language):
            return _(
                "Offers only the items chosen in %(source)s; the others are na.",
                source=self.source,
            )

    # ------------------------------------------------------------------ the form

    def offered_items(self, known: Known) -> list[Option]:
        """Items to rank, with "other" labelled by the respondent's own words when given."""
        if self.source is None:
            return list(self.items)
        chosen = {row.option: row.text for row in known.get(self.source, ())}
        return [
            Option(item.code, chosen[item.code] or item.label)
            for item in self.items
            if item.code in chosen
        ]

    def field_names(self, known: Known | None = None) -> list[str]:
        items = self.items if known is None else self.offered_items(known)
        return [self.field_name(item.code) for item in items]

    def is_asked(self, known: Known) -> bool:
        return super().is_asked(known) and bool(self.offered_items(known))

    def parse_asked(self, form: FormData, known: Known) -> Parsed:
        offered = [item.code for item in self.offered_items(known)]
        allowed = {NOT_APPLICABLE} | {str(rank) for rank in range(1, len(offered) + 1)}
        ranks: dict[str, int | None] = {}
        for item in offered:
            value, error = single_value(form, self.field_name(item))
            if error:
                return Parsed(error=error)
            if value is None:
                continue
            if value not in allowed:
                return Parsed(error=_("Please choose a rank from the list for every item."))
            ranks[item] = None if value == NOT_APPLICABLE else int(value)
        if not ranks:
            return Parsed()
        error = self.rank_error([rank for rank in ranks.values() if rank is not None])
        if error:
            return Parsed(error=error)
        return Parsed([AnswerRow(self.code, item, rank=ranks.get(item)) for item in offered])

    @staticmethod
    def rank_error(given: list[int]) -> str | None:
        duplicates = sorted({rank for rank in given if given.count(rank) > 1})
        if duplicates:
            return ngettext(
                "Each rank can be given to one item only: rank %(ranks)s is used more than once.",
                "Each rank can be given to one item only: ranks %(ranks)s are used more than once.",
                len(duplicates),
                ranks=", ".join(map(str, duplicates)),
            )
        missing = [rank for rank in range(1, len(given) + 1) if rank not in given]
        if missing:
            return ngettext(
                "Ranks must run 1, 2, 3… without gaps: rank %(ranks)s is missing.",
                "Ranks must run 1, 2, 3… without gaps: ranks %(ranks)s are missing.",
                len(missing),
                ranks=", ".join(map(str, missing)),
            )
        return None

    def to_form(self, rows: Sequence[AnswerRow]) -> dict[str, list[str]]:
        return {
            self.field_name(row.option): [NOT_APPLICABLE if row.rank is None else str(row.rank)]
            for row in rows
        }

    def reconcile(self, rows: Sequence[AnswerRow], known: Known) -> list[AnswerRow]:
        """Drop items no longer offered and close the gaps they leave, keeping the order."""
        if not self.is_asked(known):
            return []
        offered = {item.code for item in self.offered_items(known)}
        kept = [row for row in rows if row.option in offered]
        ranked = sorted(
            (row for row in kept if row.rank is not None), key=lambda row: row.rank or 0
        )
        new_rank = {row.option: position for position, row in enumerate(ranked, start=1)}
        present = {row.option for row in kept}
        if not kept:
            return []
        renumbered = [row._replace(rank=new_rank.get(row.option)) for row in kept]
        renumbered += [AnswerRow(self.code, code) for code in sorted(offered - present)]
        return renumbered

    # ------------------------------------------------------------------ labels and counting

    def option_labels(self, language: str) -> dict[str, str]:
        with force_locale(language):
            return {item.code: str(item.label) for item in self.items}

    @property
    def counted(self) -> frozenset[str]:
        return frozenset({RANK, RESPONDENTS})

    def answered(self, figures: Figures) -> int:
        return figures.respondents.get(self.code, 0)

    def base(self, figures: Figures, answered: Mapping[str, int]) -> int:
        """With a source, those who chose any of its options (q7: partners chosen in q6)."""
        if self.source is not None:
            return answered.get(self.source, 0)
        return super().base(figures, answered)

    def eligibility(self) -> dict[str, Any]:
        if self.source is not None:
            return {"condition": {"question": self.source, "option": None}}
        return super().eligibility()

    def result_entry(self, figures: Figures, answered: int, language: str) -> dict[str, Any]:
        """The 2013 report's table: respondents at each rank, N/A, mean rank, #1 placements."""
        ranks: Mapping[str, Mapping[int | None, int]] = figures.ranks.get(self.code, {})
        labels = self.option_labels(language)
        items = []
        for item in self.item_codes:
            given = ranks.get(item, {})
            by_rank = [given.get(rank, 0) for rank in range(1, self.max_rank + 1)]
            ranked = sum(count for rank, count in given.items() if rank is not None)
            weighted = sum(rank * count for rank, count in given.items() if rank is not None)
            items.append(
                {
                    "code": item,
                    "label": labels[item],
                    "by_rank": by_rank,
                    # Answered the ranking but did not rank this item (N/A, or not offered).
                    "na": answered - ranked,
                    "mean": rounded(weighted, ranked, 2),
                    "first": by_rank[0],
                    # #1 placements per 100 respondents who answered the ranking.
                    "first_percent": percent(by_rank[0], answered),
                    "n": ranked,
                    # Respondents to whom the item was offered (q7 offers the q6 choices only).
                    "offered": sum(given.values()),
                }
            )
        return {"items": items}

    def result_schema(self) -> dict[str, Any]:
        item = {
            "type": "object",
            "required": ["code", "label", "by_rank", "na", "mean", "first", "n"],
            "properties": {
                "code": {"type": "string", "enum": list(self.item_codes)},
                "label": {"type": "string"},
                "by_rank": {
                    "type": "array",
                    "items": {"type": "integer", "minimum": 0},
                    "minItems": self.max_rank,
                    "maxItems": self.max_rank,
                    "description": f"Respondents who gave this item rank 1, 2, … {self.max_rank}.",
                },
                "na": {
                    "type": "integer",
                    "description": "Answered the ranking but did not rank this item.",
                },
                "mean": {
                    "type": ["number", "null"],
                    "description": (
                        "Mean rank over those who ranked the item, Σ rank × count / n, two "
                        "decimals (lower is better); null when nobody ranked it."
                    ),
                },
                "first": {"type": "integer", "description": "Number of #1 placements."},
                "first_percent": {
                    "type": "number",
                    "description": (
                        "#1 placements per 100 respondents who answered the ranking, one "
                        "decimal (compares segments of different sizes)."
                    ),
                },
                "n": {"type": "integer", "description": "Respondents who ranked the item."},
                "offered": {
                    "type": "integer",
                    "description": "Respondents to whom the item was offered.",
                },
            },
        }
        return {"items": {"type": "array", "items": item}}

    @property
    def sort_parameter(self) -> str | None:
        return f"sort_{self.code}"

    def result_table(self, entry: Mapping[str, Any]) -> Table | None:
        """The 2013 report's table: count at each rank, not ranked, mean rank, #1, n."""
        ranks = [str(rank) for rank in range(1, self.max_rank + 1)]
        header = [str(_("Item")), *ranks, str(_("Not ranked")), str(_("Mean rank"))]
        header += [str(_("#1")), str(_("#1 (%)")), "n"]
        rows = [
            [i["label"], *i["by_rank"], i["na"], i["mean"], i["first"], i["first_percent"], i["n"]]
            for i in entry.get("items", [])
        ]
        kinds = ["text", *(["count"] * (self.max_rank + 1)), "mean", "count", "percent", "count"]
        return Table(header, rows, kinds)

    def comparison_table(self, segments: Sequence[Mapping[str, Any]]) -> Table | None:
        """Per item, each segment's mean rank, #1 placements (count and percent) and n."""
        heads = (str(_("Mean rank")), str(_("#1")), str(_("#1 (%)")), "n")
        header = [str(_("Item")), *segment_heads(segments, *heads)]
        entries = [segment["questions"].get(self.code, {}) for segment in segments]
        labels = {i["code"]: i["label"] for e in entries for i in e.get("items", [])}
        rows = []
        for code, label in labels.items():
            row: list[Any] = [label]
            for entry in entries:
                item = next((i for i in entry.get("items", []) if i["code"] == code), None)
                if item is None or not entry.get("answered"):
                    row += [None, None, None, 0]
                else:
                    row += [item["mean"], item["first"], item["first_percent"], item["n"]]
            rows.append(row)
        return Table(
            header, rows, ["text", *(["mean", "count", "percent", "count"] * len(entries))]
        )

    def filter_choices(self, entry: Mapping[str, Any], language: str) -> dict[str, Any] | None:
        """Its items, meaning "ranked it"."""
        with force_locale(language):
            return {"options": list(self.option_labels(language).items()), "ranked": True}

    # ------------------------------------------------------------------ one row per response
    # Slot 0: 1 when answered; then one slot per item: 0 not offered, 1 N/A, rank + 1.

    def slots(self) -> tuple[Slot, ...]:
        items = tuple(Slot(self.field_name(code), self.max_rank + 2) for code in self.item_codes)
        return (Slot(self.code, 2, self.item_codes), *items)

    def slot_values(self, rows: Sequence[AnswerRow]) -> tuple[int, ...] | None:
        given: dict[str, int] = {}
        for row in rows:
            rank_fits = row.rank is None or 1 <= row.rank <= self.max_rank
            if row.option not in self.item_codes or not rank_fits:
                return None
            given[row.option] = 1 if row.rank is None else row.rank + 1
        return (int(bool(rows)), *(given.get(code, 0) for code in self.item_codes))

    def add_slot_count(self, slot: int, value: int, count: int, figures: Figures) -> None:
        if not value:
            return
        if slot == 0:
            figures.respondents[self.code] = figures.respondents.get(self.code, 0) + count
            return
        by_rank = figures.ranks[self.code][self.item_codes[slot - 1]]
        rank = None if value == 1 else value - 1
        by_rank[rank] = by_rank.get(rank, 0) + count

    def slot_condition(
        self, columns: Sequence[ColumnElement[Any]], values: Sequence[str]
    ) -> ColumnElement[bool] | None:
        """Ranked one of the items: its slot holds a rank (2 and above)."""
        ranked = [columns[1 + self.item_codes.index(code)] >= 2 for code in values]
        return or_(*ranked)

    # ------------------------------------------------------------------ filters

    def filter_condition(
        self, answers: FromClause, values: Sequence[str]
    ) -> list[ColumnElement[bool]]:
        """Ranked one of the items (a row marked N/A does not count)."""
        return [*super().filter_condition(answers, values), answers.c.rank.is_not(None)]

    def filter_schema(self) -> tuple[dict[str, Any], str]:
        return {"type": "string", "enum": list(self.item_codes)}, "for a ranking: ranked this item"

    # ------------------------------------------------------------------ the dataset

    def export_columns(self) -> list[Column]:
        return [
            RankColumn(self.field_name(item.code), "rank", self.code, item.code, self)
            for item in self.items
        ]

    def dropped_reason(self, column: Column, given: str) -> str:
        if self.source is None or self.condition is not None:
            return super().dropped_reason(column, given)
        if given == NOT_APPLICABLE:
            return _(
                "%(column)s is na, but %(question)s was not asked: "
                "nothing was chosen in %(source)s.",
                column=column.name,
                question=self.code,
                source=self.source,
            )
        return _(
            "%(column)s: %(option)s is ranked but was not chosen in %(source)s.",
            column=column.name,
            option=column.option,
            source=self.source,
        )

    def shown_answer(
        self, rows: Sequence[StoredAnswer], translations: Mapping[int, str], language: str
    ) -> ShownAnswer:
        """Ranked items by rank, then those not ranked."""
        labels = self.option_labels(language)
        ranked = sorted((r for r in rows if r.rank is not None), key=lambda r: r.rank or 0)
        unranked = [r for r in rows if r.rank is None]
        values = [{"rank": r.rank, "label": labels.get(r.option, r.option)} for r in ranked]
        values += [{"rank": None, "label": labels.get(r.option, r.option)} for r in unranked]
        return ShownAnswer(self.answer_macro, values)
