"""Server-rendered SVG charts: no JavaScript, no inline styles (CSP), colours from CSS classes.

Each chart scales to its container through ``viewBox`` so it reads on a projector and on a
phone; every chart on a page has its figures in a table beside it and in a download.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH = 420  # narrow viewBox: text stays legible when a phone scales the chart down
VALUE_W = 130
LABEL_H = 20  # bar labels sit above their bar, so long labels need no left column
BAR_H = 22
ROW_H = LABEL_H + BAR_H + 10
GROUP_GAP = 12
GROUP_HEAD = 26
COL_W = 640


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal | float | int | None
    css: str = ""
    text: str = ""  # shown after the bar; defaults to the value
    href: str = ""


def _fmt(value: Decimal | float | int | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, int):
        return str(value)
    return f"{Decimal(str(value)):.2f}".replace(".", ",")


def hbar_chart(
    groups: Sequence[tuple[str, Sequence[Bar]]], *, title: str, max_value: float | None = None
) -> SafeString:
    """Horizontal bars, optionally grouped (e.g. per level: entered / submitted / accepted)."""
    values = [float(b.value) for _g, bars in groups for b in bars if b.value is not None]
    top = max_value if max_value is not None else max(values or [1]) or 1
    area = WIDTH - VALUE_W
    parts: list[SafeString] = []
    y = 4
    for group_label, bars in groups:
        if group_label:
            parts.append(
                format_html(
                    '<text class="chart-group" x="0" y="{}">{}</text>',
                    y + GROUP_HEAD - 8,
                    group_label,
                )
            )
            y += GROUP_HEAD
        for bar in bars:
            width = 0.0 if bar.value is None else max(float(bar.value) / top * area, 0)
            width = min(width, area)
            text = bar.text or _fmt(bar.value)
            bar_y = y + LABEL_H
            row = format_html(
                '<text class="chart-label" x="0" y="{}">{}</text>'
                '<rect class="chart-track" x="0" y="{}" width="{}" height="{}" rx="3"></rect>'
                '<rect class="chart-bar {}" x="0" y="{}" width="{}" height="{}" rx="3">'
                "<title>{}: {}</title></rect>"
                '<text class="chart-value" x="{}" y="{}">{}</text>',
                y + LABEL_H - 5,
                bar.label,
                bar_y,
                area,
                BAR_H,
                bar.css,
                bar_y,
                f"{width:.1f}",
                BAR_H,
                bar.label,
                text,
                f"{width + 6:.1f}",
                bar_y + BAR_H - 6,
                text,
            )
            if bar.href:
                row = format_html('<a href="{}">{}</a>', bar.href, row)
            parts.append(row)
            y += ROW_H
        y += GROUP_GAP
    return format_html(
        # A group, not an image: its bars are links, and an image's children are not announced.
        '<svg class="chart" viewBox="0 0 {} {}" role="group" aria-label="{}" '
        'preserveAspectRatio="xMinYMin meet"><title>{}</title>{}</svg>',
        WIDTH,
        y,
        title,
        title,
        format_html_join("", "{}", ((p,) for p in parts)),
    )


def column_chart(
    labels: Sequence[str], values: Sequence[Decimal | None], *, title: str, max_value: float = 100
) -> SafeString:
    """Vertical bars over time (a trend), 0–max_value, with the value above each column."""
    n = max(len(labels), 1)
    height = 220
    base = height - 30
    plot_h = base - 24
    slot = (COL_W - 40) / n
    col_w = min(slot * 0.7, 48)
    parts: list[SafeString] = [
        format_html(
            '<line class="chart-axis" x1="30" y1="{}" x2="{}" y2="{}"></line>', base, COL_W, base
        )
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = 36 + i * slot + (slot - col_w) / 2
        h = 0.0 if value is None else min(float(value) / max_value, 1) * plot_h
        parts.append(
            format_html(
                '<rect class="chart-bar chart-col" x="{}" y="{}" width="{}" height="{}">'
                "<title>{}: {}</title></rect>"
                '<text class="chart-value" x="{}" y="{}" text-anchor="middle">{}</text>'
                '<text class="chart-label" x="{}" y="{}" text-anchor="middle">{}</text>',
                f"{x:.1f}",
                f"{base - h:.1f}",
                f"{col_w:.1f}",
                f"{h:.1f}",
                label,
                _fmt(value),
                f"{x + col_w / 2:.1f}",
                f"{base - h - 5:.1f}",
                _fmt(value),
                f"{x + col_w / 2:.1f}",
                base + 18,
                label,
            )
        )
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}" '
        'preserveAspectRatio="xMinYMin meet"><title>{}</title>{}</svg>',
        COL_W,
        height,
        title,
        title,
        format_html_join("", "{}", ((p,) for p in parts)),
    )
