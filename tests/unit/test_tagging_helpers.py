"""The tagging lesson's helpers without an engine: tag tables and grids, exercise 04's plan and checks,
the reference publish.sh against labkit.tags.plan (with a fake docker), and the script runner's limits."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from labkit import tagplots, tags
from labkit.grading import get
from labkit.grading import publishing as p
from labkit.grading.attempt import Attempt

ROOT = Path(__file__).parents[2]
A, B, C = ("sha256:" + ch * 64 for ch in "abc")


# --------------------------------------------------------------------------- tables and plots


def test_order_tags_reads_latest_then_versions_then_branches_then_shas():
    shuffled = ["sha-3f9c2a1", "main", "1.0.0", "1.1.0-rc.1", "1.1", "latest", "0.9", "1.1.0", "1", "1.0"]
    assert tagplots.order_tags(shuffled) == ["latest", "1", "1.1", "1.1.0", "1.1.0-rc.1", "1.0", "1.0.0", "0.9", "main", "sha-3f9c2a1"]


def test_tag_table_names_builds_and_marks_new_and_moved_cells():
    snapshots = {"one": {"1.0.0": A, "latest": A}, "two": {"1.0.0": A, "latest": B, "1.1.0": B}}
    table = tagplots.tag_table(snapshots, builds={A: "build A"})
    assert table.cell("latest", "one") == "build A" and table.cell("latest", "two") == tagplots.short_digest(B)
    assert table.cell("1.1.0", "one") == "—"
    rows = [tag for tag, _ in table.rows]
    assert rows == ["latest", "1.1.0", "1.0.0"]
    assert table.changed == {(0, 1), (1, 1)}  # latest moved, 1.1.0 is new; 1.0.0 stayed
    assert "<b>" in table._repr_html_() and str(table).splitlines()[0].split() == ["tag", "one", "two"]
    assert repr(table) == str(table)


def test_tag_grid_colours_one_per_image_and_frames_moved_tags():
    snapshots = {"one": {"1.0.0": A, "latest": A}, "two": {"1.0.0": A, "latest": B}, "three": {"1.0.0": A, "latest": C}}
    figure = tagplots.tag_grid(snapshots, title="t")
    assert isinstance(figure, Figure)
    cells = figure.axes[0].patches
    assert len(cells) == 6
    assert len({cell.get_facecolor() for cell in cells}) == 3
    framed = [cell for cell in cells if cell.get_linewidth() > 1]
    assert len(framed) == 2  # latest moved twice
    assert [t.get_text() for t in figure.axes[0].get_yticklabels()] == ["latest", "1.0.0"]
    with pytest.raises(ValueError):
        tagplots.tag_grid({})


def test_short_digest():
    assert tagplots.short_digest(A) == "sha256:" + "a" * 12
    assert tagplots.short_digest(None) == "—"


# --------------------------------------------------------------------------- exercise 04: the plan


def test_expected_history_is_labkit_tags_plan_applied_in_order():
    history = p.expected_history()
    assert [e.published for e in history] == [(), ("1.0.0",), ("1.0.0", "1.0.1"), ("1.0.0", "1.0.1", "1.1.0-rc.1"), ("1.0.0", "1.0.1", "1.1.0-rc.1")]
    assert history[0].planned == ("1.0.0", "1.0", "1", "latest", "sha-3f9c2a1")
    assert history[2].planned == ("1.1.0-rc.1", "sha-c7d8e9f")
    assert history[3].planned == ("sha-e5a6b7c", "feature-login-page")
    assert history[4].planned == ("0.9.5", "0.9", "sha-0b1c2d3")
    final = history[-1].state
    assert final["latest"] == final["1"] == final["1.0"] == 1 and final["1.0.0"] == 0 and final["0.9"] == 4
    for scenario, expected in zip(p.SCENARIOS, history):
        reference = tags.plan("x.example/acme/hello", version=scenario.version or None, git_sha=scenario.git_sha,
                              branch=None if scenario.version else scenario.git_branch, published=list(expected.published))
        assert [r.split(":")[-1] for r in reference] == list(expected.planned)


def test_each_scenario_check_names_its_scenario_and_watches_what_the_plan_decides():
    exercise = get("04-tagging")
    checks = {c.name: c for c in exercise.checks}
    assert exercise.max_points == 20 and all(not c.needs_image for c in exercise.checks)
    for scenario in p.SCENARIOS:
        assert scenario.key in checks
        assert (scenario.version or scenario.git_branch) in checks[scenario.key].description
        assert set(scenario.planned_tags([])) & set(scenario.watch), "each scenario watches at least one of its own tags"
    with pytest.raises(ValueError, match="no scenario"):
        p.tags_after("nope")


# --------------------------------------------------------------------------- exercise 04: checks on recorded runs


def _record(pushes) -> p.PublishRun:
    """A made-up record: ``pushes(index, expected)`` gives the tags scenario ``index`` pushed (to digest 'sha256:<index>…')."""
    record = p.PublishRun("127.0.0.1:1", f"{p.NAMESPACE}/{p.IMAGE_NAME}")
    state: dict[str, str] = {}
    for index, (scenario, expected) in enumerate(zip(p.SCENARIOS, p.expected_history())):
        before = dict(state)
        state.update({tag: f"sha256:{index}" + "0" * 63 for tag in pushes(index, expected)})
        record.runs.append(p.ScenarioRun(scenario, expected, before, dict(state), exit_code=0, seconds=1.0, output="done"))
    return record


def _grade(record: p.PublishRun, tmp_path: Path) -> dict[str, bool]:
    exercise = get("04-tagging")
    attempt = Attempt(exercise, tmp_path, "someone")
    attempt.memo["publishing"] = record
    return {check.name: check.run(attempt).passed for check in exercise.checks}


def test_a_record_that_follows_the_plan_passes_every_check(tmp_path):
    assert all(_grade(_record(lambda i, e: e.planned), tmp_path).values())


def test_a_latest_only_record_passes_only_runs(tmp_path):
    verdicts = _grade(_record(lambda i, e: ["latest"]), tmp_path)
    assert {name for name, passed in verdicts.items() if passed} == {"runs"}


def test_a_record_that_ignores_published_fails_only_the_hotfix(tmp_path):
    def ignoring_published(index, expected):
        scenario = p.SCENARIOS[index]
        return scenario.planned_tags([])  # as if nothing had been published before

    verdicts = _grade(_record(ignoring_published), tmp_path)
    assert {name for name, passed in verdicts.items() if not passed} == {"hotfix"}


def test_split_builds_and_timeouts_are_reported(tmp_path):
    record = _record(lambda i, e: e.planned)
    record.runs[1].after["1.0"] = "sha256:" + "f" * 64  # a second image in the patch scenario
    record.runs[3].timed_out, record.runs[3].exit_code = True, 124
    record.runs[4].not_run = "not run: stopped earlier"
    attempt = Attempt(get("04-tagging"), tmp_path, "someone")
    attempt.memo["publishing"] = record
    assert "2 different images" in p.one_build_per_scenario(attempt).detail
    runs = p.script_runs(attempt)
    assert not runs.passed and "stopped at the time limit" in runs.detail and "not run" in runs.detail
    assert p.tags_after("hotfix")(attempt).detail.startswith("not checked")


def test_a_grader_failure_is_raised_for_every_check_not_retried(tmp_path):
    from labkit import LabkitError

    attempt = Attempt(get("04-tagging"), tmp_path, "someone")
    attempt.memo["publishing"] = LabkitError("the registry image is missing")
    for _ in range(2):
        with pytest.raises(LabkitError, match="registry image is missing"):
            p.script_runs(attempt)


# --------------------------------------------------------------------------- the reference script, with a fake docker

FAKE_DOCKER = """#!/bin/sh
printf '%s\\n' "$*" >> "$HOME/docker.log"
"""

CASES = [
    # (VERSION, PUBLISHED, GIT_BRANCH)
    ("1.0.0", [], "main"),
    ("1.0.1", ["1.0.0"], "main"),
    ("1.1.0-rc.1", ["1.0.0", "1.0.1"], "main"),
    ("", ["1.0.0"], "feature/Login-Page"),
    ("0.9.5", ["1.0.0", "1.0.1", "1.1.0-rc.1"], "release/0.9"),
    ("2.0.0", ["1.9.9", "2.0.0-rc.1", "2.0.0-rc.2"], "main"),
    ("1.2.10", ["1.2.9", "1.3.0"], "main"),
    ("1.2.10", ["1.2.9", "1.2.11"], "main"),
    ("0.4.1", [], "main"),
    ("1.0.0", ["1.0.0"], "main"),  # the same release again
    ("v3.1.4", ["3.1.3"], "main"),
    ("10.0.0", ["9.9.9", "1.0.0"], "main"),
    ("", [], "refs/heads/Fix--Bug__x"),
    ("", [], "-weird-.branch."),
    ("", [], "feature/" + "A" * 200),
]


@pytest.mark.skipif(shutil.which("bash") is None or shutil.which("timeout") is None, reason="needs bash and coreutils")
@pytest.mark.parametrize(("version", "published", "branch"), CASES)
def test_reference_publish_sh_builds_once_and_pushes_exactly_the_plan(tmp_path, version, published, branch):
    work, home, fake = tmp_path / "work", tmp_path / "home", tmp_path / "bin"
    shutil.copytree(ROOT / "exercises" / "04-tagging", work)
    shutil.copy(ROOT / "solutions" / "04-tagging" / "publish.sh", work / "publish.sh")
    home.mkdir()
    fake.mkdir()
    (fake / "docker").write_text(FAKE_DOCKER)
    (fake / "docker").chmod(0o755)
    sha = "3F9C2A1E8B7D6C5F4A3B2C1D0E9F8A7B6C5D4E3F"
    environment = {"PATH": f"{fake}{os.pathsep}{os.environ['PATH']}", "HOME": str(home), "REGISTRY": "127.0.0.1:5000", "NAMESPACE": "acme",
                   "IMAGE_NAME": "hello", "VERSION": version, "GIT_SHA": sha, "GIT_BRANCH": branch, "PUBLISHED": " ".join(published)}
    outcome = p.run_script(work, environment, timeout=30)
    assert outcome.exit_code == 0, outcome.output
    calls = (home / "docker.log").read_text().splitlines()
    builds = [c for c in calls if c.startswith("build ")]
    assert len(builds) == 1, calls
    words = builds[0].split()
    built = [words[i + 1] for i, w in enumerate(words) if w == "--tag"]
    pushed = [c.split()[1] for c in calls if c.startswith("push ")]
    planned = tags.plan("127.0.0.1:5000/acme/hello", version=version or None, git_sha=sha, branch=None if version else branch, published=published)
    assert built == pushed == planned


def test_run_script_gives_the_script_only_the_environment_it_is_handed(tmp_path, monkeypatch):
    monkeypatch.setenv("LABKIT_PROBE_SECRET", "must-not-leak")
    (tmp_path / "publish.sh").write_text("env > seen.txt\n")
    outcome = p.run_script(tmp_path, {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "VERSION": "1.0.0"}, timeout=30)
    assert outcome.exit_code == 0 and not outcome.timed_out
    seen = {line.split("=", 1)[0] for line in (tmp_path / "seen.txt").read_text().splitlines() if "=" in line}
    assert seen - {"PWD", "SHLVL", "_", "OLDPWD"} == {"PATH", "HOME", "VERSION"}


def _processes_with(marker: str) -> list[str]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in cmdline:
            found.append(pid)
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_run_script_stops_a_flooding_script_and_its_children_at_the_limit(tmp_path):
    (tmp_path / "publish.sh").write_text("sleep 291.5 &\nwhile :; do echo still publishing; done\n")
    started = time.monotonic()
    outcome = p.run_script(tmp_path, {"PATH": os.environ["PATH"], "HOME": str(tmp_path)}, timeout=1)
    assert outcome.timed_out and outcome.exit_code in (124, 137)
    assert time.monotonic() - started < 1 + p.KILL_GRACE + 2
    assert "still publishing" in outcome.output and len(outcome.output) < 10_000
    time.sleep(0.3)
    assert _processes_with("291.5") == []
