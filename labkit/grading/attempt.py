"""One grading attempt: the sandboxed copy, its build, and probes of the running app, each done once."""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import engine, images
from .._exceptions import GraderError, LabkitError
from ..build import BuildResult, build
from .model import Exercise

#: A small image with wget, used to call the app from inside its own network namespace.
#: (No `wget -T`: Debian's static busybox 1.35 crashes on it; the probe is bounded by its own wait.)
PROBE_IMAGE = "busybox"


@dataclass
class Attempt:
    """What checks look at. Everything expensive is computed on first use and kept."""

    exercise: Exercise
    folder: Path
    student: str
    result: BuildResult | None = None
    build_error: str | None = None
    processes: list[dict[str, str]] = field(default_factory=list)
    #: Whether :meth:`build` ran already (it builds once, whichever check asks first).
    built: bool = field(default=False, repr=False)
    _health: tuple[bool, str] | None = field(default=None, repr=False)
    #: Results other grading modules compute once per attempt (e.g. :mod:`.publishing`'s scenario runs).
    memo: dict[str, object] = field(default_factory=dict, repr=False)

    @property
    def dockerfile(self) -> Path:
        return self.folder / "Dockerfile"

    def build(self) -> None:
        """Build the submission once, with the exercise's time limit; a failure is recorded, not raised.

        The runner calls it before the checks when one of them ``needs_image``; a check that
        looks at the build otherwise (:func:`~labkit.grading.checks.builds`) calls it itself.
        Later calls do nothing.
        """
        if self.built:
            return
        self.built = True
        if not self.dockerfile.is_file():
            self.build_error = "there is no Dockerfile in the submission folder"
            return
        try:
            self.result = self.build_folder(self.folder)
        except LabkitError as failure:
            self.build_error = failure.message

    def build_folder(self, folder: Path) -> BuildResult:
        """Build ``folder`` as the submission is built: grading labels, the exercise's network and time limit."""
        return build(
            folder,
            purpose="grading",
            extra_labels={"io.labkit.grading.student": self.student},
            network=None if self.exercise.build_network else "none",
            progress=None,
            timeout=self.exercise.limits.build_timeout,
        )

    @functools.cached_property
    def files(self) -> dict[str, int]:
        """The final image's files."""
        assert self.result is not None
        return images.filesystem(self.result.image_id)

    @functools.cached_property
    def config(self) -> dict:
        assert self.result is not None
        return engine.client().api.inspect_image(self.result.image_id)["Config"] or {}

    def health(self) -> tuple[bool, str]:
        """Start the app with no network but loopback, and GET its health path from inside its namespace."""
        if self._health is None:
            self._health = self._probe_health()
        return self._health

    def _probe_health(self) -> tuple[bool, str]:
        assert self.result is not None
        _ensure_probe_image()
        limits = self.exercise.limits
        url = f"http://127.0.0.1:{self.exercise.port}{self.exercise.health_path}"
        try:
            with images.run(self.result.image_id, purpose="grading", network="none", memory=limits.memory, pids_limit=limits.pids) as app:
                deadline = time.monotonic() + limits.start_timeout
                last = "no answer"
                while time.monotonic() < deadline:
                    state = engine.client().containers.get(app.id)
                    if state.status == "exited":
                        return False, f"the container exited with code {state.attrs['State']['ExitCode']}; its log ends: {app.logs()[-300:].strip() or '(empty)'}"
                    top = state.top()
                    self.processes = [dict(zip(top.get("Titles") or [], row)) for row in top.get("Processes") or []]
                    with images.run(PROBE_IMAGE, ["wget", "-q", "-O", "-", url], purpose="grading", network=f"container:{app.id}", memory="32m") as probe:
                        code = _wait(probe, 10)
                        body = probe.logs().strip()
                    if code == 0:
                        return True, f"{self.exercise.health_path} answered: {body[:120]}"
                    last = body[-200:] or f"wget exit code {code}"
                    time.sleep(0.5)
                return False, f"no answer on port {self.exercise.port} within {limits.start_timeout:.0f} s ({last})"
        except LabkitError as failure:
            return False, failure.message


def _ensure_probe_image() -> None:
    """Make sure :data:`PROBE_IMAGE` is there (pulled, or stood in for); without it no app can be probed, whatever the submission."""
    if images.exists(PROBE_IMAGE):
        return
    from .. import bases

    try:
        bases.ensure([PROBE_IMAGE])
    except LabkitError as err:
        raise GraderError(f"the grader's probe image {PROBE_IMAGE} is missing and could not be provided: {err.message}", hint="run `labkit bases` on the grading machine") from err
    if not images.exists(PROBE_IMAGE):
        raise GraderError(f"the grader's probe image {PROBE_IMAGE} is missing", hint="run `labkit bases` on the grading machine")


def _wait(container: images.Container, seconds: float) -> int:
    """A container's exit code, or -1 when it is still running after ``seconds``."""
    from requests.exceptions import RequestException

    try:
        return container.wait(timeout=seconds)
    except RequestException:
        return -1
