"""Charts for the dashboard as inline SVG drawn on the server: no JavaScript, no CDN, prints and scales.

Two charts: cumulative CTR per creative over time (lines) and each creative's share of the
impressions in each time bucket (stacked bars). Inputs are plain timestamps, so the bucketing is
testable without a database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape

from markupsafe import Markup

# Okabe-Ito: distinguishable with the common colour-vision deficiencies, dark enough on white.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#8C6D1F")

WIDTH, HEIGHT = 480, 250
LEFT, RIGHT, TOP, BOTTOM = 50, 10, 12, 30


@dataclass
class Buckets:
    """Impressions and clicks per creative per time bucket; bucket i starts at `starts[i]`."""

    starts: list[datetime]
    width: timedelta
    arms: list[str]
    impressions: dict[str, list[int]] = field(default_factory=dict)
    clicks: dict[str, list[int]] = field(default_factory=dict)

    def cumulative_ctr(self, arm: str) -> list[float | None]:
        """CTR of `arm` over everything up to the end of each bucket (None before its first impression)."""
        shown = clicked = 0
        out: list[float | None] = []
        for n, k in zip(self.impressions[arm], self.clicks[arm], strict=True):
            shown += n
            clicked += k
            out.append(clicked / shown if shown else None)
        return out

    def share(self, arm: str) -> list[float]:
        """Fraction of each bucket's impressions that went to `arm`."""
        totals = [sum(self.impressions[a][i] for a in self.arms) for i in range(len(self.starts))]
        return [n / t if t else 0.0 for n, t in zip(self.impressions[arm], totals, strict=True)]


def bucket_events(
    impressions: Sequence[tuple[datetime, str, int]],
    clicks: Sequence[tuple[datetime, str, int]],
    arms: Sequence[str],
    max_buckets: int = 12,
    min_width_s: float = 1.0,
) -> Buckets:
    """Bucket (time, arm, count) impressions and clicks into at most `max_buckets` equal time slices.

    The slice width is rounded up to a whole second, minute or hour so the axis labels read well.
    """
    times = [row[0] for row in impressions] + [row[0] for row in clicks]
    arms = list(arms)
    if not times:
        return Buckets([], timedelta(seconds=1), arms, {a: [] for a in arms}, {a: [] for a in arms})
    start, end = min(times), max(times)
    span = max((end - start).total_seconds(), 1.0)
    width = max(_nice_width(span / max_buckets), timedelta(seconds=min_width_s))
    start = _floor(start, width)
    count = int((end - start) / width) + 1
    starts = [start + i * width for i in range(count)]
    imp = {a: [0] * count for a in arms}
    clk = {a: [0] * count for a in arms}
    for table, rows in ((imp, impressions), (clk, clicks)):
        for moment, arm, n in rows:
            if arm in table:
                table[arm][int((moment - start) / width)] += n
    return Buckets(starts, width, arms, imp, clk)


def from_service_timeseries(series: dict, arms: Sequence[str], max_buckets: int = 12) -> Buckets:
    """Re-bucket `services.timeseries` output (fine, fixed-width buckets) into at most `max_buckets`."""
    impressions, clicks = [], []
    for bucket in series.get("buckets", []):
        moment = datetime.fromtimestamp(bucket["start"], UTC)
        for arm, cell in bucket["creatives"].items():
            if cell.get("impressions"):
                impressions.append((moment, arm, int(cell["impressions"])))
            if cell.get("clicks"):
                clicks.append((moment, arm, int(cell["clicks"])))
    return bucket_events(impressions, clicks, arms, max_buckets, series.get("bucket_seconds", 1))


def bucket_width(span_s: float, max_buckets: int = 12) -> int:
    """Whole seconds per bucket so that `span_s` fits in at most `max_buckets` buckets."""
    return int(_nice_width(max(span_s, 1.0) / max_buckets).total_seconds())


def _nice_width(seconds: float) -> timedelta:
    for step in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400):
        if seconds <= step:
            return timedelta(seconds=step)
    return timedelta(days=int(seconds // 86400) + 1)


def _floor(moment: datetime, width: timedelta) -> datetime:
    epoch = datetime(1970, 1, 1, tzinfo=moment.tzinfo)
    steps = (moment - epoch) // width
    return epoch + steps * width


def _time_label(moment: datetime, width: timedelta) -> str:
    if width >= timedelta(days=1):
        return moment.strftime("%m-%d")
    if width >= timedelta(minutes=1):
        return moment.strftime("%H:%M")
    return moment.strftime("%H:%M:%S")


def _svg_open(title: str, desc: str) -> list[str]:
    return [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>",
    ]


def _axes(parts: list[str], y_max: float, labels: list[str], percent: bool) -> None:
    plot_h = HEIGHT - TOP - BOTTOM
    for i in range(5):
        value = y_max * i / 4
        y = TOP + plot_h * (1 - i / 4)
        if not percent:
            text = f"{value:g}"
        else:
            text = f"{value * 100:.3g}%"
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{text}</text>')
    step = max(1, -(-len(labels) // 5))  # at most 5 time labels fit
    for i in range(0, len(labels), step):
        x = _x(i, len(labels))
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - 8}" text-anchor="middle" class="tick">{escape(labels[i])}</text>'
        )


def _x(i: int, n: int) -> float:
    plot_w = WIDTH - LEFT - RIGHT
    return LEFT + (plot_w * (i + 0.5) / n if n else 0)


def _empty(title: str, message: str) -> Markup:
    parts = _svg_open(title, message)
    parts.append(
        f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" class="empty">{escape(message)}</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))


def ctr_chart(buckets: Buckets, names: dict[str, str]) -> Markup:
    """Lines of cumulative CTR per creative, one point per bucket."""
    title = "Cumulative CTR over time"
    if not buckets.starts:
        return _empty(title, "No impressions yet")
    series = {a: buckets.cumulative_ctr(a) for a in buckets.arms}
    top = max([v for values in series.values() for v in values if v is not None] + [0.0])
    y_max = _nice_max(top)
    labels = [_time_label(s, buckets.width) for s in buckets.starts]
    desc = f"Cumulative click-through rate of {len(series)} creatives over {len(labels)} time buckets"
    parts = _svg_open(title, desc)
    _axes(parts, y_max, labels, percent=True)
    plot_h = HEIGHT - TOP - BOTTOM
    for index, (arm, values) in enumerate(series.items()):
        colour = PALETTE[index % len(PALETTE)]
        points = [(_x(i, len(values)), TOP + plot_h * (1 - v / y_max))
                  for i, v in enumerate(values) if v is not None]
        if not points:
            continue
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        label = escape(names.get(arm, arm))
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5">')
        parts.append(f"<title>{label}</title></polyline>")
        for x, y in points:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def share_chart(buckets: Buckets, names: dict[str, str]) -> Markup:
    """Stacked bars: each creative's share of the impressions served in each bucket."""
    title = "Traffic share over time"
    if not buckets.starts:
        return _empty(title, "No impressions yet")
    labels = [_time_label(s, buckets.width) for s in buckets.starts]
    parts = _svg_open(title, f"Share of impressions per creative in each of {len(labels)} time buckets")
    _axes(parts, 1.0, labels, percent=True)
    plot_h = HEIGHT - TOP - BOTTOM
    n = len(labels)
    bar_w = max(2.0, (WIDTH - LEFT - RIGHT) / n * 0.8)
    bottoms = [0.0] * n
    for index, arm in enumerate(buckets.arms):
        colour = PALETTE[index % len(PALETTE)]
        label = escape(names.get(arm, arm))
        for i, value in enumerate(buckets.share(arm)):
            if value <= 0:
                continue
            y = TOP + plot_h * (1 - bottoms[i] - value)
            parts.append(
                f'<rect x="{_x(i, n) - bar_w / 2:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
                f'height="{plot_h * value:.1f}" fill="{colour}"><title>{label}: {value:.0%}</title></rect>'
            )
            bottoms[i] += value
    parts.append("</svg>")
    return Markup("".join(parts))


def _nice_max(value: float) -> float:
    for candidate in (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0):
        if value <= candidate:
            return candidate
    return 1.0


def table_rows(buckets: Buckets) -> list[dict]:
    """The charts' numbers as table rows (one per bucket), for readers who cannot see the charts."""
    return [{"start": _time_label(start, buckets.width),
             "cells": [(buckets.impressions[a][i], buckets.clicks[a][i]) for a in buckets.arms]}
            for i, start in enumerate(buckets.starts)]


def legend(arms: Sequence[str], names: dict[str, str]) -> list[dict[str, str]]:
    """(colour, name) per creative in chart order, for the HTML legend next to the charts."""
    return [{"colour": PALETTE[i % len(PALETTE)], "name": names.get(a, a)} for i, a in enumerate(arms)]
