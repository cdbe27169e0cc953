"""Every gradable exercise, declared in one place: its checks, points and the feedback a learner sees."""

from __future__ import annotations

from .. import _paths
from .._exceptions import LabkitError
from . import checks
from .model import Check, Exercise

#: Paths that mean a C toolchain was left in the final image.
C_TOOLCHAIN = ("/usr/bin/gcc*", "/usr/bin/g++*", "/usr/bin/cc", "/usr/bin/make", "/usr/bin/x86_64-linux-gnu-gcc*", "/usr/lib/gcc/*")

MULTI_STAGE = Exercise(
    slug="01-multi-stage",
    title="Rewrite the link shortener as a multi-stage build",
    checks=(
        Check("builds", 3, "The image builds", "The build failed. Read the error above, fix that line, and build again with `labkit build .`.", checks.builds, needs_image=False),
        Check("answers", 2, "The container starts and GET /health answers", "The app did not answer on port 8000. Check that CMD starts app.py and that every file it needs was copied into the final stage.", checks.answers_health),
        Check("multi_stage", 2, "Two or more stages; the final one copies from a builder", "Use a builder stage (`FROM ... AS build`) and `COPY --from=build` into a fresh final stage.", checks.multi_stage, needs_image=False),
        Check("no_toolchain", 2, "No compiler or make in the final image", "The C toolchain is only needed to build the mmh3 wheel: install build-essential in the builder stage only.", checks.absent(C_TOOLCHAIN, "build toolchain")),
        Check("no_dev_files", 2, "No test tools, tests or pip cache in the final image", "Install only requirements.txt in the image you ship, copy only app.py, and use `pip install --no-cache-dir`.",
              checks.absent(("*/site-packages/pytest/*", "*/site-packages/_pytest/*", "/app/tests/*", "/root/.cache/pip/*"), "dev files")),
        Check("size", 2, "The image is at most 30 MB bigger than python:3.11-slim-bookworm", "Start the final stage from python:3.11-slim-bookworm and copy in only the virtual environment (or wheels) and the app.",
              checks.size_under("python:3.11-slim-bookworm", 30)),
        Check("non_root", 1, "The app runs as a non-root user", "Create a user (`useradd --system app`) and switch to it with `USER app` before CMD.", checks.non_root),
        Check("hadolint", 1, "hadolint finds no errors", "Run `hadolint Dockerfile` and fix the lines it marks as errors.", checks.hadolint_clean, needs_image=False),
    ),
)

LAYER_CACHING = Exercise(
    slug="02-layer-caching",
    title="Order the slug service's Dockerfile for the build cache",
    checks=(
        Check("builds", 2, "The image builds", "The build failed. Read the error above, fix that line, and build again with `labkit build .`.", checks.builds, needs_image=False),
        Check("answers", 1, "The container starts and GET /health answers", "The app did not answer on port 8000. Check that app.py and its installed dependencies are in the image and that CMD starts app.py.", checks.answers_health),
        Check("source_edit_cached", 4, "After an edit to app.py, the dependency install comes from the cache",
              "Copy requirements.txt on its own, run `pip install` and only then copy the sources: a COPY of app.py (or of `.`) before the install makes every source edit reinstall the dependencies.",
              checks.install_cached_after_edit("app.py")),
        Check("manifest_edit_reruns", 2, "After an edit to requirements.txt, the dependency install runs again",
              "Install from the copied requirements.txt (`pip install -r requirements.txt`) after copying it, so a changed manifest reinstalls instead of keeping stale dependencies.",
              checks.install_reruns_after_edit("requirements.txt")),
        Check("apt_update", 3, "No `apt-get update` alone in a RUN", "Join them: `RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*`. A lone update layer stays cached, and later installs read stale package lists.",
              checks.no_lone_apt_update, needs_image=False),
    ),
)

EXERCISES: dict[str, Exercise] = {exercise.slug: exercise for exercise in (MULTI_STAGE, LAYER_CACHING)}


def get(name: str) -> Exercise:
    """An exercise by slug, or by its unambiguous prefix (``01``)."""
    if name in EXERCISES:
        return EXERCISES[name]
    matches = [slug for slug in EXERCISES if slug.startswith(name)]
    if len(matches) == 1:
        return EXERCISES[matches[0]]
    raise LabkitError(f"no exercise {name!r}", hint=f"choose one of: {', '.join(EXERCISES)}")


def folder(exercise: Exercise, kind: str = "exercises"):
    """The exercise's (or, with kind="solutions", the solution's) folder in the workbook checkout."""
    root = _paths.workbook_root()
    if root is None:
        raise LabkitError("cannot find the workbook folder (with exercises/ and notebooks/)", hint="run from inside the workbook, or set LABKIT_WORKBOOK")
    return root / kind / exercise.slug


#: Exercise 03's budget for the build context (bytes), judged with the usual clutter laid around the submission.
CONTEXT_BUDGET = 1_000_000

BUILD_CONTEXT = Exercise(
    slug="03-build-context",
    title="Send the builder only what the image needs: .dockerignore and secrets",
    checks=(
        Check("builds", 2, "The image builds", "The build failed. If it says a file was not found, your .dockerignore keeps out something a COPY needs (a COPY of .env fails once .env is ignored: remove that COPY).", checks.builds, needs_image=False),
        Check("answers", 2, "The container starts and GET /health answers: nothing the app needs was ignored", "The app did not answer on port 8000, or /health said a file is missing: app.py, webapp/ and static/ must reach the image.", checks.answers_health),
        Check("context_size", 3, f"The build context stays under {CONTEXT_BUDGET / 1e6:.0f} MB, even with .git, node_modules, data and logs around", "Your .dockerignore lets bulk through. Remember it matches from the top of the context: use **/node_modules and **/*.log (or an allowlist: `*` then `!app.py`...). Preview with `python -m labkit.projects preview FOLDER`.",
              checks.context_under(CONTEXT_BUDGET), needs_image=False),
        Check("context_secrets", 2, "No secret-looking file (.env, keys, tokens, .git) is sent to the builder", "List .git, .env*, **/.npmrc and deploy/ in .dockerignore (or use an allowlist), so secrets never leave your machine.", checks.context_sends_no_secrets, needs_image=False),
        Check("layer_secrets", 3, "No secret-looking file is in any layer of the image, not even a deleted one", "A file removed by a later RUN rm stays in the earlier layer. Keep secrets out of the context instead, and pass settings at run time (docker run --env-file .env).", checks.no_secrets_in_layers),
        Check("no_secret_copy", 1, "The Dockerfile copies no secret explicitly", "Remove COPY/ADD lines that name .env, keys or token files; a build that needs a secret uses RUN --mount=type=secret.", checks.no_secret_copied, needs_image=False),
    ),
    build_network=False,  # a standard-library app: RUN steps need no network (the exercise README says so)
)
EXERCISES[BUILD_CONTEXT.slug] = BUILD_CONTEXT


from . import publishing  # noqa: E402  (exercise 04 runs the learner's publish.sh against a fresh registry)

TAGGING = Exercise(
    slug="04-tagging",
    title="Publish one build under the right tags: a CI publish script",
    checks=(
        Check("runs", 2, "publish.sh exits 0 in all five scenarios, within the time limit", "Run it by hand against a local registry (see the README) and read its last lines; `set -euo pipefail` stops at the first failing command and names it.", publishing.script_runs, needs_image=False),
        Check("one_build", 2, "Each scenario builds once and pushes two or more tags, all to that one image", "Build once, naming every tag (`docker build -t A -t B .`, or build then `docker tag`), and push each tag. Never rebuild per tag, and never `docker push --all-tags`: it also pushes old local tags.", publishing.one_build_per_scenario, needs_image=False),
        Check("release", 3, "Release 1.0.0 gets 1.0.0, 1.0, 1 and latest", "A stable release gets the semver cascade: MAJOR.MINOR.PATCH, MAJOR.MINOR, MAJOR (not for 0.x) and latest, each only when no higher published version is in that line.", publishing.tags_after("release"), needs_image=False),
        Check("patch", 2, "Patch release 1.0.1 moves 1.0, 1 and latest; 1.0.0 stays on the first build", "A patch is the highest in its lines, so 1.0, 1 and latest move to it; never push over an existing full version such as 1.0.0.", publishing.tags_after("patch"), needs_image=False),
        Check("prerelease", 3, "Pre-release 1.1.0-rc.1 gets only its own tag: 1.1, 1 and latest do not move", "A VERSION with a '-' (1.1.0-rc.1) is a pre-release: push its own tag (and sha-…) only; floating tags are for stable releases.", publishing.tags_after("prerelease"), needs_image=False),
        Check("branch", 2, "The feature/Login-Page build gets feature-login-page and moves no version tag or latest", "With VERSION empty, push sha-… and the branch made into a tag: lowercase, every run of characters other than a-z 0-9 _ . - becomes one '-', no leading '.' or '-', at most 128 characters.", publishing.tags_after("branch"), needs_image=False),
        Check("hotfix", 3, "Hotfix 0.9.5 after 1.0.1 gets 0.9.5 and 0.9; latest, 1 and 1.0 stay on 1.0.1", "Compare with PUBLISHED: a floating tag moves only when this version is the highest stable one it covers (`sort -V` helps); latest must never go backwards.", publishing.tags_after("hotfix"), needs_image=False),
        Check("sha", 2, "Every build is also tagged sha-<the first 7 characters of GIT_SHA>", "Add sha-${GIT_SHA:0:7} to every build, release or branch: it names the exact commit an image came from.", publishing.sha_tags, needs_image=False),
        Check("exact", 1, "At the end the registry holds exactly the planned tags: none missing, none extra", "Push only what the policy names: no `main`, `v1.0.0`, `1.1` for a pre-release or bare `0`. `labkit tags plan` prints the plan for any scenario.", publishing.exact_tags, needs_image=False),
    ),
    # No check needs the image, so the grader builds nothing itself; were it to, busybox needs no network.
    # (publish.sh runs its own `docker build` on the host, which this setting does not reach.)
    build_network=False,
)
EXERCISES[TAGGING.slug] = TAGGING
