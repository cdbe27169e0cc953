"""A real registry on this machine, for pushing, pulling and inspecting tags and digests.

:func:`local_registry` starts ``registry:2`` (the official image, or labkit's
offline stand-in built from Debian's ``docker-registry`` package) published on
127.0.0.1 on a free port, and removes it afterwards::

    with local_registry() as registry:
        registry.push("hello:1.0")                 # -> 127.0.0.1:PORT/hello:1.0
        registry.tags("hello"), registry.digest("hello", "1.0")

The engine pushes over plain HTTP because Docker treats every 127.0.0.0/8
registry as insecure-allowed by default; nothing needs configuring. Pushes and
pulls go through the engine (``docker push``/``docker pull``), questions about
what the registry holds go to its HTTP API (``/v2/…``), so a lesson can show
both sides.

:func:`publish_settings` reads the ``REGISTRY``, ``NAMESPACE``, ``IMAGE_NAME``
and ``VERSION`` environment variables that CI pipelines use to name images.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from . import _run, engine, images, tags
from ._exceptions import CommandFailed, EngineError, LabkitError

__all__ = ["REGISTRY_IMAGE", "Registry", "Pushed", "local_registry", "PublishSettings", "publish_settings"]

REGISTRY_IMAGE = "registry:2"
REGISTRY_PORT = 5000
#: Seconds to wait for a fresh registry to answer on /v2/.
START_TIMEOUT = 30
#: Seconds a push or pull may take.
TRANSFER_TIMEOUT = 600
#: What we accept for a manifest: Docker's v2 first (what Engine 20.10 pushes), then lists and OCI.
MANIFEST_TYPES = (
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
)

# Loopback traffic must never go through an HTTP proxy from the environment.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class Pushed:
    """What a push produced: the reference in the registry and the manifest digest it got."""

    reference: str
    digest: str

    def __str__(self) -> str:
        return self.reference


@dataclass
class Registry:
    """A running registry; get one from :func:`local_registry`."""

    address: str
    container: images.Container
    _local_refs: list[str] = field(default_factory=list, repr=False)

    # --- HTTP API ------------------------------------------------------------------------------

    def _request(self, method: str, path: str, *, accept: tuple[str, ...] = ()) -> tuple[int, Mapping[str, str], bytes]:
        request = urllib.request.Request(f"http://{self.address}{path}", method=method)
        if accept:
            request.add_header("Accept", ", ".join(accept))
        try:
            with _DIRECT.open(request, timeout=10) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as err:
            return err.code, err.headers, err.read()
        except OSError as err:
            raise EngineError(f"the registry at {self.address} does not answer: {err}", hint="is its container still running?") from err

    def _json(self, path: str) -> tuple[int, dict]:
        status, _, body = self._request("GET", path)
        try:
            return status, json.loads(body or b"{}")
        except ValueError as err:
            raise EngineError(f"the registry sent something that is not JSON for {path}: {body[:200]!r}") from err

    def repository(self, name: str) -> str:
        """The repository path inside this registry for a name: ``hello``, ``team/app``, or ``ADDRESS/app`` -> ``app``."""
        parsed = tags.parse(name)
        if parsed.domain == self.address:
            return parsed.path
        return parsed.familiar_name if parsed.domain == tags.DEFAULT_DOMAIN else parsed.path

    def reference(self, ref: str) -> str:
        """``ref`` as a reference into this registry, keeping its tag and digest (``latest`` if neither)."""
        parsed = tags.parse(ref)
        return f"{self.address}/{self.repository(ref)}" + parsed.normalised[len(parsed.name):]

    def catalog(self) -> list[str]:
        """Every repository the registry holds."""
        found: list[str] = []
        path = "/v2/_catalog?n=1000"
        while path:
            status, headers, body = self._request("GET", path)
            if status != 200:
                raise EngineError(f"the registry refused its catalog: HTTP {status} {body[:200]!r}")
            found += json.loads(body).get("repositories") or []
            path = _next_page(headers)
        return sorted(found)

    def tags(self, repository: str) -> list[str]:
        """The tags of one repository (empty when the registry has never seen it)."""
        name = self.repository(repository)
        status, data = self._json(f"/v2/{name}/tags/list")
        if status == 404:
            return []
        if status != 200:
            raise EngineError(f"the registry refused the tags of {name}: HTTP {status} {data}")
        return sorted(data.get("tags") or [])

    def digest(self, repository: str, tag: str = "latest") -> str:
        """The manifest digest a tag points to (``Docker-Content-Digest``), as ``docker push`` printed it."""
        name = self.repository(repository)
        status, headers, body = self._request("HEAD", f"/v2/{name}/manifests/{tag}", accept=MANIFEST_TYPES)
        if status == 404:
            raise LabkitError(f"{self.address}/{name} has no tag {tag!r}", hint=f"its tags: {', '.join(self.tags(name)) or 'none'}")
        digest = headers.get("Docker-Content-Digest") if status == 200 else None
        if not digest:
            raise EngineError(f"the registry gave no digest for {name}:{tag}: HTTP {status} {body[:200]!r}")
        return digest

    # --- through the engine ----------------------------------------------------------------------

    def _docker(self, *argv: str) -> str:
        done = _run.run([engine.any_cli(), *argv], timeout=TRANSFER_TIMEOUT, env=engine.cli_env(engine.builder()))
        return done.stdout + done.stderr

    def push(self, image: str, *, as_: str | None = None) -> Pushed:
        """Push a local image (``hello:1.0``) into this registry, under its own name or ``as_``.

        The engine gets a local tag ``ADDRESS/name:tag`` for it (removed again
        when the registry stops) and pushes that with ``docker push``.
        """
        target = tags.parse(self.reference(as_ or image), new_tag=True)
        remote = target.familiar
        if tags.parse(image).familiar != remote:
            from docker.errors import APIError, ImageNotFound

            try:
                engine.client().api.tag(image, remote)
            except ImageNotFound as err:
                raise LabkitError(f"no image {image} on this engine", hint="build it first") from err
            except APIError as err:
                raise EngineError(f"cannot tag {image} as {remote}: {err.explanation or err}") from err
            self._local_refs.append(remote)
        try:
            output = self._docker("push", remote)
        except CommandFailed as err:
            raise EngineError(f"docker push {remote} failed: {err.message}", hint="read the registry log with registry.container.logs()") from err
        match = re.search(r"digest: (sha256:[0-9a-f]{64})", output)
        return Pushed(remote, match.group(1) if match else self.digest(remote, target.tag or tags.DEFAULT_TAG))

    def pull(self, ref: str) -> str:
        """Pull ``repository:tag`` or ``repository@digest`` from this registry; the local image id."""
        remote = tags.parse(self.reference(ref)).familiar
        try:
            self._docker("pull", remote)
        except CommandFailed as err:
            raise EngineError(f"docker pull {remote} failed: {err.message}", hint=f"check what the registry has: registry.tags({self.repository(ref)!r})") from err
        self._local_refs.append(remote)
        return str(engine.client().api.inspect_image(remote)["Id"])

    def _forget_local_refs(self) -> None:
        """Untag what push and pull left on the engine under this registry's address (images other names keep stay)."""
        from docker.errors import APIError

        for ref in reversed(self._local_refs):
            with contextlib.suppress(APIError):
                engine.client().api.remove_image(ref, noprune=True)
        self._local_refs.clear()


def _next_page(headers: Mapping[str, str]) -> str | None:
    """The next page from a ``Link: </v2/_catalog?last=x&n=1000>; rel="next"`` header."""
    match = re.match(r'\s*<([^>]+)>\s*;\s*rel="?next"?', headers.get("Link") or "")
    return match.group(1) if match else None


def _wait_until_ready(registry: Registry, deadline_seconds: float) -> None:
    deadline = time.monotonic() + deadline_seconds
    last = "no answer yet"
    while time.monotonic() < deadline:
        try:
            status, _, _ = registry._request("GET", "/v2/")
            if status in (200, 401):
                return
            last = f"HTTP {status}"
        except EngineError as err:
            last = str(err.__cause__ or err)
        if registry.container._sdk.status == "exited":
            last = "the container exited"
            break
        time.sleep(0.2)
    log = registry.container.logs()[-1500:].strip() or "(empty)"
    raise EngineError(
        f"the registry at {registry.address} did not answer on /v2/ within {deadline_seconds:.0f} s ({last}); container log:\n{log}",
        hint="rebuild the registry image (`labkit bases --rebuild`) or read the log above",
    )


@contextlib.contextmanager
def local_registry(
    image: str = REGISTRY_IMAGE,
    *,
    timeout: float = START_TIMEOUT,
    report: Callable[[str], None] = lambda line: None,
) -> Iterator[Registry]:
    """Start a registry on 127.0.0.1 on a free port, wait until it answers, yield it, then remove it.

    The image is pulled, or built as an offline stand-in, when the engine does
    not have it. The container (and any anonymous volume the official image
    declares) goes away afterwards, even when start-up fails.
    """
    from docker.errors import APIError, NotFound

    if not images.exists(image):
        from . import bases

        bases.ensure([image], report=report)
    volumes: list[str] = []
    registry: Registry | None = None
    try:
        with images.run(image, ports=[REGISTRY_PORT], purpose="registry") as container:
            mounts = container._sdk.attrs.get("Mounts") or []
            volumes = [m["Name"] for m in mounts if m.get("Type") == "volume" and m.get("Name")]
            if REGISTRY_PORT not in container.ports:
                log = container.logs()[-1500:].strip() or "(empty)"
                raise EngineError(
                    f"{image} has no published port {REGISTRY_PORT} (did it exit at once?); container log:\n{log}",
                    hint="use a registry image that listens on port 5000",
                )
            registry = Registry(f"127.0.0.1:{container.ports[REGISTRY_PORT]}", container)
            _wait_until_ready(registry, timeout)
            report(f"registry {image} answers at {registry.address}")
            yield registry
    finally:
        if registry is not None:
            registry._forget_local_refs()
        for volume in volumes:
            with contextlib.suppress(NotFound, APIError):
                engine.client().volumes.get(volume).remove(force=True)


# --- naming images from the environment ------------------------------------------------------------

DEFAULT_SETTINGS = {"REGISTRY": "localhost:5000", "NAMESPACE": "workbook", "IMAGE_NAME": "hello", "VERSION": "0.1.0"}


@dataclass(frozen=True)
class PublishSettings:
    """Where an image is published: ``REGISTRY/NAMESPACE/IMAGE_NAME:VERSION``."""

    registry: str
    namespace: str
    image_name: str
    version: str

    @property
    def repository(self) -> str:
        """``localhost:5000/workbook/hello`` (an empty registry means Docker Hub, an empty namespace none)."""
        return "/".join(part for part in (self.registry, self.namespace, self.image_name) if part)

    @property
    def reference(self) -> str:
        return f"{self.repository}:{self.version}"

    def __str__(self) -> str:
        return self.reference


def publish_settings(environ: Mapping[str, str] | None = None) -> PublishSettings:
    """Read ``REGISTRY``, ``NAMESPACE``, ``IMAGE_NAME`` and ``VERSION`` (defaults: ``localhost:5000/workbook/hello:0.1.0``).

    A variable set to the empty string means "none" (``REGISTRY=`` publishes to
    Docker Hub). The result is checked to be a reference Docker would tag.
    """
    source = os.environ if environ is None else environ
    values = {key: source.get(key, default).strip() for key, default in DEFAULT_SETTINGS.items()}
    registry = values["REGISTRY"].rstrip("/")
    if "://" in registry:
        raise LabkitError(f"REGISTRY={registry!r} is a URL; Docker wants a host[:port]", hint=f"set REGISTRY={registry.split('://', 1)[1]}")
    if not values["IMAGE_NAME"]:
        raise LabkitError("IMAGE_NAME is empty", hint="set IMAGE_NAME to the image's name, e.g. hello")
    if registry and not re.search(r"[.:]", registry) and registry != "localhost":
        raise LabkitError(
            f"REGISTRY={registry!r} would be read as a Docker Hub namespace, not a registry host",
            hint="a registry host has a '.' or a ':port' or is localhost, e.g. registry.example.com or myhost:5000",
        )
    settings = PublishSettings(registry, values["NAMESPACE"].strip("/"), values["IMAGE_NAME"], values["VERSION"])
    parsed = tags.parse(settings.reference, new_tag=True)
    if registry and parsed.domain != (tags.DEFAULT_DOMAIN if registry == tags.LEGACY_DEFAULT_DOMAIN else registry):
        raise LabkitError(f"REGISTRY={registry!r} is not a valid registry host", hint="letters, digits, '-', '.', and an optional :port")
    return settings
