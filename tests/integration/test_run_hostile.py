"""A run over good and hostile sources: every problem is recorded with a clear reason, the rest goes on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import yaml

from pipeline.config import load_sources
from pipeline.ingest import run_cycle
from pipeline.store.catalog import Catalog
from tests.conftest import make_settings
from tests.hostile import Hostile, encoded, gzip_bomb, hostile_server, page, redirect, rss, status, trickle

ARTICLE = (
    "<html lang='en'><head><title>Minister meets counterpart</title></head><body><article>"
    "<h1>Minister meets counterpart</h1><p class='date'>2026-11-20</p>"
    + "".join(
        f"<p>Paragraph {n}: the two ministers discussed trade, climate and security at length.</p>" for n in range(8)
    )
    + "</article></body></html>"
).encode()


def source(source_id: str, url: str, method: str = "feed") -> dict[str, object]:
    return {
        "id": source_id,
        "name": source_id,
        "kind": "news",
        "publisher": source_id,
        "country": "GB",
        "language": "en",
        "discovery": {"method": method, "urls": [url]},
    }


@pytest.fixture
def servers() -> Iterator[dict[str, Hostile]]:
    names = ["good", "htmlfeed", "garbage", "down", "ssrf", "bomb", "slow", "robots", "empty", "internal"]
    with ExitStack() as stack:
        running = {name: stack.enter_context(hostile_server({"/robots.txt": status(404)})) for name in names}
        yield running


def test_hostile_sources_are_recorded_and_the_good_one_is_ingested(servers: dict[str, Hostile], tmp_path: Path) -> None:
    s = servers
    s["good"].routes.update(
        {"/feed.xml": page(rss(s["good"].url("/a.html")), content_type="application/rss+xml"), "/a.html": page(ARTICLE)}
    )
    s["htmlfeed"].routes["/feed.xml"] = page(b"<html><body><h1>Welcome to our portal</h1></body></html>")
    s["garbage"].routes["/feed.xml"] = page(bytes(range(256)) * 20, content_type="application/rss+xml")
    s["down"].routes["/feed.xml"] = status(500)
    s["ssrf"].routes.update(
        {"/feed.xml": page(rss(s["ssrf"].url("/go"))), "/go": redirect(f"http://127.0.0.1:{s['internal'].port}/admin")}
    )
    s["internal"].routes["/admin"] = page(b"secret")
    s["bomb"].routes.update(
        {"/feed.xml": page(rss(s["bomb"].url("/bomb.html"))), "/bomb.html": encoded(gzip_bomb(), "gzip")}
    )
    s["slow"].routes.update({"/feed.xml": page(rss(s["slow"].url("/slow.html")))})
    s["slow"].routes["/slow.html"] = trickle(s["slow"], interval=0.1, total=400)
    s["robots"].routes.update(
        {"/robots.txt": page(b"User-agent: *\nDisallow: /\n", content_type="text/plain"), "/feed.xml": page(rss("/x"))}
    )
    s["empty"].routes.update({"/feed.xml": page(rss(s["empty"].url("/empty.html"))), "/empty.html": page(b"")})
    entries = [source(name, server.url("/feed.xml")) for name, server in s.items() if name != "internal"]
    sources_file = tmp_path / "sources.yaml"
    sources_file.write_text(yaml.safe_dump({"sources": entries}), "utf-8")
    settings = make_settings(
        tmp_path / "data",
        allow_private_hosts=["localhost"],
        request_deadline=1.5,
        read_timeout=1.0,
        retries=1,
        page_max_bytes=1024 * 1024,
    )
    catalog = Catalog.open(settings.effective_catalog_url)
    try:
        report = run_cycle(settings, load_sources(sources_file), catalog=catalog)
        by_id = {r.source_id: r for r in report.sources}
        assert report.status == "partial"
        assert not report.nothing_reached
        assert by_id["good"].status == "ok"
        assert by_id["good"].counts.new == 1
        [document] = catalog.documents()
        assert document.title == "Minister meets counterpart"
        expectations = {
            "htmlfeed": ("discover", "DiscoveryError", "looks like HTML"),
            "garbage": ("discover", "DiscoveryError", "not a feed"),
            "down": ("discover", "ServerError", "HTTP 500"),
            "ssrf": ("fetch", "BlockedURLError", "127.0.0.1"),
            "bomb": ("fetch", "BodyTooLargeError", "after decompression"),
            "slow": ("fetch", "DeadlineExceededError", "deadline"),
            "robots": ("discover", "RobotsDisallowedError", "robots.txt"),
            "empty": ("extract", "ExtractionError", ""),
        }
        failures = {f.source_id: f for f in catalog.failures(limit=100)}
        for name, (stage, kind, words) in expectations.items():
            failure = failures.get(name)
            assert failure is not None, f"no failure recorded for {name}"
            assert (failure.stage, failure.error_kind) == (stage, kind), (name, failure.message)
            assert words.lower() in failure.message.lower(), (name, failure.message)
            assert by_id[name].status in ("failed", "partial")
        assert sum(servers["internal"].hits.values()) == 0
        assert failures["down"].permanent is False
        assert failures["bomb"].permanent is True
    finally:
        catalog.close()
