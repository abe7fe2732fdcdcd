"""Numbers, percentages, p-values and times in the viewer's locale, for the results pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint
from flask_babel import _, format_datetime, format_decimal


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


def raw_number(value: float | int | None) -> str:
    """A machine-readable number for data- attributes (never localised)."""
    if value is None:
        return ""
    return repr(float(value)) if isinstance(value, float) else str(value)


def register(bp: Blueprint) -> None:
    for name, function in {
        "results_number": format_number,
        "results_percent": format_percent,
        "results_mean": format_mean,
        "results_p": format_p,
        "results_when": format_when,
        "results_raw": raw_number,
    }.items():
        bp.add_app_template_filter(function, name)
