"""Laying out a context case (a generated tree or a recorded regression) on disk.

One function for the engine's differential test and the unit test that replays the
regressions, so a replayed case is exactly the tree the engine was shown.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The Dockerfile every case builds: the engine's answer is what lands in /ctx.
DOCKERFILE = "FROM busybox\nCOPY . /ctx\n"


def materialise(case: dict, root: Path) -> tuple[Path, Path]:
    """Lay a case out under ``root``: ``root/ctx`` is the context, ``root/outside`` a sibling folder."""
    ctx = root / "ctx"
    ctx.mkdir(parents=True)
    (root / "outside").mkdir()
    for rel in case.get("dirs", []):
        (ctx / rel).mkdir(parents=True, exist_ok=True)
    for rel, content in case.get("files", {}).items():
        (ctx / rel).parent.mkdir(parents=True, exist_ok=True)
        (ctx / rel).write_text(content)
    for rel, target in case.get("symlinks", {}).items():
        (ctx / rel).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, ctx / rel)
    for rel, text in case.get("ignore_files", {}).items():
        (ctx / rel).parent.mkdir(parents=True, exist_ok=True)
        (ctx / rel).write_bytes(text.encode("utf-8"))
    dockerfile = (ctx / case["dockerfile"]).resolve()
    dockerfile.parent.mkdir(parents=True, exist_ok=True)
    dockerfile.write_text(DOCKERFILE)
    return ctx, dockerfile
