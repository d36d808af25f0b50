"""Extraction and tagging in worker processes: the same documents, failures and tags as in the fetching
threads; a bounded number of pages held; a worker that dies costs only the pages it had in flight."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from pipeline.ingest import run_cycle
from pipeline.store.catalog import Catalog
from tests.conftest import make_settings
from tests.hostile import Hostile, hostile_server, page, rss, status
from tests.integration.test_run_recovery import article, one_source

PROC = Path("/proc")
pytestmark = pytest.mark.skipif(not PROC.is_dir(), reason="finds the worker processes in /proc")

TOPICAL = (
    "The foreign minister met the Chinese ambassador in Beijing to discuss climate change, carbon emissions "
    "and a new trade agreement on tariffs with France and Germany"
)


@pytest.fixture
def server() -> Iterator[Hostile]:
    with hostile_server({"/robots.txt": status(404)}) as running:
        yield running


def feed_of(server: Hostile, count: int) -> list[str]:
    """``count`` distinct articles (one of them with no text at all), listed in the server's feed."""
    links = [server.url(f"/{n}.html") for n in range(count)]
    for n in range(count):
        body = article(f"Briefing {n}", TOPICAL if n % 2 else f"item {n} of the feed")
        server.routes[f"/{n}.html"] = page(body)
    server.routes["/0.html"] = page(b"<html><head><title>Empty</title></head><body></body></html>")
    server.routes["/feed.xml"] = page(rss(*links), content_type="application/rss+xml")
    return links


def stored(catalog: Catalog) -> dict[str, tuple[Any, ...]]:
    return {
        d.url: (d.title, d.text, d.language, d.topics, d.countries, d.key_phrases, d.tagged_with, d.extractor_version)
        for d in catalog.documents()
    }


def failed(catalog: Catalog) -> set[tuple[str | None, str, str, str]]:
    return {(f.url, f.stage, f.error_kind, f.message) for f in catalog.failures(limit=1000)}


def test_the_pool_stores_the_same_documents_tags_and_failures_as_inline_extraction(
    server: Hostile, tmp_path: Path
) -> None:
    links = feed_of(server, 8)
    source = one_source(tmp_path, server.url("/feed.xml"))
    results = {}
    for workers in (0, 2):
        settings = make_settings(
            tmp_path / f"data{workers}", allow_private_hosts=["localhost"], workers=workers, pool_min_pages=0
        )
        catalog = Catalog.open(f"sqlite:///{tmp_path / f'catalog{workers}.db'}")
        report = run_cycle(settings, [source], catalog=catalog)
        results[workers] = (report.totals(), stored(catalog), failed(catalog))
        catalog.close()
    inline, pooled = results[0], results[2]
    assert pooled == inline
    counts, documents, failures = pooled
    assert (counts.new, counts.failed) == (7, 1)
    assert {url for url, *_ in failures} == {links[0]}
    assert any(topics for _, _, _, topics, *_ in documents.values()), "the workers tagged the documents"


def _grandchildren() -> list[int]:
    """Processes whose parent is a child of this one: the pool's workers (children of its fork server)."""
    parents: dict[int, int] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    children = {pid for pid, parent in parents.items() if parent == os.getpid()}
    return [pid for pid, parent in parents.items() if parent in children]


def test_a_worker_that_dies_costs_only_the_pages_in_flight_never_the_run(server: Hostile, tmp_path: Path) -> None:
    links = feed_of(server, 12)
    server.routes["/0.html"] = page(article("Briefing 0"))
    killed: list[int] = []
    serve_six = server.routes["/6.html"]

    def kill_the_workers(handler: BaseHTTPRequestHandler) -> None:
        # Pages before this one are being extracted, or waiting to be: the workers die under them.
        for pid in _grandchildren():
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
        serve_six(handler)

    server.routes["/6.html"] = kill_the_workers
    settings = make_settings(
        tmp_path / "data", allow_private_hosts=["localhost"], workers=2, pool_min_pages=0, pages_in_flight=4
    )
    source = one_source(tmp_path, server.url("/feed.xml"))
    catalog = Catalog.open(f"sqlite:///{tmp_path / 'catalog.db'}")
    try:
        first = run_cycle(settings, [source], catalog=catalog).sources[0].counts
        assert killed, "the pool's workers were running when page 6 was asked for"
        server.routes["/6.html"] = serve_six
        assert first.new + first.failed == len(links)
        assert first.failed <= settings.pages_in_flight, "only the pages in flight are lost to the crash"
        for _url, stage, kind, message in failed(catalog):
            assert (stage, kind) == ("internal", "InternalError"), message
            assert "worker" in message
        second = run_cycle(settings, [source], catalog=catalog).sources[0].counts
        assert second.new == first.failed, "the pages the crash cost are fetched again"
        assert set(stored(catalog)) == set(links)
        assert failed(catalog) == set(), "their successes resolved the failures"
    finally:
        catalog.close()
