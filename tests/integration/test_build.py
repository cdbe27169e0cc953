"""Building on the real engine: results, cache reports, failures, labels and clean-up."""

from __future__ import annotations

import os
import uuid

import pytest

import labkit
from labkit import labels
from labkit.engine import Builder

pytestmark = pytest.mark.engine


@pytest.fixture
def hello(tmp_path):
    """A copy of the hello sample, so a test may edit it."""
    import shutil

    target = tmp_path / "hello"
    shutil.copytree(labkit.sample("hello"), target)
    return target


def test_build_measures_the_image_and_records_each_step(engine, hello):
    result = labkit.build(hello, tag="labkit-test/hello:build", no_cache=True, progress=None)
    assert result.image_id.startswith("sha256:")
    assert result.size == engine.api.inspect_image(result.image_id)["Size"] > 0
    assert result.builder == labkit.engine.builder().kind
    assert [s.instruction for s in result.steps] == ["FROM", "WORKDIR", "COPY", "RUN"]
    assert [s.instruction for s in result.cacheable_steps] == ["COPY", "RUN"]
    assert not any(s.cached for s in result.cacheable_steps)
    assert result.seconds > 0


def test_buildkit_reports_how_long_receiving_the_context_took(engine, tmp_path):
    if not labkit.engine.builder().uses_buildkit:
        pytest.skip("the legacy builder reports no context transfer")
    (tmp_path / "Dockerfile").write_text("FROM busybox\nCOPY . /ctx\n")
    (tmp_path / "data.bin").write_bytes(os.urandom(40_000_000))  # a fresh folder: BuildKit has none of it yet
    first = labkit.build(tmp_path, no_cache=True, progress=None)
    assert first.context_seconds is not None and 0 < first.context_seconds <= first.seconds
    assert 40_000_000 <= first.context_sent < 41_000_000
    again = labkit.build(tmp_path, no_cache=True, progress=None)
    assert again.context_sent < 1_000_000, "a folder BuildKit has seen is not sent again, only its file list and changes"


def test_a_build_that_reads_nothing_from_the_context_loads_none(engine, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN true\n")
    result = labkit.build(tmp_path, progress=None)
    assert result.context_seconds is None and result.context_sent is None


def test_a_rebuild_with_no_change_comes_from_the_cache_and_an_edit_reruns_what_follows(engine, hello):
    labkit.build(hello, progress=None)
    again = labkit.build(hello, progress=None)
    assert again.all_cached
    (hello / "greeting.txt").write_text(f"changed {uuid.uuid4()}\n")  # new content, never seen by the cache
    edited = labkit.build(hello, progress=None)
    by_instruction = {s.instruction: s.cached for s in edited.cacheable_steps}
    assert by_instruction["COPY"] is False and by_instruction["RUN"] is False


def test_images_and_containers_carry_labkit_labels_and_the_standin_label_is_inherited(engine, hello):
    result = labkit.build(hello, progress=None)
    found = result.image_labels
    assert labels.is_managed(found, session=labels.SESSION_ID)
    if labkit.bases.status(["busybox"])[0].standin:
        assert result.standin and "busybox" in result.standin


def test_the_hello_image_runs_and_prints_its_greeting(engine, hello):
    result = labkit.build(hello, progress=None)
    with labkit.run(result.image_id) as container:
        assert container.wait() == 0
        assert container.logs().strip() == (hello / "greeting.txt").read_text().strip()
        managed = engine.containers.get(container.id).labels
        assert labels.is_managed(managed, session=labels.SESSION_ID)
    assert not engine.containers.list(all=True, filters={"id": container.id})


def test_compressed_size_is_positive_and_below_the_uncompressed_size(engine, hello):
    result = labkit.build(hello, progress=None)
    assert 0 < result.compressed_size < result.size


def test_a_failing_run_step_raises_with_the_step_and_its_output(engine, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN echo about-to-fail && exit 3\n")
    with pytest.raises(labkit.BuildFailed) as caught:
        labkit.build(tmp_path, progress=None)
    assert "RUN echo about-to-fail" in (caught.value.step or "")
    assert "about-to-fail" in caught.value.log_tail
    assert "exit code: 3" in caught.value.message


def test_a_dockerfile_that_does_not_parse_says_so(engine, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUNN echo\n")
    with pytest.raises(labkit.BuildFailed, match="does not parse"):
        labkit.build(tmp_path, progress=None)


def test_a_missing_base_image_points_to_labkit_bases(engine, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM labkit-test/no-such-base:1\n")
    with pytest.raises(labkit.BuildFailed) as caught:
        labkit.build(tmp_path, progress=None)
    assert "labkit bases" in caught.value.hint


def test_a_build_that_never_ends_is_stopped_at_its_deadline(engine, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN while true; do :; done\n")
    with pytest.raises(labkit.BuildFailed, match="longer than 5 s") as caught:
        labkit.build(tmp_path, progress=None, timeout=5)
    assert "while true" in (caught.value.step or "")


def test_missing_context_or_dockerfile_is_a_clear_error(engine, tmp_path):
    with pytest.raises(labkit.LabkitError, match="is not a folder"):
        labkit.build(tmp_path / "nope", progress=None)
    with pytest.raises(labkit.LabkitError, match="no Dockerfile"):
        labkit.build(tmp_path, progress=None)


def test_the_legacy_builder_path_reports_steps_and_cache_too(engine, hello, monkeypatch):
    monkeypatch.setattr(engine_module := labkit.engine, "builder", lambda: Builder("legacy", None, None))
    first = labkit.build(hello, tag="labkit-test/hello:legacy", no_cache=True, progress=None)
    again = labkit.build(hello, tag="labkit-test/hello:legacy", progress=None)
    assert first.builder == "legacy" and engine_module.builder().kind == "legacy"
    assert [s.instruction for s in first.steps][0] == "FROM"
    assert not any(s.cached for s in first.cacheable_steps)
    assert again.all_cached
    assert labels.is_managed(again.image_labels)
    assert first.context_seconds is None and first.context_sent is None, "the legacy stream reports no context transfer"


def test_clean_removes_what_labkit_made_and_nothing_else(engine, hello):
    ours = labkit.build(hello, tag="labkit-test/hello:clean", progress=None)
    theirs = engine.images.get("busybox")
    theirs.tag("labkit-test/not-ours", "keep")
    try:
        report = labkit.clean(session=labels.SESSION_ID)
        assert ours.image_id.split(":")[1][:10] in " ".join(report.images)
        assert not engine.images.list(filters={"label": f"{labels.SESSION}={labels.SESSION_ID}"})
        assert engine.images.get("labkit-test/not-ours:keep")
        assert engine.images.get("busybox")
    finally:
        engine.images.remove("labkit-test/not-ours:keep")
