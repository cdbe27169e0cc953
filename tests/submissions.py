"""Building test submissions: an exercise as handed out, with a learner's changes laid over it."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).parents[1]


def make_submission(into: Path, name: str, exercise: str, *, overlay: Path | None = None, files: Mapping[str, str] | None = None) -> Path:
    """Copy ``exercises/EXERCISE`` to ``into/name``, lay ``overlay`` over it (deleting what its `.remove` lists), then write ``files``."""
    target = into / name
    shutil.copytree(ROOT / "exercises" / exercise, target, symlinks=True)
    if overlay is not None:
        shutil.copytree(overlay, target, symlinks=True, dirs_exist_ok=True)
        removals = target / ".remove"
        if removals.exists():
            for line in removals.read_text().split():
                (target / line).unlink()
            removals.unlink()
    for relative, text in (files or {}).items():
        (target / relative).write_text(text)
    return target
