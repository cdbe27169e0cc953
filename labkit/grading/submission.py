"""Taking in an untrusted submission: a private copy, with escapes and oversize folders refused."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

from .._exceptions import SubmissionError
from .model import Limits

#: Folders never copied into the grading sandbox.
SKIPPED = {".git", "node_modules", ".venv", "__pycache__", ".ipynb_checkpoints"}


def copy_in(source: Path, into: Path, limits: Limits) -> Path:
    """Copy a submission into ``into``, refusing what could harm the grader.

    Refused: a missing folder, symlinks that leave the submission (``/etc/passwd``),
    devices, sockets and pipes, more than ``limits.max_files`` files or
    ``limits.max_submission_bytes`` bytes. Symlinks inside the submission are kept.
    """
    source = Path(source)
    if not source.is_dir():
        raise SubmissionError(f"no submission folder at {source}", hint="give the folder that holds the Dockerfile")
    root = source.resolve()
    total = files = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in SKIPPED]
        here = Path(dirpath)
        for name in dirnames + filenames:
            path = here / name
            info = path.lstat()
            relative = path.relative_to(root)
            if stat.S_ISLNK(info.st_mode):
                target = Path(os.path.normpath(here / os.readlink(path)))
                if not target.is_relative_to(root):
                    raise SubmissionError(f"{relative} is a symlink to {os.readlink(path)}, outside the submission", hint="replace the link with the file itself")
                continue
            if stat.S_ISDIR(info.st_mode):
                continue
            if not stat.S_ISREG(info.st_mode):
                raise SubmissionError(f"{relative} is not a regular file", hint="remove devices, sockets and pipes from the folder")
            files += 1
            total += info.st_size
            if files > limits.max_files or total > limits.max_submission_bytes:
                raise SubmissionError(
                    f"the submission is larger than {limits.max_submission_bytes / 1e6:.0f} MB or {limits.max_files} files",
                    hint="submit sources only: no node_modules, virtual environments or build output",
                )
    target = Path(into) / "submission"
    shutil.copytree(root, target, symlinks=True, ignore=shutil.ignore_patterns(*SKIPPED))
    return target
