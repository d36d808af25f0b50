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
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal, Protocol

from pipeline.archive import WarcFile, warc_path
from pipeline.config import Settings, Source
from pipeline.enrich import Enricher, Enrichment, load_enricher
from pipeline.errors import (
    ArchiveError,
    DiscoveryError,
    ExtractionError,
    FetchError,
    HTTPStatusError,
    InternalError,
    ReadoutError,
)
from pipeline.extract import extract
from pipeline.fetch.client import HttpClient
from pipeline.models import ArchiveRef, DiscoveredItem, ExtractedDocument, FetchedResponse, ItemStatus, ParsedListing
from pipeline.sources import parse_discovery
from pipeline.store.catalog import Catalog, Frontier, KnownItem, Validators
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
    #: Child sitemap URL → the sitemap index that listed it.
    parents: dict[str, str] = field(default_factory=dict)

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
                outcome.errors.append(exc)
                log.warning("[%s] cannot read %s: %s", source.id, url, exc)
                continue
            outcome.responses.append(response)
            if parent is not None:
                outcome.parents[response.url] = parent
            if warc is not None:
                _archive_quietly(warc, response, outcome, source)
            if response.not_modified:
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
            outcome.warnings.extend(parsed.warnings)
            if parsed.error:
                outcome.errors.append(DiscoveryError(parsed.error, url=url))
                log.warning("[%s] %s (%s)", source.id, parsed.error, url)
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


def _archive_quietly(warc: WarcFile, response: FetchedResponse, outcome: DiscoveryOutcome, source: Source) -> None:
    """Archive a discovery response; a failure is recorded but does not stop discovery."""
    try:
        warc.write(response)
    except ArchiveError as exc:
        outcome.errors.append(exc)
        log.warning("[%s] %s", source.id, exc)


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


# --- plan ---------------------------------------------------------------------------------------------


@dataclass
class Plan:
    """What to do with a source's items in this run."""

    #: Items to fetch now, newest first, with what the catalog knows of them.
    fetch: list[tuple[DiscoveredItem, KnownItem | None]] = field(default_factory=list)
    #: Items wanted but over this run's limit: they wait in the frontier for the next run.
    deferred: list[DiscoveredItem] = field(default_factory=list)
    #: Items known and unchanged, given up on, or outside the backfill's range.
    skipped: int = 0


def plan_items(
    items: Sequence[DiscoveredItem],
    *,
    source: Source,
    known: dict[str, KnownItem],
    given_up: set[str],
    since: date | None = None,
    until: date | None = None,
    limit: int | None = None,
) -> Plan:
    """Choose what to fetch: new items, and known ones the listing says were updated.

    ``since``/``until`` (inclusive) compare with the item's publication day in the source's time zone.
    """
    plan = Plan()
    wanted: list[tuple[DiscoveredItem, KnownItem | None]] = []
    for item in items:
        key = canonical_url(item.url)
        if item.published_at is not None:
            day = local_day(item.published_at, source)
            if (since and day < since) or (until and day > until):
                plan.skipped += 1
                continue
        seen = known.get(key)
        if seen is None:
            if key in given_up:
                plan.skipped += 1
            else:
                wanted.append((item, None))
        elif item.updated_at and (seen.listed_updated_at is None or item.updated_at > seen.listed_updated_at):
            wanted.append((item, seen))
        else:
            plan.skipped += 1
    wanted.sort(key=lambda pair: pair[0].published_at or datetime.min.replace(tzinfo=UTC), reverse=True)
    cut = len(wanted) if limit is None else limit
    plan.fetch, plan.deferred = wanted[:cut], [item for item, _ in wanted[cut:]]
    return plan


# --- fetch, archive, extract --------------------------------------------------------------------------


def fetch_item(
    source: Source, item: DiscoveredItem, known: KnownItem | None, client: HttpClient, *, warc: WarcFile | None
) -> ItemResult:
    """Fetch one item (conditionally when we have it), archive the response and extract its text.

    Never raises: whatever goes wrong, even a bug, becomes a failed :class:`ItemResult` for this item.
    """
    try:
        return _fetch_item(source, item, known, client, warc=warc)
    except Exception as exc:  # a bug must cost this item only
        log.exception("[%s] internal error on %s", source.id, item.url)
        return ItemResult(item, "failed", error=InternalError(f"internal error: {exc!r}"), stage="internal")


def _fetch_item(
    source: Source, item: DiscoveredItem, known: KnownItem | None, client: HttpClient, *, warc: WarcFile | None
) -> ItemResult:
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
    try:
        archive = warc.write(response) if warc is not None else None
    except ArchiveError as exc:
        # Without its raw record a document could not be re-extracted or audited: try again next run.
        return ItemResult(item, "failed", response=response, error=exc, stage="archive")
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
        document = replace(document, title=item.title)
    return ItemResult(item, "new", response=response, archive=archive, document=document, stage="extract")


# --- catalog ------------------------------------------------------------------------------------------


def apply_result(
    catalog: Catalog, source: Source, result: ItemResult, *, run_id: str, enricher: Enricher | None = None
) -> ItemStatus:
    """Enrich an extracted document (with ``enricher``), write the item's outcome to the catalog and settle
    it in the frontier; returns the final status."""
    item = result.item
    status: ItemStatus
    if result.status == "not_modified" and result.response is not None:
        catalog.touch_document(item.url, fetched_at=result.response.fetched_at, listed_updated_at=item.updated_at)
        status = "not_modified"
    elif result.status == "removed":
        catalog.mark_removed(item.url, datetime.now(UTC), run_id=run_id)
        status = "removed"
    elif result.status == "failed" or result.document is None or result.response is None:
        error = result.error or InternalError("no document and no error")
        catalog.record_failure(run_id=run_id, source_id=source.id, url=item.url, stage=result.stage, error=error)
        state = catalog.settle(source.id, item.url, error=error)
        if state == "given_up":
            log.warning("[%s] giving up on %s after: %s", source.id, item.url, error)
        return "failed"
    else:
        status = catalog.store_document(
            source=source,
            item_url=item.url,
            response=result.response,
            extracted=result.document,
            archive=result.archive,
            listed_updated_at=item.updated_at,
            run_id=run_id,
            enrichment=enrich_document(enricher, result.document, source_id=source.id, url=item.url),
        )
    catalog.settle(source.id, item.url)
    return status


def enrich_document(
    enricher: Enricher | None, document: ExtractedDocument, *, source_id: str, url: str
) -> Enrichment | None:
    """The document's enrichment, or None without an enricher. A failure here is a bug in the tagger: it
    is logged and the document is stored untagged (``readout retag`` catches it up), never lost."""
    if enricher is None:
        return None
    try:
        return enricher.enrich(document.title, document.text, declared_language=document.language)
    except Exception:
        log.exception("[%s] enrichment failed on %s; stored untagged", source_id, url)
        return None


# --- a whole run --------------------------------------------------------------------------------------

#: Items given up on are offered again after this long (pages get fixed, robots.txt rules change).
RETRY_GIVEN_UP_AFTER = timedelta(days=30)
#: A run still marked "running" after this long belonged to a process that died.
STALE_RUN_AFTER = timedelta(hours=24)


@dataclass
class _Context:
    settings: Settings
    client: HttpClient
    run_id: str
    started: datetime
    mode: Mode
    since: date | None
    until: date | None


@dataclass
class Prepared:
    """What a worker needs from the catalog, read before it starts (workers never touch the catalog)."""

    known: dict[str, KnownItem]
    frontier: Frontier
    validators: dict[str, Validators]
    children: dict[str, list[str]]

    @property
    def first_run(self) -> bool:
        """Whether the source has no documents yet: its first run walks more listing pages."""
        return not self.known


def run_cycle(
    settings: Settings,
    sources: Sequence[Source],
    *,
    catalog: Catalog,
    mode: Mode = "incremental",
    since: date | None = None,
    until: date | None = None,
    observer: RunObserver | None = None,
    run_id: str | None = None,
) -> RunReport:
    """Run one cycle (or a backfill between ``since`` and ``until``, inclusive days) over ``sources``.

    Whatever one source or item does, the run completes, every outcome is counted and recorded, and
    the run's row is closed. ``run_id`` reuses a catalog run (an Airflow task retried).
    """
    catalog.close_stale_runs(STALE_RUN_AFTER)
    params: dict[str, Any] = {"sources": [s.id for s in sources]}
    if since:
        params["since"] = since.isoformat()
    if until:
        params["until"] = until.isoformat()
    run_id = catalog.start_run(mode, params, run_id=run_id)
    report = RunReport(run_id=run_id, mode=mode, started_at=datetime.now(UTC))
    log.info("run %s (%s) started over %d source(s)", run_id[:8], mode, len(sources))
    try:
        _run(settings, sources, catalog, report, observer, since=since, until=until, enricher=load_enricher(settings))
    finally:
        report.finished_at = datetime.now(UTC)
        catalog.finish_run(run_id, report.status if len(report.sources) == len(sources) else "failed")
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


def _run(
    settings: Settings,
    sources: Sequence[Source],
    catalog: Catalog,
    report: RunReport,
    observer: RunObserver | None,
    *,
    since: date | None,
    until: date | None,
    enricher: Enricher,
) -> None:
    events: queue.Queue[tuple[str, str, Any]] = queue.Queue()
    by_id = {source.id: source for source in sources}
    reports = {source.id: SourceReport(source.id) for source in sources}
    outcomes: dict[str, DiscoveryOutcome] = {}
    with HttpClient(settings, robots_cache_dir=settings.data_dir / "robots") as client:
        ctx = _Context(settings, client, report.run_id, report.started_at, report.mode, since, until)
        prepared = {source.id: prepare_source(catalog, source, report.mode) for source in sources}
        with ThreadPoolExecutor(max_workers=settings.parallel_hosts, thread_name_prefix="source") as pool:
            for source in sources:
                pool.submit(_work, source, ctx, prepared[source.id], events)
            pending = len(sources)
            while pending:
                kind, source_id, payload = events.get()
                source, source_report = by_id[source_id], reports[source_id]
                if kind == "done":
                    pending -= 1
                try:
                    _handle(kind, payload, catalog, source, source_report, outcomes, observer, report, enricher)
                except Exception as exc:  # a catalog failure costs this event, never the run
                    source_report.errors.append(f"catalog error: {exc}")
                    log.exception("[%s] catalog error while handling %s", source_id, kind)
                    _record_quietly(catalog, report.run_id, source_id, "catalog", exc)
                    if kind == "done":
                        report.sources.append(source_report)


def _handle(
    kind: str,
    payload: Any,
    catalog: Catalog,
    source: Source,
    source_report: SourceReport,
    outcomes: dict[str, DiscoveryOutcome],
    observer: RunObserver | None,
    report: RunReport,
    enricher: Enricher,
) -> None:
    run_id = report.run_id
    if kind == "discovered":
        outcomes[source.id] = payload
        record_discovery(catalog, source, source_report, payload, run_id)
    elif kind == "planned":
        plan: Plan = payload
        record_plan(catalog, source, source_report, plan)
        if observer:
            observer.source_planned(source.id, len(plan.fetch))
    elif kind == "item":
        status = record_item(catalog, source, source_report, payload, run_id, enricher)
        if observer:
            observer.item_done(source.id, status)
    elif kind == "crashed":
        source_report.errors.append(f"internal error: {payload!r}")
        log.error("[%s] internal error", source.id, exc_info=payload)
        catalog.record_failure(run_id=run_id, source_id=source.id, url=None, stage="internal", error=payload)
    elif kind == "done":
        source_report.seconds = payload
        outcome = outcomes.get(source.id)
        if outcome is not None and report.mode == "incremental":
            # Validators are saved only now: a 304 next time must not stand for items this run did not
            # finish (those wait in the frontier anyway), and a backfill never touches them.
            for response in outcome.responses:
                catalog.save_endpoint(source.id, response, parent_url=outcome.parents.get(response.url))
        report.sources.append(source_report)
        c = source_report.counts
        catalog.save_source_result(
            run_id,
            source.id,
            source_report.status,
            c.as_dict(),
            "; ".join(source_report.errors[:3]) or None,
            source_report.seconds,
        )
        log.info(
            "[%s] %s in %.1fs: %d new, %d updated, %d unchanged, %d not modified, %d removed, %d failed",
            source.id,
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


def _record_quietly(catalog: Catalog, run_id: str, source_id: str, stage: str, error: BaseException) -> None:
    try:
        catalog.record_failure(run_id=run_id, source_id=source_id, url=None, stage=stage, error=error)
    except Exception:  # the catalog itself is failing; the log line above is all we can do
        log.exception("[%s] could not record the failure either", source_id)


def prepare_source(catalog: Catalog, source: Source, mode: Mode) -> Prepared:
    """What discovery and planning need from the catalog for one source, read in one go."""
    validators = catalog.validators(source.discovery.urls) if mode == "incremental" else {}
    children = catalog.sitemap_children(source.discovery.urls) if source.discovery.method == "sitemap" else {}
    if children and mode == "incremental":
        validators |= catalog.validators([child for urls in children.values() for child in urls])
    return Prepared(
        known=catalog.known_items(source.id),
        frontier=catalog.frontier(source.id, now=datetime.now(UTC), retry_given_up_after=RETRY_GIVEN_UP_AFTER),
        validators=validators,
        children=children,
    )


def _work(source: Source, ctx: _Context, prepared: Prepared, events: queue.Queue[tuple[str, str, Any]]) -> None:
    started = time.monotonic()
    try:
        root = ctx.settings.effective_archive_url
        with WarcFile(root, warc_path(source.id, ctx.run_id, ctx.started)) as warc:
            outcome = discover_source(
                source,
                ctx.client,
                validators=prepared.validators,
                children=prepared.children,
                warc=warc,
                mode=ctx.mode,
                since=ctx.since,
                first_run=prepared.first_run,
            )
            events.put(("discovered", source.id, outcome))
            plan = plan_source(
                source, outcome, prepared, since=ctx.since, until=ctx.until, limit=ctx.settings.max_items_per_source
            )
            events.put(("planned", source.id, plan))
            for item, seen in plan.fetch:
                events.put(("item", source.id, fetch_item(source, item, seen, ctx.client, warc=warc)))
    except Exception as exc:  # a bug must cost this source only, never the run
        events.put(("crashed", source.id, exc))
    finally:
        events.put(("done", source.id, time.monotonic() - started))


def plan_source(
    source: Source, outcome: DiscoveryOutcome, prepared: Prepared, *, since: date | None, until: date | None, limit: int
) -> Plan:
    """:func:`plan_items` over what discovery found and what the frontier still holds."""
    # The frontier's pending items come after this run's discoveries: a 304 cannot hide them.
    return plan_items(
        dedupe_items(outcome.items + prepared.frontier.pending),
        source=source,
        known=prepared.known,
        given_up=prepared.frontier.given_up,
        since=since,
        until=until,
        limit=limit,
    )


def record_plan(catalog: Catalog, source: Source, report: SourceReport, plan: Plan) -> None:
    """Put every planned item into the frontier (so no later failure loses it) and count the skipped."""
    report.counts.skipped += plan.skipped
    catalog.add_to_frontier(source.id, [item for item, _ in plan.fetch] + plan.deferred)
    log.info(
        "[%s] %d item(s) to fetch, %d left for the next run, %d already known or out of range",
        source.id,
        len(plan.fetch),
        len(plan.deferred),
        plan.skipped,
    )


def record_discovery(
    catalog: Catalog, source: Source, report: SourceReport, outcome: DiscoveryOutcome, run_id: str
) -> None:
    """Count what discovery read into ``report`` and record its failures in the catalog."""
    report.reached = outcome.reached
    unchanged = sum(1 for response in outcome.responses if response.not_modified)
    log.info(
        "[%s] discovery read %d endpoint(s) (%d not modified): %d item(s)",
        source.id,
        len(outcome.responses),
        unchanged,
        len(outcome.items),
    )
    report.counts.discovered = len(outcome.items)
    for response in outcome.responses:
        if response.not_modified:
            report.counts.not_modified += 1
        else:
            report.counts.fetched += 1
    for error in outcome.errors:
        report.errors.append(str(error))
        catalog.record_failure(
            run_id=run_id, source_id=source.id, url=getattr(error, "url", None), stage="discover", error=error
        )


def record_item(
    catalog: Catalog,
    source: Source,
    report: SourceReport,
    result: ItemResult,
    run_id: str,
    enricher: Enricher | None = None,
) -> ItemStatus:
    """Enrich and write one item's outcome to the catalog and count it into ``report``."""
    counts = report.counts
    if result.response is not None and not result.response.not_modified:
        counts.fetched += 1
    if result.document is not None:
        counts.extracted += 1
    status = apply_result(catalog, source, result, run_id=run_id, enricher=enricher)
    setattr(counts, status, getattr(counts, status) + 1)
    if status == "failed" and result.error is not None:
        report.errors.append(str(result.error))
        log.warning("[%s] %s: %s", source.id, result.stage, result.error)
    return status
