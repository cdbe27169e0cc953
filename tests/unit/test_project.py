"""The project's own promises: one environment described twice agrees, and the public API stays as intended."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import labkit

ROOT = Path(__file__).parents[2]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower()


def test_environment_yml_and_pyproject_name_the_same_dependencies_and_bounds():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = set(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        declared |= set(extra)
    text = (ROOT / "environment.yml").read_text()
    listed = {line.strip()[2:].strip() for line in text.splitlines() if line.strip().startswith("- ") and line.startswith("      ")}
    listed.discard("-e .")
    assert {r.replace(" ", "") for r in listed} == {r.replace(" ", "") for r in declared}


def test_exported_names():
    assert set(labkit.__all__) == {
        "BaseImageError", "BuildFailed", "BuildResult", "BuildStep", "CommandFailed", "EngineError",
        "EngineNotFound", "GraderError", "InvalidReference", "LabkitError", "SubmissionError", "build", "clean",
        "compressed_size", "doctor", "engine_available", "run", "sample",
    }
    for name in labkit.__all__:
        assert getattr(labkit, name) is not None


def test_expected_errors_carry_a_hint():
    assert labkit.EngineNotFound("x").hint
    assert issubclass(labkit.InvalidReference, ValueError)
    assert labkit.BuildFailed("failed", step="[2/2] RUN x").one_line().startswith("failed — ")


def test_no_module_but_the_gateway_imports_subprocess():
    offenders = [
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "labkit").rglob("*.py")
        if p.name != "_run.py" and re.search(r"^\s*(import subprocess|from subprocess)", p.read_text(), re.M)
    ]
    assert offenders == []
