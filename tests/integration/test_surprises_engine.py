"""labkit.surprises on the real engine: the builder reaches serve_folder's URL, and ADD of it is keyed on the download."""

from __future__ import annotations

import uuid

import pytest

import labkit
from labkit import cache, surprises

pytestmark = pytest.mark.engine


def test_add_of_a_served_url_reruns_only_when_the_download_changed(engine, tmp_path):
    www = tmp_path / "www"
    www.mkdir()
    (www / "data.txt").write_text(f"version 1 of {uuid.uuid4()}\n")
    with surprises.serve_folder(www) as url:
        folder = surprises.tiny_context(f"FROM busybox\nADD {url}/data.txt /data.txt\nRUN echo @ID@ && cat /data.txt\n", parent=tmp_path)
        builds = [labkit.build(folder, progress=None) for _ in range(2)]
        (www / "data.txt").write_text(f"version 2 of {uuid.uuid4()}\n")
        builds.append(labkit.build(folder, progress=None))
    outcomes = [[line.rsplit(": ", 1)[1] for line in surprises.step_outcomes(result)] for result in builds]
    assert outcomes == [["ran", "ran"], ["cached", "cached"], ["ran", "ran"]], outcomes
    same = cache.Snapshot.take(folder)
    assert cache.predict(same, same)[1].uncertain, "labkit cannot know what a server will send"
