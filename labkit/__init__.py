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
    GraderError,
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
    "GraderError",
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


#: Modules a lesson reaches as ``labkit.NAME``, imported on first use to keep the CLI fast.
LAZY_MODULES = frozenset(
    {"bases", "cache", "cacheplots", "context", "contextplots", "grading", "images", "inventory", "plots",
     "projects", "registry", "surprises", "tagplots", "tags", "widgets", "widgets_context"}
)


def __getattr__(name: str):
    """Import a lesson module (plots, tags, context, ...) on first use."""
    if name in LAZY_MODULES:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'labkit' has no attribute {name!r}")
