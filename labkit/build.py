"""Building an image and recording what happened: :func:`build` and :class:`BuildResult`."""

from __future__ import annotations

import functools
import os
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from . import _run, engine, images, labels
from ._exceptions import BuildFailed, LabkitError
from .buildlog import BuildKitLog, BuildStep, LegacyLog
from .display import Progress, TerminalProgress, automatic

#: A build that runs longer than this is stopped (seconds); LABKIT_BUILD_TIMEOUT overrides.
DEFAULT_TIMEOUT = float(os.environ.get("LABKIT_BUILD_TIMEOUT", 1800))


@dataclass
class BuildResult:
    """What a build produced and how it went, measured from the real engine."""

    image_id: str
    tags: list[str]
    size: int
    seconds: float
    builder: str
    steps: list[BuildStep]
    context: Path
    dockerfile: Path
    target: str | None = None
    image_labels: dict[str, str] = field(default_factory=dict)
    #: Seconds BuildKit spent receiving the build context (its "[internal] load build context" step,
    #: to 0.1 s). None when no instruction read the context, and with the legacy builder, whose
    #: output reports no transfer time.
    context_seconds: float | None = None
    #: Bytes BuildKit received for the context. A later build of the same folder sends only the file
    #: list and what changed, so this can be far below the context's size. None as for context_seconds.
    context_sent: int | None = None

    @property
    def short_id(self) -> str:
        return self.image_id.split(":")[-1][:12]

    @property
    def size_mb(self) -> float:
        """Uncompressed size in MB (10^6 bytes, as `docker images` counts)."""
        return self.size / 1e6

    @functools.cached_property
    def compressed_size(self) -> int:
        """Bytes a registry would store: every layer gzip-compressed, as `docker push` sends them."""
        return images.compressed_size(self.image_id)

    @property
    def cacheable_steps(self) -> list[BuildStep]:
        return [s for s in self.steps if s.cacheable]

    @property
    def cache_hits(self) -> int:
        return sum(s.cached for s in self.cacheable_steps)

    @property
    def all_cached(self) -> bool:
        """True when every step the cache decides on came from the cache."""
        steps = self.cacheable_steps
        return bool(steps) and all(s.cached for s in steps)

    @property
    def standin(self) -> str | None:
        """How the base image was stood in for, when it is a stand-in built offline."""
        return self.image_labels.get(labels.STANDIN)

    def table(self) -> list[dict[str, object]]:
        """One row per instruction step: stage, instruction, cached, seconds."""
        return [s.as_row() for s in self.steps]

    def summary(self) -> str:
        cacheable = len(self.cacheable_steps)
        return (
            f"{self.short_id} {self.size_mb:.1f} MB in {self.seconds:.1f} s, "
            f"{self.cache_hits}/{cacheable} cacheable steps from cache ({self.builder})"
        )

    def _repr_html_(self) -> str:
        import html

        rows = "".join(
            f"<tr><td>{html.escape(s.stage or '')}</td><td><code>{html.escape((s.instruction or '') + ' ' + s.arguments)[:90]}</code></td>"
            f"<td>{'cached' if s.cached and s.cacheable else ('—' if not s.cacheable else 'ran')}</td>"
            f"<td>{'' if s.seconds is None else f'{s.seconds:.1f} s'}</td></tr>"
            for s in self.steps
        )
        return (
            f"<p>{html.escape(self.summary())}</p><table><tr><th>stage</th><th>instruction</th>"
            f"<th>cache</th><th>time</th></tr>{rows}</table>"
        )


def _resolve_inputs(context: str | os.PathLike[str], dockerfile: str | os.PathLike[str] | None) -> tuple[Path, Path]:
    ctx = Path(context).resolve()
    if not ctx.is_dir():
        raise LabkitError(f"build context {ctx} is not a folder", hint="pass the folder that holds your app and its Dockerfile")
    file = Path(dockerfile) if dockerfile else ctx / "Dockerfile"
    if not file.is_absolute():
        file = (ctx / file) if not file.exists() else file.resolve()
    if not file.is_file():
        raise LabkitError(f"no Dockerfile at {file}", hint="create it, or pass dockerfile= with its path")
    return ctx, file


def _explain(errors: Sequence[str]) -> tuple[str, str | None]:
    """Turn the builder's error lines into one message and, where known, the fix."""
    text = " ".join(errors[-3:]) or "the builder gave no reason"
    lowered = text.lower()
    if "dockerfile parse error" in lowered or "unknown instruction" in lowered:
        return f"the Dockerfile does not parse: {text.split('dockerfile parse error')[-1].strip(': ')}", "fix that line of the Dockerfile"
    if any(k in lowered for k in ("pull access denied", "failed to resolve", "not found: manifest unknown", "failed to do request", "no such host")):
        return f"a base image is missing: {text}", "run `labkit bases` to pull or provision the workbook's base images"
    if "no space left on device" in lowered:
        return "the engine's disk is full", "free space with `labkit clean` and `docker system prune`"
    return text, None


def build(
    context: str | os.PathLike[str],
    *,
    dockerfile: str | os.PathLike[str] | None = None,
    target: str | None = None,
    tag: str | None = None,
    tags: Sequence[str] = (),
    build_args: Mapping[str, str] | None = None,
    no_cache: bool = False,
    pull: bool = False,
    network: str | None = None,
    secrets: Mapping[str, str | os.PathLike[str]] | None = None,
    purpose: str | None = "build",
    extra_labels: Mapping[str, str] | None = None,
    progress: Progress | Literal["auto", "terminal"] | None = "auto",
    timeout: float = DEFAULT_TIMEOUT,
) -> BuildResult:
    """Build an image on the real engine and measure it.

    Args:
        context: the build context folder.
        dockerfile: path to the Dockerfile (default: ``context/Dockerfile``).
        target: stop at this stage.
        tag, tags: names for the image (``tag`` is a shorthand for one).
        build_args: ``--build-arg`` values.
        no_cache: rebuild every step.
        pull: ask for a fresh base image.
        network: ``--network`` for RUN steps (e.g. ``"none"``).
        secrets: BuildKit secret mounts, ``{id: file}``.
        purpose: label recording why the image exists (``build``, ``grading``); None leaves it unlabelled.
        progress: ``"auto"`` (notebook or terminal display), ``"terminal"``, a display, or None.
        timeout: seconds before the build is stopped.

    Returns:
        a :class:`BuildResult` with the image id, tags, sizes, time, builder, steps and,
        with BuildKit, how long receiving the build context took.

    Raises:
        BuildFailed: the build stopped; ``.step`` and ``.log_tail`` say where and why.
        EngineNotFound: no engine answers.

    >>> result = build("labkit/samples/hello", tag="hello:demo")   # doctest: +SKIP
    >>> result.all_cached                                            # doctest: +SKIP
    False
    """
    ctx, file = _resolve_inputs(context, dockerfile)
    engine.client()  # fail early, with the fix, when no engine answers
    chosen = engine.builder()
    names = ([tag] if tag else []) + list(tags)
    request = BuildRequest(
        context=ctx,
        dockerfile=file,
        names=names,
        target=target,
        build_args=dict(build_args or {}),
        labels=labels.managed_labels(purpose, extra_labels) if purpose else dict(extra_labels or {}),
        no_cache=no_cache,
        pull=pull,
        network=network,
        secrets={key: os.fspath(value) for key, value in (secrets or {}).items()},
        timeout=timeout,
    )
    title = f"build {names[0] if names else ctx.name}"
    display = automatic(title) if progress == "auto" else TerminalProgress(title) if progress == "terminal" else progress
    started = time.monotonic()
    try:
        if chosen.uses_buildkit:
            image_id, parser = _build_with_cli(chosen, request, display)
        else:
            if request.secrets:
                raise LabkitError("secret mounts need BuildKit, and this engine only offers the legacy builder", hint="install docker buildx")
            image_id, parser = _build_with_sdk(request, display)
    except BuildFailed as failure:
        if display:
            display.finish(f"failed: {failure.message}", [], ok=False, detail="\n".join(failure.log_tail.splitlines()[-12:]))
        raise
    seconds = time.monotonic() - started
    attrs = engine.client().api.inspect_image(image_id)
    result = BuildResult(
        image_id=image_id,
        tags=names,
        size=int(attrs.get("Size", 0)),
        seconds=round(seconds, 3),
        builder=chosen.kind,
        steps=[s for s in parser.steps if s.is_instruction],
        context=ctx,
        dockerfile=file,
        target=target,
        image_labels=dict((attrs.get("Config") or {}).get("Labels") or {}),
        context_seconds=parser.context_seconds,
        context_sent=parser.context_sent,
    )
    if display:
        display.finish(result.summary(), result.steps, ok=True)
    return result


@dataclass(frozen=True)
class BuildRequest:
    """Everything one build asks for, resolved and checked, whichever builder runs it."""

    context: Path
    dockerfile: Path
    names: list[str] = field(default_factory=list)
    target: str | None = None
    build_args: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    no_cache: bool = False
    pull: bool = False
    network: str | None = None
    secrets: dict[str, str] = field(default_factory=dict)
    timeout: float = DEFAULT_TIMEOUT


def cli_arguments(chosen: engine.Builder, request: BuildRequest, iidfile: Path) -> list[str]:
    """The docker CLI call for a BuildKit build: plain progress (parsed into steps) and an id file."""
    buildx = chosen.kind == "buildx"
    argv: list[str] = [chosen.cli or "docker", *(["buildx"] if buildx else []), "build", "--progress=plain", "--iidfile", str(iidfile), "-f", str(request.dockerfile)]
    if buildx:
        argv.append("--load")  # a docker-container builder would otherwise keep the image to itself
    for name in request.names:
        argv += ["-t", name]
    for key, value in request.build_args.items():
        argv += ["--build-arg", f"{key}={value}"]
    for key, value in request.labels.items():
        argv += ["--label", f"{key}={value}"]
    for secret_id, source in request.secrets.items():
        argv += ["--secret", f"id={secret_id},src={source}"]
    if request.target:
        argv += ["--target", request.target]
    if request.network:
        argv += ["--network", request.network]
    if request.no_cache:
        argv.append("--no-cache")
    if request.pull:
        argv.append("--pull")
    argv.append(str(request.context))
    return argv


def _build_with_cli(chosen: engine.Builder, request: BuildRequest, display: Progress | None) -> tuple[str, BuildKitLog]:
    with tempfile.TemporaryDirectory(prefix="labkit-build-") as scratch:
        iidfile = Path(scratch) / "iid"
        parser = BuildKitLog()
        stream = _run.Stream(cli_arguments(chosen, request, iidfile), timeout=request.timeout, env=engine.cli_env(chosen))
        for line in stream:
            step = parser.feed(line)
            if display:
                display.update(step, parser.steps)
        if stream.timed_out:
            running = next((s for s in reversed(parser.steps) if s.is_instruction and not s.done), None)
            raise BuildFailed(
                f"the build took longer than {request.timeout:.0f} s and was stopped",
                step=running.label if running else None,
                log_tail=stream.tail,
                hint="look for a step that never ends (a loop, a prompt waiting for input) in the log tail",
            )
        if stream.returncode != 0 or not iidfile.exists():
            failed = parser.failed_step
            message, hint = _explain([failed.error] if failed and failed.error else parser.errors)
            where = f" at {failed.label}" if failed else ""
            tail = "\n".join(failed.log[-30:]) if failed and failed.log else stream.tail
            raise BuildFailed(f"build failed{where}: {message}", step=failed.label if failed else None, log_tail=tail, hint=hint)
        return iidfile.read_text().strip(), parser


def _build_with_sdk(request: BuildRequest, display: Progress | None) -> tuple[str, LegacyLog]:
    from docker.errors import APIError, DockerException
    from requests.exceptions import RequestException

    api = engine.client().api
    ctx, file, names = request.context, request.dockerfile, request.names
    parser = LegacyLog()
    image_id = None
    deadline = time.monotonic() + request.timeout
    try:
        chunks = api.build(
            path=str(ctx),
            dockerfile=str(file.relative_to(ctx)) if file.is_relative_to(ctx) else str(file),
            tag=names[0] if names else None,
            buildargs=request.build_args,
            nocache=request.no_cache,
            pull=request.pull,
            labels=request.labels,
            target=request.target,
            network_mode=request.network,
            rm=True,
            forcerm=True,
            decode=True,
            timeout=request.timeout,
        )
        for chunk in chunks:
            if time.monotonic() > deadline:
                raise BuildFailed(f"the build took longer than {request.timeout:.0f} s and was stopped", step=parser.steps[-1].label if parser.steps else None)
            for line in chunk.get("stream", "").splitlines():
                step = parser.feed(line)
                if display:
                    display.update(step, parser.steps)
            if "aux" in chunk and "ID" in chunk["aux"]:
                image_id = chunk["aux"]["ID"]
            if "error" in chunk:
                parser.fail(chunk["error"].strip())
    except (APIError, DockerException, RequestException) as err:
        parser.fail(str(err))
    parser.close()
    failed = parser.failed_step
    if failed or image_id is None:
        message, hint = _explain(parser.errors)
        where = f" at {failed.label}" if failed else ""
        raise BuildFailed(f"build failed{where}: {message}", step=failed.label if failed else None, log_tail="\n".join(parser.lines[-30:]), hint=hint)
    for name in names[1:]:
        repo, _, tag_part = name.rpartition(":") if ":" in name.rsplit("/", 1)[-1] else (name, "", "latest")
        api.tag(image_id, repo, tag_part or "latest")
    return image_id, parser

