"""The `labkit` command: thin commands over the library; expected failures print one line, no traceback."""

from __future__ import annotations

import errno
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from docker.errors import DockerException
from rich.console import Console

from . import bases as base_images
from ._exceptions import LabkitError
from .tags import tags_app

app = typer.Typer(help="Build, measure and grade Docker images for the Docker Image Workbook.", no_args_is_help=True, add_completion=False)
bases_app = typer.Typer(help="Make the workbook's base images available (pull, or build offline stand-ins).", invoke_without_command=True)
app.add_typer(bases_app, name="bases")
app.add_typer(tags_app, name="tags")
show = Console(highlight=False, soft_wrap=True, emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


@app.command()
def doctor() -> None:
    """Check the engine, builder, disk, proxy/CA settings and base images."""
    from .doctor import doctor as run_doctor

    report = run_doctor()
    show.print(str(report), markup=False)
    if not report.ok:
        raise typer.Exit(1)


@bases_app.callback()
def bases(
    ctx: typer.Context,
    rebuild: Annotated[bool, typer.Option(help="Rebuild stand-ins that already exist.")] = False,
    list_only: Annotated[bool, typer.Option("--list", help="Only list the needed bases and their state.")] = False,
) -> None:
    """Pull each base image the kit's Dockerfiles name, or build an offline stand-in."""
    if ctx.invoked_subcommand is not None:
        return
    if list_only:
        for current in base_images.status():
            show.print(f"{current.reference:32} {current.origin}", markup=False)
        return
    started = time.monotonic()
    statuses = base_images.ensure(rebuild=rebuild, report=lambda line: err.print(f"  {line}", markup=False))
    for current in statuses:
        show.print(f"{current.reference:32} {current.origin}", markup=False)
    err.print(f"{len(statuses)} base images ready in {time.monotonic() - started:.0f} s", markup=False)


@bases_app.command("save")
def bases_save(file: Annotated[Path, typer.Argument(help="Archive to write (a .tar).")]) -> None:
    """Write every base image into one archive, for rooms without a good network."""
    written = base_images.save(file)
    show.print(f"wrote {written} ({written.stat().st_size / 1e6:.0f} MB)")


@bases_app.command("load")
def bases_load(file: Annotated[Path, typer.Argument(help="Archive written by `labkit bases save`.")]) -> None:
    """Load base images from an archive written by `labkit bases save`."""
    for ref in base_images.load(file):
        show.print(f"loaded {ref}")


@app.command()
def build(
    context: Annotated[Path, typer.Argument(help="Build context folder.")],
    file: Annotated[Optional[Path], typer.Option("-f", "--file", help="Dockerfile (default: CONTEXT/Dockerfile).")] = None,
    tag: Annotated[Optional[list[str]], typer.Option("-t", "--tag", help="Name for the image (repeatable).")] = None,
    target: Annotated[Optional[str], typer.Option(help="Stop at this stage.")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Rebuild every step.")] = False,
    build_arg: Annotated[Optional[list[str]], typer.Option("--build-arg", help="NAME=VALUE for an ARG (repeatable).")] = None,
) -> None:
    """Build an image and print its size, time and per-step cache report."""
    from .build import build as run_build

    tags = list(tag or [])
    result = run_build(
        context, dockerfile=file, target=target, tag=tags[0] if tags else None, tags=tags[1:], no_cache=no_cache,
        build_args=_build_args(build_arg or []), progress="terminal",
    )
    show.print(result.summary(), markup=False)


def _build_args(pairs: list[str]) -> dict[str, str]:
    """``NAME=VALUE`` pairs as ``docker build --build-arg`` takes them."""
    args: dict[str, str] = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name:
            raise typer.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="--build-arg")
        args[name] = value
    return args


@app.command()
def clean(
    bases: Annotated[bool, typer.Option("--bases", help="Also remove base-image stand-ins.")] = False,
    session: Annotated[Optional[str], typer.Option(help="Only what this session id created.")] = None,
    check: Annotated[bool, typer.Option("--check", help="Remove nothing; fail if anything labkit made remains.")] = False,
) -> None:
    """Remove every image and container labkit created, and nothing else."""
    from .cleanup import clean as run_clean, leftovers

    if check:
        remaining = leftovers()
        if remaining:
            raise LabkitError(f"{len(remaining)} labelled image(s) or container(s) remain: {', '.join(remaining[:5])}", hint="run `labkit clean`")
        show.print("no image or container made by labkit remains")
        return
    show.print(str(run_clean(session=session, bases=bases)))


@app.command()
def grade(
    exercise: Annotated[str, typer.Argument(help="Exercise, e.g. 01-multi-stage (or 01).")],
    path: Annotated[Optional[Path], typer.Argument(help="One submission folder.")] = None,
    class_dir: Annotated[Optional[Path], typer.Option("--class", help="Folder with one submission folder per student.")] = None,
    out: Annotated[Path, typer.Option(help="Gradebook CSV for --class.")] = Path("gradebook.csv"),
    feedback: Annotated[Path, typer.Option(help="Folder for one feedback file per student (--class).")] = Path("feedback"),
    regrade: Annotated[bool, typer.Option(help="Grade again students already in the gradebook.")] = False,
) -> None:
    """Grade one submission (PATH), or a whole class (--class DIR) into a gradebook and feedback files."""
    from . import grading

    if (path is None) == (class_dir is None):
        raise typer.BadParameter("give either a submission PATH or --class DIR")
    if class_dir is not None:
        reports = grading.grade_class(exercise, class_dir, gradebook=out, feedback_dir=feedback, regrade=regrade, progress=lambda line: err.print(line, markup=False))
        show.print(f"graded {len(reports)} submission(s); gradebook: {out}; feedback: {feedback}/", markup=False)
        return
    report = grading.grade(exercise, path)
    show.print(report.as_text(), markup=False)
    if report.score < report.max_points:
        raise typer.Exit(1)


def main() -> None:
    """Entry point: a LabkitError becomes one line on stderr and exit status 1."""
    try:
        app()
    except LabkitError as failure:
        err.print(f"error: {failure.one_line()}", markup=False)
        sys.exit(1)
    except DockerException as failure:  # before OSError: the SDK's APIError is an OSError too
        err.print(f"error: the Docker engine refused: {_first_line(failure)} — see `labkit doctor`", markup=False)
        sys.exit(1)
    except OSError as failure:
        err.print(f"error: {_os_error_line(failure)}", markup=False)
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("interrupted", markup=False)
        sys.exit(130)


def _first_line(failure: BaseException) -> str:
    text = str(getattr(failure, "explanation", None) or failure).strip()
    return text.splitlines()[0] if text else type(failure).__name__


def _os_error_line(failure: OSError) -> str:
    """A file-system failure as a problem and a fix: unwritable folders and full disks are expected."""
    problem = failure.strerror or _first_line(failure)
    if failure.filename:
        problem += f": {failure.filename}"
    if failure.errno == errno.ENOSPC:
        return f"{problem} — free space (`labkit clean`, then `docker system prune`) and run it again"
    if failure.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"{problem} — choose a folder you can write to, or fix its permissions"
    return f"{problem} — check the path and run it again"


if __name__ == "__main__":
    main()
