"""Reading a build's own output: BuildKit's plain progress and the legacy builder's log.

Pure text in, :class:`BuildStep` records out, with no engine involved, so the
parsers are tested on real saved outputs under ``tests/fixtures/``. The parsers
are incremental: feed lines as the build prints them and ask for the steps so
far, which is what the live progress display does.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

#: Instructions whose reruns the cache decides. FROM and BuildKit's internal vertices are not counted,
#: nor WORKDIR, which BuildKit reports CACHED even under --no-cache.
CACHEABLE = ("RUN", "COPY", "ADD")


@dataclass
class BuildStep:
    """One step of a build as the builder reported it."""

    name: str
    stage: str | None = None
    instruction: str | None = None
    arguments: str = ""
    position: tuple[int, int] | None = None
    cached: bool = False
    seconds: float | None = None
    error: str | None = None
    log: list[str] = field(default_factory=list)
    done: bool = False

    @property
    def is_instruction(self) -> bool:
        """A Dockerfile instruction, as opposed to BuildKit's own work (loading context, exporting)."""
        return self.instruction is not None

    @property
    def cacheable(self) -> bool:
        """Whether the cache decides if this step reruns (FROM and internal work are not)."""
        return self.instruction in CACHEABLE

    @property
    def label(self) -> str:
        where = f"{self.stage} " if self.stage else ""
        return f"[{where}{self.position[0]}/{self.position[1]}] {self.instruction} {self.arguments}".strip() if self.position else self.name

    def as_row(self) -> dict[str, object]:
        """A flat record for tables and plots."""
        return {
            "stage": self.stage or "",
            "instruction": self.instruction or "",
            "arguments": self.arguments,
            "cached": self.cached,
            "seconds": self.seconds,
        }


#: "[stage 2/5] RUN ...": BuildKit pads the position when a stage has 10 or more steps ("[ 2/11]").
_HEADER = re.compile(r"^\[(?:(?P<stage>[^\]\s]+)\s+)?\s*(?P<pos>\d+)/(?P<total>\d+)\] (?P<instr>[A-Z]+)\s*(?P<args>.*)$")
_BK_LINE = re.compile(r"^#(?P<id>\d+) (?P<rest>.*)$")
_BK_DONE = re.compile(r"^DONE (?P<secs>[\d.]+)s$")
_BK_LOG = re.compile(r"^(?P<secs>\d+\.\d+) (?P<text>.*)$")

#: The vertex in which BuildKit receives the build context from the client. BuildKit only loads
#: the context when a COPY or ADD reads from it, and its plain progress gives the duration to 0.1 s.
CONTEXT_VERTEX = "[internal] load build context"
#: "transferring context: 65.17MB 0.7s done": the amount in decimal units, as BuildKit prints it.
_BK_TRANSFER = re.compile(r"^transferring context: (?P<amount>\d+(?:\.\d+)?)(?P<unit>[kMGT]?B)\b")
_UNITS = {"B": 1, "kB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12}


def _step_from_name(name: str) -> BuildStep:
    match = _HEADER.match(name)
    if not match:
        return BuildStep(name=name)
    return BuildStep(
        name=name,
        stage=match["stage"],
        instruction=match["instr"],
        arguments=match["args"],
        position=(int(match["pos"]), int(match["total"])),
    )


class BuildKitLog:
    """Incremental parser for ``--progress=plain`` output."""

    def __init__(self) -> None:
        self._steps: dict[int, BuildStep] = {}
        self.errors: list[str] = []
        self.lines: list[str] = []

    def feed(self, line: str) -> BuildStep | None:
        """Take one line; return the step it concerns, if any."""
        self.lines.append(line)
        match = _BK_LINE.match(line)
        if not match:
            if line.strip() and not line.startswith(("------", " > ")):
                self.errors.append(line.strip())
            return None
        vertex, rest = int(match["id"]), match["rest"]
        step = self._steps.get(vertex)
        if step is None:
            step = self._steps[vertex] = _step_from_name(rest)
            return step
        if rest == "CACHED":
            step.cached, step.seconds, step.done = True, 0.0, True
        elif done := _BK_DONE.match(rest):
            step.seconds, step.done = float(done["secs"]), True
        elif rest.startswith("ERROR"):
            step.error, step.done = rest.partition(":")[2].strip() or rest, True
        elif logged := _BK_LOG.match(rest):
            step.log.append(logged["text"])
        elif rest != step.name and not rest.startswith("sha256:"):
            step.log.append(rest)
        return step

    @property
    def steps(self) -> list[BuildStep]:
        """Every vertex in the order BuildKit first reported it."""
        return list(self._steps.values())

    @property
    def failed_step(self) -> BuildStep | None:
        return next((s for s in self._steps.values() if s.error), None)

    @property
    def context_steps(self) -> list[BuildStep]:
        """The ``[internal] load build context`` vertices: none when no instruction reads the context."""
        return [s for s in self._steps.values() if s.name == CONTEXT_VERTEX]

    @property
    def context_seconds(self) -> float | None:
        """Seconds BuildKit spent receiving the build context, as it reports them (0.1 s resolution).

        None when no finished step loaded the context (no COPY or ADD from it, or the build stopped first).
        """
        done = [s.seconds for s in self.context_steps if s.done and s.seconds is not None]
        return round(sum(done), 3) if done else None

    @property
    def context_sent(self) -> int | None:
        """Bytes BuildKit received for the context, from its last ``transferring context`` line.

        Printed with two decimals of a decimal unit (``65.17MB``), so exact to about 10 kB in 1 MB.
        BuildKit keeps what it received: a later build of the same folder sends the file list and
        only the files that changed, so this can be far below the context's size.
        """
        amounts = []
        for step in self.context_steps:
            found = [m for line in step.log if (m := _BK_TRANSFER.match(line))]
            if found:
                amounts.append(round(float(found[-1]["amount"]) * _UNITS[found[-1]["unit"]]))
        return sum(amounts) if amounts else None


_LEGACY_STEP = re.compile(r"^Step (?P<pos>\d+)/(?P<total>\d+) : (?P<instr>[A-Za-z]+)\s*(?P<args>.*)$")
_LEGACY_FROM_AS = re.compile(r"\s+AS\s+(?P<name>\S+)\s*$", re.IGNORECASE)


class LegacyLog:
    """Incremental parser for the legacy builder's stream (``Step 2/5 : RUN …``).

    The legacy builder prints no per-step timings, so a step's seconds are the
    time between its start line and the next one, as seen by this process.
    Nor does the engine's stream say anything about the build context (the
    "Sending build context to Docker daemon" line comes from the docker CLI while
    it uploads, and has no duration), so :attr:`context_seconds` and
    :attr:`context_sent` are always None.
    """

    context_seconds: float | None = None
    context_sent: int | None = None

    def __init__(self, clock=time.monotonic) -> None:
        self._clock = clock
        self._steps: list[BuildStep] = []
        self._started: float | None = None
        self._stage_index = -1
        self._stage_name: str | None = None
        self.errors: list[str] = []
        self.lines: list[str] = []

    def _finish_current(self) -> None:
        if self._steps and not self._steps[-1].done and self._started is not None:
            current = self._steps[-1]
            current.seconds = 0.0 if current.cached else round(self._clock() - self._started, 3)
            current.done = True

    def feed(self, line: str) -> BuildStep | None:
        self.lines.append(line)
        text = line.rstrip()
        match = _LEGACY_STEP.match(text)
        if match:
            self._finish_current()
            instr, args = match["instr"].upper(), match["args"]
            if instr == "FROM":
                self._stage_index += 1
                alias = _LEGACY_FROM_AS.search(args)
                self._stage_name = alias["name"] if alias else f"stage-{self._stage_index}"
            step = BuildStep(
                name=text,
                stage=self._stage_name,
                instruction=instr,
                arguments=args,
                position=(int(match["pos"]), int(match["total"])),
            )
            self._steps.append(step)
            self._started = self._clock()
            return step
        if not self._steps:
            return None
        current = self._steps[-1]
        if text.strip() == "---> Using cache":
            current.cached = True
        elif text.startswith(("Successfully built", "Successfully tagged")):
            self._finish_current()
        elif text.strip().startswith("--->") or text.startswith("Removing intermediate container"):
            pass
        elif text:
            current.log.append(text)
        return current

    def fail(self, message: str) -> None:
        """Record the builder's error message against the running step."""
        self.errors.append(message)
        if self._steps:
            self._steps[-1].error = message
            self._finish_current()

    def close(self) -> None:
        self._finish_current()

    @property
    def steps(self) -> list[BuildStep]:
        return list(self._steps)

    @property
    def failed_step(self) -> BuildStep | None:
        return next((s for s in self._steps if s.error), None)
