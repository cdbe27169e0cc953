"""Removing what labkit created, by label, and nothing else."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import engine, labels


@dataclass
class CleanReport:
    containers: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"removed {len(self.containers)} containers and {len(self.images)} images made by labkit"


def clean(*, session: str | None = None, bases: bool = False) -> CleanReport:
    """Remove every container and image labkit made (only this ``session``'s, if given).

    Base-image stand-ins are kept unless ``bases`` is true, since rebuilding them takes minutes.
    """
    from docker.errors import APIError, NotFound

    sdk = engine.client()
    report = CleanReport()
    for container in sdk.containers.list(all=True, filters={"label": f"{labels.MANAGED}=true"}):
        if labels.is_managed(container.labels, session=session):
            try:
                container.remove(force=True)
                report.containers.append(container.short_id)
            except NotFound:
                pass
    candidates = sdk.images.list(filters={"label": f"{labels.MANAGED}=true"})
    if bases:
        candidates += sdk.images.list(filters={"label": labels.STANDIN_REF})
    for image in candidates:
        image_labels = image.labels or {}
        if labels.is_managed(image_labels, session=session) or (bases and labels.is_standin_of(image_labels, image.tags)):
            try:
                sdk.images.remove(image.id, force=True)
                report.images.append(image.short_id)
            except (NotFound, APIError):
                pass
    return report


def leftovers() -> list[str]:
    """Short ids of every image and container still carrying labkit's managed label."""
    sdk = engine.client()
    found = [c.short_id for c in sdk.containers.list(all=True, filters={"label": f"{labels.MANAGED}=true"})]
    found += [i.short_id.split(":")[-1] for i in sdk.images.list(filters={"label": f"{labels.MANAGED}=true"}) if labels.is_managed(i.labels)]
    return found
