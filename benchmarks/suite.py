"""Print how long the workbook takes: each notebook executed top to bottom, in total, and (with
--bases) provisioning every base image from nothing.

    .venv/bin/python benchmarks/suite.py            # notebooks only
    .venv/bin/python benchmarks/suite.py --bases    # also rebuild every base stand-in (slow)

Figures, not assertions: speed targets live here, never in timed tests.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def time_notebook(path: Path) -> float:
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    started = time.monotonic()
    NotebookClient(notebook, timeout=3600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.monotonic() - started


def time_bases() -> float:
    from labkit import bases

    with tempfile.TemporaryDirectory() as cache:
        os.environ["LABKIT_CACHE_DIR"] = cache  # download everything again, as on a new machine
        started = time.monotonic()
        bases.ensure(rebuild=True, report=lambda line: print(f"    {line}", file=sys.stderr))
        return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bases", action="store_true", help="also time provisioning every base image from nothing")
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to time (default: all)")
    args = parser.parse_args()
    if args.bases:
        print(f"{'provision every base image':40} {time_bases():8.1f} s")
    total = 0.0
    for path in args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb")):
        seconds = time_notebook(path)
        total += seconds
        print(f"{path.name:40} {seconds:8.1f} s")
    print(f"{'all notebooks':40} {total:8.1f} s")


if __name__ == "__main__":
    main()
