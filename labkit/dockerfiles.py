"""Reading Dockerfiles with Docker's own parser (the ``dockerfile`` package wraps BuildKit's Go parser)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import dockerfile as _parser

from ._exceptions import LabkitError

_VARIABLE = re.compile(r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?::?[-+][^}]*)?\}|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))")


@dataclass(frozen=True)
class Stage:
    """One ``FROM`` of a Dockerfile: the base it names (ARGs resolved) and its alias."""

    index: int
    base: str
    alias: str | None
    line: int


INSTRUCTIONS = frozenset(
    "ADD ARG CMD COPY ENTRYPOINT ENV EXPOSE FROM HEALTHCHECK LABEL MAINTAINER ONBUILD RUN SHELL STOPSIGNAL USER VOLUME WORKDIR".split()
)


#: One parsed instruction (cmd, flags, value, original, start_line), as BuildKit's parser gives it.
Command = _parser.Command


def parse(text: str, *, source: str = "Dockerfile") -> tuple[Command, ...]:
    """Parse Dockerfile text; what BuildKit would reject becomes a :class:`LabkitError` naming file and line."""
    try:
        commands = _parser.parse_string(text)
    except _parser.GoParseError as err:
        raise LabkitError(f"{source} does not parse: {err}", hint="fix the Dockerfile syntax on the line named") from err
    for command in commands:
        problem = None
        if command.cmd is None:
            problem = "a line continuation (\\) with nothing after it"
        elif command.cmd.upper() not in INSTRUCTIONS:
            problem = f"unknown instruction: {command.cmd}"
        elif not command.value and command.cmd.upper() in ("FROM", "RUN", "COPY", "ADD", "WORKDIR", "USER"):
            problem = f"{command.cmd.upper()} needs at least one argument"
        if problem:
            raise LabkitError(f"{source} does not parse: line {command.start_line}: {problem}", hint="fix that line of the Dockerfile")
    return commands


def _substitute(value: str, args: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match["braced"] or match["plain"]
        return args.get(name, match.group(0))

    return _VARIABLE.sub(replace, value)


def stages(text: str, *, source: str = "Dockerfile", build_args: dict[str, str] | None = None) -> list[Stage]:
    """Every stage of a Dockerfile, with global ``ARG`` defaults (and ``build_args``) substituted into FROM."""
    args: dict[str, str] = {}
    found: list[Stage] = []
    for command in parse(text, source=source):
        if command.cmd.upper() == "ARG" and not found:
            for item in command.value:
                name, _, default = item.partition("=")
                args[name] = (build_args or {}).get(name, default)
        elif command.cmd.upper() == "FROM":
            values = [v for v in command.value]
            alias = values[2] if len(values) >= 3 and values[1].upper() == "AS" else None
            found.append(Stage(len(found), _substitute(values[0], args), alias, command.start_line))
    return found


def base_references(text: str, *, source: str = "Dockerfile") -> list[str]:
    """The images a Dockerfile pulls: FROM targets that are neither ``scratch`` nor an earlier stage."""
    seen: list[str] = []
    aliases: set[str] = set()
    for stage in stages(text, source=source):
        if stage.base != "scratch" and stage.base.lower() not in aliases and not stage.base.isdigit() and stage.base not in seen:
            seen.append(stage.base)
        if stage.alias:
            aliases.add(stage.alias.lower())
    return seen


def is_dockerfile(path: Path) -> bool:
    """Dockerfile, Dockerfile.naive, app.Dockerfile — the names Docker users give them."""
    name = path.name
    return path.is_file() and (name == "Dockerfile" or name.startswith("Dockerfile.") or name.endswith(".Dockerfile"))


def find(roots: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """Every Dockerfile under the given folders, skipping virtual environments and node_modules."""
    skip = {".venv", "node_modules", ".git", "__pycache__", ".ipynb_checkpoints"}
    for root in roots:
        root = Path(root)
        if not root.exists():
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d not in skip)
            for name in sorted(filenames):
                candidate = Path(dirpath) / name
                if is_dockerfile(candidate):
                    yield candidate
