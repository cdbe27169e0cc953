"""labkit.cache without an engine: BuildKit's cache rules as predictions, matching and comparing.

The rules themselves are checked against the real engine by tests/integration/test_cache_engine.py;
here each rule has one small, readable case.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from labkit import LabkitError, cache
from labkit.buildlog import BuildStep

ROOT = Path(__file__).parents[2]

APP = """\
FROM node:22-bookworm-slim
WORKDIR /app
COPY package.json ./
RUN npm install
COPY . .
CMD ["node", "server.js"]
"""
FILES = {"package.json": '{"name": "demo"}', "server.js": "console.log(1)", "Dockerfile": APP}


def verdicts(predictions):
    return [(p.instruction, p.verdict) for p in predictions if p.instruction != "FROM"]


def by_instruction(predictions, instruction, index=0):
    return [p for p in predictions if p.instruction == instruction][index]


def snap(dockerfile, files=None, **options):
    return cache.Snapshot.of(dockerfile, files if files is not None else {"a.txt": "a"}, **options)


# --------------------------------------------------------------------------- sources


def test_a_source_edit_reruns_only_the_steps_after_the_copy_of_sources():
    before = snap(APP, FILES)
    after = snap(APP, FILES | {"server.js": "console.log(2)"})
    predictions = cache.predict(before, after)
    assert verdicts(predictions) == [("WORKDIR", "cached"), ("COPY", "cached"), ("RUN", "cached"), ("COPY", "reruns")]
    assert by_instruction(predictions, "COPY", 1).reason == "source file server.js changed"


def test_a_manifest_edit_reruns_the_install_and_everything_after_it():
    predictions = cache.predict(snap(APP, FILES), snap(APP, FILES | {"package.json": '{"name": "demo2"}'}))
    assert verdicts(predictions) == [("WORKDIR", "cached"), ("COPY", "reruns"), ("RUN", "reruns"), ("COPY", "reruns")]
    assert by_instruction(predictions, "RUN").reason == "after the first miss (line 3: COPY package.json ./)"


def test_copy_everything_first_reruns_the_install_on_any_source_edit():
    naive = APP.replace("COPY package.json ./\nRUN npm install\nCOPY . .\n", "COPY . .\nRUN npm install\n")
    files = FILES | {"Dockerfile": naive}
    predictions = cache.predict(snap(naive, files), snap(naive, files | {"server.js": "edited"}))
    assert verdicts(predictions) == [("WORKDIR", "cached"), ("COPY", "reruns"), ("RUN", "reruns")]


def test_nothing_reruns_without_a_change():
    predictions = cache.predict(snap(APP, FILES), snap(APP, FILES))
    assert not any(p.reruns for p in predictions)


def test_a_first_build_runs_every_step():
    predictions = cache.predict(None, snap(APP, FILES))
    assert all(p.reruns for p in predictions if p.instruction != "FROM")
    assert "first build" in predictions[-1].reason


def test_a_permission_change_counts_and_a_new_empty_folder_counts():
    dockerfile = "FROM busybox\nCOPY src /src\nRUN echo hi\n"
    files = {"src/run.sh": "echo"}
    assert verdicts(cache.predict(snap(dockerfile, files), snap(dockerfile, files, modes={"src/run.sh": 0o755}))) == [("COPY", "reruns"), ("RUN", "reruns")]
    before = cache.Snapshot(dockerfile, {"src": ("dir", 0o755), "src/run.sh": ("file", 0o644, "x")})
    after = cache.Snapshot(dockerfile, {**before.entries, "src/empty": ("dir", 0o755)})
    predictions = cache.predict(before, after)
    assert by_instruction(predictions, "COPY").reason == "folder src/empty added"


def test_a_file_the_copy_does_not_read_changes_nothing():
    dockerfile = "FROM busybox\nCOPY a.txt /a\nCOPY src/ /src/\nRUN echo hi\n"
    files = {"a.txt": "a", "src/x.js": "x", "README.md": "r"}
    assert not any(p.reruns for p in cache.predict(snap(dockerfile, files), snap(dockerfile, files | {"README.md": "edited"})))
    predictions = cache.predict(snap(dockerfile, files), snap(dockerfile, files | {"src/new.js": "n"}))
    assert verdicts(predictions) == [("COPY", "cached"), ("COPY", "reruns"), ("RUN", "reruns")]
    assert by_instruction(predictions, "COPY", 1).reason == "file src/new.js added"


def test_a_wildcard_copy_sees_new_matching_files():
    dockerfile = "FROM busybox\nCOPY *.txt /t/\n"
    predictions = cache.predict(snap(dockerfile, {"a.txt": "a"}), snap(dockerfile, {"a.txt": "a", "b.txt": "b", "c.md": "c"}))
    assert verdicts(predictions) == [("COPY", "reruns")]
    assert "b.txt added" in predictions[-1].reason


def test_editing_the_dockerfile_busts_copy_dot_because_it_is_in_the_context():
    text = "FROM busybox\nCOPY a.txt /a\nCOPY . /all\n"
    edited = text + "LABEL x=y\n"
    predictions = cache.predict(snap(text, {"a.txt": "a", "Dockerfile": text}), snap(edited, {"a.txt": "a", "Dockerfile": edited}))
    assert verdicts(predictions) == [("COPY", "cached"), ("COPY", "reruns")]
    assert predictions[-1].reason == "source file Dockerfile changed"


def test_snapshots_ignore_modification_times_and_ignored_files(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM busybox\nCOPY . /ctx\nRUN echo hi\n")
    (tmp_path / ".dockerignore").write_text("*.log\n")
    (tmp_path / "app.js").write_text("1")
    (tmp_path / "debug.log").write_text("1")
    before = cache.Snapshot.take(tmp_path)
    assert "debug.log" not in before.entries and "app.js" in before.entries and ".dockerignore" in before.entries
    cache.Touch("app.js").apply(tmp_path, dockerfile=tmp_path / "Dockerfile", build_args={})
    (tmp_path / "debug.log").write_text("2")
    assert not any(p.reruns for p in cache.predict(before, cache.Snapshot.take(tmp_path)))
    (tmp_path / "empty").mkdir()
    assert cache.Snapshot.take(tmp_path).entries["empty"][0] == "dir"


# --------------------------------------------------------------------------- ARG and ENV


ARGS = """\
FROM busybox
RUN echo before
ARG VERSION=1
COPY a.txt /a
RUN echo unrelated
COPY a.txt /b-${VERSION}
"""


def test_a_changed_build_arg_reruns_the_first_run_after_its_arg_even_if_unused():
    predictions = cache.predict(snap(ARGS), snap(ARGS, build_args={"VERSION": "2"}))
    assert verdicts(predictions) == [("RUN", "cached"), ("COPY", "cached"), ("RUN", "reruns"), ("COPY", "reruns")]
    assert by_instruction(predictions, "RUN", 1).reason.startswith("build arg VERSION changed ('1' → '2')")


def test_a_copy_reruns_on_a_build_arg_only_when_its_paths_use_it():
    text = "FROM busybox\nARG VERSION=1\nCOPY a.txt /a\nCOPY a.txt /b-${VERSION}\n"
    predictions = cache.predict(snap(text), snap(text, build_args={"VERSION": "2"}))
    assert verdicts(predictions) == [("COPY", "cached"), ("COPY", "reruns")]
    assert "expand differently" in predictions[-1].reason


def test_a_build_arg_nobody_declares_changes_nothing_and_the_default_is_no_change():
    assert not any(p.reruns for p in cache.predict(snap(ARGS), snap(ARGS, build_args={"OTHER": "x"})))
    assert not any(p.reruns for p in cache.predict(snap(ARGS), snap(ARGS, build_args={"VERSION": "1"})))
    assert not any(p.reruns for p in cache.predict(snap(ARGS), snap(ARGS, build_args={"HTTP_PROXY": "http://proxy:3128"})))


def test_a_global_arg_counts_in_a_stage_only_when_declared_again_there():
    text = "ARG V=1\nFROM busybox\nRUN echo one\nARG V\nRUN echo two\n"
    predictions = cache.predict(snap(text), snap(text, build_args={"V": "2"}))
    assert verdicts(predictions) == [("RUN", "cached"), ("RUN", "reruns")]


def test_an_arg_in_from_changes_the_base_image():
    text = "ARG TAG=1.36\nFROM busybox:${TAG}\nRUN echo hi\n"
    predictions = cache.predict(snap(text), snap(text, build_args={"TAG": "1.37"}))
    assert predictions[0].reruns and predictions[0].arguments == "busybox:1.37"
    assert predictions[1].reruns and predictions[1].reason == "the base image changed"


def test_env_reaches_run_but_not_copy():
    text = "FROM busybox\nENV MODE=dev\nCOPY a.txt /a\nRUN echo hi\n"
    predictions = cache.predict(snap(text), snap(text.replace("dev", "prod")))
    assert verdicts(predictions) == [("COPY", "cached"), ("RUN", "reruns")]
    assert predictions[-1].reason.startswith("ENV MODE changed ('dev' → 'prod')")


def test_a_stage_built_from_another_still_sees_its_arg_values():
    text = "FROM busybox AS base\nCOPY a.txt /a\nARG X=1\n\nFROM base AS child\nRUN echo child\n"
    predictions = cache.predict(snap(text), snap(text, build_args={"X": "2"}))
    assert verdicts(predictions) == [("COPY", "cached"), ("RUN", "reruns")]


def test_user_reaches_run_but_not_copy():
    text = "FROM busybox\nUSER nobody\nCOPY a.txt /a\nRUN echo hi\n"
    predictions = cache.predict(snap(text), snap(text.replace("nobody", "65534")))
    assert verdicts(predictions) == [("COPY", "cached"), ("RUN", "reruns")]
    assert predictions[-1].reason == "USER changed (nobody → 65534)"


def test_metadata_instructions_change_no_step():
    text = "FROM busybox\nRUN echo hi\nLABEL a=1\nEXPOSE 80\nCMD [\"sh\"]\n"
    edited = "FROM busybox\nRUN echo hi\nLABEL a=2\nEXPOSE 81\nCMD [\"ash\"]\n"
    assert not any(p.reruns for p in cache.predict(snap(text), snap(edited)))


def test_an_edited_command_reruns_and_so_does_everything_after_it():
    text = "FROM busybox\nRUN echo one\nRUN echo two\nCOPY a.txt /a\n"
    predictions = cache.predict(snap(text), snap(text.replace("echo one", "echo uno")))
    assert verdicts(predictions) == [("RUN", "reruns"), ("RUN", "reruns"), ("COPY", "reruns")]
    assert predictions[1].reason == "the command changed (the Dockerfile was edited)"


def test_an_earlier_build_still_in_the_cache_answers():
    text = "FROM busybox\nARG V=1\nRUN echo hi\n"
    one, two = snap(text), snap(text, build_args={"V": "2"})
    assert cache.predict([one, two], one)[-1].verdict == "cached"
    assert cache.predict(two, one)[-1].verdict == "reruns"


# --------------------------------------------------------------------------- stages

STAGES = """\
FROM busybox AS build
COPY a.txt /out/a.txt
RUN echo log > /tmp/log
COPY b.txt /elsewhere/b.txt

FROM busybox AS unused
RUN echo never

FROM busybox
COPY --from=build /out /app
RUN echo final
"""


def writes(text):
    return [text.rsplit("> ", 1)[1]] if "> " in text else None


def test_copy_from_compares_content_so_a_rerun_that_writes_elsewhere_does_not_bust_it():
    files = {"a.txt": "a", "b.txt": "b"}
    before = snap(STAGES, files)
    after = snap(STAGES.replace("echo log", "echo LOG"), files)
    predictions = cache.predict(before, after, run_writes=writes)
    assert verdicts(predictions) == [("COPY", "cached"), ("RUN", "reruns"), ("COPY", "reruns"), ("RUN", "not built"), ("COPY", "cached"), ("RUN", "cached")]
    assert "byte-identical" in predictions[-2].reason
    edited = cache.predict(before, snap(STAGES, {"a.txt": "A", "b.txt": "b"}), run_writes=writes)
    assert edited[-2].reruns and not edited[-2].uncertain and "COPY a.txt" in edited[-2].reason


def test_without_knowing_where_a_run_writes_the_copy_from_is_uncertain():
    files = {"a.txt": "a", "b.txt": "b"}
    predictions = cache.predict(snap(STAGES, files), snap(STAGES.replace("echo log", "echo LOG"), files))
    copy_from = predictions[-2]
    assert copy_from.reruns and copy_from.uncertain
    assert predictions[-1].reruns and predictions[-1].uncertain  # after an uncertain miss


def test_stage_names_positions_and_the_target():
    predictions = cache.predict(None, snap(STAGES, {"a.txt": "a", "b.txt": "b"}, target="build"))
    assert [(p.stage, p.position, p.instruction, p.built) for p in predictions] == [
        ("build", 1, "FROM", True), ("build", 2, "COPY", True), ("build", 3, "RUN", True), ("build", 4, "COPY", True),
        ("unused", 1, "FROM", False), ("unused", 2, "RUN", False),
        ("stage-2", 1, "FROM", False), ("stage-2", 2, "COPY", False), ("stage-2", 3, "RUN", False),
    ]  # fmt: skip
    with pytest.raises(LabkitError, match="no stage named"):
        cache.predict(None, snap(STAGES, {"a.txt": "a", "b.txt": "b"}, target="nope"))


def test_a_single_stage_is_unnamed_unless_copy_from_an_image_makes_a_second_one():
    assert cache.predict(None, snap("FROM busybox AS Only\nRUN echo\n"))[-1].stage is None
    predictions = cache.predict(None, snap("FROM busybox\nCOPY --from=busybox /bin/true /t\n"))
    assert predictions[-1].stage == "stage-0"
    assert cache.predict(None, snap("FROM busybox AS Build\nRUN a\nFROM build\nRUN b\n"))[1].stage == "build"


def test_workdir_is_a_step_except_slash_and_a_stage_from_a_stage_has_no_from_step():
    predictions = cache.predict(None, snap("FROM busybox AS a\nWORKDIR /\nWORKDIR app\nRUN x\nFROM a AS b\nRUN y\n"))
    assert [(p.stage, p.position, p.instruction, p.arguments) for p in predictions] == [
        ("a", 1, "FROM", "busybox"), ("a", 2, "WORKDIR", "app"), ("a", 3, "RUN", "x"), ("b", 1, "RUN", "y"),
    ]  # fmt: skip


def test_a_stage_from_a_changed_stage_reruns_whole():
    text = "FROM busybox AS base\nRUN echo base\nFROM base\nCOPY a.txt /a\n"
    predictions = cache.predict(snap(text), snap(text.replace("echo base", "echo BASE")))
    assert predictions[-1].reruns and predictions[-1].reason == "its base stage base changed"


def test_copy_from_by_index():
    text = "FROM busybox\nCOPY a.txt /out/a\nFROM busybox\nCOPY --from=0 /out /x\n"
    predictions = cache.predict(snap(text), snap(text, {"a.txt": "changed"}))
    assert predictions[-1].reruns and "files it copies from stage stage-0 changed" in predictions[-1].reason


def test_no_cache_reruns_every_run_copy_and_add_but_not_a_leading_workdir():
    text = "FROM busybox\nWORKDIR /app\nCOPY a.txt .\nWORKDIR /app/sub\nRUN echo\n"
    predictions = cache.predict(snap(text), snap(text), no_cache=True)
    assert verdicts(predictions) == [("WORKDIR", "cached"), ("COPY", "reruns"), ("WORKDIR", "reruns"), ("RUN", "reruns")]


def test_add_of_a_url_is_predicted_cached_but_uncertain():
    text = "FROM busybox\nADD https://example.com/a.tar.gz /a\n"
    prediction = cache.predict(snap(text), snap(text))[-1]
    assert not prediction.reruns and prediction.uncertain and "download" in prediction.reason


# --------------------------------------------------------------------------- changes and predict_change


def test_predict_change_works_on_a_private_copy(tmp_path):
    for name, content in FILES.items():
        (tmp_path / name).write_text(content)
    predictions = cache.predict_change(tmp_path, cache.EditFile("server.js"))
    assert verdicts(predictions)[-1] == ("COPY", "reruns")
    assert (tmp_path / "server.js").read_text() == FILES["server.js"]
    manifest = cache.predict_change(tmp_path, [cache.EditFile("package.json", " ")])
    assert by_instruction(manifest, "RUN").reruns
    assert not any(p.reruns for p in cache.predict_change(tmp_path, cache.Touch("server.js")))
    with pytest.raises(LabkitError):
        cache.predict_change(tmp_path, cache.EditFile("missing.js"))


def test_changes_apply_to_a_folder(tmp_path):
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM busybox\nRUN echo one\n")
    args: dict[str, str] = {}
    for change in (cache.AddFile("src/x.js", "x"), cache.Chmod("src/x.js", 0o700), cache.AddFolder("empty"),
                   cache.EditDockerfile("one", "two"), cache.SetBuildArg("V", "2"), cache.RemoveFile("src/x.js")):  # fmt: skip
        change.apply(tmp_path, dockerfile=dockerfile, build_args=args)
        assert change.describe()
    assert args == {"V": "2"} and "two" in dockerfile.read_text() and (tmp_path / "empty").is_dir()
    assert not (tmp_path / "src/x.js").exists()
    with pytest.raises(LabkitError, match="outside"):
        cache.AddFile("../escape", "x").apply(tmp_path, dockerfile=dockerfile, build_args=args)


# --------------------------------------------------------------------------- matching and comparing


def step(stage, position, instruction, cached):
    return BuildStep(name="", stage=stage, instruction=instruction, arguments="", position=(position, 9), cached=cached, done=True)


def test_compare_pairs_by_stage_and_position_and_reports_each_disagreement():
    predictions = cache.predict(snap(APP, FILES), snap(APP, FILES | {"server.js": "2"}))
    agreeing = SimpleNamespace(steps=[step(None, 1, "FROM", False), step(None, 2, "WORKDIR", True), step(None, 3, "COPY", True), step(None, 4, "RUN", True), step(None, 5, "COPY", False)])
    assert cache.compare(predictions, agreeing) == []
    assert [s is not None for _, s in cache.match(predictions, agreeing)] == [True] * 5
    wrong = SimpleNamespace(steps=[step(None, 3, "COPY", True), step(None, 4, "RUN", False), step(None, 5, "COPY", False), step(None, 6, "RUN", False)])
    found = [str(d) for d in cache.compare(predictions, wrong)]
    assert any("RUN npm install: predicted cached" in d and "but it ran" in d for d in found)
    assert any("reported by the engine, but not predicted" in d for d in found)
    assert any("WORKDIR" in str(d) for d in cache.compare(predictions, wrong, instructions=("WORKDIR",)))


def test_side_by_side_rows_and_html():
    predictions = cache.predict(snap(APP, FILES), snap(APP, FILES | {"server.js": "2"}))
    result = SimpleNamespace(steps=[step(None, 3, "COPY", True), step(None, 4, "RUN", True), step(None, 5, "COPY", False)])
    rows = cache.side_by_side(predictions, result)
    assert rows[-1]["predicted"] == "reruns" and rows[-1]["actual"] == "ran" and rows[-1]["agrees"] is True
    assert "<table>" in cache.html_table(rows)
    assert "actual" not in cache.side_by_side(predictions)[0]


def test_the_regression_file_holds_replayable_scenarios():
    known = json.loads((ROOT / "tests" / "fixtures" / "cache-regressions.json").read_text())
    for scenario in known:
        assert {"name", "files", "dockerfile", "changes", "build_args", "target", "dockerignore"} <= set(scenario)
        assert "@T@" in scenario["dockerfile"], "scenarios carry a token placeholder, filled afresh on each replay"


def test_public_names():
    assert {"Snapshot", "predict", "predict_change", "compare", "match", "Prediction", "Disagreement"} <= set(cache.__all__)
    assert all(hasattr(cache, name) for name in cache.__all__)
    assert os.path.basename(cache.__file__) == "cache.py"


def test_steps_after_a_url_download_are_uncertain_too():
    text = "FROM busybox\nADD https://example.com/data.txt /data\nRUN cat /data\n"
    predictions = cache.predict(snap(text), snap(text))
    assert [p.uncertain for p in predictions[1:]] == [True, True]
    assert "if the download before it changed" in predictions[-1].reason


def test_harmless_edits_keep_each_language_valid():
    assert cache.harmless_edit("app.py").text == "\n# edited\n"
    assert cache.harmless_edit("src/server.ts", note="x").text == "\n// x\n"
    assert cache.harmless_edit("package.json").text == "\n"
    assert cache.harmless_edit("README.md").text == "\n<!-- edited -->\n"


def test_replace_text_needs_the_old_text(tmp_path):
    (tmp_path / "package.json").write_text('{"version": "1.0.0"}')
    change = cache.ReplaceText("package.json", '"1.0.0"', '"1.0.1"')
    change.apply(tmp_path, dockerfile=tmp_path / "Dockerfile", build_args={})
    assert json.loads((tmp_path / "package.json").read_text()) == {"version": "1.0.1"}
    with pytest.raises(LabkitError, match="is not in package.json"):
        change.apply(tmp_path, dockerfile=tmp_path / "Dockerfile", build_args={})


def test_arguments_collapse_line_continuations():
    text = "FROM busybox\nRUN apt-get update \\\n    && apt-get install -y curl\n"
    assert cache.predict(None, snap(text))[-1].arguments == "apt-get update && apt-get install -y curl"


def test_series_table_has_one_column_per_build():
    def result(cached, seconds):
        return SimpleNamespace(steps=[step(None, 2, "COPY", cached), step(None, 3, "RUN", cached)], seconds=seconds)

    series = {name: SimpleNamespace(result=result(cached, seconds)) for name, cached, seconds in (("cold", False, 9.0), ("no change", True, 0.2))}
    rows = cache.series_table(series)
    assert [r["no change"] for r in rows] == ["cached", "cached", "0.2 s"]
    assert rows[0]["cold"].startswith("ran")


def test_the_change_picker_predicts_and_builds_only_through_the_callback(tmp_path):
    from labkit import widgets

    for name, content in FILES.items():
        (tmp_path / name).write_text(content)
    calls = []

    def build(change):
        calls.append(change)
        change.apply(tmp_path, dockerfile=tmp_path / "Dockerfile", build_args={})
        steps = [step(None, 2, "WORKDIR", True), step(None, 3, "COPY", True), step(None, 4, "RUN", True), step(None, 5, "COPY", False)]
        return SimpleNamespace(steps=steps, seconds=1.5)

    picker = widgets.change_picker(tmp_path, build=build).choose("server.js")
    assert calls == [] and "Predicted" in picker.view.value and "source file server.js changed" in picker.view.value
    picker.build()
    assert len(calls) == 1 and "every prediction held" in picker.view.value
    assert len(picker.history) == 2 and "edited" in (tmp_path / "server.js").read_text()
    assert isinstance(picker.choose("package.json", "touch").change(), cache.Touch)


def test_the_change_picker_shows_a_failed_build_instead_of_losing_it(tmp_path):
    from labkit import BuildFailed, widgets

    for name, content in FILES.items():
        (tmp_path / name).write_text(content)
    failure = BuildFailed("build failed at [4/5] RUN npm install: exit code 1", hint="fix <that> step")

    def build(change):
        raise failure

    picker = widgets.change_picker(tmp_path, build=build).choose("server.js")
    picker.button.click()  # what pressing Build does: the error must not escape into the kernel log
    assert failure.message in picker.view.value and "fix &lt;that&gt; step" in picker.view.value
    assert picker.error is failure and picker.last is None and not picker.button.disabled
    assert len(picker.history) == 1, "a failed build adds nothing the cache knows"
    with pytest.raises(BuildFailed):
        picker.build()  # from code, the error is raised as well as shown
    picker.choose("package.json")
    assert "Predicted" in picker.view.value and picker.error is failure
