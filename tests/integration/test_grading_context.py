"""Exercise 03 (build context) against the real engine: the reference scores full marks, the untouched
exercise scores low, and two typical half-fixes fail exactly the checks they should."""

from __future__ import annotations

from pathlib import Path

import pytest
from submissions import make_submission

from labkit import grading, labels
from labkit.grading import Limits

pytestmark = pytest.mark.engine

ROOT = Path(__file__).parents[2]
EXERCISE = ROOT / "exercises" / "03-build-context"
SOLUTION = ROOT / "solutions" / "03-build-context"
#: A cold build of the reference takes seconds; the app starts in under one, so a broken one is given up on quickly.
LIMITS = Limits(build_timeout=120, start_timeout=10)

#: Submissions written over a copy of the exercise: {file: text}; None means the reference solution or nothing.
OVERLAYS: dict[str, dict[str, str] | None] = {
    "reference": None,
    "untouched": None,
    # The .gitignore copied to .dockerignore: its patterns match only at the top of a Docker context.
    "gitignore-as-dockerignore-fails-context": {".dockerignore": (EXERCISE / ".gitignore").read_text(), "Dockerfile": (SOLUTION / "Dockerfile").read_text()},
    # An allowlist that forgets static/: small and secret-free, but the app reports itself broken.
    "allowlist-without-static-fails-answers": {".dockerignore": "*\n!app.py\n!webapp\n!requirements.txt\n**/__pycache__\n", "Dockerfile": (SOLUTION / "Dockerfile").read_text()},
}

EXPECTED_FAILURES = {
    "reference": set(),
    "untouched": {"context_size", "context_secrets", "layer_secrets", "no_secret_copy"},
    "gitignore-as-dockerignore-fails-context": {"context_size", "context_secrets", "layer_secrets"},
    "allowlist-without-static-fails-answers": {"answers"},
}


def submission(into: Path, name: str) -> Path:
    return make_submission(into, name, "03-build-context", overlay=SOLUTION if name == "reference" else None, files=OVERLAYS[name])


@pytest.fixture(scope="module")
def reports(engine, tmp_path_factory):
    room = tmp_path_factory.mktemp("class03")
    return {name: grading.grade("03-build-context", submission(room, name), limits=LIMITS) for name in OVERLAYS}


@pytest.mark.parametrize("student", sorted(EXPECTED_FAILURES))
def test_each_submission_fails_exactly_the_expected_checks(reports, student):
    report = reports[student]
    failed = {r.name for r in report.results if not r.passed}
    assert failed == EXPECTED_FAILURES[student], report.as_text()


def test_the_reference_scores_full_marks_and_the_untouched_exercise_low(reports):
    assert reports["reference"].score == reports["reference"].max_points
    assert reports["untouched"].score <= reports["untouched"].max_points / 3


def test_the_feedback_names_what_leaked(reports):
    untouched = {r.name: r for r in reports["untouched"].results}
    assert ".env" in untouched["layer_secrets"].detail and "id_ed25519" in untouched["layer_secrets"].detail
    assert "COPY .env" in untouched["no_secret_copy"].detail
    assert "frontend/" in untouched["context_size"].detail and "data/" in untouched["context_size"].detail
    gitignored = {r.name: r for r in reports["gitignore-as-dockerignore-fails-context"].results}
    assert "frontend/" in gitignored["context_size"].detail, "frontend/node_modules is nested, so a .gitignore-style node_modules/ misses it"
    broken = {r.name: r for r in reports["allowlist-without-static-fails-answers"].results}
    assert "500" in broken["answers"].detail


def test_the_exercise_folder_stays_small_and_ships_the_lesson_app():
    from labkit import projects

    sizes = [p.stat().st_size for p in EXERCISE.rglob("*") if p.is_file()]
    assert sum(sizes) < 50_000 and len(sizes) < 40
    for rel, text in projects.APP_FILES.items():
        assert (EXERCISE / rel).read_text() == text, f"{rel} differs from labkit.projects.APP_FILES"


def test_the_grader_leaves_no_image_or_container_behind(reports, engine):
    ours = {"label": [f"{labels.PURPOSE}=grading", f"{labels.SESSION}={labels.SESSION_ID}"]}  # other sessions may be grading now
    leftovers = engine.containers.list(all=True, filters=ours) + engine.images.list(filters=ours)
    assert leftovers == []
