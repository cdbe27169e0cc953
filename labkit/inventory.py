"""What is inside an image, sorted into categories (toolchain, dev dependencies, source...) and compared side by side.

The listing always comes from the image's real filesystem (:func:`labkit.images.filesystem`),
never from what its Dockerfile suggests. Classifying and rendering are pure, so they are
tested without an engine.

>>> files = {"/usr/local/go/bin/go": 14_000_000, "/src/main.go": 1_800, "/app": 6_600_000}
>>> classify(files, {"toolchain": ["/usr/local/go/*"], "source": ["/src/*.go"], "docs": ["/usr/share/doc/*"]})
{'toolchain': ['/usr/local/go/bin/go'], 'source': ['/src/main.go'], 'docs': []}
"""

from __future__ import annotations

import fnmatch
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["Comparison", "Found", "classify", "compare", "comparison", "inventory"]

#: Examples of matching paths shown per table cell.
EXAMPLES = 1
#: Longer example paths are shortened in the middle to this many characters.
EXAMPLE_WIDTH = 60
#: The label of the row that counts the whole image.
WHOLE_IMAGE = "(whole image)"


def classify(files: Mapping[str, int] | Sequence[str], categories: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """The paths matching each category's shell-style patterns (``*`` crosses ``/``).

    Within a category, paths come in the order of the first pattern they match, then
    alphabetically, so the first path is an example of the first pattern that matched.
    """
    paths = sorted(files)
    found: dict[str, list[str]] = {}
    for category, patterns in categories.items():
        listed: dict[str, None] = {}
        for pattern in patterns:
            for path in paths:
                if path not in listed and fnmatch.fnmatchcase(path, pattern):
                    listed[path] = None
        found[category] = list(listed)
    return found


def inventory(image: str, categories: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Classify the files of an image the engine has (by name or id), e.g. ``{"toolchain": [...]}``."""
    from . import images

    return classify(images.filesystem(image), categories)


@dataclass(frozen=True)
class Found:
    """One category in one image: the matching paths and the bytes they take."""

    paths: tuple[str, ...]
    size: int

    @property
    def present(self) -> bool:
        return bool(self.paths)

    def describe(self, *, examples: int = EXAMPLES) -> str:
        """``✓ 3 files, 12.3 MB: /usr/local/go/bin/go, …`` or ``✗ none``; with ``examples=0``, just ``3 files, 12.3 MB``."""
        if not self.paths:
            return "✗ none"
        count = len(self.paths)
        summary = f"{count:,} file{'s' if count != 1 else ''}, {_megabytes(self.size)}"
        if examples <= 0:
            return summary
        shown = ", ".join(_shorten(p) for p in self.paths[:examples]) + (", …" if count > examples else "")
        return f"✓ {summary}: {shown}"


def _shorten(path: str, width: int = EXAMPLE_WIDTH) -> str:
    """Cut a long path in the middle, keeping its start (where it is) and its end (what it is)."""
    if len(path) <= width:
        return path
    head = width // 2 - 1
    return f"{path[:head]}…{path[-(width - head - 1):]}"


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 50_000 else f"{size / 1e3:.1f} kB"


@dataclass(frozen=True, repr=False)
class Comparison:
    """Categories (rows) against images (columns): what each image holds of each category."""

    categories: tuple[str, ...]
    images: tuple[str, ...]
    cells: Mapping[str, Mapping[str, Found]]  # image -> category -> found

    def found(self, image: str, category: str) -> Found:
        return self.cells[image][category]

    def present(self, image: str, category: str) -> bool:
        return self.cells[image][category].present

    def rows(self) -> list[dict[str, str]]:
        """One row per category: ``{"category": ..., image: description, ...}``."""
        return [
            {"category": category, **{image: self.found(image, category).describe(examples=0 if category == WHOLE_IMAGE else EXAMPLES) for image in self.images}}
            for category in self.categories
        ]

    def __str__(self) -> str:
        rows = self.rows()
        widths = {key: max(len(key), *(len(row[key]) for row in rows)) for key in ("category", *self.images)}
        header = "  ".join(key.ljust(widths[key]) for key in widths)
        lines = ["  ".join(row[key].ljust(widths[key]) for key in widths).rstrip() for row in rows]
        return "\n".join([header.rstrip(), "  ".join("-" * widths[key] for key in widths), *lines])

    __repr__ = __str__  # a notebook's plain-text view: the table, not thousands of paths

    def _repr_html_(self) -> str:
        head = "".join(f"<th style='text-align:left'>{html.escape(name)}</th>" for name in ("", *self.images))
        body = ""
        for row in self.rows():
            cells = ""
            for image in self.images:
                cells += f"<td style='text-align:left'><code>{html.escape(row[image])}</code></td>"
            body += f"<tr><th style='text-align:left'>{html.escape(row['category'])}</th>{cells}</tr>"
        return f"<table><tr>{head}</tr>{body}</table>"


def comparison(filesystems: Mapping[str, Mapping[str, int]], categories: Mapping[str, Sequence[str]], *, whole_image: bool = True) -> Comparison:
    """Compare already-listed filesystems (``{image: {path: size}}``); pure, no engine needed.

    With ``whole_image``, a last row counts every file in each image.
    """
    cells: dict[str, dict[str, Found]] = {}
    for image, files in filesystems.items():
        found = classify(files, categories)
        cells[image] = {category: Found(tuple(paths), sum(files[p] for p in paths)) for category, paths in found.items()}
        if whole_image:
            cells[image][WHOLE_IMAGE] = Found(tuple(sorted(files)), sum(files.values()))
    names = (*categories, WHOLE_IMAGE) if whole_image else tuple(categories)
    return Comparison(tuple(names), tuple(filesystems), cells)


def compare(images_by_name: Mapping[str, str], categories: Mapping[str, Sequence[str]], *, whole_image: bool = True) -> Comparison:
    """List each image's filesystem on the engine and compare them: ``compare({"naive": id1, "multi-stage": id2}, {...})``."""
    from . import images

    return comparison({name: images.filesystem(ref) for name, ref in images_by_name.items()}, categories, whole_image=whole_image)
