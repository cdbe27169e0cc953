"""A live ``.dockerignore`` editor: type patterns, see at once what a build would send. No builds, no engine.

The answer comes from :func:`labkit.context.analyse`, so it follows Docker's own rules.
The patterns being typed never touch the project: they are written, with an empty
Dockerfile, to a temporary folder as ``Dockerfile.dockerignore``, which Docker (and
``analyse``) reads *instead of* the context's ``.dockerignore``.

>>> from labkit import widgets_context
>>> widgets_context.ignore_editor("path/to/project")     # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import html
import os
import tempfile
from pathlib import Path

from . import context
from ._exceptions import LabkitError

__all__ = ["ignore_editor", "preview", "render"]

#: What a preview's report names as its ignore file.
TYPED = "typed patterns"
#: How many sent files the editor lists by name before summarising the rest.
LISTED_FILES = 25


def preview(folder: str | os.PathLike[str], patterns: str) -> context.ContextReport:
    """What a build of ``folder`` would send if its ignore file held ``patterns`` (the folder is not changed).

    Raises:
        IgnorePatternError: a pattern Docker would reject.
        LabkitError: the folder is missing or cannot be read.
    """
    with tempfile.TemporaryDirectory(prefix="labkit-ignore-") as scratch:
        dockerfile = Path(scratch) / "Dockerfile"
        dockerfile.write_text("FROM scratch\n")
        Path(scratch, "Dockerfile.dockerignore").write_text(patterns)
        report = context.analyse(folder, dockerfile=dockerfile)
    # The scratch files are gone: name the patterns, and the folder's own Dockerfile, instead.
    own = report.context / "Dockerfile"
    return dataclasses.replace(report, ignore_file=Path(TYPED), dockerfile=own if own.is_file() else None)


def _mb(size: int) -> str:
    return f"{size / 1e6:.2f} MB" if size >= 10_000 else f"{size / 1e3:.1f} kB"


def _top_level(report: context.ContextReport) -> list[tuple[str, int, int, int, int]]:
    """``(entry, files sent, bytes sent, files ignored, bytes ignored)`` per top-level entry, biggest first."""
    rows: dict[str, list[int]] = {}
    for sizes, offset in ((report.sizes, 0), (report.excluded_sizes, 2)):
        for path, size in sizes.items():
            entry = path.split("/", 1)[0] + ("/" if "/" in path else "")
            row = rows.setdefault(entry, [0, 0, 0, 0])
            row[offset] += 1
            row[offset + 1] += size
    ranked = sorted(rows.items(), key=lambda item: (-(item[1][1] + item[1][3]), item[0]))
    return [(entry, *numbers) for entry, numbers in ranked]  # type: ignore[misc]


def render(report: context.ContextReport) -> str:
    """HTML for one preview: the totals, each top-level entry sent or ignored, the secrets still sent, the files sent."""
    head = (
        f"<p><b>Sent: {len(report.files)} files, {_mb(report.total_bytes)}</b> · "
        f"ignored: {len(report.excluded)} files, {_mb(report.excluded_bytes)}</p>"
    )
    rows = []
    for entry, sent_files, sent_bytes, ignored_files, ignored_bytes in _top_level(report):
        state = "ignored" if not sent_files else "sent" if not ignored_files else "partly sent"
        colour = {"ignored": "#2ca02c", "sent": "#d62728" if sent_bytes >= 1_000_000 else "inherit", "partly sent": "#ff7f0e"}[state]
        rows.append(
            f"<tr><td><code>{html.escape(entry)}</code></td><td style='color:{colour}'>{state}</td>"
            f"<td style='text-align:right'>{sent_files}</td><td style='text-align:right'>{_mb(sent_bytes)}</td>"
            f"<td style='text-align:right'>{ignored_files}</td><td style='text-align:right'>{_mb(ignored_bytes)}</td></tr>"
        )
    table = (
        "<table><tr><th>entry</th><th>state</th><th>files sent</th><th>sent</th><th>files ignored</th><th>ignored</th></tr>"
        + "".join(rows)
        + "</table>"
    )
    warn = ""
    if report.secrets:
        items = "".join(f"<li><code>{html.escape(f.path)}</code>: {html.escape(f.reason)}</li>" for f in report.secrets)
        warn = f"<p style='color:#d62728'><b>Secrets still sent:</b></p><ul>{items}</ul>"
    listed = ", ".join(f"<code>{html.escape(path)}</code>" for path in report.files[:LISTED_FILES])
    more = f" and {len(report.files) - LISTED_FILES} more" if len(report.files) > LISTED_FILES else ""
    files = f"<p>Files sent: {listed or '(none)'}{more}</p>"
    return head + warn + table + files


def _render_error(error: LabkitError) -> str:
    text = error.one_line().replace("Dockerfile.dockerignore", TYPED)  # the preview's file name means nothing to a learner
    return f"<p style='color:#d62728'><b>Docker would stop the build:</b> {html.escape(text)}</p>"


def ignore_editor(folder: str | os.PathLike[str], *, patterns: str | None = None, rows: int = 14):
    """A text box of ignore patterns over a live listing of what a build of ``folder`` would send.

    Args:
        folder: the build context to preview (never changed, never built).
        patterns: the starting text; default: the folder's ``.dockerignore``, if any.
        rows: height of the text box in lines.

    Returns:
        an ``ipywidgets.VBox`` of the text box and an ``ipywidgets.HTML`` listing, updated as you type.
        Its ``.report`` attribute holds the latest :class:`~labkit.context.ContextReport` (None while a pattern is invalid).
    """
    import ipywidgets as widgets

    root = Path(folder)
    if not root.is_dir():
        raise LabkitError(f"no folder at {root}", hint="give the project folder (the build context)")
    if patterns is None:
        existing = root / ".dockerignore"
        patterns = existing.read_text(errors="replace") if existing.is_file() else ""
    box = widgets.Textarea(value=patterns, rows=rows, continuous_update=True, placeholder="one pattern per line, e.g. **/node_modules",
                           layout=widgets.Layout(width="100%"))  # fmt: skip
    listing = widgets.HTML()
    editor = widgets.VBox([widgets.HTML(f"<b>.dockerignore</b> for <code>{html.escape(root.name)}</code> (edit me; nothing is saved or built)"), box, listing])
    editor.report = None  # type: ignore[attr-defined]

    def update(change: object = None) -> None:
        try:
            report = preview(root, box.value)
        except LabkitError as error:
            editor.report = None  # type: ignore[attr-defined]
            listing.value = _render_error(error)
            return
        editor.report = report  # type: ignore[attr-defined]
        listing.value = render(report)

    box.observe(update, names="value")
    update()
    return editor
