"""Differential test: :func:`labkit.context.analyse` against what the real engine puts in ``COPY . /ctx``.

Random trees and ignore files (seeded, so a failure replays) are built one context per
case with ``FROM busybox`` + ``COPY . /ctx``; the files under ``/ctx`` in the image must be
exactly the files ``analyse`` lists, and a pattern ``analyse`` rejects must fail the build.

``LABKIT_CONTEXT_CASES`` (default 300) and ``LABKIT_CONTEXT_SEED`` choose the cases;
``LABKIT_RECORD_REGRESSIONS=1`` appends every disagreement, with the engine's answer, to
``tests/fixtures/context-regressions.json``, which both test files replay.
"""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path

import pytest
from contextcases import materialise

import labkit
from labkit import context, images

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

pytestmark = pytest.mark.engine

REGRESSIONS = Path(__file__).resolve().parents[1] / "fixtures" / "context-regressions.json"
CASES = int(os.environ.get("LABKIT_CONTEXT_CASES", "300"))
SEED = int(os.environ.get("LABKIT_CONTEXT_SEED", "20240611"))

NAMES = [
    "a", "b", "ab", "ba", "a.txt", "b.txt", "x.log", "keep", "src", "lib", "node_modules", "build",
    ".env", ".env.local", "A", "a.b.c", "c d", "f+", "[x]", "é", "ab.py", "data.csv", ".hidden", "aa",
]  # fmt: skip


def engine_files(ctx: Path, dockerfile: Path) -> list[str] | None:
    """What the engine copied to /ctx (files and symlinks), or None when the build failed."""
    try:
        result = labkit.build(ctx, dockerfile=dockerfile, tag=None, progress=None)
    except labkit.BuildFailed:
        return None
    found = images.filesystem(result.image_id)
    return sorted(path[len("/ctx/") :] for path in found if path.startswith("/ctx/"))


def labkit_files(ctx: Path, dockerfile: Path, semantics: str) -> list[str] | None:
    try:
        return context.analyse(ctx, dockerfile=dockerfile, semantics=semantics).files  # type: ignore[arg-type]
    except context.IgnorePatternError:
        return None


# ------------------------------------------------------------------------- random cases


def random_tree(rng: random.Random) -> tuple[dict[str, str], dict[str, str], list[str]]:
    files: dict[str, str] = {}
    dirs: set[str] = set()
    for _ in range(rng.randint(3, 14)):
        depth = rng.choice([1, 1, 2, 2, 3, 4])
        parts = [rng.choice(NAMES) for _ in range(depth)]
        # a path can't be both a file and a folder
        if any("/".join(parts[:k]) in files for k in range(1, depth)) or "/".join(parts) in dirs:
            continue
        files["/".join(parts)] = "x" * rng.randint(0, 40)
        dirs.update("/".join(parts[:k]) for k in range(1, depth))
    symlinks: dict[str, str] = {}
    if rng.random() < 0.2:
        name = rng.choice(["link", "ln", "a.lnk"])
        if name not in files and name not in dirs:
            symlinks[name] = rng.choice(list(files) or ["missing"])
    empty = []
    if rng.random() < 0.2:
        candidate = rng.choice(["empty", "src/empty", "e/f"])
        if not any(candidate == f or candidate.startswith(f + "/") for f in files):
            empty.append(candidate)
    return files, symlinks, empty


def glob_component(rng: random.Random, name: str) -> str:
    roll = rng.random()
    if roll < 0.25:
        return "*"
    if roll < 0.35 and name:
        i = rng.randrange(len(name))
        return name[:i] + "?" + name[i + 1 :]
    if roll < 0.45:
        return name[: rng.randint(0, len(name))] + "*"
    if roll < 0.52:
        return "*" + name[rng.randint(0, len(name)) :]
    if roll < 0.58 and name:
        return rng.choice(["[ab]", "[^a]", "[a-c]", "[.]", "[A-Z]"]) + name[1:]
    if roll < 0.62:
        return "**"
    if roll < 0.65:
        return "".join("\\" + c if c in "[]*?\\" else c for c in name)  # escaped literal
    return name


def random_pattern(rng: random.Random, paths: list[str]) -> str:
    source = rng.choice(paths) if paths and rng.random() < 0.85 else rng.choice(NAMES)
    parts = source.split("/")
    if rng.random() < 0.5:
        parts = parts[: rng.randint(1, len(parts))]  # a folder on the way
    parts = [glob_component(rng, p) if rng.random() < 0.45 else p for p in parts]
    text = "/".join(parts)
    roll = rng.random()
    if roll < 0.15:
        text = "**/" + text
    elif roll < 0.22:
        text += "/**"
    elif roll < 0.26:
        text += "/*"
    elif roll < 0.30:
        text = "**" + text.split("/")[-1]
    roll = rng.random()
    if roll < 0.1:
        text = "/" + text
    elif roll < 0.14:
        text = "./" + text
    elif roll < 0.17:
        text += "/"
    elif roll < 0.19:
        text = "x/../" + text
    if rng.random() < 0.04:  # characters the two generations of Docker read differently
        text += rng.choice(["+", "|b", "{2}", "(", ")", "\\d", "^", "$", "[", "\\", "[z-a]", "[[:alpha:]]"])
    if rng.random() < 0.35:
        text = "!" + text
    if rng.random() < 0.1:
        text = rng.choice([" ", "\t", "  "]) + text + rng.choice([" ", "", "\t"])
    return text


def random_ignore(rng: random.Random, paths: list[str]) -> str:
    lines = [random_pattern(rng, paths) for _ in range(rng.randint(1, 6))]
    if rng.random() < 0.2:
        lines.insert(rng.randrange(len(lines) + 1), rng.choice(["# comment", "", "   ", "#!keep"]))
    if rng.random() < 0.1:
        lines.insert(0, rng.choice(["*", "**", "!*"]))
    ending = "\r\n" if rng.random() < 0.1 else "\n"
    return ending.join(lines) + (ending if rng.random() < 0.8 else "")


def random_case(rng: random.Random, index: int) -> dict:
    files, symlinks, empty = random_tree(rng)
    placement = rng.random()
    if placement < 0.7:
        dockerfile = "Dockerfile"
    elif placement < 0.85:
        dockerfile = "sub/Dockerfile.dev"
    else:
        dockerfile = "../outside/My.df"
    paths = sorted({*files, *symlinks, *("/".join(p.split("/")[:k]) for p in files for k in range(1, p.count("/") + 1))})
    paths += ["Dockerfile", ".dockerignore"] if dockerfile == "Dockerfile" else ["sub", "sub/Dockerfile.dev"]
    ignore_files: dict[str, str] = {}
    if rng.random() < 0.9:
        ignore_files[".dockerignore"] = random_ignore(rng, paths)
    if dockerfile != "Dockerfile" and rng.random() < 0.6:
        ignore_files[dockerfile + ".dockerignore"] = random_ignore(rng, paths) if rng.random() < 0.9 else ""
    elif dockerfile == "Dockerfile" and rng.random() < 0.1:
        ignore_files["Dockerfile.dockerignore"] = random_ignore(rng, paths)
    return {
        "name": f"seed{SEED}-case{index}",
        "files": files,
        "symlinks": symlinks,
        "dirs": empty,
        "dockerfile": dockerfile,
        "ignore_files": ignore_files,
    }


def _record(disagreements: list[dict]) -> None:
    if os.environ.get("LABKIT_RECORD_REGRESSIONS") != "1" or not disagreements:
        return
    known = json.loads(REGRESSIONS.read_text()) if REGRESSIONS.exists() else []
    names = {case["name"] for case in known}
    known += [case for case in disagreements if case["name"] not in names]
    REGRESSIONS.write_text(json.dumps(known, indent=1, ensure_ascii=False) + "\n")


def _check(cases: list[dict], tmp_path: Path, semantics: str) -> list[dict]:
    disagreements = []
    for number, case in enumerate(cases):
        ctx, dockerfile = materialise(case, tmp_path / f"case{number}")
        ours = labkit_files(ctx, dockerfile, semantics)
        theirs = engine_files(ctx, dockerfile)
        if ours != theirs:
            disagreements.append(
                {**case, "semantics": semantics, "expected": theirs, "error": theirs is None, "labkit": ours}
            )
    return disagreements


def _explain(disagreements: list[dict]) -> str:
    shown = []
    for case in disagreements[:5]:
        ours, theirs = case["labkit"], case["expected"]
        if ours is None or theirs is None:
            diff = f"labkit {'rejects' if ours is None else 'accepts'} the patterns, the engine {'fails' if theirs is None else 'builds'}"
        else:
            diff = f"only labkit: {sorted(set(ours) - set(theirs))}, only engine: {sorted(set(theirs) - set(ours))}"
        shown.append(f"{case['name']}: {diff}\n  ignore files: {case['ignore_files']}\n  dockerfile: {case['dockerfile']}")
    return f"{len(disagreements)} case(s) disagree with the engine:\n" + "\n".join(shown)


@pytest.fixture(scope="module")
def semantics(engine):
    chosen = labkit.engine.builder()
    if not chosen.uses_buildkit:
        if IN_CI:
            pytest.fail("CI must check labkit.context against BuildKit, but the engine's builder is the legacy one")
        pytest.skip("the legacy builder has its own ignore matcher (the Python docker SDK's); analyse models BuildKit")
    return context.default_semantics()


def test_regressions_still_agree_with_the_engine(semantics, tmp_path):
    known = [case for case in json.loads(REGRESSIONS.read_text()) if case["semantics"] == semantics]
    disagreements = _check(known, tmp_path, semantics)
    assert not disagreements, _explain(disagreements)


def test_random_contexts_agree_with_the_engine(semantics, tmp_path):
    rng = random.Random(SEED)
    cases = [random_case(rng, i) for i in range(CASES)]
    started = time.monotonic()
    disagreements = _check(cases, tmp_path, semantics)
    _record(disagreements)
    print(f"{len(cases)} random contexts checked against the engine in {time.monotonic() - started:.0f} s")
    assert not disagreements, _explain(disagreements)


FACTS = [
    # (what, case, files the engine sends): each fact the module docstring states, checked directly
    (
        "NAME.dockerignore next to the Dockerfile replaces .dockerignore; an ignored Dockerfile is not sent",
        {"files": {"x.txt": "", "y.log": "", "z.md": "", "sub/w.py": ""}, "dockerfile": "sub/Dockerfile.dev",
         "ignore_files": {".dockerignore": "*.txt\n", "sub/Dockerfile.dev.dockerignore": "*.log\nsub/Dockerfile.dev\n"}},
        [".dockerignore", "sub/Dockerfile.dev.dockerignore", "sub/w.py", "x.txt", "z.md"],
    ),
    (
        "nothing is forced into the context",
        {"files": {"a": ""}, "dockerfile": "Dockerfile", "ignore_files": {".dockerignore": "Dockerfile\n.dockerignore\n"}},
        ["a"],
    ),
    (
        "an empty per-Dockerfile ignore file still wins",
        {"files": {"x.txt": ""}, "dockerfile": "../outside/My.df",
         "ignore_files": {".dockerignore": "*.txt\n", "../outside/My.df.dockerignore": ""}},
        [".dockerignore", "x.txt"],
    ),
    (
        "comments only at the start of a line, CRLF, blank lines, surrounding spaces",
        {"files": {"# x": "", "a b": "", "d": "", "e": "", "keep": ""}, "dockerfile": "Dockerfile",
         "ignore_files": {".dockerignore": "  # x\r\n a b \r\n\r\nd\r\n# e\r\n\t\r\n"}},
        [".dockerignore", "Dockerfile", "e", "keep"],
    ),
    (
        "a symlinked .dockerignore pointing inside the context is read",
        {"files": {"real": "w.py\n", "w.py": "", "x.txt": ""}, "symlinks": {".dockerignore": "real"}, "dockerfile": "Dockerfile"},
        [".dockerignore", "Dockerfile", "real", "x.txt"],
    ),
    (
        "a symlinked .dockerignore pointing outside the context is not",
        {"files": {"../outside/ign": "x.txt\n", "x.txt": ""}, "symlinks": {".dockerignore": "../outside/ign"}, "dockerfile": "Dockerfile"},
        [".dockerignore", "Dockerfile", "x.txt"],
    ),
    (
        "a per-Dockerfile ignore file symlinked outside its folder is skipped, so .dockerignore counts",
        {"files": {"../ign": "*.py\n", "x.txt": "", "w.py": ""}, "symlinks": {"../outside/My.df.dockerignore": "../ign"},
         "dockerfile": "../outside/My.df", "ignore_files": {".dockerignore": "*.txt\n"}},
        [".dockerignore", "w.py"],
    ),
    (
        "an excluded folder re-included by an exception inside it",
        {"files": {"docs/a/keep.md": "", "docs/a/other.md": "", "docs/b.md": ""}, "dockerfile": "Dockerfile",
         "ignore_files": {".dockerignore": "docs\n!docs/a/keep.md\n"}},
        [".dockerignore", "Dockerfile", "docs/a/keep.md"],
    ),
]


@pytest.mark.parametrize("what, case, sent", FACTS, ids=[fact[0][:40] for fact in FACTS])
def test_documented_behaviour_of_this_engine(semantics, tmp_path, what, case, sent):
    ctx, dockerfile = materialise(case, tmp_path)
    assert engine_files(ctx, dockerfile) == sent, what
    assert context.analyse(ctx, dockerfile=dockerfile, semantics=semantics).files == sent, what
