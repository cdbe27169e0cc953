"""labkit.surprises without an engine: tiny contexts, step outcomes and the local web server."""

from __future__ import annotations

import socket
import threading
import urllib.error
import urllib.request
from types import SimpleNamespace

import pytest

import labkit
from labkit import LabkitError, surprises
from labkit.buildlog import BuildStep


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def test_a_tiny_context_gets_a_fresh_token_and_its_files(tmp_path):
    text = "FROM busybox\nRUN echo @ID@ one\nRUN echo @ID@ two\n"
    first = surprises.tiny_context(text, {"greeting.txt": "hello\n", "src/app.js": "1\n"}, parent=tmp_path)
    second = surprises.tiny_context(text, parent=tmp_path)
    dockerfile = (first / "Dockerfile").read_text()
    token = dockerfile.split()[4]
    assert "@ID@" not in dockerfile and len(token) == 8 and dockerfile.count(token) == 2
    assert token not in (second / "Dockerfile").read_text(), "each context has its own token"
    assert (first / "greeting.txt").read_text() == "hello\n" and (first / "src/app.js").read_text() == "1\n"
    assert first.parent == tmp_path and first != second


def test_a_tiny_context_keeps_its_files_inside(tmp_path):
    with pytest.raises(LabkitError, match="outside"):
        surprises.tiny_context("FROM busybox\n", {"../escape.txt": "x"}, parent=tmp_path)


def test_step_outcomes_list_the_steps_the_cache_decides():
    steps = [
        BuildStep("[1/3] FROM busybox", instruction="FROM", arguments="busybox", position=(1, 3), cached=True),
        BuildStep("[2/3] WORKDIR /app", instruction="WORKDIR", arguments="/app", position=(2, 3), cached=True),
        BuildStep("[3/3] RUN echo a very long command indeed", instruction="RUN", arguments="echo a very long command indeed", position=(3, 3)),
        BuildStep("[4/4] COPY a.txt .", instruction="COPY", arguments="a.txt .", position=(4, 4), cached=True),
    ]
    assert surprises.step_outcomes(SimpleNamespace(steps=steps), width=12) == ["RUN echo a very : ran", "COPY a.txt .: cached"]


def test_the_server_serves_the_folder_as_it_is_now_and_always_stops(tmp_path):
    (tmp_path / "data.txt").write_text("version 1\n")
    threads = threading.active_count()
    with surprises.serve_folder(tmp_path) as url:
        assert url.startswith("http://127.0.0.1:") and not url.endswith("/")
        assert fetch(f"{url}/data.txt") == "version 1\n"
        (tmp_path / "data.txt").write_text("version 2\n")
        assert fetch(f"{url}/data.txt") == "version 2\n"
        with pytest.raises(urllib.error.HTTPError):
            fetch(f"{url}/missing.txt")
    port = int(url.rsplit(":", 1)[1])
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    assert threading.active_count() == threads


def test_the_server_stops_when_the_block_fails(tmp_path):
    with pytest.raises(RuntimeError, match="a cell failed"):
        with surprises.serve_folder(tmp_path) as url:
            raise RuntimeError("a cell failed")
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=2).close()


def test_serving_a_missing_folder_says_so(tmp_path):
    with pytest.raises(LabkitError, match="no folder"):
        with surprises.serve_folder(tmp_path / "nowhere"):
            pass


def test_a_lesson_reaches_it_as_labkit_surprises():
    assert labkit.surprises is surprises
