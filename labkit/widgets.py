"""Notebook controls. They take data and callbacks in and return a widget; they never build by themselves.

>>> picker = change_picker(work, dockerfile="Dockerfile.cache-friendly", build=rebuild)   # doctest: +SKIP
>>> picker                                                                                 # doctest: +SKIP
"""

from __future__ import annotations

import html
import os
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import ipywidgets

from . import cache
from ._exceptions import LabkitError

if TYPE_CHECKING:
    from .build import BuildResult

#: What a learner can do to the chosen file.
KINDS = ("edit", "touch (time only)", "chmod +x")


class ChangePicker(ipywidgets.VBox):
    """Pick a file of a build context and what to do to it; see which steps the cache rules say will
    rerun; press *Build* to have the notebook's callback make the change and build, and see the
    engine's answer next to the prediction.

    ``build(change)`` is the notebook's: it applies ``change`` to the context and returns the
    :class:`labkit.BuildResult`. The widget only predicts (on a private copy) and shows.
    """

    def __init__(
        self,
        context: str | os.PathLike[str],
        *,
        build: Callable[[cache.Change], BuildResult],
        dockerfile: str | os.PathLike[str] | None = None,
        build_args: dict[str, str] | None = None,
        files: Sequence[str] | None = None,
    ) -> None:
        self.context = Path(context)
        self.dockerfile = Path(dockerfile) if dockerfile else None
        if self.dockerfile is not None and not self.dockerfile.is_absolute():
            self.dockerfile = self.context / self.dockerfile
        self.build_args = dict(build_args or {})
        self._build = build
        snapshot = self._snapshot()
        self.history: list[cache.Snapshot] = [snapshot]
        choices = list(files) if files is not None else [path for path, entry in snapshot.entries.items() if entry[0] == "file"]
        self.file = ipywidgets.Dropdown(options=choices, description="file")
        self.kind = ipywidgets.ToggleButtons(options=KINDS, value=KINDS[0])
        self.button = ipywidgets.Button(description="Build", button_style="primary", icon="play")
        self.view = ipywidgets.HTML()
        self.last: tuple[list[cache.Prediction], BuildResult] | None = None
        self.error: LabkitError | None = None
        self.file.observe(lambda _: self.show_prediction(), names="value")
        self.kind.observe(lambda _: self.show_prediction(), names="value")
        self.button.on_click(self._clicked)
        super().__init__([ipywidgets.HBox([self.file, self.kind, self.button]), self.view])
        self.show_prediction()

    def _snapshot(self) -> cache.Snapshot:
        return cache.Snapshot.take(self.context, dockerfile=self.dockerfile, build_args=self.build_args)

    def change(self) -> cache.Change:
        """The change the controls describe. An edit carries a new token each time, so it is never
        a state some earlier build already put in the cache."""
        path = self.file.value
        if self.kind.value == KINDS[1]:
            return cache.Touch(path)
        if self.kind.value == KINDS[2]:
            return cache.Chmod(path, 0o755)
        return cache.harmless_edit(path, note=f"edited {uuid.uuid4().hex[:8]}")

    def choose(self, path: str, kind: str = "edit") -> ChangePicker:
        """Set the controls from code (what a click does)."""
        self.kind.value = next(k for k in KINDS if k.startswith(kind))
        self.file.value = path
        return self

    def predict(self, change: cache.Change | None = None) -> list[cache.Prediction]:
        """The prediction for ``change`` (default: the chosen one), made on a private copy of the context."""
        return cache.predict_change(self.context, change or self.change(), dockerfile=self.dockerfile, build_args=self.build_args, earlier=self.history)

    def show_prediction(self) -> None:
        rows = cache.side_by_side(self.predict())
        self.view.value = f"<p><b>Predicted</b> for <code>{html.escape(self.change().describe())}</code> — press Build to check:</p>" + cache.html_table(_steps(rows))

    def build(self) -> BuildResult:
        """Predict, then let the notebook's callback change and build; show both side by side.

        Raises:
            LabkitError: the callback's (a :class:`labkit.BuildFailed`, say), after showing its
                :meth:`~labkit.LabkitError.one_line` in the widget. Nothing is added to ``history``.
        """
        change = self.change()
        predictions = self.predict(change)
        self.button.disabled = True
        self.error = None
        self.view.value = f"<p>Building after <code>{html.escape(change.describe())}</code> …</p>"
        try:
            result = self._build(change)
        except LabkitError as error:
            self.error, self.last = error, None
            self.view.value = (
                f"<p><b>{html.escape(change.describe())}</b>: the build stopped.</p>"
                f"<p style='color:#b00020'>{html.escape(error.one_line())}</p>"
            )
            raise
        finally:
            self.button.disabled = False
        self.history.append(self._snapshot())
        self.last = (predictions, result)
        wrong = cache.compare(predictions, result)
        verdict = "every prediction held" if not wrong else f"{len(wrong)} prediction(s) did not hold"
        self.view.value = (
            f"<p><b>{html.escape(change.describe())}</b>: built in {result.seconds:.1f} s; {verdict}.</p>"
            + cache.html_table(_steps(cache.side_by_side(predictions, result)))
        )
        return result

    def _clicked(self, _button: ipywidgets.Button) -> None:
        """The Build button: an expected failure is shown in the widget (:meth:`build` did), not lost in the kernel log."""
        try:
            self.build()
        except LabkitError:
            pass


def _steps(rows: list[dict]) -> list[dict]:
    """Rows without the FROM line, which the cache does not decide."""
    return [r for r in rows if not str(r["step"]).startswith("FROM ")]


def change_picker(
    context: str | os.PathLike[str],
    *,
    build: Callable[[cache.Change], BuildResult],
    dockerfile: str | os.PathLike[str] | None = None,
    build_args: dict[str, str] | None = None,
    files: Sequence[str] | None = None,
) -> ChangePicker:
    """A :class:`ChangePicker` for ``context``: choose a file to change, see predicted and actual reruns.

    Args:
        context: the build context (a private copy: the callback edits it).
        build: the notebook's ``build(change) -> BuildResult``, which applies the change and builds.
        dockerfile: the Dockerfile, a name in the context or a path.
        build_args: the build arguments the callback uses.
        files: the files offered (default: every file the context sends).
    """
    return ChangePicker(context, build=build, dockerfile=dockerfile, build_args=build_args, files=files)
