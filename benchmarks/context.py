"""Print what a .dockerignore saves, and how labkit's context analysis compares with the engine's own transfer.

    .venv/bin/python benchmarks/context.py                    # 50 MB dataset, 100,000-file tree
    .venv/bin/python benchmarks/context.py --dataset-mb 200 --files 20000

1. The lesson's messy project (``labkit.projects.messy_project``): context size
   (``labkit.context.analyse``) and build time (no cache) without and with its
   ``.dockerignore``.
2. A tree of many small files: how long ``analyse`` takes to list it, against how long
   the engine takes to receive it — a build of ``FROM busybox`` +
   ``RUN --mount=type=bind,target=/ctx true``, which makes BuildKit transfer the whole
   context but writes no layer — minus a build that uses no context at all.

BuildKit keeps the last context it received from a folder and later sends only what
changed, so with ``--repeat`` the first build of a variant is the full transfer and
the next ones are cheaper; all are printed.

Figures, not assertions: speed targets live here, never in timed tests.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import labkit  # noqa: E402
from labkit import context, projects  # noqa: E402

#: Makes BuildKit send the whole context (a bind mount of it) without writing it into a layer.
RECEIVE_ONLY = "FROM busybox\nRUN --mount=type=bind,target=/ctx true\n"
#: The same build without the context: the fixed cost of a build, subtracted from the above.
NO_CONTEXT = "FROM busybox\nRUN true\n"


def _mb(size: int) -> str:
    return f"{size / 1e6:.2f} MB" if size >= 100_000 else f"{size / 1e3:.1f} kB"


def messy(dataset_mb: float, repeat: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-context-") as scratch:
        started = time.monotonic()
        project = projects.messy_project(Path(scratch) / "notes", dataset_mb=dataset_mb)
        print(f"messy project generated in {time.monotonic() - started:.1f} s")
        print(f"{'variant':22} {'context':>11} {'files':>6} {'analyse':>9} {'build (no cache)':>18}")
        for variant in ("no .dockerignore", "good .dockerignore"):
            if variant == "good .dockerignore":
                (project / ".dockerignore").write_text(projects.GOOD_DOCKERIGNORE)
            started = time.monotonic()
            report = context.analyse(project)
            analysed = time.monotonic() - started
            seconds = [labkit.build(project, no_cache=True, progress=None).seconds for _ in range(repeat)]
            spread = f" (in order: {', '.join(f'{s:.1f}' for s in seconds)})" if repeat > 1 else ""
            print(f"{variant:22} {_mb(report.total_bytes):>11} {len(report.files):>6} {analysed:>7.2f} s {statistics.median(seconds):>9.1f} s{spread}")


def many_files(count: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-tree-") as scratch:
        tree = Path(scratch) / "tree"
        started = time.monotonic()
        per_folder = 1000
        for index in range(count):
            folder = tree / f"pkg{index // per_folder:04d}"
            if index % per_folder == 0:
                folder.mkdir(parents=True)
            (folder / f"module{index % per_folder:04d}.js").write_text(f"module.exports = {index};\n")
        (tree / "Dockerfile").write_text(RECEIVE_ONLY)
        print(f"\n{count:,} small files written in {time.monotonic() - started:.1f} s")

        started = time.monotonic()
        report = context.analyse(tree)
        analysed = time.monotonic() - started
        print(f"labkit analyse:          {analysed:6.2f} s  ({len(report.files):,} files, {_mb(report.total_bytes)})")

        baseline_file = Path(scratch) / "Dockerfile.none"
        baseline_file.write_text(NO_CONTEXT)
        baseline = labkit.build(tree, dockerfile=baseline_file, no_cache=True, progress=None).seconds
        received = labkit.build(tree, no_cache=True, progress=None).seconds
        print(f"engine receives it:      {received:6.2f} s  (build with a bind mount of the context)")
        print(f"  minus a build without: {baseline:6.2f} s  -> transfer ~ {received - baseline:.2f} s")
        print(f"analyse / transfer:      {analysed / max(received - baseline, 1e-3):6.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset-mb", type=float, default=50, help="size of the messy project's dataset (MB)")
    parser.add_argument("--files", type=int, default=100_000, help="files in the many-small-files tree")
    parser.add_argument("--repeat", type=int, default=1, help="builds per variant (the median is printed)")
    args = parser.parse_args()
    if not labkit.engine_available():
        sys.exit("no Docker engine answers; start one first")
    try:
        messy(args.dataset_mb, args.repeat)
        many_files(args.files)
    finally:
        labkit.clean(session=labkit.labels.SESSION_ID)


if __name__ == "__main__":
    main()
