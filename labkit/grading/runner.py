"""Grading: one submission (:func:`grade`) or a whole class into a gradebook (:func:`grade_class`)."""

from __future__ import annotations

import csv
import dataclasses
import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from .. import engine
from .._exceptions import GraderError, LabkitError, SubmissionError
from .attempt import Attempt
from .exercises import get
from .model import CheckResult, Exercise, Limits, Report, Verdict
from .submission import copy_in

Progress = Callable[[str], None]


def grade(exercise: str | Exercise, submission: str | os.PathLike[str], *, student: str | None = None, limits: Limits | None = None) -> Report:
    """Grade one submission folder: copy it into a sandbox, build, run every check, remove what was made.

    A learner's mistakes (no Dockerfile, a failing build, a hostile folder) become
    failed checks with feedback; they never raise. A broken grading machine (no
    hadolint, a missing base image, a registry that will not start, an engine that
    stops answering) raises :class:`~labkit.GraderError` instead: that is no verdict
    on the submission. The image is built only when a check needs it.
    """
    spec = get(exercise) if isinstance(exercise, str) else exercise
    if limits is not None:
        spec = dataclasses.replace(spec, limits=limits)
    source = Path(submission)
    report = Report(spec.slug, source)
    engine.client()  # no engine is the grader's problem, not the learner's: raise with the fix
    with tempfile.TemporaryDirectory(prefix="labkit-grade-") as scratch:
        try:
            if source.is_symlink():
                raise SubmissionError(f"{source} is a symlink, not a folder", hint="submit a real folder")
            folder = copy_in(source, Path(scratch), spec.limits)
        except SubmissionError as refusal:
            report.refused = refusal.one_line()
            report.results = [_result(c, Verdict(False, "not checked: the submission was refused")) for c in spec.checks]
            return report
        attempt = Attempt(spec, folder, student or source.name)
        try:
            if any(check.needs_image for check in spec.checks):
                attempt.build()
            for check in spec.checks:
                if check.needs_image and attempt.result is None:
                    verdict = Verdict(False, "not checked: the image did not build")
                else:
                    try:
                        verdict = check.run(attempt)
                    except GraderError:
                        raise
                    except LabkitError as failure:
                        verdict = Verdict(False, failure.message)
                report.results.append(_result(check, verdict))
            if not all(r.passed for r in report.results):
                _engine_still_answers()  # a failure (or a build error) may only mean the engine went away
        except GraderError:
            raise
        except Exception:
            _engine_still_answers()  # a dropped connection is the grader's problem; anything else is a bug, raised as is
            raise
        finally:
            if attempt.result is not None:
                _remove_image(attempt.result.image_id)
    return report


def _engine_still_answers() -> None:
    """Raise :class:`GraderError` when the engine no longer answers (it stopped, or its socket went away)."""
    from docker.errors import DockerException
    from requests.exceptions import RequestException

    try:
        engine.client().ping()
    except (DockerException, RequestException, OSError, LabkitError) as err:
        raise GraderError(
            f"the Docker engine stopped answering while grading ({type(err).__name__})",
            hint="start it again (`labkit doctor` checks it); no marks were recorded for this submission",
        ) from err


def _result(check, verdict: Verdict) -> CheckResult:
    return CheckResult(check.name, check.points, check.points if verdict.passed else 0, verdict.passed, check.description, verdict.detail, check.feedback)


def _remove_image(image_id: str) -> None:
    from docker.errors import DockerException
    from requests.exceptions import RequestException

    try:
        engine.client().images.remove(image_id, force=True)
    except (DockerException, RequestException):
        pass  # already gone, shared with a submission graded earlier, or the engine went away (reported on its own)


def _columns(spec: Exercise) -> list[str]:
    return ["student", *(c.name for c in spec.checks), "total", "max", "note"]


def _read_gradebook(path: Path, columns: list[str]) -> dict[str, dict[str, str]]:
    if not path.exists():
        return {}
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != columns:
            raise LabkitError(f"{path} was written for other checks ({', '.join(reader.fieldnames or [])})", hint="choose another --out file, or move that one away")
        return {row["student"]: row for row in reader}


def _write_gradebook(path: Path, columns: list[str], rows: dict[str, dict[str, str]]) -> None:
    """Write the whole gradebook to a temporary file and swap it in, so an interruption never leaves half a file."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    for student in sorted(rows):
        writer.writerow(rows[student])
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", newline="") as handle:
        handle.write(buffer.getvalue())
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)


def grade_class(
    exercise: str | Exercise,
    class_dir: str | os.PathLike[str],
    *,
    gradebook: str | os.PathLike[str],
    feedback_dir: str | os.PathLike[str],
    regrade: bool = False,
    limits: Limits | None = None,
    progress: Progress = lambda line: None,
) -> dict[str, Report | None]:
    """Grade every submission folder in ``class_dir``; one gradebook row and one feedback file per student.

    The gradebook is rewritten after each student, so an interrupted run keeps
    what was graded, and a rerun skips students already in it (unless ``regrade``).
    A :class:`~labkit.GraderError` (a broken grading machine) stops the batch: the
    student being graded gets no row, so the rerun after the fix grades them.
    """
    spec = get(exercise) if isinstance(exercise, str) else exercise
    root = Path(class_dir)
    if not root.is_dir():
        raise LabkitError(f"no class folder at {root}", hint="give the folder with one sub-folder per student")
    columns = _columns(spec)
    book, notes = Path(gradebook), Path(feedback_dir)
    rows = _read_gradebook(book, columns)
    notes.mkdir(parents=True, exist_ok=True)
    students = sorted(p for p in root.iterdir() if (p.is_dir() or p.is_symlink()) and not p.name.startswith("."))
    reports: dict[str, Report | None] = {}
    for index, folder in enumerate(students, 1):
        student = folder.name
        if student in rows and not regrade:
            progress(f"[{index}/{len(students)}] {student}: already in {book.name}, skipped")
            continue
        progress(f"[{index}/{len(students)}] {student}: grading")
        row = {c: "" for c in columns} | {"student": student, "max": str(spec.max_points)}
        try:
            report = grade(spec, folder, student=student, limits=limits)
        except GraderError as broken:  # the machine, not this student: stop, keep the rows written, record nothing for them
            progress(f"[{index}/{len(students)}] {student}: not graded, the grading machine is broken")
            raise GraderError(
                f"grading stopped at {student} (not recorded): {broken.message}",
                hint=f"{broken.hint}; then run the same command again: students already in {book.name} are skipped",
            ) from broken
        except LabkitError:
            raise  # the grader cannot work at all (no engine): stop, keeping what was graded
        except Exception as bug:  # noqa: BLE001 - one broken grading must not stop the class
            report = None
            row |= {c.name: "0" for c in spec.checks} | {"total": "0", "note": f"grader error: {type(bug).__name__}: {bug}"}
            (notes / f"{student}.md").write_text(f"# Feedback: exercise {spec.slug}\n\nThe grader failed on this submission ({type(bug).__name__}: {bug}); your instructor will look at it.\n")
        else:
            row |= {r.name: str(r.earned) for r in report.results} | {"total": str(report.score), "note": report.refused or ""}
            (notes / f"{student}.md").write_text(report.as_markdown())
        rows[student] = row
        _write_gradebook(book, columns, rows)
        reports[student] = report
        progress(f"[{index}/{len(students)}] {student}: {row['total']}/{row['max']}{' — ' + row['note'] if row['note'] else ''}")
    return reports
