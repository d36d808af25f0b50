"""Airflow benchmarks: how soon a new item is searchable, and what Airflow adds to a no-change run.

1. **Latency**: a copy of the TASS fixture site is served on loopback; items are added to its feed at
   random moments. With the event trigger, the item waits for the trigger's next poll (measured: the
   real ``FeedChangeTrigger`` polling the real server), then an ingest DAG run (measured: ``dag.test()``
   of ``readout_ingest_tass-en``, which discovers, fetches, catalogs and indexes), after which the
   benchmark checks the document is searchable. With a 15-minute cron schedule, the item waits for the
   next tick (uniformly 0–900 s after it appears: computed from the same random moments, not waited
   for) and then the same DAG run.
2. **Scheduler overhead**: wall time of an ingest DAG run with nothing new (``dag.test()``, which runs
   the tasks in-process, as the scheduler's workers would, but without the scheduler's queueing) next
   to ``readout run`` of the same source through the CLI's code path (``run_cycle``).

    .venv/bin/python benchmarks/airflow_runs.py [--items 5] [--interval 60] [--repeat 5]

``--interval`` is the trigger's poll interval (the sources file's default is 60 s); the benchmark waits
for real, so it takes about ``items × (interval / 2 + run time)``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "plugins")]
HOME = Path(tempfile.mkdtemp(prefix="readout-bench-airflow-"))
os.environ.update(
    {
        "AIRFLOW_HOME": str(HOME / "airflow"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
    }
)

SOURCE = "tass-en"
FEED = "rss/v2.xml"
CRON_PERIOD = 15 * 60.0

ITEM = """    <item>
      <title>{title}</title>
      <link>https://tass.com/world/{number}</link>
      <guid>https://tass.com/world/{number}</guid>
      <description>A benchmark item.</description>
      <pubDate>{date}</pubDate>
    </item>
"""
PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta property="og:title" content="{title}"></head><body><main><article><h1>{title}</h1>
<div class="news-header__date">{date}</div><div class="text-content">
<p>The benchmark wrote this paragraph about item {number} so that the extractor finds a body of text long
enough to keep. It says nothing of substance, on purpose, and repeats itself a little to be long enough.</p>
<p>A second paragraph about item {number}, with the phrase benchmark-marker-{number} to search for later.</p>
</div></article></main></body></html>
"""


def _env(sources_file: Path, data_dir: Path) -> None:
    os.environ.update(
        {
            "READOUT_SOURCES": str(sources_file),
            "READOUT_DATA_DIR": str(data_dir),
            "READOUT_ALLOW_PRIVATE_HOSTS": "127.0.0.1",
            "READOUT_MIN_DELAY": "0",
            "READOUT_MAX_CRAWL_DELAY": "0",
        }
    )


def _add_item(site: Path, number: int) -> None:
    from datetime import UTC, datetime
    from email.utils import format_datetime

    when = format_datetime(datetime.now(UTC), usegmt=True)
    title = f"Benchmark item {number}"
    page = site / "world" / str(number)
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(PAGE.format(title=title, date=when, number=number), "utf-8")
    feed = site / FEED
    text = feed.read_text("utf-8")
    at = text.index("    <item>")
    feed.write_text(text[:at] + ITEM.format(title=title, number=number, date=when) + text[at:], "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=5)
    parser.add_argument("--interval", type=float, default=60.0, help="Trigger poll interval, seconds.")
    parser.add_argument("--repeat", type=int, default=5, help="No-change runs timed for the overhead.")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    random.seed(args.seed)
    logging.disable(logging.WARNING)

    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils import db
    from readout_airflow.trigger import FeedChangeTrigger

    from pipeline.config import Settings, load_sources
    from pipeline.devsite import SITES_DIR, serve_sites
    from pipeline.index.search import SearchFilters
    from pipeline.index.service import index_pending, search
    from pipeline.ingest import run_cycle
    from pipeline.store.catalog import Catalog

    db.initdb()
    root = HOME / "sites"
    shutil.copytree(SITES_DIR / "tass.com", root / "tass.com")
    with serve_sites(root, hosts=["tass.com"]) as farm:
        text = farm.rewrite((REPO / "config" / "sources.yaml").read_text("utf-8"))
        sources_file = HOME / "sources.yaml"
        sources_file.write_text(text, "utf-8")
        _env(sources_file, HOME / "data")
        settings = Settings()
        source = next(s for s in load_sources(sources_file) if s.id == SOURCE)
        dag = DagBag(dag_folder=str(REPO / "dags")).dags[f"readout_ingest_{SOURCE}"]
        assert dag.test().state == "success"  # the first, full run

        # --- 2. overhead of a no-change run ---------------------------------------------------------
        cli, airflow = [], []
        for _ in range(args.repeat):
            catalog = Catalog.open(settings.effective_catalog_url)
            started = time.perf_counter()
            run_cycle(settings, [source], catalog=catalog)
            index_pending(settings, catalog)
            cli.append(time.perf_counter() - started)
            catalog.close()
            started = time.perf_counter()
            assert dag.test().state == "success"
            airflow.append(time.perf_counter() - started)

        # --- 1. latency -----------------------------------------------------------------------------
        watch_url = source.watch_url
        assert watch_url is not None
        trigger = FeedChangeTrigger(source_id=SOURCE, url=watch_url, interval=args.interval)
        loop = asyncio.new_event_loop()
        events = trigger.run()
        detect, run_times, cron = [], [], []
        baseline = loop.create_task(events.__anext__())
        loop.run_until_complete(asyncio.sleep(0.5))  # the first poll records the baseline
        for number in range(1, args.items + 1):
            loop.run_until_complete(asyncio.sleep(random.uniform(0, args.interval)))
            _add_item(root / "tass.com", 990000 + number)
            appeared = time.monotonic()
            loop.run_until_complete(baseline)
            fired = time.monotonic()
            baseline = loop.create_task(events.__anext__())
            started = time.monotonic()
            assert dag.test().state == "success"
            found = search(Settings(), f'"benchmark-marker-{990000 + number}"', SearchFilters(sources=(SOURCE,)))
            assert found.total == 1, f"item {number} is not searchable"
            run_time = time.monotonic() - started
            detect.append(fired - appeared)
            run_times.append(run_time)
            cron.append(random.uniform(0, CRON_PERIOD) + run_time)
        baseline.cancel()
        loop.close()

    with_trigger = [d + r for d, r in zip(detect, run_times, strict=True)]
    print(f"latency from a new feed item to a searchable document ({args.items} items)")
    print(
        f"  event trigger, {args.interval:.0f} s polls: median {statistics.median(with_trigger):7.1f} s "
        f"(poll wait median {statistics.median(detect):.1f} s + DAG run median {statistics.median(run_times):.1f} s)"
    )
    print(
        f"  15-minute cron schedule:        median {statistics.median(cron):7.1f} s "
        "(tick wait drawn uniformly from 0-900 s + the same measured DAG runs)"
    )
    print(f"no-change run of {SOURCE} ({args.repeat} runs)")
    print(f"  readout run (run_cycle + index):  median {statistics.median(cli):.2f} s")
    print(f"  ingest DAG run (dag.test):        median {statistics.median(airflow):.2f} s")
    print(f"  ratio:                            {statistics.median(airflow) / statistics.median(cli):.1f}x")


if __name__ == "__main__":
    main()
