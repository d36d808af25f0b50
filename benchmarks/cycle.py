"""A no-change incremental cycle over every fixture source: full downloads (must be 0) and wall time.

Serves the bundled fixture sites on loopback, runs one cycle to fill a fresh catalog, then times
``--repeat`` further cycles in which nothing changed, counting what the servers had to send.

    python benchmarks/cycle.py [--repeat 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.config import Settings, load_sources  # noqa: E402
from pipeline.devsite import serve_sites  # noqa: E402
from pipeline.ingest import run_cycle  # noqa: E402
from pipeline.store.catalog import Catalog  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="no-change cycles to time (default 5)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, serve_sites() as farm:
        data = Path(tmp)
        sources_file = data / "sources.yaml"
        sources_file.write_text(farm.rewrite((REPO / "config" / "sources.yaml").read_text("utf-8")), "utf-8")
        settings = Settings(
            sources=sources_file, data_dir=data / "data", allow_private_hosts=["127.0.0.1"], min_delay=0.0
        )
        sources = load_sources(sources_file)
        catalog = Catalog.open(settings.effective_catalog_url)
        first = run_cycle(settings, sources, catalog=catalog)
        times: list[float] = []
        downloads: list[int] = []
        not_modified: list[int] = []
        for _ in range(args.repeat):
            mark = len(farm.requests())
            started = time.perf_counter()
            report = run_cycle(settings, sources, catalog=catalog)
            times.append(time.perf_counter() - started)
            answered = farm.requests()[mark:]
            downloads.append(sum(1 for r in answered if r.status == 200))
            not_modified.append(report.totals().not_modified)
        catalog.close()
    result = {
        "sources": len(sources),
        "documents_after_first_cycle": first.totals().new,
        "cycles": args.repeat,
        "full_downloads_per_cycle": max(downloads),
        "conditional_requests_304_per_cycle": statistics.median(not_modified),
        "wall_seconds_median": round(statistics.median(times), 3),
        "wall_seconds_max": round(max(times), 3),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print("No-change incremental cycle over the fixture sources (loopback, min_delay 0)")
        for key, value in result.items():
            print(f"  {key:<36} {value}")
    return 0 if max(downloads) == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
