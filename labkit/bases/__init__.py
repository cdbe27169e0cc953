"""The base images the workbook needs, and making them available with or without a registry.

The list of references is read from the ``FROM`` lines of every Dockerfile the
kit ships (sample apps, exercises, solutions), never from a hand-kept list.
Online, each is pulled; offline, a faithful stand-in is built from Debian
packages and registry packages (see :mod:`labkit.bases.standins`), labelled
as a stand-in with what it was built from.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import _paths, _run, dockerfiles, engine, images, labels
from .._exceptions import BaseImageError, CommandFailed, LabkitError
from . import standins

__all__ = ["BaseStatus", "needed", "status", "ensure", "save", "load", "shipped_dockerfiles"]

#: Seconds to let `docker pull` try before building a stand-in instead (a slow network still finishes;
#: with no registry the pull fails within seconds).
PULL_TIMEOUT = 900


def shipped_dockerfiles() -> list[Path]:
    """Every Dockerfile the kit ships: the package's samples, and the workbook's exercises and solutions."""
    roots: list[Path] = [_paths.SAMPLES]
    root = _paths.workbook_root()
    if root is not None:
        roots += [root / "exercises", root / "solutions"]
    return list(dockerfiles.find(roots))


#: Images labkit runs itself rather than builds on (the local registry of the tagging lesson).
RUNTIME_IMAGES = ("registry:2",)


def needed(files: Iterable[Path] | None = None, *, skipped: list[str] | None = None) -> list[str]:
    """The base references those Dockerfiles name, each once, in a stable order.

    With no ``files``: every Dockerfile the kit ships, plus :data:`RUNTIME_IMAGES`.
    Learners edit the exercises in place, so an exercise Dockerfile that does
    not parse is left out (and named in ``skipped``) instead of stopping set-up.
    """
    refs: list[str] = [] if files is not None else list(RUNTIME_IMAGES)
    for path in files if files is not None else shipped_dockerfiles():
        try:
            found = dockerfiles.base_references(path.read_text(), source=str(path))
        except LabkitError as failure:
            if not _learner_edits(path):
                raise
            if skipped is not None:
                skipped.append(f"skipped {path}: {failure.one_line()}")
            continue
        for ref in found:
            if ref not in refs:
                refs.append(ref)
    return sorted(refs)


def _learner_edits(path: Path) -> bool:
    root = _paths.workbook_root()
    return root is not None and path.resolve().is_relative_to((root / "exercises").resolve())


@dataclass(frozen=True)
class BaseStatus:
    reference: str
    present: bool
    standin: str | None

    @property
    def origin(self) -> str:
        if not self.present:
            return "missing"
        return f"stand-in: {self.standin}" if self.standin else "official image"


def status(refs: Sequence[str] | None = None) -> list[BaseStatus]:
    """For each needed base: is it on the engine, and is it a stand-in?"""
    result = []
    for ref in refs if refs is not None else needed():
        if images.exists(ref):
            found = images.image_labels(ref)
            result.append(BaseStatus(ref, True, found.get(labels.STANDIN) if labels.is_standin_of(found, [ref]) else None))
        else:
            result.append(BaseStatus(ref, False, None))
    return result


def _offline() -> bool:
    return os.environ.get("LABKIT_OFFLINE", "").lower() in ("1", "true", "yes")


def _pull(ref: str) -> bool:
    try:
        _run.run([engine.any_cli(), "pull", ref], timeout=PULL_TIMEOUT, env=engine.cli_env(engine.builder()))
    except CommandFailed:
        return False
    return True


def ensure(
    refs: Sequence[str] | None = None,
    *,
    rebuild: bool = False,
    report: Callable[[str], None] = lambda line: None,
) -> list[BaseStatus]:
    """Make every base available: keep what is there, pull what can be pulled, stand in for the rest.

    ``LABKIT_OFFLINE=1`` skips pulling. ``rebuild`` rebuilds stand-ins that exist.
    """
    engine.client()
    skipped: list[str] = []
    wanted = list(refs if refs is not None else needed(skipped=skipped))
    for line in skipped:
        report(line)
    for current in status(wanted):
        if current.present and not (rebuild and current.standin):
            report(f"{current.reference}: present ({current.origin})")
            continue
        if not rebuild and not _offline():
            report(f"{current.reference}: pulling")
            if _pull(current.reference):
                report(f"{current.reference}: pulled")
                continue
        report(f"{current.reference}: building an offline stand-in")
        how = standins.provide(current.reference, report=report, rebuild=rebuild)
        report(f"{current.reference}: stand-in ready ({how})")
    return status(wanted)


def save(path: str | os.PathLike[str], refs: Sequence[str] | None = None) -> Path:
    """Write every needed base into one archive (for a workshop room with bad Wi-Fi)."""
    wanted = list(refs if refs is not None else needed())
    missing = [s.reference for s in status(wanted) if not s.present]
    if missing:
        raise BaseImageError(f"cannot save: not on this engine: {', '.join(missing)}", hint="run `labkit bases` first")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    _run.run([engine.any_cli(), "save", "-o", str(target), *wanted], timeout=3600, env=engine.cli_env(engine.builder()))
    return target


def load(path: str | os.PathLike[str]) -> list[str]:
    """Load an archive made by :func:`save`; the references it brought."""
    source = Path(path)
    if not source.is_file():
        raise LabkitError(f"no archive at {source}", hint="give the file written by `labkit bases save`")
    done = _run.run([engine.any_cli(), "load", "-i", str(source)], timeout=3600, env=engine.cli_env(engine.builder()))
    return [line.split(":", 1)[1].strip() for line in done.stdout.splitlines() if line.startswith("Loaded image:")]
