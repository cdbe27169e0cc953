"""Where things are: the sample apps shipped in the package, the workbook checkout, the download cache."""

from __future__ import annotations

import os
from pathlib import Path

SAMPLES = Path(__file__).parent / "samples"


def sample(name: str) -> Path:
    """The folder of a sample app shipped with labkit (e.g. ``hello``)."""
    path = SAMPLES / name
    if not path.is_dir():
        known = ", ".join(sorted(p.name for p in SAMPLES.iterdir() if p.is_dir()))
        raise FileNotFoundError(f"no sample app {name!r}; labkit ships: {known}")
    return path


def workbook_root() -> Path | None:
    """The workbook checkout (with notebooks/ and exercises/): LABKIT_WORKBOOK, else upward from here or the cwd."""
    if os.environ.get("LABKIT_WORKBOOK"):
        return Path(os.environ["LABKIT_WORKBOOK"])
    for start in (Path(__file__).resolve().parent, Path.cwd().resolve()):
        for folder in (start, *start.parents):
            if (folder / "exercises").is_dir() and (folder / "notebooks").is_dir():
                return folder
    return None


def cache_dir() -> Path:
    """Downloads kept between runs (base-image ingredients): LABKIT_CACHE_DIR or ~/.cache/labkit."""
    path = Path(os.environ.get("LABKIT_CACHE_DIR") or Path.home() / ".cache" / "labkit")
    path.mkdir(parents=True, exist_ok=True)
    return path
