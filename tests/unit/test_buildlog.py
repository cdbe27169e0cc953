"""Parsing real builder output saved from the engine (tests/fixtures/buildlogs), no engine needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from labkit.buildlog import BuildKitLog, LegacyLog

LOGS = Path(__file__).parents[1] / "fixtures" / "buildlogs"


def parse(name: str, parser):
    for line in (LOGS / name).read_text().splitlines():
        parser.feed(line)
    if hasattr(parser, "close"):
        parser.close()
    return parser


def instructions(parser):
    return [s for s in parser.steps if s.is_instruction]


def test_buildkit_cold_build_records_every_instruction_with_its_stage_and_time():
    steps = instructions(parse("buildkit-20.10-cold-multistage.txt", BuildKitLog()))
    assert [(s.stage, s.instruction) for s in steps] == [("b", "FROM"), ("b", "RUN"), ("stage-1", "COPY"), ("stage-1", "RUN")]
    assert not any(s.cached for s in steps)
    assert steps[-1].seconds >= 1.0  # the step sleeps one second
    assert steps[-1].log == ["done"]
    assert steps[1].position == (2, 2)


def test_buildkit_rebuild_marks_cacheable_steps_cached():
    steps = instructions(parse("buildkit-20.10-cached-multistage.txt", BuildKitLog()))
    cacheable = [s for s in steps if s.cacheable]
    assert len(cacheable) == 3 and all(s.cached and s.seconds == 0.0 for s in cacheable)


def test_buildkit_internal_vertices_are_not_instructions():
    parser = parse("buildkit-20.10-cold-multistage.txt", BuildKitLog())
    internal = [s.name for s in parser.steps if not s.is_instruction]
    assert "[internal] load .dockerignore" in internal and "exporting to image" in internal


def test_buildkit_failure_names_the_step_and_keeps_its_output():
    parser = parse("buildkit-20.10-run-fails.txt", BuildKitLog())
    failed = parser.failed_step
    assert failed is not None and failed.instruction == "RUN"
    assert "exit code: 3" in failed.error
    assert "two" in failed.log and "one" in failed.log


def test_buildkit_parse_error_has_no_failed_step_but_an_error_line():
    parser = parse("buildkit-20.10-parse-error.txt", BuildKitLog())
    assert parser.failed_step is None
    assert any("unknown instruction: RUNN" in line for line in parser.errors)


def test_legacy_log_cold_build_numbers_stages_and_times_steps():
    ticks = iter(float(i) for i in range(100))
    steps = parse("legacy-20.10-cold-multistage.txt", LegacyLog(clock=lambda: next(ticks))).steps
    assert [(s.stage, s.instruction) for s in steps] == [
        ("b", "FROM"), ("b", "RUN"), ("stage-1", "FROM"), ("stage-1", "COPY"), ("stage-1", "RUN"), ("stage-1", "CMD"),
    ]
    assert all(s.done and s.seconds is not None for s in steps)
    assert not any(s.cached for s in steps)


def test_legacy_log_rebuild_reports_using_cache():
    steps = parse("legacy-20.10-cached-multistage.txt", LegacyLog()).steps
    assert [s.cached for s in steps if s.cacheable] == [True, True, True]


def test_parsers_are_incremental():
    parser = BuildKitLog()
    lines = (LOGS / "buildkit-20.10-cold-multistage.txt").read_text().splitlines()
    seen = 0
    for line in lines:
        parser.feed(line)
        assert len(parser.steps) >= seen
        seen = len(parser.steps)
    assert seen > 0


@pytest.mark.parametrize(
    ("header", "stage", "position"),
    [("[ 2/11] RUN x", None, (2, 11)), ("[build  3/12] COPY a b", "build", (3, 12)), ("[10/11] RUN y", None, (10, 11)), ("[b 1/2] FROM busybox", "b", (1, 2))],
)
def test_padded_positions_in_long_stages_are_read(header, stage, position):
    parser = BuildKitLog()
    parser.feed(f"#7 {header}")
    step = parser.steps[0]
    assert step.is_instruction and step.stage == stage and step.position == position


# The context fixtures: one generated messy project (projects.messy_project, 50 MB dataset, COPY . .)
# built three times with --no-cache: first build of the folder, the same folder again, then with
# projects.GOOD_DOCKERIGNORE written into it.


def test_buildkit_context_transfer_is_read_from_the_load_build_context_step():
    parser = parse("buildkit-20.10-context-first.txt", BuildKitLog())
    assert [s.name for s in parser.context_steps] == ["[internal] load build context"]
    assert parser.context_seconds == 0.7
    assert parser.context_sent == 65_170_000  # "transferring context: 65.17MB"
    assert "[internal] load build context" not in [s.name for s in parser.steps if s.is_instruction]


def test_buildkit_resends_only_the_file_list_and_changes_for_a_folder_it_has_seen():
    again = parse("buildkit-20.10-context-again.txt", BuildKitLog())
    assert again.context_seconds == 0.0 and again.context_sent == 101_840  # "101.84kB"


def test_buildkit_context_with_a_dockerignore_is_tiny():
    ignored = parse("buildkit-20.10-context-ignored.txt", BuildKitLog())
    assert ignored.context_sent == 780 and ignored.context_seconds == 0.2


def test_the_dockerignore_load_is_not_taken_for_the_context():
    # "[internal] load .dockerignore" also prints "transferring context: 2B", and no step here reads the context.
    parser = parse("buildkit-20.10-cold-multistage.txt", BuildKitLog())
    assert parser.context_steps == [] and parser.context_seconds is None and parser.context_sent is None


def test_an_unfinished_context_load_has_no_time_yet():
    parser = BuildKitLog()
    parser.feed("#6 [internal] load build context")
    parser.feed("#6 transferring context: 12.5MB 1.0s")
    assert parser.context_seconds is None and parser.context_sent == 12_500_000


def test_the_legacy_builder_reports_no_context_transfer():
    parser = parse("legacy-20.10-cold-multistage.txt", LegacyLog())
    assert parser.context_seconds is None and parser.context_sent is None
