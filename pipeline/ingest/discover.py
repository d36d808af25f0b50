"""Discovery: list a source's candidate items from its feeds, listing pages or sitemaps."""

from __future__ import annotations

import logging
from datetime import date, datetime

from pipeline.archive import WarcFile
from pipeline.config import Settings, Source
from pipeline.errors import (
    ArchiveError,
    DiscoveryError,
    FetchError,
    HTTPStatusError,
)
from pipeline.fetch.client import HttpClient
from pipeline.ingest.outcomes import DiscoveryOutcome, EndpointProblem, Mode
from pipeline.models import DiscoveredItem, FetchedResponse, ParsedListing
from pipeline.sources import parse_discovery
from pipeline.store.frontier import Validators
from pipeline.urls import canonical_url

log = logging.getLogger(__name__)


def discover_source(
    source: Source,
    client: HttpClient,
    *,
    validators: dict[str, Validators],
    children: dict[str, list[str]] | None = None,
    warc: WarcFile | None = None,
    mode: Mode = "incremental",
    since: date | None = None,
    first_run: bool = False,
) -> DiscoveryOutcome:
    """List a source's candidate items from its feeds, listing pages or sitemaps.

    Incremental runs send conditional GETs and read ``pages_per_run`` listing pages, or, on the
    ``first_run`` of a source with no documents yet, up to ``first_run_pages`` (setting) and no more
    than the per-run item limit needs; a sitemap index that answers 304 still has its known child
    sitemaps asked (new URLs appear in the children). Backfills send no validators and walk the
    pagination back until the listed items are older than ``since`` (in the source's time zone). A
    404 or 410 on a listing page reached by pagination is the end of the listing, not a failure. A
    sitemap index is followed one level deep, as the protocol allows, and at most ``max_sitemaps``
    children are read.
    """
    outcome = DiscoveryOutcome()
    settings = client.settings
    discovery = source.discovery
    max_bytes = settings.feed_max_bytes if discovery.method != "listing" else settings.page_max_bytes
    known_children = children or {}
    for start_url in discovery.urls:
        pending: list[tuple[str, int, str | None]] = [(start_url, 0, None)]
        visited: set[str] = set()
        while pending:
            url, depth, parent = pending.pop(0)
            if canonical_url(url) in visited:
                continue
            visited.add(canonical_url(url))
            known = validators.get(url) if mode == "incremental" else None
            try:
                response = client.get(
                    url,
                    max_bytes=max_bytes,
                    etag=known.etag if known else None,
                    last_modified=known.last_modified if known else None,
                    min_delay=source.min_delay,
                    accept=_ACCEPT[discovery.method],
                )
            except FetchError as exc:
                if _past_the_last_page(discovery.method, depth, exc):
                    # Walking a listing finds its end by asking one page too many; an archive that
                    # really lost a page in the middle looks the same and cannot be told apart.
                    if depth == 1:
                        # Not even one older page: a one-page listing, or a pagination rule that does not
                        # fit the site (which would otherwise go unnoticed for ever).
                        log.warning(
                            "[%s] the listing's first older page %s answers %s: a one-page listing, or check "
                            "the source's pagination rule",
                            source.id,
                            url,
                            exc.reason,
                        )
                    else:
                        log.info("[%s] listing ends before %s (%s)", source.id, url, exc.reason)
                    continue
                outcome.failures.append(EndpointProblem(url, "discover", str(exc), exc))
                log.warning("[%s] cannot read %s: %s", source.id, url, exc)
                continue
            outcome.responses.append(response)
            if parent is not None:
                outcome.parents[response.url] = parent
            if warc is not None:
                _archive_quietly(warc, url, response, outcome, source)
            if response.not_modified:
                outcome.read.append(url)
                if discovery.method == "sitemap" and depth == 0:
                    pending.extend((child, 1, url) for child in known_children.get(url, [])[: discovery.max_sitemaps])
                continue
            parsed = parse_discovery(
                response.body,
                url=response.final_url,
                source=source,
                content_type=response.header("content-type"),
                page_number=depth,
            )
            for warning in parsed.warnings:
                outcome.warnings.append(EndpointProblem(url, "discover", warning))
                log.warning("[%s] %s (%s)", source.id, warning, url)
            if parsed.error:
                error = DiscoveryError(parsed.error, url=url)
                outcome.failures.append(EndpointProblem(url, "discover", str(error), error))
                log.warning("[%s] %s (%s)", source.id, parsed.error, url)
            else:
                outcome.read.append(url)
                if discovery.method == "listing":
                    outcome.pages[url] = [canonical_url(item.url) for item in parsed.items]
            outcome.items.extend(parsed.items)
            pages = _pages_this_run(source, settings, first_run=first_run, found=len(outcome.items))
            for next_url in _follow(source, parsed, depth, mode=mode, since=since, pages=pages):
                pending.append((next_url, depth + 1, url if discovery.method == "sitemap" else None))
    outcome.items = dedupe_items(outcome.items)
    return outcome


_ACCEPT = {
    "feed": "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, */*;q=0.5",
    "sitemap": "application/xml, text/xml;q=0.9, */*;q=0.5",
    "listing": "text/html, application/xhtml+xml;q=0.9, */*;q=0.5",
}


def _archive_quietly(
    warc: WarcFile, url: str, response: FetchedResponse, outcome: DiscoveryOutcome, source: Source
) -> None:
    """Archive the response to endpoint ``url``; a failure is recorded under that URL (so a later archive of
    it resolves the failure) but does not stop discovery."""
    try:
        warc.write(response)
    except ArchiveError as exc:
        outcome.failures.append(EndpointProblem(url, "archive", f"cannot archive the response of {url}: {exc}", exc))
        log.warning("[%s] cannot archive the response of %s: %s", source.id, url, exc)
    else:
        outcome.archived.append(url)


def _past_the_last_page(method: str, depth: int, error: FetchError) -> bool:
    """Whether ``error`` on a listing page reached through pagination (``depth`` > 0: a page before it
    listed items) just means that the listing has no more pages."""
    return method == "listing" and depth > 0 and isinstance(error, HTTPStatusError) and error.status in (404, 410)


def _pages_this_run(source: Source, settings: Settings, *, first_run: bool, found: int) -> int:
    """How many listing pages an incremental run reads: ``pages_per_run``, or on a source's first run as
    many as ``first_run_pages`` while the items found so far do not fill the per-run item limit (so a new
    source starts with its recent archive, not with the dozen items of one page)."""
    pages = source.discovery.pages_per_run
    if first_run and found < settings.max_items_per_source:
        pages = max(pages, settings.first_run_pages)
    return pages


def _follow(
    source: Source, parsed: ParsedListing, depth: int, *, mode: Mode, since: date | None, pages: int
) -> list[str]:
    """Which further pages to read after this one (``pages``: how many an incremental run reads)."""
    discovery = source.discovery
    if discovery.method == "sitemap":
        # Only a sitemap index's own children: the protocol forbids deeper nesting.
        return parsed.more_urls[: discovery.max_sitemaps] if depth == 0 else []
    if discovery.method != "listing" or not parsed.items:
        return []
    if mode == "incremental":
        return parsed.more_urls if depth + 1 < pages else []
    dated = [local_day(item.published_at, source) for item in parsed.items if item.published_at is not None]
    if since is not None and dated and max(dated) < since:
        return []  # this whole page is older than the backfill's start: nothing further back is wanted
    return parsed.more_urls


def local_day(moment: datetime, source: Source) -> date:
    """The calendar day of ``moment`` where the source publishes: what --since/--until compare with."""
    return moment.astimezone(source.tz).date()


def dedupe_items(items: list[DiscoveredItem]) -> list[DiscoveredItem]:
    """The items with repeated URLs (by canonical form) dropped, first one kept."""
    seen: set[str] = set()
    unique: list[DiscoveredItem] = []
    for item in items:
        key = canonical_url(item.url)
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique
