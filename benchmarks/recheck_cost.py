"""What a re-check cycle costs when nothing changed: 2,000 vs 20,000 briefing pages due at once.

    .venv/bin/python benchmarks/recheck_cost.py [--sizes 2000 20000]

A real SQLite catalog holds N briefing documents first fetched an hour ago (their +1 h re-check is due), with
the ETags their pages answer with; a loopback server stands for the ministry: its listing and every page
answer 304 to a conditional GET (a request without a matching ETag gets the full page, and is counted as a
full download). One ``run_cycle`` at the stopped clock (READOUT_NOW) plans the re-checks in the ordinary ingest
cycle, with the run's item limit raised to N so that one run does them all, politeness on (one request in
flight per host; its delay at 0, as on loopback every test runs). Reported: requests made, full downloads
(must be 0), 304s, re-checks counted by the run, wall time and time per page.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import insert

from pipeline.clock import CLOCK_VARIABLE
from pipeline.config import Settings, Source
from pipeline.ingest import run_cycle
from pipeline.store.catalog import Catalog
from pipeline.store.schema import Document, Endpoint
from pipeline.urls import canonical_url, doc_id

T0 = datetime(2027, 3, 8, 12, 0, tzinfo=UTC)
ETAG = '"unchanged"'
PAGE = (
    b"<html><body><div class='TRS_UEDITOR'><p>Reuters: A question?</p><p>Lin Jian: An answer.</p></div></body></html>"
)


class _Counted(ThreadingHTTPServer):
    statuses: Counter[int]
    lock: threading.Lock


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Counted

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        if self.path == "/robots.txt":
            status, body = 404, b""
        elif self.headers.get("If-None-Match") == ETAG:
            status, body = 304, b""
        else:
            status, body = 200, PAGE
        with self.server.lock:
            self.server.statuses[status] += 1
        self.send_response(status)
        self.send_header("ETag", ETAG)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def _server() -> Iterator[_Counted]:
    server = _Counted(("127.0.0.1", 0), _Handler)
    server.statuses, server.lock = Counter(), threading.Lock()
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _source(origin: str) -> Source:
    return Source.model_validate(
        {
            "id": "bench-mfa",
            "name": "Benchmark ministry",
            "kind": "briefing",
            "publisher": "Ministry of Benchmarks",
            "country": "CN",
            "language": "en",
            "discovery": {"method": "listing", "urls": [f"{origin}/list/"]},
        }
    )


def _fill(catalog: Catalog, source: Source, origin: str, size: int) -> None:
    """``size`` briefings first fetched at T0, their +1 h re-check due, and the listing's validators."""
    rows = []
    for n in range(size):
        url = f"{origin}/eng/{n // 100}/t{n}.html"
        rows.append(
            {
                "doc_id": doc_id(url),
                "url": url,
                "canonical_url": canonical_url(url),
                "source_id": source.id,
                "source_kind": "briefing",
                "publisher": source.publisher,
                "source_country": "CN",
                "language": "en",
                "title": f"Regular Press Conference {n}",
                "text": "Reuters: A question?\n\nLin Jian: An answer.",
                "published_at": T0 - timedelta(days=n % 3000),
                "fetched_at": T0,
                "first_seen_at": T0,
                "content_hash": hashlib.sha256(str(n).encode()).hexdigest(),
                "extractor_version": "bench/1",
                "http_etag": ETAG,
                "recheck_at": T0 + timedelta(hours=1),
                "recheck_step": 0,
            }
        )
    with catalog.session() as session, session.begin():
        for start in range(0, len(rows), 1000):
            session.execute(insert(Document), rows[start : start + 1000])
        session.add(Endpoint(url=f"{origin}/list/", source_id=source.id, etag=ETAG, last_status=200))


def measure(size: int) -> dict[str, float]:
    """One no-change re-check cycle over ``size`` due briefing pages."""
    with tempfile.TemporaryDirectory(prefix="recheck-bench-") as folder, _server() as server:
        origin = f"http://127.0.0.1:{server.server_address[1]}"
        source = _source(origin)
        settings = Settings(
            data_dir=Path(folder),
            allow_private_hosts=["127.0.0.1"],
            min_delay=0.0,
            max_crawl_delay=0.0,
            max_items_per_source=size,
            workers=0,
            topics=None,
            countries=None,
            speakers=None,
        )
        catalog = Catalog.for_settings(settings)
        try:
            _fill(catalog, source, origin, size)
            os.environ[CLOCK_VARIABLE] = (T0 + timedelta(hours=1, minutes=5)).isoformat()
            started = time.perf_counter()
            report = run_cycle(settings, [source], catalog=catalog)
            seconds = time.perf_counter() - started
            left = len(catalog.due_rechecks(source.id, now=T0 + timedelta(hours=1, minutes=5), limit=size))
        finally:
            os.environ.pop(CLOCK_VARIABLE, None)
            catalog.close()
        totals, rechecks = report.totals(), report.rechecks()
        requests = sum(server.statuses.values())
        return {
            "pages": size,
            "requests": requests,
            "full_downloads": totals.fetched,
            "status_200": server.statuses[200],
            "not_modified": server.statuses[304],
            "rechecked": rechecks.checked,
            "changed": rechecks.changed,
            "still_due": left,
            "seconds": seconds,
            "ms_per_page": 1000 * seconds / size,
        }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000])
    args = parser.parse_args(argv)
    header = (
        f"{'pages':>7} {'requests':>9} {'full dl':>8} {'304':>7} {'re-checked':>11} {'changed':>8} {'still due':>10}"
    )
    print(f"{header} {'wall s':>8} {'ms/page':>8}")
    failed = False
    for size in args.sizes:
        row = measure(size)
        print(
            f"{row['pages']:>7} {row['requests']:>9} {row['full_downloads']:>8} {row['not_modified']:>7} "
            f"{row['rechecked']:>11} {row['changed']:>8} {row['still_due']:>10} {row['seconds']:>8.1f} "
            f"{row['ms_per_page']:>8.2f}"
        )
        failed |= row["full_downloads"] != 0 or row["status_200"] != 0 or row["rechecked"] != size
    if failed:
        print("FAILED: a no-change re-check cycle must make no full download and re-check every due page")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
