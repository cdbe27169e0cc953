"""Exercise 04 (tagging) against the real engine: the learner's publish.sh runs against a fresh registry in five
scenarios. The reference scores full marks, the untouched stub scores low, a half-fix fails exactly the check it
should, and a script that never ends is stopped at the time limit while the grading goes on."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from submissions import make_submission

from labkit import engine, grading, labels
from labkit.grading import Limits
from labkit.grading import publishing

pytestmark = pytest.mark.engine

ROOT = Path(__file__).parents[2]
SOLUTION = ROOT / "solutions" / "04-tagging"
#: The reference needs about 2 s per scenario; a script that hangs is given up on quickly.
LIMITS = Limits(build_timeout=120, script_timeout=60)
HANG_LIMIT = 5
HANG_MARKER = "293.25"  # the background sleep of the hanging script, found again in /proc

#: A script that never ends, floods its output and leaves a child behind.
FOREVER = f"""#!/usr/bin/env bash
sleep {HANG_MARKER} &
while :; do echo "still publishing..."; done
"""

#: The reference with PUBLISHED ignored: every stable release believes it is the newest.
IGNORES_PUBLISHED = (SOLUTION / "publish.sh").read_text().replace('PUBLISHED="${PUBLISHED:-}"', 'PUBLISHED=""')

SUBMISSIONS = {
    "reference": (SOLUTION / "publish.sh").read_text(),
    "untouched": None,
    "ignores-published-fails-hotfix": IGNORES_PUBLISHED,
}
EXPECTED_FAILURES = {
    "reference": set(),
    "untouched": {"one_build", "release", "patch", "prerelease", "branch", "hotfix", "sha", "exact"},
    "ignores-published-fails-hotfix": {"hotfix"},
}


def submission(into: Path, name: str, script: str | None) -> Path:
    return make_submission(into, name, "04-tagging", files={"publish.sh": script} if script is not None else None)


def _registry_containers() -> set[str]:
    found = engine.client().containers.list(all=True, filters={"label": f"{labels.PURPOSE}=registry"})
    return {c.id for c in found if labels.is_managed(c.labels, session=labels.SESSION_ID)}


def _processes_with(marker: str) -> list[str]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if marker.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
        except OSError:
            continue
    return found


@pytest.fixture(scope="module")
def reports(engine, tmp_path_factory):
    room = tmp_path_factory.mktemp("class04")
    return {name: grading.grade("04-tagging", submission(room, name, script), limits=LIMITS) for name, script in SUBMISSIONS.items()}


@pytest.mark.parametrize("student", sorted(EXPECTED_FAILURES))
def test_each_submission_fails_exactly_the_expected_checks(reports, student):
    failed = {r.name for r in reports[student].results if not r.passed}
    assert failed == EXPECTED_FAILURES[student], reports[student].as_text()


def test_the_reference_scores_full_marks_and_the_untouched_stub_low(reports):
    assert reports["reference"].score == reports["reference"].max_points == 20
    assert reports["untouched"].score <= reports["untouched"].max_points / 5


def test_the_feedback_says_what_the_registry_held(reports):
    untouched = {r.name: r for r in reports["untouched"].results}
    assert "latest is the pre-release 1.1.0-rc.1 build, should be the patch release 1.0.1 build" in untouched["prerelease"].detail
    assert "1 tag(s) pushed (latest)" in untouched["one_build"].detail
    assert "missing (13)" in untouched["exact"].detail
    hotfix = {r.name: r for r in reports["ignores-published-fails-hotfix"].results}["hotfix"]
    assert "latest is the hotfix 0.9.5 build, should be the patch release 1.0.1 build" in hotfix.detail
    reference = {r.name: r for r in reports["reference"].results}
    assert reference["exact"].detail == "14 tags, exactly the planned ones"


def test_a_script_that_never_ends_is_stopped_at_the_limit_and_grading_goes_on(engine, tmp_path):
    folder = submission(tmp_path, "forever", FOREVER)
    before = _registry_containers()
    started = time.monotonic()
    report = grading.grade("04-tagging", folder, limits=Limits(build_timeout=120, script_timeout=HANG_LIMIT))
    seconds = time.monotonic() - started
    # stopped once, at the limit; the four later scenarios are not run, so the grading ends soon after
    assert seconds < HANG_LIMIT + publishing.KILL_GRACE + 30, f"grading took {seconds:.0f} s"
    results = {r.name: r for r in report.results}
    assert "release 1.0.0: stopped at the time limit" in results["runs"].detail
    assert "not run" in results["runs"].detail
    assert report.score == 0 and len(report.results) == len(grading.get("04").checks)
    assert results["patch"].detail.startswith("not checked: not run")
    time.sleep(0.5)
    assert _processes_with(HANG_MARKER) == [], "the script's background child outlived the time limit"
    assert _registry_containers() == before, "the grading registry was not removed"


def test_the_registry_and_every_image_pushed_to_it_are_removed(engine, tmp_path):
    folder = submission(tmp_path, "stub", None)
    before = _registry_containers()
    record = publishing.publish_scenarios(folder, timeout=60)
    assert [run.exit_code for run in record.runs] == [0] * 5
    assert [sorted(run.after) for run in record.runs] == [["latest"]] * 5
    assert len({run.digest for run in record.runs}) == 5, "each scenario's revision.txt makes a new image"
    assert publishing._images_under(record.address) == set()
    assert _registry_containers() == before
    assert (folder / "revision.txt").read_text().startswith(publishing.SCENARIOS[-1].git_sha)
