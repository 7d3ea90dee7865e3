"""Charts drawn on the server as SVG: the geometry here, the markup in templates/reports/_charts.html.

No JavaScript and nothing fetched: a chart is a few rectangles and a polyline whose
coordinates are computed here from the numbers, on a fixed view box the page scales.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

WIDTH = 640
HEIGHT = 220
LEFT = 40  # room for the axis labels
BOTTOM = 28  # room for the month labels
TOP = 12


@dataclass(frozen=True)
class Bar:
    """A bar of a paired bar chart, in view-box units."""

    x: float
    y: float
    width: float
    height: float
    value: int
    series: int  # 0 or 1: which of the paired bars


@dataclass(frozen=True)
class Tick:
    """A line of the value axis and its label."""

    y: float
    label: str


@dataclass(frozen=True)
class Slot:
    """One month on the x axis: its label and the middle of its slot."""

    x: float
    label: str


@dataclass(frozen=True)
class BarChart:
    """Bars, axis ticks and month slots on the view box."""

    bars: list[Bar]
    ticks: list[Tick]
    slots: list[Slot]
    width: int = WIDTH
    height: int = HEIGHT


@dataclass(frozen=True)
class Point:
    """A point of the rate line."""

    x: float
    y: float
    value: Decimal


@dataclass(frozen=True)
class LineChart:
    """The rate line's points, axis ticks and month slots."""

    points: list[Point]  # months with no resolved dossier have no point
    ticks: list[Tick]
    slots: list[Slot]
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def polyline(self) -> str:
        """The points as an SVG ``points`` attribute."""
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def _nice_top(value: int) -> int:
    """A round axis maximum at or above ``value`` (1, 2, 5 × 10ⁿ)."""
    top = 1
    while True:
        for step in (1, 2, 5):
            if step * top >= value:
                return step * top
        top *= 10


def _slots(labels: list[str]) -> tuple[float, list[Slot]]:
    plot = WIDTH - LEFT
    slot = plot / max(1, len(labels))
    return slot, [Slot(LEFT + slot * (i + 0.5), label) for i, label in enumerate(labels)]


def paired_bars(labels: list[str], first: list[int], second: list[int]) -> BarChart:
    """Two bars per slot (e.g. received and resolved per month) on a shared axis."""
    top = _nice_top(max([*first, *second, 1]))
    plot_height = HEIGHT - TOP - BOTTOM
    slot, slots = _slots(labels)
    bar_width = slot * 0.35
    bars = []
    for i, pair in enumerate(zip(first, second, strict=True)):
        for series, value in enumerate(pair):
            height = plot_height * value / top
            x = LEFT + slot * i + slot * 0.12 + series * bar_width
            bars.append(Bar(x, TOP + plot_height - height, bar_width, height, value, series))
    ticks = [Tick(TOP + plot_height * (1 - k / 4), f"{top * k // 4}") for k in range(5)]
    return BarChart(bars, ticks, slots)


def rate_line(labels: list[str], rates: list[Decimal | None]) -> LineChart:
    """A percentage (0–100) per slot as a line; slots without a value are skipped."""
    plot_height = HEIGHT - TOP - BOTTOM
    _slot, slots = _slots(labels)
    points = [
        Point(s.x, TOP + plot_height * (1 - float(rate) / 100), rate)
        for s, rate in zip(slots, rates, strict=True)
        if rate is not None
    ]
    ticks = [Tick(TOP + plot_height * (1 - k / 4), f"{25 * k}%") for k in range(5)]
    return LineChart(points, ticks, slots)
