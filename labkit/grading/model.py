"""What an exercise declares (checks with points and feedback) and what grading returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .attempt import Attempt


@dataclass(frozen=True)
class Verdict:
    """A check's answer: passed or not, and what was seen (shown to the learner)."""

    passed: bool
    detail: str = ""


@dataclass(frozen=True)
class Check:
    """One thing a submission must get right.

    ``feedback`` is what a learner reads when the check fails: what was wrong and a hint.
    ``needs_image`` checks are failed without running when the image did not build.
    """

    name: str
    points: int
    description: str
    feedback: str
    run: Callable[["Attempt"], Verdict]
    needs_image: bool = True


@dataclass(frozen=True)
class Limits:
    """The grader's limits on untrusted submissions (named settings, not magic numbers)."""

    build_timeout: float = 600
    start_timeout: float = 30
    memory: str = "256m"
    pids: int = 128
    max_submission_bytes: int = 20_000_000
    max_files: int = 5_000
    #: Seconds a learner's script (e.g. exercise 04's publish.sh) may run in one scenario.
    script_timeout: float = 120


@dataclass(frozen=True)
class Exercise:
    """An exercise: its folder, how its app is reached, and its ordered checks."""

    slug: str
    title: str
    checks: tuple[Check, ...]
    port: int = 8000
    health_path: str = "/health"
    build_network: bool = True
    limits: Limits = field(default_factory=Limits)

    @property
    def max_points(self) -> int:
        return sum(c.points for c in self.checks)


@dataclass(frozen=True)
class CheckResult:
    name: str
    points: int
    earned: int
    passed: bool
    description: str
    detail: str
    feedback: str


@dataclass
class Report:
    """The outcome of grading one submission."""

    exercise: str
    submission: Path
    results: list[CheckResult] = field(default_factory=list)
    refused: str | None = None

    @property
    def score(self) -> int:
        return sum(r.earned for r in self.results)

    @property
    def max_points(self) -> int:
        return sum(r.points for r in self.results)

    def as_text(self) -> str:
        lines = [f"Exercise {self.exercise} — {self.submission}"]
        if self.refused:
            lines.append(f"Refused: {self.refused}")
        for r in self.results:
            mark = "PASS" if r.passed else "FAIL"
            lines.append(f"  [{mark}] {r.name} ({r.earned}/{r.points}): {r.description}")
            if r.detail:
                lines.append(f"         seen: {r.detail}")
            if not r.passed:
                lines.append(f"         → {r.feedback}")
        lines.append(f"Score: {self.score}/{self.max_points}")
        return "\n".join(lines)

    def as_markdown(self) -> str:
        lines = [f"# Feedback: exercise {self.exercise}", "", f"**Score: {self.score}/{self.max_points}**", ""]
        if self.refused:
            lines += [f"Your submission was refused: {self.refused}", ""]
        lines += ["| check | points | result |", "|---|---|---|"]
        lines += [f"| {r.description} | {r.earned}/{r.points} | {'passed' if r.passed else 'failed'} |" for r in self.results]
        failed = [r for r in self.results if not r.passed]
        if failed:
            lines += ["", "## What to fix", ""]
            lines += [f"- **{r.description}**: {r.feedback}" + (f" (seen: {r.detail})" if r.detail else "") for r in failed]
        return "\n".join(lines) + "\n"

    def _repr_html_(self) -> str:
        import html

        rows = "".join(
            f"<tr><td>{'✅' if r.passed else '❌'}</td><td>{html.escape(r.description)}</td><td>{r.earned}/{r.points}</td>"
            f"<td>{html.escape(r.detail)}{'' if r.passed else '<br><i>→ ' + html.escape(r.feedback) + '</i>'}</td></tr>"
            for r in self.results
        )
        refused = f"<p><b>Refused:</b> {html.escape(self.refused)}</p>" if self.refused else ""
        return f"{refused}<table>{rows}</table><p><b>Score: {self.score}/{self.max_points}</b></p>"
