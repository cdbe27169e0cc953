"""labkit: build, measure and grade Docker images on a real engine, for the Docker Image Workbook.

>>> import labkit
>>> result = labkit.build("labkit/samples/hello", tag="hello:demo")   # doctest: +SKIP
>>> result.size_mb, result.all_cached                                  # doctest: +SKIP
"""

from ._exceptions import (
    BaseImageError,
    BuildFailed,
    CommandFailed,
    EngineError,
    EngineNotFound,
    InvalidReference,
    LabkitError,
    SubmissionError,
)
from ._paths import sample
from .build import BuildResult, build
from .buildlog import BuildStep
from .cleanup import clean
from .doctor import doctor
from .engine import engine_available
from .images import compressed_size, run

__all__ = [
    "BaseImageError",
    "BuildFailed",
    "BuildResult",
    "BuildStep",
    "CommandFailed",
    "EngineError",
    "EngineNotFound",
    "InvalidReference",
    "LabkitError",
    "SubmissionError",
    "build",
    "clean",
    "compressed_size",
    "doctor",
    "engine_available",
    "run",
    "sample",
]


def __getattr__(name: str):
    """Import the notebook-only helpers (plots, widgets) on first use, keeping the CLI fast."""
    if name in ("plots", "widgets"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'labkit' has no attribute {name!r}")
