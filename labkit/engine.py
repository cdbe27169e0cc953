"""Finding the Docker engine and the builder, once.

The engine is reached through ``DOCKER_HOST`` when set, else the docker CLI's
current context, else the default socket. The builder is detected, never
assumed: ``docker buildx build`` where buildx exists, else a classic CLI
(before 23.0) with ``DOCKER_BUILDKIT=1``, else the legacy builder through the
Python ``docker`` SDK.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from . import _run
from ._exceptions import CommandFailed, EngineNotFound

if TYPE_CHECKING:
    import docker

BuilderKind = Literal["buildx", "classic-buildkit", "legacy"]

#: Seconds the SDK waits for the engine before giving up.
ENGINE_TIMEOUT = 600


@dataclass(frozen=True)
class Builder:
    """How labkit builds: which CLI (if any) and which BuildKit front door."""

    kind: BuilderKind
    cli: str | None
    client_version: str | None

    @property
    def uses_buildkit(self) -> bool:
        return self.kind != "legacy"

    def describe(self) -> str:
        if self.kind == "buildx":
            return f"BuildKit via `docker buildx build` ({self.cli}, client {self.client_version})"
        if self.kind == "classic-buildkit":
            return f"BuildKit via DOCKER_BUILDKIT=1 `docker build` ({self.cli}, client {self.client_version})"
        return "legacy builder via the Python docker SDK (no BuildKit: no per-step cache report from BuildKit)"


def docker_host() -> str | None:
    """The engine address: DOCKER_HOST, else the CLI's current context, else None (the default socket)."""
    if os.environ.get("DOCKER_HOST"):
        return os.environ["DOCKER_HOST"]
    for cli in docker_clis():
        try:
            done = _run.run([cli, "context", "inspect", "--format", "{{.Endpoints.docker.Host}}"], timeout=10)
        except CommandFailed:
            continue
        host = done.stdout.strip()
        if host:
            return host
    return None


@functools.lru_cache(maxsize=1)
def client() -> "docker.DockerClient":
    """The SDK client for the engine; raises :class:`EngineNotFound` when none answers."""
    import docker
    from docker.errors import DockerException

    host = docker_host()
    try:
        sdk = docker.DockerClient(base_url=host, timeout=ENGINE_TIMEOUT) if host else docker.from_env(timeout=ENGINE_TIMEOUT)
        sdk.ping()
    except (DockerException, OSError) as err:
        where = host or "the default socket (unix:///var/run/docker.sock)"
        if "permission denied" in str(err).lower():
            raise EngineNotFound(
                f"permission denied on the Docker socket at {where}",
                hint="add yourself to the docker group (`sudo usermod -aG docker $USER`, then log in again)",
            ) from err
        raise EngineNotFound(f"no Docker engine answers at {where}") from err
    return sdk


def engine_available() -> bool:
    """A cheap yes/no for notebooks and tests: does an engine answer?"""
    try:
        client()
    except EngineNotFound:
        client.cache_clear()
        return False
    return True


def docker_clis() -> list[str]:
    """Every docker CLI on this machine, PATH order first, then Debian's /usr/bin/docker."""
    found: list[str] = []
    for candidate in (_run.which("docker"), Path("/usr/bin/docker"), Path("/usr/local/bin/docker")):
        if candidate and candidate.exists() and os.access(candidate, os.X_OK):
            real = str(candidate)
            if real not in found:
                found.append(real)
    return found


def cli_version(cli: str) -> str | None:
    """The client version a docker CLI reports of itself (no engine needed)."""
    try:
        out = _run.run([cli, "--version"], timeout=10).stdout
    except CommandFailed:
        return None
    match = re.search(r"version ([0-9][^\s,]*)", out)
    return match.group(1) if match else None


def _major(version: str | None) -> int:
    match = re.match(r"(\d+)", version or "")
    return int(match.group(1)) if match else 0


@functools.lru_cache(maxsize=1)
def builder() -> Builder:
    """Detect the builder; ``LABKIT_BUILDER`` (buildx, classic-buildkit, legacy) overrides."""
    wanted = os.environ.get("LABKIT_BUILDER")
    clis = docker_clis()
    versions = {cli: cli_version(cli) for cli in clis}
    if wanted in (None, "", "buildx"):
        for cli in clis:
            if _run.succeeds([cli, "buildx", "version"], timeout=15):
                return Builder("buildx", cli, versions[cli])
    if wanted in (None, "", "classic-buildkit"):
        # The docker CLI embedded a BuildKit client until 23.0; later ones need buildx.
        for cli in clis:
            if 0 < _major(versions[cli]) < 23:
                return Builder("classic-buildkit", cli, versions[cli])
    return Builder("legacy", None, None)


def cli_env(chosen: Builder) -> dict[str, str]:
    """Environment for a docker CLI call: the engine address and, for classic CLIs, BuildKit on."""
    env: dict[str, str] = {}
    host = docker_host()
    if host:
        env["DOCKER_HOST"] = host
    if chosen.kind == "classic-buildkit":
        env["DOCKER_BUILDKIT"] = "1"
    return env


def any_cli() -> str:
    """A docker CLI for non-build commands (save, load, tag), or raise with the fix."""
    clis = docker_clis()
    if not clis:
        raise EngineNotFound("no docker command-line client is installed", hint="install Docker (Debian: apt-get install docker.io)")
    return clis[0]
