"""Print, for each sample app, the cold build and the rebuild after a source edit for both
Dockerfile orders (cache-unfriendly: `COPY . .` before the install; cache-friendly: manifests,
install, then sources), and the ratio between the two source-edit rebuilds, measured in one run.

    .venv/bin/python benchmarks/caching.py                 # python-api and node-api
    .venv/bin/python benchmarks/caching.py node-api        # one sample

Figures, not assertions: speed targets live here, never in timed tests. Every edit carries a
token new to this run, so no earlier build's cache answers for it; the cold build uses --no-cache.
"""

from __future__ import annotations

import argparse
import uuid

import labkit
from labkit import cache

#: The source file each sample's lesson edits.
SOURCES = {"python-api": "app.py", "node-api": "src/server.ts"}
ORDERS = ("cache-unfriendly", "cache-friendly")


def measure(sample: str, run: str) -> dict[str, tuple[float, float]]:
    """``{order: (cold seconds, source-edit rebuild seconds)}`` for one sample."""
    edit = cache.harmless_edit(SOURCES[sample], note=f"benchmark {run}")
    out = {}
    for order in ORDERS:
        series = cache.rebuild_series(labkit.sample(sample), {"source edit": edit}, dockerfile=f"Dockerfile.{order}", progress=None)
        wrong = series["source edit"].disagreements
        if wrong:
            print(f"    note: {len(wrong)} step(s) did not go as labkit.cache predicted: {wrong[0]}")
        out[order] = (series["cold"].result.seconds, series["source edit"].result.seconds)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("samples", nargs="*", help=f"sample apps (default: {' '.join(SOURCES)})")
    args = parser.parse_args()
    unknown = [s for s in args.samples if s not in SOURCES]
    if unknown:
        parser.error(f"unknown sample(s) {', '.join(unknown)}; choose from {', '.join(SOURCES)}")
    args.samples = args.samples or list(SOURCES)
    run = uuid.uuid4().hex[:8]
    print(f"{'sample':12} {'Dockerfile order':18} {'cold':>8} {'source edit':>12}")
    try:
        for sample in args.samples:
            figures = measure(sample, run)
            for order, (cold, edit) in figures.items():
                print(f"{sample:12} {order:18} {cold:7.1f}s {edit:11.1f}s")
            slow, fast = figures["cache-unfriendly"][1], figures["cache-friendly"][1]
            print(f"{sample:12} {'source-edit ratio':18} {'':8} {slow / fast:10.1f}×  (unfriendly / friendly)")
    finally:
        labkit.clean(session=labkit.labels.SESSION_ID)


if __name__ == "__main__":
    main()
