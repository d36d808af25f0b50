"""Nothing found is ever lost: items survive transient failures, the per-run limit, a dead process,
a feed or sitemap index answering 304, odd URLs, and a backfill in between."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from pipeline.config import Settings, Source, load_sources
from pipeline.fetch.client import HttpClient
from pipeline.ingest import discover_source, plan_items, run_cycle
from pipeline.store.catalog import Catalog
from tests.conftest import make_settings
from tests.hostile import Hostile, hostile_server, page, rss, sequence, status


def article(title: str, words: str = "the ministers discussed trade, climate and security") -> bytes:
    body = "".join(f"<p>{title}: paragraph {n} says {words} at some length.</p>" for n in range(6))
    head = f"<html lang='en'><head><title>{title}</title></head>"
    return f"{head}<body><article><h1>{title}</h1>{body}</article></body></html>".encode()


def etagged(body: bytes, etag: str) -> object:
    """A route that honours If-None-Match, like a real feed server."""
    from tests.hostile import send

    def route(handler: object) -> None:
        if handler.headers.get("If-None-Match") == etag:  # type: ignore[attr-defined]
            send(handler, 304, headers={"ETag": etag})  # type: ignore[arg-type]
        else:
            send(handler, 200, body, {"ETag": etag, "Content-Type": "application/rss+xml"})  # type: ignore[arg-type]

    return route


def one_source(tmp_path: Path, url: str, method: str = "feed", **discovery: object) -> Source:
    entry = {
        "id": "demo",
        "name": "demo",
        "kind": "news",
        "publisher": "Demo",
        "country": "GB",
        "language": "en",
        "timezone": "Asia/Shanghai",
        "discovery": {"method": method, "urls": [url], **discovery},
    }
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": [entry]}), "utf-8")
    [source] = load_sources(path)
    return source


@pytest.fixture
def server() -> Iterator[Hostile]:
    with hostile_server({"/robots.txt": status(404)}) as running:
        yield running


def settings_for(tmp_path: Path, catalog_url: str, **overrides: object) -> Settings:
    return make_settings(
        tmp_path / "data", allow_private_hosts=["localhost"], retries=0, catalog_url=catalog_url, **overrides
    )


def documents(catalog: Catalog) -> set[str]:
    return {d.url.rsplit("/", 1)[-1] for d in catalog.documents()}


def test_an_item_that_failed_transiently_is_fetched_by_a_later_run_despite_the_feed_304(
    server: Hostile, tmp_path: Path, catalog: Catalog, catalog_url: str
) -> None:
    server.routes["/feed.xml"] = etagged(rss(server.url("/a.html"), server.url("/b.html")), '"f1"')
    server.routes["/a.html"] = sequence(status(503), page(article("Alpha")))
    server.routes["/b.html"] = page(article("Beta"))
    settings = settings_for(tmp_path, catalog_url)
    source = one_source(tmp_path, server.url("/feed.xml"))
    first = run_cycle(settings, [source], catalog=catalog)
    assert (first.sources[0].counts.new, first.sources[0].counts.failed) == (1, 1)
    assert documents(catalog) == {"b.html"}
    second = run_cycle(settings, [source], catalog=catalog)
    assert second.sources[0].counts.not_modified == 1, "the feed answered 304"
    assert second.sources[0].counts.new == 1
    assert documents(catalog) == {"a.html", "b.html"}
    assert server.hits["/b.html"] == 1, "a stored item is not fetched again"
    assert catalog.failures() == [], "the success resolved the failure"


def test_items_over_the_run_limit_wait_for_the_next_runs(
    server: Hostile, tmp_path: Path, catalog: Catalog, catalog_url: str
) -> None:
    links = [server.url(f"/{name}.html") for name in ("a", "b", "c")]
    server.routes["/feed.xml"] = etagged(rss(*links), '"f1"')
    for name in ("a", "b", "c"):
        server.routes[f"/{name}.html"] = page(article(name.upper() * 3))
    settings = settings_for(tmp_path, catalog_url, max_items_per_source=2)
    source = one_source(tmp_path, server.url("/feed.xml"))
    assert run_cycle(settings, [source], catalog=catalog).sources[0].counts.new == 2
    assert run_cycle(settings, [source], catalog=catalog).sources[0].counts.new == 1
    assert documents(catalog) == {"a.html", "b.html", "c.html"}
    assert run_cycle(settings, [source], catalog=catalog).sources[0].counts.new == 0


def test_a_run_that_died_after_planning_loses_nothing(server: Hostile, tmp_path: Path, catalog: Catalog) -> None:
    server.routes["/feed.xml"] = etagged(rss(server.url("/a.html")), '"f1"')
    server.routes["/a.html"] = page(article("Alpha"))
    settings = settings_for(tmp_path, "unused")
    source = one_source(tmp_path, server.url("/feed.xml"))
    # What a run had committed when its process was killed between planning and fetching.
    with HttpClient(settings) as client:
        outcome = discover_source(source, client, validators={})
    plan = plan_items(outcome.items, source=source, known={}, given_up=set())
    catalog.add_to_frontier(source.id, [item for item, _ in plan.fetch])
    for response in outcome.responses:
        catalog.save_endpoint(source.id, response)
    report = run_cycle(settings, [source], catalog=catalog)
    assert report.sources[0].counts.not_modified == 1
    assert documents(catalog) == {"a.html"}


def test_a_sitemap_index_answering_304_still_has_its_children_read(
    server: Hostile, tmp_path: Path, catalog: Catalog
) -> None:
    index = (
        "<?xml version='1.0'?><sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
        f"<sitemap><loc>{server.url('/news.xml')}</loc></sitemap></sitemapindex>"
    ).encode()

    def urlset(*names: str) -> bytes:
        urls = "".join(f"<url><loc>{server.url('/' + n)}</loc></url>" for n in names)
        return (
            f"<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{urls}</urlset>".encode()
        )

    server.routes["/sitemap.xml"] = etagged(index, '"i1"')
    server.routes["/news.xml"] = etagged(urlset("a.html"), '"n1"')
    server.routes["/a.html"] = page(article("Alpha"))
    server.routes["/b.html"] = page(article("Beta"))
    settings = settings_for(tmp_path, "unused")
    source = one_source(tmp_path, server.url("/sitemap.xml"), method="sitemap")
    run_cycle(settings, [source], catalog=catalog)
    server.routes["/news.xml"] = etagged(urlset("a.html", "b.html"), '"n2"')
    report = run_cycle(settings, [source], catalog=catalog)
    assert report.sources[0].counts.new == 1
    assert documents(catalog) == {"a.html", "b.html"}
    assert server.hits["/sitemap.xml"] == 2
    assert server.hits["/news.xml"] == 2


def test_odd_item_urls_cost_only_themselves(server: Hostile, tmp_path: Path, catalog: Catalog) -> None:
    cyrillic = "/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8/1.html"  # /новости/1.html on the wire
    server.routes[cyrillic] = page(article("Novosti"))
    server.routes["/b.html"] = page(article("Beta"))
    links = (server.url("/новости/1.html"), "http://☃.example/x.html", server.url("/b.html"))
    server.routes["/feed.xml"] = page(rss(*links), content_type="application/rss+xml")
    settings = settings_for(tmp_path, "unused")
    report = run_cycle(settings, [one_source(tmp_path, server.url("/feed.xml"))], catalog=catalog)
    counts = report.sources[0].counts
    assert (counts.new, counts.failed) == (2, 1)
    assert server.hits[cyrillic] == 1
    [failure] = catalog.failures()
    assert failure.error_kind == "BlockedURLError"
    assert "☃" in (failure.url or "")


LISTING = """<html><body><ul class="list">{items}</ul>{next}</body></html>"""


def listing(*days: str, next_page: str | None = None) -> bytes:
    items = "".join(f'<li><a href="/{d}/t{d.replace("-", "")}_1.html">Briefing {d}</a></li>' for d in days)
    nxt = f'<a class="next" href="{next_page}">Next</a>' if next_page else ""
    return LISTING.format(items=items, next=nxt).encode()


def test_backfill_then_incremental_and_backfill_bounds_are_local_days(
    server: Hostile, tmp_path: Path, catalog: Catalog
) -> None:
    days = ["2021-07-01", "2021-06-30", "2021-01-02", "2021-01-01", "2020-12-31"]
    server.routes["/list/"] = etagged(listing(*days[:3], next_page="/list/2"), '"l1"')
    server.routes["/list/2"] = page(listing(*days[3:]))
    for day in days:
        server.routes[f"/{day}/t{day.replace('-', '')}_1.html"] = page(article(f"Briefing {day}"))
    settings = settings_for(tmp_path, "unused")
    source = one_source(
        tmp_path,
        server.url("/list/"),
        method="listing",
        item_selector="ul.list li",
        link_selector="a",
        date_from_url=r"t(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})_",
        pagination={"next_selector": "a.next"},
    )
    from datetime import date

    run_cycle(settings, [source], catalog=catalog, mode="backfill", since=date(2021, 1, 1), until=date(2021, 6, 30))
    got = {d.title for d in catalog.documents()}
    # Asia/Shanghai dates: midnight there is 16:00 UTC the day before, and still counts as that day.
    assert got == {"Briefing 2021-06-30", "Briefing 2021-01-02", "Briefing 2021-01-01"}
    report = run_cycle(settings, [source], catalog=catalog)
    assert report.sources[0].counts.new == 1, "the incremental run after a backfill still reads the first page"
    assert "Briefing 2021-07-01" in {d.title for d in catalog.documents()}
