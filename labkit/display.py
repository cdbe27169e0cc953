"""Live build progress: a compact display in a notebook, a status line in a terminal.

A display receives steps as the parser produces them; it never builds or
measures anything itself.
"""

from __future__ import annotations

import html
import sys
import time
from collections.abc import Sequence
from typing import Protocol

from .buildlog import BuildStep

#: Seconds between redraws of a notebook display.
REDRAW_EVERY = 0.25


class Progress(Protocol):
    def update(self, current: BuildStep | None, steps: Sequence[BuildStep]) -> None: ...
    def finish(self, summary: str, steps: Sequence[BuildStep], ok: bool, detail: str = "") -> None: ...


def _counts(steps: Sequence[BuildStep]) -> tuple[int, int, int]:
    instructions = [s for s in steps if s.is_instruction]
    done = [s for s in instructions if s.done]
    return len(done), sum(s.cached for s in done if s.cacheable), len(instructions)


class NotebookProgress:
    """An HTML block updated in place: steps done, the running step and its last log lines."""

    def __init__(self, title: str) -> None:
        from IPython.display import HTML, display

        self._html = HTML
        self.title = title
        self._last_draw = 0.0
        self._handle = display(HTML(self._render(None, [])), display_id=True)

    def _render(self, current: BuildStep | None, steps: Sequence[BuildStep]) -> str:
        done, cached, seen = _counts(steps)
        lines = "\n".join((current.log[-5:] if current else []))
        running = html.escape(current.label) if current and not current.done else "&nbsp;"
        return (
            f"<div><b>{html.escape(self.title)}</b> — {done}/{seen} steps done, {cached} from cache"
            f"<br><progress value='{done}' max='{max(seen, 1)}' style='width:20em'></progress> "
            f"<code>{running}</code><pre style='margin:0;font-size:85%'>{html.escape(lines)}</pre></div>"
        )

    def update(self, current: BuildStep | None, steps: Sequence[BuildStep]) -> None:
        now = time.monotonic()
        if now - self._last_draw >= REDRAW_EVERY:
            self._last_draw = now
            self._handle.update(self._html(self._render(current, steps)))

    def finish(self, summary: str, steps: Sequence[BuildStep], ok: bool, detail: str = "") -> None:
        colour = "#2e7d32" if ok else "#c62828"
        log = f"<pre style='margin:0;font-size:85%'>{html.escape(detail)}</pre>" if detail else ""
        self._handle.update(self._html(f"<div style='color:{colour}'><b>{html.escape(self.title)}</b>: {html.escape(summary)}{log}</div>"))


class TerminalProgress:
    """A rich status line while building, and one line per finished step."""

    def __init__(self, title: str) -> None:
        from rich.console import Console
        from rich.markup import escape

        self._escape = escape

        self.console = Console(stderr=True, highlight=False, emoji=False)
        self.title = title
        self._printed: set[int] = set()
        self._status = self.console.status(f"{title}: starting")
        self._status.start()

    def update(self, current: BuildStep | None, steps: Sequence[BuildStep]) -> None:
        for step in steps:
            if step.is_instruction and step.done and id(step) not in self._printed:
                self._printed.add(id(step))
                mark = "[green]cached[/]" if step.cached and step.cacheable else f"{step.seconds or 0:.1f} s"
                if step.error:
                    mark = "[red]failed[/]"
                self.console.print(f"  {self._escape(step.label)}  {mark}", markup=True, soft_wrap=True)
        if current is not None and not current.done:
            tail = current.log[-1][:80] if current.log else ""
            self._status.update(f"{self._escape(self.title)}: {self._escape(current.label[:70])}  [dim]{self._escape(tail)}[/]")

    def finish(self, summary: str, steps: Sequence[BuildStep], ok: bool, detail: str = "") -> None:
        self.update(None, steps)
        self._status.stop()
        if detail:
            self.console.print(detail, style="dim", markup=False)
        self.console.print(f"[green]✓[/] {self._escape(self.title)}: {self._escape(summary)}" if ok else f"[red]✗[/] {self._escape(self.title)} failed")


def in_notebook() -> bool:
    """True inside a Jupyter kernel."""
    shell = sys.modules.get("IPython") and __import__("IPython").get_ipython()
    return bool(shell) and type(shell).__name__ == "ZMQInteractiveShell"


def automatic(title: str) -> Progress | None:
    """The display that fits where we run: notebook, terminal, or none (logs, CI without a tty)."""
    if in_notebook():
        return NotebookProgress(title)
    if sys.stderr.isatty():
        return TerminalProgress(title)
    return None
