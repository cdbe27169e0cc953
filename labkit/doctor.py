"""`labkit doctor`: is this machine ready for the workbook, and if not, what to do."""

from __future__ import annotations

import html
import os
import platform
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from . import bases, engine
from ._exceptions import EngineNotFound, LabkitError
from .bases.standins import extra_certificates

#: Below this much free space in the engine's data root, builds start failing midway.
LOW_DISK_BYTES = 5 * 1024**3


@dataclass(frozen=True)
class Finding:
    topic: str
    detail: str
    ok: bool = True
    hint: str = ""


@dataclass
class DoctorReport:
    """What `labkit doctor` found; ``ok`` is False when something blocks the workbook."""

    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.findings)

    def get(self, topic: str) -> Finding:
        return next(f for f in self.findings if f.topic == topic)

    def __str__(self) -> str:
        width = max((len(f.topic) for f in self.findings), default=0)
        lines = []
        for f in self.findings:
            mark = "ok " if f.ok else "!! "
            lines.append(f"{mark}{f.topic.ljust(width)}  {f.detail}" + (f"\n   {' ' * width}  → {f.hint}" if f.hint else ""))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{'✅' if f.ok else '❌'}</td><td><b>{html.escape(f.topic)}</b></td>"
            f"<td>{html.escape(f.detail)}{'<br><i>→ ' + html.escape(f.hint) + '</i>' if f.hint else ''}</td></tr>"
            for f in self.findings
        )
        return f"<table>{rows}</table>"


def _free_bytes(path: str) -> int | None:
    try:
        return shutil.disk_usage(path).free
    except OSError:
        return None


def doctor() -> DoctorReport:
    """Check the engine, builder, architecture, disk, proxy/CA settings and base images.

    Raises:
        EngineNotFound: when no engine answers (the one thing nothing else can work without).
    """
    sdk = engine.client()
    version = sdk.version()
    info = sdk.info()
    report = DoctorReport()
    add = report.findings.append
    add(Finding("engine", f"Docker Engine {version.get('Version')} (API {version.get('ApiVersion')}) at {engine.docker_host() or 'the default socket'}"))
    chosen = engine.builder()
    add(Finding("builder", chosen.describe(), ok=True, hint="" if chosen.uses_buildkit else "install the buildx plugin for BuildKit's cache reports"))
    add(Finding("architecture", f"{info.get('Architecture')} (engine), {platform.machine()} (this Python)"))
    root = info.get("DockerRootDir", "")
    free = _free_bytes(root) if root and Path(root).exists() else None
    if free is None:
        add(Finding("disk", f"data root {root or '?'} is not visible from here (engine in a VM?); free space unknown"))
    else:
        add(Finding("disk", f"{free / 1024**3:.1f} GiB free in {root}", ok=free >= LOW_DISK_BYTES,
                    hint="" if free >= LOW_DISK_BYTES else "free space: `labkit clean`, then `docker system prune`"))
    proxies = [f"{k}={v}" for k, v in os.environ.items() if k.lower() in ("http_proxy", "https_proxy", "no_proxy")]
    certs = extra_certificates()
    add(Finding(
        "proxy and CAs",
        (f"proxy settings: {', '.join(proxies)}; " if proxies else "no proxy variables; ")
        + (f"{len(certs)} extra CA certificate(s) trusted by the host, copied into stand-in bases" if certs else "no extra CA certificates"),
    ))
    try:
        statuses = bases.status()
    except LabkitError as err:
        add(Finding("base images", f"cannot read the Dockerfiles: {err.message}", ok=False, hint=err.hint))
        return report
    for current in statuses:
        add(Finding(f"base {current.reference}", current.origin, ok=current.present, hint="" if current.present else "run `labkit bases`"))
    return report


__all__ = ["doctor", "DoctorReport", "Finding", "EngineNotFound"]
