"""Every gradable exercise, declared in one place: its checks, points and the feedback a learner sees."""

from __future__ import annotations

from .. import _paths
from .._exceptions import LabkitError
from . import checks
from .model import Check, Exercise

#: Paths that mean a C toolchain was left in the final image.
C_TOOLCHAIN = ("/usr/bin/gcc*", "/usr/bin/g++*", "/usr/bin/cc", "/usr/bin/make", "/usr/bin/x86_64-linux-gnu-gcc*", "/usr/lib/gcc/*")

MULTI_STAGE = Exercise(
    slug="01-multi-stage",
    title="Rewrite the link shortener as a multi-stage build",
    checks=(
        Check("builds", 3, "The image builds", "The build failed. Read the error above, fix that line, and build again with `labkit build .`.", checks.builds, needs_image=False),
        Check("answers", 2, "The container starts and GET /health answers", "The app did not answer on port 8000. Check that CMD starts app.py and that every file it needs was copied into the final stage.", checks.answers_health),
        Check("multi_stage", 2, "Two or more stages; the final one copies from a builder", "Use a builder stage (`FROM ... AS build`) and `COPY --from=build` into a fresh final stage.", checks.multi_stage, needs_image=False),
        Check("no_toolchain", 2, "No compiler or make in the final image", "The C toolchain is only needed to build the mmh3 wheel: install build-essential in the builder stage only.", checks.absent(C_TOOLCHAIN, "build toolchain")),
        Check("no_dev_files", 2, "No test tools, tests or pip cache in the final image", "Install only requirements.txt in the image you ship, copy only app.py, and use `pip install --no-cache-dir`.",
              checks.absent(("*/site-packages/pytest/*", "*/site-packages/_pytest/*", "/app/tests/*", "/root/.cache/pip/*"), "dev files")),
        Check("size", 2, "The image is at most 30 MB bigger than python:3.11-slim-bookworm", "Start the final stage from python:3.11-slim-bookworm and copy in only the virtual environment (or wheels) and the app.",
              checks.size_under("python:3.11-slim-bookworm", 30)),
        Check("non_root", 1, "The app runs as a non-root user", "Create a user (`useradd --system app`) and switch to it with `USER app` before CMD.", checks.non_root),
        Check("hadolint", 1, "hadolint finds no errors", "Run `hadolint Dockerfile` and fix the lines it marks as errors.", checks.hadolint_clean, needs_image=False),
    ),
)

EXERCISES: dict[str, Exercise] = {exercise.slug: exercise for exercise in (MULTI_STAGE,)}


def get(name: str) -> Exercise:
    """An exercise by slug, or by its unambiguous prefix (``01``)."""
    if name in EXERCISES:
        return EXERCISES[name]
    matches = [slug for slug in EXERCISES if slug.startswith(name)]
    if len(matches) == 1:
        return EXERCISES[matches[0]]
    raise LabkitError(f"no exercise {name!r}", hint=f"choose one of: {', '.join(EXERCISES)}")


def folder(exercise: Exercise, kind: str = "exercises"):
    """The exercise's (or, with kind="solutions", the solution's) folder in the workbook checkout."""
    root = _paths.workbook_root()
    if root is None:
        raise LabkitError("cannot find the workbook folder (with exercises/ and notebooks/)", hint="run from inside the workbook, or set LABKIT_WORKBOOK")
    return root / kind / exercise.slug
