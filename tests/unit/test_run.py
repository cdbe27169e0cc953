"""The command gateway: deadlines hold for silent and for chatty programs alike."""

from __future__ import annotations

import sys
import time

import pytest

from labkit import CommandFailed
from labkit._run import Stream, run


def test_a_silent_program_is_stopped_at_its_deadline():
    started = time.monotonic()
    stream = Stream([sys.executable, "-c", "import time; time.sleep(30)"], timeout=1)
    assert list(stream) == []
    assert stream.timed_out and time.monotonic() - started < 10


def test_a_program_that_never_stops_printing_is_stopped_too():
    started = time.monotonic()
    stream = Stream([sys.executable, "-c", "while True: print('x', flush=True)"], timeout=1)
    for _ in stream:
        pass
    assert stream.timed_out and time.monotonic() - started < 10
    with pytest.raises(CommandFailed, match="timed out"):
        stream.check()


def test_run_turns_a_failure_into_command_failed_with_the_output_tail():
    with pytest.raises(CommandFailed) as caught:
        run([sys.executable, "-c", "import sys; print('bad thing'); sys.exit(3)"])
    assert caught.value.returncode == 3 and "bad thing" in caught.value.output_tail


def test_a_missing_program_is_command_failed_not_a_traceback():
    with pytest.raises(CommandFailed, match="command not found"):
        run(["labkit-no-such-program"])
