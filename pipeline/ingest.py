"""One ingest cycle: discover → plan → fetch → archive → extract → catalog, for many sources at once.

The stage functions (:func:`discover_source`, :func:`plan_items`, :func:`fetch_item`,
:func:`apply_result`) are what the CLI and the Airflow DAGs call. :func:`run_cycle` runs them for a
set of sources: one worker thread per source (politeness keeps one request in flight per host), with
every catalog write on the calling thread, in the order results arrive.
"""

from __future__ import annotations

import logging
import queue
import re
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from pipeline.archive import WarcFile, warc_path
from pipeline.config import Settings, Source
from pipeline.errors import DiscoveryError, ExtractionError, FetchError, HTTPStatusError, ReadoutError
from pipeline.extract import extract
from pipeline.fetch.client import HttpClient
from pipeline.models import ArchiveRef, DiscoveredItem, ExtractedDocument, FetchedResponse, ItemStatus, ParsedListing
from pipeline.sources import parse_discovery
from pipeline.store.catalog import Catalog, KnownItem, Validators
from pipeline.urls import canonical_url

log = logging.getLogger(__name__)

Mode = Literal["incremental", "backfill"]


@dataclass
class Counts:
    """Every outcome of a source in one run. ``fetched`` counts full downloads (2xx bodies),
    ``not_modified`` conditional GETs answered 304; both include feeds, listings and sitemaps."""

    discovered: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    fetched: int = 0
    not_modified: int = 0
    extracted: int = 0
    removed: int = 0
    skipped: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass
class SourceReport:
    """How one source fared in a run."""

    source_id: str
    counts: Counts = field(default_factory=Counts)
    errors: list[str] = field(default_factory=list)
    reached: bool = False
    seconds: float = 0.0

    @property
    def status(self) -> str:
        """``failed`` when nothing could be read from the source, ``partial`` when something failed."""
        if not self.reached:
            return "failed"
        return "partial" if self.errors else "ok"


@dataclass
class RunReport:
    """The outcome of a whole run."""

    run_id: str
    mode: Mode
    started_at: datetime
    finished_at: datetime | None = None
    sources: list[SourceReport] = field(default_factory=list)

    @property
    def status(self) -> str:
        statuses = {report.status for report in self.sources}
        if not self.sources or statuses == {"ok"}:
            return "ok"
        return "failed" if statuses == {"failed"} else "partial"

    @property
    def nothing_reached(self) -> bool:
        """True when not a single source could be read: the one case the CLI exits non-zero."""
        return bool(self.sources) and not any(report.reached for report in self.sources)

    def totals(self) -> Counts:
        total = Counts()
        for report in self.sources:
            for key, value in report.counts.as_dict().items():
                setattr(total, key, getattr(total, key) + value)
        return total


@dataclass
class DiscoveryOutcome:
    """What discovery found for one source."""

    items: list[DiscoveredItem] = field(default_factory=list)
    responses: list[FetchedResponse] = field(default_factory=list)
    errors: list[ReadoutError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def reached(self) -> bool:
        return bool(self.responses)


@dataclass
class ItemResult:
    """The outcome of fetching and extracting one item."""

    item: DiscoveredItem
    status: ItemStatus
    response: FetchedResponse | None = None
    archive: ArchiveRef | None = None
    document: ExtractedDocument | None = None
    error: ReadoutError | None = None
    stage: str = "fetch"


class RunObserver(Protocol):
    """Receives progress from :func:`run_cycle` (on the calling thread)."""

    def source_planned(self, source_id: str, items: int) -> None: ...

    def item_done(self, source_id: str, status: ItemStatus) -> None: ...

    def source_finished(self, report: SourceReport) -> None: ...


# --- discover -----------------------------------------------------------------------------------------


def discover_source(
    source: Source,
    client: HttpClient,
    *,
    validators: dict[str, Validators],
    warc: WarcFile | None = None,
    mode: Mode = "incremental",
    since: datetime | None = None,
) -> DiscoveryOutcome:
    """List a source's candidate items from its feeds, listing pages or sitemaps.

    Incremental runs send conditional GETs and read ``pages_per_run`` listing pages; backfills walk
    the pagination (or every child sitemap) back until the items are older than ``since``.
    """
    outcome = DiscoveryOutcome()
    settings = client.settings
    discovery = source.discovery
    max_bytes = settings.feed_max_bytes if discovery.method != "listing" else settings.page_max_bytes
    for start_url in discovery.urls:
        queue_: list[tuple[str, int]] = [(start_url, 0)]
        visited: set[str] = set()
        while queue_:
            url, page_number = queue_.pop(0)
            if url in visited:
                continue
            visited.add(url)
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
                outcome.errors.append(exc)
                log.warning("[%s] cannot read %s: %s", source.id, url, exc)
                continue
            outcome.responses.append(response)
            if warc is not None:
                warc.write(response)
            if response.not_modified:
                continue
            parsed = parse_discovery(
                response.body,
                url=response.final_url,
                source=source,
                content_type=response.header("content-type"),
                page_number=page_number,
            )
            outcome.warnings.extend(parsed.warnings)
            if parsed.error:
                outcome.errors.append(DiscoveryError(parsed.error, url=url))
                log.warning("[%s] %s (%s)", source.id, parsed.error, url)
            outcome.items.extend(parsed.items)
            for next_url in _follow(source, parsed, page_number, mode=mode, since=since):
                queue_.append((next_url, page_number + 1))
    outcome.items = _dedupe(outcome.items)
    return outcome


_ACCEPT = {
    "feed": "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, */*;q=0.5",
    "sitemap": "application/xml, text/xml;q=0.9, */*;q=0.5",
    "listing": "text/html, application/xhtml+xml;q=0.9, */*;q=0.5",
}


def _follow(
    source: Source, parsed: ParsedListing, page_number: int, *, mode: Mode, since: datetime | None
) -> list[str]:
    """Which further pages to read after this one."""
    discovery = source.discovery
    if discovery.method == "sitemap":
        return parsed.more_urls
    if discovery.method != "listing" or not parsed.items:
        return []
    if mode == "incremental":
        return parsed.more_urls if page_number + 1 < discovery.pages_per_run else []
    dated = [item.published_at for item in parsed.items if item.published_at is not None]
    if since is not None and dated and max(dated) < since:
        return []  # this whole page is older than the backfill's start: nothing further back is wanted
    return parsed.more_urls


def _dedupe(items: list[DiscoveredItem]) -> list[DiscoveredItem]:
    seen: set[str] = set()
    unique: list[DiscoveredItem] = []
    for item in items:
        key = canonical_url(item.url)
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


# --- plan ---------------------------------------------------------------------------------------------


def plan_items(
    items: Sequence[DiscoveredItem],
    *,
    known: dict[str, KnownItem],
    failed: set[str],
    mode: Mode = "incremental",
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = None,
) -> tuple[list[tuple[DiscoveredItem, KnownItem | None]], int]:
    """Choose what to fetch: new items, and known ones the listing says were updated.

    Returns the items to fetch (newest first, at most ``limit``) and how many were skipped.
    """
    planned: list[tuple[DiscoveredItem, KnownItem | None]] = []
    skipped = 0
    for item in items:
        key = canonical_url(item.url)
        date = item.published_at
        if date is not None and ((since and date < since) or (until and date >= until)):
            skipped += 1
            continue
        seen = known.get(key)
        if seen is None:
            if key in failed:
                skipped += 1
            else:
                planned.append((item, None))
        elif item.updated_at and (seen.listed_updated_at is None or item.updated_at > seen.listed_updated_at):
            planned.append((item, seen))
        else:
            skipped += 1
    planned.sort(key=lambda pair: pair[0].published_at or datetime.min.replace(tzinfo=UTC), reverse=True)
    if limit is not None and len(planned) > limit:
        skipped += len(planned) - limit
        planned = planned[:limit]
    return planned, skipped


# --- fetch, archive, extract --------------------------------------------------------------------------


def fetch_item(
    source: Source, item: DiscoveredItem, known: KnownItem | None, client: HttpClient, *, warc: WarcFile | None
) -> ItemResult:
    """Fetch one item (conditionally when we have it), archive the response and extract its text."""
    try:
        response = client.get(
            item.url,
            max_bytes=client.settings.page_max_bytes,
            etag=known.etag if known else None,
            last_modified=known.last_modified if known else None,
            min_delay=source.min_delay,
            accept="text/html, application/xhtml+xml;q=0.9, */*;q=0.5",
        )
    except HTTPStatusError as exc:
        if exc.status in (404, 410) and known is not None:
            return ItemResult(item, "removed", error=exc)
        return ItemResult(item, "failed", error=exc)
    except FetchError as exc:
        return ItemResult(item, "failed", error=exc)
    archive = warc.write(response) if warc is not None else None
    if response.not_modified:
        return ItemResult(item, "not_modified", response=response, archive=archive)
    if any(re.search(pattern, response.final_url) for pattern in source.extract.removed_url_patterns):
        gone = HTTPStatusError(
            f"the site answers with a 'deleted page' ({response.final_url})", url=item.url, status=410
        )
        return ItemResult(item, "removed" if known else "failed", response=response, archive=archive, error=gone)
    try:
        document = extract(
            response.body,
            url=response.final_url,
            content_type=response.header("content-type"),
            source=source,
            listing_date=item.published_at,
        )
    except ExtractionError as exc:
        return ItemResult(item, "failed", response=response, archive=archive, error=exc, stage="extract")
    if document.title is None and item.title:
        document = ExtractedDocument(**{**_fields(document), "title": item.title})
    return ItemResult(item, "new", response=response, archive=archive, document=document, stage="extract")


def _fields(document: ExtractedDocument) -> dict[str, Any]:
    return {name: getattr(document, name) for name in document.__dataclass_fields__}


# --- catalog ------------------------------------------------------------------------------------------


def apply_result(catalog: Catalog, source: Source, result: ItemResult, *, run_id: str) -> ItemStatus:
    """Write one item's outcome to the catalog; returns the final status."""
    item = result.item
    if result.status == "not_modified" and result.response is not None:
        catalog.touch_document(item.url, fetched_at=result.response.fetched_at, listed_updated_at=item.updated_at)
        return "not_modified"
    if result.status == "removed":
        catalog.mark_removed(item.url, datetime.now(UTC))
        return "removed"
    if result.status == "failed" or result.document is None or result.response is None:
        error = result.error or ReadoutError("no document")
        catalog.record_failure(run_id=run_id, source_id=source.id, url=item.url, stage=result.stage, error=error)
        return "failed"
    return catalog.store_document(
        source=source,
        item_url=item.url,
        response=result.response,
        extracted=result.document,
        archive=result.archive,
        listed_updated_at=item.updated_at,
    )


# --- a whole run --------------------------------------------------------------------------------------


@dataclass
class _Context:
    settings: Settings
    client: HttpClient
    run_id: str
    started: datetime
    mode: Mode
    since: datetime | None
    until: datetime | None


def run_cycle(
    settings: Settings,
    sources: Sequence[Source],
    *,
    catalog: Catalog,
    mode: Mode = "incremental",
    since: datetime | None = None,
    until: datetime | None = None,
    observer: RunObserver | None = None,
) -> RunReport:
    """Run one cycle (or a backfill between ``since`` and ``until``) over ``sources``."""
    params: dict[str, Any] = {"sources": [s.id for s in sources]}
    if since:
        params["since"] = since.isoformat()
    if until:
        params["until"] = until.isoformat()
    run_id = catalog.start_run(mode, params)
    report = RunReport(run_id=run_id, mode=mode, started_at=datetime.now(UTC))
    log.info("run %s (%s) started over %d source(s)", run_id[:8], mode, len(sources))
    events: queue.Queue[tuple[str, str, Any]] = queue.Queue()
    by_id = {source.id: source for source in sources}
    reports = {source.id: SourceReport(source.id) for source in sources}
    with HttpClient(settings, robots_cache_dir=settings.data_dir / "robots") as client:
        ctx = _Context(settings, client, run_id, report.started_at, mode, since, until)
        plans = {source.id: _prepare(catalog, source) for source in sources}
        with ThreadPoolExecutor(max_workers=settings.parallel_hosts, thread_name_prefix="source") as pool:
            for source in sources:
                pool.submit(_work, source, ctx, plans[source.id], events)
            pending = len(sources)
            while pending:
                kind, source_id, payload = events.get()
                source, source_report = by_id[source_id], reports[source_id]
                if kind == "discovered":
                    _on_discovered(catalog, source, source_report, payload, run_id)
                elif kind == "planned":
                    planned, skipped = payload
                    source_report.counts.skipped += skipped
                    log.info("[%s] %d item(s) to fetch, %d already known or out of range", source_id, planned, skipped)
                    if observer:
                        observer.source_planned(source_id, planned)
                elif kind == "item":
                    status = _on_item(catalog, source, source_report, payload, run_id)
                    if observer:
                        observer.item_done(source_id, status)
                elif kind == "crashed":
                    source_report.errors.append(f"internal error: {payload!r}")
                    catalog.record_failure(run_id=run_id, source_id=source_id, url=None, stage="run", error=payload)
                    log.error("[%s] internal error", source_id, exc_info=payload)
                elif kind == "done":
                    pending -= 1
                    source_report.seconds = payload
                    catalog.save_source_result(
                        run_id,
                        source_id,
                        source_report.status,
                        source_report.counts.as_dict(),
                        "; ".join(source_report.errors[:3]) or None,
                        source_report.seconds,
                    )
                    report.sources.append(source_report)
                    c = source_report.counts
                    log.info(
                        "[%s] %s in %.1fs: %d new, %d updated, %d unchanged, %d not modified, %d removed, %d failed",
                        source_id,
                        source_report.status,
                        payload,
                        c.new,
                        c.updated,
                        c.unchanged,
                        c.not_modified,
                        c.removed,
                        c.failed,
                    )
                    if observer:
                        observer.source_finished(source_report)
    report.finished_at = datetime.now(UTC)
    catalog.finish_run(run_id, report.status)
    totals = report.totals()
    log.info(
        "run %s finished (%s): %d new, %d updated, %d failed, %d full downloads, %d not modified",
        run_id[:8],
        report.status,
        totals.new,
        totals.updated,
        totals.failed,
        totals.fetched,
        totals.not_modified,
    )
    return report


def _prepare(catalog: Catalog, source: Source) -> tuple[dict[str, KnownItem], set[str], dict[str, Validators]]:
    """What a worker needs from the catalog, read before it starts (workers never touch the catalog)."""
    return (
        catalog.known_items(source.id),
        catalog.permanently_failed(source.id),
        catalog.validators(source.discovery.urls),
    )


def _work(
    source: Source,
    ctx: _Context,
    plan: tuple[dict[str, KnownItem], set[str], dict[str, Validators]],
    events: queue.Queue[tuple[str, str, Any]],
) -> None:
    started = time.monotonic()
    known, failed, validators = plan
    try:
        root = ctx.settings.effective_archive_url
        with WarcFile(root, warc_path(source.id, ctx.run_id, ctx.started)) as warc:
            outcome = discover_source(
                source, ctx.client, validators=validators, warc=warc, mode=ctx.mode, since=ctx.since
            )
            events.put(("discovered", source.id, outcome))
            planned, skipped = plan_items(
                outcome.items,
                known=known,
                failed=failed,
                mode=ctx.mode,
                since=ctx.since,
                until=ctx.until,
                limit=ctx.settings.max_items_per_source,
            )
            events.put(("planned", source.id, (len(planned), skipped)))
            for item, seen in planned:
                events.put(("item", source.id, fetch_item(source, item, seen, ctx.client, warc=warc)))
    except Exception as exc:  # a bug must cost this source only, never the run
        events.put(("crashed", source.id, exc))
    finally:
        events.put(("done", source.id, time.monotonic() - started))


def _on_discovered(
    catalog: Catalog, source: Source, report: SourceReport, outcome: DiscoveryOutcome, run_id: str
) -> None:
    report.reached = outcome.reached
    report.counts.discovered = len(outcome.items)
    for response in outcome.responses:
        catalog.save_endpoint(source.id, response)
        if response.not_modified:
            report.counts.not_modified += 1
        else:
            report.counts.fetched += 1
    for error in outcome.errors:
        report.errors.append(str(error))
        catalog.record_failure(
            run_id=run_id, source_id=source.id, url=getattr(error, "url", None), stage="discover", error=error
        )


def _on_item(catalog: Catalog, source: Source, report: SourceReport, result: ItemResult, run_id: str) -> ItemStatus:
    counts = report.counts
    if result.response is not None and not result.response.not_modified:
        counts.fetched += 1
    if result.document is not None:
        counts.extracted += 1
    status = apply_result(catalog, source, result, run_id=run_id)
    setattr(counts, status, getattr(counts, status) + 1)
    if status == "failed" and result.error is not None:
        report.errors.append(str(result.error))
        log.warning("[%s] %s: %s", source.id, result.stage, result.error)
    return status
