"""Plain helpers for the dashboard's server-rendered charts: bar widths, stacked segments.

Bars are inline SVG whose `<rect width="…%">` presentation attribute carries the length, so
the Content-Security-Policy (no inline `style=`) holds and no chart library is needed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

RANKS = 6


def bar_width(percent: float | None) -> str:
    """An SVG width for a share in percent, clamped to 0..100 (e.g. "42.5%")."""
    if percent is None:
        return "0%"
    value = min(max(float(percent), 0.0), 100.0)
    return f"{value:.2f}".rstrip("0").rstrip(".") + "%"


def share(count: int | None, base: int | None) -> float | None:
    """count / base in percent, or None when there is no base."""
    if not base or count is None:
        return None
    return 100.0 * count / base


@dataclass(frozen=True)
class Segment:
    """One piece of a stacked bar: where it starts, how wide it is, and its CSS class."""

    x: str
    width: str
    css_class: str
    count: int


def rank_segments(by_rank: Sequence[int], na: int) -> list[Segment]:
    """A ranking item's distribution over ranks 1..6 and N/A as stacked-bar segments."""
    counts = [*list(by_rank)[:RANKS], na or 0]
    total = sum(counts)
    segments: list[Segment] = []
    start = 0.0
    for index, count in enumerate(counts):
        if not count or not total:
            continue
        width = 100.0 * count / total
        css_class = "rank-na" if index == RANKS else f"rank-{index + 1}"
        segments.append(Segment(bar_width(start), bar_width(width), css_class, count))
        start += width
    return segments


def sort_items(items: Iterable[Mapping[str, Any]], order: str | None) -> list[Mapping[str, Any]]:
    """Ranking items in questionnaire order, by mean rank (best first) or by #1 placements."""
    listed = list(items)
    if order == "mean":
        return sorted(listed, key=lambda item: (item.get("mean") is None, item.get("mean") or 0.0))
    if order == "first":
        return sorted(listed, key=lambda item: -(item.get("first") or 0))
    return listed


def by_count(options: Iterable[Mapping[str, Any]], key=None) -> list[Mapping[str, Any]]:
    """Options with the most answers first; ties keep the given order (or sort by `key`)."""
    listed = list(options)
    if key is not None:
        listed.sort(key=key)
    return sorted(listed, key=lambda option: -(option.get("count") or 0))
