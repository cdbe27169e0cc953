"""Measuring images and running containers from them.

Sizes come from the engine (`docker image inspect`) and from the image's own
layers (`docker save`), never from a table.
"""

from __future__ import annotations

import contextlib
import io
import tarfile
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from . import engine, labels
from ._exceptions import EngineError, LabkitError

#: Seconds to wait for a container's HTTP endpoint before giving up.
DEFAULT_HTTP_WAIT = 30


class _ChunkReader(io.RawIOBase):
    """A file-like view over an iterator of byte chunks, for tarfile's stream mode."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:  # type: ignore[override]
        while not self._buffer:
            try:
                self._buffer = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(target), len(self._buffer))
        target[:size], self._buffer = self._buffer[:size], self._buffer[size:]
        return size


def _saved(image: str) -> tarfile.TarFile:
    try:
        chunks = engine.client().api.get_image(image)
    except Exception as err:  # the SDK raises several types for a missing image
        raise EngineError(f"cannot export image {image}: {err}") from err
    return tarfile.open(fileobj=io.BufferedReader(_ChunkReader(chunks), buffer_size=1 << 20), mode="r|")


def _is_tar(head: bytes) -> bool:
    return len(head) >= 262 and head[257:262] == b"ustar"


def _gzip_size(stream: io.BufferedIOBase, head: bytes) -> int:
    if head[:2] == b"\x1f\x8b":  # already compressed (OCI layout with compressed blobs)
        return len(head) + sum(len(block) for block in iter(lambda: stream.read(1 << 20), b""))
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    total = len(compressor.compress(head))
    for block in iter(lambda: stream.read(1 << 20), b""):
        total += len(compressor.compress(block))
    return total + len(compressor.flush())


def compressed_size(image: str) -> int:
    """Bytes of the image's layers after gzip, which is what a registry stores and a pull downloads."""
    total = 0
    with _saved(image) as archive:
        for member in archive:
            if not member.isfile() or not (member.name.endswith("layer.tar") or member.name.startswith("blobs/")):
                continue
            stream = archive.extractfile(member)
            assert stream is not None
            head = stream.read(512)
            if _is_tar(head) or head[:2] == b"\x1f\x8b":
                total += _gzip_size(stream, head)
    return total


def layer_files(image: str) -> Iterator[tuple[int, str, bytes | None]]:
    """Every file in every layer of an image: (layer number, path, content for small files).

    This reads what `docker save` exports, so it sees files a later layer deleted
    (the lesson on secrets relies on that).
    """
    layer = -1
    with _saved(image) as archive:
        for member in archive:
            if not member.isfile() or not (member.name.endswith("layer.tar") or member.name.startswith("blobs/")):
                continue
            stream = archive.extractfile(member)
            assert stream is not None
            data = stream.read()
            if not _is_tar(data[:512]):
                continue
            layer += 1
            with tarfile.open(fileobj=io.BytesIO(data)) as inner:
                for entry in inner:
                    if entry.isfile():
                        small = inner.extractfile(entry).read() if entry.size <= 1 << 16 else None  # type: ignore[union-attr]
                        yield layer, entry.name, small


def exists(reference: str) -> bool:
    """Whether the engine has an image by this name or id."""
    from docker.errors import ImageNotFound

    try:
        engine.client().images.get(reference)
    except ImageNotFound:
        return False
    return True


def image_labels(reference: str) -> dict[str, str]:
    """The labels of an image the engine has."""
    attrs = engine.client().api.inspect_image(reference)
    return dict((attrs.get("Config") or {}).get("Labels") or {})


@dataclass
class Container:
    """A running container that labkit started; use :func:`run` to get one."""

    id: str
    ports: dict[int, int]

    @property
    def _sdk(self):
        return engine.client().containers.get(self.id)

    def logs(self) -> str:
        return self._sdk.logs().decode(errors="replace")

    def exec(self, *argv: str, user: str | None = None) -> tuple[int, str]:
        """Run a command inside the container: (exit code, output)."""
        code, out = self._sdk.exec_run(list(argv), user=user or "")
        return code, out.decode(errors="replace")

    def wait(self, timeout: float = 60) -> int:
        """Wait for the container to exit; its exit code."""
        return int(self._sdk.wait(timeout=timeout)["StatusCode"])

    def http_get(self, path: str = "/", *, port: int | None = None, wait: float = DEFAULT_HTTP_WAIT) -> tuple[int, str]:
        """GET a path on a published port (loopback only), retrying until ``wait`` seconds pass."""
        host_port = self.ports[port] if port else next(iter(self.ports.values()))
        url = f"http://127.0.0.1:{host_port}{path}"
        deadline = time.monotonic() + wait
        last: Exception | None = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    return response.status, response.read().decode(errors="replace")
            except urllib.error.HTTPError as err:
                return err.code, err.read().decode(errors="replace")
            except OSError as err:
                last = err
                if self._sdk.status == "exited":
                    break
                time.sleep(0.3)
        raise LabkitError(
            f"no answer from {path} on container port {port or next(iter(self.ports))}: {last}; container log: {self.logs()[-500:].strip() or '(empty)'}",
            hint="check that the app listens on 0.0.0.0 and the port its Dockerfile EXPOSEs",
        )


@contextlib.contextmanager
def run(
    image: str,
    command: Sequence[str] | None = None,
    *,
    ports: Sequence[int] = (),
    environment: Mapping[str, str] | None = None,
    purpose: str = "run",
    user: str | None = None,
    memory: str | None = "512m",
    pids_limit: int | None = 256,
    network: str | None = None,
    read_only: bool = False,
) -> Iterator[Container]:
    """Start a container, yield it, and remove it afterwards, even when start-up fails.

    Published ports bind to 127.0.0.1 only. No host folder is ever mounted.
    """
    from docker.errors import APIError, ImageNotFound

    sdk = engine.client()
    started = None
    try:
        started = sdk.containers.run(
            image,
            command=list(command) if command else None,
            detach=True,
            ports={f"{p}/tcp": ("127.0.0.1", None) for p in ports},
            environment=dict(environment or {}),
            labels=labels.managed_labels(purpose),
            user=user,
            mem_limit=memory,
            pids_limit=pids_limit,
            network_mode=network,
            read_only=read_only,
        )
        started.reload()
        mapped: dict[int, int] = {}
        for port in ports:
            bindings = (started.attrs["NetworkSettings"]["Ports"] or {}).get(f"{port}/tcp") or []
            if bindings:
                mapped[port] = int(bindings[0]["HostPort"])
        yield Container(started.id, mapped)
    except ImageNotFound as err:
        raise LabkitError(f"no image {image} on this engine", hint="build it first, or run `labkit bases` for base images") from err
    except APIError as err:
        raise EngineError(f"cannot start a container from {image}: {err.explanation or err}") from err
    finally:
        if started is not None:
            with contextlib.suppress(Exception):
                started.remove(force=True)


def filesystem(image: str) -> dict[str, int]:
    """The image's final filesystem as ``{path: size}`` (what a container sees, deleted files gone).

    Read by exporting a created (never started) container, so it works for
    images without a shell, such as ``scratch`` ones.
    """
    from docker.errors import APIError, ImageNotFound

    sdk = engine.client()
    try:
        container = sdk.containers.create(image, command=["/nonexistent"], labels=labels.managed_labels("run"), network_disabled=True)
    except ImageNotFound as err:
        raise LabkitError(f"no image {image} on this engine", hint="build it first") from err
    except APIError as err:
        raise EngineError(f"cannot read the filesystem of {image}: {err.explanation or err}") from err
    try:
        stream = io.BufferedReader(_ChunkReader(container.export()), buffer_size=1 << 20)
        found: dict[str, int] = {}
        with tarfile.open(fileobj=stream, mode="r|") as archive:
            for member in archive:
                if member.isfile() or member.issym():
                    found["/" + member.name.removeprefix("./").lstrip("/")] = member.size
        return found
    finally:
        container.remove(force=True)


def matching(paths: Iterable[str], patterns: Sequence[str]) -> list[str]:
    """The paths that match any of the shell-style patterns (``/usr/bin/gcc*``, ``*/node_modules/typescript/*``)."""
    import fnmatch

    return sorted(p for p in paths if any(fnmatch.fnmatchcase(p, pattern) for pattern in patterns))


def size(reference: str) -> int:
    """An image's uncompressed size in bytes, as the engine reports it."""
    return int(engine.client().api.inspect_image(reference).get("Size", 0))
