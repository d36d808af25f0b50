"""The index step with nothing (or little) to do, at two catalog sizes side by side in one run.

``readout run`` ends with the index step whether or not anything changed, so its cost must follow the new
work, not the size of the catalog. Two SQLite catalogs are filled (``--small`` and ``--large`` documents,
the fixture texts of ``outbox.py``) and fully indexed into their own embedded index; then, alternating
between the two so that both see the same machine, the script times ``--repeat`` passes of
``index_pending`` with nothing pending (the no-op pass) and ``--repeat`` passes after ``--new`` new
documents were stored (the ordinary incremental pass). It prints the medians and the large/small ratios.

    python benchmarks/index_noop.py [--small 2000] [--large 20000] [--repeat 7] [--new 10] [--max-ratio 1.5]

Exits 1 when a pass left anything pending or sent more than it should, or when a ratio is above
``--max-ratio`` (1.0 means the catalog's size costs nothing).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from outbox import fill, texts  # noqa: E402

from pipeline.config import Settings  # noqa: E402
from pipeline.index.service import index_pending  # noqa: E402
from pipeline.store.catalog import Catalog  # noqa: E402


@dataclass
class World:
    """One catalog and its embedded index."""

    documents: int
    settings: Settings
    catalog: Catalog
    noop: list[float] = field(default_factory=list)
    incremental: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def timed_pass(self, expected_sent: int) -> float:
        started = time.perf_counter()
        report = index_pending(self.settings, self.catalog)
        seconds = time.perf_counter() - started
        if report.error or report.sent != expected_sent or report.pending_after:
            self.problems.append(
                f"{self.documents} documents: sent {report.sent} (expected {expected_sent}), "
                f"{report.pending_after} pending, error {report.error}"
            )
        return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=2_000)
    parser.add_argument("--large", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=7, help="timed passes of each kind per size (default 7)")
    parser.add_argument("--new", type=int, default=10, help="new documents before each incremental pass")
    parser.add_argument("--max-ratio", type=float, default=1.5, help="fail above this large/small ratio")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    corpus = texts()
    with tempfile.TemporaryDirectory() as tmp:
        worlds: list[World] = []
        for size in (args.small, args.large):
            settings = Settings(data_dir=Path(tmp) / str(size), elasticsearch_url=None)
            catalog = Catalog.open(settings.effective_catalog_url)
            fill(catalog, size, corpus)
            world = World(size, settings, catalog)
            world.timed_pass(expected_sent=size)  # the first pass indexes everything (not timed)
            world.timed_pass(expected_sent=0)  # warm-up: caches, the first page reads
            worlds.append(world)
        stored = {world.documents: world.documents for world in worlds}
        for _ in range(args.repeat):
            for world in worlds:
                world.noop.append(world.timed_pass(expected_sent=0))
            for world in worlds:
                fill(world.catalog, args.new, corpus, start=stored[world.documents])
                stored[world.documents] += args.new
                world.incremental.append(world.timed_pass(expected_sent=args.new))
        for world in worlds:
            world.catalog.close()
    small, large = worlds
    result = {
        "documents": [small.documents, large.documents],
        "noop_pass_ms_median": [round(statistics.median(w.noop) * 1000, 1) for w in worlds],
        "noop_ratio_large_small": round(statistics.median(large.noop) / statistics.median(small.noop), 2),
        f"pass_with_{args.new}_new_ms_median": [round(statistics.median(w.incremental) * 1000, 1) for w in worlds],
        "incremental_ratio_large_small": round(
            statistics.median(large.incremental) / statistics.median(small.incremental), 2
        ),
        "problems": small.problems + large.problems,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"Index step at {small.documents} vs {large.documents} documents (SQLite catalog, embedded index)")
        for key, value in result.items():
            print(f"  {key:<36} {value}")
    too_slow = max(result["noop_ratio_large_small"], result["incremental_ratio_large_small"]) > args.max_ratio
    return 1 if result["problems"] or too_slow else 0


if __name__ == "__main__":
    raise SystemExit(main())
