"""The labels labkit puts on what it creates, and the filters that find them again.

Everything labkit builds or starts carries ``io.labkit.managed=true``, the
purpose (``build``, ``run``, ``grading``, ``registry``) and this process's
session id, so :func:`labkit.clean` removes exactly those and nothing else.
Base-image stand-ins carry ``io.labkit.standin`` instead: they are kept by a
normal clean, and images a learner builds on them inherit that label, which
is how a result knows it stands on a stand-in.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping

NAMESPACE = "io.labkit"
MANAGED = f"{NAMESPACE}.managed"
PURPOSE = f"{NAMESPACE}.purpose"
SESSION = f"{NAMESPACE}.session"
STANDIN = f"{NAMESPACE}.standin"
STANDIN_REF = f"{NAMESPACE}.standin.ref"

#: One id per Python process (or as set by LABKIT_SESSION), so a run's leftovers can be told apart.
SESSION_ID = os.environ.get("LABKIT_SESSION") or uuid.uuid4().hex[:12]

PURPOSES = ("build", "run", "grading", "registry")


def managed_labels(purpose: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The labels for a new image or container made for ``purpose``."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}; expected one of {PURPOSES}")
    labels = {MANAGED: "true", PURPOSE: purpose, SESSION: SESSION_ID}
    labels.update(extra or {})
    return labels


def is_managed(labels: Mapping[str, str] | None, *, session: str | None = None) -> bool:
    """True when these labels mark something labkit made (in ``session``, if given)."""
    labels = labels or {}
    if labels.get(MANAGED) != "true":
        return False
    return session is None or labels.get(SESSION) == session


def is_standin_of(labels: Mapping[str, str] | None, tags: list[str] | tuple[str, ...]) -> bool:
    """True when an image is itself the stand-in for one of its tags (not merely built on one)."""
    ref = (labels or {}).get(STANDIN_REF)
    return ref is not None and any(_same_ref(ref, tag) for tag in tags)


def _same_ref(a: str, b: str) -> bool:
    from .tags import InvalidReference, parse

    try:
        return parse(a).normalised == parse(b).normalised
    except InvalidReference:
        return a == b
