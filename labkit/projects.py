"""A realistic messy project, generated on demand: a small web app amid the clutter real working copies collect.

The build-context lesson and exercise need a folder that looks like a developer's
checkout: a ``.git`` folder, ``node_modules`` (nested in ``frontend/``, as in many
repositories), ``__pycache__`` folders, build output, logs, a large dataset and an
``.env`` holding a secret, around a small app whose naive ``Dockerfile`` does
``COPY . .``. Nothing bulky is committed: :func:`messy_project` writes it all, seeded,
in about a second.

The secret is FAKE and different on every call (``FAKE-SECRET-<hex>``), so a lesson can
look for that exact string in an image's layers without meeting another run's.

* :func:`messy_project` — the whole project; :func:`write_app` the app alone;
  :func:`add_clutter` the bulky parts (never overwriting a file that exists).
* :func:`preview` — what a folder's ignore file would send once the usual clutter
  lies around it (the exercise's grader uses it).
* :func:`find_in_layers`, :func:`secret_files_in_layers` — where a secret ended up
  in an image, layer by layer, including files a later layer deleted.

From a shell: ``python -m labkit.projects new DIR`` or ``python -m labkit.projects preview DIR``.

>>> project = messy_project(Path(tmp) / "notes")     # doctest: +SKIP
>>> fake_secret(project)                              # doctest: +SKIP
'FAKE-SECRET-3f9c0d...'
"""

from __future__ import annotations

import hashlib
import importlib.util
import marshal
import os
import random
import secrets as _secrets
import shutil
import sys
import tempfile
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from . import context
from ._exceptions import LabkitError

__all__ = [
    "APP_FILES",
    "GITIGNORE",
    "GOOD_DOCKERIGNORE",
    "IGNORE_CASES",
    "IgnoreCase",
    "LayerFinding",
    "NAIVE_DOCKERFILE",
    "PREVIEW_DATASET_MB",
    "SECRET_PREFIX",
    "add_clutter",
    "fake_secret",
    "find_in_layers",
    "messy_project",
    "preview",
    "secret_files_in_layers",
    "write_app",
]

#: Every fake secret starts with this, so no one mistakes it for a real one.
SECRET_PREFIX = "FAKE-SECRET-"
#: Dataset size the grader's clutter uses (MB, 10^6 bytes): big enough to bust a budget, quick to write.
PREVIEW_DATASET_MB = 5

# --------------------------------------------------------------------------- the app

_APP_PY = '''\
"""notes-api: a small JSON web service on Python's standard library.

GET /health answers once the app's own files are in place; GET / serves the page in
static/; GET /notes lists a few notes. Settings come from the environment (API_TOKEN).
For local runs a .env file next to this one is read too; an image never needs it:
pass the settings at run time instead (docker run --env-file .env ...).
"""

import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from webapp import routes

HERE = Path(__file__).resolve().parent


def load_dotenv(path):
    """Read KEY=value lines into the environment, never overriding what is already set."""
    if not path.is_file():
        return
    for line in path.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not key.strip().startswith("#"):
            os.environ.setdefault(key.strip(), value.strip())


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        status, content_type, body = routes.handle(self.path, HERE / "static")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        print(f"{self.address_string()} {format % args}", flush=True)


def main():
    load_dotenv(HERE / ".env")
    port = int(os.environ.get("PORT", "8000"))
    # As PID 1 in a container, Python ignores SIGTERM unless told otherwise: exit on `docker stop`.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    # Every interface: inside a container, 127.0.0.1 is unreachable from outside.
    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    print(f"notes-api listening on 0.0.0.0:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
'''

_INIT_PY = '''\
"""The notes-api's request handling."""

VERSION = "1.4.2"
'''

_ROUTES_PY = '''\
"""Routes: plain functions from a request path to (status, content type, body)."""

import json
import os

from . import VERSION

NOTES = [
    {"id": 1, "text": "Send the builder only what the image needs"},
    {"id": 2, "text": "A file deleted in a later layer is still in the image"},
]
#: The page the app serves; without it the app is broken, and /health says so.
STATIC_FILES = ("index.html", "style.css")
TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css"}


def _json(status, payload):
    return status, "application/json", json.dumps(payload).encode()


def handle(path, static):
    route = path.split("?", 1)[0]
    if route == "/health":
        missing = [f"static/{name}" for name in STATIC_FILES if not (static / name).is_file()]
        if missing:
            return _json(500, {"status": "broken", "missing": missing})
        return _json(200, {"status": "ok", "service": "notes-api", "version": VERSION,
                           "token_configured": bool(os.environ.get("API_TOKEN"))})
    if route == "/notes":
        return _json(200, NOTES)
    name = "index.html" if route == "/" else route.lstrip("/")
    if name in STATIC_FILES and (static / name).is_file():
        return 200, TYPES[os.path.splitext(name)[1]], (static / name).read_bytes()
    return _json(404, {"error": "not found"})
'''

_INDEX_HTML = """\
<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>notes</title><link rel="stylesheet" href="/style.css"></head>
<body>
  <h1>notes</h1>
  <ul id="notes"></ul>
  <script>
    fetch("/notes").then(r => r.json()).then(notes => {
      for (const note of notes) {
        const item = document.createElement("li");
        item.textContent = note.text;
        document.getElementById("notes").append(item);
      }
    });
  </script>
</body>
</html>
"""

_STYLE_CSS = """\
body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; }
h1 { color: #1d63ed; }
li { margin: 0.3rem 0; }
"""

_TEST_APP_PY = '''\
"""Tests for the routes; run them with `python -m pytest tests` (they need no server)."""

import json
from pathlib import Path

from webapp import routes

STATIC = Path(__file__).resolve().parents[1] / "static"


def test_health_is_ok_when_the_page_is_there():
    status, _, body = routes.handle("/health", STATIC)
    assert status == 200 and json.loads(body)["status"] == "ok"


def test_health_reports_missing_files(tmp_path):
    status, _, body = routes.handle("/health", tmp_path)
    assert status == 500 and json.loads(body)["missing"] == ["static/index.html", "static/style.css"]


def test_notes():
    status, _, body = routes.handle("/notes?x=1", STATIC)
    assert status == 200 and len(json.loads(body)) == 2
'''

_README_MD = """\
# notes-api

A small notes service on Python's standard library. Run it with `python app.py`
and open http://localhost:8000/ (health: `/health`).

The page's look comes from `frontend/` (`npm run build`); `data/` holds the
measurements we analyse offline; `logs/` is where local runs write.
"""

_FRONTEND_PACKAGE_JSON = """\
{
  "name": "notes-frontend",
  "private": true,
  "version": "1.4.2",
  "scripts": {"build": "esbuild src/main.js --bundle --minify --sourcemap --outfile=dist/bundle.js"},
  "devDependencies": {"esbuild": "^0.21.4", "eslint": "^8.57.0", "prettier": "^3.2.5"}
}
"""

_FRONTEND_MAIN_JS = """\
// The page's script before bundling: `npm run build` writes dist/bundle.js.
export async function loadNotes(list) {
  const notes = await (await fetch("/notes")).json();
  for (const note of notes) {
    const item = document.createElement("li");
    item.textContent = note.text;
    list.append(item);
  }
}
"""

#: The app's files (path -> text). The lesson's project and exercise 03 ship exactly these (the project adds a README).
APP_FILES: dict[str, str] = {
    "app.py": _APP_PY,
    "webapp/__init__.py": _INIT_PY,
    "webapp/routes.py": _ROUTES_PY,
    "static/index.html": _INDEX_HTML,
    "static/style.css": _STYLE_CSS,
    "requirements.txt": "# The app needs nothing beyond Python's standard library.\n",
    "tests/test_app.py": _TEST_APP_PY,
    "frontend/package.json": _FRONTEND_PACKAGE_JSON,
    "frontend/src/main.js": _FRONTEND_MAIN_JS,
}

#: The naive Dockerfile: it works, and it sends and ships everything lying in the folder.
NAIVE_DOCKERFILE = """\
FROM python:3.11-slim-bookworm
WORKDIR /app
# Everything in the folder: the app, and whatever else lies around it.
COPY . .
EXPOSE 8000
CMD ["python", "app.py"]
"""

#: What git is told to ignore. Git reads these patterns differently from Docker (see IGNORE_CASES).
GITIGNORE = """\
# Git applies a pattern without a slash at every depth of the tree.
node_modules/
__pycache__/
*.log
.env
dist/
build/
data/
.coverage
htmlcov/
.pytest_cache/
"""

#: A .dockerignore for the messy project: the clutter, at any depth, and every secret.
GOOD_DOCKERIGNORE = """\
# Version control and secrets: never send them to the builder.
.git
.env*
**/.npmrc
# Dependencies and build output, wherever they are: the image builds its own.
**/node_modules
**/dist
build
**/__pycache__
.pytest_cache
.coverage
htmlcov
# Data and logs the app does not need at run time.
data
logs
**/*.log
# Files about the project, not part of the app.
tests
frontend
.vscode
.DS_Store
"""


def _write(path: Path, content: str | bytes, created: list[str], root: Path) -> None:
    """Write ``content`` to ``path`` unless it exists; note its relative path."""
    if path.exists() or path.is_symlink():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content)
    else:
        path.write_bytes(content)
    created.append(path.relative_to(root).as_posix())


def write_app(into: str | os.PathLike[str], *, dockerfile: str = NAIVE_DOCKERFILE, gitignore: str | None = GITIGNORE) -> list[str]:
    """Write the notes app (:data:`APP_FILES`), its ``Dockerfile`` and ``.gitignore`` into a folder.

    Existing files are kept. Returns the relative paths written.
    """
    root = Path(into)
    root.mkdir(parents=True, exist_ok=True)
    created: list[str] = []
    files = dict(APP_FILES, Dockerfile=dockerfile)
    if gitignore is not None:
        files[".gitignore"] = gitignore
    for rel, text in files.items():
        _write(root / rel, text, created, root)
    return created


# --------------------------------------------------------------------------- clutter

_PACKAGES = [
    "esbuild", "eslint", "prettier", "@babel/core", "@babel/parser", "@babel/types", "acorn", "ajv", "ansi-styles",
    "chalk", "commander", "debug", "espree", "esquery", "fast-glob", "glob", "js-yaml", "lodash", "minimatch",
    "ms", "picomatch", "postcss", "semver", "source-map", "strip-ansi", "supports-color", "typescript", "uri-js",
    "which", "yargs", "@eslint/js", "@humanwhocodes/config-array", "cross-spawn", "flat-cache", "globals",
]  # fmt: skip
_WORDS = [
    "value", "options", "node", "result", "callback", "context", "token", "index", "parse", "config", "module",
    "exports", "require", "state", "buffer", "source", "target", "scope", "error", "visitor", "path", "length",
]  # fmt: skip


def _code_lines(rng: random.Random, count: int) -> list[str]:
    """Lines that look like minified-ish JavaScript, to fill node_modules and bundles."""
    templates = [
        "function {a}({b}, {c}) {{ return {b}.{d}({c}) || {e}; }}",
        "const {a} = require('./{b}');",
        "if ({a} && {a}.{b} !== undefined) {{ {c}[{d}] = {e}; }}",
        "exports.{a} = function ({b}) {{ return {c}({b}, {d}); }};",
        "  var {a} = {b}.{c}.{d}({e}, {{ {a}: true }});",
        "// {a} {b}: {c} the {d} before {e}",
    ]
    lines = []
    for _ in range(count):
        words = {key: rng.choice(_WORDS) + (str(rng.randrange(100)) if rng.random() < 0.3 else "") for key in "abcde"}
        lines.append(rng.choice(templates).format(**words))
    return lines


def _text_of(rng: random.Random, lines: list[str], size: int) -> str:
    """About ``size`` bytes of text made of ``lines`` picked at random."""
    average = sum(len(line) + 1 for line in lines) / len(lines)
    return "\n".join(rng.choices(lines, k=max(1, round(size / average)))) + "\n"


def _dataset(rng: random.Random, size: int) -> bytes:
    """A CSV of sensor measurements of exactly ``size`` bytes (rows repeat in 250 kB blocks, which is fast)."""
    header = b"timestamp,sensor,temperature_c,humidity_pct,pressure_hpa\n"
    rows = []
    block = 0
    while block < 250_000:
        row = (
            f"2024-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00Z,"
            f"s{rng.randrange(1, 40):03d},{rng.uniform(-10, 35):.2f},{rng.uniform(10, 95):.1f},{rng.uniform(980, 1040):.1f}\n"
        ).encode()
        rows.append(row)
        block += len(row)
    chunk = b"".join(rows)
    data = bytearray(header)
    while len(data) < size:
        data += chunk
    del data[size:]
    if size > len(header):
        data[-1:] = b"\n"
    return bytes(data)


def _log(rng: random.Random, size: int) -> str:
    paths = ["/health", "/notes", "/", "/style.css", "/notes?limit=10", "/favicon.ico"]
    levels = ["INFO"] * 8 + ["DEBUG"] * 3 + ["WARNING", "ERROR"]
    lines = [
        f"2024-05-{rng.randrange(1, 29):02d}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z "
        f"{rng.choice(levels)} 172.17.0.{rng.randrange(2, 30)} GET {rng.choice(paths)} {rng.choice([200, 200, 200, 304, 404, 500])} "
        f"{rng.randrange(1, 90)}ms"
        for _ in range(500)
    ]
    return _text_of(rng, lines, size)


def _pyc(source: str, name: str) -> bytes:
    """A real .pyc of ``source`` for the running Python (timestamp 0), as __pycache__ holds."""
    code = compile(source, name, "exec")
    return importlib.util.MAGIC_NUMBER + b"\0\0\0\0" + b"\0\0\0\0" + len(source).to_bytes(4, "little") + marshal.dumps(code)


def _git_object(kind: str, content: bytes) -> tuple[str, bytes]:
    """A loose git object: its sha1 and zlib-compressed bytes, as git writes them."""
    raw = f"{kind} {len(content)}\0".encode() + content
    return hashlib.sha1(raw).hexdigest(), zlib.compress(raw)


def _git_folder(root: Path, rng: random.Random, created: list[str]) -> None:
    """A ``.git`` with loose objects for the app (and for an ``.env`` committed once) and a pack of history."""
    git = root / ".git"
    if git.exists():
        return
    tracked = {rel: text.encode() for rel, text in APP_FILES.items()}
    env = root / ".env"
    if env.is_file():
        tracked[".env"] = env.read_bytes()  # committed by mistake, "removed" later: history keeps it
    head = hashlib.sha1(repr(sorted(tracked)).encode() + rng.randbytes(8)).hexdigest()
    files: dict[str, str | bytes] = {
        "HEAD": "ref: refs/heads/main\n",
        "config": "[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n"
        '[remote "origin"]\n\turl = git@github.com:example/notes-api.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n',
        "description": "Unnamed repository; edit this file 'description' to name the repository.\n",
        "refs/heads/main": head + "\n",
        "logs/HEAD": "".join(f"{rng.randbytes(20).hex()} {rng.randbytes(20).hex()} Dev <dev@example.com> {1714550400 + i * 3600} +0200\tcommit: work in progress\n" for i in range(40)),
        "index": b"DIRC" + rng.randbytes(12_000),
    }
    for content in tracked.values():
        sha, blob = _git_object("blob", content)
        files[f"objects/{sha[:2]}/{sha[2:]}"] = blob
    pack_sha = rng.randbytes(20).hex()
    files[f"objects/pack/pack-{pack_sha}.pack"] = b"PACK\0\0\0\2" + rng.randbytes(3_000_000)
    files[f"objects/pack/pack-{pack_sha}.idx"] = b"\377tOc\0\0\0\2" + rng.randbytes(60_000)
    for rel, content in files.items():
        _write(git / rel, content, created, root)


def add_clutter(folder: str | os.PathLike[str], *, seed: int = 0, dataset_mb: float = 50) -> list[str]:
    """Lay the clutter of a real working copy into ``folder``, keeping every file already there.

    Adds a ``.git`` folder, ``frontend/node_modules`` (about 1,400 files, 8 MB) and
    ``frontend/dist``, ``__pycache__`` folders, Python build output, test caches, logs
    (one of them rotated, ``logs/app.log.1``), editor settings and ``data/measurements.csv``
    of ``dataset_mb`` MB (10^6 bytes; 0 for none). The same ``seed`` writes the same bytes.

    Returns:
        the relative paths written, in order.
    """
    root = Path(folder)
    if not root.is_dir():
        raise LabkitError(f"no folder at {root}", hint="create the project folder first (messy_project does)")
    created: list[str] = []

    def rng_for(part: str) -> random.Random:
        """One generator per part, so a part that is already there does not change the others."""
        return random.Random(f"{seed}:{part}")

    _git_folder(root, rng_for(".git"), created)
    rng = rng_for("frontend")
    code = _code_lines(rng, 3000)
    modules = root / "frontend" / "node_modules"
    for package in _PACKAGES:
        base = modules / package
        version = f"{rng.randrange(1, 9)}.{rng.randrange(30)}.{rng.randrange(20)}"
        _write(base / "package.json", f'{{"name": "{package}", "version": "{version}", "main": "lib/index.js", "license": "MIT"}}\n', created, root)
        _write(base / "README.md", f"# {package}\n\n" + _text_of(rng, code, 2_000), created, root)
        _write(base / "LICENSE", "MIT License\n\nCopyright (c) contributors\n", created, root)
        for index in range(rng.randrange(25, 50)):
            _write(base / "lib" / f"{rng.choice(_WORDS)}-{index}.js", _text_of(rng, code, rng.randrange(1_000, 9_000)), created, root)
        _write(base / "dist" / "index.min.js", _text_of(rng, code, rng.randrange(20_000, 60_000)), created, root)
    _write(modules / ".package-lock.json", '{"name": "notes-frontend", "lockfileVersion": 3}\n', created, root)
    _write(root / "frontend" / "dist" / "bundle.js", _text_of(rng, code, 600_000), created, root)
    _write(root / "frontend" / "dist" / "bundle.js.map", '{"version":3,"sources":[' + _text_of(rng, code, 900_000).replace("\n", " ") + "]}\n", created, root)

    rng = rng_for("python")
    tag = sys.implementation.cache_tag or "cpython-311"
    for rel in ("app.py", "webapp/__init__.py", "webapp/routes.py", "tests/test_app.py"):
        path = Path(rel)
        _write(root / path.parent / "__pycache__" / f"{path.stem}.{tag}.pyc", _pyc(APP_FILES[rel], rel), created, root)
    for rel in ("webapp/__init__.py", "webapp/routes.py"):
        _write(root / "build" / "lib" / rel, APP_FILES[rel], created, root)
    _write(root / ".pytest_cache" / "v" / "cache" / "lastfailed", "{}\n", created, root)
    _write(root / ".pytest_cache" / "README.md", "# pytest cache directory #\n", created, root)
    _write(root / ".coverage", b"SQLite format 3\0" + rng.randbytes(50_000), created, root)
    _write(root / "htmlcov" / "index.html", "<html><body>" + _text_of(rng, code, 120_000) + "</body></html>\n", created, root)

    rng = rng_for("logs")
    _write(root / "logs" / "app.log", _log(rng, 400_000), created, root)
    _write(root / "logs" / "app.log.1", _log(rng, 2_000_000), created, root)
    _write(root / "debug.log", _log(rng, 150_000), created, root)
    _write(root / ".vscode" / "settings.json", '{"python.defaultInterpreterPath": ".venv/bin/python"}\n', created, root)
    _write(root / ".DS_Store", b"\0\0\0\1Bud1" + rng.randbytes(6_000), created, root)
    if dataset_mb > 0:
        _write(root / "data" / "measurements.csv", _dataset(rng_for("data"), int(dataset_mb * 1_000_000)), created, root)
    return created


# --------------------------------------------------------------------------- the whole project


def messy_project(into: str | os.PathLike[str], *, seed: int = 0, dataset_mb: float = 50) -> Path:
    """Generate a realistic messy project in ``into``: a small working web app and a developer's clutter.

    The app (Python standard library, ``GET /health`` on ``0.0.0.0:8000``) comes with a
    naive ``Dockerfile`` (``COPY . .``), a ``.gitignore``, an ``.env`` holding a FAKE token,
    and everything :func:`add_clutter` lays around it: ``.git``, ``frontend/node_modules``,
    build output, ``__pycache__``, logs and a dataset of ``dataset_mb`` MB.

    Args:
        into: the project folder; created, or an existing empty folder.
        seed: the same seed writes the same files (all but the secret, which is new on every call).
        dataset_mb: size of ``data/measurements.csv`` in MB (10^6 bytes); 0 for none.

    Returns:
        the project folder.

    Raises:
        LabkitError: ``into`` exists and is not an empty folder.

    >>> project = messy_project(Path(tmp) / "notes", dataset_mb=5)   # doctest: +SKIP
    >>> fake_secret(project).startswith("FAKE-SECRET-")               # doctest: +SKIP
    True
    """
    root = Path(into)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise LabkitError(f"{root} already exists and is not empty", hint="choose a new folder, e.g. in tempfile.mkdtemp()")
    root.mkdir(parents=True, exist_ok=True)
    write_app(root)
    (root / "README.md").write_text(_README_MD)
    token = SECRET_PREFIX + _secrets.token_hex(16)
    (root / ".env").write_text(
        "# Local settings. Never commit this file, never send it to a build.\n"
        f"API_TOKEN={token}\n"
        "DATABASE_URL=postgres://notes:FAKE-PASSWORD@localhost:5432/notes\n"
    )
    add_clutter(root, seed=seed, dataset_mb=dataset_mb)
    return root


def fake_secret(project: str | os.PathLike[str]) -> str:
    """The FAKE ``API_TOKEN`` in a project's ``.env``."""
    env = Path(project) / ".env"
    for line in env.read_text().splitlines() if env.is_file() else []:
        key, _, value = line.partition("=")
        if key.strip() == "API_TOKEN":
            return value.strip()
    raise LabkitError(f"no API_TOKEN in {env}", hint="generate the project with messy_project()")


def preview(folder: str | os.PathLike[str], *, seed: int = 0, dataset_mb: float = PREVIEW_DATASET_MB) -> context.ContextReport:
    """What ``folder``'s ignore file would send if the usual clutter lay in it, without touching ``folder``.

    The folder is copied to a temporary one, :func:`add_clutter` fills in the bulky
    parts it lacks, and :func:`labkit.context.analyse` reads the copy. The report's
    ``context`` is the (removed) copy.
    """
    source = Path(folder)
    if not source.is_dir():
        raise LabkitError(f"no folder at {source}", hint="give the folder with the Dockerfile and .dockerignore")
    with tempfile.TemporaryDirectory(prefix="labkit-preview-") as scratch:
        copy = Path(scratch) / source.name
        shutil.copytree(source, copy, symlinks=True)
        add_clutter(copy, seed=seed, dataset_mb=dataset_mb)
        return context.analyse(copy)


# --------------------------------------------------------------------------- secrets in layers


class LayerFinding(NamedTuple):
    """A file in one layer of an image: its layer number, path, and why it is a problem."""

    layer: int
    path: str
    reason: str


def find_in_layers(image: str, text: str | bytes, *, layers: Iterable[tuple[int, str, bytes | None]] | None = None) -> list[tuple[int, str]]:
    """Every ``(layer, path)`` of ``image`` whose content holds ``text``, deleted-later files included.

    Only files up to 64 KiB are read (:func:`labkit.images.layer_files`), which is where
    ``.env`` files and keys are. ``layers`` replaces reading the image (for tests).
    """
    from . import images

    needle = text.encode() if isinstance(text, str) else text
    entries = images.layer_files(image) if layers is None else layers
    return [(layer, path) for layer, path, content in entries if content is not None and needle in content]


#: Names whose secret-ness context's rules decide from the content (keys, npm and PyPI tokens, cloud keys).
_CONTENT_RULES = (".pem", ".key", ".npmrc", ".pypirc", ".json")


def secret_files_in_layers(image: str, *, layers: Iterable[tuple[int, str, bytes | None]] | None = None) -> list[LayerFinding]:
    """Files in any layer of ``image`` that :mod:`labkit.context` would flag as secrets if they were sent.

    The same rules as :attr:`labkit.context.ContextReport.secrets` (``.env`` files, SSH
    keys, npm tokens, ``.git`` folders...), applied to each layer's files, so a file a later
    ``RUN rm`` deleted is still found. A ``.git`` folder is reported once per layer.
    ``layers`` replaces reading the image (for tests).
    """
    from . import images

    entries = images.layer_files(image) if layers is None else layers
    found: list[LayerFinding] = []
    seen_git: set[tuple[int, str]] = set()
    with tempfile.TemporaryDirectory(prefix="labkit-layer-") as scratch:
        peek = Path(scratch) / "file"
        for layer, path, content in entries:
            name = path.rsplit("/", 1)[-1].lower()
            reason = context.secret_reason(path, Path(scratch) / "absent", False)
            if reason is None and content is not None and name.endswith(_CONTENT_RULES):
                peek.write_bytes(content)
                reason = context.secret_reason(path, peek, False)
            if reason is None:
                continue
            if path.startswith(".git/") or "/.git/" in path:
                folder = path[: path.index(".git/") + 5]
                if (layer, folder) in seen_git:
                    continue
                seen_git.add((layer, folder))
                path = folder
            found.append(LayerFinding(layer, path, reason))
    return found


# --------------------------------------------------------------------------- .gitignore vs .dockerignore


class IgnoreCase(NamedTuple):
    """One pattern and one path, with what git does (documented in gitignore(5), checked by the tests)."""

    patterns: tuple[str, ...]
    path: str
    git_ignores: bool
    why: str


#: Where .gitignore and .dockerignore disagree. Docker's answer is computed by :func:`labkit.context.matches`.
IGNORE_CASES: tuple[IgnoreCase, ...] = (
    IgnoreCase(("*.log",), "debug.log", True, "both match a file at the top"),
    IgnoreCase(("*.log",), "logs/app.log", True, "git: no slash, so any depth; Docker: the top folder only"),
    IgnoreCase(("**/*.log",), "logs/app.log", True, "** reaches any depth in both"),
    IgnoreCase(("node_modules/",), "frontend/node_modules/acorn/package.json", True, "git: any depth; Docker: trailing / dropped, top only"),
    IgnoreCase(("**/node_modules",), "frontend/node_modules/acorn/package.json", True, "** reaches any depth in both"),
    IgnoreCase(("/build",), "build/lib/webapp/routes.py", True, "a leading / anchors at the top in both"),
    IgnoreCase(("logs", "!logs/keep.txt"), "logs/keep.txt", True, "git cannot re-include a file below an excluded folder; Docker can"),
)


# --------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    """``python -m labkit.projects new DIR [--dataset-mb N] [--seed S]`` or ``... preview DIR``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m labkit.projects", description="Generate a messy project, or preview a folder's build context amid the usual clutter.")
    sub = parser.add_subparsers(dest="command", required=True)
    new = sub.add_parser("new", help="generate a messy project in a new folder")
    new.add_argument("folder", type=Path)
    new.add_argument("--seed", type=int, default=0)
    new.add_argument("--dataset-mb", type=float, default=50)
    show = sub.add_parser("preview", help="what the folder's .dockerignore would send once .git, node_modules, data and logs lie in it")
    show.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command == "new":
            project = messy_project(args.folder, seed=args.seed, dataset_mb=args.dataset_mb)
            print(f"{project}: {context.analyse(project).summary()}")
            return 0
        report = preview(args.folder)
    except LabkitError as failure:
        print(f"error: {failure.one_line()}", file=sys.stderr)
        return 1
    print(report.summary())
    for path, size in report.largest(8):
        print(f"  {size / 1e6:9.3f} MB  {path}")
    for finding in report.secrets:
        print(f"  secret sent: {finding.path} ({finding.reason})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
