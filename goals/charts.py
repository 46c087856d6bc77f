"""The goal progress chart, drawn on the server as SVG geometry.

No script and no asset from another site: the template turns these numbers
into an inline <svg>, and the same points are listed in a data table for
screen readers and for anyone who prefers figures.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

WIDTH = 640
HEIGHT = 240
LEFT = 44
RIGHT = 16
TOP = 12
BOTTOM = 32


@dataclass(frozen=True)
class ChartPoint:
    on: datetime.date
    value: int
    x: float
    y: float


@dataclass(frozen=True)
class Chart:
    points: list[ChartPoint]
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)

    @property
    def y_ticks(self) -> list[tuple[int, float]]:
        return [(value, _y(value)) for value in (0, 25, 50, 75, 100)]

    @property
    def x_ticks(self) -> list[tuple[datetime.date, float, str]]:
        """(date, x, text-anchor) of the first and last dates, and the middle
        one when there is room; edge labels are anchored inside the plot."""
        chosen = [self.points[0], self.points[-1]]
        if len(self.points) > 2:
            chosen.insert(1, self.points[len(self.points) // 2])
        seen, ticks = set(), []
        for point in chosen:
            if point.on not in seen:
                seen.add(point.on)
                ticks.append(point)
        if len(ticks) == 1:
            return [(ticks[0].on, ticks[0].x, "middle")]
        anchors = ["start"] + ["middle"] * (len(ticks) - 2) + ["end"]
        return [(p.on, p.x, anchor) for p, anchor in zip(ticks, anchors, strict=True)]

    @property
    def plot_left(self) -> int:
        return LEFT

    @property
    def plot_right(self) -> int:
        return WIDTH - RIGHT

    @property
    def plot_bottom(self) -> int:
        return HEIGHT - BOTTOM

    @property
    def first(self) -> ChartPoint:
        return self.points[0]

    @property
    def last(self) -> ChartPoint:
        return self.points[-1]


def _y(value: int) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (100 - value) / 100


def progress_chart(updates) -> Chart | None:
    """A chart of the updates that carry a figure, by date; None when fewer
    than one figure was given."""
    figures = [(u.on, u.value) for u in updates if u.value is not None]
    if not figures:
        return None
    figures.sort(key=lambda item: item[0])
    first, last = figures[0][0], figures[-1][0]
    span = max((last - first).days, 1)
    plot_width = WIDTH - LEFT - RIGHT
    points = []
    for on, value in figures:
        x = LEFT + plot_width * (on - first).days / span
        if first == last:
            x = LEFT + plot_width / 2
        points.append(ChartPoint(on=on, value=value, x=x, y=_y(value)))
    return Chart(points=points)
