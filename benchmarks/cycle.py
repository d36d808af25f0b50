"""A no-change incremental cycle over every fixture source: full downloads (must be 0) and time, and how that
time grows with the catalog.

Serves the bundled fixture sites on loopback, runs one cycle to fill a fresh catalog, then times
``--repeat`` further cycles in which nothing changed, counting what the servers had to send. With
``--docs N [N ...]`` it does this once per size, after adding N older documents (spread over the
sources, written through the real schema) to the catalog: a no-change cycle should cost the same
whatever the sources published before, so the ratio of the largest to the smallest size should be
close to 1. Sizes are measured in turn in one run, so the machine's load is shared.

    python benchmarks/cycle.py [--repeat 5] [--docs 2000 20000] [--json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import insert  # noqa: E402

from pipeline.config import Settings, Source, load_sources  # noqa: E402
from pipeline.devsite import SiteFarm, serve_sites  # noqa: E402
from pipeline.ingest import run_cycle  # noqa: E402
from pipeline.store.catalog import Catalog  # noqa: E402
from pipeline.store.schema import Document  # noqa: E402


def add_documents(catalog: Catalog, sources: list[Source], count: int) -> None:
    """``count`` older documents, spread over ``sources``, as the catalog would hold them after past runs."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    rows: list[dict[str, Any]] = []
    for n in range(count):
        source = sources[n % len(sources)]
        url = f"https://archive.invalid/{source.id}/{n}"
        text = f"An older briefing number {n} of {source.name}."
        rows.append(
            {
                "doc_id": hashlib.sha256(url.encode()).hexdigest(),
                "url": url,
                "canonical_url": url,
                "source_id": source.id,
                "source_kind": source.kind,
                "publisher": source.publisher,
                "source_country": source.country,
                "language": source.language,
                "title": f"Briefing {n}",
                "text": text,
                "published_at": now - timedelta(hours=n),
                "fetched_at": now,
                "first_seen_at": now,
                "content_hash": hashlib.sha256(text.encode()).hexdigest(),
                "version": 1,
                "revision": 1,
                "authors": [],
                "topics": [],
                "countries": [],
                "topic_scores": {},
                "extractor_version": "bench",
            }
        )
    if not rows:
        return
    with catalog.session() as session, session.begin():
        session.execute(insert(Document), rows)


def measure(farm: SiteFarm, sources_file: Path, docs: int, repeat: int) -> dict[str, Any]:
    """Fill a fresh catalog, add ``docs`` older documents, and time ``repeat`` no-change cycles."""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        settings = Settings(
            sources=sources_file, data_dir=data / "data", allow_private_hosts=["127.0.0.1"], min_delay=0.0
        )
        sources = load_sources(sources_file)
        catalog = Catalog.open(settings.effective_catalog_url)
        first = run_cycle(settings, sources, catalog=catalog)
        add_documents(catalog, sources, docs)
        times: list[float] = []
        cpu: list[float] = []
        downloads: list[int] = []
        not_modified: list[int] = []
        for _ in range(repeat):
            mark = len(farm.requests())
            started, started_cpu = time.perf_counter(), time.process_time()
            report = run_cycle(settings, sources, catalog=catalog)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
            answered = farm.requests()[mark:]
            downloads.append(sum(1 for r in answered if r.status == 200))
            not_modified.append(report.totals().not_modified)
        catalog.close()
    return {
        "sources": len(sources),
        "documents_after_first_cycle": first.totals().new,
        "older_documents_added": docs,
        "cycles": repeat,
        "full_downloads_per_cycle": max(downloads),
        "conditional_requests_304_per_cycle": statistics.median(not_modified),
        "wall_seconds_median": round(statistics.median(times), 3),
        "wall_seconds_max": round(max(times), 3),
        # The whole process's CPU (the fixture servers' threads too, the same at every size).
        "cpu_seconds_median": round(statistics.median(cpu), 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="no-change cycles to time (default 5)")
    parser.add_argument(
        "--docs", type=int, nargs="+", default=[0], help="older documents to add before timing (one run per size)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, serve_sites() as farm:
        sources_file = Path(tmp) / "sources.yaml"
        sources_file.write_text(farm.rewrite((REPO / "config" / "sources.yaml").read_text("utf-8")), "utf-8")
        results = [measure(farm, sources_file, docs, args.repeat) for docs in args.docs]
    output: dict[str, Any] = {"sizes": results}
    if len(results) > 1:
        smallest = min(results, key=lambda r: r["older_documents_added"])
        largest = max(results, key=lambda r: r["older_documents_added"])
        output["ratio_largest_to_smallest"] = {
            key: round(largest[key] / smallest[key], 2) for key in ("wall_seconds_median", "cpu_seconds_median")
        }
    if args.json:
        print(json.dumps(output, indent=2))
    else:
        print("No-change incremental cycle over the fixture sources (loopback, min_delay 0)")
        for result in results:
            print()
            for key, value in result.items():
                print(f"  {key:<36} {value}")
        if "ratio_largest_to_smallest" in output:
            print(f"\n  {'ratio largest / smallest catalog':<36} {output['ratio_largest_to_smallest']}")
    return 0 if all(r["full_downloads_per_cycle"] == 0 for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
