"""Base images on the real engine: every needed base is present, stand-ins say so, archives round-trip."""

from __future__ import annotations

import pytest

from labkit import bases, images, labels

pytestmark = pytest.mark.engine


def test_every_base_the_kit_needs_is_present(engine):
    missing = [s.reference for s in bases.status() if not s.present]
    assert missing == [], "run `labkit bases`"


def test_a_standin_is_labelled_with_what_it_was_built_from(engine):
    for current in bases.status():
        found = images.image_labels(current.reference)
        if labels.is_standin_of(found, [current.reference]):
            assert current.standin == found[labels.STANDIN] and "not the official image" in current.standin


def test_save_and_load_round_trip_one_archive(engine, tmp_path):
    archive = bases.save(tmp_path / "bases.tar", ["busybox"])
    assert archive.stat().st_size > 100_000
    before = images.engine.client().images.get("busybox").id
    assert bases.load(archive) == ["busybox:latest"]
    assert images.engine.client().images.get("busybox").id == before


def test_save_refuses_when_a_base_is_missing(engine, tmp_path):
    with pytest.raises(bases.BaseImageError, match="not on this engine"):
        bases.save(tmp_path / "x.tar", ["labkit-test/absent:1"])


def test_load_of_a_missing_archive_is_a_clear_error(engine, tmp_path):
    with pytest.raises(bases.LabkitError, match="no archive"):
        bases.load(tmp_path / "nope.tar")
