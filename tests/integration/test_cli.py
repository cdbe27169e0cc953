"""The command line as a learner meets it: one line for expected failures, never a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest


def labkit_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "labkit.cli", *args], capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})}
    )


def test_doctor_without_an_engine_prints_one_actionable_line():
    done = labkit_cli("doctor", env={"DOCKER_HOST": "unix:///nonexistent/docker.sock"})
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "no Docker engine answers" in lines[0] and "start Docker" in lines[0]


def test_help_lists_the_commands():
    done = labkit_cli("--help")
    assert done.returncode == 0
    for command in ("doctor", "bases", "build", "clean"):
        assert command in done.stdout


@pytest.mark.engine
def test_doctor_reports_engine_builder_disk_and_every_base(engine):
    import labkit
    from labkit.bases import needed

    done = labkit_cli("doctor")
    assert done.returncode == 0, done.stderr
    for topic in ("engine", "builder", "architecture", "disk", "proxy and CAs"):
        assert topic in done.stdout
    for ref in needed():
        assert f"base {ref}" in done.stdout
    assert labkit.doctor().ok


@pytest.mark.engine
def test_build_of_a_broken_dockerfile_is_one_error_line(engine, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN exit 7\n")
    done = labkit_cli("build", str(tmp_path))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("error: build failed at [2/2] RUN exit 7")


@pytest.mark.engine
def test_bases_list_shows_every_needed_base_present(engine):
    done = labkit_cli("bases", "--list")
    assert done.returncode == 0
    assert "missing" not in done.stdout


@pytest.mark.engine
def test_build_passes_build_args_to_the_engine(engine, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM busybox\nARG GREETING=unset\nLABEL greeting=$GREETING\n")
    tag = "labkit-test/build-arg:cli"
    done = labkit_cli("build", str(tmp_path), "-t", tag, "--build-arg", "GREETING=hello")
    try:
        assert done.returncode == 0, done.stderr
        assert engine.images.get(tag).labels["greeting"] == "hello"
    finally:
        engine.images.remove(tag, force=True)


def test_a_build_arg_without_a_value_is_a_usage_error(tmp_path):
    done = labkit_cli("build", str(tmp_path), "--build-arg", "GREETING")
    assert done.returncode == 2 and "NAME=VALUE" in done.stderr and "Traceback" not in done.stderr
