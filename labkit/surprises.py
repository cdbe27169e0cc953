"""Helpers for lesson 02's cache surprises: tiny build contexts, their steps in a line, a local web server.

>>> folder = tiny_context("FROM busybox\\nRUN echo @ID@ && date > /when\\n")                  # doctest: +SKIP
>>> step_outcomes(labkit.build(folder, progress=None))                                         # doctest: +SKIP
['RUN echo 3f2a9c1e && date > /when: ran']
>>> with serve_folder(www) as url:                                                            # doctest: +SKIP
...     labkit.build(tiny_context(f"FROM busybox\\nADD {url}/data.txt /data.txt\\n"), progress=None)

Who fetches an ``ADD`` URL: BuildKit itself, inside the engine, not a container. With the
engine on this machine (Linux, ``dockerd``) the builder shares the host's network, so a server
on the loopback address (the default here) answers it, and nothing is exposed beyond this
machine. A ``RUN wget`` in a build step runs in a container on the bridge network, where
``127.0.0.1`` is the container itself: it would need ``host=`` the bridge gateway (often
``172.17.0.1``). An engine elsewhere (Docker Desktop's VM, a remote ``DOCKER_HOST``) does not
reach this machine's loopback either.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import tempfile
import threading
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ._exceptions import LabkitError

if TYPE_CHECKING:
    from .build import BuildResult

__all__ = ["ID_MARKER", "serve_folder", "step_outcomes", "tiny_context"]

#: Replaced by a fresh token in :func:`tiny_context`, so no earlier run's cache answers for its steps.
ID_MARKER = "@ID@"


def tiny_context(
    dockerfile: str,
    files: Mapping[str, str] | None = None,
    *,
    parent: str | os.PathLike[str] | None = None,
) -> Path:
    """Write a small build context into a new folder and return the folder.

    Args:
        dockerfile: the Dockerfile text; every ``@ID@`` becomes one new 8-hex-digit token.
        files: other files of the context, ``{"name": "text"}`` (sub-folders are made).
        parent: where to make the folder (default: the system's temporary folder).
    """
    folder = Path(tempfile.mkdtemp(prefix="lesson02-tiny-", dir=parent))
    (folder / "Dockerfile").write_text(dockerfile.replace(ID_MARKER, uuid.uuid4().hex[:8]))
    for name, text in (files or {}).items():
        path = (folder / name).resolve()
        if not path.is_relative_to(folder.resolve()):
            raise LabkitError(f"{name} is outside the build context", hint="name files relative to the context, without ..")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder


def step_outcomes(result: BuildResult, width: int = 40) -> list[str]:
    """``"INSTRUCTION arguments: cached|ran"`` for each RUN, COPY and ADD step of a build, arguments cut to ``width``."""
    return [f"{s.instruction} {s.arguments[:width]}: {'cached' if s.cached else 'ran'}" for s in result.steps if s.cacheable]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files without a log line per request (a notebook cell stays readable)."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class's name)
        pass


@contextlib.contextmanager
def serve_folder(folder: str | os.PathLike[str], *, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``folder``'s files over HTTP for the length of a ``with`` block; yield the base URL.

    The URL has no trailing slash: ``f"{url}/data.txt"``. The server runs on a background
    thread and is always shut down and its port closed when the block ends, even on an error.

    Args:
        folder: the folder to serve (read at each request, so edits show at once).
        host: the IPv4 address to listen on; the loopback default reaches a local engine's
            builder (see the module notes for containers and remote engines).
        port: the port; 0 picks a free one.

    Raises:
        LabkitError: ``folder`` is not a folder.
    """
    root = Path(folder)
    if not root.is_dir():
        raise LabkitError(f"no folder {root} to serve", hint="create it and put the files to serve in it")
    server = http.server.ThreadingHTTPServer((host, port), functools.partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, name=f"labkit-serve-{server.server_port}", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
