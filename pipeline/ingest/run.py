"""A whole run over many sources: one worker thread per source, extraction in worker processes, every
catalog write on the calling thread."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from pipeline import clock
from pipeline.archive import WarcFile, warc_path
from pipeline.config import Settings, Source
from pipeline.errors import CatalogError, traceback_wanted
from pipeline.fetch.client import HttpClient
from pipeline.ingest.discover import dedupe_items, discover_source
from pipeline.ingest.fetch import fetch_page, internal_error
from pipeline.ingest.listings import record_listings
from pipeline.ingest.outcomes import DiscoveryOutcome, ItemResult, Mode, RunObserver, RunReport, SourceReport
from pipeline.ingest.plan import Plan, plan_items
from pipeline.ingest.record import record_discovery, record_failure_quietly, record_item, record_plan
from pipeline.ingest.workers import ExtractionPool
from pipeline.models import DiscoveredItem
from pipeline.store.catalog import Catalog
from pipeline.store.frontier import Frontier, KnownItem, Validators
from pipeline.store.rechecks import DueRecheck
from pipeline.urls import canonical_url

log = logging.getLogger(__name__)


#: Items given up on are offered again after this long (pages get fixed, robots.txt rules change).
RETRY_GIVEN_UP_AFTER = timedelta(days=30)


#: A run still marked "running" after this long belonged to a process that died.
STALE_RUN_AFTER = timedelta(hours=24)


#: How often a source thread waiting for the main thread checks whether the run was abandoned.
_STOP_CHECK = 0.5


@dataclass
class _Flow:
    """What bounds and stops the source threads."""

    #: One per fetched page not yet stored: memory stays flat however many pages a run fetches.
    slots: threading.Semaphore
    #: Set when the main thread leaves the run early (an exception, Ctrl-C): the source threads stop.
    stop: threading.Event = field(default_factory=threading.Event)

    def take_slot(self) -> bool:
        """Wait for room for one more page; False when the run is being abandoned."""
        while not self.slots.acquire(timeout=_STOP_CHECK):
            if self.stop.is_set():
                return False
        return not self.stop.is_set()


@dataclass
class _Planned:
    """A source's plan on its way to the frontier; the source thread fetches nothing before ``committed``."""

    plan: Plan
    committed: threading.Event = field(default_factory=threading.Event)
    #: Whether the plan reached the frontier (set before ``committed``).
    ok: bool = False

    def answer(self, ok: bool) -> None:
        self.ok = ok
        self.committed.set()

    def wait(self, stop: threading.Event) -> bool:
        """Wait for the main thread's answer: True when the plan is committed."""
        while not self.committed.wait(_STOP_CHECK):
            if stop.is_set():
                return False
        return self.ok


class _InFlight:
    """Pages of one source handed to the extraction pool and not yet reported."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = threading.Condition()

    def add(self) -> None:
        with self._idle:
            self._count += 1

    def remove(self) -> None:
        with self._idle:
            self._count -= 1
            if not self._count:
                self._idle.notify_all()

    def wait(self) -> None:
        """Until every page handed over has been reported."""
        with self._idle:
            self._idle.wait_for(lambda: self._count == 0)


@dataclass
class _Context:
    settings: Settings
    client: HttpClient
    run_id: str
    started: datetime
    mode: Mode
    since: date | None
    until: date | None
    extraction: ExtractionPool
    flow: _Flow


@dataclass
class Prepared:
    """What a worker needs from the catalog: read before it starts, except what it knows of the items
    discovery finds, which only planning can ask for (:meth:`known`)."""

    frontier: Frontier
    validators: dict[str, Validators]
    children: dict[str, list[str]]
    #: Whether the source has no documents yet: its first run walks more listing pages.
    first_run: bool
    #: Canonical URLs → what the catalog knows of them, for this source (a read; it never writes).
    lookup: Callable[[Collection[str]], dict[str, KnownItem]]
    #: Its documents due to be fetched again (:mod:`pipeline.recheck`), longest overdue first.
    due: list[DueRecheck] = field(default_factory=list)

    def known(self, items: Iterable[DiscoveredItem]) -> dict[str, KnownItem]:
        """What the catalog knows of ``items``: the rows of those URLs only, so that planning after a 304
        or a feed of old items costs what the feed holds, not what the source ever published."""
        return self.lookup({canonical_url(item.url) for item in items})


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
    params: dict[str, Any] = {"sources": [s.id for s in sources]}
    if since:
        params["since"] = since.isoformat()
    if until:
        params["until"] = until.isoformat()
    try:
        catalog.close_stale_runs(STALE_RUN_AFTER)
        run_id = catalog.start_run(mode, params, run_id=run_id)
    except CatalogError as exc:
        raise exc.during("start the run") from exc.__cause__
    report = RunReport(run_id=run_id, mode=mode, started_at=clock.now())
    log.info("run %s (%s) started over %d source(s)", run_id[:8], mode, len(sources))
    try:
        _run(settings, sources, catalog, report, observer, since=since, until=until)
    except BaseException:
        report.finished_at = clock.now()
        try:
            _close_run(catalog, run_id, "failed")
        except CatalogError as unclosed:  # what stopped the run is the error to raise; this one is told alongside
            log.warning("%s", unclosed)
        raise
    report.finished_at = clock.now()
    _close_run(catalog, run_id, report.status if len(report.sources) == len(sources) else "failed")
    totals = report.totals()
    log.info(
        "run %s finished (%s): %d new, %d updated, %d failed, %d full downloads, %d not modified; %s",
        run_id[:8],
        report.status,
        totals.new,
        totals.updated,
        totals.failed,
        totals.fetched,
        totals.not_modified,
        report.rechecks(),
    )
    return report


def _close_run(catalog: Catalog, run_id: str, status: str) -> None:
    """Close the run's row with ``status``, trying once more when the catalog fails (a dropped connection is
    replaced, a lock may have gone). When the second try fails too, the :class:`CatalogError` says that the run
    stays "running" and which later run closes it: a run never stays open without a word."""
    try:
        catalog.finish_run(run_id, status)
        return
    except CatalogError as exc:
        log.warning("run %s could not be closed (%s); trying once more", run_id[:8], exc.reason or exc)
    try:
        catalog.finish_run(run_id, status)
    except CatalogError as exc:
        unclosed = exc.during(f'close run {run_id[:8]} as "{status}"')
        hours = STALE_RUN_AFTER.total_seconds() / 3600
        raise type(exc)(
            f'{unclosed}; the run stays "running" until a run that starts {hours:g} h after it closes it as '
            '"interrupted"',
            url=exc.url,
            reason=exc.reason,
        ) from exc.__cause__


def _run(
    settings: Settings,
    sources: Sequence[Source],
    catalog: Catalog,
    report: RunReport,
    observer: RunObserver | None,
    *,
    since: date | None,
    until: date | None,
) -> None:
    events: queue.Queue[tuple[str, str, Any]] = queue.Queue()
    flow = _Flow(threading.Semaphore(settings.pages_in_flight))
    extraction = ExtractionPool(settings)
    finished = False
    try:
        with HttpClient(settings, robots_cache_dir=settings.data_dir / "robots") as client:
            ctx = _Context(
                settings, client, report.run_id, report.started_at, report.mode, since, until, extraction, flow
            )
            prepared = {
                source.id: prepare_source(
                    catalog, source, report.mode, now=report.started_at, recheck_limit=settings.max_items_per_source
                )
                for source in sources
            }
            with ThreadPoolExecutor(max_workers=settings.parallel_hosts, thread_name_prefix="source") as pool:
                try:
                    for source in sources:
                        pool.submit(_work, source, ctx, prepared[source.id], events)
                    _consume(events, sources, catalog, report, observer, flow, settings.data_dir / "listings")
                except BaseException:
                    flow.stop.set()  # the source threads must stop before the thread pool can be left
                    raise
        finished = True
    finally:
        extraction.close(cancel=not finished)


def _consume(
    events: queue.Queue[tuple[str, str, Any]],
    sources: Sequence[Source],
    catalog: Catalog,
    report: RunReport,
    observer: RunObserver | None,
    flow: _Flow,
    listings: Path,
) -> None:
    """Every catalog write of the run, on this thread, in the order the source threads' events arrive
    (``listings``: where listing pages are remembered, :mod:`pipeline.ingest.listings`)."""
    by_id = {source.id: source for source in sources}
    reports = {source.id: SourceReport(source.id) for source in sources}
    outcomes: dict[str, DiscoveryOutcome] = {}
    pending = len(sources)
    while pending:
        kind, source_id, payload = events.get()
        source, source_report = by_id[source_id], reports[source_id]
        if kind == "done":
            pending -= 1
        try:
            _handle(kind, payload, catalog, source, source_report, outcomes, observer, report, listings)
        except Exception as exc:  # a catalog failure costs this event, never the run
            source_report.errors.append(f"catalog error: {exc}")
            log.warning(
                "[%s] catalog error while handling %s: %s", source_id, kind, exc, exc_info=traceback_wanted(log, exc)
            )
            record_failure_quietly(catalog, report.run_id, source_id, "catalog", exc)
            if kind == "done":
                report.sources.append(source_report)
        finally:
            if kind == "planned" and not payload.committed.is_set():
                payload.answer(False)  # the plan is not in the frontier: its source must fetch nothing
            elif kind == "item":
                flow.slots.release()


def _handle(
    kind: str,
    payload: Any,
    catalog: Catalog,
    source: Source,
    source_report: SourceReport,
    outcomes: dict[str, DiscoveryOutcome],
    observer: RunObserver | None,
    report: RunReport,
    listings: Path,
) -> None:
    run_id = report.run_id
    if kind == "discovered":
        outcomes[source.id] = payload
        record_discovery(catalog, source, source_report, payload, run_id)
        record_listings(catalog, source, source_report, payload, run_id, listings)
    elif kind == "planned":
        plan: Plan = payload.plan
        record_plan(catalog, source, source_report, plan)
        payload.answer(True)  # committed: the source thread may fetch
        if observer:
            observer.source_planned(source.id, len(plan.fetch))
    elif kind == "item":
        # Enriched with its extraction (in a worker process); a failed enrichment leaves it untagged.
        status = record_item(catalog, source, source_report, payload, run_id)
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
            "[%s] %s in %.1fs: %d new, %d updated, %d unchanged, %d not modified, %d removed, %d failed; %s",
            source.id,
            source_report.status,
            payload,
            c.new,
            c.updated,
            c.unchanged,
            c.not_modified,
            c.removed,
            c.failed,
            source_report.rechecks,
        )
        if observer:
            observer.source_finished(source_report)


def prepare_source(
    catalog: Catalog, source: Source, mode: Mode, *, now: datetime | None = None, recheck_limit: int = 500
) -> Prepared:
    """What discovery and planning need from the catalog for one source, read in one go (the items'
    rows are looked up later, for the URLs discovery finds: see :meth:`Prepared.known`). Incremental runs
    also read the source's re-checks due by ``now`` (at most ``recheck_limit``: the run's item limit)."""
    now = now or clock.now()
    due = (
        catalog.due_rechecks(source.id, now=now, limit=recheck_limit)
        if mode == "incremental" and source.recheck_ages
        else []
    )
    validators = catalog.validators(source.discovery.urls) if mode == "incremental" else {}
    children = catalog.sitemap_children(source.discovery.urls) if source.discovery.method == "sitemap" else {}
    if children and mode == "incremental":
        validators |= catalog.validators([child for urls in children.values() for child in urls])
    return Prepared(
        frontier=catalog.frontier(source.id, now=now, retry_given_up_after=RETRY_GIVEN_UP_AFTER),
        validators=validators,
        children=children,
        first_run=not catalog.has_documents(source.id),
        lookup=partial(catalog.known_items, source.id),
        due=due,
    )


def _work(source: Source, ctx: _Context, prepared: Prepared, events: queue.Queue[tuple[str, str, Any]]) -> None:
    started = time.monotonic()
    in_flight = _InFlight()
    try:
        root = ctx.settings.effective_archive_url
        with WarcFile(root, warc_path(source.id, ctx.run_id, ctx.started)) as warc:
            try:
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
                planned = _Planned(plan)
                events.put(("planned", source.id, planned))
                # Nothing is fetched before the plan is committed to the frontier: killed from here on, the
                # run loses nothing, since the next one finds every planned item there even if the feed moved on.
                if not planned.wait(ctx.flow.stop):
                    return
                ctx.extraction.expect(len(plan.fetch))
                for item, seen in plan.fetch:
                    if not ctx.flow.take_slot():
                        return
                    _fetch(source, item, seen, ctx, warc, events, in_flight)
            finally:
                in_flight.wait()  # every item is reported before its source's "done"
    except Exception as exc:  # a bug must cost this source only, never the run
        events.put(("crashed", source.id, exc))
    finally:
        events.put(("done", source.id, time.monotonic() - started))


def _fetch(
    source: Source,
    item: DiscoveredItem,
    seen: KnownItem | None,
    ctx: _Context,
    warc: WarcFile,
    events: queue.Queue[tuple[str, str, Any]],
    in_flight: _InFlight,
) -> None:
    """Fetch and archive ``item`` here, extract it in the pool; exactly one "item" event reports it."""
    try:
        fetched = fetch_page(source, item, seen, ctx.client, warc=warc)
    except Exception as exc:  # a bug must cost this item only
        log.exception("[%s] internal error on %s", source.id, item.url)
        fetched = internal_error(item, repr(exc))
    if isinstance(fetched, ItemResult):
        events.put(("item", source.id, fetched))
        return
    in_flight.add()

    def done(result: ItemResult) -> None:
        try:
            events.put(("item", source.id, result))
        finally:
            in_flight.remove()

    ctx.extraction.submit(source, fetched, done)


def plan_source(
    source: Source, outcome: DiscoveryOutcome, prepared: Prepared, *, since: date | None, until: date | None, limit: int
) -> Plan:
    """:func:`plan_items` over what discovery found and what the frontier still holds."""
    # The frontier's pending items come after this run's discoveries: a 304 cannot hide them.
    items = dedupe_items(outcome.items + prepared.frontier.pending)
    return plan_items(
        items,
        source=source,
        known=prepared.known(items),
        given_up=prepared.frontier.given_up,
        since=since,
        until=until,
        limit=limit,
        requeued=frozenset(canonical_url(item.url) for item in prepared.frontier.pending),
        due=prepared.due,
    )
