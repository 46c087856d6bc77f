"""Charts drawn on the server as SVG: the geometry, not the markup.

`line_chart` and `bar_chart` turn figures into numbers that the templates
`charts/line.html` and `charts/bars.html` write out as an inline <svg>, a
legend and a table of the same figures (the text alternative). No script and
no asset from another site take part.

The SVG scales with its box (one viewBox, any width), so its text shrinks on
a narrow screen. `static/css/charts.css` therefore enlarges the labels when
the chart's container is narrow and hides the time labels marked `minor`.
The geometry reserves room for both sizes: no two labels overlap at the
normal size with every label shown, nor at the narrow size with only the
major ones. Label widths are estimated from their number of characters,
generously, since the server cannot measure text.

Series are told apart by marker shape and dash pattern as well as colour;
a summary series (a median, an average) is drawn thick and dashed and named
at its end.
"""

from __future__ import annotations

import datetime
import math
import statistics
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.template.defaultfilters import floatformat
from django.utils import dateformat
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext

WIDTH = 640
LINE_HEIGHT = 280

# Label sizes in SVG units; charts.css uses the same numbers
# (tests/test_charts.py keeps the two in step).
LABEL_FONT_SIZE = 12
NARROW_LABEL_FONT_SIZE = 22
LABEL_GAP = 10

MAX_TIME_LABELS = 6
Y_INTERVALS = 4
MARKER_RADIUS = 4.5
# Past this many points a series gets one marker, at its end, so that the
# markers do not merge into a thick smear.
MAX_MARKED_POINTS = 40

COLOURS = 8
SHAPES = ("circle", "square", "triangle", "diamond", "triangle-down", "plus")
DASHES = 4  # charts.css: chart-dash-0 (solid) .. chart-dash-3

BAR_ROW = 32
BAR_THICKNESS = 18
BAR_TOP = 6
LABEL_COLUMN_SHARE = 0.42


@dataclass(frozen=True)
class Point:
    """One value on one day."""

    on: datetime.date
    value: float


@dataclass(frozen=True)
class Series:
    label: str  # shown in the legend and the table
    points: tuple[Point, ...]
    summary: bool = False  # a median or an average: drawn thick and dashed


# Line charts -----------------------------------------------------------------


@dataclass(frozen=True)
class YTick:
    y: float
    text: str


@dataclass(frozen=True)
class XTick:
    on: datetime.date
    x: float
    text: str
    anchor: str  # "start", "middle" or "end"
    minor: bool  # hidden when the chart is narrow


@dataclass(frozen=True)
class EndLabel:
    x: float
    y: float
    anchor: str


@dataclass(frozen=True)
class DrawnSeries:
    label: str
    summary: bool
    colour: int  # chart-c<colour>; summaries use chart-summary instead
    shape: str
    dash: int  # chart-dash-<dash>
    polyline: str  # the line's points, empty for a single point
    markers: str  # every marker of the series as one path
    swatch_marker: str  # the marker in the legend's 40 x 16 swatch
    end_label: EndLabel | None

    @property
    def css_class(self) -> str:
        if self.summary:
            return "chart-series chart-summary"
        return f"chart-series chart-c{self.colour} chart-dash-{self.dash}"


@dataclass(frozen=True)
class TableRow:
    on: datetime.date
    cells: tuple[str, ...]  # one per series, "" where it has no figure that day


@dataclass(frozen=True)
class LineChart:
    id: str
    title: str
    description: str
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    y_ticks: tuple[YTick, ...]
    x_ticks: tuple[XTick, ...]
    series: tuple[DrawnSeries, ...]
    rows: tuple[TableRow, ...]
    y_unit: str

    @property
    def empty(self) -> bool:
        return not self.rows

    @property
    def drawing_order(self) -> tuple[DrawnSeries, ...]:
        """Summaries last, so that they lie on top of the lines they sum up."""
        return tuple(sorted(self.series, key=lambda drawn: drawn.summary))

    @property
    def show_legend(self) -> bool:
        return len(self.series) > 1


def line_chart(
    series: Sequence[Series], *, title: str, y_max: float = 100, y_unit: str = "%"
) -> LineChart:
    """A time chart of `series`: dates placed by their real distance, values
    from 0 up to `y_max` (raised to the largest value and to a round figure)."""
    series = tuple(series)
    dates = sorted({point.on for s in series for point in s.points})
    values = [point.value for s in series for point in s.points]
    top_value, y_step = _value_axis(max([y_max, *values]))
    y_labels = [_figure(y_step * n, y_unit) for n in range(round(top_value / y_step) + 1)]

    left = math.ceil(max(text_width(text, NARROW_LABEL_FONT_SIZE) for text in y_labels)) + 8
    right = WIDTH - 12
    top = 14.0
    bottom = LINE_HEIGHT - math.ceil(NARROW_LABEL_FONT_SIZE * 1.3) - 8

    def y_of(value: float) -> float:
        share = min(max(value, 0), top_value) / top_value
        return round(bottom - (bottom - top) * share, 1)

    first = dates[0] if dates else None
    span = (dates[-1] - first).days if dates else 0

    def x_of(on: datetime.date) -> float:
        if span == 0:
            return round((left + right) / 2, 1)
        return round(left + (right - left) * (on - first).days / span, 1)

    y_ticks = tuple(YTick(y=y_of(y_step * n), text=text) for n, text in enumerate(y_labels))
    x_ticks = _time_ticks(dates, x_of, left=left) if dates else ()

    drawn = []
    plain = 0
    for one in series:
        points = [(x_of(p.on), y_of(p.value)) for p in one.points]
        if one.summary:
            colour, shape, dash = 0, "ring", 0
            marked = points if len(points) == 1 else []
        else:
            colour = plain % COLOURS
            shape = SHAPES[plain % len(SHAPES)]
            # Shape and dash change together, and the pair repeats only after
            # len(SHAPES) * DASHES series: lines never differ by colour alone.
            dash = (plain + plain // len(SHAPES)) % DASHES
            plain += 1
            marked = points if len(points) <= MAX_MARKED_POINTS else points[-1:]
        drawn.append(
            DrawnSeries(
                label=one.label,
                summary=one.summary,
                colour=colour,
                shape=shape,
                dash=dash,
                polyline=_polyline(points),
                markers=" ".join(_marker(shape, x, y) for x, y in marked),
                swatch_marker=_marker(shape, 20, 8),
                end_label=_end_label(one.label, points, left=left, top=top)
                if one.summary and points
                else None,
            )
        )

    texts: dict[float, str] = {}

    def written(value: float) -> str:
        # Formatting a number in the reader's language is the slow part.
        if value not in texts:
            texts[value] = _figure(value, y_unit)
        return texts[value]

    by_day: list[dict[datetime.date, list[float]]] = []
    for one in series:
        figures: dict[datetime.date, list[float]] = {}
        for point in one.points:
            figures.setdefault(point.on, []).append(point.value)
        by_day.append(figures)
    rows = tuple(
        TableRow(
            on=on,
            cells=tuple(
                ", ".join(written(value) for value in figures.get(on, ())) for figures in by_day
            ),
        )
        for on in dates
    )
    return LineChart(
        id=_new_id(),
        title=title,
        description=_line_description(series, dates),
        width=WIDTH,
        height=LINE_HEIGHT,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        series=tuple(drawn),
        rows=rows,
        y_unit=y_unit,
    )


def running_median(series: Sequence[Series], *, label: str) -> Series:
    """A summary series: on each day where any series has a point, the median
    of every series' latest value up to that day (series that have not begun
    yet take no part)."""
    latest: dict[int, float] = {}
    events = sorted(
        ((p.on, n, p.value) for n, s in enumerate(series) for p in s.points),
        key=lambda event: (event[0], event[1]),
    )
    points = []
    for index, (on, n, value) in enumerate(events):
        latest[n] = value
        if index + 1 == len(events) or events[index + 1][0] != on:
            points.append(Point(on=on, value=statistics.median(latest.values())))
    return Series(label=label, points=tuple(points), summary=True)


def _value_axis(largest: float) -> tuple[float, float]:
    """The top of the value axis and its step: a round step, at most
    Y_INTERVALS of them, reaching at least `largest`."""
    if largest <= 0:
        largest = 1
    raw = largest / Y_INTERVALS
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return step * math.ceil(round(largest / step, 9)), step


def _time_ticks(dates, x_of, *, left: float) -> tuple[XTick, ...]:
    first, last = dates[0], dates[-1]
    if first == last:
        text = _date_text(first, "j M Y")
        return (XTick(on=first, x=x_of(first), text=text, anchor="middle", minor=False),)
    span_days = (last - first).days
    for days, months in _TICK_STEPS:
        if span_days / (days or months * 31) > MAX_TIME_LABELS + 2:
            continue  # too many labels for sure: skip before writing them
        ticks = _ticks_every(first, last, days=days, months=months, x_of=x_of, left=left)
        if 0 < len(ticks) <= MAX_TIME_LABELS and _apart(ticks, LABEL_FONT_SIZE):
            return _mark_minor(ticks)
    # A span of centuries: its two ends.
    return _mark_minor(_ticks_at([first, last], "Y", x_of=x_of, left=left))


# (days, months) between two time labels, from the finest to the coarsest.
_TICK_STEPS = (
    (1, 0),
    (2, 0),
    (7, 0),
    (14, 0),
    (0, 1),
    (0, 2),
    (0, 3),
    (0, 6),
    (0, 12),
    (0, 24),
    (0, 60),
    (0, 120),
    (0, 600),
)


def _ticks_every(first, last, *, days, months, x_of, left) -> list[XTick]:
    if days:
        start = first
        if days % 7 == 0:  # weeks begin on Mondays
            start = first + datetime.timedelta(days=-first.weekday() % 7)
        count = (last - start).days // days + 1
        dates = [start + datetime.timedelta(days=days * n) for n in range(max(count, 0))]
        formats = ("j M", "j M Y")
    else:
        dates = []
        month = (first.year * 12 + first.month - 1 + months - 1) // months * months
        while True:
            on = datetime.date(month // 12, month % 12 + 1, 1)
            if on > last:
                break
            if on >= first:
                dates.append(on)
            month += months
        formats = ("M", "M Y") if months < 12 else ("Y", "Y")
    if not dates:
        return []
    # The year is written once, and again where it changes.
    if first.year == last.year:
        chosen = [formats[0]] * len(dates)
    else:
        chosen = [
            formats[1] if n == 0 or on.year != dates[n - 1].year else formats[0]
            for n, on in enumerate(dates)
        ]
    return [
        _tick(on, _date_text(on, fmt), x_of=x_of, left=left)
        for on, fmt in zip(dates, chosen, strict=True)
    ]


def _ticks_at(dates, fmt, *, x_of, left) -> list[XTick]:
    return [_tick(on, _date_text(on, fmt), x_of=x_of, left=left) for on in dates]


def _tick(on, text, *, x_of, left) -> XTick:
    """A label centred on its date, unless that would push it past the plot's
    left edge (onto the value labels) or out of the picture."""
    x = x_of(on)
    half = text_width(text, NARROW_LABEL_FONT_SIZE) / 2
    anchor = "middle"
    if x - half < left:
        anchor = "start"
    elif x + half > WIDTH:
        anchor = "end"
    return XTick(on=on, x=x, text=text, anchor=anchor, minor=False)


def _apart(ticks, font_size) -> bool:
    boxes = [_label_box(tick, font_size) for tick in ticks]
    return all(a[1] + LABEL_GAP <= b[0] for a, b in zip(boxes, boxes[1:], strict=False))


def _mark_minor(ticks) -> tuple[XTick, ...]:
    """Every label stays major when they all fit at the narrow size; else
    every second, or third..., starting from the first, so that the labels
    left on a narrow screen stay evenly spaced."""
    every = next(
        (k for k in range(1, len(ticks)) if _apart(ticks[::k], NARROW_LABEL_FONT_SIZE)),
        len(ticks),
    )
    return tuple(
        XTick(on=tick.on, x=tick.x, text=tick.text, anchor=tick.anchor, minor=n % every != 0)
        for n, tick in enumerate(ticks)
    )


def _label_box(tick: XTick, font_size: float) -> tuple[float, float]:
    width = text_width(tick.text, font_size)
    if tick.anchor == "start":
        return tick.x, tick.x + width
    if tick.anchor == "end":
        return tick.x - width, tick.x
    return tick.x - width / 2, tick.x + width / 2


def text_width(text: str, font_size: float) -> float:
    return sum(_char_em(char) for char in text) * font_size


def _char_em(char: str) -> float:
    """A character's advance in ems, at least as wide as in DejaVu Sans, the
    widest of the usual sans-serif faces."""
    if char in "mwMW%":
        return 1.0
    if char in " .,:;'!|il-":
        return 0.4
    if char.isdigit() or char.islower():
        return 0.66
    if char.isupper():
        return 0.82
    return 1.0  # anything else: symbols, ellipsis, other scripts


def _date_text(on: datetime.date, fmt: str) -> str:
    return dateformat.format(on, fmt)


def _polyline(points) -> str:
    if len(points) < 2:
        return ""
    return " ".join(f"{x:g},{y:g}" for x, y in points)


def _marker(shape: str, x: float, y: float) -> str:
    """The outline of one marker centred on (x, y), as path data."""
    r = MARKER_RADIUS
    if shape in ("circle", "ring"):
        return f"M{x - r:g} {y:g}a{r:g} {r:g} 0 1 0 {2 * r:g} 0a{r:g} {r:g} 0 1 0 {-2 * r:g} 0Z"
    if shape == "square":
        s = r * 0.85
        return f"M{x - s:g} {y - s:g}h{2 * s:g}v{2 * s:g}h{-2 * s:g}Z"
    if shape == "triangle":
        return f"M{x:g} {y - r * 1.15:g}L{x + r:g} {y + r * 0.75:g}L{x - r:g} {y + r * 0.75:g}Z"
    if shape == "triangle-down":
        return f"M{x:g} {y + r * 1.15:g}L{x + r:g} {y - r * 0.75:g}L{x - r:g} {y - r * 0.75:g}Z"
    if shape == "diamond":
        d = r * 1.2
        return f"M{x:g} {y - d:g}L{x + d:g} {y:g}L{x:g} {y + d:g}L{x - d:g} {y:g}Z"
    if shape == "plus":
        a, b = r * 1.1, r * 0.4
        return (
            f"M{x - b:g} {y - a:g}h{2 * b:g}v{a - b:g}h{a - b:g}v{2 * b:g}h{b - a:g}"
            f"v{a - b:g}h{-2 * b:g}v{b - a:g}h{b - a:g}v{-2 * b:g}h{a - b:g}Z"
        )
    raise ValueError(f"unknown marker shape {shape!r}")


def _end_label(label: str, points, *, left: float, top: float) -> EndLabel:
    """Where a summary line's name goes: just above its last point, or just
    below when the point touches the top; read leftwards when there is room."""
    x, y = points[-1]
    width = text_width(label, NARROW_LABEL_FONT_SIZE)
    anchor = "end" if x - width >= left else "start"
    below = y - NARROW_LABEL_FONT_SIZE - 6 < 0
    return EndLabel(x=x, y=round(y + 20 if below else y - 8, 1), anchor=anchor)


def _line_description(series, dates) -> str:
    if not dates:
        return gettext("No figures yet.")
    lines = ngettext("%(count)d line", "%(count)d lines", len(series)) % {"count": len(series)}
    if dates[0] == dates[-1]:
        return gettext("%(lines)s, on %(day)s. The table gives every figure.") % {
            "lines": lines,
            "day": date_format(dates[0], "DATE_FORMAT"),
        }
    return gettext("%(lines)s, from %(first)s to %(last)s. The table gives every figure.") % {
        "lines": lines,
        "first": date_format(dates[0], "DATE_FORMAT"),
        "last": date_format(dates[-1], "DATE_FORMAT"),
    }


# Bar charts ------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    label: str  # the whole label, for the table and the bar's tooltip
    short_label: str  # what fits beside the bar
    value: float
    text: str  # the value as people read it, with its unit
    y: float  # top of the bar
    width: float
    text_x: float
    text_y: float


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    description: str
    width: int
    height: int
    left: float  # where bars start; labels end just before it
    bar_thickness: int
    bars: tuple[Bar, ...]
    unit: str

    @property
    def empty(self) -> bool:
        return not self.bars


def bar_chart(
    bars: Sequence[tuple[str, float]],
    *,
    title: str,
    max_value: float | None = None,
    unit: str = "%",
) -> BarChart:
    """One horizontal bar per (label, value), in the given order, lengths in
    proportion to `max_value` (the largest value when None)."""
    bars = [(label, value) for label, value in bars]
    texts = [_figure(value, unit) for _label, value in bars]
    largest = max([value for _label, value in bars], default=0)
    scale_top = max_value if max_value is not None else largest
    if scale_top <= 0:
        scale_top = 1

    column = WIDTH * LABEL_COLUMN_SHARE
    shorts = [_shorten(label, column) for label, _value in bars]
    label_width = max((text_width(short, NARROW_LABEL_FONT_SIZE) for short in shorts), default=0)
    left = math.ceil(min(label_width, column)) + LABEL_GAP
    value_room = max((text_width(text, NARROW_LABEL_FONT_SIZE) for text in texts), default=0)
    length = WIDTH - left - math.ceil(value_room) - LABEL_GAP - 4

    drawn = []
    for n, ((label, value), text, short) in enumerate(zip(bars, texts, shorts, strict=True)):
        width = round(length * min(max(value, 0), scale_top) / scale_top, 1)
        y = BAR_TOP + n * BAR_ROW
        drawn.append(
            Bar(
                label=label,
                short_label=short,
                value=value,
                text=text,
                y=y,
                width=width,
                text_x=round(left + width + 6, 1),
                text_y=y + BAR_THICKNESS / 2,
            )
        )
    if bars:
        description = ngettext(
            "%(count)d bar. The table gives every figure.",
            "%(count)d bars. The table gives every figure.",
            len(bars),
        ) % {"count": len(bars)}
    else:
        description = gettext("No figures yet.")
    return BarChart(
        id=_new_id(),
        title=title,
        description=description,
        width=WIDTH,
        height=BAR_TOP * 2 + max(len(bars), 1) * BAR_ROW,
        left=left,
        bar_thickness=BAR_THICKNESS,
        bars=tuple(drawn),
        unit=unit,
    )


def _shorten(label: str, room: float) -> str:
    """The label, cut with an ellipsis where it would not fit in `room` at
    the narrow size."""
    if text_width(label, NARROW_LABEL_FONT_SIZE) <= room:
        return label
    while label and text_width(label + "…", NARROW_LABEL_FONT_SIZE) > room:
        label = label[:-1]
    return label.rstrip() + "…"


# Both ------------------------------------------------------------------------


def _figure(value: float, unit: str) -> str:
    """34, 12.5, 0.3: whole numbers without decimals, others with one, in the
    reader's language; "%" sticks to the number, another unit follows a space."""
    number = floatformat(value, -1)
    if not unit:
        return number
    return f"{number}{unit}" if unit == "%" else f"{number}\u00a0{unit}"


def _new_id() -> str:
    """Unique on the page: ids tie each picture to its caption."""
    return f"chart-{uuid.uuid4().hex[:10]}"


__all__ = [
    "Bar",
    "BarChart",
    "DrawnSeries",
    "LineChart",
    "Point",
    "Series",
    "bar_chart",
    "line_chart",
    "running_median",
]
