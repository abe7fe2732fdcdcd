"""The dashboard's and the report's charts: bar widths, stacked segments, and chart files.

Bars are inline SVG whose `<rect width="…%">` presentation attribute carries the length, so
the Content-Security-Policy (no inline `style=`) holds and no chart library is needed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import _

from survey.results.formatting import format_mean, format_number, format_percent

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


# --------------------------------------------------------------------------- chart files
# The charts offered for download and drawn in the report: standalone SVG (presentation
# attributes only, so they need no stylesheet), laid out here and drawn by
# results/_charts.html.

WIDTH = 680
LABEL_WIDTH = 250
#: Characters of a label per line at 13 px (a conservative average glyph width of 7 px).
LABEL_CHARACTERS = 34
LABEL_LINES = 3
LINE_HEIGHT = 15
BAR_HEIGHT = 14
ROW_GAP = 10
TOP = 52
#: Bars drawn at most; a chart of more rows says how many more the table lists.
MOST_BARS = 15
VALUE_WIDTH = 92
#: Room after a ranking's bar for its mean rank and #1 placements (about 28 characters).
RANK_VALUE_WIDTH = 190
FONT = "Noto Sans, PT Sans, DejaVu Sans, Arial, sans-serif"
#: Bar colours of the segments (accessible on white, distinguishable in grey as well).
SERIES_COLOURS = ("#1f5f99", "#e07b00", "#3b8c3b", "#8e44ad", "#c0392b", "#5d6d7e", "#b7950b")
RANK_COLOURS = ("#174a78", "#2f6fa6", "#5b8fc0", "#8db1d6", "#bcd1e8", "#dde8f4")
NOT_RANKED_COLOUR = "#c9cdd3"
LANGUAGE_COLOURS = ("#1f5f99", "#e07b00", "#3b8c3b", "#8e44ad")


def wrap(text: str, characters: int = LABEL_CHARACTERS, lines: int = LABEL_LINES) -> list[str]:
    """A label in lines of at most `characters`, at most `lines` of them (… when cut)."""
    words, found, line = str(text).split(), [], ""
    for word in words:
        candidate = f"{line} {word}".strip()
        if len(candidate) <= characters or not line:
            line = candidate
        else:
            found.append(line)
            line = word
    found.append(line)
    found = [part if len(part) <= characters else part[: characters - 1] + "…" for part in found]
    if len(found) > lines:
        found = found[:lines]
        found[-1] = found[-1][: characters - 1].rstrip() + "…"
    return found


@dataclass(frozen=True)
class Bar:
    y: float
    width: float
    colour: str
    text: str
    #: Where it starts after the labels (stacked bars follow one another).
    x: float = 0.0


@dataclass(frozen=True)
class BarRow:
    y: float
    lines: list[str]
    bars: list[Bar]


@dataclass(frozen=True)
class Legend:
    x: float
    y: float
    colour: str
    label: str


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars: one row per option, one bar per series (segment) in each row."""

    title: str
    subtitle: str
    rows: list[BarRow]
    legend: list[Legend]
    height: float
    width: int = WIDTH
    bar_x: int = LABEL_WIDTH + 10
    font: str = FONT
    bar_height: int = BAR_HEIGHT
    line_height: int = LINE_HEIGHT
    #: Stacked: the bars of a row follow one another (ranks) instead of one per line.
    stacked: bool = False
    note: str = ""
    #: Title and subtitle drawn (a file of its own) or not (under the report's heading).
    framed: bool = True


def legend_rows(labels: Sequence[tuple[str, str]], top: float) -> tuple[list[Legend], float]:
    """Legend entries laid out left to right, wrapping; returns them and the height used."""
    entries, x, y = [], 0.0, top
    for colour, label in labels:
        width = 22 + 7 * len(label) + 16
        if x and x + width > WIDTH:
            x, y = 0.0, y + LINE_HEIGHT + 4
        entries.append(Legend(x, y, colour, label))
        x += width
    return entries, (y - top + LINE_HEIGHT + 8) if entries else 0.0


def bar_chart(
    title: str,
    subtitle: str,
    rows: Sequence[tuple[str, Sequence[tuple[float | None, str]]]],
    series: Sequence[str] = (),
    note: str = "",
    framed: bool = True,
) -> BarChart:
    """Rows of (label, [(percent, text shown after the bar) per series]); `series` names the
    series when there are several (a legend is drawn). Bars are to scale 0–100 %. Without
    `framed` the title and subtitle are not drawn (the report's heading says them)."""
    if len(rows) > MOST_BARS:
        hidden = len(rows) - MOST_BARS
        rows = rows[:MOST_BARS]
        note = _("… and %(num)s more: see the table.", num=hidden) + (f" {note}" if note else "")
    span = WIDTH - (LABEL_WIDTH + 10) - VALUE_WIDTH
    laid, y = [], float(TOP if framed else 4)
    for label, values in rows:
        lines = wrap(label)
        bars = []
        for index, (share, text) in enumerate(values):
            colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
            width = span * min(max(share or 0.0, 0.0), 100.0) / 100.0
            bars.append(Bar(y + index * (BAR_HEIGHT + 2), width, colour, text))
        laid.append(BarRow(y, lines, bars))
        y += max(len(lines) * LINE_HEIGHT, len(values) * (BAR_HEIGHT + 2)) + ROW_GAP
    colours = [(SERIES_COLOURS[i % len(SERIES_COLOURS)], s) for i, s in enumerate(series)]
    legend, used = legend_rows(colours if len(series) > 1 else [], y + 6)
    height = y + used + (24 if note else 10)
    return BarChart(title, subtitle, laid, legend, height, note=note, framed=framed)


def rank_colours(ranks: int) -> list[str]:
    """A colour per rank (later ranks share the last), then the colour of "not ranked"."""
    last = len(RANK_COLOURS) - 1
    return [RANK_COLOURS[min(rank, last)] for rank in range(ranks)] + [NOT_RANKED_COLOUR]


def rank_chart(
    title: str,
    subtitle: str,
    items: Sequence[Mapping[str, Any]],
    texts: Sequence[str],
    legend_labels: Sequence[str],
    framed: bool = True,
) -> BarChart:
    """One stacked bar per ranking item: its respondents at each rank, then not ranked."""
    span = WIDTH - (LABEL_WIDTH + 10) - RANK_VALUE_WIDTH
    laid, y = [], float(TOP if framed else 4)
    for item, text in zip(items, texts, strict=True):
        counts = [*item["by_rank"], item["na"] or 0]
        total = sum(counts) or 1
        colours = rank_colours(len(item["by_rank"]))
        bars, x = [], 0.0
        for count, colour in zip(counts, colours, strict=True):
            width = span * count / total
            bars.append(Bar(y, width, colour, "", x))
            x += width
        bars[-1] = Bar(y, bars[-1].width, bars[-1].colour, text, bars[-1].x)
        lines = wrap(item["label"])
        laid.append(BarRow(y, lines, bars))
        y += max(len(lines) * LINE_HEIGHT, BAR_HEIGHT) + ROW_GAP
    keys = rank_colours(len(legend_labels) - 1)
    legend, used = legend_rows(list(zip(keys, legend_labels, strict=True)), y + 6)
    return BarChart(title, subtitle, laid, legend, y + used + 10, stacked=True, framed=framed)


@dataclass(frozen=True)
class Column:
    x: float
    y: float
    width: float
    height: float
    colour: str


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class MarkLine:
    x: float
    label: str


@dataclass(frozen=True)
class TimeChart:
    """Submissions per day as columns stacked by language, with ticks and marks."""

    title: str
    subtitle: str
    columns: list[Column]
    ticks: list[Tick]
    marks: list[MarkLine]
    legend: list[Legend]
    highest: int
    height: float
    plot_top: float = TOP + 10
    plot_bottom: float = TOP + 170
    plot_left: int = 44
    width: int = WIDTH
    font: str = FONT
    framed: bool = True


def time_chart(
    title: str,
    subtitle: str,
    days: Sequence[Any],
    counts: Mapping[str, Sequence[int]],
    labels: Mapping[str, str],
    day_label: Any,
    marks: Sequence[tuple[Any, str]] = (),
    framed: bool = True,
) -> TimeChart:
    """Columns per day (stacked by language); `day_label(day)` writes a tick's date;
    `marks` are (day, label) drawn as vertical lines."""
    left = 44
    top = float(TOP + 10 if framed else 14)
    bottom = top + 160
    span = WIDTH - left - 10
    step = span / max(len(days), 1)
    per_day = [sum(values) for values in zip(*counts.values(), strict=True)] if counts else []
    highest = max(per_day, default=0) or 1
    columns = []
    for index in range(len(days)):
        y = float(bottom)
        for language_index, language in enumerate(counts):
            count = counts[language][index]
            if not count:
                continue
            height = (bottom - top) * count / highest
            y -= height
            colour = LANGUAGE_COLOURS[language_index % len(LANGUAGE_COLOURS)]
            x = left + index * step + 0.1 * step
            columns.append(Column(x, y, max(0.8 * step, 0.5), height, colour))
    every = max(1, round(len(days) / 6))
    # A tick's date is about 44 px wide: none so near the right edge that it would be cut.
    ticks = [
        Tick(left + (i + 0.5) * step, day_label(day))
        for i, day in enumerate(days)
        if i % every == 0 and left + (i + 0.5) * step <= WIDTH - 26
    ]
    lines = []
    for when, label in marks:
        if days and days[0] <= when <= days[-1]:
            lines.append(MarkLine(left + ((when - days[0]).days + 0.5) * step, label))
    colours = [
        (LANGUAGE_COLOURS[i % len(LANGUAGE_COLOURS)], labels.get(language, language))
        for i, language in enumerate(counts)
    ]
    legend, used = legend_rows(colours, bottom + 30)
    height = bottom + 30 + used + 6
    return TimeChart(
        title, subtitle, columns, ticks, lines, legend, highest, height, top, bottom, framed=framed
    )


# --------------------------------------------------------------------------- per question


def choice_chart(
    title: str,
    code: str,
    entry: Mapping[str, Any],
    segments: Sequence[Mapping[str, Any]] = (),
    headings: Sequence[str] = (),
    framed: bool = True,
) -> BarChart:
    """A choice question's options as bars of their percentages (per segment, if any)."""
    if not segments:
        rows = [
            (
                o["label"],
                [(o["percent"], f"{format_number(o['count'])} · {format_percent(o['percent'])} %")],
            )
            for o in entry.get("options", [])
        ]
        subtitle = _("Respondents who answered: %(num)s", num=format_number(entry.get("answered")))
        return bar_chart(title, subtitle, rows, framed=framed)
    entries = [segment["questions"].get(code, {}) for segment in segments]
    labels = {o["code"]: o["label"] for e in entries for o in e.get("options", [])}
    rows = []
    for option, label in labels.items():
        values = []
        for e in entries:
            found = next((o for o in e.get("options", []) if o["code"] == option), None)
            share = found["percent"] if found and e.get("answered") else None
            values.append((share, "–" if share is None else f"{format_percent(share)} %"))
        rows.append((label, values))
    names = segment_names(segments, code, headings)
    return bar_chart(title, segment_subtitle(segments), rows, names, framed=framed)


def ranking_chart(
    title: str,
    code: str,
    entry: Mapping[str, Any],
    segments: Sequence[Mapping[str, Any]] = (),
    headings: Sequence[str] = (),
    framed: bool = True,
) -> BarChart:
    """A ranking: each item's ranks stacked; by segment, each item's #1 placements in %."""
    if not segments:
        items = entry.get("items", [])
        texts = [
            _(
                "mean %(mean)s · #1: %(first)s",
                mean=format_mean(i["mean"]),
                first=format_number(i["first"]),
            )
            for i in items
        ]
        ranks = [str(rank) for rank in range(1, len(items[0]["by_rank"]) + 1)] if items else []
        subtitle = _("Respondents who answered: %(num)s", num=format_number(entry.get("answered")))
        legend = [*ranks, str(_("Not ranked"))]
        return rank_chart(title, subtitle, items, texts, legend, framed)
    entries = [segment["questions"].get(code, {}) for segment in segments]
    rows = []
    for position, item in enumerate(entries[0].get("items", [])):
        values = []
        for e in entries:
            found = e["items"][position] if e.get("answered") else None
            share = found["first_percent"] if found else None
            values.append((share, "–" if share is None else f"{format_percent(share)} %"))
        rows.append((item["label"], values))
    note = _("#1 placements per 100 respondents of the segment who answered the ranking.")
    names = segment_names(segments, code, headings)
    return bar_chart(title, segment_subtitle(segments), rows, names, note, framed)


def segment_names(
    segments: Sequence[Mapping[str, Any]], code: str, headings: Sequence[str]
) -> list[str]:
    """Each segment's heading with the number of its respondents who answered."""
    names = []
    for segment, heading in zip(segments, headings, strict=True):
        answered = segment["questions"].get(code, {}).get("answered", 0)
        names.append(f"{heading} (n = {format_number(answered)})")
    return names


def segment_subtitle(segments: Sequence[Mapping[str, Any]]) -> str:
    return str(_("Segments side by side: percentages of each segment’s respondents who answered."))
