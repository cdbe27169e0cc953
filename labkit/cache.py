"""Predicting which build steps rerun after a change, and checking the prediction against the engine.

A learner edits one file and the whole ``npm ci`` runs again: why? :func:`predict`
answers before anything is built, step by step and with a reason ("source file
app.js changed", "after the first miss"), and :func:`compare` holds the answer
against what the real engine then did. ``tests/integration/test_cache_engine.py``
checks the rules below against the engine on randomly generated scenarios, each built cold and
after four changes (``LABKIT_CACHE_SCENARIOS`` of them, 45 by default).

>>> sample = labkit.sample("node-api")                                                   # doctest: +SKIP
>>> predictions = predict_change(sample, harmless_edit("src/server.ts"), dockerfile="Dockerfile.cache-friendly")  # doctest: +SKIP
>>> [(p.instruction, p.reruns, p.reason) for p in predictions]                          # doctest: +SKIP
>>> compare(predictions, result)   # after building that change: [] when it went as predicted  # doctest: +SKIP

How BuildKit decides (checked on Docker 20.10.24, classic ``docker build`` with BuildKit)
-----------------------------------------------------------------------------------------
Every step (``RUN``, ``COPY``, ``ADD``, ``WORKDIR``; ``FROM`` is the start) gets a cache
key; a step is reused (``CACHED``) when its key is already in the cache. The key is made of:

* **the step's own definition**: its text as BuildKit reads it (variables in ``COPY``,
  ``ADD`` and ``WORKDIR`` paths expanded), and for ``RUN`` also the environment it runs in,
  the working folder, ``USER`` and ``SHELL``;
* **its parent**: the key of the step before it, so in a stage everything after the
  first miss reruns, and a stage built ``FROM`` another stage reruns when that one changed;
* **the content it reads**: for ``COPY``/``ADD`` from the context, the checksum of the
  files it copies, as sent after ``.dockerignore``: names, content and permission bits,
  never modification times (``touch`` changes nothing). ``COPY .`` reads every sent file,
  the Dockerfile and ``.dockerignore`` included unless ignored; an empty folder counts.

The environment of a ``RUN`` holds every ``ENV`` *and every* ``ARG`` *with a value* in
scope, so changing a build argument reruns the first ``RUN`` after its ``ARG`` line even
when the command never mentions it, while a ``COPY`` reruns only when the value appears
in its paths. A build argument nobody declares changes nothing. ``ARG`` values live in the
builder's state, so a stage built ``FROM`` that stage still sees them (Docker 20.10).
``LABEL``, ``EXPOSE``, ``CMD`` and the like are no steps: they never bust the cache.

**Content, not history, across stages.** ``COPY --from=build /out /app`` is keyed on the
*content* of ``/out`` in stage ``build``: when that stage reruns but writes byte-identical
files (for example only a step writing elsewhere reran), the copy is still ``CACHED``.
Whether a rerun ``RUN`` writes the same bytes cannot be known without running it, so
labkit assumes it does not (timestamps, logs, downloads) and marks such predictions
``uncertain``. Pass ``run_writes`` to say which paths a ``RUN`` writes; others are taken
to write anywhere.

Stages the target does not need are not built (``built=False``). Under ``--no-cache``
every ``RUN``/``COPY``/``ADD`` reruns, but a ``WORKDIR`` whose chain ran nothing new is
still reported ``CACHED``. BuildKit merges identical steps of different stages into one
reported step; :func:`compare` accepts either name for it.

The cache remembers more than the builds you pass as ``before``: a state some earlier build
(an earlier run of a notebook, another grading) already produced comes from the cache even
where labkit predicts a rerun. Give every edit something new (``harmless_edit(path,
note=...)``), as the tests, the lesson and the grader do.

Not modelled: ``ONBUILD`` triggers, heredocs, ``RUN --mount`` from other stages,
``--pull`` with a base image that changed upstream, and the cache being pruned
between builds. ``ADD`` of a URL is fetched on every build and keyed on what was
downloaded (a download seen before counts as cached, whatever the URL), which labkit cannot
know offline: it is predicted cached and ``uncertain``, and so are the steps after it.
"""

from __future__ import annotations

import fnmatch
import hashlib
import html
import os
import posixpath
import shutil
import stat as stat_module
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from . import dockerfiles
from ._exceptions import LabkitError

if TYPE_CHECKING:
    from .build import BuildResult
    from .buildlog import BuildStep
    from .display import Progress

__all__ = [
    "AddFile",
    "AddFolder",
    "Change",
    "Chmod",
    "Disagreement",
    "EditDockerfile",
    "EditFile",
    "Prediction",
    "Rebuild",
    "RemoveFile",
    "ReplaceText",
    "SetBuildArg",
    "Snapshot",
    "Touch",
    "compare",
    "harmless_edit",
    "html_table",
    "match",
    "predict",
    "predict_change",
    "rebuild_series",
    "series_table",
    "side_by_side",
]

#: The steps whose reruns :func:`compare` checks by default (as :attr:`labkit.BuildStep.cacheable`).
CHECKED = ("RUN", "COPY", "ADD")
DEFAULT_SHELL = ("/bin/sh", "-c")

RunWrites = Callable[[str], Iterable[str] | None]


# --------------------------------------------------------------------------- snapshots


def _digest(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:24]


def _entry_of(path: Path) -> tuple | None:
    """What BuildKit's checksum sees of one context entry: kind, permission bits, content or link target."""
    try:
        info = path.lstat()
    except OSError:
        return None
    mode = stat_module.S_IMODE(info.st_mode)
    if stat_module.S_ISLNK(info.st_mode):
        return ("link", os.readlink(path))
    if stat_module.S_ISDIR(info.st_mode):
        return ("dir", mode)
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return ("file", mode, digest.hexdigest())


@dataclass(frozen=True)
class Snapshot:
    """Everything the cache decisions of one build depend on, captured at one moment.

    ``entries`` maps each path the build context sends (after ``.dockerignore``) to what
    BuildKit's checksum sees of it: ``("file", mode, sha256)``, ``("dir", mode)`` or
    ``("link", target)``. Take one with :meth:`take`; :meth:`of` builds one from text for tests.
    """

    dockerfile_text: str
    entries: Mapping[str, tuple]
    build_args: Mapping[str, str] = field(default_factory=dict)
    target: str | None = None
    context: Path | None = None
    dockerfile: Path | None = None

    @classmethod
    def take(
        cls,
        context: str | os.PathLike[str],
        *,
        dockerfile: str | os.PathLike[str] | None = None,
        build_args: Mapping[str, str] | None = None,
        target: str | None = None,
    ) -> Snapshot:
        """Read a context as ``docker build`` would send it (:func:`labkit.context.analyse`) and checksum it.

        Raises:
            LabkitError: no context folder or no Dockerfile.
        """
        from . import context as context_module

        report = context_module.analyse(context, dockerfile=dockerfile)
        if report.dockerfile is None:
            raise LabkitError(f"no Dockerfile in {report.context}", hint="create it, or pass dockerfile= with its path")
        root = report.context
        entries: dict[str, tuple] = {}
        for rel in report.files:
            found = _entry_of(root / rel)
            if found is not None:
                entries[rel] = found
        sent_dirs = {posixpath.dirname(rel) for rel in report.files}
        sent_dirs = {"/".join(d.split("/")[: k + 1]) for d in sent_dirs if d for k in range(d.count("/") + 1)}
        for dirpath, dirnames, _ in os.walk(root):
            rel_dir = Path(dirpath).relative_to(root).as_posix()
            kept = []
            for name in dirnames:
                rel = name if rel_dir == "." else f"{rel_dir}/{name}"
                full = Path(dirpath) / name
                if full.is_symlink():
                    continue
                if rel in sent_dirs or not context_module.matches(report.patterns, rel, is_dir=True, semantics=report.semantics):
                    entries[rel] = _entry_of(full) or ("dir", 0o755)
                    kept.append(name)
                elif any(d.startswith(rel + "/") for d in sent_dirs):
                    kept.append(name)
            dirnames[:] = kept
        return cls(
            dockerfile_text=report.dockerfile.read_text(),
            entries=dict(sorted(entries.items())),
            build_args=dict(build_args or {}),
            target=target,
            context=root,
            dockerfile=report.dockerfile,
        )

    @classmethod
    def of(
        cls,
        dockerfile_text: str,
        files: Mapping[str, str | bytes] = (),  # type: ignore[assignment]
        *,
        modes: Mapping[str, int] | None = None,
        build_args: Mapping[str, str] | None = None,
        target: str | None = None,
    ) -> Snapshot:
        """A snapshot from text: ``files`` are the context as sent (``{"src/app.js": "..."}``), folders implied."""
        entries: dict[str, tuple] = {}
        for rel, content in dict(files).items():
            data = content.encode() if isinstance(content, str) else content
            entries[rel] = ("file", (modes or {}).get(rel, 0o644), hashlib.sha256(data).hexdigest())
            parts = rel.split("/")
            for k in range(1, len(parts)):
                entries.setdefault("/".join(parts[:k]), ("dir", 0o755))
        return cls(dockerfile_text, dict(sorted(entries.items())), dict(build_args or {}), target)


# --------------------------------------------------------------------------- changes


@dataclass(frozen=True)
class Change:
    """One change made between two builds. :meth:`apply` makes it in a folder (a private copy)."""

    def apply(self, folder: Path, *, dockerfile: Path, build_args: dict[str, str]) -> None:
        raise NotImplementedError

    def describe(self) -> str:
        return str(self)


def _inside(folder: Path, rel: str) -> Path:
    target = (folder / rel).resolve()
    if not target.is_relative_to(folder.resolve()):
        raise LabkitError(f"{rel} is outside the build context", hint="name a file inside the context folder")
    return target


@dataclass(frozen=True)
class EditFile(Change):
    """Append ``text`` to a file (a source edit; the default adds a comment line)."""

    path: str
    text: str = "\n// edited\n"

    def apply(self, folder: Path, *, dockerfile: Path, build_args: dict[str, str]) -> None:
        target = _inside(folder, self.path)
        if not target.is_file():
            raise LabkitError(f"no file {self.path} to edit", hint="choose a file of the context")
        with open(target, "a") as handle:
            handle.write(self.text)

    def describe(self) -> str:
        return f"edit {self.path}"


#: Comment syntax by file name ending, for edits that keep a file valid.
_COMMENTS = {".js": "//", ".ts": "//", ".mjs": "//", ".cjs": "//", ".go": "//", ".c": "//", ".java": "//", ".css": "/* */", ".html": "<!-- -->", ".md": "<!-- -->"}


def harmless_edit(path: str, note: str = "edited") -> EditFile:
    """An edit that changes a file's checksum and keeps it valid: a comment in its language, a blank line in JSON."""
    suffix = Path(path).suffix.lower()
    if suffix == ".json":
        return EditFile(path, "\n")
    marker = _COMMENTS.get(suffix, "#")
    if " " in marker:
        opening, closing = marker.split()
        return EditFile(path, f"\n{opening} {note} {closing}\n")
    return EditFile(path, f"\n{marker} {note}\n")


@dataclass(frozen=True)
class ReplaceText(Change):
    """Replace ``old`` with ``new`` in a file, once (``old`` must be there): an edit that keeps JSON valid."""

    path: str
    old: str
    new: str

    def apply(self, folder: Path, *, dockerfile: Path, build_args: dict[str, str]) -> None:
        target = _inside(folder, self.path)
        text = target.read_text() if target.is_file() else ""
        if self.old not in text:
            raise LabkitError(f"{self.old!r} is not in {self.path}", hint="quote a piece of the file exactly")
        target.write_text(text.replace(self.old, self.new, 1))

    def describe(self) -> str:
        return f"edit {self.path}: {self.old.strip()!r} → {self.new.strip()!r}"


@dataclass(frozen=True)
class AddFile(Change):
    path: str
    text: str = "new file\n"

    def apply(self, folder: Path, *, dockerfile: Path, build_args: dict[str, str]) -> None:
        target = _inside(folder, self.path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.text)

    def describe(self) -> str:
        return f"add {self.path}"


@dataclass(frozen=True)
class RemoveFile(Change):
    path: str

    def apply(self, folder: Path, *, dockerfile: Path, build_args: dict[str, str]) -> None:
        _inside(folder, self.path).unlink()

    def describe(self) -> str:
        return f"remove {self.path}"


@dataclass(frozen=True)
class AddFolder(Change):
    """An empty folder: sent with the context, so it changes ``COPY .`` and copies of its parent."""

    path: str

    def apply(self, folder: Path, *, dockerfile: Path, build_args: dict[str, str]) -> None:
        _inside(folder, self.path).mkdir(parents=True, exist_ok=True)

    def describe(self) -> str:
        return f"add empty folder {self.path}"


@dataclass(frozen=True)
class Touch(Change):
    """Change only the modification time: BuildKit ignores it."""

    path: str

    def apply(self, folder: Path, *, dockerfile: Path, build_args: dict[str, str]) -> None:
        target = _inside(folder, self.path)
        info = target.stat()
        os.utime(target, (info.st_atime + 3600, info.st_mtime + 3600))

    def describe(self) -> str:
        return f"touch {self.path} (modification time only)"


@dataclass(frozen=True)
class Chmod(Change):
    path: str
    mode: int = 0o755

    def apply(self, folder: Path, *, dockerfile: Path, build_args: dict[str, str]) -> None:
        os.chmod(_inside(folder, self.path), self.mode)

    def describe(self) -> str:
        return f"chmod {self.mode:o} {self.path}"


@dataclass(frozen=True)
class SetBuildArg(Change):
    """Pass ``--build-arg NAME=VALUE`` (``value=None`` stops passing it)."""

    name: str
    value: str | None

    def apply(self, folder: Path, *, dockerfile: Path, build_args: dict[str, str]) -> None:
        if self.value is None:
            build_args.pop(self.name, None)
        else:
            build_args[self.name] = self.value

    def describe(self) -> str:
        return f"--build-arg {self.name}={self.value}" if self.value is not None else f"no --build-arg {self.name}"


@dataclass(frozen=True)
class EditDockerfile(Change):
    """Replace ``old`` with ``new`` in the Dockerfile text (once; ``old`` must be there)."""

    old: str
    new: str

    def apply(self, folder: Path, *, dockerfile: Path, build_args: dict[str, str]) -> None:
        text = dockerfile.read_text()
        if self.old not in text:
            raise LabkitError(f"{self.old!r} is not in the Dockerfile", hint="quote a piece of the Dockerfile exactly")
        dockerfile.write_text(text.replace(self.old, self.new, 1))

    def describe(self) -> str:
        return f"Dockerfile: {self.old.strip()!r} → {self.new.strip()!r}"


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Prediction:
    """Whether one step of the next build reruns, and why.

    ``stage`` and ``position`` are what BuildKit prints (``[build 3/5]``): ``stage`` is None
    in a single-stage build, else the alias or ``stage-N``. ``uncertain`` predictions depend
    on what a rerun ``RUN`` writes (see the module notes); ``built`` is False for stages the
    target does not need.
    """

    stage: str | None
    position: int
    instruction: str
    arguments: str
    line: int
    reruns: bool
    reason: str
    built: bool = True
    uncertain: bool = False
    key: str = field(default="", repr=False, compare=False)

    @property
    def label(self) -> str:
        where = f"{self.stage} " if self.stage else ""
        return f"[{where}{self.position}] {self.instruction} {self.arguments}".strip()

    @property
    def verdict(self) -> str:
        if not self.built:
            return "not built"
        return "reruns" if self.reruns else "cached"


@dataclass(frozen=True)
class Disagreement:
    """A step where the prediction and the engine differ."""

    prediction: Prediction | None
    step: BuildStep | None
    detail: str

    def __str__(self) -> str:
        return self.detail


# --------------------------------------------------------------------------- shell words


def _expand(word: str, env: Mapping[str, str]) -> str:
    """BuildKit's shell-word processing for COPY/ADD/WORKDIR/ENV/ARG: quotes removed, ``$VAR`` expanded."""
    out: list[str] = []
    i, n = 0, len(word)
    quote: str | None = None
    while i < n:
        ch = word[i]
        if quote == "'":
            if ch == "'":
                quote = None
            else:
                out.append(ch)
            i += 1
            continue
        if ch == "\\" and i + 1 < n:
            nxt = word[i + 1]
            if quote == '"' and nxt not in '"$\\':
                out.append(ch)
            out.append(nxt)
            i += 2
            continue
        if ch in "'\"" and (quote is None or quote == ch):
            if ch == "'" and quote is None:
                quote = "'"
            else:
                quote = None if quote == ch else ch
            i += 1
            continue
        if ch == "$" and i + 1 < n:
            value, i = _variable(word, i + 1, env)
            out.append(value)
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _variable(word: str, i: int, env: Mapping[str, str]) -> tuple[str, int]:
    if word[i] == "{":
        end = word.find("}", i)
        if end < 0:
            return "${" + word[i + 1 :], len(word)
        body = word[i + 1 : end]
        for op in (":-", ":+", "-", "+"):
            name, sep, alt = body.partition(op)
            if sep and name.replace("_", "a").isalnum():
                value = env.get(name)
                if op == ":-":
                    return (value if value else _expand(alt, env)), end + 1
                if op == ":+":
                    return (_expand(alt, env) if value else ""), end + 1
                if op == "-":
                    return (value if value is not None else _expand(alt, env)), end + 1
                return (_expand(alt, env) if value is not None else ""), end + 1
        return env.get(body, ""), end + 1
    j = i
    while j < len(word) and (word[j].isalnum() or word[j] == "_"):
        j += 1
    if j == i:
        return "$", i
    return env.get(word[i:j], ""), j


# --------------------------------------------------------------------------- the model


@dataclass
class _Writer:
    """Something that put files into a stage's filesystem, for content comparisons across stages."""

    ident: tuple[int, int]
    kind: str
    paths: tuple[tuple[str, bool], ...] | None  # (path, whole subtree); None: anywhere
    token: str
    label: str

    def touches(self, path: str) -> bool:
        if self.paths is None or path == "/":
            return True
        for written, subtree in self.paths:
            if written == path or written.startswith(path + "/") or (subtree and (path.startswith(written.rstrip("/") + "/") or written == "/")):
                return True
        return False


@dataclass
class _Step:
    stage: int
    stage_name: str | None
    position: int
    instruction: str
    arguments: str
    line: int
    key: str
    parent: _Step | None
    op: tuple
    content: object = None
    built: bool = True
    from_stage: int | None = None
    url: bool = False
    env: tuple = ()
    origin: dict = field(default_factory=dict)


@dataclass
class _Stage:
    index: int
    alias: str | None
    commands: list
    base_ref: str
    base_stage: int | None
    line: int = 0
    display: str | None = None
    env: list = field(default_factory=list)  # [(name, value, origin)]
    workdir: str = "/"
    user: str = ""
    shell: tuple = DEFAULT_SHELL
    last: _Step | None = None
    writers: list = field(default_factory=list)
    steps: list = field(default_factory=list)
    done: bool = False
    deps: set = field(default_factory=set)


def _env_set(env: list, name: str, value: str, origin: str) -> None:
    env[:] = [e for e in env if e[0] != name]
    env.append((name, value, origin))


def _clean(path: str) -> str:
    cleaned = posixpath.normpath("/" + path)
    return "/" if cleaned in ("/", "//") else cleaned.replace("//", "/")


class _Plan:
    """One build as BuildKit would plan it: every stage's steps with their cache keys."""

    def __init__(self, snap: Snapshot, *, cached: set[str] | None, no_cache: bool, run_writes: RunWrites | None) -> None:
        self.snap = snap
        self.cached = cached
        self.no_cache = no_cache
        self.run_writes = run_writes
        commands = dockerfiles.parse(snap.dockerfile_text)
        self.meta: dict[str, str | None] = {}
        self.stages: list[_Stage] = []
        aliases: dict[str, int] = {}
        for command in commands:
            name = command.cmd.upper()
            if name == "FROM":
                values = list(command.value)
                alias = values[2].lower() if len(values) >= 3 and values[1].upper() == "AS" else None
                ref = _expand(values[0], {k: v for k, v in self.meta.items() if v is not None})
                platform = next((f for f in command.flags if f.lower().startswith("--platform")), "")
                base_stage = aliases.get(ref.lower())
                self.stages.append(_Stage(len(self.stages), alias, [], ref + (f" {platform}" if platform else ""), base_stage, command.start_line))
                if alias:
                    aliases[alias] = len(self.stages) - 1
            elif not self.stages:
                if name == "ARG":
                    for item in command.value:
                        key, eq, default = item.partition("=")
                        if key in snap.build_args:
                            self.meta[key] = snap.build_args[key]
                        else:
                            self.meta[key] = _expand(default, {k: v for k, v in self.meta.items() if v is not None}) if eq else None
            else:
                self.stages[-1].commands.append(command)
        if not self.stages:
            raise LabkitError("the Dockerfile has no FROM line", hint="start it with FROM and a base image")
        self.aliases = aliases
        images: set[str] = set()
        for stage in self.stages:
            if stage.base_stage is not None:
                stage.deps.add(stage.base_stage)
            for command in stage.commands:
                ref = self._from_flag(command)
                if ref is None:
                    continue
                found = self._stage_ref(ref)
                if found is None:
                    images.add(ref)
                else:
                    stage.deps.add(found)
        multi = len(self.stages) + len(images) > 1
        for stage in self.stages:
            stage.display = (stage.alias or f"stage-{stage.index}") if multi else None
        target = snap.target.lower() if snap.target else None
        if target is not None and target not in aliases:
            raise LabkitError(f"no stage named {snap.target!r} to build", hint="--target names a stage alias (FROM ... AS name)")
        final = aliases[target] if target is not None else len(self.stages) - 1
        self.needed: set[int] = set()
        pending = [final]
        while pending:
            index = pending.pop()
            if index not in self.needed:
                self.needed.add(index)
                pending.extend(self.stages[index].deps)
        self._fresh_count = 0
        for stage in self.stages:
            self._dispatch(stage)

    # -- references

    @staticmethod
    def _from_flag(command) -> str | None:
        if command.cmd.upper() not in ("COPY", "ADD"):
            return None
        for flag in command.flags:
            if flag.lower().startswith("--from="):
                return flag.split("=", 1)[1]
        return None

    def _stage_ref(self, ref: str) -> int | None:
        if ref.isdigit():
            return int(ref) if int(ref) < len(self.stages) else None
        return self.aliases.get(ref.lower())

    @property
    def steps(self) -> list[_Step]:
        return [step for stage in self.stages for step in stage.steps]

    # -- dispatch

    def _dispatch(self, stage: _Stage) -> None:
        if stage.done:
            return
        stage.done = True
        for dep in stage.deps:
            if dep != stage.index:
                self._dispatch(self.stages[dep])
        built = stage.index in self.needed
        position = 0
        if stage.base_stage is not None:
            base = self.stages[stage.base_stage]
            stage.env, stage.workdir, stage.user, stage.shell = list(base.env), base.workdir, base.user, base.shell
            stage.last, stage.writers = base.last, list(base.writers)
        else:
            position = 1
            key = _digest("FROM", stage.base_ref)
            step = _Step(stage.index, stage.display, 1, "FROM", stage.base_ref, stage.line, key, None, ("FROM", stage.base_ref), built=built)
            stage.steps.append(step)
            stage.last = step
            stage.writers = [_Writer((stage.index, 1), "FROM", None, key, f"FROM {stage.base_ref}")]
        build_args: list[str] = []
        for command in stage.commands:
            name = command.cmd.upper()
            env = {e[0]: e[1] for e in stage.env}
            if name == "ENV":
                values = list(command.value)
                for k in range(0, len(values) - 1, 2):
                    _env_set(stage.env, values[k], _expand(values[k + 1], env), "ENV")
                    env = {e[0]: e[1] for e in stage.env}
            elif name == "ARG":
                for item in command.value:
                    key_name, eq, default = item.partition("=")
                    value: str | None
                    if key_name in self.snap.build_args:
                        value = self.snap.build_args[key_name]
                    elif eq:
                        value = _expand(default, env)
                    else:
                        value = self.meta.get(key_name)
                    build_args.append(key_name)
                    if value is not None:
                        _env_set(stage.env, key_name, value, "ARG")
                        env = {e[0]: e[1] for e in stage.env}
            elif name == "USER":
                stage.user = _expand(command.value[0], env)
            elif name == "SHELL":
                stage.shell = tuple(command.value)
            elif name == "WORKDIR":
                path = _expand(command.value[0], env)
                workdir = _clean(posixpath.join(stage.workdir, path))
                stage.workdir = workdir
                if workdir != "/":
                    position += 1
                    op = ("WORKDIR", workdir, stage.user)
                    self._add(stage, position, command, op, _digest(op, stage.last.key if stage.last else ""), built)
                    stage.writers.append(_Writer((stage.index, position), "WORKDIR", ((workdir, False),), _digest(op), f"WORKDIR {workdir}"))
            elif name == "RUN":
                position += 1
                args = tuple(command.value) if command.json else (*stage.shell, " ".join(command.value))
                run_env = tuple((e[0], e[1]) for e in stage.env)
                op = ("RUN", tuple(command.flags), args, run_env, stage.workdir, stage.user)
                step = self._add(stage, position, command, op, _digest(op, stage.last.key if stage.last else ""), built)
                step.env, step.origin = run_env, {e[0]: e[2] for e in stage.env}
                writes = self.run_writes(" ".join(command.value)) if self.run_writes else None
                paths = None if writes is None else tuple((_clean(p), True) for p in writes)
                stage.writers.append(_Writer((stage.index, position), "RUN", paths, self._run_token(step), f"RUN {_short(command)}"))
            elif name in ("COPY", "ADD"):
                position += 1
                self._copy(stage, position, command, env, built)

    def _run_token(self, step: _Step) -> str:
        if self.cached is None or (step.key in self.cached and not self.no_cache):
            return step.key
        self._fresh_count += 1
        return f"fresh:{step.key}:{self._fresh_count}"

    def _add(self, stage: _Stage, position: int, command, op: tuple, key: str, built: bool, content=None) -> _Step:
        step = _Step(stage.index, stage.display, position, command.cmd.upper(), _arguments(command), command.start_line, key, stage.last, op, content, built)
        stage.steps.append(step)
        stage.last = step
        return step

    def _copy(self, stage: _Stage, position: int, command, env: Mapping[str, str], built: bool) -> None:
        name = command.cmd.upper()
        words = [_expand(v, env) for v in command.value]
        sources, dest = words[:-1], words[-1]
        dest_abs = dest if dest.startswith("/") else posixpath.join(stage.workdir, dest)
        dest_dir = dest.endswith("/") or dest in (".", "./") or len(sources) > 1
        flags = tuple(f for f in command.flags if not f.lower().startswith("--from="))
        ref = self._from_flag(command)
        op = (name, flags, tuple(sources), dest_abs, ref)
        parent = stage.last.key if stage.last else ""
        if ref is None:
            urls = [s for s in sources if name == "ADD" and (s.startswith(("http://", "https://", "git@")) or s.endswith(".git"))]
            selections = {s: self._select(s) for s in sources if s not in urls}
            content = ("context", tuple(sorted((s, tuple(sorted(sel.items()))) for s, sel in selections.items())), tuple(urls))
            step = self._add(stage, position, command, op, _digest(op, parent, content), built, content)
            step.url = bool(urls)
            written: list[tuple[str, bool]] = []
            for source, selection in selections.items():
                root = self._source_root(source)
                if root is not None and self.snap.entries.get(root, ("dir",))[0] == "dir":
                    for rel in selection:
                        inner = rel[len(root) + 1 :] if root else rel
                        if inner:
                            written.append((_clean(posixpath.join(dest_abs, inner)), False))
                    written.append((_clean(dest_abs), False))
                elif root is None:
                    written.append((_clean(dest_abs), True))  # a wildcard may match folders: anything below dest
                else:
                    for rel in selection:
                        if dest_dir:
                            written.append((_clean(posixpath.join(dest_abs, posixpath.basename(rel))), False))
                        else:
                            written += [(_clean(dest_abs), False), (_clean(posixpath.join(dest_abs, posixpath.basename(rel))), False)]
            paths: tuple | None = tuple(written) + tuple((_clean(dest_abs), True) for _ in urls)
            token = _digest(op, content)
        else:
            found = self._stage_ref(ref)
            if found is None:
                content = ("image", ref, tuple(sources))
                from_stage = None
            else:
                source_stage = self.stages[found]
                content = ("stage", tuple((s, tuple((w.ident, w.kind, w.token) for w in source_stage.writers if w.touches(_source_path(s)))) for s in sources))
                from_stage = found
            step = self._add(stage, position, command, op, _digest(op, parent, content), built, content)
            step.from_stage = from_stage
            paths = ((_clean(dest_abs), True),)
            token = _digest(op, content)
        stage.writers.append(_Writer((stage.index, position), name, paths, token, f"{name} {_short(command)}"))

    @staticmethod
    def _source_root(source: str) -> str | None:
        """The context path a source names ("" for the whole context), or None for a wildcard."""
        if any(c in source for c in "*?["):
            return None
        cleaned = _clean(source).lstrip("/")
        return cleaned

    def _select(self, source: str) -> dict[str, tuple]:
        """The context entries a COPY source reads, keyed by path."""
        entries = self.snap.entries
        root = self._source_root(source)
        if root is None:
            pattern = _clean(source).lstrip("/").split("/")
            roots = [p for p in entries if len(p.split("/")) == len(pattern) and all(fnmatch.fnmatchcase(a, b) for a, b in zip(p.split("/"), pattern))]
        elif root == "":
            return dict(entries)
        else:
            roots = [root] if root in entries else []
            if roots and entries[root][0] == "link":
                target = _clean(posixpath.join(posixpath.dirname(root), entries[root][1])).lstrip("/")
                if target in entries:
                    roots = [target]
        selected: dict[str, tuple] = {}
        for found in roots:
            selected[found] = entries[found]
            if entries[found][0] == "dir":
                selected.update({p: e for p, e in entries.items() if p.startswith(found + "/")})
        if not selected:
            selected[source] = ("missing",)
        return selected


def _source_path(source: str) -> str:
    """The folder a COPY --from source reads, wildcards cut off."""
    parts = []
    for part in _clean(source).split("/"):
        if any(c in part for c in "*?["):
            break
        parts.append(part)
    return _clean("/".join(parts))


def _arguments(command) -> str:
    """The instruction's text after its keyword, with line continuations' runs of spaces collapsed."""
    parts = command.original.split(None, 1)
    return " ".join(parts[1].split()) if len(parts) > 1 else ""


def _short(command, limit: int = 40) -> str:
    text = _arguments(command)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- prediction


def predict(
    before: Snapshot | Sequence[Snapshot] | None,
    after: Snapshot,
    *,
    no_cache: bool = False,
    run_writes: RunWrites | None = None,
) -> list[Prediction]:
    """Which steps of a build of ``after`` rerun, when the cache holds a build of ``before``.

    Args:
        before: the last build, or every earlier build still in the cache (None: nothing cached,
            every step runs).
        after: the build to predict.
        no_cache: the build uses ``--no-cache``.
        run_writes: given a RUN's text, the paths it writes (None: anywhere), for ``COPY --from``.

    Returns:
        one :class:`Prediction` per step, stage by stage in Dockerfile order, ``FROM`` included.

    Raises:
        LabkitError: a Dockerfile does not parse or the target stage does not exist.

    >>> before = Snapshot.of("FROM busybox\\nCOPY a.txt /\\nRUN echo hi\\n", {"a.txt": "1"})
    >>> after = Snapshot.of("FROM busybox\\nCOPY a.txt /\\nRUN echo hi\\n", {"a.txt": "2"})
    >>> [(p.instruction, p.reruns) for p in predict(before, after)][1:]
    [('COPY', True), ('RUN', True)]
    """
    earlier = [] if before is None else [before] if isinstance(before, Snapshot) else list(before)
    plans = [_Plan(snap, cached=None, no_cache=False, run_writes=run_writes) for snap in earlier]
    cached = {s.key for plan in plans for s in plan.steps if s.built}
    new = _Plan(after, cached=cached, no_cache=no_cache, run_writes=run_writes)
    return _Explainer(plans[-1] if plans else None, new, cached, no_cache).predictions()


class _Explainer:
    def __init__(self, old: _Plan | None, new: _Plan, cached: set[str], no_cache: bool) -> None:
        self.old, self.new, self.cached, self.no_cache = old, new, cached, no_cache
        self.reruns: dict[int, bool] = {}
        self.uncertain: dict[int, bool] = {}
        self.first_miss: dict[int, _Step] = {}
        self.counterparts: dict[tuple, list[_Step]] = {}
        self.by_position: dict[tuple, _Step] = {}
        if old is not None:
            for step in old.steps:
                if step.built:
                    self.counterparts.setdefault((step.stage, step.instruction, step.arguments), []).append(step)
                    self.by_position[(step.stage, step.position)] = step
        self.stage_reran: dict[int, list[_Step]] = {}

    def counterpart(self, step: _Step, seen: dict[tuple, int]) -> _Step | None:
        ident = (step.stage, step.instruction, step.arguments)
        index = seen.get(ident, 0)
        seen[ident] = index + 1
        candidates = self.counterparts.get(ident, [])
        if index < len(candidates):
            return candidates[index]
        found = self.by_position.get((step.stage, step.position))
        return found if found is not None and found.instruction == step.instruction else None

    def predictions(self) -> list[Prediction]:
        out: list[Prediction] = []
        seen: dict[tuple, int] = {}
        for stage in self.new.stages:
            for step in stage.steps:
                out.append(self._one(stage, step, self.counterpart(step, seen)))
        return out

    def _one(self, stage: _Stage, step: _Step, twin: _Step | None) -> Prediction:
        def made(reruns: bool, reason: str, uncertain: bool = False, built: bool = True) -> Prediction:
            self.reruns[id(step)] = reruns and built
            self.uncertain[id(step)] = uncertain
            if reruns and built:
                self.stage_reran.setdefault(step.stage, []).append(step)
            return Prediction(step.stage_name, step.position, step.instruction, step.arguments, step.line, reruns and built, reason, built, uncertain, step.key)

        if not step.built:
            return made(False, f"not built: the target does not need stage {stage.display or stage.index}", built=False)
        parent = step.parent
        parent_reran = parent is not None and self.reruns.get(id(parent), False)
        if step.instruction == "FROM":
            if self.old is None:
                return made(False, "the base image is used as it is (pulled only if missing)")
            if step.key in self.cached:
                return made(False, "same base image")
            return made(True, f"the base image changed to {step.arguments}" + (f" (was {twin.arguments})" if twin else ""))
        if self.no_cache and step.instruction in CHECKED:
            return made(True, "--no-cache: every RUN, COPY and ADD runs again")
        if self.no_cache and step.instruction == "WORKDIR" and not parent_reran:
            return made(False, "WORKDIR is reused even with --no-cache when nothing before it ran")
        if self.old is None:
            return made(True, "nothing is cached yet: a first build runs every step")
        if step.key in self.cached and not (self.no_cache and parent_reran):
            after_download = parent is not None and self.uncertain.get(id(parent), False)
            reason = self._why_cached(step, twin)
            if after_download and not step.url:
                reason += "; if the download before it changed, this reruns too"
            return made(False, reason, step.url or after_download)
        if parent_reran and (parent.key not in self.cached or self.no_cache):
            first = self.first_miss.get(id(parent), parent)
            self.first_miss[id(step)] = first
            uncertain = self.uncertain.get(id(parent), False)
            if parent.stage != step.stage:
                return made(True, f"its base stage {self._stage_label(parent.stage)} changed", uncertain)
            if first.instruction == "FROM":
                return made(True, "the base image changed", uncertain)
            return made(True, f"after the first miss (line {first.line}: {first.instruction} {_clip(first.arguments)})", uncertain)
        if twin is None:
            return made(True, "a new instruction: nothing in the cache matches it")
        reason, uncertain = self._why_rerun(step, twin)
        return made(True, reason, uncertain)

    def _stage_label(self, index: int) -> str:
        stage = self.new.stages[index]
        return stage.alias or f"stage-{index}"

    def _why_cached(self, step: _Step, twin: _Step | None) -> str:
        if step.url:
            return "same URL: BuildKit downloads it again and reruns only if the download changed"
        if step.from_stage is not None and self.stage_reran.get(step.from_stage):
            return f"stage {self._stage_label(step.from_stage)} reran, but what this step copies from it is byte-identical (BuildKit compares content)"
        if step.instruction in ("COPY", "ADD") and step.content and step.content[0] == "context":
            return "same instruction, same files"
        if step.instruction == "RUN":
            return "same command, environment and parent"
        return "unchanged"

    def _why_rerun(self, step: _Step, twin: _Step) -> tuple[str, bool]:
        if step.instruction == "RUN":
            if step.op[1:3] != twin.op[1:3]:
                return "the command changed (the Dockerfile was edited)", False
            if step.env != twin.env:
                return _env_change(dict(twin.env), dict(step.env), step.origin, twin.origin), False
            if step.op[4] != twin.op[4]:
                return f"the working folder changed ({twin.op[4]} → {step.op[4]})", False
            if step.op[5] != twin.op[5]:
                return f"USER changed ({twin.op[5] or 'root'} → {step.op[5] or 'root'})", False
            return "its definition changed", False
        if step.instruction == "WORKDIR":
            return "the folder changed (the Dockerfile was edited)", False
        if step.op != twin.op:
            if step.arguments == twin.arguments:
                return f"its paths expand differently ({' '.join(twin.op[2])} {twin.op[3]} → {' '.join(step.op[2])} {step.op[3]}): a build arg or ENV it uses changed", False
            return "the instruction changed (the Dockerfile was edited)", False
        if step.content and step.content[0] == "context" and twin.content and twin.content[0] == "context":
            return _file_change(twin.content, step.content), False
        if step.from_stage is not None:
            return self._why_from(step, twin)
        return "its inputs changed", False

    def _why_from(self, step: _Step, twin: _Step) -> tuple[str, bool]:
        label = self._stage_label(step.from_stage)
        changed = []
        only_runs = True
        for (source, new_writers), (_, old_writers) in zip(step.content[1], twin.content[1]):
            if new_writers == old_writers:
                continue
            old_by_id = {w[0]: w for w in old_writers}
            new_ids = [w[0] for w in new_writers]
            if new_ids != [w[0] for w in old_writers]:
                only_runs = False
            for writer in new_writers:
                if old_by_id.get(writer[0]) != writer:
                    changed.append(writer)
                    only_runs = only_runs and writer[1] == "RUN"
        writers = {w.ident: w for w in self.new.stages[step.from_stage].writers}
        names = [writers[w[0]].label for w in changed if w[0] in writers][:2]
        what = f" ({'; '.join(names)})" if names else ""
        if only_runs:
            return f"stage {label} reran a RUN that writes what this step copies{what}; BuildKit compares content, so it reruns only if those bytes changed (assumed)", True
        return f"the files it copies from stage {label} changed{what}", False


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _env_change(old: dict, new: dict, origin: dict, old_origin: dict) -> str:
    parts = []
    for name in sorted(set(old) | set(new)):
        if old.get(name) == new.get(name):
            continue
        kind = "build arg" if (origin.get(name) or old_origin.get(name)) == "ARG" else "ENV"
        if name not in old:
            parts.append(f"{kind} {name} is now set ({new[name]!r})")
        elif name not in new:
            parts.append(f"{kind} {name} is no longer set")
        else:
            parts.append(f"{kind} {name} changed ({old[name]!r} → {new[name]!r})")
    if not parts:
        return "the order of its environment variables changed"
    return "; ".join(parts[:3]) + ": RUN sees every ARG and ENV in scope"


def _file_change(old_content: tuple, new_content: tuple) -> str:
    old: dict[str, tuple] = {}
    new: dict[str, tuple] = {}
    for _, selection in old_content[1]:
        old.update(dict(selection))
    for _, selection in new_content[1]:
        new.update(dict(selection))
    edited = [p for p in new if p in old and new[p] != old[p] and new[p][0] == old[p][0] == "file" and new[p][2] != old[p][2]]
    modes = [p for p in new if p in old and new[p] != old[p] and p not in edited]
    added = [p for p in new if p not in old and new[p][0] != "missing"]
    removed = [p for p in old if p not in new and old[p][0] != "missing"]
    added_dirs = [p for p in added if new[p][0] == "dir" and not any(q.startswith(p + "/") for q in added)]
    removed_dirs = [p for p in removed if old[p][0] == "dir" and not any(q.startswith(p + "/") for q in removed)]
    added = [p for p in added if new[p][0] != "dir"]
    removed = [p for p in removed if old[p][0] != "dir"]
    parts = []
    for paths, single, plural in (
        (edited, "source file {} changed", "source files {} changed"),
        (added, "file {} added", "files {} added"),
        (removed, "file {} removed", "files {} removed"),
        (added_dirs, "folder {} added", "folders {} added"),
        (removed_dirs, "folder {} removed", "folders {} removed"),
        (modes, "permissions of {} changed", "permissions of {} changed"),
    ):
        if paths:
            shown = ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
            parts.append((single if len(paths) == 1 else plural).format(shown))
    return "; ".join(parts) or "the files it copies changed"


def predict_change(
    context: str | os.PathLike[str],
    change: Change | Sequence[Change],
    *,
    dockerfile: str | os.PathLike[str] | None = None,
    build_args: Mapping[str, str] | None = None,
    target: str | None = None,
    run_writes: RunWrites | None = None,
    earlier: Sequence[Snapshot] | None = None,
) -> list[Prediction]:
    """Predict a rebuild after ``change``, made on a private copy: the context itself is never touched.

    ``earlier`` are the snapshots of the builds still in the cache (default: the context as it is now).

    >>> predict_change("labkit/samples/hello", EditFile("greeting.txt"))   # doctest: +SKIP
    """
    source = Path(context)
    file = Path(dockerfile) if dockerfile else source / "Dockerfile"
    if not file.is_absolute() and not file.exists():
        file = source / file
    with tempfile.TemporaryDirectory(prefix="labkit-predict-") as scratch:
        copy = Path(scratch) / "context"
        shutil.copytree(source, copy, symlinks=True)
        inside = file.resolve().is_relative_to(source.resolve())
        copied_file = copy / file.resolve().relative_to(source.resolve()) if inside else Path(scratch) / file.name
        if not inside:
            shutil.copy2(file, copied_file)
        args = dict(build_args or {})
        before = Snapshot.take(copy, dockerfile=copied_file, build_args=args, target=target)
        for one in [change] if isinstance(change, Change) else change:
            one.apply(copy, dockerfile=copied_file, build_args=args)
        after = Snapshot.take(copy, dockerfile=copied_file, build_args=args, target=target)
        return predict(list(earlier) if earlier else before, after, run_writes=run_writes)


# --------------------------------------------------------------------------- checking against the engine


def match(predictions: Sequence[Prediction], result: BuildResult) -> list[tuple[Prediction, BuildStep | None]]:
    """Pair each prediction with the step the engine reported at the same stage and position.

    A step BuildKit merged with an identical one of another stage is paired with that one.
    """
    steps = {(s.stage, s.position[0]): s for s in result.steps if s.position}
    by_key: dict[str, BuildStep] = {}
    pairs: list[tuple[Prediction, BuildStep | None]] = []
    for prediction in predictions:
        step = steps.get((prediction.stage, prediction.position)) if prediction.built else None
        if step is not None and step.instruction != prediction.instruction:
            step = None
        if step is not None and prediction.key:
            by_key.setdefault(prediction.key, step)
        pairs.append((prediction, step))
    return [(p, s if s is not None or not p.built else by_key.get(p.key)) for p, s in pairs]


def compare(
    predictions: Sequence[Prediction],
    result: BuildResult,
    *,
    instructions: Sequence[str] = CHECKED,
    include_uncertain: bool = True,
) -> list[Disagreement]:
    """Every step where the engine did otherwise than predicted (an empty list: the prediction held).

    Args:
        predictions: from :func:`predict` for the build that produced ``result``.
        result: the real build.
        instructions: which steps to check (default RUN, COPY, ADD; add "WORKDIR" to check those too).
        include_uncertain: also check predictions that depend on what a RUN wrote.
    """
    wanted = {i.upper() for i in instructions}
    found: list[Disagreement] = []
    reported = {(s.stage, s.position[0]) for s in result.steps if s.position}
    for prediction, step in match(predictions, result):
        if prediction.instruction not in wanted or (prediction.uncertain and not include_uncertain):
            continue
        if not prediction.built:
            if (prediction.stage, prediction.position) in reported:
                found.append(Disagreement(prediction, None, f"{prediction.label}: predicted not built (stage not needed), but the engine built it"))
            continue
        if step is None:
            found.append(Disagreement(prediction, None, f"{prediction.label}: predicted {prediction.verdict}, but the engine reported no such step"))
        elif step.cached == prediction.reruns:
            actual = "CACHED" if step.cached else "ran"
            found.append(Disagreement(prediction, step, f"{prediction.label}: predicted {prediction.verdict} ({prediction.reason}), but it {actual}"))
    predicted = {(p.stage, p.position) for p in predictions if p.built}
    for step in result.steps:
        if step.position and step.instruction in wanted and (step.stage, step.position[0]) not in predicted:
            found.append(Disagreement(None, step, f"{step.label}: reported by the engine, but not predicted"))
    return found


def side_by_side(predictions: Sequence[Prediction], result: BuildResult | None = None) -> list[dict[str, object]]:
    """One row per step: predicted, actual (when a result is given), seconds, agreement and the reason."""
    rows = []
    pairs = match(predictions, result) if result is not None else [(p, None) for p in predictions]
    for prediction, step in pairs:
        row: dict[str, object] = {
            "stage": prediction.stage or "",
            "step": f"{prediction.instruction} {_clip(prediction.arguments, 50)}",
            "predicted": prediction.verdict + (" (uncertain)" if prediction.uncertain else ""),
        }
        if result is not None:
            actual = "—" if step is None else ("cached" if step.cached else "ran")
            row["actual"] = actual
            row["seconds"] = None if step is None else step.seconds
            cacheable = prediction.instruction in CHECKED
            row["agrees"] = None if (step is None or not cacheable) else (step.cached != prediction.reruns)
        row["reason"] = prediction.reason
        rows.append(row)
    return rows


def html_table(rows: Sequence[Mapping[str, object]]) -> str:
    """Rows from :func:`side_by_side` as an HTML table for a notebook."""
    if not rows:
        return "<p>(no steps)</p>"
    columns = list(rows[0])

    def cell(value: object) -> str:
        if value is None:
            return ""
        if value is True:
            return "✅"
        if value is False:
            return "❌"
        if isinstance(value, float):
            return f"{value:.1f} s"
        return html.escape(str(value))

    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td style='text-align:left'>{cell(r.get(c))}</td>" for c in columns) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


# --------------------------------------------------------------------------- measuring a series of rebuilds


@dataclass
class Rebuild:
    """One build of a series: the change made before it, what was predicted, and what the engine did."""

    scenario: str
    change: Change | Sequence[Change] | None
    predictions: list[Prediction]
    result: BuildResult

    @property
    def disagreements(self) -> list[Disagreement]:
        return compare(self.predictions, self.result)

    @property
    def rerun(self) -> list[BuildStep]:
        """The RUN/COPY/ADD steps that ran (not from the cache)."""
        return [s for s in self.result.cacheable_steps if not s.cached]


def rebuild_series(
    context: str | os.PathLike[str],
    changes: Mapping[str, Change | Sequence[Change] | None],
    *,
    dockerfile: str | os.PathLike[str] | None = None,
    build_args: Mapping[str, str] | None = None,
    cold: bool = True,
    progress: Progress | Literal["auto", "terminal"] | None = "auto",
) -> dict[str, Rebuild]:
    """Build a private copy of ``context`` once, then again after each change in turn, predicting each build first.

    Args:
        context: the sample or project folder; it is copied, never edited.
        changes: ``{scenario: change}`` applied one after the other (``None``: rebuild with no change).
        dockerfile: the Dockerfile, in the context (a name) or anywhere (a path).
        cold: make the first build with ``--no-cache`` so it runs every step, as on a new machine.
        progress: passed to :func:`labkit.build`.

    Returns:
        ``{"cold": ..., **{scenario: ...}}`` in build order.

    >>> series = rebuild_series(labkit.sample("python-api"), {"source edit": EditFile("app.py", "# x\\n")})  # doctest: +SKIP
    >>> series["source edit"].result.seconds                                                           # doctest: +SKIP
    """
    from .build import build

    source = Path(context)
    file = Path(dockerfile) if dockerfile else source / "Dockerfile"
    if not file.is_absolute() and not file.exists():
        file = source / file
    args = dict(build_args or {})
    out: dict[str, Rebuild] = {}
    with tempfile.TemporaryDirectory(prefix="labkit-rebuilds-") as scratch:
        copy = Path(scratch) / source.resolve().name
        shutil.copytree(source, copy, symlinks=True)
        inside = file.resolve().is_relative_to(source.resolve())
        copied_file = copy / file.resolve().relative_to(source.resolve()) if inside else Path(scratch) / file.name
        if not inside:
            shutil.copy2(file, copied_file)
        history: list[Snapshot] = []
        for scenario, change in [("cold", None), *changes.items()]:
            for one in [] if change is None else [change] if isinstance(change, Change) else list(change):
                one.apply(copy, dockerfile=copied_file, build_args=args)
            snapshot = Snapshot.take(copy, dockerfile=copied_file, build_args=args)
            first = scenario == "cold"
            predictions = predict(None if first else history, snapshot, no_cache=first and cold)
            result = build(copy, dockerfile=copied_file, build_args=args, no_cache=first and cold, progress=progress)
            out[scenario] = Rebuild(scenario, change, predictions, result)
            history.append(snapshot)
    return out


def series_table(series: Mapping[str, Rebuild]) -> list[dict[str, object]]:
    """One row per step, one column per build of a :func:`rebuild_series`: ``cached`` or the seconds it ran."""
    names = list(series)
    first = [s for s in series[names[0]].result.steps if s.instruction != "FROM"]
    rows = []
    for step in first:
        row: dict[str, object] = {"step": f"{(step.stage + ' ') if step.stage else ''}{step.instruction} {_clip(' '.join(step.arguments.split()), 44)}"}
        for name in names:
            found = next((s for s in series[name].result.steps if s.position == step.position and s.stage == step.stage), None)
            row[name] = "—" if found is None else ("cached" if found.cached else f"ran {found.seconds or 0:.1f} s")
        rows.append(row)
    rows.append({"step": "whole build", **{name: f"{series[name].result.seconds:.1f} s" for name in names}})
    return rows
