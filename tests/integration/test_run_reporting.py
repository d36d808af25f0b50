"""Honest reporting over real runs on loopback: a broken feed or listing is a failure of its source, what
was read only in part is a recorded warning, and every failure row is resolved by a later success."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import load_sources
from pipeline.errors import NetworkError
from pipeline.ingest import run_cycle
from pipeline.models import DiscoveredItem
from pipeline.store.catalog import Catalog
from tests.conftest import make_settings
from tests.hostile import Hostile, hostile_server, page, rss, sequence, status
from tests.integration.test_catalog import NOW, SOURCE, URL, extracted, response

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


def article(title: str) -> bytes:
    body = "".join(
        f"<p>{title}: paragraph {n} says the ministers discussed trade at some length.</p>" for n in range(6)
    )
    head = f"<html lang='en'><head><title>{title}</title></head>"
    return f"{head}<body><article><h1>{title}</h1>{body}</article></body></html>".encode()


def entry(source_id: str, *urls: str, method: str = "feed", **discovery: Any) -> dict[str, Any]:
    return {
        "id": source_id,
        "name": source_id,
        "kind": "news",
        "publisher": source_id,
        "country": "GB",
        "language": "en",
        "discovery": {"method": method, "urls": list(urls), **discovery},
    }


class World:
    """A sources file, a data folder and the CLI run against them."""

    def __init__(self, tmp_path: Path) -> None:
        self.sources_file = tmp_path / "sources.yaml"
        self.data_dir = tmp_path / "data"

    def write(self, *entries: dict[str, Any]) -> None:
        self.sources_file.write_text(yaml.safe_dump({"sources": list(entries)}), "utf-8")

    def settings(self) -> Any:
        return make_settings(self.data_dir, sources=self.sources_file, retries=0)

    def cli(self, *args: str) -> Any:
        env = {
            "READOUT_SOURCES": str(self.sources_file),
            "READOUT_DATA_DIR": str(self.data_dir),
            "READOUT_ALLOW_PRIVATE_HOSTS": "127.0.0.1",
            "READOUT_MIN_DELAY": "0",
            "READOUT_BACKOFF_BASE": "0.01",
            "READOUT_RETRIES": "0",
            "READOUT_MAX_CRAWL_DELAY": "0",
            "COLUMNS": "250",
        }
        result = runner.invoke(app, list(args), env=env)
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result

    def run(self) -> Any:
        return self.cli("run", "--no-index")

    def catalog(self) -> Catalog:
        return Catalog.open(self.settings().effective_catalog_url)

    def sources_json(self) -> dict[str, dict[str, Any]]:
        result = self.cli("sources", "--json")
        assert result.exit_code == 0, result.output
        return {row["id"]: row for row in json.loads(result.stdout)}


@pytest.fixture
def server() -> Iterator[Hostile]:
    with hostile_server({"/robots.txt": status(404)}) as running:
        yield running


def url(server: Hostile, path: str) -> str:
    return server.url(path, host="127.0.0.1")


def feed(*items: str) -> bytes:
    return (
        "<?xml version='1.0' encoding='utf-8'?>\n<rss version='2.0'>\n<channel><title>T</title>"
        f"<link>http://x/</link><description>d</description>\n{''.join(items)}</channel></rss>"
    ).encode()


def item(link: str, title: str = "Item") -> str:
    return f"<item><title>{title}</title><link>{link}</link><pubDate>Fri, 20 Nov 2026 10:00:00 GMT</pubDate></item>\n"


#: Answers 200, but a mismatched tag swallows the entry's link: feedparser reads an entry and no item.
MALFORMED = feed("<item><title>Statement</titl><link>http://x/a</link></item>")
FEED_TYPE = "application/rss+xml"


def test_a_malformed_feed_is_a_failure_of_its_source_with_feedparsers_reason(server: Hostile, tmp_path: Path) -> None:
    server.routes.update(
        {
            "/bad.xml": page(MALFORMED, content_type=FEED_TYPE),
            "/bad2.xml": page(MALFORMED, content_type=FEED_TYPE),
            "/good.xml": page(feed(item(url(server, "/a.html"))), content_type=FEED_TYPE),
            "/empty.xml": page(feed(), content_type=FEED_TYPE),
            "/a.html": page(article("Alpha")),
        }
    )
    world = World(tmp_path)
    world.write(
        entry("broken", url(server, "/bad.xml")),
        entry("mixed", url(server, "/good.xml"), url(server, "/bad2.xml")),
        entry("quiet", url(server, "/empty.xml")),
    )
    result = world.run()
    assert result.exit_code == 0, result.output
    rows = {
        line.split()[0]: line.split()[1]
        for line in result.stdout.splitlines()
        if line.split()[:1] in (["broken"], ["mixed"], ["quiet"])
    }
    assert rows == {"broken": "failed", "mixed": "partial", "quiet": "ok"}, result.stdout
    catalog = world.catalog()
    try:
        failures = {(f.source_id, f.url): f for f in catalog.failures()}
    finally:
        catalog.close()
    assert set(failures) == {("broken", url(server, "/bad.xml")), ("mixed", url(server, "/bad2.xml"))}
    failure = failures["broken", url(server, "/bad.xml")]
    assert (failure.stage, failure.error_kind) == ("discover", "DiscoveryError")
    assert "feed is not well-formed (mismatched tag at line 4" in failure.message
    # A well-formed feed with no entries is simply empty today: no failure, no warning.
    quiet = world.sources_json()["quiet"]
    assert (quiet["last_status"], quiet["warnings"]) == ("ok", [])
    assert world.sources_json()["broken"]["last_status"] == "failed"


def test_a_truncated_feed_and_a_file_link_are_warnings_shown_and_recorded(server: Hostile, tmp_path: Path) -> None:
    whole = feed(*(item(url(server, f"/{n}.html"), f"Briefing {n}") for n in range(5)))
    cut = whole[: whole.index(url(server, "/2.html").encode())]
    server.routes.update(
        {
            "/cut.xml": sequence(page(cut, content_type=FEED_TYPE), page(whole, content_type=FEED_TYPE)),
            "/links.xml": page(
                feed(item("file:///srv/briefings/secret.html", "Local copy"), item(url(server, "/l.html"), "Linked")),
                content_type=FEED_TYPE,
            ),
            "/l.html": page(article("Linked")),
            **{f"/{n}.html": page(article(f"Briefing {n}")) for n in range(5)},
        }
    )
    world = World(tmp_path)
    world.write(entry("cut", url(server, "/cut.xml")), entry("links", url(server, "/links.xml")))
    result = world.run()
    assert result.exit_code == 0, result.output
    assert "warning(s)" in result.stdout
    assert "cut: feed is not well-formed" in result.stdout
    assert "links: 1 of 2 entries had no http(s) link and were skipped: 'Local copy' links to 'file:" in result.stdout
    shown = world.sources_json()
    assert shown["cut"]["last_status"] == "ok"
    truncated, unlinked = shown["cut"]["warnings"]
    assert truncated.startswith("feed is not well-formed (bozo: ")
    assert truncated.endswith(f"({url(server, '/cut.xml')})")
    assert "'Briefing 2' has no link" in unlinked, "the entry cut off in the middle"
    [dropped] = shown["links"]["warnings"]
    assert "srv/briefings/secret.html" in dropped
    catalog = world.catalog()
    try:
        assert {d.url.rsplit("/", 1)[-1] for d in catalog.documents(source_ids=["cut"])} == {"0.html", "1.html"}
        assert catalog.failures(unresolved=False) == [], "a partial read is a warning, not a failure"
    finally:
        catalog.close()
    # The feed is whole again: its items arrive and the source's current warnings are gone.
    second = world.run()
    assert second.exit_code == 0, second.output
    shown = world.sources_json()
    assert shown["cut"]["warnings"] == []
    assert len(shown["links"]["warnings"]) == 1
    assert shown["cut"]["documents"] == 5


def test_a_body_selector_that_matches_nothing_is_a_warning_and_the_page_is_kept(
    server: Hostile, tmp_path: Path
) -> None:
    # The site's layout changed: extraction falls back to the generic method, and says so where users look.
    server.routes.update(
        {
            "/news.xml": page(feed(item(url(server, "/a.html"), "Alpha")), content_type=FEED_TYPE),
            "/a.html": page(article("Alpha")),
        }
    )
    world = World(tmp_path)
    world.write({**entry("moved", url(server, "/news.xml")), "extract": {"body_selector": "div.story-body"}})
    result = world.run()
    assert result.exit_code == 0, result.output
    said = f"body_selector 'div.story-body' matched nothing; generic extraction used ({url(server, '/a.html')})"
    assert "moved: body_selector 'div.story-body' matched nothing" in result.stdout
    assert world.sources_json()["moved"]["warnings"] == [said]
    catalog = world.catalog()
    try:
        (stored,) = catalog.documents(source_ids=["moved"])
        assert "paragraph 3 says the ministers discussed trade" in (stored.text or "")
    finally:
        catalog.close()
    # Run again: the page is known, nothing is extracted, and the source's current warnings are gone.
    assert world.run().exit_code == 0
    assert world.sources_json()["moved"]["warnings"] == []


def test_a_listing_whose_selector_matches_nothing_is_a_failure(server: Hostile, tmp_path: Path) -> None:
    server.routes["/briefings/"] = page(
        b"<html><body><div class='new-layout'><a href='/b/1'>One</a></div></body></html>"
    )
    world = World(tmp_path)
    world.write(
        entry("listing", url(server, "/briefings/"), method="listing", item_selector="li.item", link_selector="a")
    )
    result = world.run()
    assert result.exit_code == 0, result.output
    assert world.sources_json()["listing"]["last_status"] == "failed"
    catalog = world.catalog()
    try:
        [failure] = catalog.failures()
    finally:
        catalog.close()
    assert (failure.stage, failure.url) == ("discover", url(server, "/briefings/"))
    assert "no element(s) matched item_selector 'li.item'" in failure.message


def test_every_kind_of_failure_is_resolved_by_a_later_success(server: Hostile, tmp_path: Path) -> None:
    server.routes.update(
        {
            "/down.xml": sequence(status(500), page(feed(item(url(server, "/d.html"))), content_type=FEED_TYPE)),
            "/bad.xml": sequence(
                page(MALFORMED, content_type=FEED_TYPE),
                page(feed(item(url(server, "/m.html"))), content_type=FEED_TYPE),
            ),
            "/flaky.xml": page(feed(item(url(server, "/f.html"))), content_type=FEED_TYPE),
            "/d.html": page(article("Down")),
            "/m.html": page(article("Malformed")),
            "/f.html": sequence(status(503), page(article("Flaky"))),
            "/crash.xml": page(feed(item(url(server, "/c.html"))), content_type=FEED_TYPE),
            "/c.html": page(article("Crash")),
        }
    )
    world = World(tmp_path)
    good = [
        entry("down", url(server, "/down.xml")),
        entry("bad", url(server, "/bad.xml")),
        entry("flaky", url(server, "/flaky.xml")),
        entry("crash", url(server, "/crash.xml")),
    ]
    broken = {**entry("entry", url(server, "/crash.xml")), "country": "gb"}
    world.write(*good, broken)
    # A file where the source's archive folder belongs: its WARC file cannot be opened, the source crashes.
    (world.data_dir / "archive").mkdir(parents=True)
    (world.data_dir / "archive" / "crash").write_text("in the way", "utf-8")
    first = world.run()
    assert first.exit_code == 0, first.output
    catalog = world.catalog()
    try:
        stages = {(f.source_id, f.stage, f.url is None) for f in catalog.failures()}
    finally:
        catalog.close()
    assert stages == {
        ("down", "discover", False),
        ("bad", "discover", False),
        ("flaky", "fetch", False),
        ("crash", "internal", True),
        ("entry", "config", False),
    }
    (world.data_dir / "archive" / "crash").unlink()
    world.write(*good, {**broken, "country": "GB"})
    second = world.run()
    assert second.exit_code == 0, second.output
    listed = world.cli("failures")
    assert "0 unresolved failure(s)" in listed.stdout, listed.stdout
    history = world.cli("failures", "--all")
    assert "5 failure(s)" in history.stdout
    catalog = world.catalog()
    try:
        assert catalog.failures() == []
        resolved = catalog.failures(unresolved=False)
        assert len(resolved) == 5
        assert all(f.resolved_at is not None and f.resolved_at >= f.occurred_at for f in resolved)
    finally:
        catalog.close()


def run_child(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in a fresh Python process from the repository root (what a crash or a limit needs)."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


CHILD_RUN = """
    import sys
    from pipeline.config import load_sources
    from pipeline.ingest import run_cycle
    from pipeline.store.catalog import Catalog
    from tests.conftest import make_settings

    def run():
        settings = make_settings(sys.argv[2], retries=0, catalog_url=sys.argv[3])
        catalog = Catalog.open(sys.argv[3])
        return run_cycle(settings, load_sources(sys.argv[1]), catalog=catalog)
"""


def test_a_crash_right_after_a_documents_commit_leaves_nothing_pending(server: Hostile, tmp_path: Path) -> None:
    server.routes.update(
        {"/feed.xml": page(rss(url(server, "/a.html")), content_type=FEED_TYPE), "/a.html": page(article("Alpha"))}
    )
    world = World(tmp_path)
    world.write(entry("crashy", url(server, "/feed.xml")))
    catalog_url = f"sqlite:///{tmp_path / 'catalog.db'}"
    # The process dies the moment the transaction that wrote the document has committed.
    child = run_child(
        CHILD_RUN
        + """
    import os
    from sqlalchemy import event
    from sqlalchemy.orm import Session
    from pipeline.store.schema import Document

    @event.listens_for(Session, "after_flush")
    def wrote_document(session, context):
        if any(isinstance(row, Document) for row in session.new):
            session.info["document"] = True

    @event.listens_for(Session, "after_commit")
    def die(session):
        if session.info.get("document"):
            os._exit(9)

    run()
    """,
        str(world.sources_file),
        str(world.data_dir),
        catalog_url,
    )
    assert child.returncode == 9, child.stderr
    catalog = Catalog.open(catalog_url)
    try:
        assert [d.url for d in catalog.documents()] == [url(server, "/a.html")]
        source = load_sources(world.sources_file)[0]
        assert catalog.frontier(source.id, now=datetime.now(UTC), retry_given_up_after=timedelta(days=1)).pending == []
        settings = make_settings(world.data_dir, retries=0, catalog_url=catalog_url)
        report = run_cycle(settings, [source], catalog=catalog)
        assert report.sources[0].status == "ok"
        assert catalog.frontier(source.id, now=datetime.now(UTC), retry_given_up_after=timedelta(days=1)).pending == []
        assert server.hits["/a.html"] == 1
    finally:
        catalog.close()


def test_a_feed_whose_archive_write_failed_is_resolved_by_a_later_archive(server: Hostile, tmp_path: Path) -> None:
    # A feed too big for the file-size limit the child process runs under: writing its WARC record fails
    # with EFBIG, a real write error, and only in that process.
    filler = base64.b64encode(os.urandom(1536 * 1024)).decode()
    big = feed(item(url(server, "/a.html")).replace("<title>", f"<description>{filler}</description><title>"))
    server.routes.update({"/feed.xml": page(big, content_type=FEED_TYPE), "/a.html": page(article("Alpha"))})
    world = World(tmp_path)
    world.write(entry("bigfeed", url(server, "/feed.xml")))
    catalog_url = f"sqlite:///{tmp_path / 'catalog.db'}"
    Catalog.open(catalog_url).close()
    child = run_child(
        CHILD_RUN
        + """
    import resource, signal
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1024 * 1024, 1024 * 1024))
    run()
    """,
        str(world.sources_file),
        str(world.data_dir),
        catalog_url,
    )
    assert child.returncode == 0, child.stderr
    catalog = Catalog.open(catalog_url)
    try:
        archive = [f for f in catalog.failures() if f.url == url(server, "/feed.xml")]
        assert [(f.stage, f.error_kind) for f in archive] == [("archive", "ArchiveError")], child.stderr
        source = load_sources(world.sources_file)[0]
        run_cycle(make_settings(world.data_dir, retries=0, catalog_url=catalog_url), [source], catalog=catalog)
        assert catalog.failures() == []
        [resolved] = [f for f in catalog.failures(unresolved=False) if f.url == url(server, "/feed.xml")]
        assert resolved.resolved_at is not None
    finally:
        catalog.close()


def test_each_settling_write_settles_the_frontier_and_resolves_in_its_own_transaction(catalog: Catalog) -> None:
    def pending() -> list[str]:
        return [i.url for i in catalog.frontier(SOURCE.id, now=NOW, retry_given_up_after=timedelta(days=1)).pending]

    def fail_once() -> None:
        catalog.add_to_frontier(SOURCE.id, [DiscoveredItem(url=URL, source_id=SOURCE.id)])
        error = NetworkError("connection reset", url=URL)
        catalog.record_failure(run_id=None, source_id=SOURCE.id, url=URL, stage="fetch", error=error)
        catalog.settle(SOURCE.id, URL, error=error)
        assert (pending(), len(catalog.failures())) == ([URL], 1)

    fail_once()
    catalog.store_document(
        source=SOURCE,
        item_url=URL,
        response=response(),
        extracted=extracted("First text of the page."),
        archive=None,
        listed_updated_at=None,
        settle=True,
    )
    assert (pending(), catalog.failures()) == ([], [])
    fail_once()
    catalog.touch_document(URL, fetched_at=NOW, listed_updated_at=None, source_id=SOURCE.id)
    assert (pending(), catalog.failures()) == ([], [])
    fail_once()
    catalog.mark_removed(URL, NOW, source_id=SOURCE.id)
    assert (pending(), catalog.failures()) == ([], [])
    assert len(catalog.failures(unresolved=False)) == 3
