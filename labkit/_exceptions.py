"""Every error labkit raises on purpose.

Expected failures (no engine, a broken Dockerfile, a missing base image) carry a
one-line message and a one-line ``hint`` naming the fix, so the CLI and the
notebooks can show them without a traceback::

    LabkitError
     ├── EngineError
     │    ├── EngineNotFound       no Docker engine answers
     │    └── CommandFailed        a docker CLI call exited non-zero
     ├── BuildFailed               a build stopped; carries the failing step and log tail
     ├── BaseImageError            a base image could not be pulled or stood in for
     ├── SubmissionError           a learner's submission cannot be graded as given
     ├── GraderError               the grading machine is broken, not the submission
     └── InvalidReference          an image reference Docker would reject (also a ValueError)
"""

from __future__ import annotations

from collections.abc import Sequence


class LabkitError(Exception):
    """Base of every error labkit raises on purpose."""

    hint: str = ""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""

    def one_line(self) -> str:
        """The message and its fix, as the CLI prints it."""
        return f"{self.message} — {self.hint}" if self.hint else self.message

    def _render_traceback_(self) -> list[str]:
        """What Jupyter shows instead of a traceback: an expected failure is one line, like the CLI's."""
        return [f"{type(self).__name__}: {self.one_line()}"]


class EngineError(LabkitError):
    """The Docker engine could not do what was asked."""


class EngineNotFound(EngineError):
    """No Docker engine answers."""

    hint = (
        "start Docker (Docker Desktop, or `sudo systemctl start docker`), "
        "or run `./workbook lab`, which starts one on Debian/Ubuntu"
    )


class CommandFailed(EngineError):
    """A docker CLI call exited non-zero."""

    def __init__(self, argv: Sequence[str], returncode: int, output_tail: str, *, hint: str | None = None) -> None:
        self.argv = list(argv)
        self.returncode = returncode
        self.output_tail = output_tail
        last = output_tail.strip().splitlines()[-1] if output_tail.strip() else "no output"
        super().__init__(f"`{' '.join(self.argv[:3])} …` exited with {returncode}: {last}", hint=hint)


class BuildFailed(LabkitError):
    """A build stopped. ``step`` is the instruction that failed, ``log_tail`` its last lines."""

    hint = "read the log tail above, fix that instruction in the Dockerfile and build again"

    def __init__(self, message: str, *, step: str | None = None, log_tail: str = "", hint: str | None = None) -> None:
        self.step = step
        self.log_tail = log_tail
        super().__init__(message, hint=hint)


class BaseImageError(LabkitError):
    """A base image could neither be pulled nor built as a stand-in."""


class SubmissionError(LabkitError):
    """A learner's submission cannot be graded as given (missing, or escapes its folder)."""


class GraderError(LabkitError):
    """The grading machine cannot judge a submission: a tool, a base image, the registry or the engine is missing.

    Not the learner's fault, so never a failed check: grading stops, and nothing is recorded for that submission.
    """

    hint = "fix the grading machine (`labkit doctor` lists what is missing), then grade again"


class InvalidReference(LabkitError, ValueError):
    """An image reference or tag that Docker would reject."""

    hint = "references are lowercase `[registry[:port]/]path[:tag][@digest]`; tags are up to 128 of [A-Za-z0-9_.-]"
