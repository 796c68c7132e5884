"""Which library draws the reports' charts: time to render one typical report chart (a 24-month
line chart of four series, as the program funnel shows) to an SVG string, per library.

    .venv/bin/python bench/bench_charts.py [--repeat 30]

Prints the median and p95 milliseconds per chart and the SVG's size for each library that is
installed; the baseline of the same run is formatting the same numbers as an HTML table."""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable

MONTHS = [f"2025-{m:02d}" for m in range(1, 13)] + [f"2026-{m:02d}" for m in range(1, 13)]
SERIES = {
    name: [base + 7 * i for i in range(24)]
    for name, base in (("eligible", 900), ("consented", 400), ("active", 350), ("billed", 300))
}


def table() -> str:
    rows = "".join(
        f"<tr><th>{m}</th>" + "".join(f"<td>{v[i]}</td>" for v in SERIES.values()) + "</tr>"
        for i, m in enumerate(MONTHS)
    )
    return f"<table>{rows}</table>"


def with_pygal() -> str:
    import pygal

    chart = pygal.Line(title="Enrollment funnel", disable_xml_declaration=True, js=[])
    chart.x_labels = MONTHS
    for name, values in SERIES.items():
        chart.add(name, values)
    return str(chart.render(is_unicode=True))


def with_matplotlib() -> str:
    import matplotlib

    matplotlib.use("svg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(8, 4))
    for name, values in SERIES.items():
        axes.plot(MONTHS, values, label=name, marker="o")
    axes.set_title("Enrollment funnel")
    axes.legend()
    out = io.StringIO()
    figure.savefig(out, format="svg")
    pyplot.close(figure)
    return out.getvalue()


def with_vl_convert() -> str:
    import vl_convert

    values = [{"month": m, "series": n, "patients": v[i]} for n, v in SERIES.items()
              for i, m in enumerate(MONTHS)]  # fmt: skip
    spec = {
        "title": "Enrollment funnel",
        "data": {"values": values},
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": "month", "type": "ordinal"},
            "y": {"field": "patients", "type": "quantitative"},
            "color": {"field": "series"},
            "strokeDash": {"field": "series"},
        },
    }
    return str(vl_convert.vegalite_to_svg(spec))


def measure(draw: Callable[[], str], repeat: int) -> tuple[float, float, float, int]:
    started = time.perf_counter()
    svg = draw()  # the first call pays the imports
    first = (time.perf_counter() - started) * 1000
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        draw()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return first, statistics.median(times), times[int(0.95 * (len(times) - 1))], len(svg)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    repeat = parser.parse_args().repeat
    base = measure(table, repeat)
    print(f"{'baseline (HTML table)':24} median {base[1]:8.3f} ms")
    for name, draw in (("pygal", with_pygal), ("matplotlib", with_matplotlib),
                       ("vl-convert-python", with_vl_convert)):  # fmt: skip
        try:
            first, median, p95, size = measure(draw, repeat)
        except ImportError:
            print(f"{name:24} not installed")
            continue
        print(f"{name:24} first {first:8.1f} ms  median {median:7.2f} ms  p95 {p95:7.2f} ms  "
              f"{size / 1024:6.1f} KiB  ×{median / base[1]:.0f} the table")  # fmt: skip


if __name__ == "__main__":
    main()
