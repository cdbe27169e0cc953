"""Differential test: :func:`labkit.cache.predict` against which steps the real engine reruns.

Seeded random scenarios: a small context, a Dockerfile on ``busybox`` with one to three
stages (``COPY`` of files, folders, ``.`` and wildcards, ``ADD``, ``RUN``, ``ARG``, ``ENV``,
``WORKDIR``, ``COPY --from`` by name or index, ``FROM`` an earlier stage, an unused stage,
sometimes ``--target``), sometimes a ``.dockerignore``. Each scenario is built cold, then
rebuilt after each of several random changes (a file edited, touched, chmodded, added or
removed, an empty folder, the dependency manifest, the ignore file, a build argument, the
Dockerfile text); before every build the prediction is made from the snapshots already
built, and any step where the engine did otherwise fails the test.

Every RUN writes a fresh random value (``/proc/sys/kernel/random/uuid``), so a rerun always
changes its output, and says where it writes (``> /path``), which ``run_writes`` reads.
Every text carries a token drawn afresh on each run, so the engine's cache from earlier
scenarios or earlier runs never answers for this one. Stages stay under ten steps
(BuildKit pads ``[ 1/10]``) and never share a first step (BuildKit would merge them).

``LABKIT_CACHE_SCENARIOS`` (default 45, about two minutes) and ``LABKIT_CACHE_SEED`` choose the scenarios;
``LABKIT_RECORD_REGRESSIONS=1`` appends every disagreeing scenario to
``tests/fixtures/cache-regressions.json``, which is replayed first.
"""

from __future__ import annotations

import json
import os
import random
import re
import uuid
from pathlib import Path

import pytest

import labkit
from labkit import cache

pytestmark = pytest.mark.engine

REGRESSIONS = Path(__file__).resolve().parents[1] / "fixtures" / "cache-regressions.json"
SCENARIOS = int(os.environ.get("LABKIT_CACHE_SCENARIOS", "45"))
SEED = int(os.environ.get("LABKIT_CACHE_SEED", "20241204"))
CHANGES_PER_SCENARIO = 4
CHECKED = ("RUN", "COPY", "ADD", "WORKDIR")
TOKEN = "@T@"

FILES = ["a.txt", "b.txt", "package.json", "src/m.js", "src/n.js", "src/sub/o.js", "notes.log", "ignored/x.txt"]
NEW_FILES = ["c.txt", "src/new.js", "src/sub/p.js", "ignored/y.txt", "more.log", "docs/readme.md"]
UUID = "cat /proc/sys/kernel/random/uuid"


def run_writes(text: str) -> list[str]:
    """Where a generated RUN writes: the targets of its redirections."""
    return re.findall(r">\s*(/\S+)", text)


# ------------------------------------------------------------------------- generating scenarios


class _Dockerfile:
    """Builds a random Dockerfile, remembering what later changes may touch."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.lines: list[str] = []
        self.single_sources: set[str] = set()
        self.out_paths: list[str] = []  # paths under /out written in the first stage
        self.copied: list[str] = []  # absolute paths of files copied in the first stage
        self.has_arg = self.has_env = self.has_global = False
        self.runs = 0

    def run(self, stage: int, where: str) -> str:
        self.runs += 1
        target = {"out": f"/out/r{self.runs}", "tmp": f"/tmp/n{self.runs}"}.get(where, "/dev/null")
        if where == "out":
            self.out_paths.append(target)
        prefix = "mkdir -p /out && " if where == "out" else ""
        return f"RUN {prefix}echo {TOKEN} {stage}.{self.runs} $X && {UUID} > {target}"

    def first_stage(self) -> None:
        rng = self.rng
        self.lines.append("FROM busybox AS build")
        vertices, workdir = 1, False
        pool = ["copy-file", "copy-file", "copy-dir", "copy-all", "add", "glob", "to-out", "run-out", "run-tmp", "arg", "env", "workdir", "global", "multi", "chown", "arg-path", "env-arg"]
        moves = rng.sample(pool, rng.randint(3, 8))
        moves.append("run-out")  # /out always exists for COPY --from
        rng.shuffle(moves)
        if "arg" in moves and rng.random() < 0.7:  # early, so RUN steps follow it
            moves.remove("arg")
            moves.insert(rng.randint(0, 1), "arg")
        for move in moves:
            if vertices >= 8:
                break
            if move == "copy-file":
                source = rng.choice(["a.txt", "b.txt", "package.json", "src/m.js"])
                self.single_sources.add(source)
                dest = f"./{Path(source).name}" if workdir and rng.random() < 0.5 else f"/s1/{Path(source).name}"
                self.lines.append(f"COPY {source} {dest}")
                self.copied.append(dest if dest.startswith("/") else f"/w{TOKEN}/{Path(source).name}")
            elif move == "copy-dir":
                self.lines.append("COPY src /s1/src/")
            elif move == "copy-all":
                self.lines.append("COPY . /s1/all/")
            elif move == "add":
                self.single_sources.add("b.txt")
                self.lines.append("ADD b.txt /s1/added.txt")
                self.copied.append("/s1/added.txt")
            elif move == "glob":
                self.lines.append("COPY *.txt /s1/txt/")
            elif move == "to-out":
                self.single_sources.add("a.txt")
                self.lines.append("COPY a.txt /out/a.txt")
                self.out_paths.append("/out/a.txt")
            elif move in ("run-out", "run-tmp"):
                self.lines.append(self.run(1, move[4:]))
            elif move == "multi":
                self.single_sources.update({"a.txt", "b.txt"})
                self.lines.append("COPY a.txt b.txt /s1/multi/")
            elif move == "chown":
                self.single_sources.add("b.txt")
                self.lines.append("COPY --chown=1:1 b.txt /s1/owned.txt")
            elif move == "arg-path" and self.has_arg:
                self.single_sources.add("a.txt")
                self.lines.append("COPY a.txt /s1/v-${X}.txt")
            elif move == "env-arg" and self.has_arg and not self.has_env:
                self.has_env = True
                self.lines.append(f"ENV E=e0-{TOKEN} Y=y-$X")
                continue
            elif move == "arg" and not self.has_arg:
                self.has_arg = True
                self.lines.append("ARG X=x0")
                continue
            elif move == "env" and not self.has_env:
                self.has_env = True
                self.lines.append(f"ENV E=e0-{TOKEN}")
                continue
            elif move == "workdir" and not workdir:
                workdir = True
                self.lines.append(f"WORKDIR /w{TOKEN}")
            elif move == "global" and not self.has_global:
                self.has_global = True
                self.lines.insert(0, "ARG G=g0")
                self.lines.append("ARG G")
                continue
            else:
                continue
            vertices += 1

    def second_stage(self, as_child: bool) -> None:
        rng = self.rng
        if as_child:
            self.lines += ["", "FROM build AS child"]
        else:
            self.lines += ["", "FROM busybox"]
            source = rng.choice(["/out", "/out", *self.out_paths, *self.copied])
            ref = rng.choice(["build", "build", "0"])
            self.lines.append(f"COPY --from={ref} {source} /s2/got{TOKEN}")
        nobody = False
        for move in sorted(rng.sample(["run", "run", "copy", "arg", "user"], rng.randint(1, 4)), key=lambda m: m != "arg"):
            if move == "run":
                self.lines.append(self.run(2, "null" if nobody else "tmp"))
            elif move == "copy":
                source = rng.choice(["a.txt", "src", "package.json"])
                if source != "src":
                    self.single_sources.add(source)
                self.lines.append(f"COPY {source} /s2/{Path(source).name}")
            elif move == "arg" and self.has_arg:
                self.lines.append("ARG X")
            elif move == "user":
                nobody = True
                self.lines.append("USER nobody")  # later RUN steps write to /dev/null: nobody cannot write /tmp here

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def generate(rng: random.Random, index: int) -> dict:
    """One scenario: context, Dockerfile, build args, target and a concrete list of changes."""
    files = {name: f"{name} {TOKEN}\n" for name in FILES}
    dockerignore = "*.log\nignored/\n" if rng.random() < 0.5 else None
    plan = _Dockerfile(rng)
    plan.first_stage()
    stages = 1
    target = None
    if rng.random() < 0.2:
        plan.lines += ["", "FROM busybox AS unused", f"RUN echo {TOKEN} unused > /tmp/unused"]
        stages += 1
    if rng.random() < 0.75:
        as_child = rng.random() < 0.35
        plan.second_stage(as_child)
        stages += 1
        if rng.random() < 0.15:
            target = "build"
    elif stages > 1:
        target = "build"
    build_args: dict[str, str] = {}
    if plan.has_arg and rng.random() < 0.3:
        build_args["X"] = "x-start"

    text = plan.text()
    present = set(files)
    modes: dict[str, int] = {}
    changes = []
    for n in range(1, CHANGES_PER_SCENARIO + 1):
        kinds = ["edit", "edit", "manifest", "add", "remove", "touch", "chmod", "folder", "arg", "dockerfile", "dockerfile"]
        if dockerignore is not None:
            kinds.append("ignore")
        if plan.has_arg or plan.has_global:
            kinds += ["arg", "arg", "arg"]
        kind = rng.choice(kinds)
        if n == 1 and plan.has_arg and rng.random() < 0.6:
            kind = "arg"
        if kind in ("edit", "manifest"):
            path = "package.json" if kind == "manifest" else rng.choice(sorted(present))
            changes.append({"kind": "edit", "path": path, "text": f"edit {n} {TOKEN}\n"})
        elif kind == "add":
            candidates = [p for p in NEW_FILES if p not in present]
            if not candidates:
                continue
            path = rng.choice(candidates)
            present.add(path)
            changes.append({"kind": "add", "path": path, "text": f"{path} {TOKEN}\n"})
        elif kind == "remove":
            candidates = sorted(p for p in present if p not in plan.single_sources and p not in ("a.txt", "src/m.js"))
            if not candidates:
                continue
            path = rng.choice(candidates)
            present.discard(path)
            changes.append({"kind": "remove", "path": path})
        elif kind == "touch":
            changes.append({"kind": "touch", "path": rng.choice(sorted(present))})
        elif kind == "chmod":
            path = rng.choice(sorted(present))
            modes[path] = 0o600 if modes.get(path, 0o644) != 0o600 else 0o755
            changes.append({"kind": "chmod", "path": path, "mode": modes[path]})
        elif kind == "folder":
            changes.append({"kind": "folder", "path": rng.choice(["src/empty", "empty", "ignored/e"]) + str(n)})
        elif kind == "arg":
            name = "X" if n == 1 and plan.has_arg else rng.choice([*(["X", "X"] if plan.has_arg else []), *(["G", "G"] if plan.has_global else []), "Z"])
            value = rng.choice([f"{name.lower()}{n}", f"{name.lower()}0", None])
            changes.append({"kind": "arg", "name": name, "value": value})
        elif kind == "ignore":
            changes.append({"kind": "edit", "path": ".dockerignore", "text": rng.choice(["*.md\n", "# comment\n", "src/sub\n"])})
        elif kind == "dockerfile":
            choice = rng.random()
            runs = [line for line in text.splitlines() if line.startswith("RUN ")]
            if choice < 0.15 and "USER nobody" in text:
                old, new = "USER nobody", "USER 65534"
            elif choice < 0.3 and plan.has_env:
                old = next(line for line in text.splitlines() if line.startswith("ENV E="))
                new = f"ENV E=e{n}-{TOKEN}"
            elif choice < 0.6 and runs:
                old = rng.choice(runs)
                new = old.replace(f"echo {TOKEN} ", f"echo {TOKEN} edit{n} ", 1)
            elif choice < 0.8 and runs:
                old = rng.choice(runs)
                new = f"RUN echo {TOKEN} inserted{n} && {UUID} > /tmp/i{n}\n{old}"
            else:
                changes.append({"kind": "edit", "path": "Dockerfile", "text": f"# comment {n}\n"})
                text += f"# comment {n}\n"
                continue
            if old == new or old not in text:
                continue
            changes.append({"kind": "dockerfile", "old": old, "new": new})
            text = text.replace(old, new, 1)
    return {
        "name": f"seed{SEED}-scenario{index}",
        "files": files,
        "dockerignore": dockerignore,
        "dockerfile": plan.text(),
        "build_args": build_args,
        "target": target,
        "changes": changes,
    }


# ------------------------------------------------------------------------- running a scenario


def _fill(value, token: str):
    if isinstance(value, str):
        return value.replace(TOKEN, token)
    if isinstance(value, dict):
        return {k: _fill(v, token) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, token) for v in value]
    return value


def as_change(spec: dict) -> cache.Change:
    kind = spec["kind"]
    if kind == "edit":
        return cache.EditFile(spec["path"], spec["text"])
    if kind == "add":
        return cache.AddFile(spec["path"], spec["text"])
    if kind == "remove":
        return cache.RemoveFile(spec["path"])
    if kind == "touch":
        return cache.Touch(spec["path"])
    if kind == "chmod":
        return cache.Chmod(spec["path"], spec["mode"])
    if kind == "folder":
        return cache.AddFolder(spec["path"])
    if kind == "arg":
        return cache.SetBuildArg(spec["name"], spec["value"])
    if kind == "dockerfile":
        return cache.EditDockerfile(spec["old"], spec["new"])
    raise ValueError(f"unknown change {kind!r}")


def run_scenario(scenario: dict, root: Path) -> list[str]:
    """Build the scenario cold and after each change; every disagreement, as text."""
    case = _fill(scenario, uuid.uuid4().hex[:12])
    ctx = root / "ctx"
    ctx.mkdir(parents=True)
    for rel, content in case["files"].items():
        (ctx / rel).parent.mkdir(parents=True, exist_ok=True)
        (ctx / rel).write_text(content)
    if case["dockerignore"] is not None:
        (ctx / ".dockerignore").write_text(case["dockerignore"])
    dockerfile = ctx / "Dockerfile"
    dockerfile.write_text(case["dockerfile"])
    build_args = dict(case["build_args"])
    history: list[cache.Snapshot] = []
    problems: list[str] = []
    for step, change in enumerate([None, *case["changes"]]):
        if change is not None:
            as_change(change).apply(ctx, dockerfile=dockerfile, build_args=build_args)
        after = cache.Snapshot.take(ctx, build_args=build_args, target=case["target"])
        predictions = cache.predict(history or None, after, run_writes=run_writes)
        try:
            result = labkit.build(ctx, build_args=build_args, target=case["target"], progress=None)
        except labkit.BuildFailed as failure:
            problems.append(f"build {step} ({change}) failed: {failure.one_line()}")
            break
        found = cache.compare(predictions, result, instructions=CHECKED)
        if found:
            problems.append(f"build {step} after {change}:\n    " + "\n    ".join(str(d) for d in found))
        history.append(after)
    return problems


def _record(scenario: dict) -> None:
    if os.environ.get("LABKIT_RECORD_REGRESSIONS") != "1":
        return
    known = json.loads(REGRESSIONS.read_text()) if REGRESSIONS.exists() else []
    if scenario["name"] not in {case["name"] for case in known}:
        known.append(scenario)
        REGRESSIONS.write_text(json.dumps(known, indent=1) + "\n")


def _report(scenario: dict, problems: list[str]) -> str:
    return f"{scenario['name']}:\n{scenario['dockerfile']}changes: {json.dumps(scenario['changes'])}\n  " + "\n  ".join(problems)


def test_replayed_regressions_agree_with_the_engine(engine, tmp_path):
    known = json.loads(REGRESSIONS.read_text()) if REGRESSIONS.exists() else []
    failures = []
    for index, scenario in enumerate(known):
        problems = run_scenario(scenario, tmp_path / f"r{index}")
        if problems:
            failures.append(_report(scenario, problems))
    assert not failures, "\n\n".join(failures)


def test_generated_scenarios_agree_with_the_engine(engine, tmp_path):
    rng = random.Random(SEED)
    failures = []
    for index in range(SCENARIOS):
        scenario = generate(rng, index)
        problems = run_scenario(scenario, tmp_path / f"s{index}")
        if problems:
            _record(scenario)
            failures.append(_report(scenario, problems))
    assert not failures, f"{len(failures)} of {SCENARIOS} scenarios disagree with the engine:\n\n" + "\n\n".join(failures)


def test_generated_scenarios_cover_the_rules():
    """The seed's scenarios exercise every kind of change and every kind of step."""
    rng = random.Random(SEED)
    scenarios = [generate(rng, index) for index in range(SCENARIOS)]
    kinds = {change["kind"] for s in scenarios for change in s["changes"]}
    assert {"edit", "add", "remove", "touch", "chmod", "folder", "arg", "dockerfile"} <= kinds
    text = "".join(s["dockerfile"] for s in scenarios)
    for needle in ("COPY --from=build", "COPY --from=0", "COPY . ", "COPY src ", "COPY *.txt", "ADD ", "ARG X", "ENV E=", "WORKDIR", "FROM build AS child", "USER nobody", "--chown", "${X}"):
        assert needle in text, needle
