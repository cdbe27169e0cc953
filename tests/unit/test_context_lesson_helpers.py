"""The build-context lesson's helpers without an engine: plots, the .dockerignore editor, and exercise 03's checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from matplotlib.figure import Figure

from labkit import context, contextplots, projects, widgets_context
from labkit.grading import get
from labkit.grading.attempt import Attempt
from labkit.grading.checks import context_sends_no_secrets, context_under, no_secret_copied

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return projects.messy_project(tmp_path_factory.mktemp("lesson") / "notes", seed=1, dataset_mb=1)


# --------------------------------------------------------------------------- plots


def test_breakdown_counts_every_byte_once_and_groups_the_rest(project):
    report = context.analyse(project)
    groups = contextplots.breakdown(report, depth=2)
    assert sum(size for _, size in groups) == report.total_bytes
    assert dict(groups)["data/measurements.csv"] == 1_000_000
    assert "frontend/node_modules/" in dict(groups) and ".git/objects/" in dict(groups)
    assert [size for _, size in groups] == sorted((size for _, size in groups), reverse=True)
    top = contextplots.breakdown(report, depth=1, n=4)
    assert len(top) == 4 and top[-1][0].endswith("others)") and sum(s for _, s in top) == report.total_bytes
    with pytest.raises(ValueError):
        contextplots.breakdown(report, depth=0)


def test_largest_paths_draws_sorted_bars_with_secrets_in_red(project):
    figure = contextplots.largest_paths(context.analyse(project), n=6)
    assert isinstance(figure, Figure)
    bars = figure.axes[0].patches
    widths = [bar.get_width() for bar in bars][1:]  # the first bar drawn (bottom) sums the rest
    assert len(bars) == 6 and widths == sorted(widths)  # biggest drawn last, on top
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    red = {label for label, bar in zip(labels, bars) if bar.get_facecolor()[:3] == pytest.approx((0.839, 0.153, 0.157), abs=0.01)}
    assert ".git/objects/" in red and "data/measurements.csv" not in red
    assert labels[0].endswith("others, incl. .env)") and labels[0] in red, "a secret among the small groups is named"


def test_compare_has_a_size_panel_and_an_optional_time_panel(project):
    reports = {"naive": context.analyse(project)}
    assert len(contextplots.compare(reports).axes) == 1

    class Timed:
        seconds = 2.5

    figure = contextplots.compare(reports, {"naive": Timed()})  # type: ignore[dict-item]
    assert len(figure.axes) == 2 and figure.axes[1].patches[0].get_height() == 2.5
    assert figure.axes[0].texts[0].get_text().endswith(" MB")  # human units, so a 5 kB context does not read 0.00


# --------------------------------------------------------------------------- the editor


def test_preview_uses_the_typed_patterns_instead_of_the_folders_ignore_file(project):
    (project / ".dockerignore").write_text("app.py\n")
    try:
        report = widgets_context.preview(project, "data\n.git\n")
        assert "data/measurements.csv" in report.excluded and "app.py" in report.files
        assert widgets_context.preview(project, "").excluded == []
        assert report.ignore_file.name == "typed patterns" and "(typed patterns)" in report.summary()
        assert report.dockerfile == project.resolve() / "Dockerfile"
    finally:
        (project / ".dockerignore").unlink()


def test_the_editor_updates_as_you_type_and_shows_rejected_patterns(project):
    editor = widgets_context.ignore_editor(project)
    box, listing = editor.children[1], editor.children[2]
    assert editor.report.total_bytes == context.analyse(project).total_bytes
    assert "Secrets still sent" in listing.value
    box.value = projects.GOOD_DOCKERIGNORE
    assert editor.report.secrets == [] and editor.report.total_bytes < 20_000
    assert "Secrets still sent" not in listing.value and "ignored" in listing.value
    box.value = "[\n"
    assert editor.report is None and "would stop the build" in listing.value and "typed patterns line 1" in listing.value


def test_the_editor_starts_from_the_folders_dockerignore(project, tmp_path):
    (project / ".dockerignore").write_text("data\n")
    try:
        editor = widgets_context.ignore_editor(project)
        assert editor.children[1].value == "data\n" and "data/measurements.csv" in editor.report.excluded
    finally:
        (project / ".dockerignore").unlink()
    with pytest.raises(Exception, match="no folder"):
        widgets_context.ignore_editor(tmp_path / "missing")


# --------------------------------------------------------------------------- exercise 03's checks


def attempt_for(folder: Path) -> Attempt:
    return Attempt(get("03-build-context"), folder, "test")


@pytest.fixture
def exercise(tmp_path) -> Path:
    import shutil

    target = tmp_path / "ex"
    shutil.copytree(ROOT / "exercises" / "03-build-context", target)
    return target


def test_the_untouched_exercise_fails_the_context_checks_and_the_reference_passes(exercise):
    import shutil

    assert not context_under(1_000_000, dataset_mb=1)(attempt_for(exercise)).passed
    assert not context_sends_no_secrets(attempt_for(exercise)).passed
    verdict = no_secret_copied(attempt_for(exercise))
    assert not verdict.passed and "COPY .env /app/.env" in verdict.detail
    shutil.copytree(ROOT / "solutions" / "03-build-context", exercise, dirs_exist_ok=True)
    assert context_under(1_000_000, dataset_mb=1)(attempt_for(exercise)).passed
    assert context_sends_no_secrets(attempt_for(exercise)).passed
    assert no_secret_copied(attempt_for(exercise)).passed


@pytest.mark.parametrize(
    ("line", "leaks"),
    [
        ("COPY . .", False),
        ("COPY ./ /app/", False),
        ("COPY app.py webapp/ ./", False),
        ("COPY --from=build /app/.env /x", False),
        ("COPY .env* ./", True),
        ("COPY deploy/ /root/.ssh/", True),
        ('COPY ["frontend/.npmrc", "/root/"]', True),
        ("ADD ./deploy/id_ed25519 /k", True),
    ],
)
def test_no_secret_copied_reads_each_copy_source(exercise, line, leaks):
    (exercise / "Dockerfile").write_text(f"FROM python:3.11-slim-bookworm AS build\nFROM python:3.11-slim-bookworm\n{line}\n")
    assert no_secret_copied(attempt_for(exercise)).passed is not leaks
