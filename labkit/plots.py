"""Plots for the lessons. They take measured results in and return a matplotlib Figure; they never build."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib

if not matplotlib.get_backend().lower().startswith(("module://matplotlib_inline", "module://ipympl")):
    matplotlib.use("Agg")  # headless outside a notebook (tests, CI)
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from .build import BuildResult

#: What each metric is called on an axis, and how to get it from a result.
METRICS = {
    "seconds": ("build time (s)", lambda r: r.seconds),
    "size_mb": ("image size (MB)", lambda r: r.size_mb),
    "compressed_mb": ("compressed size (MB)", lambda r: r.compressed_size / 1e6),
    "cache_hits": ("steps from cache", lambda r: r.cache_hits),
}


def compare(results: Mapping[str, BuildResult], *, metrics: Sequence[str] = ("seconds",), title: str = "") -> Figure:
    """One panel per metric, one bar per named result, each bar labelled with its value."""
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {unknown}; choose from {sorted(METRICS)}")
    figure, axes = plt.subplots(1, len(metrics), figsize=(4.2 * len(metrics), 3.2), squeeze=False)
    names = list(results)
    for axis, metric in zip(axes[0], metrics):
        label, value = METRICS[metric]
        values = [value(results[name]) for name in names]
        bars = axis.bar(names, values, color=plt.cm.tab10.colors[: len(names)])
        axis.bar_label(bars, fmt="%.1f")
        axis.set_ylabel(label)
        axis.margins(y=0.15)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    plt.close(figure)
    return figure


def grouped(
    values: Mapping[str, Mapping[str, float]], *, ylabel: str, title: str = "", fmt: str = "%.0f", log_above: float | None = None
) -> Figure:
    """Grouped bars: ``{group: {series: value}}``, e.g. ``{"node": {"naive": 950, "multi-stage": 180}}``.

    ``fmt`` labels each bar; with ``log_above``, the scale turns logarithmic when the
    values span more than that ratio (a 0.1 s rebuild beside a 60 s one stays visible).
    """
    groups = list(values)
    series = list(dict.fromkeys(name for group in values.values() for name in group))
    width = 0.8 / max(len(series), 1)
    figure, axis = plt.subplots(figsize=(1.6 + 1.8 * len(groups), 3.4))
    for index, name in enumerate(series):
        positions = [g + index * width - 0.4 + width / 2 for g in range(len(groups))]
        bars = axis.bar(positions, [values[g].get(name, 0) for g in groups], width, label=name)
        axis.bar_label(bars, fmt=fmt, fontsize=8)
    axis.set_xticks(range(len(groups)), groups)
    positive = [v for group in values.values() for v in group.values() if v > 0]
    if log_above is not None and positive and max(positive) / min(positive) > log_above:
        axis.set_yscale("log")
        ylabel = ylabel.replace(")", ", log scale)") if ylabel.endswith(")") else f"{ylabel} (log scale)"
    axis.set_ylabel(ylabel)
    axis.legend()
    axis.margins(y=0.15)
    if title:
        axis.set_title(title)
    figure.tight_layout()
    plt.close(figure)
    return figure

