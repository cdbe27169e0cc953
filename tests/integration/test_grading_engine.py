"""The grader against the real engine: the reference scores full marks, the untouched exercise scores low,
and every deliberately bad submission gets the right failing checks while the batch completes."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from submissions import make_submission

from labkit import grading, labels
from labkit.grading import Limits

pytestmark = pytest.mark.engine

ROOT = Path(__file__).parents[2]
BAD = ROOT / "tests" / "fixtures" / "submissions" / "01-multi-stage"
#: Long enough for a cold build of the reference, short enough to stop the infinite loop quickly.
LIMITS = Limits(build_timeout=60)

#: Which checks each submission must fail (and so, which it must pass).
EXPECTED_FAILURES = {
    "reference": set(),
    "untouched": {"multi_stage", "no_toolchain", "no_dev_files", "size", "non_root"},
    "does-not-build-fails-builds": {"builds", "answers", "no_toolchain", "no_dev_files", "size", "non_root"},
    "leaks-toolchain-fails-no-toolchain": {"no_toolchain", "size"},
    "runs-as-root-fails-non-root": {"non_root"},
    "infinite-loop-in-run-fails-builds": {"builds", "answers", "no_toolchain", "no_dev_files", "size", "non_root"},
    "missing-dockerfile-fails-builds": {"builds", "answers", "multi_stage", "no_toolchain", "no_dev_files", "size", "non_root", "hadolint"},
}
ALL_CHECKS = {c.name for c in grading.get("01").checks}


def submission(into: Path, name: str, overlay: Path | None) -> Path:
    return make_submission(into, name, "01-multi-stage", overlay=overlay)


@pytest.fixture(scope="module")
def graded_class(engine, tmp_path_factory):
    room = tmp_path_factory.mktemp("class")
    submission(room, "reference", ROOT / "solutions" / "01-multi-stage")
    submission(room, "untouched", None)
    for overlay in sorted(p for p in BAD.iterdir() if p.is_dir()):
        submission(room, overlay.name, overlay)
    out = tmp_path_factory.mktemp("out")
    reports = grading.grade_class("01-multi-stage", room, gradebook=out / "gradebook.csv", feedback_dir=out / "feedback", limits=LIMITS)
    return room, out, reports


def test_the_batch_completes_with_one_row_and_one_feedback_file_per_student(graded_class):
    room, out, reports = graded_class
    students = sorted(p.name for p in room.iterdir())
    rows = list(csv.DictReader((out / "gradebook.csv").open()))
    assert [r["student"] for r in rows] == students
    assert all((out / "feedback" / f"{s}.md").is_file() for s in students)
    assert all(report is not None for report in reports.values()), "the grader itself failed on a submission"


@pytest.mark.parametrize("student", sorted(EXPECTED_FAILURES))
def test_each_submission_fails_exactly_the_expected_checks(graded_class, student):
    _, _, reports = graded_class
    report = reports[student]
    failed = {r.name for r in report.results if not r.passed}
    assert failed == EXPECTED_FAILURES[student], report.as_text()


def test_the_reference_solution_scores_full_marks_and_the_untouched_exercise_low(graded_class):
    _, _, reports = graded_class
    assert reports["reference"].score == reports["reference"].max_points
    assert reports["untouched"].score <= reports["untouched"].max_points / 2


def test_the_infinite_loop_is_stopped_at_the_time_limit(graded_class):
    _, _, reports = graded_class
    builds = next(r for r in reports["infinite-loop-in-run-fails-builds"].results if r.name == "builds")
    assert "longer than" in builds.detail


def test_the_symlink_escape_is_refused_with_every_check_failed(graded_class):
    _, out, reports = graded_class
    report = reports["symlink-to-etc-passwd-is-refused"]
    assert report.refused and "/etc/passwd" in report.refused
    assert {r.name for r in report.results if not r.passed} == ALL_CHECKS
    assert "refused" in (out / "feedback" / "symlink-to-etc-passwd-is-refused.md").read_text()


def test_a_rerun_keeps_the_gradebook_and_skips_graded_students(graded_class):
    room, out, _ = graded_class
    before = (out / "gradebook.csv").read_text()
    again = grading.grade_class("01-multi-stage", room, gradebook=out / "gradebook.csv", feedback_dir=out / "feedback", limits=LIMITS)
    assert again == {} and (out / "gradebook.csv").read_text() == before


def test_the_grader_leaves_no_image_or_container_behind(graded_class, engine):
    leftovers = engine.containers.list(all=True, filters={"label": [f"{labels.PURPOSE}=grading", f"{labels.SESSION}={labels.SESSION_ID}"]})
    leftovers += engine.images.list(filters={"label": [f"{labels.PURPOSE}=grading", f"{labels.SESSION}={labels.SESSION_ID}"]})
    assert leftovers == []
