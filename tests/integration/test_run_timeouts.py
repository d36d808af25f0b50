"""A page that hangs or trickles costs its host one timeout per run, and a host that keeps timing out is left
alone for the rest of the run; what it did not get to waits in the frontier for the next run.

Real HTTP on loopback with short timeouts from the settings; the assertions are on what the server saw and
what the catalog recorded, never on time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from pipeline.config import Settings, load_sources
from pipeline.ingest import run_cycle
from pipeline.store.catalog import Catalog
from pipeline.store.schema import FrontierItem
from tests.conftest import make_settings
from tests.hostile import Hostile, Route, hostile_server, page, rss, silent, status, trickle
from tests.integration.test_run_hostile import source


def article(title: str) -> bytes:
    body = "".join(f"<p>{title}: paragraph {n} says that the ministers discussed trade.</p>" for n in range(6))
    return f"<html lang='en'><head><title>{title}</title></head><body><article>{body}</article></body></html>".encode()


@pytest.fixture
def server() -> Iterator[Hostile]:
    with hostile_server({"/robots.txt": status(404)}) as running:
        yield running


def write_sources(tmp_path: Path, server: Hostile, feeds: dict[str, str]) -> Path:
    """One feed source per ``id -> feed path``, every one on the same host."""
    entries = [source(source_id, server.url(path)) for source_id, path in feeds.items()]
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": entries}), "utf-8")
    return path


def short_timeouts(tmp_path: Path, catalog_url: str) -> Settings:
    # Three retries, as by default: a timeout must still be tried only once.
    return make_settings(
        tmp_path / "data",
        allow_private_hosts=["localhost"],
        catalog_url=catalog_url,
        # Wide margins: an ordinary page must answer well within the read timeout on a loaded machine, and
        # the trickle (a byte every 0.5 s) must never go quiet for a whole read timeout, only outlast the deadline.
        read_timeout=2.0,
        request_deadline=4.0,
        retries=3,
        host_timeout_limit=2,
    )


def slow_route(server: Hostile, kind: str) -> Route:
    return silent if kind == "hang" else trickle(server, interval=0.5, total=400)


def frontier(catalog: Catalog) -> dict[str, tuple[str, int]]:
    """Page name → (state, attempts) of every frontier row."""
    with catalog.session() as session:
        rows = session.scalars(select(FrontierItem))
        return {row.url.rsplit("/", 1)[-1]: (row.state, row.attempts) for row in rows}


def documents(catalog: Catalog) -> set[str]:
    return {d.url.rsplit("/", 1)[-1] for d in catalog.documents()}


@pytest.mark.parametrize("kind", ["hang", "trickle"])
def test_a_slow_page_costs_its_host_one_timeout_and_the_hosts_other_items_are_fetched(
    kind: str, server: Hostile, tmp_path: Path, catalog: Catalog, catalog_url: str
) -> None:
    pages = ["b.html", "c.html", "d.html", "e.html"]
    server.routes.update({f"/{name}": page(article(name)) for name in pages})
    # The trickle route counts its bytes under "/trickle", so the slow page has that path.
    server.routes["/trickle"] = slow_route(server, kind)
    server.routes["/alpha.xml"] = page(rss(server.url("/trickle"), server.url("/b.html"), server.url("/c.html")))
    server.routes["/beta.xml"] = page(rss(server.url("/d.html"), server.url("/e.html")))
    sources = load_sources(write_sources(tmp_path, server, {"alpha": "/alpha.xml", "beta": "/beta.xml"}))
    settings = short_timeouts(tmp_path, catalog_url)

    report = run_cycle(settings, sources, catalog=catalog)
    by_id = {r.source_id: r for r in report.sources}
    assert server.hits["/trickle"] == 1, "a timed-out page must not be retried in the same run"
    # Every other item on the host, of the same source and of the other one, was fetched.
    assert documents(catalog) == set(pages)
    assert (by_id["alpha"].status, by_id["alpha"].counts.new, by_id["alpha"].counts.failed) == ("partial", 2, 1)
    assert (by_id["beta"].status, by_id["beta"].counts.new) == ("ok", 2)
    [failure] = catalog.failures(limit=10)
    assert (failure.stage, failure.permanent, failure.url) == ("fetch", False, server.url("/trickle"))
    assert failure.error_kind == ("TimedOutError" if kind == "hang" else "DeadlineExceededError")
    # It waits in the frontier as a transient failure, one attempt counted ...
    assert frontier(catalog) == {"trickle": ("pending", 1)}

    # ... and the next run tries it again, once.
    run_cycle(settings, sources, catalog=catalog)
    assert server.hits["/trickle"] == 2
    assert frontier(catalog) == {"trickle": ("pending", 2)}


def test_a_host_that_times_out_twice_is_left_alone_and_its_other_items_wait_for_the_next_run(
    server: Hostile, tmp_path: Path, catalog: Catalog, catalog_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    names = ["slow1.html", "slow2.html", "b.html", "c.html"]
    server.routes["/slow1.html"] = server.routes["/slow2.html"] = silent
    server.routes.update({f"/{name}": page(article(name)) for name in ("b.html", "c.html")})
    # All items share one date, so they are fetched in the feed's order: the two slow pages first.
    server.routes["/feed.xml"] = page(rss(*(server.url(f"/{name}") for name in names)))
    sources = load_sources(write_sources(tmp_path, server, {"alpha": "/feed.xml"}))
    settings = short_timeouts(tmp_path, catalog_url)

    with caplog.at_level(logging.WARNING):
        report = run_cycle(settings, sources, catalog=catalog)
    [source_report] = report.sources
    assert (server.hits["/slow1.html"], server.hits["/slow2.html"]) == (1, 1)
    assert (server.hits["/b.html"], server.hits["/c.html"]) == (0, 0), "the host should have been left alone"
    assert documents(catalog) == set()
    assert source_report.status == "partial"
    reason = "timed out 2 times in this run; left alone until the next run"
    # The reason is in the failures, the log and the run's summary.
    failures = {f.url.rsplit("/", 1)[-1]: f for f in catalog.failures(limit=10)}
    assert {name: failures[name].error_kind for name in names} == {
        "slow1.html": "TimedOutError",
        "slow2.html": "TimedOutError",
        "b.html": "HostBackedOffError",
        "c.html": "HostBackedOffError",
    }
    assert reason in failures["b.html"].message
    assert not failures["b.html"].permanent
    assert any(reason in error for error in source_report.errors)
    assert any(reason in record.getMessage() for record in caplog.records)
    [result] = catalog.run_results(report.run_id)
    assert result.error is not None
    assert "timed out" in result.error
    # Never asked, so no attempt is counted against them: they are simply pending.
    assert frontier(catalog) == {
        "slow1.html": ("pending", 1),
        "slow2.html": ("pending", 1),
        "b.html": ("pending", 0),
        "c.html": ("pending", 0),
    }

    # The host recovers: the next run fetches everything that waited.
    server.routes.update({f"/{name}": page(article(name)) for name in ("slow1.html", "slow2.html")})
    report = run_cycle(settings, sources, catalog=catalog)
    assert report.status == "ok"
    assert documents(catalog) == set(names)
    assert frontier(catalog) == {}
