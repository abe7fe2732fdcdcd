"""Plain helpers for the dashboard's server-rendered charts: bar widths, stacked segments.

Bars are inline SVG whose `<rect width="…%">` presentation attribute carries the length, so
the Content-Security-Policy (no inline `style=`) holds and no chart library is needed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: Ranks with a colour of their own in results.css (rank-1 … rank-6); later ranks share the last.
PALETTE = 6


def bar_width(percent: float | None) -> str:
    """An SVG width for a share in percent, clamped to 0..100 (e.g. "42.5%")."""
    if percent is None:
        return "0%"
    value = min(max(float(percent), 0.0), 100.0)
    return f"{value:.2f}".rstrip("0").rstrip(".") + "%"


@dataclass(frozen=True)
class Segment:
    """One piece of a stacked bar: where it starts, how wide it is, and its CSS class."""

    x: str
    width: str
    css_class: str
    count: int


def rank_segments(by_rank: Sequence[int], na: int) -> list[Segment]:
    """A ranking item's distribution over its ranks and N/A as stacked-bar segments."""
    counts = [*by_rank, na or 0]
    total = sum(counts)
    segments: list[Segment] = []
    start = 0.0
    for index, count in enumerate(counts):
        if not count or not total:
            continue
        width = 100.0 * count / total
        css_class = "rank-na" if index == len(by_rank) else f"rank-{min(index + 1, PALETTE)}"
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
