"""The docker CLI call labkit makes for each builder, checked without an engine."""

from __future__ import annotations

from pathlib import Path

from labkit.build import BuildRequest, cli_arguments
from labkit.engine import Builder

REQUEST = BuildRequest(
    context=Path("/ctx"),
    dockerfile=Path("/ctx/Dockerfile.naive"),
    names=["app:1", "app:latest"],
    target="build",
    build_args={"VERSION": "1.2.3"},
    labels={"io.labkit.managed": "true"},
    no_cache=True,
    network="none",
    secrets={"token": "/run/token"},
)


def test_classic_cli_builds_with_plain_progress_and_an_id_file():
    argv = cli_arguments(Builder("classic-buildkit", "/usr/bin/docker", "20.10.24"), REQUEST, Path("/tmp/iid"))
    assert argv[:6] == ["/usr/bin/docker", "build", "--progress=plain", "--iidfile", "/tmp/iid", "-f"]
    assert "buildx" not in argv and "--load" not in argv
    assert argv[-1] == "/ctx"
    for pair in (["-t", "app:1"], ["-t", "app:latest"], ["--build-arg", "VERSION=1.2.3"], ["--target", "build"],
                 ["--network", "none"], ["--secret", "id=token,src=/run/token"], ["--label", "io.labkit.managed=true"]):
        assert any(argv[i:i + 2] == pair for i in range(len(argv))), pair
    assert "--no-cache" in argv and "--pull" not in argv


def test_buildx_loads_the_image_into_the_engine():
    argv = cli_arguments(Builder("buildx", "/usr/local/bin/docker", "28.2.2"), BuildRequest(Path("/c"), Path("/c/Dockerfile")), Path("/i"))
    assert argv[:3] == ["/usr/local/bin/docker", "buildx", "build"] and "--load" in argv
