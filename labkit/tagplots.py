"""Plots and tables for the tagging lesson: which tag points to which image, release after release.

They take *snapshots* of a registry in — ``{moment: {tag: digest}}``, e.g. one per release —
and return a Figure or a table; they never push or pull.

>>> snapshots = {"1.0.0": {"1.0.0": "sha256:" + "a" * 64, "latest": "sha256:" + "a" * 64}}
>>> order_tags(["sha-3f9c2a1", "1.0", "latest", "1.0.0", "1"])
['latest', '1', '1.0', '1.0.0', 'sha-3f9c2a1']
>>> print(tag_table(snapshots, builds={"sha256:" + "a" * 64: "build A"}))
tag     1.0.0
latest  build A
1.0.0   build A
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from matplotlib.figure import Figure

from . import plots  # noqa: F401 - chooses a headless backend outside notebooks

import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)

__all__ = ["Snapshots", "order_tags", "short_digest", "digest_names", "tag_grid", "tag_table", "TagTable"]

#: ``{moment: {tag: digest}}``: what a registry answered at each moment, in order.
Snapshots = Mapping[str, Mapping[str, str]]

_VERSIONISH = re.compile(r"v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[-_](.+))?")
_FLOATING = 10**9  # a missing part sorts before any number: 1 before 1.1 before 1.1.0


def _order_key(tag: str) -> tuple:
    if tag == "latest":
        return (0,)
    match = _VERSIONISH.fullmatch(tag)
    if match:
        major, minor, patch, pre = match.groups()
        numbers = tuple(-int(part) if part is not None else -_FLOATING for part in (major, minor, patch))
        return (1, *numbers, 1 if pre else 0, pre or "")
    if tag.startswith("sha-"):
        return (3, tag)
    return (2, tag)


def order_tags(tags: Iterable[str]) -> list[str]:
    """Tags in reading order: ``latest``, versions (highest first, floating before full), branches, then ``sha-`` tags."""
    return sorted(set(tags), key=_order_key)


def short_digest(digest: str | None, length: int = 12) -> str:
    """``sha256:6d5733654035`` from a full digest (``—`` for none)."""
    if not digest:
        return "—"
    algorithm, _, encoded = digest.partition(":")
    return f"{algorithm}:{encoded[:length]}" if encoded else digest[:length]


def digest_names(snapshots: Snapshots, builds: Mapping[str, str] | None = None) -> dict[str, str]:
    """A name for every digest in the snapshots: ``builds[digest]`` when given, else its short form, in order of first appearance."""
    names: dict[str, str] = {}
    for snapshot in snapshots.values():
        for tag in order_tags(snapshot):
            digest = snapshot[tag]
            if digest not in names:
                names[digest] = (builds or {}).get(digest) or short_digest(digest)
    return names


def _changes(snapshots: Snapshots) -> dict[tuple[str, str], str]:
    """``(moment, tag) -> "new" | "moved"`` for the cells that differ from the moment before."""
    changes: dict[tuple[str, str], str] = {}
    previous: Mapping[str, str] | None = None
    for moment, snapshot in snapshots.items():
        for tag, digest in snapshot.items():
            if previous is not None and tag not in previous:
                changes[(moment, tag)] = "new"
            elif previous is not None and previous[tag] != digest:
                changes[(moment, tag)] = "moved"
        previous = snapshot
    return changes


def tag_grid(snapshots: Snapshots, *, builds: Mapping[str, str] | None = None, title: str = "") -> Figure:
    """Tags down, moments across; each cell coloured by the image (digest) the tag points to then.

    A thick black frame marks a tag that *moved* to another image since the moment before;
    an empty cell, a tag that did not exist. ``builds`` names digests (``{digest: "1.0.0 build"}``).
    """
    if not snapshots:
        raise ValueError("no snapshots to draw")
    moments = list(snapshots)
    rows = order_tags(tag for snapshot in snapshots.values() for tag in snapshot)
    names = digest_names(snapshots, builds)
    palette = plt.get_cmap("tab10").colors
    colours = {digest: palette[i % len(palette)] for i, digest in enumerate(names)}
    changes = _changes(snapshots)
    width = max(6.0, 1.7 * len(moments) + 2.2)
    figure, axis = plt.subplots(figsize=(width, 0.38 * len(rows) + 1.9))
    for column, moment in enumerate(moments):
        for row, tag in enumerate(rows):
            digest = snapshots[moment].get(tag)
            if digest is None:
                continue
            moved = changes.get((moment, tag)) == "moved"
            axis.add_patch(plt.Rectangle((column + 0.03, row + 0.06), 0.94, 0.88, facecolor=colours[digest],
                                         edgecolor="black" if moved else "white", linewidth=2.5 if moved else 0.5))
            axis.text(column + 0.5, row + 0.5, names[digest], ha="center", va="center", fontsize=7.5, color="white")
    axis.set_xlim(0, len(moments))
    axis.set_ylim(len(rows), 0)
    axis.set_xticks([c + 0.5 for c in range(len(moments))], moments, fontsize=8.5)
    axis.xaxis.tick_top()
    axis.set_yticks([r + 0.5 for r in range(len(rows))], rows, fontsize=8.5)
    axis.tick_params(length=0)
    for side in axis.spines.values():
        side.set_visible(False)
    axis.set_xlabel("black frame: the tag moved to another image; empty: no such tag yet", fontsize=8)
    if title:
        axis.set_title(title, pad=22)
    figure.tight_layout()
    plt.close(figure)
    return figure


@dataclass(frozen=True, repr=False)
class TagTable:
    """Tags down, moments across, each cell the name of the image the tag points to; shows as HTML in a notebook."""

    moments: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...]], ...]
    changed: frozenset[tuple[int, int]]  # (row, column) cells that are new or moved

    def cell(self, tag: str, moment: str) -> str:
        return dict(self.rows)[tag][self.moments.index(moment)]

    def __str__(self) -> str:
        header = ("tag", *self.moments)
        lines = [header] + [(tag, *cells) for tag, cells in self.rows]
        widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
        return "\n".join("  ".join(text.ljust(w) for text, w in zip(line, widths)).rstrip() for line in lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(m)}</th>" for m in self.moments)
        body = ""
        for r, (tag, cells) in enumerate(self.rows):
            tds = "".join(
                f"<td><b>{html.escape(text)}</b></td>" if (r, c) in self.changed else f"<td>{html.escape(text)}</td>"
                for c, text in enumerate(cells)
            )
            body += f"<tr><td><code>{html.escape(tag)}</code></td>{tds}</tr>"
        return f"<table><tr><th>tag</th>{head}</tr>{body}</table><p><small>bold: new or moved since the column before</small></p>"


def tag_table(snapshots: Snapshots, *, builds: Mapping[str, str] | None = None) -> TagTable:
    """The same data as :func:`tag_grid`, as a table (``—`` where a tag does not exist)."""
    moments = tuple(snapshots)
    tags = order_tags(tag for snapshot in snapshots.values() for tag in snapshot)
    names = digest_names(snapshots, builds)
    changes = _changes(snapshots)
    rows = tuple((tag, tuple(names[snapshots[m][tag]] if tag in snapshots[m] else "—" for m in moments)) for tag in tags)
    changed = frozenset((r, c) for r, tag in enumerate(tags) for c, m in enumerate(moments) if (m, tag) in changes)
    return TagTable(moments, rows, changed)
