"""Charts drawn on the server as SVG (pygal), shown as `<img src="data:…">` with a text
alternative, so the page and its PDF show the same picture and the CSP stays strict: an SVG
loaded as an image runs no script and its styles are its own.

pygal was chosen by measurement (bench/bench_charts.py, bench/RESULTS.md): about 50 ms a
24-month chart against 260 ms for vl-convert-python and 420 ms for matplotlib, and it is a
small pure-Python package. Series differ by dash pattern and dot shape as well as colour
(accessible without colour), the chart has a title, and the page repeats its numbers in a
table."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

#: Dash patterns cycled through the series, so a line is told apart without its colour.
DASHES = ("", "8,4", "2,4", "12,4,2,4", "4,8")


@dataclass(frozen=True)
class Chart:
    title: str
    alt: str  # the text alternative: what the chart shows, in a sentence
    data_uri: str


@cache
def _style() -> Any:
    from pygal.style import Style

    return Style(
        background="white",
        plot_background="white",
        foreground="#222",
        foreground_strong="#000",
        foreground_subtle="#666",
        colors=("#1f6feb", "#b35900", "#2e7d32", "#8e24aa", "#c62828"),
        font_family="sans-serif",
    )


def line_chart(
    title: str, labels: Sequence[str], series: Mapping[str, Sequence[float | None]], unit: str = ""
) -> Chart:
    """A line per series over LABELS (months). The same numbers draw the same picture, so the
    last drawings are kept (facts change once a refresh, pages are read many times: the chart
    was most of a page's time, bench/RESULTS.md); the key is the numbers themselves."""
    frozen = tuple((name, tuple(values)) for name, values in series.items())
    return _line_chart(title, tuple(labels), frozen, unit)


@lru_cache(maxsize=128)
def _line_chart(
    title: str,
    labels: tuple[str, ...],
    frozen: tuple[tuple[str, tuple[float | None, ...]], ...],
    unit: str,
) -> Chart:
    import pygal

    series = dict(frozen)

    chart = pygal.Line(
        title=title, style=_style(), disable_xml_declaration=True, js=[], width=800, height=340,
        x_label_rotation=30, show_minor_x_labels=True, legend_at_bottom=True, dots_size=3,
        print_values=False, explicit_size=True,
    )  # fmt: skip
    chart.x_labels = list(labels)
    for index, (name, values) in enumerate(series.items()):
        dash = DASHES[index % len(DASHES)]
        chart.add(
            name,
            list(values),
            stroke_style={"width": 2, "dasharray": dash} if dash else {"width": 2},
        )
    alt = _describe(title, labels, series, unit)
    return Chart(title, alt, _uri(chart.render(is_unicode=True)))


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float], unit: str = "") -> Chart:
    """One bar per label."""
    import pygal

    chart = pygal.Bar(
        title=title, style=_style(), disable_xml_declaration=True, js=[], width=800, height=300,
        show_legend=False, explicit_size=True, x_label_rotation=20,
    )  # fmt: skip
    chart.x_labels = list(labels)
    chart.add(title, list(values))
    alt = f"{title}: " + "; ".join(
        f"{label} {v:,.2f}{unit}" for label, v in zip(labels, values, strict=True)
    )
    return Chart(title, alt, _uri(chart.render(is_unicode=True)))


def _describe(
    title: str, labels: Sequence[str], series: Mapping[str, Sequence[float | None]], unit: str
) -> str:
    """A sentence a screen reader reads: each series from its first month to its last."""
    if not labels:
        return f"{title}: no data."
    parts = []
    for name, values in series.items():
        shown = [v for v in values if v is not None]
        if shown:
            parts.append(f"{name} from {shown[0]:,.0f}{unit} to {shown[-1]:,.0f}{unit}")
    return (
        f"{title}, {labels[0]} to {labels[-1]}: "
        + "; ".join(parts)
        + ". The table below has every value."
    )


def _uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
