"""What ``docker build`` really sends: the build context after ``.dockerignore``, computed exactly.

A learner's first slow build is usually a huge context (``node_modules``, ``.git``,
a data folder) and their first leaked secret is an ``.env`` that went along with
``COPY . .``. :func:`analyse` answers both before anything is built, with Docker's
own rules rather than shell globbing, and is checked against a real engine by
``tests/integration/test_context_engine.py``.

How Docker reads an ignore file (BuildKit's dockerignore reader)
----------------------------------------------------------------
* Lines are split like Go's ``bufio.Scanner`` (``\\n``, a trailing ``\\r`` dropped);
  a UTF-8 BOM is dropped from the first line only.
* A line whose *first* character is ``#`` is a comment (``"  # x"`` is a pattern).
* Whitespace is trimmed; blank lines are skipped; a leading ``!`` makes an exception.
* The pattern is cleaned like Go's ``filepath.Clean`` (``a//b/./c/`` -> ``a/b/c``,
  ``..`` resolved lexically) and one leading ``/`` is dropped: patterns are relative
  to the context root.
* ``*`` (anything but ``/``), ``?`` (one character but ``/``), ``**`` (any number of
  folders, even none), ``[...]`` classes (``[^...]`` negates) and ``\\`` escapes.
  A pattern Go's ``filepath.Match`` rejects (``[``, ``[]``, ``[a-]``, a trailing
  ``\\``) or a lone ``!`` stops the build; so does labkit, with :class:`IgnorePatternError`.
* Patterns are tried in order and the last one that matches a path wins; a pattern
  that matches a folder excludes everything below it.

Which ignore file (checked on Docker 20.10.24 with BuildKit)
------------------------------------------------------------
``NAME.dockerignore`` next to the Dockerfile (``-f sub/Dockerfile.dev`` reads
``sub/Dockerfile.dev.dockerignore``, even when the Dockerfile lives outside the
context) is used *instead of* the context's ``.dockerignore``, even when it is empty;
only when it is missing (or is not a file) does ``.dockerignore`` count. A symlinked
ignore file counts only when it points inside its own folder.

What is always sent? Nothing. With BuildKit the Dockerfile travels separately, so the
Dockerfile and ``.dockerignore`` are ordinary context files: listed in
``.dockerignore`` they are *not* sent and ``COPY . .`` leaves them out. Symlinks
are sent as links, never followed; empty folders are sent but are not files, so
:attr:`ContextReport.files` lists regular files and symlinks.

Two generations of the rules
----------------------------
The files are filtered by the *client* that sends the context. ``semantics="buildkit"``
models current BuildKit clients (buildx, Docker 23+: moby/patternmatcher with the
tonistiigi/fsutil filter walker), read from their source; no such client runs here.
``semantics="docker-20.10"`` models the classic ``docker build`` client of Docker 20.10
with BuildKit, whose older matcher differs in corners, all confirmed on a 20.10 engine:

* only ``.`` and ``$`` are escaped, so ``+ ( ) | { }`` act as regular-expression
  operators (``a+`` excludes ``aa``, a lone ``(`` stops the build);
* below a folder that is excluded but walked into (because of an exception such as
  ``!x/y/b/keep``) a pattern is checked against one ancestor only, so ``**/b`` does
  not exclude ``x/y/b/other`` there;
* an excluded folder is only walked into when an exception pattern literally starts
  with its path, so ``a`` + ``!*/keep`` still drops ``a/keep`` (current BuildKit keeps it);
* Go 1.19's ``filepath.Match`` stops checking a pattern after its first chunk fails, so
  ``a*\\`` is accepted (a literal ``$``), and a bad ``[`` there only fails once a path is
  matched; a byte-order mark starting a pattern is skipped.

``semantics="auto"`` (the default) picks the generation of the builder
:func:`labkit.build` uses on this machine. Escapes that leak into Go regular
expressions (``\\d``, ``[[:alpha:]]``, ``\\x41``, ``\\pL``) are modelled; Unicode scripts
(``\\p{Greek}``) raise :class:`IgnorePatternError` as unsupported. The legacy builder (no
BuildKit) has its own matcher in the Python docker SDK, which this module does not model.

>>> report = analyse("labkit/samples/hello")        # doctest: +SKIP
>>> report.files, report.total_bytes, report.secrets # doctest: +SKIP
"""

from __future__ import annotations

import functools
import html
import os
import re
import stat as stat_module
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, NamedTuple

from ._exceptions import LabkitError

__all__ = [
    "ContextReport",
    "Finding",
    "IgnorePatternError",
    "Pattern",
    "Semantics",
    "analyse",
    "default_semantics",
    "go_clean",
    "matches",
    "parse_dockerignore",
    "read_dockerignore",
]

Semantics = Literal["buildkit", "docker-20.10"]
SEMANTICS: tuple[str, ...] = ("buildkit", "docker-20.10")

#: Characters Go's unicode.IsSpace accepts, which strings.TrimSpace strips (Python's strip() takes more).
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
_BOM = "\ufeff"
#: bufio.Scanner's default maximum token size: a longer line makes Docker's reader fail.
_MAX_LINE = 64 * 1024


class IgnorePatternError(LabkitError, ValueError):
    """An ignore pattern Docker would reject (the build stops with "invalid excludepatterns")."""

    hint = "fix or remove that line of the ignore file: Docker stops the build on it"

    def __init__(self, message: str, *, pattern: str = "", line: int | None = None, hint: str | None = None) -> None:
        self.pattern = pattern
        self.line = line
        super().__init__(message, hint=hint)


class _BadPattern(Exception):
    """Go's filepath.ErrBadPattern, or a regular expression Go's regexp refuses."""


class _Unsupported(Exception):
    """A Go regular-expression feature Python's re cannot express (Unicode classes)."""


# --------------------------------------------------------------------------- Go helpers


def go_clean(path: str) -> str:
    """Go's ``filepath.Clean`` for slash paths: Docker cleans every pattern this way (``posixpath.normpath`` differs on ``//a``)."""
    if path == "":
        return "."
    rooted = path.startswith("/")
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not rooted:
                parts.append("..")
            continue
        parts.append(part)
    cleaned = "/".join(parts)
    if rooted:
        return "/" + cleaned
    return cleaned or "."


def _scan_chunk(pattern: str) -> tuple[bool, str, str]:
    """Split off a leading run of ``*`` and the chunk up to the next unbracketed ``*`` (Go's scanChunk)."""
    star = False
    while pattern.startswith("*"):
        pattern = pattern[1:]
        star = True
    in_range = False
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            if i + 1 < len(pattern):
                i += 1
        elif ch == "[":
            in_range = True
        elif ch == "]":
            in_range = False
        elif ch == "*" and not in_range:
            break
        i += 1
    return star, pattern[:i], pattern[i:]


def _get_esc(chunk: str) -> tuple[str, str]:
    """One (possibly escaped) character of a ``[...]`` class, as Go's getEsc reads it."""
    if not chunk or chunk[0] in "-]":
        raise _BadPattern
    if chunk[0] == "\\":
        chunk = chunk[1:]
        if not chunk:
            raise _BadPattern
    ch, rest = chunk[0], chunk[1:]
    if not rest:
        raise _BadPattern
    return ch, rest


def _match_chunk(chunk: str, s: str) -> tuple[str, bool]:
    """Go's matchChunk: match ``chunk`` at the start of ``s``, validating the whole chunk."""
    failed = False
    while chunk:
        if not failed and not s:
            failed = True
        head = chunk[0]
        if head == "[":
            r = ""
            if not failed:
                r, s = s[0], s[1:]
            chunk = chunk[1:]
            negated = False
            if chunk.startswith("^"):
                negated = True
                chunk = chunk[1:]
            matched = False
            nrange = 0
            while True:
                if chunk.startswith("]") and nrange > 0:
                    chunk = chunk[1:]
                    break
                lo, chunk = _get_esc(chunk)
                hi = lo
                if chunk[0] == "-":
                    hi, chunk = _get_esc(chunk[1:])
                if not failed and lo <= r <= hi:
                    matched = True
                nrange += 1
            if matched == negated:
                failed = True
        elif head == "?":
            if not failed:
                if s[0] == "/":
                    failed = True
                s = s[1:]
            chunk = chunk[1:]
        else:
            if head == "\\":
                chunk = chunk[1:]
                if not chunk:
                    raise _BadPattern
            if not failed:
                if chunk[0] != s[0]:
                    failed = True
                s = s[1:]
            chunk = chunk[1:]
    if failed:
        return "", False
    return s, True


def _go_path_match(pattern: str, name: str, *, check_rest: bool = True) -> bool:
    """Go's ``filepath.Match`` on Unix; raises :class:`_BadPattern`.

    Current Go validates the whole pattern; the Go 1.19 that built Docker 20.10's client
    stops validating after the first chunk that fails to match (``check_rest=False``):
    there ``a*\\`` passes, because ``a`` already fails against ``.``.
    """
    while pattern:
        star, chunk, pattern = _scan_chunk(pattern)
        if star and chunk == "":
            return "/" not in name
        rest, ok = _match_chunk(chunk, name)
        if ok and (not rest or pattern):
            name = rest
            continue
        if star:
            found = False
            i = 0
            while i < len(name) and name[i] != "/":
                rest, ok = _match_chunk(chunk, name[i + 1 :])
                if ok:
                    if not pattern and rest:
                        i += 1
                        continue
                    name = rest
                    found = True
                    break
                i += 1
            if found:
                continue
        while pattern and check_rest:
            _, chunk, pattern = _scan_chunk(pattern)
            _match_chunk(chunk, "")
        return False
    return name == ""


# ------------------------------------------------------- Go regular expressions -> Python

_PERL_CLASSES = {
    "d": [(0x30, 0x39)],
    "s": [(0x09, 0x0A), (0x0C, 0x0D), (0x20, 0x20)],
    "w": [(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)],
}
_POSIX_CLASSES = {
    "alnum": [(0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)],
    "alpha": [(0x41, 0x5A), (0x61, 0x7A)],
    "ascii": [(0x00, 0x7F)],
    "blank": [(0x09, 0x09), (0x20, 0x20)],
    "cntrl": [(0x00, 0x1F), (0x7F, 0x7F)],
    "digit": [(0x30, 0x39)],
    "graph": [(0x21, 0x7E)],
    "lower": [(0x61, 0x7A)],
    "print": [(0x20, 0x7E)],
    "punct": [(0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)],
    "space": [(0x09, 0x0D), (0x20, 0x20)],
    "upper": [(0x41, 0x5A)],
    "word": [(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)],
    "xdigit": [(0x30, 0x39), (0x41, 0x46), (0x61, 0x66)],
}
_MAX_RUNE = 0x10FFFF
_SIMPLE_ESCAPES = {"a": "\a", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


@functools.lru_cache(maxsize=None)
def _category_ranges(name: str) -> tuple[tuple[int, int], ...]:
    """Code-point ranges of a Unicode general category (``L``, ``Lu``...), as Go's ``\\pL`` sees them (Cn excluded)."""
    import sys
    import unicodedata

    ranges: list[tuple[int, int]] = []
    start = None
    for code in range(sys.maxunicode + 1):
        category = unicodedata.category(chr(code))
        inside = category != "Cn" and category.startswith(name)
        if inside and start is None:
            start = code
        elif not inside and start is not None:
            ranges.append((start, code - 1))
            start = None
    if start is not None:
        ranges.append((start, sys.maxunicode))
    return tuple(ranges)


_CATEGORIES = {"C", "Cc", "Cf", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me", "Mn", "N", "Nd", "Nl", "No",
               "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk", "Sm", "So", "Z", "Zl", "Zp", "Zs"}  # fmt: skip


def _unicode_class(s: str, i: int) -> tuple[list[tuple[int, int]], int]:
    """Go's ``\\pL``, ``\\p{Lu}``, ``\\P{^L}`` at ``s[i] == '\\'``: general categories and ``Any``; scripts are unsupported."""
    negated = s[i + 1] == "P"
    j = i + 2
    if j >= len(s):
        raise _BadPattern
    if s[j] == "{":
        end = s.find("}", j)
        if end < 0:
            raise _BadPattern
        name, j = s[j + 1 : end], end + 1
    else:
        name, j = s[j], j + 1
    if name.startswith("^"):
        negated, name = not negated, name[1:]
    if name == "Any":
        ranges = [(0, _MAX_RUNE)]
    elif name in _CATEGORIES:
        ranges = list(_category_ranges(name))
    else:
        raise _Unsupported(f"the Unicode class \\p{{{name}}} (labkit models general categories such as \\pL, not scripts)")
    return (_negate(ranges) if negated else ranges), j


def _negate(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out, start = [], 0
    for lo, hi in sorted(ranges):
        if lo > start:
            out.append((start, lo - 1))
        start = max(start, hi + 1)
    if start <= _MAX_RUNE:
        out.append((start, _MAX_RUNE))
    return out


def _py_class(ranges: list[tuple[int, int]], negated: bool = False) -> str:
    if not ranges:
        return "[^\\s\\S]" if not negated else "[\\s\\S]"
    body = "".join(f"\\U{lo:08x}" if lo == hi else f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in ranges)
    return f"[{'^' if negated else ''}{body}]"


def _parse_escape(s: str, i: int) -> tuple[str, int]:
    """Go regexp's parseEscape at ``s[i] == '\\\\'``: one literal character, or :class:`_BadPattern`."""
    if i + 1 >= len(s):
        raise _BadPattern  # trailing backslash
    c = s[i + 1]
    j = i + 2
    if c in "1234567":
        if j >= len(s) or s[j] not in "01234567":
            raise _BadPattern  # a backreference, which Go does not support
    if c in "01234567":
        digits = c
        while len(digits) < 3 and j < len(s) and s[j] in "01234567":
            digits += s[j]
            j += 1
        return chr(int(digits, 8)), j
    if c == "x":
        if j < len(s) and s[j] == "{":
            end = s.find("}", j + 1)
            hexdigits = s[j + 1 : end] if end > 0 else ""
            if end < 0 or not hexdigits or not all(h in "0123456789abcdefABCDEF" for h in hexdigits):
                raise _BadPattern
            value = int(hexdigits, 16)
            if value > _MAX_RUNE:
                raise _BadPattern
            return chr(value), end + 1
        hexdigits = s[j : j + 2]
        if len(hexdigits) != 2 or not all(h in "0123456789abcdefABCDEF" for h in hexdigits):
            raise _BadPattern
        return chr(int(hexdigits, 16)), j + 2
    if c in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[c], j
    if ord(c) < 0x80 and not c.isalnum():
        return c, j
    raise _BadPattern


def _parse_class(s: str, i: int) -> tuple[str, int]:
    """A Go ``[...]`` class starting at ``s[i] == '['``, as a Python class."""
    i += 1
    negated = False
    if i < len(s) and s[i] == "^":
        negated = True
        i += 1
    ranges: list[tuple[int, int]] = []
    first = True
    while i >= len(s) or s[i] != "]" or first:
        if i >= len(s):
            raise _BadPattern  # missing closing ]
        first = False
        if s.startswith("[:", i) and len(s) - i > 2:
            end = s.find(":]", i + 2)
            if end >= 0:
                name = s[i + 2 : end]
                neg = name.startswith("^")
                name = name[1:] if neg else name
                if name not in _POSIX_CLASSES:
                    raise _BadPattern
                ranges += _negate(_POSIX_CLASSES[name]) if neg else _POSIX_CLASSES[name]
                i = end + 2
                continue
        if s[i] == "\\" and i + 1 < len(s):
            nxt = s[i + 1]
            if nxt in "pP":
                found, i = _unicode_class(s, i)
                ranges += found
                continue
            if nxt.lower() in _PERL_CLASSES:
                base = _PERL_CLASSES[nxt.lower()]
                ranges += _negate(base) if nxt.isupper() else base
                i += 2
                continue
        lo, i = _parse_class_char(s, i)
        hi = lo
        if i + 1 < len(s) and s[i] == "-" and s[i + 1] != "]":
            hi, i = _parse_class_char(s, i + 1)
            if hi < lo:
                raise _BadPattern
        ranges.append((ord(lo), ord(hi)))
    return _py_class(ranges, negated), i + 1


def _parse_class_char(s: str, i: int) -> tuple[str, int]:
    if i >= len(s):
        raise _BadPattern
    if s[i] == "\\":
        return _parse_escape(s, i)
    return s[i], i + 1


_REPEAT = re.compile(r"\{(\d+)(,(\d*))?\}")


def _go_regex_to_python(expr: str) -> str:
    """Translate the Go regular expression Docker builds from a pattern into an equivalent Python one.

    Only what a translated pattern can contain is handled: literals, escapes, classes,
    groups, alternation, anchors and repetition, with Go's rules for what is an error
    (stacked repetition, ``{`` that is not a repeat is a literal, counts up to 1000).
    """
    out: list[str] = []
    depth = 0
    last: str | None = None  # None: nothing to repeat; "atom"; "repeat"
    i = 0
    while i < len(expr):
        ch = expr[i]
        if ch in "*+?" or (ch == "{" and _REPEAT.match(expr, i)):
            if ch == "{":
                m = _REPEAT.match(expr, i)
                assert m is not None
                lo = int(m.group(1))
                hi = lo if m.group(2) is None else (int(m.group(3)) if m.group(3) else None)
                if lo > 1000 or (hi is not None and (hi > 1000 or hi < lo)):
                    raise _BadPattern
                op = f"{{{lo}}}" if m.group(2) is None else f"{{{lo},{'' if hi is None else hi}}}"
                i = m.end()
            else:
                op = ch
                i += 1
            if last is None or last == "repeat":
                raise _BadPattern  # missing argument, or nested repetition
            if i < len(expr) and expr[i] == "?":
                op += "?"
                i += 1
            out.append(op)
            last = "repeat"
            continue
        if ch == "\\":
            nxt = expr[i + 1] if i + 1 < len(expr) else ""
            if nxt == "Q":
                end = expr.find("\\E", i + 2)
                text = expr[i + 2 :] if end < 0 else expr[i + 2 : end]
                i = len(expr) if end < 0 else end + 2
                if text:
                    out.append("".join(re.escape(c) for c in text[:-1]) + f"(?:{re.escape(text[-1])})")
                    last = "atom"
                continue
            if nxt in ("A", "z", "b", "B"):
                out.append({"A": r"(?:\A)", "z": r"(?:\Z)", "b": r"(?:\b)", "B": r"(?:\B)"}[nxt])
                last = "atom"
                i += 2
                continue
            if nxt in ("p", "P"):
                found, i = _unicode_class(expr, i)
                out.append(_py_class(found))
                last = "atom"
                continue
            if nxt and nxt.lower() in _PERL_CLASSES:
                out.append(_py_class(_PERL_CLASSES[nxt.lower()], negated=nxt.isupper()))
                last = "atom"
                i += 2
                continue
            literal, i = _parse_escape(expr, i)
            out.append(re.escape(literal))
            last = "atom"
            continue
        if ch == "[":
            cls, i = _parse_class(expr, i)
            out.append(cls)
            last = "atom"
            continue
        if ch == "(":
            depth += 1
            out.append("(?:")
            last = None
        elif ch == ")":
            if depth == 0:
                raise _BadPattern  # unexpected )
            depth -= 1
            out.append(")")
            last = "atom"
        elif ch == "|":
            out.append("|")
            last = None
        elif ch == "^":
            out.append(r"(?:\A)")
            last = "atom"
        elif ch == "$":
            out.append(r"(?:\Z)")
            last = "atom"
        elif ch == ".":
            out.append("[^\\n]")
            last = "atom"
        else:
            out.append(re.escape(ch))
            last = "atom"
        i += 1
    if depth:
        raise _BadPattern  # missing )
    return "".join(out)


# --------------------------------------------------------------------------- patterns


@dataclass
class Pattern:
    """One ignore pattern as Docker keeps it: cleaned, with ``exclusion`` for a ``!`` exception.

    :meth:`match` answers for one path and this pattern alone; which files are sent
    also depends on the order of patterns and on folders (see :func:`matches`).
    """

    pattern: str
    exclusion: bool = False
    line: int | None = None
    semantics: Semantics = "buildkit"
    source: str = ".dockerignore"
    _kind: str = field(default="", init=False, repr=False, compare=False)
    _regex: re.Pattern[str] | None = field(default=None, init=False, repr=False, compare=False)
    _error: str | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def text(self) -> str:
        """The pattern as a line of an ignore file would give it."""
        return ("!" if self.exclusion else "") + self.pattern

    @property
    def dirs(self) -> list[str]:
        return self.pattern.split("/")

    def __str__(self) -> str:
        return self.text

    def _where(self) -> str:
        return f"{self.source} line {self.line}" if self.line else self.source

    def _compile(self) -> None:
        """Build the matcher the way Docker does: a Go regular expression, with current BuildKit's shortcuts."""
        modern = self.semantics == "buildkit"
        escape = ".+()|{}$" if modern else ".$"
        text = self.pattern
        # Go's text/scanner skips a byte-order mark when it is the very first character.
        chars = text[1:] if text.startswith(_BOM) else text
        expr = "^"
        kind = "exact"
        i = 0
        step = 0
        while i < len(chars):
            ch = chars[i]
            i += 1
            if ch == "*":
                if i < len(chars) and chars[i] == "*":
                    i += 1
                    if i < len(chars) and chars[i] == "/":
                        i += 1
                    if i >= len(chars):
                        if kind == "exact" and modern:
                            kind = "prefix"
                        else:
                            expr += ".*"
                            kind = "regex"
                    else:
                        expr += "(.*/)?"
                        kind = "regex"
                    if step == 0:
                        kind = "suffix"
                else:
                    expr += "[^/]*"
                    kind = "regex"
            elif ch == "?":
                expr += "[^/]"
                kind = "regex"
            elif ch in escape:
                expr += "\\" + ch
            elif ch == "\\":
                if i < len(chars):
                    expr += "\\" + chars[i]
                    i += 1
                    kind = "regex"
                else:
                    expr += "\\"
            elif ch in "[]":
                expr += ch
                kind = "regex"
            else:
                expr += ch
            step += 1
        if not modern:
            kind = "regex"
        self._kind = kind
        if kind == "regex":
            try:
                self._regex = re.compile(_go_regex_to_python(expr + "$"), re.ASCII)
            except _BadPattern:
                self._error = "syntax error in pattern"
            except _Unsupported as why:
                raise IgnorePatternError(
                    f"{self._where()}: {self.text!r} uses {why}, which labkit cannot model",
                    pattern=self.text,
                    line=self.line,
                    hint="Docker reads such escapes as Go regular expressions; spell the characters out",
                ) from None
            except re.error:  # pragma: no cover - the translation should never produce this
                self._error = "syntax error in pattern"

    def match(self, path: str) -> bool:
        """Whether this pattern alone matches ``path`` (a relative slash path), without looking at parents."""
        if not self._kind:
            self._compile()
        if self._error:
            raise IgnorePatternError(
                f"{self._where()}: Docker rejects {self.text!r} ({self._error}) and stops the build",
                pattern=self.text,
                line=self.line,
            )
        if self._kind == "exact":
            return path == self.pattern
        if self._kind == "prefix":
            return path.startswith(self.pattern[:-2])
        if self._kind == "suffix":
            suffix = self.pattern[2:]
            return path.endswith(suffix) or (suffix[:1] == "/" and path == suffix[1:])
        assert self._regex is not None
        return self._regex.search(path) is not None

    def _quiet_match(self, path: str) -> bool:
        """A parent-folder check: Docker ignores errors there."""
        try:
            return self.match(path)
        except IgnorePatternError:
            return False


def _check_semantics(semantics: str) -> Semantics:
    if semantics == "auto":
        return default_semantics()
    if semantics not in SEMANTICS:
        raise LabkitError(f"unknown semantics {semantics!r}", hint=f"use 'auto' or one of {', '.join(SEMANTICS)}")
    return semantics  # type: ignore[return-value]


@functools.lru_cache(maxsize=1)
def default_semantics() -> Semantics:
    """The rules of the builder :func:`labkit.build` uses here: ``docker-20.10`` for a classic (pre-23) CLI, else ``buildkit``.

    ``LABKIT_CONTEXT_SEMANTICS`` overrides. Only the docker CLI binaries are asked; no engine is needed.
    """
    wanted = os.environ.get("LABKIT_CONTEXT_SEMANTICS", "")
    if wanted in SEMANTICS:
        return wanted  # type: ignore[return-value]
    try:
        from . import engine

        kind = engine.builder().kind
    except Exception:  # no CLI, or detection failed: assume a current Docker
        return "buildkit"
    return "docker-20.10" if kind == "classic-buildkit" else "buildkit"


def read_dockerignore(text: str | bytes, *, source: str = ".dockerignore") -> list[tuple[int, str]]:
    """The pattern strings Docker's reader keeps from an ignore file, with their line numbers (1-based)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="surrogateescape")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    kept: list[tuple[int, str]] = []
    for number, line in enumerate(lines, start=1):
        if len(line.encode("utf-8", errors="surrogateescape")) >= _MAX_LINE:
            raise IgnorePatternError(
                f"{source} line {number} is longer than 64 KiB; Docker cannot read the file", line=number, pattern=line[:40]
            )
        if line.endswith("\r"):
            line = line[:-1]
        if number == 1 and line.startswith(_BOM):
            line = line[1:]
        if line.startswith("#"):
            continue
        line = line.strip(_GO_SPACE)
        if not line:
            continue
        invert = line.startswith("!")
        if invert:
            line = line[1:].strip(_GO_SPACE)
        if line:
            line = go_clean(line)
            if len(line) > 1 and line.startswith("/"):
                line = line[1:]
        kept.append((number, "!" + line if invert else line))
    return kept


def _compile_patterns(lines: Iterable[tuple[int | None, str]], semantics: Semantics, source: str) -> list[Pattern]:
    """Docker's pattern matcher constructor: clean again, split off ``!``, reject what filepath.Match rejects."""
    compiled: list[Pattern] = []
    for number, raw in lines:
        text = raw.strip(_GO_SPACE)
        if not text:
            continue
        text = go_clean(text)
        where = f"{source} line {number}" if number else source
        exclusion = text.startswith("!")
        if exclusion:
            if len(text) == 1:
                raise IgnorePatternError(f'{where}: a lone "!" is an illegal exclusion pattern', pattern=raw, line=number)
            text = text[1:]
        try:
            _go_path_match(text, ".", check_rest=semantics == "buildkit")
        except _BadPattern:
            raise IgnorePatternError(
                f"{where}: {raw!r} is not a valid pattern (Go's filepath.Match: syntax error in pattern)",
                pattern=raw,
                line=number,
                hint="close every [ with ], don't end a pattern with \\, and escape a literal [ as \\[",
            ) from None
        compiled.append(Pattern(text, exclusion=exclusion, line=number, semantics=semantics, source=source))
    return compiled


def parse_dockerignore(text: str | bytes, *, semantics: Semantics | Literal["auto"] = "auto", source: str = ".dockerignore") -> list[Pattern]:
    """Parse an ignore file into patterns, raising :class:`IgnorePatternError` where Docker would stop the build."""
    chosen = _check_semantics(semantics)
    return _compile_patterns(read_dockerignore(text, source=source), chosen, source)


def _as_patterns(patterns: Sequence[str | Pattern], semantics: Semantics) -> list[Pattern]:
    if all(isinstance(p, Pattern) for p in patterns):
        return list(patterns)  # type: ignore[arg-type]
    return parse_dockerignore("\n".join(str(p) for p in patterns), semantics=semantics, source="patterns")


# --------------------------------------------------------------------------- the walk


class _Rules:
    """Decides, folder by folder as Docker's sender walks the context, what is sent."""

    def __init__(self, patterns: list[Pattern], semantics: Semantics) -> None:
        self.patterns = patterns
        self.semantics = semantics
        self.exceptions = [p for p in patterns if p.exclusion]
        if semantics == "buildkit":
            glob_chars = set("*[]?^\\")

            def bare(p: Pattern) -> str:
                text = p.pattern
                for tail in ("/**", "/*"):
                    if text.endswith(tail):
                        text = text[: -len(tail)]
                return text

            self.exception_prefixes = [bare(p) + "/" for p in self.exceptions]
            self.only_prefix = not any(glob_chars & set(bare(p)) for p in self.exceptions)
        else:
            self.exception_prefixes = [p.pattern + "/" for p in self.exceptions]
            self.only_prefix = True

    def visit(self, path: str, is_dir: bool, parent: tuple[bool, ...] | None) -> tuple[bool, bool, tuple[bool, ...] | None]:
        """``(excluded, walk_into, state for children)`` for one path, given its parent folder's state."""
        if not self.patterns:
            return False, True, None
        if self.semantics == "buildkit":
            excluded, state = self._modern_match(path, parent)
        else:
            excluded, state = self._legacy_match(path), None
        if not is_dir:
            return excluded, False, state
        if not excluded:
            return False, True, state
        if not self.only_prefix:
            return True, True, state
        if not self.exceptions:
            return True, False, state
        into = any(prefix.startswith(path + "/") for prefix in self.exception_prefixes)
        return True, into, state

    def _legacy_match(self, path: str) -> bool:
        """Docker 20.10's PatternMatcher.Matches: every pattern, last match wins, one ancestor checked."""
        matched = False
        parent = path.rsplit("/", 1)[0] if "/" in path else "."
        parent_dirs = parent.split("/")
        for pattern in self.patterns:
            hit = pattern.match(path)
            if not hit and parent != ".":
                n = len(pattern.dirs)
                if n <= len(parent_dirs):
                    hit = pattern._quiet_match("/".join(parent_dirs[:n]))
            if hit:
                matched = not pattern.exclusion
        return matched

    def _modern_match(self, path: str, parent: tuple[bool, ...] | None) -> tuple[bool, tuple[bool, ...]]:
        """moby/patternmatcher's MatchesUsingParentResults, including which patterns it skips."""
        matched = False
        info: list[bool] = []
        for i, pattern in enumerate(self.patterns):
            hit = bool(parent) and parent[i]  # type: ignore[index]
            if not hit:
                if pattern.exclusion != matched:
                    info.append(False)
                    continue
                hit = pattern.match(path)
                if not hit and not parent and "/" in path:
                    parts = path.split("/")[:-1]
                    hit = any(pattern._quiet_match("/".join(parts[: k + 1])) for k in range(len(parts)))
            info.append(hit)
            if hit:
                matched = not pattern.exclusion
        return matched, tuple(info)


def matches(
    patterns: Sequence[str | Pattern],
    path: str,
    *,
    is_dir: bool = False,
    semantics: Semantics | Literal["auto"] = "auto",
) -> bool:
    """Whether ignore ``patterns`` keep ``path`` out of the build context (True: not sent).

    Folders on the way count as Docker walks them: ``matches(["build"], "build/x/y")``
    is True, and so is ``matches(["a", "!*/keep"], "a/keep", semantics="docker-20.10")``.
    ``patterns`` are ignore-file lines (``"!keep.txt"``) or parsed :class:`Pattern` objects.
    """
    chosen = _check_semantics(semantics)
    rules = _Rules(_as_patterns(patterns, chosen), chosen)
    parts = [p for p in go_clean(path.replace(os.sep, "/")).lstrip("/").split("/") if p]
    state = None
    for depth in range(1, len(parts)):
        excluded, into, state = rules.visit("/".join(parts[:depth]), True, state)
        if excluded and not into:
            return True
    if not parts:
        return False
    return rules.visit("/".join(parts), is_dir, state)[0]


# --------------------------------------------------------------------------- the report


class Finding(NamedTuple):
    """A sent file that looks like a secret, and why."""

    path: str
    reason: str


@dataclass(repr=False)
class ContextReport:
    """What a build of ``context`` sends: files, bytes, what the ignore file kept out, and likely secrets."""

    def __repr__(self) -> str:
        return f"<ContextReport {self.context}: {len(self.files)} files, {self.total_bytes} bytes sent, {len(self.secrets)} likely secrets>"

    context: Path
    dockerfile: Path | None
    ignore_file: Path | None
    patterns: list[Pattern]
    semantics: Semantics
    files: list[str]
    sizes: dict[str, int]
    excluded: list[str]
    excluded_sizes: dict[str, int]
    secrets: list[Finding]

    @property
    def total_bytes(self) -> int:
        """Bytes of the files sent (symlinks count the length of their target)."""
        return sum(self.sizes.values())

    @property
    def excluded_bytes(self) -> int:
        """Bytes the ignore file kept out of the context."""
        return sum(self.excluded_sizes.values())

    def largest(self, n: int = 10) -> list[tuple[str, int]]:
        """The ``n`` biggest things sent: files, and top-level folders (``"name/"``) by their total bytes."""
        folders: dict[str, int] = {}
        for path, size in self.sizes.items():
            if "/" in path:
                top = path.split("/", 1)[0] + "/"
                folders[top] = folders.get(top, 0) + size
        ranked = sorted([*self.sizes.items(), *folders.items()], key=lambda item: (-item[1], item[0]))
        return ranked[:n]

    def summary(self) -> str:
        used = self.ignore_file.name if self.ignore_file else "no ignore file"
        line = (
            f"{len(self.files)} files, {_human(self.total_bytes)} sent; "
            f"{len(self.excluded)} files, {_human(self.excluded_bytes)} ignored ({used})"
        )
        if self.secrets:
            line += f"; {len(self.secrets)} possible secret(s) sent"
        return line

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td><code>{html.escape(path)}</code></td><td style='text-align:right'>{_human(size)}</td></tr>" for path, size in self.largest(8)
        )
        warn = ""
        if self.secrets:
            items = "".join(f"<li><code>{html.escape(f.path)}</code>: {html.escape(f.reason)}</li>" for f in self.secrets)
            warn = f"<p><b>⚠ sent to the builder, and into any <code>COPY . .</code>:</b></p><ul>{items}</ul>"
        return f"<p>{html.escape(self.summary())}</p><table><tr><th>largest</th><th>size</th></tr>{rows}</table>{warn}"


def _human(size: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000  # type: ignore[assignment]
    return f"{size} B"  # pragma: no cover


def _read_ignore_file(root: Path, name: str) -> tuple[Path, bytes] | None:
    """The ignore file ``root/name`` as Docker finds it: a regular file, or a symlink to one inside ``root``."""
    candidate = root / name
    if not os.path.lexists(candidate):
        return None
    try:
        real = candidate.resolve(strict=True)
        if candidate.is_symlink() and not real.is_relative_to(root.resolve()):
            return None
        if not real.is_file():
            return None
        return candidate, real.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as err:
        raise LabkitError(f"cannot read {candidate}: {err.strerror or err}", hint="Docker could not read it either; fix its permissions") from err


def _resolve_dockerfile(ctx: Path, dockerfile: str | os.PathLike[str] | None) -> Path | None:
    if dockerfile is None:
        default = ctx / "Dockerfile"
        return default if default.is_file() else None
    file = Path(dockerfile)
    if not file.is_absolute():
        file = file.resolve() if file.exists() else ctx / file
    if not file.is_file():
        raise LabkitError(f"no Dockerfile at {file}", hint="create it, or pass dockerfile= with its path")
    return file


_KEY_NAMES = {"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"}


def _peek(path: Path, limit: int = 1 << 20) -> str:
    try:
        with open(path, "rb") as handle:
            return handle.read(limit).decode("utf-8", errors="replace")
    except OSError:
        return ""


def secret_reason(rel: str, full: Path, is_link: bool) -> str | None:
    name = rel.rsplit("/", 1)[-1]
    lower = name.lower()
    if rel.startswith(".git/") or "/.git/" in rel:
        return "the .git folder: the whole history, and any secret ever committed"
    if lower.startswith(".env"):
        return "an environment file: usually API keys and passwords"
    if lower in _KEY_NAMES:
        return "an SSH private key"
    if lower in (".netrc", ".git-credentials"):
        return "stored login credentials"
    if rel == ".aws/credentials" or rel.endswith("/.aws/credentials"):
        return "AWS access keys"
    if is_link:
        return None
    if lower.endswith((".pem", ".key")) and "PRIVATE KEY" in _peek(full):
        return "a private key"
    if lower == ".npmrc" and re.search(r"_authToken|_auth\s*=|_password\s*=", _peek(full)):
        return "an npm token"
    if lower == ".pypirc" and re.search(r"(?im)^\s*password\s*[=:]", _peek(full)):
        return "a PyPI password"
    if (rel == ".docker/config.json" or rel.endswith("/.docker/config.json")) and re.search(r'"auths"\s*:\s*\{\s*"', _peek(full)):
        return "Docker registry logins"
    if lower.endswith(".json"):
        text = _peek(full)
        if '"private_key"' in text and "service_account" in text:
            return "a Google Cloud service-account key"
        if lower == "application_default_credentials.json" and '"refresh_token"' in text:
            return "Google Cloud user credentials"
    return None


def analyse(
    context: str | os.PathLike[str],
    *,
    dockerfile: str | os.PathLike[str] | None = None,
    semantics: Semantics | Literal["auto"] = "auto",
) -> ContextReport:
    """List exactly what ``docker build`` sends from ``context``: files, bytes, ignored files and likely secrets.

    Args:
        context: the build context folder.
        dockerfile: its Dockerfile (default ``context/Dockerfile``; a relative path is taken from the
            current folder when it exists there, else from ``context``, as :func:`labkit.build` does).
            Its folder may hold ``NAME.dockerignore``, which wins over ``.dockerignore``.
        semantics: ``"buildkit"``, ``"docker-20.10"`` or ``"auto"`` (the builder labkit uses here).

    Raises:
        LabkitError: the folder or an explicit Dockerfile is missing, or something Docker must read cannot be read.
        IgnorePatternError: a pattern Docker would reject (the build would stop).
    """
    chosen = _check_semantics(semantics)
    ctx = Path(context).expanduser()
    if not ctx.is_dir():
        raise LabkitError(f"build context {ctx} is not a folder", hint="pass the folder that holds your app and its Dockerfile")
    ctx = ctx.resolve()
    file = _resolve_dockerfile(ctx, dockerfile)

    found = None
    if file is not None:
        found = _read_ignore_file(file.parent, file.name + ".dockerignore")
    if found is None:
        found = _read_ignore_file(ctx, ".dockerignore")
    ignore_file, patterns = None, []
    if found is not None:
        ignore_file = found[0]
        patterns = _compile_patterns(read_dockerignore(found[1], source=ignore_file.name), chosen, ignore_file.name)
    rules = _Rules(patterns, chosen)

    files: dict[str, int] = {}
    excluded: dict[str, int] = {}
    secrets: list[Finding] = []
    git_folders: set[str] = set()

    def size_of(entry: os.DirEntry[str]) -> int:
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            return 0
        if stat_module.S_ISLNK(info.st_mode):
            try:
                return len(os.fsencode(os.readlink(entry.path)))
            except OSError:
                return 0
        return info.st_size if stat_module.S_ISREG(info.st_mode) else 0

    def listing(folder: str, *, required: bool) -> list[os.DirEntry[str]]:
        try:
            with os.scandir(folder) as entries:
                return sorted(entries, key=lambda e: e.name)
        except OSError as err:
            if not required:
                return []
            raise LabkitError(
                f"cannot read folder {folder}: {err.strerror or err}",
                hint="Docker would stop with 'permission denied' too: fix its permissions, or list it in the ignore file",
            ) from err

    def all_excluded(folder: str, rel: str) -> None:
        for entry in listing(folder, required=False):
            child = f"{rel}/{entry.name}"
            if entry.is_dir(follow_symlinks=False):
                all_excluded(entry.path, child)
            else:
                excluded[child] = size_of(entry)

    def walk(folder: str, rel: str, state: tuple[bool, ...] | None, required: bool) -> None:
        for entry in listing(folder, required=required):
            child = f"{rel}/{entry.name}" if rel else entry.name
            is_dir = entry.is_dir(follow_symlinks=False)
            out, into, child_state = rules.visit(child, is_dir, state)
            if is_dir:
                if into:
                    # Current BuildKit forgives an unreadable folder it only walks for exceptions.
                    walk(entry.path, child, child_state, required=not out or chosen == "docker-20.10")
                else:
                    all_excluded(entry.path, child)
                continue
            size = size_of(entry)
            if out:
                excluded[child] = size
                continue
            is_link = entry.is_symlink()
            if not is_link and entry.is_file(follow_symlinks=False) and not os.access(entry.path, os.R_OK):
                raise LabkitError(
                    f"cannot read {child} in the build context",
                    hint="Docker would stop with 'permission denied': fix its permissions, or list it in the ignore file",
                )
            files[child] = size
            reason = secret_reason(child, Path(entry.path), is_link)
            if reason:
                if child.startswith(".git/") or "/.git/" in child:
                    top = child[: child.index(".git/") + 5] if child.startswith(".git/") else child[: child.index("/.git/") + 6]
                    if top not in git_folders:
                        git_folders.add(top)
                        secrets.append(Finding(top, reason))
                else:
                    secrets.append(Finding(child, reason))

    walk(str(ctx), "", None, required=True)
    return ContextReport(
        context=ctx,
        dockerfile=file,
        ignore_file=ignore_file,
        patterns=patterns,
        semantics=chosen,
        files=sorted(files),
        sizes=dict(sorted(files.items())),
        excluded=sorted(excluded),
        excluded_sizes=dict(sorted(excluded.items())),
        secrets=secrets,
    )
