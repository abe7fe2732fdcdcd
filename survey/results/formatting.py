"""Numbers, percentages, p-values and times in the viewer's locale, for the results pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from flask import Blueprint
from flask_babel import _, format_date, format_datetime, format_decimal


def format_number(value: float | int | None) -> str:
    """A count in the viewer's locale (1,234 / 1 234)."""
    return "–" if value is None else format_decimal(value, format="#,##0")


def format_percent(value: float | None) -> str:
    """A percentage with one decimal in the viewer's locale, without the sign."""
    return "–" if value is None else format_decimal(value, format="#,##0.0")


def format_mean(value: float | None) -> str:
    """A mean rank with exactly two decimals, as in the report (2.21)."""
    return "–" if value is None else format_decimal(value, format="0.00")


def format_p(value: float | None) -> str:
    if value is None:
        return "–"
    if value < 0.001:
        return _("p < %(limit)s", limit=format_decimal(0.001, format="0.000"))
    return _("p = %(value)s", value=format_decimal(value, format="0.000"))


def format_when(value: Any) -> str:
    """When an answer was submitted, in the viewer's locale."""
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    return format_datetime(value, "medium")


def format_day(value: date | str | None, format: str = "medium") -> str:
    """A calendar day in the viewer's locale (4 Dec 2026 / 4 дек. 2026 г.)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            return str(format_date(date.fromisoformat(value), format))
        except ValueError:
            return value
    return str(format_date(value, format))


def format_cell(value: Any, kind: str) -> str:
    """A cell of a question's table (`Table.kinds`): a count, a percentage or a mean."""
    if value is None:
        return "–"
    if kind == "percent":
        return format_percent(value)
    if kind == "mean":
        return format_mean(value)
    if kind == "count":
        return format_number(value)
    return str(value)


def raw_number(value: float | int | None) -> str:
    """A machine-readable number for data- attributes (never localised)."""
    if value is None:
        return ""
    return repr(float(value)) if isinstance(value, float) else str(value)


def register(bp: Blueprint) -> None:
    filters: dict[str, Callable[..., str]] = {
        "results_number": format_number,
        "results_percent": format_percent,
        "results_mean": format_mean,
        "results_p": format_p,
        "results_when": format_when,
        "results_day": format_day,
        "results_cell": format_cell,
        "results_raw": raw_number,
    }
    for name, function in filters.items():
        bp.add_app_template_filter(function, name)
