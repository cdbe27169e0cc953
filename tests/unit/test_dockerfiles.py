from __future__ import annotations

import pytest

from labkit import LabkitError, bases, dockerfiles


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FROM busybox\n", ["busybox"]),
        ("FROM node:22-bookworm-slim AS build\nFROM build AS test\nFROM node:22-bookworm-slim\n", ["node:22-bookworm-slim"]),
        ("ARG GO=1.27\nFROM golang:${GO}-bookworm AS b\nFROM scratch\nCOPY --from=b /a /a\n", ["golang:1.27-bookworm"]),
        ("ARG BASE=debian:bookworm-slim\nFROM $BASE\n", ["debian:bookworm-slim"]),
        ("FROM --platform=linux/amd64 python:3.11-slim-bookworm AS Builder\nFROM builder\n", ["python:3.11-slim-bookworm"]),
        ("# syntax=docker/dockerfile:1\nFROM busybox AS one\nFROM busybox AS two\n", ["busybox"]),
    ],
)
def test_base_references_skip_stages_scratch_and_resolve_global_args(text, expected):
    assert dockerfiles.base_references(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("FROM busybox\nRUNN x\n", "line 2: unknown instruction: RUNN"),
        ("FROM busybox\nRUN [\"x\n\\", "line 3: a line continuation"),
        ("FROM\n", "line 1: FROM needs"),
    ],
)
def test_a_broken_dockerfile_is_a_labkit_error_naming_file_and_line(text, problem):
    with pytest.raises(LabkitError, match="bad.Dockerfile does not parse") as caught:
        dockerfiles.stages(text, source="bad.Dockerfile")
    assert problem in caught.value.message


def test_needed_bases_come_from_the_shipped_dockerfiles(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "Dockerfile").write_text("FROM node:22-bookworm-slim AS b\nFROM busybox\n")
    (tmp_path / "a" / "Dockerfile.naive").write_text("FROM node:22\n")
    (tmp_path / "a" / "notes.txt").write_text("FROM nothing\n")
    assert bases.needed(dockerfiles.find([tmp_path])) == ["busybox", "node:22", "node:22-bookworm-slim"]


def test_the_kit_ships_dockerfiles_and_they_all_name_bases():
    files = bases.shipped_dockerfiles()
    assert any(f.parent.name == "hello" for f in files)
    assert "busybox" in bases.needed(files)


def test_a_learners_half_edited_exercise_is_skipped_but_a_broken_kit_file_is_not(tmp_path, monkeypatch):
    from labkit import _paths

    for folder in ("exercises/01", "solutions/01", "notebooks"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "exercises/01/Dockerfile").write_text("FROM busybox\nRUNN half-typed\n")
    (tmp_path / "solutions/01/Dockerfile").write_text("FROM node:22\n")
    monkeypatch.setattr(_paths, "workbook_root", lambda: tmp_path)
    skipped: list[str] = []
    files = dockerfiles.find([tmp_path / "exercises", tmp_path / "solutions"])
    assert bases.needed(files, skipped=skipped) == ["node:22"]
    assert len(skipped) == 1 and "exercises/01/Dockerfile" in skipped[0] and "RUNN" in skipped[0]
    (tmp_path / "solutions/01/Dockerfile").write_text("FROMM node:22\n")
    with pytest.raises(LabkitError, match="does not parse"):
        bases.needed(dockerfiles.find([tmp_path / "solutions"]))
