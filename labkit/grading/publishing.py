"""Grading a publish script (exercise 04): the learner's ``publish.sh`` against a fresh registry, scenario by scenario.

No check here needs the image, so the runner does not build the submission's Dockerfile
itself: the script does, in every scenario. The first check asks :func:`runs_of` for the
scenario runs, made once per attempt:

1. a fresh :func:`~labkit.registry.local_registry` starts (if it cannot, that is the grading
   machine's problem: :class:`~labkit.GraderError`, no verdict);
2. for each of :data:`SCENARIOS`, in order, ``revision.txt`` in the private copy gets the
   scenario's commit (a new commit builds a new image, as it would in CI); then
   ``bash publish.sh`` runs in that copy as an untrusted program: a clean environment with
   only the documented variables, ``PATH``, an empty private ``HOME`` (no credentials) and
   the engine's address, and a time limit that stops it and everything it started; then
   the registry's own answer (every tag and the digest it points to) is recorded;
3. every image tagged under the registry's address is removed, and the registry with it.

A script stopped at the time limit is not run again in the remaining scenarios (each would
only hit the limit too). The script runs on the grading host, not in a container: it talks
to the engine through its socket, like a CI job with Docker access, and is limited in time
only (the containers it starts get no memory or PID limit from the grader). What each scenario should leave in the registry comes from
:func:`labkit.tags.plan`, so the grader and the lesson agree. Checks only read the record.

>>> [s.title for s in SCENARIOS][:2]
['release 1.0.0', 'patch release 1.0.1']
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .. import _run, engine, tags
from .._exceptions import GraderError, LabkitError
from .attempt import Attempt
from .model import Limits, Verdict

__all__ = [
    "SCENARIOS",
    "Scenario",
    "Expected",
    "ScenarioRun",
    "PublishRun",
    "expected_history",
    "script_environment",
    "run_script",
    "publish_scenarios",
    "runs_of",
    "script_runs",
    "one_build_per_scenario",
    "tags_after",
    "sha_tags",
    "exact_tags",
]

SCRIPT = "publish.sh"
#: The file the grader writes each scenario's commit into (the exercise's Dockerfile copies it).
REVISION_FILE = "revision.txt"
#: Where the script is told to publish: ``$REGISTRY/$NAMESPACE/$IMAGE_NAME``.
NAMESPACE = "acme"
IMAGE_NAME = "hello"
#: The repository the plan is computed for (only the tags matter, not the host).
PLAN_REPOSITORY = f"registry.example.com/{NAMESPACE}/{IMAGE_NAME}"
#: Seconds a script gets between the TERM at its time limit and the KILL.
KILL_GRACE = 5
#: Seconds labkit's own reader waits beyond that, should ``timeout`` itself not end.
READER_GRACE = 15
#: Tags read back per scenario at most (a script that pushes thousands is not waited for).
MAX_TAGS = 200
_MEMO_KEY = "publishing"


@dataclass(frozen=True)
class Scenario:
    """One CI run of the publish script: a commit, maybe a version, the branch it was built from."""

    key: str
    title: str
    version: str  # "" for a branch build
    git_sha: str
    git_branch: str
    #: The tags this scenario's check compares with the plan afterwards (a tag the plan lacks must not exist).
    watch: tuple[str, ...]

    def planned_tags(self, published: Sequence[str]) -> list[str]:
        """The tags the policy gives this build: a release gets its versions and SHA, a branch build its SHA and branch."""
        references = tags.plan(
            PLAN_REPOSITORY,
            version=self.version or None,
            git_sha=self.git_sha,
            branch=None if self.version else self.git_branch,
            published=published,
        )
        return [str(tags.parse(reference).tag) for reference in references]


#: The release history every submission goes through, in this order.
SCENARIOS: tuple[Scenario, ...] = (
    Scenario("release", "release 1.0.0", "1.0.0", "3f9c2a1e8b7d6c5f4a3b2c1d0e9f8a7b6c5d4e3f", "main", ("1.0.0", "1.0", "1", "latest")),
    Scenario("patch", "patch release 1.0.1", "1.0.1", "a41b7e92c03d58f6e1a2b3c4d5e6f708192a3b4c", "main", ("1.0.1", "1.0", "1", "latest", "1.0.0")),
    Scenario("prerelease", "pre-release 1.1.0-rc.1", "1.1.0-rc.1", "c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90", "main", ("1.1.0-rc.1", "1.1", "1", "latest")),
    Scenario("branch", "feature/Login-Page branch", "", "e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e", "feature/Login-Page", ("feature-login-page", "latest", "1", "1.0")),
    Scenario("hotfix", "hotfix 0.9.5", "0.9.5", "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c", "release/0.9", ("0.9.5", "0.9", "latest", "1", "1.0")),
)


@dataclass(frozen=True)
class Expected:
    """What the policy says about one scenario: the versions published before it, its tags, and where every tag points after it."""

    published: tuple[str, ...]
    planned: tuple[str, ...]
    #: tag -> index of the scenario whose build it should point to
    state: Mapping[str, int]


def expected_history(scenarios: Sequence[Scenario] = SCENARIOS) -> list[Expected]:
    """For each scenario in turn, what :func:`labkit.tags.plan` says the registry should hold after it.

    >>> expected_history()[2].planned
    ('1.1.0-rc.1', 'sha-c7d8e9f')
    """
    state: dict[str, int] = {}
    published: list[str] = []
    history = []
    for index, scenario in enumerate(scenarios):
        planned = scenario.planned_tags(published)
        state.update({tag: index for tag in planned})
        history.append(Expected(tuple(published), tuple(planned), dict(state)))
        if scenario.version:
            published.append(scenario.version)
    return history


@dataclass
class ScenarioRun:
    """One scenario as it happened: how the script ended and what the registry held before and after."""

    scenario: Scenario
    expected: Expected
    before: dict[str, str]
    after: dict[str, str]
    exit_code: int | None = None
    timed_out: bool = False
    seconds: float = 0.0
    output: str = ""
    #: Why the script was not run in this scenario (None when it was).
    not_run: str | None = None
    #: Every repository the registry held afterwards (to tell a learner where their push went).
    repositories: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.not_run is None and self.exit_code == 0 and not self.timed_out

    @property
    def pushed(self) -> dict[str, str]:
        """The tags this scenario created or moved, with their digest."""
        return {tag: digest for tag, digest in self.after.items() if self.before.get(tag) != digest}

    @property
    def digest(self) -> str | None:
        """The image this scenario published: the one most of its new or moved tags point to (its planned tags decide a tie)."""
        pushed = self.pushed
        if not pushed:
            return None
        for tag in self.expected.planned:
            if tag in pushed:
                return pushed[tag]
        return Counter(pushed.values()).most_common(1)[0][0]

    def last_words(self) -> str:
        lines = [line.strip() for line in self.output.splitlines() if line.strip()]
        return lines[-1][:160] if lines else "(no output)"


@dataclass
class PublishRun:
    """Every scenario of one submission, in order; ``error`` when the registry stopped answering midway."""

    address: str
    repository: str
    runs: list[ScenarioRun] = field(default_factory=list)
    error: str | None = None

    def run(self, key: str) -> ScenarioRun | None:
        return next((r for r in self.runs if r.scenario.key == key), None)

    def build_name(self, digest: str | None) -> str:
        """A digest as the learner should read it: which scenario built it."""
        if digest is None:
            return "missing"
        for run in self.runs:
            if run.digest == digest:
                return f"the {run.scenario.title} build"
        return f"an image no scenario published ({digest[:19]})"


# --------------------------------------------------------------------------- running the script


def _docker_first(home: Path) -> str:
    """A private bin folder whose ``docker`` is the CLI labkit builds with, so ``DOCKER_BUILDKIT`` below suits it."""
    chosen = engine.builder()
    cli = chosen.cli or engine.any_cli()
    folder = home / "bin"
    folder.mkdir(parents=True, exist_ok=True)
    link = folder / "docker"
    if not link.is_symlink():
        link.symlink_to(cli)
    return os.fspath(folder)


def script_environment(scenario: Scenario, *, registry: str, published: Sequence[str], home: str | os.PathLike[str]) -> dict[str, str]:
    """The only variables the script sees: the documented inputs, PATH, a private HOME and the engine's address.

    PATH is the grader's, behind a private folder holding the ``docker`` CLI labkit builds with
    (a machine may have several, and only some of them speak BuildKit).
    """
    chosen = engine.builder()
    environment = {
        "PATH": _docker_first(Path(home)) + os.pathsep + (os.environ.get("PATH") or os.defpath),
        "HOME": os.fspath(home),
        "REGISTRY": registry,
        "NAMESPACE": NAMESPACE,
        "IMAGE_NAME": IMAGE_NAME,
        "VERSION": scenario.version,
        "GIT_SHA": scenario.git_sha,
        "GIT_BRANCH": scenario.git_branch,
        "PUBLISHED": " ".join(published),
    }
    environment.update(engine.cli_env(chosen))  # DOCKER_HOST when set; DOCKER_BUILDKIT=1 for a classic CLI
    if chosen.kind == "legacy":
        environment["DOCKER_BUILDKIT"] = "0"  # a CLI without buildx must not try BuildKit
    return environment


@dataclass(frozen=True)
class ScriptOutcome:
    exit_code: int
    timed_out: bool
    seconds: float
    output: str


def _program(name: str) -> str:
    found = _run.which(name)
    if found is None:
        raise GraderError(f"the grader needs `{name}` on PATH to run a learner's script", hint="install coreutils and bash on the grading machine")
    return str(found)


def run_script(folder: Path, environment: Mapping[str, str], *, timeout: float, script: str = SCRIPT) -> ScriptOutcome:
    """Run ``bash SCRIPT`` in ``folder`` with exactly ``environment``, stopped (with all it started) after ``timeout`` seconds.

    ``env -i`` empties the environment; coreutils ``timeout`` sends TERM to the script's whole
    process group at the limit and KILL :data:`KILL_GRACE` seconds later, which holds even for
    a script that floods its output; labkit's reader is a last resort behind it.
    """
    argv = [
        _program("env"), "-i", *(f"{key}={value}" for key, value in environment.items()),
        _program("timeout"), f"--kill-after={KILL_GRACE}", f"{timeout:g}", _program("bash"), script,
    ]  # fmt: skip
    started = time.monotonic()
    stream = _run.Stream(argv, timeout=timeout + KILL_GRACE + READER_GRACE, cwd=folder)
    for _ in stream:
        pass  # the stream keeps the tail
    seconds = time.monotonic() - started
    code = stream.returncode if stream.returncode is not None else -1
    timed_out = stream.timed_out or (code in (124, 137, -9) and seconds >= timeout)
    return ScriptOutcome(code, timed_out, round(seconds, 2), stream.tail)


def _snapshot(registry, repository: str) -> dict[str, str]:
    """Every tag of ``repository`` and the digest it points to, as the registry answers."""
    return {tag: registry.digest(repository, tag) for tag in registry.tags(repository)[:MAX_TAGS]}


def _images_under(address: str) -> set[str]:
    """Ids of local images with a tag or digest under this registry's address."""
    prefix = f"{address}/"
    found = set()
    for image in engine.client().api.images():
        names = (image.get("RepoTags") or []) + (image.get("RepoDigests") or [])
        if any(name.startswith(prefix) for name in names):
            found.add(image["Id"])
    return found


def _remove_images(ids: set[str]) -> None:
    from docker.errors import APIError

    for image_id in ids:
        with contextlib.suppress(APIError):
            engine.client().api.remove_image(image_id, force=True)


def publish_scenarios(
    folder: str | os.PathLike[str],
    *,
    timeout: float = Limits.script_timeout,
    scenarios: Sequence[Scenario] = SCENARIOS,
    progress: Callable[[str], None] = lambda line: None,
) -> PublishRun:
    """Run ``publish.sh`` in ``folder`` through every scenario against a fresh registry; the record of what happened.

    ``folder`` is a private copy: ``revision.txt`` in it is rewritten per scenario. A learner's
    mistakes are recorded, never raised. :class:`~labkit.GraderError` means the grader could not work:
    the registry did not start, or something failed before the script first ran (no ``timeout``,
    no docker CLI, a registry that does not answer). A registry that fails after the script ran
    is recorded in ``error``: the script may have stopped it.
    """
    from ..registry import local_registry

    folder = Path(folder)
    history = expected_history(scenarios)
    repository = f"{NAMESPACE}/{IMAGE_NAME}"
    with contextlib.ExitStack() as stack:
        home = stack.enter_context(tempfile.TemporaryDirectory(prefix="labkit-publish-home-"))
        try:
            registry = stack.enter_context(local_registry())
        except GraderError:
            raise
        except LabkitError as err:
            raise GraderError(f"the grader's registry did not start: {err.message}", hint=err.hint or "run `labkit doctor` and `labkit bases` on the grading machine") from err
        record = PublishRun(registry.address, repository)
        published_images: set[str] = set()
        stopped: str | None = None if (folder / SCRIPT).is_file() else f"there is no {SCRIPT} in the submission"
        try:
            for scenario, expected in zip(scenarios, history):
                before = _snapshot(registry, repository)
                run = ScenarioRun(scenario, expected, before, dict(before), not_run=stopped)
                record.runs.append(run)
                if stopped:
                    continue
                (folder / REVISION_FILE).write_text(f"{scenario.git_sha} {scenario.version or scenario.git_branch}\n")
                environment = script_environment(scenario, registry=registry.address, published=expected.published, home=home)
                progress(f"{scenario.title}: bash {SCRIPT}")
                outcome = run_script(folder, environment, timeout=timeout)
                run.exit_code, run.timed_out, run.seconds, run.output = outcome.exit_code, outcome.timed_out, outcome.seconds, outcome.output
                run.after = _snapshot(registry, repository)
                run.repositories = registry.catalog()
                published_images |= _images_under(registry.address)
                if outcome.timed_out:
                    stopped = f"not run: {SCRIPT} was stopped at the time limit ({timeout:g} s) in the {scenario.title} scenario"
        except GraderError:
            raise
        except LabkitError as err:
            if not any(run.exit_code is not None or run.timed_out for run in record.runs):
                # nothing of the learner's has run yet: the grading machine failed, not the script
                raise GraderError(f"the grader could not run {SCRIPT}: {err.message}", hint=err.hint or "run `labkit doctor` on the grading machine") from err
            record.error = err.message  # the script may have stopped the registry: the learner's problem, recorded
        finally:
            _remove_images(published_images | _images_under(registry.address))
    return record


def runs_of(attempt: Attempt) -> PublishRun:
    """The scenario runs of this attempt, made on first use (a grader failure is raised again for every check)."""
    if _MEMO_KEY not in attempt.memo:
        try:
            attempt.memo[_MEMO_KEY] = publish_scenarios(attempt.folder, timeout=attempt.exercise.limits.script_timeout)
        except LabkitError as err:
            attempt.memo[_MEMO_KEY] = err
    found = attempt.memo[_MEMO_KEY]
    if isinstance(found, LabkitError):
        raise found
    assert isinstance(found, PublishRun)
    return found


# --------------------------------------------------------------------------- checks


def _where_it_went(record: PublishRun, run: ScenarioRun) -> str:
    others = [name for name in run.repositories if name != record.repository]
    if run.after or not others:
        return ""
    return f"; the registry holds {', '.join(others[:3])}, not {record.repository}: push to $REGISTRY/$NAMESPACE/$IMAGE_NAME"


def script_runs(attempt: Attempt) -> Verdict:
    """The script exits 0 in every scenario, within the time limit."""
    record = runs_of(attempt)
    problems = []
    for run in record.runs:
        if run.not_run:
            problems.append(f"{run.scenario.title}: {run.not_run}")
        elif run.timed_out:
            problems.append(f"{run.scenario.title}: stopped at the time limit after {run.seconds:.0f} s (last output: {run.last_words()})")
        elif run.exit_code != 0:
            problems.append(f"{run.scenario.title}: exit code {run.exit_code} (last output: {run.last_words()}){_where_it_went(record, run)}")
    if record.error:
        problems.append(f"the registry stopped answering: {record.error}")
    if problems:
        return Verdict(False, "; ".join(problems[:2]) + (f" (and {len(problems) - 2} more)" if len(problems) > 2 else ""))
    ran = [r for r in record.runs if r.ok]
    return Verdict(True, f"{len(ran)} of {len(SCENARIOS)} scenarios exited 0 ({sum(r.seconds for r in ran):.0f} s in all)")


def one_build_per_scenario(attempt: Attempt) -> Verdict:
    """In every scenario the script pushed two or more tags, all to one image: one build, many tags."""
    record = runs_of(attempt)
    problems = []
    for run in record.runs:
        pushed = run.pushed
        digests = sorted(set(pushed.values()))
        if run.not_run:
            problems.append(f"{run.scenario.title}: not run")
        elif len(pushed) < 2:
            problems.append(f"{run.scenario.title}: {len(pushed)} tag(s) pushed ({', '.join(sorted(pushed)) or 'none'})")
        elif len(digests) > 1:
            groups = [f"{', '.join(sorted(t for t, d in pushed.items() if d == digest))} → {digest[:19]}" for digest in digests]
            problems.append(f"{run.scenario.title}: {len(digests)} different images ({'; '.join(groups)})")
    if problems:
        return Verdict(False, "; ".join(problems[:2]) + (f" (and {len(problems) - 2} more)" if len(problems) > 2 else ""))
    counts = ", ".join(str(len(r.pushed)) for r in record.runs)
    return Verdict(True, f"each scenario's tags point to its one image (tags per scenario: {counts})")


def _compare(record: PublishRun, run: ScenarioRun, tag_names: Sequence[str]) -> list[str]:
    """Where the watched tags point after ``run`` compared with the plan, as one line per mismatch."""
    problems = []
    for tag in tag_names:
        actual = run.after.get(tag)
        owner = run.expected.state.get(tag)
        if owner is None:
            if actual is not None:
                problems.append(f"{tag} exists (→ {record.build_name(actual)}) but the policy gives no such tag here")
            continue
        wanted = record.runs[owner].digest if owner < len(record.runs) else None
        if wanted is None or actual != wanted:
            should = f"the {record.runs[owner].scenario.title} build" + ("" if wanted else ", which was never pushed")
            problems.append(f"{tag} is {record.build_name(actual)}, should be {should}")
    return problems


def tags_after(key: str) -> Callable[[Attempt], Verdict]:
    """After scenario ``key``, each of its watched tags points where :func:`labkit.tags.plan` says (or does not exist)."""
    scenario = next((s for s in SCENARIOS if s.key == key), None)
    if scenario is None:
        raise ValueError(f"no scenario {key!r}; known: {', '.join(s.key for s in SCENARIOS)}")

    def check(attempt: Attempt) -> Verdict:
        record = runs_of(attempt)
        run = record.run(key)
        if run is None or run.not_run:
            return Verdict(False, f"not checked: {run.not_run if run else 'the scenario did not run'}")
        problems = _compare(record, run, scenario.watch)
        if problems:
            return Verdict(False, f"after the {scenario.title}: " + "; ".join(problems) + _where_it_went(record, run))
        planned = ", ".join(t for t in run.expected.planned if not t.startswith("sha-"))
        return Verdict(True, f"after the {scenario.title}: {planned} as planned; {', '.join(t for t in scenario.watch if t not in run.expected.planned) or 'nothing else'} where it was")

    check.__name__ = f"tags_after_{key}"
    return check


def sha_tags(attempt: Attempt) -> Verdict:
    """Every scenario's build is also tagged ``sha-`` and the first 7 characters of its commit."""
    record = runs_of(attempt)
    problems = []
    for run in record.runs:
        tag = tags.sha_tag(run.scenario.git_sha)
        if run.not_run:
            problems.append(f"{run.scenario.title}: not run")
        elif run.after.get(tag) is None or run.after.get(tag) != run.digest:
            problems.append(f"{run.scenario.title}: {tag} is {record.build_name(run.after.get(tag))}")
    if problems:
        return Verdict(False, "; ".join(problems[:3]) + (f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""))
    return Verdict(True, "every build has its sha- tag: " + ", ".join(tags.sha_tag(s.git_sha) for s in SCENARIOS))


def exact_tags(attempt: Attempt) -> Verdict:
    """At the end the registry holds exactly the tags the policy plans: none missing, none extra."""
    record = runs_of(attempt)
    final = record.runs[-1] if record.runs else None
    if final is None or final.not_run:
        return Verdict(False, "not checked: the last scenario did not run")
    wanted, actual = set(final.expected.state), set(final.after)
    extra, missing = sorted(actual - wanted), sorted(wanted - actual)
    if extra or missing:
        parts = [f"{what} ({len(names)}): {', '.join(names[:8])}{' …' if len(names) > 8 else ''}" for what, names in (("extra", extra), ("missing", missing)) if names]
        return Verdict(False, "; ".join(parts) + _where_it_went(record, final))
    return Verdict(True, f"{len(actual)} tags, exactly the planned ones")
