"""Print what every sample app's naive and multi-stage variant weighs and costs to build from cold.

    .venv/bin/python benchmarks/samples.py              # every sample with a Dockerfile.naive
    .venv/bin/python benchmarks/samples.py go-api       # just one

Each variant is built with no cache (every step runs), measured (size on disk, gzip-compressed
size as a registry stores it), then removed. For the Go sample, the final image is also set against
the binary it ships (/app). Figures, not assertions: the lesson's self-checks live in notebook 01.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import labkit
from labkit import _paths, images

VARIANTS = {"naive": "Dockerfile.naive", "multi-stage": "Dockerfile"}
#: Where each sample's final image keeps its binary, for samples that ship one.
BINARIES = {"go-api": "/app"}


def samples() -> list[str]:
    """The shipped samples that come in both variants."""
    return sorted(p.name for p in _paths.SAMPLES.iterdir() if (p / "Dockerfile.naive").is_file() and (p / "Dockerfile").is_file())


def measure(app: str) -> list[dict[str, object]]:
    rows = []
    context = labkit.sample(app)
    for variant, dockerfile in VARIANTS.items():
        print(f"  building {app} ({variant}) from cold…", file=sys.stderr)
        result = labkit.build(context, dockerfile=context / dockerfile, tag=f"labkit-bench/{app}:{variant}", no_cache=True, progress=None)
        row: dict[str, object] = {"app": app, "variant": variant, "size": result.size_mb, "compressed": result.compressed_size / 1e6, "seconds": result.seconds, "ratio": ""}
        binary = BINARIES.get(app)
        if binary and variant == "multi-stage":
            size = images.filesystem(result.image_id)[binary]
            row["ratio"] = f"{result.size / size:.3f} (binary {size / 1e6:.2f} MB, image {(result.size - size) / 1e3:+.0f} kB)"
        rows.append(row)
    naive, multi = rows
    multi["reduction"] = f"{1 - multi['size'] / naive['size']:.0%}"  # type: ignore[operator]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("apps", nargs="*", help="sample names (default: every sample with a Dockerfile.naive)")
    args = parser.parse_args()
    rows = []
    try:
        for app in args.apps or samples():
            rows += measure(app)
    finally:
        labkit.clean(session=labkit.labels.SESSION_ID)
    print(f"{'sample':11} {'variant':12} {'size MB':>8} {'gzip MB':>8} {'cold build s':>12} {'smaller':>8}  final image / binary")
    for row in rows:
        print(
            f"{row['app']:11} {row['variant']:12} {row['size']:8.1f} {row['compressed']:8.1f} {row['seconds']:12.1f}"
            f" {row.get('reduction', ''):>8}  {row['ratio']}"
        )


if __name__ == "__main__":
    main()
