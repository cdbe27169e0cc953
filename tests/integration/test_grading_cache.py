"""Exercise 02 (layer caching) graded on the real engine: the reference scores full marks, the
untouched exercise scores low, and a Dockerfile that hard-codes its dependencies (so a changed
requirements.txt is never installed) fails exactly the stale-dependency check."""

from __future__ import annotations

from pathlib import Path

import pytest
from submissions import make_submission

from labkit import grading, labels
from labkit.grading import Limits, checks
from labkit.grading.attempt import Attempt

pytestmark = pytest.mark.engine

ROOT = Path(__file__).parents[2]
#: A cold build installs curl and two small wheels: well under a minute, even on a busy machine.
LIMITS = Limits(build_timeout=300)

#: The dependencies baked into the command: a source edit keeps them cached, a manifest edit never reinstalls.
HARD_CODED = """\
FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
RUN pip install --no-cache-dir python-slugify==8.0.4 text-unidecode==1.3
COPY . .
CMD ["python", "app.py"]
"""

EXPECTED_FAILURES = {
    "reference": set(),
    "untouched": {"source_edit_cached", "apt_update"},
    "hard-coded-dependencies-fails-manifest-edit": {"manifest_edit_reruns"},
}


def submission(into: Path, name: str, dockerfile: str | None = None, overlay: Path | None = None) -> Path:
    """The exercise as handed out, with ``overlay`` laid over it or its Dockerfile replaced."""
    return make_submission(into, name, "02-layer-caching", overlay=overlay, files={"Dockerfile": dockerfile} if dockerfile else None)


@pytest.fixture(scope="module")
def graded(engine, tmp_path_factory):
    room = tmp_path_factory.mktemp("class")
    submission(room, "reference", overlay=ROOT / "solutions" / "02-layer-caching")
    submission(room, "untouched")
    submission(room, "hard-coded-dependencies-fails-manifest-edit", dockerfile=HARD_CODED)
    out = tmp_path_factory.mktemp("out")
    return grading.grade_class("02-layer-caching", room, gradebook=out / "gradebook.csv", feedback_dir=out / "feedback", limits=LIMITS)


@pytest.mark.parametrize("student", sorted(EXPECTED_FAILURES))
def test_each_submission_fails_exactly_the_expected_checks(graded, student):
    report = graded[student]
    failed = {r.name for r in report.results if not r.passed}
    assert failed == EXPECTED_FAILURES[student], report.as_text()


def test_the_reference_scores_full_marks_and_the_untouched_exercise_low(graded):
    assert graded["reference"].score == graded["reference"].max_points
    assert graded["untouched"].score <= graded["untouched"].max_points / 2


def test_feedback_names_what_reran_and_where_the_lone_update_is(graded):
    results = {r.name: r for r in graded["untouched"].results}
    assert "pip install" in results["source_edit_cached"].detail and "ran again" in results["source_edit_cached"].detail
    assert results["apt_update"].detail.startswith("line 5:")
    reference = {r.name: r for r in graded["reference"].results}
    assert "came from the cache" in reference["source_edit_cached"].detail


def test_the_grader_leaves_no_image_or_container_behind(graded, engine):
    leftovers = engine.containers.list(all=True, filters={"label": f"{labels.PURPOSE}=grading"})
    leftovers += engine.images.list(filters={"label": f"{labels.PURPOSE}=grading"})
    assert leftovers == []


@pytest.mark.parametrize(
    ("dockerfile", "passes"),
    [
        ("FROM busybox\nRUN apt-get update\nRUN apt-get install -y curl\n", False),
        ("FROM busybox\nRUN apt-get -q update && apt-get install -y curl\n", True),
        ("FROM busybox\nRUN set -eux; \\\n    apt-get update; \\\n    apt-get install -y curl\n", True),
        ("FROM busybox\nRUN apt update\n", False),
        ("FROM busybox\nRUN echo no apt here\n", True),
    ],
)
def test_no_lone_apt_update_reads_the_dockerfile(tmp_path, dockerfile, passes):
    (tmp_path / "Dockerfile").write_text(dockerfile)
    attempt = Attempt(grading.get("02"), tmp_path, "t")
    assert checks.no_lone_apt_update(attempt).passed is passes
