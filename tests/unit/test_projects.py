"""labkit.projects without an engine: the messy project's contents, its app, the clutter, the previews, and secrets in layers."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from labkit import LabkitError, context, projects
from labkit.projects import IGNORE_CASES, LayerFinding

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return projects.messy_project(tmp_path_factory.mktemp("messy") / "notes", seed=7, dataset_mb=2)


def test_the_project_has_an_app_a_naive_dockerfile_and_realistic_clutter(project):
    for rel in [*projects.APP_FILES, "Dockerfile", ".gitignore", ".env", "README.md"]:
        assert (project / rel).is_file(), rel
    assert "COPY . ." in (project / "Dockerfile").read_text()
    assert (project / ".git" / "HEAD").read_text() == "ref: refs/heads/main\n"
    assert len(list((project / ".git" / "objects").glob("??/*"))) >= len(projects.APP_FILES)
    assert list((project / ".git" / "objects" / "pack").glob("*.pack"))
    assert len(list((project / "frontend" / "node_modules").rglob("*.js"))) > 500
    assert (project / "__pycache__").is_dir() and (project / "webapp" / "__pycache__").is_dir()
    assert (project / "frontend" / "dist" / "bundle.js").is_file() and (project / "build" / "lib").is_dir()
    assert (project / "logs" / "app.log").is_file() and (project / "debug.log").is_file()
    assert (project / "data" / "measurements.csv").stat().st_size == 2_000_000


def test_the_pycache_holds_real_bytecode_for_this_python(project):
    import importlib.util

    pyc = next((project / "webapp" / "__pycache__").glob("routes.*.pyc")).read_bytes()
    assert pyc[:4] == importlib.util.MAGIC_NUMBER


def test_a_git_object_is_a_real_blob_of_the_env_file(project):
    import hashlib
    import zlib

    raw = b"blob %d\0" % len((project / ".env").read_bytes()) + (project / ".env").read_bytes()
    sha = hashlib.sha1(raw).hexdigest()
    assert zlib.decompress((project / ".git" / "objects" / sha[:2] / sha[2:]).read_bytes()) == raw


def test_the_dataset_is_a_csv_of_whole_lines(project):
    with (project / "data" / "measurements.csv").open() as handle:
        assert handle.readline().startswith("timestamp,sensor,")
        assert handle.readline().count(",") == 4
    assert (project / "data" / "measurements.csv").read_bytes().endswith(b"\n")


def test_the_secret_is_fake_and_new_on_every_call_while_the_rest_is_seeded(tmp_path):
    a = projects.messy_project(tmp_path / "a", seed=3, dataset_mb=0.1)
    b = projects.messy_project(tmp_path / "b", seed=3, dataset_mb=0.1)
    secret_a, secret_b = projects.fake_secret(a), projects.fake_secret(b)
    assert secret_a.startswith(projects.SECRET_PREFIX) and len(secret_a) > len(projects.SECRET_PREFIX) + 16
    assert secret_a != secret_b
    assert f"API_TOKEN={secret_a}" in (a / ".env").read_text()

    def fingerprint(root: Path) -> dict[str, bytes]:
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file() and ".git" not in p.parts and p.name != ".env"}

    assert fingerprint(a) == fingerprint(b)
    other = projects.messy_project(tmp_path / "c", seed=4, dataset_mb=0.1)
    assert fingerprint(other) != fingerprint(a)


def test_messy_project_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep.txt").write_text("mine")
    with pytest.raises(LabkitError, match="not empty"):
        projects.messy_project(tmp_path / "x")
    assert projects.messy_project(tmp_path / "empty-ok", dataset_mb=0).is_dir()


def test_the_naive_context_sends_everything_and_flags_the_secrets(project):
    report = context.analyse(project)
    assert report.total_bytes > 2_000_000 + 5_000_000
    assert {f.path for f in report.secrets} == {".env", ".git/"}
    assert report.largest(1)[0][0] in ("data/", "frontend/")


def test_the_good_dockerignore_sends_only_the_app(tmp_path, project):
    copy = tmp_path / "copy"
    shutil.copytree(project, copy, symlinks=True)
    (copy / ".dockerignore").write_text(projects.GOOD_DOCKERIGNORE)
    report = context.analyse(copy)
    assert report.secrets == []
    assert report.total_bytes < 20_000
    needed = {"app.py", "webapp/__init__.py", "webapp/routes.py", "static/index.html", "static/style.css", "requirements.txt"}
    assert needed <= set(report.files)
    assert not [f for f in report.files if "__pycache__" in f or f.endswith(".log") or f.startswith(("data/", "frontend/", ".git/"))]


def test_add_clutter_keeps_existing_files_and_reports_what_it_wrote(tmp_path):
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "app.log").write_text("mine\n")
    written = projects.add_clutter(tmp_path, dataset_mb=0)
    assert (tmp_path / "logs" / "app.log").read_text() == "mine\n"
    assert "logs/app.log" not in written and "logs/app.log.1" in written
    assert "data/measurements.csv" not in written
    assert projects.add_clutter(tmp_path, dataset_mb=0) == []
    with pytest.raises(LabkitError, match="no folder"):
        projects.add_clutter(tmp_path / "missing")


def test_preview_judges_a_folder_amid_the_clutter_without_touching_it(tmp_path):
    folder = tmp_path / "sub"
    projects.write_app(folder)
    before = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))
    report = projects.preview(folder, dataset_mb=1)
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")) == before
    assert "data/measurements.csv" in report.files and ".git/" in {f.path for f in report.secrets}
    (folder / ".dockerignore").write_text("*\n!app.py\n!webapp\n!static\n**/__pycache__\n")
    assert projects.preview(folder, dataset_mb=1).total_bytes < 10_000


def test_fake_secret_needs_an_env_file(tmp_path):
    with pytest.raises(LabkitError, match="no API_TOKEN"):
        projects.fake_secret(tmp_path)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_app_answers_health_and_reports_missing_files(project, tmp_path):
    port = _free_port()
    app = subprocess.Popen([sys.executable, "app.py"], cwd=project, env={**{k: v for k, v in os.environ.items() if k != "API_TOKEN"}, "PORT": str(port)},
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as answer:
                    health = json.loads(answer.read())
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        assert health["status"] == "ok" and health["token_configured"] is True  # read from .env
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as answer:
            assert b"<h1>notes</h1>" in answer.read()
    finally:
        app.terminate()
        app.wait(5)
    sys.path.insert(0, str(project))
    try:
        from webapp import routes

        status, _, body = routes.handle("/health", tmp_path)
        assert status == 500 and json.loads(body)["missing"] == ["static/index.html", "static/style.css"]
    finally:
        sys.path.remove(str(project))
        sys.modules.pop("webapp.routes", None)
        sys.modules.pop("webapp", None)


# --------------------------------------------------------------------------- secrets in layers (fake layers)

LAYERS = [
    (0, "etc/ssl/certs/ca-certificates.crt", b"-----BEGIN CERTIFICATE-----"),
    (0, "usr/lib/python3/dist-packages/pip/_vendor/certifi/cacert.pem", b"-----BEGIN CERTIFICATE-----"),
    (1, "app/.env", b"API_TOKEN=FAKE-SECRET-abc\n"),
    (1, "app/.git/HEAD", b"ref: refs/heads/main\n"),
    (1, "app/.git/objects/ab/cdef", b"x"),
    (1, "app/frontend/.npmrc", b"//npm.example.com/:_authToken=FAKE\n"),
    (1, "app/site.key", b"-----BEGIN RSA PRIVATE KEY-----\nFAKE\n"),
    (1, "app/big.bin", None),
    (2, "app/.wh..env", b""),
]


def test_secret_files_in_layers_applies_contexts_rules_to_every_layer():
    found = projects.secret_files_in_layers("unused", layers=LAYERS)
    assert [(f.layer, f.path) for f in found] == [(1, "app/.env"), (1, "app/.git/"), (1, "app/frontend/.npmrc"), (1, "app/site.key")]
    assert all(isinstance(f, LayerFinding) and f.reason for f in found)


def test_find_in_layers_finds_text_in_files_a_later_layer_deleted():
    assert projects.find_in_layers("unused", "FAKE-SECRET-abc", layers=LAYERS) == [(1, "app/.env")]
    assert projects.find_in_layers("unused", b"nowhere", layers=LAYERS) == []


# --------------------------------------------------------------------------- .gitignore vs .dockerignore


@pytest.mark.parametrize("case", IGNORE_CASES, ids=lambda c: f"{'+'.join(c.patterns)}:{c.path}")
def test_git_answers_as_documented(tmp_path, case):
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    subprocess.run([git, "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("\n".join(case.patterns) + "\n")
    (tmp_path / case.path).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / case.path).write_text("x")
    ignored = subprocess.run([git, "-C", str(tmp_path), "check-ignore", "-q", "--no-index", case.path]).returncode == 0
    assert ignored == case.git_ignores


def test_docker_disagrees_with_git_exactly_where_the_cases_say():
    docker = {(c.patterns, c.path): context.matches(list(c.patterns), c.path) for c in IGNORE_CASES}
    disagree = {key for key, ignored in docker.items() if ignored != next(c.git_ignores for c in IGNORE_CASES if (c.patterns, c.path) == key)}
    assert disagree == {(("*.log",), "logs/app.log"), (("node_modules/",), "frontend/node_modules/acorn/package.json"), (("logs", "!logs/keep.txt"), "logs/keep.txt")}


def test_the_cases_hold_under_both_generations_of_dockers_rules():
    for case in IGNORE_CASES:
        assert context.matches(list(case.patterns), case.path, semantics="buildkit") == context.matches(list(case.patterns), case.path, semantics="docker-20.10")


# --------------------------------------------------------------------------- command line


def test_the_command_line_generates_and_previews(tmp_path, capsys):
    assert projects.main(["new", str(tmp_path / "p"), "--dataset-mb", "0.5"]) == 0
    assert "files" in capsys.readouterr().out
    assert projects.main(["preview", str(tmp_path / "p")]) == 0
    out = capsys.readouterr().out
    assert "secret sent: .env" in out
    assert projects.main(["new", str(tmp_path / "p")]) == 1
    assert "not empty" in capsys.readouterr().err
