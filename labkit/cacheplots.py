"""Plots for the layer-caching lesson. They take measured results in and return a Figure; they never build."""

from __future__ import annotations

from collections.abc import Mapping

from matplotlib.figure import Figure

from . import plots  # importing it also chooses the headless backend outside a notebook
from .build import BuildResult

import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)

RAN = "#1f77b4"
CACHED = "#c7c7c7"


def _label(step, width: int = 38) -> str:
    where = f"{step.stage} " if step.stage else ""
    text = f"{where}{step.instruction} {' '.join(step.arguments.split())}"
    return text if len(text) <= width else text[: width - 1] + "…"


def timeline(result: BuildResult, *, title: str = "") -> Figure:
    """One build as a timeline: each step a bar from when it started to when it ended (cached steps in grey).

    BuildKit runs a stage's steps one after another, so a step starts when the one before it
    in its stage ends; stages start together.
    """
    steps = [s for s in result.steps if s.instruction != "FROM"]
    figure, axis = plt.subplots(figsize=(8, 0.42 * len(steps) + 1.3))
    clock: dict[str | None, float] = {}
    for row, step in enumerate(steps):
        start = clock.get(step.stage, 0.0)
        seconds = step.seconds or 0.0
        ran = step.cacheable and not step.cached
        axis.barh(row, max(seconds, 0.02), left=start, color=RAN if ran else CACHED, edgecolor="black" if ran else CACHED, linewidth=0.5)
        axis.text(start + max(seconds, 0.02), row, f" {seconds:.1f} s" if ran else " cached", va="center", fontsize=8)
        clock[step.stage] = start + seconds
    axis.set_yticks(range(len(steps)), [_label(s) for s in steps], fontsize=8)
    axis.invert_yaxis()
    axis.set_xlabel("seconds since the build started (grey: from the cache)")
    axis.margins(x=0.18)
    axis.set_title(title or f"{result.seconds:.1f} s in total")
    figure.tight_layout()
    plt.close(figure)
    return figure


def rerun_grid(results: Mapping[str, BuildResult], *, title: str = "") -> Figure:
    """Steps down, builds across: a blue cell ran (with its seconds), a grey one came from the cache.

    ``results`` are builds of the same Dockerfile, e.g. ``{"cold": ..., "source edit": ...}``.
    """
    names = list(results)
    first = [s for s in results[names[0]].steps if s.cacheable or s.instruction == "WORKDIR"]
    keys = [(s.stage, s.position[0] if s.position else i) for i, s in enumerate(first)]
    figure, axis = plt.subplots(figsize=(1.6 + 1.5 * len(names) + 3.2, 0.45 * len(first) + 1.4))
    for column, name in enumerate(names):
        steps = {(s.stage, s.position[0] if s.position else None): s for s in results[name].steps}
        for row, key in enumerate(keys):
            step = steps.get(key)
            if step is None:
                continue
            ran = step.cacheable and not step.cached
            axis.add_patch(plt.Rectangle((column, row), 0.95, 0.9, color=RAN if ran else CACHED))
            axis.text(column + 0.47, row + 0.45, f"{step.seconds or 0:.1f} s" if ran else "cached", ha="center", va="center", fontsize=8, color="white" if ran else "black")
    axis.set_xlim(0, len(names))
    axis.set_ylim(len(keys), 0)
    axis.set_xticks([c + 0.47 for c in range(len(names))], names, fontsize=9)
    axis.set_yticks([r + 0.45 for r in range(len(keys))], [_label(s) for s in first], fontsize=8)
    axis.tick_params(length=0)
    for side in axis.spines.values():
        side.set_visible(False)
    if title:
        axis.set_title(title)
    figure.tight_layout()
    plt.close(figure)
    return figure


def rebuild_times(seconds: Mapping[str, Mapping[str, float]], *, title: str = "") -> Figure:
    """Grouped bars of build time, ``{scenario: {dockerfile: seconds}}``; a log scale when they span more than 20×."""
    return plots.grouped(seconds, ylabel="build time (s)", title=title, fmt="%.1f", log_above=20)
