"""The one gateway to external commands (docker CLI, debootstrap, npm, pip).

Nothing else in labkit imports :mod:`subprocess`. Every call takes an argument
list (never a shell string), has a deadline, and turns a non-zero exit into
:class:`~labkit.CommandFailed` carrying argv, exit code and the output tail.
"""

from __future__ import annotations

import logging
import os
import queue
import subprocess
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from ._exceptions import CommandFailed

log = logging.getLogger("labkit")

#: Output lines kept for an error message.
TAIL_LINES = 30


def _tail(text: str, lines: int = TAIL_LINES) -> str:
    return "\n".join(text.splitlines()[-lines:])


def _environment(env: Mapping[str, str] | None) -> dict[str, str] | None:
    if env is None:
        return None
    merged = dict(os.environ)
    merged.update(env)
    return merged


def run(
    argv: Sequence[str | os.PathLike[str]],
    *,
    timeout: float = 120,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    input: bytes | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run a command to completion and return its output (stdout and stderr as text)."""
    args = [os.fspath(a) for a in argv]
    log.debug("run %s", args)
    try:
        done = subprocess.run(
            args,
            input=input.decode() if input is not None else None,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=_environment(env),
            cwd=cwd,
            errors="replace",
        )
    except FileNotFoundError as err:
        raise CommandFailed(args, 127, f"{args[0]}: command not found") from err
    except subprocess.TimeoutExpired as err:
        out = (err.stdout or b"") if isinstance(err.stdout, bytes) else (err.stdout or "")
        text = out.decode(errors="replace") if isinstance(out, bytes) else out
        raise CommandFailed(args, -1, _tail(text) + f"\ntimed out after {timeout:.0f} s") from err
    if check and done.returncode != 0:
        raise CommandFailed(args, done.returncode, _tail(done.stdout + done.stderr))
    return done


def succeeds(argv: Sequence[str | os.PathLike[str]], *, timeout: float = 30, env: Mapping[str, str] | None = None) -> bool:
    """True when the command runs and exits 0: for probing what a machine has."""
    try:
        run(argv, timeout=timeout, env=env)
    except CommandFailed:
        return False
    return True


class Stream:
    """A running command whose merged stdout/stderr is read line by line.

    Iterate over it for lines; afterwards ``returncode`` and ``tail`` tell how it
    ended. A deadline kills the whole process group.
    """

    def __init__(
        self,
        argv: Sequence[str | os.PathLike[str]],
        *,
        timeout: float | None = None,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
    ) -> None:
        self.argv = [os.fspath(a) for a in argv]
        self.timeout = timeout
        self.returncode: int | None = None
        self.timed_out = False
        self._tail: deque[str] = deque(maxlen=TAIL_LINES)
        log.debug("stream %s", self.argv)
        try:
            self._proc = subprocess.Popen(
                self.argv,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                text=True,
                errors="replace",
                env=_environment(env),
                cwd=cwd,
                start_new_session=True,
            )
        except FileNotFoundError as err:
            raise CommandFailed(self.argv, 127, f"{self.argv[0]}: command not found") from err

    @property
    def tail(self) -> str:
        return "\n".join(self._tail)

    def __iter__(self) -> Iterator[str]:
        lines: queue.Queue[str | None] = queue.Queue()

        def pump() -> None:
            assert self._proc.stdout is not None
            for line in self._proc.stdout:
                lines.put(line.rstrip("\n"))
            lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
        deadline = time.monotonic() + self.timeout if self.timeout else None
        while True:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                line = lines.get(timeout=wait)
            except queue.Empty:
                self.kill()
                self.timed_out = True
                break
            if line is None:
                break
            self._tail.append(line)
            yield line
            if deadline is not None and time.monotonic() > deadline:  # a program that never stops printing
                self.kill()
                self.timed_out = True
                break
        self.returncode = self._proc.wait()

    def kill(self) -> None:
        """Stop the command and everything it started."""
        try:
            os.killpg(self._proc.pid, 9)
        except ProcessLookupError:
            pass

    def check(self) -> None:
        """Raise :class:`CommandFailed` unless the command exited 0."""
        if self.timed_out:
            raise CommandFailed(self.argv, -1, self.tail + f"\ntimed out after {self.timeout:.0f} s")
        if self.returncode:
            raise CommandFailed(self.argv, self.returncode, self.tail)


def which(name: str) -> Path | None:
    """Where a program is on PATH, or None."""
    import shutil

    found = shutil.which(name)
    return Path(found) if found else None
