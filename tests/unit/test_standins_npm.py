"""Node stand-ins fetch their tarballs from an npm registry themselves: version choice, integrity, cache, offline."""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import threading

import pytest

from labkit._exceptions import BaseImageError
from labkit.bases import standins


def test_npm_version_follows_dist_tags_then_the_newest_matching_release():
    versions = ["22.1.0", "22.10.2", "22.9.9", "23.0.0", "22.11.0-rc.1", "2.2.0"]
    assert standins.npm_version("latest", {"latest": "23.0.0"}, versions) == "23.0.0"
    assert standins.npm_version("22", {}, versions) == "22.10.2"  # numeric order, pre-releases skipped
    assert standins.npm_version("22.9", {}, versions) == "22.9.9"
    assert standins.npm_version("2", {}, versions) == "2.2.0"
    with pytest.raises(BaseImageError, match="no release matching '21'"):
        standins.npm_version("21", {}, versions)


@pytest.fixture()
def registry(monkeypatch, tmp_path):
    """A tiny npm registry on localhost serving one package, ``demo``, in two versions."""
    bodies = {"1.0.0": b"one", "1.2.0": b"one-two"}
    state = {"corrupt": False, "requests": 0}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server API
            state["requests"] += 1
            base = f"http://127.0.0.1:{server.server_port}"
            if self.path == "/demo":
                versions = {
                    v: {"dist": {"tarball": f"{base}/demo-{v}.tgz",
                                 "integrity": "sha512-" + base64.b64encode(hashlib.sha512(body).digest()).decode()}}
                    for v, body in bodies.items()
                }
                payload = json.dumps({"dist-tags": {"latest": "1.2.0"}, "versions": versions}).encode()
            elif self.path.startswith("/demo-"):
                payload = bodies[self.path.removeprefix("/demo-").removesuffix(".tgz")]
                payload = b"tampered" if state["corrupt"] else payload
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("NPM_CONFIG_REGISTRY", f"http://127.0.0.1:{server.server_port}/")
    monkeypatch.setenv("LABKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("http_proxy", raising=False)
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    yield server, state
    server.shutdown()


def test_a_package_is_downloaded_once_and_checked(registry):
    _, state = registry
    first = standins._npm_pack("demo", "1", print)
    assert first.name == "demo-1.2.0.tgz" and first.read_bytes() == b"one-two"
    downloads = state["requests"]
    assert standins._npm_pack("demo", "1", print) == first
    assert state["requests"] == downloads + 1  # only the version lookup, no second download


def test_a_corrupt_download_is_refused_and_not_cached(registry):
    _, state = registry
    state["corrupt"] = True
    with pytest.raises(BaseImageError, match="corrupt"):
        standins._npm_pack("demo", "1.0", print)
    assert not list((standins._paths.cache_dir() / "npm").glob("demo-*"))


def test_offline_the_newest_cached_match_is_used(registry, monkeypatch):
    standins._npm_pack("demo", "1.0", print)
    standins._npm_pack("demo", "1.2", print)
    monkeypatch.setenv("NPM_CONFIG_REGISTRY", "http://127.0.0.1:9/")  # nothing listens on the discard port
    assert standins._npm_pack("demo", "1", print).name == "demo-1.2.0.tgz"
    with pytest.raises(BaseImageError, match="cannot reach the npm registry"):
        standins._npm_pack("other", "1", print)


def test_an_answer_that_is_not_a_package_document_is_a_clear_error(registry):
    with pytest.raises(BaseImageError, match="cannot reach the npm registry for demo-1.0.0.tgz@1"):
        standins._npm_pack("demo-1.0.0.tgz", "1", print)  # the server answers this path with tarball bytes
