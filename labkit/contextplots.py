"""Plots for the build-context lesson. They take context reports (and build results) in and return a Figure; they never build.

>>> from labkit import context, contextplots
>>> contextplots.largest_paths(context.analyse("some/project"), n=8)   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping

from matplotlib.figure import Figure

from . import plots  # noqa: F401 - chooses a headless backend outside notebooks
from .build import BuildResult
from .context import ContextReport, _human

__all__ = ["breakdown", "compare", "largest_paths"]


def breakdown(report: ContextReport, *, depth: int = 2, n: int | None = None) -> list[tuple[str, int]]:
    """Bytes sent, grouped by the first ``depth`` parts of each path, biggest first.

    A file shallower than ``depth`` stands for itself (``app.py``); a deeper one counts
    towards its folder (``frontend/node_modules/``). Every byte is counted exactly once,
    unlike :meth:`ContextReport.largest`, which lists files and their folders side by side.
    With ``n``, the groups after the ``n - 1`` biggest are summed into one ``"(N others)"`` entry.
    """
    if depth < 1:
        raise ValueError("depth must be at least 1")
    groups: dict[str, int] = {}
    for path, size in report.sizes.items():
        parts = path.split("/")
        key = path if len(parts) <= depth else "/".join(parts[:depth]) + "/"
        groups[key] = groups.get(key, 0) + size
    ranked = sorted(groups.items(), key=lambda item: (-item[1], item[0]))
    if n is not None and len(ranked) > n:
        rest = ranked[n - 1 :]
        ranked = ranked[: n - 1] + [(f"({len(rest)} others)", sum(size for _, size in rest))]
    return ranked


def _holds_secret(group: str, secret_paths: set[str]) -> bool:
    """Whether a :func:`breakdown` group is, holds, or lies inside a flagged path (``.git/`` is a folder finding)."""
    if not group.endswith("/"):
        return group in secret_paths or any(s.endswith("/") and group.startswith(s) for s in secret_paths)
    return any(s.startswith(group) or (s.endswith("/") and group.startswith(s)) for s in secret_paths)


def _unit(largest: int) -> tuple[float, str]:
    for factor, name in ((1e9, "GB"), (1e6, "MB"), (1e3, "kB")):
        if largest >= factor:
            return factor, name
    return 1.0, "B"


def largest_paths(report: ContextReport, n: int = 10, *, depth: int = 2, title: str = "") -> Figure:
    """Sorted horizontal bars: what dominates the context, by path (see :func:`breakdown`), biggest on top.

    Groups that are or hold a secret are red; when the last bar sums the smaller groups,
    its label names the secrets hidden among them.
    """
    import matplotlib.pyplot as plt

    secret_paths = {f.path for f in report.secrets}
    full = breakdown(report, depth=depth)
    ranked = full if len(full) <= n else full[: n - 1]
    rest = full[len(ranked) :]
    flagged = [name for name, _ in ranked if _holds_secret(name, secret_paths)]
    if rest:
        shown = [name for name, _ in ranked]
        hidden = sorted(
            s for s in secret_paths if any(_holds_secret(name, {s}) for name, _ in rest) and not any(_holds_secret(name, {s}) for name in shown)
        )
        label = f"({len(rest)} others" + (f", incl. {', '.join(hidden[:2])}" if hidden else "") + ")"
        ranked = ranked + [(label, sum(size for _, size in rest))]
        if any(_holds_secret(name, secret_paths) for name, _ in rest):
            flagged.append(label)
    factor, unit = _unit(ranked[0][1] if ranked else 0)
    figure, axis = plt.subplots(figsize=(7, 0.38 * max(len(ranked), 1) + 1.3))
    names = [name for name, _ in ranked][::-1]
    colours = ["#d62728" if name in flagged else "#1f77b4" for name in names]
    bars = axis.barh(names, [size / factor for _, size in ranked][::-1], color=colours)
    axis.bar_label(bars, labels=[_human(size) for _, size in ranked][::-1], fontsize=8, padding=2)
    axis.set_xlabel(f"{unit} sent to the builder (red: is or holds a secret)")
    axis.margins(x=0.18)
    axis.set_title(title or f"What the build context is made of ({_human(report.total_bytes)} in {len(report.files)} files)")
    figure.tight_layout()
    plt.close(figure)
    return figure


def compare(reports: Mapping[str, ContextReport], builds: Mapping[str, BuildResult] | None = None, *, title: str = "") -> Figure:
    """Bars per named variant: context size, and (with ``builds``) the time BuildKit took to receive the
    context and the whole build time, in seconds.

    ``builds`` is keyed like ``reports``; a variant missing there is left out of the time panels. The
    transfer panel appears when some build reports its transfer (:attr:`BuildResult.context_seconds`:
    BuildKit does, the legacy builder does not); each bar is labelled with the seconds and the bytes sent.
    """
    import matplotlib.pyplot as plt

    names = list(reports)
    timed = [name for name in names if builds and name in builds]
    transferred = [name for name in timed if getattr(builds[name], "context_seconds", None) is not None]  # type: ignore[index]
    panels = 1 + bool(transferred) + bool(timed)
    figure, axes = plt.subplots(1, panels, figsize=(4.4 * panels, 3.3), squeeze=False)
    colours = dict(zip(names, plt.cm.tab10.colors))
    sizes = axes[0][0].bar(names, [reports[name].total_bytes / 1e6 for name in names], color=[colours[n] for n in names])
    axes[0][0].bar_label(sizes, labels=[_human(reports[name].total_bytes) for name in names])
    axes[0][0].set_ylabel("build context (MB)")
    axes[0][0].margins(y=0.15)
    panel = 1
    if transferred:
        results = [builds[name] for name in transferred]  # type: ignore[index]
        bars = axes[0][panel].bar(transferred, [r.context_seconds for r in results], color=[colours[n] for n in transferred])
        axes[0][panel].bar_label(
            bars, labels=[f"{r.context_seconds:.1f} s" + ("" if r.context_sent is None else f"\n{_human(r.context_sent)} sent") for r in results]
        )
        axes[0][panel].set_ylabel("receiving the context (s)")
        axes[0][panel].margins(y=0.3)
        panel += 1
    if timed:
        times = axes[0][panel].bar(timed, [builds[name].seconds for name in timed], color=[colours[n] for n in timed])  # type: ignore[index]
        axes[0][panel].bar_label(times, fmt="%.1f")
        axes[0][panel].set_ylabel("build time (s)")
        axes[0][panel].margins(y=0.15)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    plt.close(figure)
    return figure
