"""A whole run over many sources: one worker thread per source, every catalog write on the calling thread."""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pipeline.archive import WarcFile, warc_path
from pipeline.config import Settings, Source
from pipeline.enrich import Enricher, load_enricher
from pipeline.errors import CatalogError, traceback_wanted
from pipeline.fetch.client import HttpClient
from pipeline.ingest.discover import dedupe_items, discover_source
from pipeline.ingest.fetch import fetch_item
from pipeline.ingest.outcomes import DiscoveryOutcome, Mode, RunObserver, RunReport, SourceReport
from pipeline.ingest.plan import Plan, plan_items
from pipeline.ingest.record import record_discovery, record_failure_quietly, record_item, record_plan
from pipeline.store.catalog import Catalog
from pipeline.store.frontier import Frontier, KnownItem, Validators

log = logging.getLogger(__name__)


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
    report = RunReport(run_id=run_id, mode=mode, started_at=datetime.now(UTC))
    log.info("run %s (%s) started over %d source(s)", run_id[:8], mode, len(sources))
    try:
        _run(settings, sources, catalog, report, observer, since=since, until=until, enricher=load_enricher(settings))
    except BaseException:
        report.finished_at = datetime.now(UTC)
        try:
            _close_run(catalog, run_id, "failed")
        except CatalogError as unclosed:  # what stopped the run is the error to raise; this one is told alongside
            log.warning("%s", unclosed)
        raise
    report.finished_at = datetime.now(UTC)
    _close_run(catalog, run_id, report.status if len(report.sources) == len(sources) else "failed")
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
                    log.warning(
                        "[%s] catalog error while handling %s: %s",
                        source_id,
                        kind,
                        exc,
                        exc_info=traceback_wanted(log, exc),
                    )
                    record_failure_quietly(catalog, report.run_id, source_id, "catalog", exc)
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
