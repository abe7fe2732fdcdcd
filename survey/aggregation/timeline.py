"""Responses over time: submissions per day and language, counted in the database.

A plain module (no request objects), separate from the counting of the results: the
dashboard, the report and the chart downloads read it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from survey.aggregation import DataState, by_response, serving_rows
from survey.extensions import db
from survey.models import RESPONSES
from survey.selection import Filters, matching


@dataclass(frozen=True)
class Mark:
    """A moment drawn across the chart (the survey opened, the survey closed)."""

    when: datetime
    label: str


@dataclass
class Timeline:
    """Submissions per day (UTC) and language, every day from the first to the last."""

    days: list[date] = field(default_factory=list)
    #: language -> submissions on each of `days`
    counts: dict[str, list[int]] = field(default_factory=dict)
    marks: list[Mark] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(sum(counts) for counts in self.counts.values())

    def per_day(self) -> list[int]:
        """All languages together, per day."""
        return [sum(column) for column in zip(*self.counts.values(), strict=True)]


def survey_marks() -> list[Mark]:
    """The survey's opening and closing, drawn on the chart.

    Hook for the console issue (#13), which records when the survey opens and closes: return
    them here (`Mark(opened_at, _("Survey opened"))`, `Mark(closed_at, _("Survey closed"))`)
    and the dashboard's and the report's charts draw them. Until then there are none.
    """
    return []


def _per_day(filters: Filters) -> list[tuple[date, str, int]]:
    """(day, language, submissions) counted from the responses."""
    r = RESPONSES
    day = _day_of(r.c.submitted_at).label("day")
    rows = db.session.execute(
        select(day, r.c.language, func.count())
        .where(*matching(filters, r), r.c.submitted_at.is_not(None))
        .group_by(day, r.c.language)
    )
    return [(date.fromisoformat(str(when)[:10]), language, n) for when, language, n in rows]


def _day_of(column: Any) -> Any:
    """The UTC calendar day of a timestamp, in the database's own words."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    # SQLite keeps timestamps as UTC text, "YYYY-MM-DD HH:MM:SS…".
    return func.substr(column, 1, 10)


def submissions_per_day(
    filters: Filters, languages: list[str] | None = None, state: DataState | None = None
) -> Timeline:
    """Submitted responses of the filtered respondents per day and language (days without
    any are zeros; the configured `languages` are always there, in their order).

    Given the data's `state`, counted from the results' rows when they hold every submitted
    response (0.05 s at a million responses; from the responses, whose answer filters are
    semi-joins on the answers, 0.2–0.5 s)."""
    rows = None
    if state is not None and not state.uncounted:
        rows = serving_rows(filters, None, state)
    counted = by_response.submissions_per_day(rows, filters) if rows else _per_day(filters)
    found: dict[str, dict[date, int]] = defaultdict(dict)
    for day, language, count in counted:
        found[language][day] = count
    every = [d for per_language in found.values() for d in per_language]
    timeline = Timeline(marks=survey_marks())
    if not every:
        return timeline
    first, last = min(every), max(every)
    timeline.days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    for language in [*(languages or []), *sorted(set(found) - set(languages or []))]:
        per_day = found.get(language, {})
        timeline.counts[language] = [per_day.get(d, 0) for d in timeline.days]
    return timeline
